"""A resume whose replay is larger than the send-buffer cap (issue 15, item 8).

Replays go through the same per-socket cap as live frames; a backlog bigger than the cap
must still reach a client that reads it, and not drop the socket every time it resumes.
"""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from rest_framework.authtoken.models import Token
from websockets.sync.client import connect

import realtime
from forum.models import BODY_MAX
from tests.conftest import World, database_env, free_port, start_daphne, stop

pytestmark = pytest.mark.django_db(transaction=True)

REPLIES = 100


def fill_topic(world: World, replies: int = REPLIES) -> str:
    """A topic whose stream holds `replies` replies of 5,000 characters (~15 KB each)."""
    from forum import services

    topic = services.topic_create(user=world.bob, board=world.board, title="长帖", body="开头")
    stream = topic.stream
    with transaction.atomic():
        for i in range(replies):
            body = f"{i:04d}" + "邻" * (BODY_MAX - 4)
            realtime.publish(stream, "post.created", {"id": i, "body": body})
    return stream


def test_a_replay_larger_than_the_send_buffer_reaches_a_reading_client(world: World) -> None:
    stream = fill_topic(world)
    token = Token.objects.create(user=world.alice)
    port = free_port()
    # The default 1 MiB cap; the replay is ~1.5 MB.
    server = start_daphne(port, env={**database_env(), "LINLI_WS_SEND_BUFFER_MAX": "1048576"})
    try:
        for _attempt in range(2):  # a second resume behaves the same: no loop of drops
            with connect(
                f"ws://127.0.0.1:{port}/ws/",
                subprotocols=["linli.v1", f"token.{token.key}"],
                compression=None,
                open_timeout=10,
                max_size=None,
            ) as ws:
                ws.send(json.dumps({"op": "sub", "stream": stream, "since": 0, "ref": "r"}))
                received = []
                while True:
                    frame = json.loads(ws.recv(timeout=30))
                    received.append(frame)
                    if frame["op"] in ("subbed", "resync", "err"):
                        break
                # All of it, in order (a `resync` would also keep the contract, but the
                # server replays in drained chunks, so a reading client gets the events).
                assert received[-1] == {
                    "op": "subbed",
                    "stream": stream,
                    "seq": REPLIES,
                    "ref": "r",
                }
                assert [f["seq"] for f in received[:-1]] == list(range(1, REPLIES + 1))
                assert [f["data"]["id"] for f in received[:-1]] == list(range(REPLIES))
                # The socket is still open and answering.
                ws.send(json.dumps({"op": "ping", "ref": "p"}))
                assert json.loads(ws.recv(timeout=10)) == {"op": "pong", "ref": "p"}
    finally:
        stop(server)


def health(port: int) -> dict:
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
        return json.load(response)


def test_a_client_that_reads_nothing_of_its_replay_is_dropped_not_waited_for(
    world: World,
) -> None:
    import socket
    import time

    from tests.realtime.test_direct import stalled_subscriber

    # ~6 MB: more than the kernel's socket buffers (up to 4 MiB) absorb, plus the cap.
    stream = fill_topic(world, replies=400)
    token = Token.objects.create(user=world.alice)
    port = free_port()
    env = {**database_env(), "LINLI_WS_SEND_STALL_SECONDS": "1"}
    server = start_daphne(port, env=env)
    stalled: socket.socket | None = None
    try:
        stalled = stalled_subscriber(port, token, stream, since=0)
        deadline = time.monotonic() + 15
        while health(port)["connections"] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert health(port)["connections"] == 0
    finally:
        if stalled is not None:
            stalled.close()
        stop(server)


async def test_a_replay_longer_than_a_page_arrives_whole_and_in_order(
    world: World, connect, monkeypatch
) -> None:
    from channels.db import database_sync_to_async

    from realtime import consumers
    from tests.realtime.conftest import session_cookie

    monkeypatch.setattr(consumers, "REPLAY_PAGE", 7)

    def publish(count: int) -> None:
        with transaction.atomic():
            for i in range(count):
                realtime.publish(world.board.stream, "n", {"i": i})

    await database_sync_to_async(publish)(30)
    ws = await connect(await database_sync_to_async(session_cookie)(world.alice))
    await ws.send_json_to({"op": "sub", "stream": world.board.stream, "since": 2, "ref": "s"})
    frames = [await ws.receive_json_from(timeout=5) for _ in range(29)]
    assert [f.get("seq") for f in frames[:-1]] == list(range(3, 31))
    assert frames[-1] == {"op": "subbed", "stream": world.board.stream, "seq": 30, "ref": "s"}
