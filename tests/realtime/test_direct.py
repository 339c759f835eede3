"""The fan-out fast path (realtime/direct.py) on the installed daphne, autobahn and Twisted.

These pin the library internals it leans on: if an upgrade changes them, the fast path must
switch itself off (ASGI sends) rather than break delivery.
"""

from __future__ import annotations

import json
import socket
import struct
import time
import urllib.request

import pytest
from django.db import transaction
from rest_framework.authtoken.models import Token
from websockets.sync.client import connect

import realtime
from realtime.direct import text_frame
from tests.conftest import PLAIN_DAPHNE, SERVE, World, database_env, free_port, start_daphne, stop

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("length", [0, 1, 125, 126, 65535, 65536, 200_000])
def test_frames_are_single_unmasked_text_frames(length: int) -> None:
    payload = b"x" * length
    frame = text_frame(payload)
    assert frame[0] == 0x81  # FIN, text
    assert frame[1] & 0x80 == 0  # servers never mask
    marker = frame[1] & 0x7F
    if length < 126:
        header = 2
        assert marker == length
    elif length < 65536:
        header = 4
        assert marker == 126
        assert struct.unpack("!H", frame[2:4])[0] == length
    else:
        header = 10
        assert marker == 127
        assert struct.unpack("!Q", frame[2:10])[0] == length
    assert frame[header:] == payload


def health(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
        return json.load(response)


def open_socket(port: int, token: Token, **kwargs):
    return connect(
        f"ws://127.0.0.1:{port}/ws/",
        subprotocols=["linli.v1", f"token.{token.key}"],
        compression=None,
        open_timeout=10,
        **kwargs,
    )


@pytest.mark.parametrize(("command", "path"), [(SERVE, "direct"), (PLAIN_DAPHNE, "asgi")])
def test_events_arrive_in_order_on_either_path(world: World, command, path) -> None:
    token = Token.objects.create(user=world.alice)
    port = free_port()
    server = start_daphne(port, command=command)
    try:
        with open_socket(port, token) as writer, open_socket(port, token) as reader:
            for ws in (writer, reader):
                ws.send(json.dumps({"op": "sub", "stream": world.board.stream}))
                assert json.loads(ws.recv(timeout=10))["op"] == "subbed"
            for i in range(30):
                writer.send(
                    json.dumps(
                        {
                            "op": "do",
                            "stream": world.board.stream,
                            "action": "topic.create",
                            "data": {"body": f"第{i}条"},
                        }
                    )
                )
            seqs = [json.loads(reader.recv(timeout=10))["seq"] for _ in range(30)]
            assert seqs == list(range(1, 31))
        counters = health(port)["deliveries"]
        assert counters[path] >= 60  # 30 events to each of two sockets
        assert counters["asgi" if path == "direct" else "direct"] == 0
    finally:
        stop(server)


def stalled_subscriber(
    port: int, token: Token, stream: str, since: int | None = None
) -> socket.socket:
    """A client that subscribes and then never reads again: a raw handshake, one frame."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(
        b"GET /ws/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\n"
        + f"Sec-WebSocket-Protocol: linli.v1, token.{token.key}\r\n\r\n".encode()
    )
    assert b" 101 " in sock.recv(4096)
    sub: dict[str, object] = {"op": "sub", "stream": stream}
    if since is not None:
        sub["since"] = since
    payload = json.dumps(sub).encode()
    mask = b"\x01\x02\x03\x04"
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)
    return sock


def test_a_client_that_stops_reading_is_dropped_and_others_are_not_held_up(
    world: World, redis: None
) -> None:
    token = Token.objects.create(user=world.alice)
    port = free_port()
    server = start_daphne(port)
    stalled = stalled_subscriber(port, token, world.board.stream)
    try:
        # The reader's client buffers whatever arrives (max_queue=None), so it keeps
        # reading from the socket while this test is busy publishing.
        with open_socket(port, token, max_queue=None) as reader:
            reader.send(json.dumps({"op": "sub", "stream": world.board.stream}))
            assert json.loads(reader.recv(timeout=10))["op"] == "subbed"
            time.sleep(0.5)  # the stalled socket's sub is processed too
            assert health(port)["connections"] == 2
            # ~6 MB of events, at a pace a reading client keeps up with: far more than
            # the stalled socket's kernel buffers plus the 1 MiB cap.
            events, pad = 300, "x" * 20_000
            for first in range(0, events, 5):
                with transaction.atomic():
                    for i in range(first, first + 5):
                        realtime.publish(world.board.stream, "bulk", {"i": i, "pad": pad})
                time.sleep(0.05)
            received = [json.loads(reader.recv(timeout=20))["data"]["i"] for _ in range(events)]
            assert received == list(range(events))  # the reader was never held up
            deadline = time.monotonic() + 20
            while health(port)["deliveries"]["slow_dropped"] == 0 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert health(port)["deliveries"]["slow_dropped"] == 1
            deadline = time.monotonic() + 10
            while health(port)["connections"] != 1 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert health(port)["connections"] == 1  # only the reader is left
    finally:
        stalled.close()
        stop(server)


def test_a_socket_keeps_working_after_its_handshake_data_is_released(world: World) -> None:
    """realtime.serve drops autobahn's handshake fields and the upgraded HTTP request once
    a socket is open (DirectSocket.release_handshake): pings, replies and the server's
    close handshake must all still work on such a socket."""
    from websockets.exceptions import ConnectionClosed

    token = Token.objects.create(user=world.alice)
    port = free_port()
    server = start_daphne(port, env={**database_env(), "LINLI_WS_IDLE_SECONDS": "3"})
    try:
        with open_socket(port, token) as ws:
            ws.ping().wait(timeout=5)  # autobahn answers the protocol-level ping
            ws.send(json.dumps({"op": "sub", "stream": world.board.stream, "ref": "s"}))
            assert json.loads(ws.recv(timeout=10))["op"] == "subbed"
            ws.send(json.dumps({"op": "unsub", "stream": world.board.stream, "ref": "u"}))
            assert json.loads(ws.recv(timeout=10)) == {"op": "ok", "ref": "u"}
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=20)  # silent: the server closes it as idle
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 4408
    finally:
        stop(server)
