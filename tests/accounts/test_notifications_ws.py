"""收到 over the WebSocket (`do notification.ack` on user.<id>), the live notice, and who may
follow outreach.<id>; through the real consumer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from channels.db import database_sync_to_async

from accounts.ledger.filters import LedgerFilter
from accounts.models import Notification
from accounts.outreach import delivery, services
from tests import factories
from tests.accounts.outreach_helpers import OLD, house_with
from tests.realtime.conftest import Connect, connect, session_cookie  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Scene:
    staff: Any
    alice: Any
    bob: Any  # same household as alice
    outsider_staff: Any
    outreach: Any
    note: Any  # alice's notification


def build() -> Scene:
    place = factories.neighborhood("昌里第五")
    staff = factories.staff(place, "staff")
    _house, (alice, bob) = house_with(place, births=(OLD, OLD), accounts=2)
    house_with(place, births=(OLD,), accounts=0)
    outreach = services.outreach_send(
        actor=staff,
        neighborhood_id=place.pk,
        spec=LedgerFilter(age_min=90),
        title="免费牛奶",
        body="领取",
    )
    assert delivery.wait_idle(10)
    return Scene(
        staff=staff,
        alice=alice,
        bob=bob,
        outsider_staff=factories.staff(factories.neighborhood()),
        outreach=outreach,
        note=Notification.objects.get(outreach=outreach, user=alice),
    )


async def sub(ws, stream: str, since: int | None = None) -> list[dict]:
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


async def test_the_member_acknowledges_over_the_socket_and_staff_see_the_count(
    connect: Connect,  # noqa: F811
) -> None:
    scene = await database_sync_to_async(build)()
    staff_ws = await connect(await database_sync_to_async(session_cookie)(scene.staff))
    alice_ws = await connect(await database_sync_to_async(session_cookie)(scene.alice))
    # The member's stream replays the notice that was delivered live
    frames = await sub(alice_ws, f"user.{scene.alice.pk}", since=0)
    created = [f for f in frames if f["op"] == "ev"]
    assert [f["type"] for f in created] == ["notification.created"]
    assert created[0]["data"]["id"] == scene.note.pk
    # Staff follow the outreach's stream from its current seq
    staff_frames = await sub(staff_ws, scene.outreach.stream)
    assert staff_frames[-1]["op"] == "subbed"
    # When alice says 收到
    await alice_ws.send_json_to(
        {
            "op": "do",
            "stream": f"user.{scene.alice.pk}",
            "action": "notification.ack",
            "data": {"id": str(scene.note.pk)},  # as a form sends it
            "ref": "a1",
        }
    )
    answers = [await alice_ws.receive_json_from(timeout=5) for _ in range(2)]
    ok = next(f for f in answers if f["op"] == "ok")
    assert ok == {"op": "ok", "ref": "a1", "data": {"id": scene.note.pk, "acknowledged": True}}
    acked = next(f for f in answers if f["op"] == "ev")
    assert acked["type"] == "notification.acknowledged" and acked["data"]["id"] == scene.note.pk
    # Then staff receive the fresh counts live
    counts = await staff_ws.receive_json_from(timeout=5)
    assert counts["type"] == "outreach.counts"
    assert counts["data"]["acknowledged"] == 1 and counts["data"]["reached"] == 1
    assert counts["data"]["not_reached"] == 1 and counts["data"]["members_acknowledged"] == 1
    # And a second 收到 changes nothing and publishes nothing
    await alice_ws.send_json_to(
        {
            "op": "do",
            "stream": f"user.{scene.alice.pk}",
            "action": "notification.ack",
            "data": {"id": scene.note.pk},
            "ref": "a2",
        }
    )
    assert (await alice_ws.receive_json_from(timeout=5))["op"] == "ok"
    assert await staff_ws.receive_nothing(timeout=0.3)


async def test_nobody_acknowledges_for_someone_else(connect: Connect) -> None:  # noqa: F811
    scene = await database_sync_to_async(build)()
    bob_ws = await connect(await database_sync_to_async(session_cookie)(scene.bob), language="en")
    # On alice's stream (not his), and on his own stream with alice's notification id
    for stream in (f"user.{scene.alice.pk}", f"user.{scene.bob.pk}"):
        await bob_ws.send_json_to(
            {
                "op": "do",
                "stream": stream,
                "action": "notification.ack",
                "data": {"id": scene.note.pk},
                "ref": "x",
            }
        )
        answer = await bob_ws.receive_json_from(timeout=5)
        assert answer["op"] == "err" and answer["code"] == "not_found", stream
    for data in ({}, {"id": "abc"}, {"id": True}, {"id": [1]}):
        await bob_ws.send_json_to(
            {
                "op": "do",
                "stream": f"user.{scene.bob.pk}",
                "action": "notification.ack",
                "data": data,
                "ref": "y",
            }
        )
        answer = await bob_ws.receive_json_from(timeout=5)
        assert answer["code"] == "invalid", data
    note = await database_sync_to_async(Notification.objects.get)(pk=scene.note.pk)
    assert note.acknowledged_at is None


async def test_only_staff_of_the_place_follow_an_outreach(connect: Connect) -> None:  # noqa: F811
    scene = await database_sync_to_async(build)()
    for who in (scene.alice, scene.outsider_staff):
        ws = await connect(await database_sync_to_async(session_cookie)(who))
        assert (await sub(ws, scene.outreach.stream))[-1]["code"] == "forbidden"
    anonymous = await connect(None)
    assert (await sub(anonymous, scene.outreach.stream))[-1]["code"] == "forbidden"
    staff_ws = await connect(await database_sync_to_async(session_cookie)(scene.staff))
    frames = await sub(staff_ws, scene.outreach.stream, since=0)
    assert [f.get("type") for f in frames if f["op"] == "ev"] == [
        "outreach.progress",
        "outreach.delivered",
    ]
    assert (await sub(staff_ws, "outreach.999999"))[-1]["code"] == "forbidden"


async def test_nobody_follows_another_users_stream(connect: Connect) -> None:  # noqa: F811
    # Given bob, alice's housemate, and staff of the place
    scene = await database_sync_to_async(build)()
    for who in (scene.bob, scene.staff, scene.outsider_staff):
        ws = await connect(await database_sync_to_async(session_cookie)(who))
        # When they subscribe to alice's stream (her notifications)
        frames = await sub(ws, f"user.{scene.alice.pk}", since=0)
        # Then it is refused and none of her events is replayed
        assert frames[-1]["code"] == "forbidden"
        assert not [f for f in frames if f["op"] == "ev"]
    anonymous = await connect(None)
    assert (await sub(anonymous, f"user.{scene.alice.pk}"))[-1]["code"] == "forbidden"
