"""The /ws/ protocol end to end through the ASGI app: auth, sub, replay, resync, do, errors."""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from django.db import transaction
from rest_framework.authtoken.models import Token

import realtime
from forum import services
from realtime.models import Event
from tests.conftest import World
from tests.realtime.conftest import Connect, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def post(world: World, author: object, body: str) -> None:
    services.topic_create(user=author, board=world.board, title="", body=body)


async def subscribe(ws, stream: str, since: int | None = None) -> list[dict]:
    """Send sub and collect frames up to and including `subbed` (or `resync` / `err`)."""
    frame = {"op": "sub", "stream": stream, "ref": "s"}
    if since is not None:
        frame["since"] = since
    await ws.send_json_to(frame)
    received = []
    while True:
        message = await ws.receive_json_from(timeout=5)
        received.append(message)
        if message["op"] in ("subbed", "resync", "err"):
            return received


async def test_a_member_subscribes_and_receives_a_new_post_live(world: World, connect: Connect):
    ws = await connect(await database_sync_to_async(session_cookie)(world.alice))
    assert await subscribe(ws, world.board.stream) == [
        {"op": "subbed", "stream": world.board.stream, "seq": 0, "ref": "s"}
    ]
    await database_sync_to_async(post)(world, world.bob, "楼道灯坏了")
    event = await ws.receive_json_from(timeout=5)
    assert event["op"] == "ev" and event["stream"] == world.board.stream
    assert event["seq"] == 1 and event["type"] == "topic.created"
    assert event["data"]["title"] == "楼道灯坏了" and event["data"]["author"] == "李阿姨"
    assert event["at"].endswith("Z")


async def test_sub_with_since_replays_what_was_missed_in_order(world: World, connect: Connect):
    for body in ("一", "二", "三"):
        await database_sync_to_async(post)(world, world.bob, body)
    ws = await connect(await database_sync_to_async(session_cookie)(world.alice))
    frames = await subscribe(ws, world.board.stream, since=1)
    assert [(f["op"], f.get("seq")) for f in frames] == [("ev", 2), ("ev", 3), ("subbed", 3)]
    assert [f["data"]["title"] for f in frames[:2]] == ["二", "三"]
    await database_sync_to_async(post)(world, world.bob, "四")
    assert (await ws.receive_json_from(timeout=5))["seq"] == 4
    assert await ws.receive_nothing(timeout=0.2)


async def test_sub_beyond_the_backlog_answers_resync(world: World, connect: Connect, settings):
    settings.LINLI_BACKLOG_EVENTS = 2
    for body in ("一", "二", "三", "四"):
        await database_sync_to_async(post)(world, world.bob, body)
    ws = await connect(await database_sync_to_async(session_cookie)(world.alice))
    assert await subscribe(ws, world.board.stream, since=0) == [
        {"op": "resync", "stream": world.board.stream, "seq": 4, "ref": "s"}
    ]
    # Trimmed events also force a resync, even within the replay limit.
    settings.LINLI_BACKLOG_EVENTS = 1000
    await database_sync_to_async(Event.objects.filter(seq__lte=2).delete)()
    assert (await subscribe(ws, world.board.stream, since=1))[-1]["op"] == "resync"
    assert (await subscribe(ws, world.board.stream, since=2))[-1] == {
        "op": "subbed",
        "stream": world.board.stream,
        "seq": 4,
        "ref": "s",
    }
    # A client ahead of the server (a restored database) must reload too.
    assert (await subscribe(ws, world.board.stream, since=99))[-1]["op"] == "resync"


async def test_streams_outside_ones_neighborhood_are_forbidden(world: World, connect: Connect):
    ws = await connect(await database_sync_to_async(session_cookie)(world.outsider))
    for stream in (
        world.board.stream,
        f"place.{world.place.pk}",
        f"user.{world.alice.pk}",
        "board.999999",
        "nosuchkind.1",
    ):
        answer = await subscribe(ws, stream)
        assert answer == [answer[0]] and answer[0]["op"] == "err"
        assert answer[0]["code"] == "forbidden", stream
    # Nothing of that board reaches the outsider.
    await database_sync_to_async(post)(world, world.alice, "只给本小区看")
    assert await ws.receive_nothing(timeout=0.3)


