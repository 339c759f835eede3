"""Writing a prebuilt frame straight to a daphne socket: the fan-out's fast path.

Through ASGI each delivery costs a send coroutine, autobahn's framing and a Twisted write
that waits for the next reactor turn; with thousands of sockets that waiting dominates
(docs/realtime.md, docs/performance.md). Here the frame is built once per event and each
socket gets it with one `send()` when its buffer is empty, or appended to Twisted's buffer
otherwise, so per-socket order holds either way.

This leans on daphne, autobahn and Twisted internals: the protocol that `realtime.serve`
puts in the scope, autobahn's `state`/`send_queue`/`_perMessageCompress`, and Twisted's
`tcp.Connection` buffer (`dataBuffer`, `offset`, `_tempDataLen`, `writeSomeData`).
`DirectSocket.attach` checks each of them and returns None when one is missing, so an
upgrade that changes them degrades to the ASGI path instead of breaking;
tests/realtime/test_direct.py pins the behaviour on the installed versions.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from autobahn.websocket.protocol import PreparedMessage

log = logging.getLogger(__name__)

EXTENSION = "linli.direct"

# Filled during the opening handshake, read only by autobahn's processHandshake.
_HANDSHAKE_FIELDS: tuple[tuple[str, Any], ...] = (
    ("http_headers", {}),
    ("http_request_data", b""),
    ("http_response_data", ""),
    ("http_request_params", {}),
    ("websocket_protocols", []),
    ("websocket_extensions", []),
)

# A socket's own replies and replays fill at most this share of the cap, so live frames
# of its other streams always have room behind them.
REPLY_SHARE = 0.5
# How often a reply waiting for room looks at the socket's buffer again. Twisted offers
# no drain callback to a second producer (daphne's HTTP channel is the registered one).
DRAIN_POLL_SECONDS = 0.005

_TRANSPORT_API = ("writeSomeData", "write", "dataBuffer", "offset", "_tempDataLen", "connected")


def text_frame(payload: bytes) -> bytes:
    """One unmasked, uncompressed text frame, built by autobahn's broadcast helper."""
    return bytes(PreparedMessage(payload, False, False, True).payloadHybi)


class SlowClient(Exception):
    """The socket's unsent backlog passed the cap: it is dropped, and resumes with `since`."""


class DirectSocket:
    __slots__ = ("protocol", "transport", "limit")

    def __init__(self, protocol: Any, transport: Any, limit: int) -> None:
        self.protocol = protocol
        self.transport = transport
        self.limit = limit

    @classmethod
    def attach(cls, scope: dict[str, Any], limit: int) -> DirectSocket | None:
        protocol = scope.get("extensions", {}).get(EXTENSION, {}).get("protocol")
        if protocol is None:
            return None
        transport = getattr(protocol, "transport", None)
        if (
            transport is None
            or not all(hasattr(transport, name) for name in _TRANSPORT_API)
            or getattr(protocol, "_perMessageCompress", "missing") is not None
            or not hasattr(protocol, "send_queue")
            or not hasattr(protocol, "STATE_OPEN")
            or not hasattr(protocol, "sendData")
        ):
            return None
        return cls(protocol, transport, limit)

    def release_handshake(self) -> None:
        """Let go of what only the opening handshake needed, once the socket is open.

        autobahn keeps the request's headers and raw bytes on the protocol, and the
        upgraded HTTP request stays reachable from the HTTP channel that Twisted keeps as
        the transport's producer. Together that is several KiB per socket for its whole
        life; autobahn's server side reads them only inside processHandshake.
        """
        protocol = self.protocol
        if protocol.state != protocol.STATE_OPEN:
            return
        for name, empty in _HANDSHAKE_FIELDS:
            if hasattr(protocol, name):
                setattr(protocol, name, empty)
        channel = getattr(self.transport, "producer", None)
        requests = getattr(channel, "requests", None)
        if isinstance(requests, list):
            requests.clear()

    def pending(self) -> int:
        transport = self.transport
        return int(len(transport.dataBuffer) - transport.offset + transport._tempDataLen)

    def is_open(self) -> bool:
        return bool(self.protocol.state == self.protocol.STATE_OPEN and self.transport.connected)

    async def make_room(self, size: int, stall_seconds: float) -> None:
        """Wait until `size` more bytes fit in the replies' share of the cap.

        Replies and replays are written by the consumer that asked for them, so unlike
        live fan-out it can wait for a reading client instead of dropping it: a replay
        larger than the cap then goes out in drained chunks. A client that reads nothing
        for `stall_seconds` is dropped all the same (SlowClient)."""
        budget = int(self.limit * REPLY_SHARE)
        pending = self.pending()
        if pending == 0 or pending + size <= budget:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + stall_seconds
        while pending and pending + size > budget and self.is_open():
            await asyncio.sleep(DRAIN_POLL_SECONDS)
            now = self.pending()
            if now < pending:  # the client is reading: give it the full time again
                deadline = loop.time() + stall_seconds
            elif loop.time() >= deadline:
                self.transport.abortConnection()
                raise SlowClient(now)
            pending = now

    def write(self, frame: bytes) -> bool:
        """Send one prebuilt frame. False if the socket is not open (skip it)."""
        protocol, transport = self.protocol, self.transport
        if protocol.state != protocol.STATE_OPEN or not transport.connected:
            return False
        if protocol.send_queue:  # autobahn has queued frames: stay behind them
            protocol.sendData(frame)
            return True
        backlog = self.pending()
        if backlog == 0:
            sent = transport.writeSomeData(frame)
            if isinstance(sent, Exception):
                return False  # the reactor notices the loss and closes the socket
            if sent == len(frame):
                return True
            frame = frame[sent:]
        elif backlog + len(frame) > self.limit:
            transport.abortConnection()
            raise SlowClient(backlog)
        transport.write(frame)
        return True
