"""Graceful shutdown of a real server (`python -m realtime.serve`): on SIGTERM it stops
listening, closes every WebSocket with 1001, finishes the requests under way, ends its
presence lease and exits 0."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import time
from contextlib import ExitStack
from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from forum.models import Topic
from moderation.models import Room
from moderation.procedure.snapshot import state_from_data
from moderation.rooms import services as rooms
from realtime.models import ServerLease
from tests import factories
from tests.conftest import World, database_env, free_port, start_daphne, stop

pytestmark = pytest.mark.django_db(transaction=True)

GRACE_SECONDS = 10
MARGIN_SECONDS = 10  # the interpreter's own exit, on a loaded machine


def refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except OSError:
        return True


def close_code(ws: Any) -> int | None:
    try:
        while True:
            ws.recv(timeout=GRACE_SECONDS + MARGIN_SECONDS)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else None


def test_sigterm_finishes_a_request_under_way_closes_sockets_with_1001_and_exits(
    postgres: None, redis: None, world: World
) -> None:
    chair = factories.staff(world.place, role="moderator")
    room = rooms.room_create(actor=chair, neighborhood_id=world.place.pk, title="议事")
    alice_token = Token.objects.create(user=world.alice)
    chair_token = Token.objects.create(user=chair)
    port = free_port()
    env = {
        **database_env(),
        "LINLI_SHUTDOWN_GRACE_SECONDS": str(GRACE_SECONDS),
        # Long: if presence drops before exit, the lease was ended, not left to expire.
        "LINLI_PROCESS_LEASE_SECONDS": "600",
    }
    server = start_daphne(port, env=env)
    try:
        with ExitStack() as stack:
            ws = stack.enter_context(
                connect(
                    f"ws://127.0.0.1:{port}/ws/",
                    subprotocols=["linli.v1", f"token.{chair_token.key}"],  # type: ignore[list-item]
                    open_timeout=10,
                )
            )
            ws.send(json.dumps({"op": "sub", "stream": room.stream}))
            assert json.loads(ws.recv(timeout=10))["op"] == "subbed"
            deadline = time.monotonic() + 30
            while not ServerLease.objects.exists():  # the chair's presence is counted
                assert time.monotonic() < deadline
                time.sleep(0.05)

            # A post under way: headers and half the body sent when the signal comes.
            body = json.dumps({"body": "关机时发的帖子"}).encode()
            request = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            stack.callback(request.close)
            request.putrequest("POST", f"/api/v1/boards/{world.board.pk}/topics/")
            request.putheader("Authorization", f"Token {alice_token.key}")
            request.putheader("Content-Type", "application/json")
            request.putheader("Content-Length", str(len(body)))
            request.endheaders(body[:10])

            server.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 30
            while not refuses_connections(port):  # it stopped listening
                assert time.monotonic() < deadline, "still accepting after SIGTERM"
                time.sleep(0.05)
            assert close_code(ws) == 1001  # going away: reconnect elsewhere at once

            request.send(body[10:])
            response = request.getresponse()
            assert response.status == 201
            created = json.loads(response.read())
            assert Topic.objects.get(pk=created["id"]).title == "关机时发的帖子"

            assert server.wait(timeout=GRACE_SECONDS + MARGIN_SECONDS) == 0
        # The lease was ended at exit: the chair's room paused without waiting for it.
        assert not ServerLease.objects.exists()
        assert state_from_data(Room.objects.get(pk=room.pk).state).paused == "chair_away"
    finally:
        if server.poll() is None:
            stop(server)
