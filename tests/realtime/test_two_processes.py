"""Production shape: two daphne processes sharing Redis; an event published through one
reaches a client of the other."""

from __future__ import annotations

import json

import pytest
from rest_framework.authtoken.models import Token
from websockets.sync.client import connect

from tests.conftest import World, free_port, start_daphne, stop

pytestmark = pytest.mark.django_db(transaction=True)


def open_socket(port: int, token: Token):
    return connect(
        f"ws://127.0.0.1:{port}/ws/",
        subprotocols=["linli.v1", f"token.{token.key}"],
        open_timeout=10,
        compression=None,
    )


def receive(ws) -> dict:
    return json.loads(ws.recv(timeout=10))


def test_an_event_published_through_one_process_reaches_a_client_of_the_other(
    redis: None, world: World
) -> None:
    alice_token = Token.objects.create(user=world.alice)
    bob_token = Token.objects.create(user=world.bob)
    ports = [free_port(), free_port()]
    processes = [start_daphne(port) for port in ports]
    try:
        with open_socket(ports[0], alice_token) as alice, open_socket(ports[1], bob_token) as bob:
            assert alice.subprotocol == "linli.v1" == bob.subprotocol
            for ws in (alice, bob):
                ws.send(json.dumps({"op": "sub", "stream": world.board.stream}))
                assert receive(ws) == {"op": "subbed", "stream": world.board.stream, "seq": 0}
            alice.send(
                json.dumps(
                    {
                        "op": "do",
                        "stream": world.board.stream,
                        "action": "topic.create",
                        "data": {"body": "两个进程,一个小区"},
                        "ref": "a1",
                    }
                )
            )
            on_bob = receive(bob)
            assert on_bob["op"] == "ev" and on_bob["seq"] == 1
            assert on_bob["data"]["title"] == "两个进程,一个小区"
            on_alice = sorted((receive(alice), receive(alice)), key=lambda f: f["op"])
            assert [f["op"] for f in on_alice] == ["ev", "ok"]
            assert on_alice[0] == on_bob  # the same frame, encoded once by the publisher
    finally:
        for process in processes:
            stop(process)