async def test_anonymous_sockets_may_not_follow_private_streams(world: World, connect: Connect):
    ws = await connect(None)
    assert (await subscribe(ws, world.board.stream))[0]["code"] == "forbidden"


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"op":"sub","stream":"board"}',
        '{"op":"dance"}',
        '{"op":"sub","stream":"board.1","since":-4}',
        '{"op":"do","stream":"board.1"}',
    ],
)
async def test_malformed_frames_answer_invalid_and_keep_the_socket(
    world: World, connect: Connect, text: str
):
    ws = await connect(await database_sync_to_async(session_cookie)(world.alice))
    await ws.send_to(text_data=text)
    answer = await ws.receive_json_from(timeout=5)
    assert answer["op"] == "err" and answer["code"] == "invalid"
    await ws.send_json_to({"op": "ping", "ref": "p"})
    assert await ws.receive_json_from(timeout=5) == {"op": "pong", "ref": "p"}


async def test_binary_frames_are_invalid(world: World, connect: Connect):
    ws = await connect(None)
    await ws.send_to(bytes_data=b"\x00\x01")
    assert (await ws.receive_json_from(timeout=5))["code"] == "invalid"


# In the application an oversize message closes with 4009: the WebSocket layer closes with
# 1009 before it gets here under realtime.serve (tests/realtime/test_edge_limits.py), and
# autobahn refuses to send 1009 for an application.
async def test_an_oversize_frame_closes_with_4009(world: World, connect: Connect, settings):
    settings.LINLI_WS_MAX_MESSAGE_BYTES = 1024
    ws = await connect(None)
    await ws.send_to(text_data=json.dumps({"op": "ping", "ref": "x" * 2000}))
    assert await ws.receive_output(timeout=5) == {"type": "websocket.close", "code": 4009}


async def test_multibyte_text_counts_in_bytes(world: World, connect: Connect, settings):
    settings.LINLI_WS_MAX_MESSAGE_BYTES = 1024
    ws = await connect(None)
    await ws.send_to(text_data='{"op":"ping","x":"' + "邻" * 400 + '"}')  # 400 chars, 1,200 bytes
    assert await ws.receive_output(timeout=5) == {"type": "websocket.close", "code": 4009}


async def test_a_foreign_origin_is_refused_before_accept(world: World, connect: Connect):
    cookie = await database_sync_to_async(session_cookie)(world.alice)
    await connect(cookie, origin=b"https://evil.example", expect=False)


async def test_without_origin_cookies_are_ignored(world: World, connect: Connect):
    ws = await connect(await database_sync_to_async(session_cookie)(world.alice), origin=None)
    assert (await subscribe(ws, world.board.stream))[0]["code"] == "forbidden"


async def test_apps_authenticate_with_a_token_subprotocol(world: World, connect: Connect):
    token = await database_sync_to_async(Token.objects.create)(user=world.alice)
    ws = await connect(None, origin=None, subprotocols=("linli.v1", f"token.{token.key}"))
    assert (await subscribe(ws, world.board.stream))[-1]["op"] == "subbed"


async def test_a_bad_token_closes_with_4401(world: World, connect: Connect):
    ws = await connect(None, origin=None, subprotocols=("linli.v1", "token.nope"))
    assert await ws.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}


async def test_do_runs_the_service_and_answers_ok(world: World, connect: Connect):
    ws = await connect(await database_sync_to_async(session_cookie)(world.alice))
    await subscribe(ws, world.board.stream)
    await ws.send_json_to(
        {
            "op": "do",
            "stream": world.board.stream,
            "action": "topic.create",
            "data": {"body": "社区花园什么时候开工?"},
            "ref": "d1",
        }
    )
    frames = [await ws.receive_json_from(timeout=5) for _ in range(2)]
    ok = next(f for f in frames if f["op"] == "ok")
    event = next(f for f in frames if f["op"] == "ev")
    assert ok["ref"] == "d1" and ok["data"]["id"] == event["data"]["id"]


