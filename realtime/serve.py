"""`python -m realtime.serve`: daphne, with the scope extension the fast path needs.

Takes exactly daphne's command-line arguments. The changes, all for WebSockets: the scope
carries the daphne protocol under `extensions["linli.direct"]`, so the hub can write
prebuilt frames to the socket (realtime/direct.py); the receive queue is a slim one; the
collector is tuned. Under plain `daphne` everything still works, slower and bigger.
tests/realtime/test_direct.py runs both.
"""

from __future__ import annotations

import asyncio
import gc
from functools import partial
from typing import Any

from daphne.cli import CommandLineInterface
from daphne.server import Server
from twisted.web import http

from realtime.direct import EXTENSION


class SlimQueue:
    """A socket's receive queue. daphne uses an asyncio.Queue, whose four deques cost
    ~3 KiB per connection; a WebSocket's queue rarely holds more than a message."""

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def get(self) -> Any:
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.pop(0)


class LinliServer(Server):  # type: ignore[misc]
    def run(self) -> None:
        tune_gc()  # here, after daphne imported the application
        super().run()

    def protocol_connected(self, protocol: Any) -> None:
        # daphne hands Django the raw body; Twisted must not parse a form body too. Its
        # parser read every upload into memory a second time and answered a multipart
        # body it could not read (`--boundary--`) with a bare 400 before Django could
        # answer in the API's shape. Called from the request's __init__, before the body.
        if isinstance(protocol, http.Request):
            protocol._parsePOSTFormSubmission = False
        super().protocol_connected(protocol)

    def create_application(self, protocol: Any, scope: dict[str, Any]) -> Any:
        if scope.get("type") != "websocket":
            return super().create_application(protocol, scope)
        scope.setdefault("extensions", {})[EXTENSION] = {"protocol": protocol}
        # daphne keeps the handshake headers on the protocol; only this scope needs them.
        protocol.clean_headers = None
        # daphne.server.Server.create_application, with the slim queue.
        assert "application_instance" not in self.connections[protocol]
        input_queue = SlimQueue()
        scope.setdefault("asgi", {"version": "3.0"})
        instance = self.application(
            scope=scope, receive=input_queue.get, send=partial(self.handle_reply, protocol)
        )
        if protocol not in self.connections:
            return None
        self.connections[protocol]["application_instance"] = asyncio.ensure_future(instance)
        return input_queue


class LinliCommandLine(CommandLineInterface):  # type: ignore[misc]
    server_class = LinliServer


def tune_gc() -> None:
    """Thousands of long-lived sockets make full collections pause for 50-350 ms.

    Everything loaded at startup (Django, the app, the URL conf) is frozen out of the
    collector's scans, and full collections are made rarer; young garbage is still
    collected as usual.
    """
    gc.collect()
    gc.freeze()
    gen0, gen1, _gen2 = gc.get_threshold()
    gc.set_threshold(max(gen0, 5000), gen1, 100)


def main() -> None:
    LinliCommandLine.entrypoint()


if __name__ == "__main__":
    main()
