"""Oversize WebSocket messages through the real server: the WebSocket layer closes with
1009 before the message is buffered (realtime.serve sets autobahn's limits from
LINLI_WS_MAX_MESSAGE_BYTES), and nothing raises on the server."""

from __future__ import annotations

from collections.abc import Iterator
from subprocess import Popen

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from tests.conftest import PLAIN_DAPHNE, SERVE, database_env, free_port, start_daphne, stop

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 64 * 1024


@pytest.fixture(params=["serve", "plain daphne"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[str, int, Popen[bytes]]]:
    port = free_port()
    env = {**database_env(), "LINLI_WS_MAX_MESSAGE_BYTES": str(LIMIT)}
    command = SERVE if request.param == "serve" else PLAIN_DAPHNE
    process = start_daphne(port, env, command=command)
    yield request.param, port, process
    stop(process)


def close_code_after_sending(port: int, size: int) -> int | None:
    with connect(
        f"ws://127.0.0.1:{port}/ws/",
        subprotocols=[Subprotocol("linli.v1")],
        open_timeout=10,
        close_timeout=10,
    ) as ws:
        try:
            ws.send("x" * size)
            ws.recv(timeout=10)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
        pytest.fail("the socket stayed open")


def test_a_two_mib_frame_closes_with_1009_and_no_server_error(
    served: tuple[str, int, Popen[bytes]],
) -> None:
    # Plain daphne's own 1 MiB limit fails the socket by dropping the TCP connection, so
    # its client sees no close code; realtime.serve closes with a handshake and 1009.
    name, port, process = served
    expected = 1009 if name == "serve" else None
    assert close_code_after_sending(port, 2 * 1024 * 1024) == expected
    stop(process)
    stderr = process.stderr.read().decode() if process.stderr else ""
    assert "Traceback" not in stderr and "invalid close code" not in stderr


def test_a_frame_just_over_the_limit_is_closed_without_a_server_error(
    served: tuple[str, int, Popen[bytes]],
) -> None:
    # Under realtime.serve the WebSocket layer closes it (1009). Plain daphne's layer
    # lets up to 1 MiB through; the application then closes with 4009, as autobahn
    # refuses 1009 from an application.
    name, port, process = served
    expected = 1009 if name == "serve" else 4009
    assert close_code_after_sending(port, LIMIT + 1) == expected
    stop(process)
    stderr = process.stderr.read().decode() if process.stderr else ""
    assert "Traceback" not in stderr and "invalid close code" not in stderr


def test_a_frame_at_the_limit_is_answered(served: tuple[str, int, Popen[bytes]]) -> None:
    _name, port, _process = served
    with connect(
        f"ws://127.0.0.1:{port}/ws/", subprotocols=[Subprotocol("linli.v1")], open_timeout=10
    ) as ws:
        frame = '{"op":"ping","ref":"' + "r" * (LIMIT - 25) + '"}'
        assert len(frame.encode()) <= LIMIT
        ws.send(frame)
        assert '"op":' in str(ws.recv(timeout=10))  # an answer (`err`: ref too long), no close