async def test_do_errors_carry_a_stable_code_and_a_translated_message(
    world: World, connect: Connect
):
    ws = await connect(await database_sync_to_async(session_cookie)(world.alice), language="en")
    base = {"op": "do", "stream": world.board.stream, "action": "topic.create"}
    await ws.send_json_to({**base, "data": {"body": "   "}, "ref": "e1"})
    assert await ws.receive_json_from(timeout=5) == {
        "op": "err",
        "code": "invalid",
        "message": "Please write something.",
        "ref": "e1",
    }
    await ws.send_json_to({**base, "data": {"body": "长" * 5001}, "ref": "e2"})
    answer = await ws.receive_json_from(timeout=5)
    assert answer["code"] == "invalid" and "5000" in answer["message"]
    await ws.send_json_to({**base, "action": "no.such", "ref": "e3"})
    assert (await ws.receive_json_from(timeout=5))["code"] == "not_found"
    outsider = await connect(await database_sync_to_async(session_cookie)(world.outsider))
    await outsider.send_json_to({**base, "data": {"body": "hi"}, "ref": "e4"})
    assert (await outsider.receive_json_from(timeout=5))["code"] == "not_found"
    count = await database_sync_to_async(world.board.topics.count)()
    assert count == 0


async def test_chinese_is_the_default_language_of_messages(world: World, connect: Connect):
    ws = await connect(await database_sync_to_async(session_cookie)(world.alice))
    await ws.send_json_to(
        {
            "op": "do",
            "stream": world.board.stream,
            "action": "topic.create",
            "data": {"body": ""},
            "ref": "z",
        }
    )
    answer = await ws.receive_json_from(timeout=5)
    assert answer["code"] == "invalid"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in answer["message"]), answer["message"]


async def test_a_rolled_back_write_is_never_sent(world: World, connect: Connect):
    ws = await connect(await database_sync_to_async(session_cookie)(world.alice))
    await subscribe(ws, world.board.stream)

    def failing_write() -> None:
        with pytest.raises(RuntimeError), transaction.atomic():
            realtime.publish(world.board.stream, "topic.created", {"title": "幽灵"})
            raise RuntimeError("the service failed after publishing")

    await database_sync_to_async(failing_write)()
    assert await ws.receive_nothing(timeout=0.3)
    await database_sync_to_async(post)(world, world.bob, "真的")
    event = await ws.receive_json_from(timeout=5)
    assert event["seq"] == 1 and event["data"]["title"] == "真的"  # the seq was handed back


async def test_unsub_stops_the_stream(world: World, connect: Connect):
    ws = await connect(await database_sync_to_async(session_cookie)(world.alice))
    await subscribe(ws, world.board.stream)
    await ws.send_json_to({"op": "unsub", "stream": world.board.stream, "ref": "u"})
    assert await ws.receive_json_from(timeout=5) == {"op": "ok", "ref": "u"}
    await database_sync_to_async(post)(world, world.bob, "听不到")
    assert await ws.receive_nothing(timeout=0.3)


async def test_too_many_frames_are_refused_then_the_socket_is_closed(
    world: World, connect: Connect, settings
):
    settings.LINLI_WS_RATE = (0.001, 2.0)
    ws = await connect(None)
    for _ in range(2):
        await ws.send_json_to({"op": "ping"})
        assert (await ws.receive_json_from(timeout=5))["op"] == "pong"
    await ws.send_json_to({"op": "ping"})
    assert (await ws.receive_json_from(timeout=5))["code"] == "rate_limited"
    for _ in range(19):
        await ws.send_json_to({"op": "ping"})
    outputs = [await ws.receive_output(timeout=5) for _ in range(19)]
    assert outputs[-1] == {"type": "websocket.close", "code": 4429}


