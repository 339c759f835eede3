"""Production shape: two daphne processes sharing Redis; an event published through one
reaches a client of the other."""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
from rest_framework.authtoken.models import Token
from websockets.sync.client import connect

from tests.conftest import World, database_env, free_port, start_daphne, stop

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


def post(ws, stream: str, body: str, ref: str | None = None) -> None:
    frame = {"op": "do", "stream": stream, "action": "topic.create", "data": {"body": body}}
    if ref is not None:
        frame["ref"] = ref
    ws.send(json.dumps(frame))


@contextmanager
def alice_and_bob_on_two_processes(world: World, env: dict[str, str] | None = None):
    """Two server processes sharing Redis; alice connected to the first, bob the second."""
    alice_token = Token.objects.create(user=world.alice)
    bob_token = Token.objects.create(user=world.bob)
    ports = [free_port(), free_port()]
    processes = [start_daphne(port, env=env) for port in ports]
    try:
        with open_socket(ports[0], alice_token) as alice, open_socket(ports[1], bob_token) as bob:
            yield alice, bob
    finally:
        for process in processes:
            stop(process)


def test_an_event_published_through_one_process_reaches_a_client_of_the_other(
    redis: None, world: World
) -> None:
    with alice_and_bob_on_two_processes(world) as (alice, bob):
        assert alice.subprotocol == "linli.v1" == bob.subprotocol
        for ws in (alice, bob):
            ws.send(json.dumps({"op": "sub", "stream": world.board.stream}))
            assert receive(ws) == {"op": "subbed", "stream": world.board.stream, "seq": 0}
        post(alice, world.board.stream, "两个进程,一个小区", ref="a1")
        on_bob = receive(bob)
        assert on_bob["op"] == "ev" and on_bob["seq"] == 1
        assert on_bob["data"]["title"] == "两个进程,一个小区"
        on_alice = sorted((receive(alice), receive(alice)), key=lambda f: f["op"])
        assert [f["op"] for f in on_alice] == ["ev", "ok"]
        assert on_alice[0] == on_bob  # the same frame, encoded once by the publisher


def test_a_process_whose_redis_subscription_drops_catches_up_in_order(
    redis: None, world: World
) -> None:
    import time

    import redis as redis_client
    from django.conf import settings

    env = {**database_env(), "LINLI_WS_RECONCILE_SECONDS": "1"}
    with alice_and_bob_on_two_processes(world, env) as (alice, bob):
        bob.send(json.dumps({"op": "sub", "stream": world.board.stream}))
        assert receive(bob)["op"] == "subbed"
        post(alice, world.board.stream, "一")
        assert receive(bob)["seq"] == 1
        # Every pub/sub connection to Redis is cut, as in a Redis restart or failover.
        killed = redis_client.Redis.from_url(settings.REDIS_URL).client_kill_filter(_type="pubsub")
        assert killed >= 1
        post(alice, world.board.stream, "二")  # may be published while process 2 is unsubscribed
        # Even with no later event to reveal the gap, it arrives (within the reconcile
        # interval at worst), then live delivery resumes in order.
        assert receive(bob)["seq"] == 2
        time.sleep(2)
        post(alice, world.board.stream, "三")
        assert receive(bob)["seq"] == 3
