"""A socket must not outlive its session (issue 15, item 11).

A session can end with no logout to tell the sockets: it expires and `clearsessions`
deletes it, or an operator deletes the row. Each process checks its sockets' sessions
every LINLI_WS_SESSION_CHECK_SECONDS in one query, and an action (`do`, `sub`) re-checks
its socket's session when that check is older than the interval.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.contrib.sessions.models import Session
from django.utils import timezone
from rest_framework.authtoken.models import Token

from forum.models import Topic
from realtime import consumers
from realtime.hub import Hub
from realtime.sessions import live_sessions
from tests.conftest import World
from tests.realtime.conftest import Connect, session_cookie
from tests.realtime.test_consumer import post, subscribe

pytestmark = pytest.mark.django_db(transaction=True)

CLOSED_4401 = {"type": "websocket.close", "code": 4401}


def create_topic(stream: str, body: str, ref: str) -> dict:
    return {
        "op": "do",
        "stream": stream,
        "action": "topic.create",
        "data": {"body": body},
        "ref": ref,
    }


@pytest.fixture
def no_periodic_check(monkeypatch) -> None:
    """Only the action's own re-check is left (the hub's loop never runs)."""

    async def never(self: Hub) -> None:
        await asyncio.Event().wait()

    monkeypatch.setattr(Hub, "_check_sessions", never)


async def test_a_deleted_session_closes_its_sockets_within_the_interval(
    world: World, connect: Connect, settings
):
    settings.LINLI_WS_SESSION_CHECK_SECONDS = 0.2
    cookie = await database_sync_to_async(session_cookie)(world.alice)
    ws = await connect(cookie)
    other = await connect(await database_sync_to_async(session_cookie)(world.alice))
    token = await database_sync_to_async(Token.objects.create)(user=world.alice)
    app = await connect(None, origin=None, subprotocols=("linli.v1", f"token.{token.key}"))
    for socket in (ws, other, app):
        assert (await subscribe(socket, world.board.stream))[-1]["op"] == "subbed"
    await asyncio.sleep(0.5)  # a few checks pass: live sessions are left alone
    await database_sync_to_async(post)(world, world.bob, "还在")
    for socket in (ws, other, app):
        assert (await socket.receive_json_from(timeout=5))["seq"] == 1
    # As clearsessions or an operator would: the row goes, nobody logs out.
    await database_sync_to_async(Session.objects.filter(session_key=cookie).delete)()
    assert await ws.receive_output(timeout=5) == CLOSED_4401
    await database_sync_to_async(post)(world, world.bob, "别人的")
    for socket in (other, app):  # another session and a token socket go on
        assert (await socket.receive_json_from(timeout=5))["seq"] == 2


async def test_an_expired_session_closes_its_sockets(world: World, connect: Connect, settings):
    settings.LINLI_WS_SESSION_CHECK_SECONDS = 0.2
    cookie = await database_sync_to_async(session_cookie)(world.alice)
    ws = await connect(cookie)
    await subscribe(ws, world.board.stream)
    # Expired, not yet deleted by clearsessions.
    await database_sync_to_async(Session.objects.filter(session_key=cookie).update)(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert await ws.receive_output(timeout=5) == CLOSED_4401


async def test_the_next_action_after_the_session_ended_is_refused(
    world: World, connect: Connect, settings, no_periodic_check
):
    settings.LINLI_WS_SESSION_CHECK_SECONDS = 0.2
    cookie = await database_sync_to_async(session_cookie)(world.alice)
    ws = await connect(cookie)
    await ws.send_json_to(create_topic(world.board.stream, "登录中", "a"))
    assert (await ws.receive_json_from(timeout=5))["op"] == "ok"
    await database_sync_to_async(Session.objects.filter(session_key=cookie).delete)()
    await asyncio.sleep(0.3)  # the socket's last check is older than the interval
    await ws.send_json_to(create_topic(world.board.stream, "已退出", "b"))
    refused = await ws.receive_json_from(timeout=5)
    assert refused["op"] == "err" and refused["code"] == "not_authenticated"
    assert refused["ref"] == "b"
    assert await ws.receive_output(timeout=5) == CLOSED_4401
    titles = await database_sync_to_async(lambda: list(Topic.objects.values_list("title")))()
    assert titles == [("登录中",)]  # nothing was written for the refused action


async def test_actions_within_the_interval_cost_no_session_query(
    world: World, connect: Connect, settings, monkeypatch, no_periodic_check
):
    settings.LINLI_WS_SESSION_CHECK_SECONDS = 60
    calls: list[list[str]] = []

    def counting(keys):
        calls.append(list(keys))
        return live_sessions(keys)

    monkeypatch.setattr(consumers, "live_sessions", counting)
    ws = await connect(await database_sync_to_async(session_cookie)(world.alice))
    for i in range(5):
        await ws.send_json_to(create_topic(world.board.stream, f"第{i}条", f"r{i}"))
        assert (await ws.receive_json_from(timeout=5))["op"] == "ok"
    assert calls == []  # the handshake just checked the session


async def test_live_sessions_answers_by_row_and_expiry(world: World) -> None:
    def check() -> None:
        keys = [session_cookie(world.alice) for _ in range(3)]
        Session.objects.filter(session_key=keys[1]).delete()
        Session.objects.filter(session_key=keys[2]).update(
            expire_date=timezone.now() - timedelta(seconds=1)
        )
        assert live_sessions([*keys, "no-such-session"]) == {keys[0]}

    await database_sync_to_async(check)()