async def test_logging_out_closes_that_sessions_sockets_with_4401(world: World, connect: Connect):
    from django.test import Client

    client = Client()
    await database_sync_to_async(client.force_login)(world.alice)
    cookie = client.cookies["sessionid"].value
    ws = await connect(cookie)
    other_session = await connect(await database_sync_to_async(session_cookie)(world.alice))
    await database_sync_to_async(client.post)("/logout/")
    assert await ws.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
    await other_session.send_json_to({"op": "ping"})
    assert (await other_session.receive_json_from(timeout=5))["op"] == "pong"


async def test_idle_sockets_are_closed_with_4408(
    world: World, connect: Connect, settings, monkeypatch
):
    from realtime import hub

    monkeypatch.setattr(hub, "SWEEP_SECONDS", 0.05)
    settings.LINLI_WS_IDLE_SECONDS = 0
    ws = await connect(None)
    await asyncio.sleep(0.1)
    assert await ws.receive_output(timeout=5) == {"type": "websocket.close", "code": 4408}


async def test_a_lone_surrogate_is_invalid_and_leaves_nothing_behind(world: World, connect):
    from realtime.hub import hub

    ws = await connect(None)
    await ws.send_to(text_data='{"op":"ping","ref":"\\ud800"}')
    answer = await ws.receive_json_from(timeout=5)
    assert answer["code"] == "invalid"
    assert "ref" not in answer
    await ws.send_json_to({"op": "ping", "ref": "ok"})
    assert (await ws.receive_json_from(timeout=5))["op"] == "pong"
    await ws.disconnect()
    assert hub().connections == set()


async def test_a_cancelled_consumer_is_forgotten_by_the_hub(world: World, connect: Connect):
    from realtime.hub import hub

    ws = await connect(await database_sync_to_async(session_cookie)(world.alice))
    await subscribe(ws, world.board.stream)
    assert world.board.stream in hub().feeds
    ws.future.cancel()  # as daphne does to an application that outlives its socket
    with pytest.raises(asyncio.CancelledError):
        await ws.future
    assert hub().connections == set()
    assert world.board.stream not in hub().feeds


async def test_consumers_have_no_channel_of_their_own(world: World, connect: Connect):
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    before = len(getattr(layer, "channels", {}))
    for _ in range(3):
        await connect(None)
    assert len(getattr(layer, "channels", {})) <= before + 1  # at most the hub's own


async def test_a_forbidden_re_sub_stops_what_was_allowed(world: World, connect: Connect):
    from django.utils import timezone

    from accounts.models import Residency

    ws = await connect(await database_sync_to_async(session_cookie)(world.alice))
    await subscribe(ws, world.board.stream)
    await database_sync_to_async(Residency.objects.filter(user=world.alice).update)(
        ended_at=timezone.now()
    )
    assert (await subscribe(ws, world.board.stream))[0]["code"] == "forbidden"
    await database_sync_to_async(post)(world, world.bob, "只给住户看")
    assert await ws.receive_nothing(timeout=0.3)


async def test_a_failed_sub_leaves_no_half_subscription(
    world: World, connect: Connect, monkeypatch
):
    from realtime import consumers
    from realtime.hub import hub

    def broken(stream, since):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(consumers, "plan_backlog", broken)
    ws = await connect(await database_sync_to_async(session_cookie)(world.alice))
    assert (await subscribe(ws, world.board.stream))[0]["code"] == "internal"
    assert world.board.stream not in hub().feeds
    monkeypatch.undo()
    assert (await subscribe(ws, world.board.stream))[-1]["op"] == "subbed"


async def test_binary_frames_count_against_the_rate_limit(world: World, connect, settings):
    settings.LINLI_WS_RATE = (0.001, 2.0)
    ws = await connect(None)
    for _ in range(2):
        await ws.send_to(bytes_data=b"\x00")
        assert (await ws.receive_json_from(timeout=5))["code"] == "invalid"
    await ws.send_to(bytes_data=b"\x00")
    assert (await ws.receive_json_from(timeout=5))["code"] == "rate_limited"


