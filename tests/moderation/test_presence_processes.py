"""A room whose chair was on a server process that died: two real server processes
sharing PostgreSQL and Redis, one killed with SIGKILL (it never says goodbye)."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from websockets.sync.client import ClientConnection, connect

from moderation.models import Attendance, Room, RoomEvent
from moderation.procedure.snapshot import state_from_data
from moderation.rooms import services
from realtime.models import ServerLease
from tests import factories
from tests.conftest import database_env, free_port, start_daphne, stop

pytestmark = pytest.mark.django_db(transaction=True)

LEASE_SECONDS = 2
# How long a test waits for what must happen within the lease (+ a third, the sweep
# interval): generous, for a loaded machine; the tests wait for events, not for time.
PATIENCE = 30


@pytest.fixture
def hall(postgres: None, redis: None) -> dict[str, Any]:
    place = factories.neighborhood()
    chair = factories.staff(place, role="moderator")
    resident = factories.resident(place, name="张三")
    room = services.room_create(actor=chair, neighborhood_id=place.pk, title="加装电梯议事")
    return {"chair": chair, "resident": resident, "room": room}


@contextmanager
def two_servers() -> Iterator[list[tuple[int, subprocess.Popen[bytes]]]]:
    env = {**database_env(), "LINLI_PROCESS_LEASE_SECONDS": str(LEASE_SECONDS)}
    servers = []
    try:
        for _ in range(2):
            port = free_port()
            servers.append((port, start_daphne(port, env=env)))
        yield servers
    finally:
        for _port, process in servers:
            if process.poll() is None:
                stop(process)


@contextmanager
def follow(port: int, user: Any, room: Room) -> Iterator[ClientConnection]:
    token, _ = Token.objects.get_or_create(user=user)
    with connect(
        f"ws://127.0.0.1:{port}/ws/",
        subprotocols=["linli.v1", f"token.{token.key}"],  # type: ignore[list-item]
        open_timeout=10,
        compression=None,
    ) as ws:
        ws.send(json.dumps({"op": "sub", "stream": room.stream}))
        assert json.loads(ws.recv(timeout=10))["op"] == "subbed"
        yield ws


def wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.05)


def counted(room: Room, user: Any) -> int:
    return Attendance.objects.filter(room=room, user=user, sockets__gt=0).count()


def events_until(ws: ClientConnection, wanted: str) -> list[str]:
    """The event types `ws` receives, up to and including `wanted`."""
    seen: list[str] = []
    while wanted not in seen:
        frame = json.loads(ws.recv(timeout=PATIENCE))
        if frame["op"] == "ev":
            seen.append(frame["type"])
    return seen


def paused(room: Room) -> str | None:
    return state_from_data(Room.objects.get(pk=room.pk).state).paused


def test_the_room_pauses_when_the_chair_s_server_is_killed(hall: dict) -> None:
    chair, resident, room = hall["chair"], hall["resident"], hall["room"]
    with two_servers() as [(port_a, a), (port_b, _b)], ExitStack() as sockets:
        sockets.enter_context(follow(port_a, chair, room))
        on_b = sockets.enter_context(follow(port_b, resident, room))
        wait_for(lambda: counted(room, chair) == 1, "the chair to count as present")
        a.send_signal(signal.SIGKILL)
        a.wait(10)
        # Within the lease time (+ a sweep interval) the live server notices, pauses the
        # room and its client hears it.
        assert events_until(on_b, "room.paused")[-2:] == ["chair.disconnected", "room.paused"]
        assert paused(room) == "chair_away"
        # The chair comes back through the live server: the room resumes.
        sockets.enter_context(follow(port_b, chair, room))
        assert events_until(on_b, "room.resumed")[-2:] == ["chair.returned", "room.resumed"]
        assert paused(room) is None


def test_a_chair_connected_to_both_servers_stays_present_when_one_is_killed(
    hall: dict,
) -> None:
    chair, resident, room = hall["chair"], hall["resident"], hall["room"]
    with two_servers() as [(port_a, a), (port_b, _b)], ExitStack() as sockets:
        sockets.enter_context(follow(port_a, chair, room))
        wait_for(lambda: counted(room, chair) == 1, "the chair's socket on a")
        [process_a] = Attendance.objects.filter(room=room, user=chair).values_list(
            "process", flat=True
        )
        sockets.enter_context(follow(port_b, chair, room))
        sockets.enter_context(follow(port_b, resident, room))
        wait_for(lambda: counted(room, chair) == 2, "the chair's socket on b")
        a.send_signal(signal.SIGKILL)
        a.wait(10)
        # The live server's sweep has run: a's lease is gone and its count dropped.
        wait_for(
            lambda: (
                not ServerLease.objects.filter(pk=process_a).exists() and counted(room, chair) == 1
            ),
            "the sweep of a's lease",
        )
        assert paused(room) is None
        assert "chair.disconnected" not in RoomEvent.objects.filter(room=room).values_list(
            "type", flat=True
        )