async def test_subscriptions_per_socket_are_capped(world: World, connect: Connect, settings):
    from forum.models import Board

    settings.LINLI_WS_MAX_STREAMS = 1
    other = await database_sync_to_async(Board.objects.create)(neighborhood=world.place, name="二")
    ws = await connect(await database_sync_to_async(session_cookie)(world.alice))
    assert (await subscribe(ws, world.board.stream))[-1]["op"] == "subbed"
    assert (await subscribe(ws, other.stream))[0]["code"] == "too_many_streams"
    assert (await subscribe(ws, world.board.stream))[-1]["op"] == "subbed"  # a re-sub is fine


async def test_revoked_access_stops_the_stream_on_open_sockets(world: World, connect: Connect):
    from django.utils import timezone

    from accounts.models import Residency

    ws = await connect(await database_sync_to_async(session_cookie)(world.alice))
    await subscribe(ws, world.board.stream)

    def move_out() -> None:
        with transaction.atomic():
            Residency.objects.filter(user=world.alice).update(ended_at=timezone.now())
            realtime.recheck_user(world.alice.pk)

    await database_sync_to_async(move_out)()
    notice = await ws.receive_json_from(timeout=5)
    assert notice["op"] == "err"
    assert notice["code"] == "forbidden"
    assert notice["stream"] == world.board.stream
    await database_sync_to_async(post)(world, world.bob, "搬走以后")
    assert await ws.receive_nothing(timeout=0.3)


async def test_a_deactivated_account_is_disconnected(world: World, connect: Connect):
    from accounts.models import User

    ws = await connect(await database_sync_to_async(session_cookie)(world.alice))
    await subscribe(ws, world.board.stream)

    def deactivate() -> None:
        User.objects.filter(pk=world.alice.pk).update(is_active=False)
        realtime.recheck_user(world.alice.pk)

    await database_sync_to_async(deactivate)()
    assert await ws.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}


async def test_a_deleted_token_disconnects_its_sockets(world: World, connect: Connect):
    token = await database_sync_to_async(Token.objects.create)(user=world.alice)
    ws = await connect(None, origin=None, subprotocols=("linli.v1", f"token.{token.key}"))
    await subscribe(ws, world.board.stream)

    def revoke() -> None:
        Token.objects.filter(pk=token.pk).delete()
        realtime.recheck_user(world.alice.pk)

    await database_sync_to_async(revoke)()
    assert await ws.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}


async def test_revocation_through_the_admin_reaches_open_sockets(world: World, connect: Connect):
    """No service call needed: ending a residency however it is saved re-checks."""
    from django.utils import timezone

    from accounts.models import Residency

    ws = await connect(await database_sync_to_async(session_cookie)(world.alice))
    await subscribe(ws, world.board.stream)

    def move_out_in_admin() -> None:
        residency = Residency.objects.get(user=world.alice)
        residency.ended_at = timezone.now()
        residency.save()

    await database_sync_to_async(move_out_in_admin)()
    notice = await ws.receive_json_from(timeout=5)
    assert (notice["code"], notice["stream"]) == ("forbidden", world.board.stream)


async def test_a_password_change_ends_other_sessions_sockets(world: World, connect: Connect):
    ws = await connect(await database_sync_to_async(session_cookie)(world.alice))
    await subscribe(ws, world.board.stream)

    def change_password() -> None:
        world.alice.set_password("a-new-password-2026")
        world.alice.save()

    await database_sync_to_async(change_password)()
    assert await ws.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}


async def test_an_odd_cookie_from_another_app_does_not_hide_the_session(
    world: World, connect: Connect
):
    cookie = await database_sync_to_async(session_cookie)(world.alice)
    ws = await connect(f'{cookie}; theme=dark mode; x="y')
    assert (await subscribe(ws, world.board.stream))[-1]["op"] == "subbed"
