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
import logging
import signal
import time
from functools import partial
from typing import Any

from daphne.cli import CommandLineInterface
from daphne.server import Server  # first: it installs the asyncio reactor
from daphne.ws_protocol import WebSocketProtocol
from django.conf import settings
from twisted.internet import reactor as twisted_reactor
from twisted.internet import threads
from twisted.python.failure import Failure

from realtime.direct import EXTENSION

logger = logging.getLogger(__name__)
reactor: Any = twisted_reactor  # typed as an interface, not the installed reactor

CLOSE_GOING_AWAY = 1001
DRAIN_POLL_SECONDS = 0.05
# Ending the lease gets this long; past it the process stops anyway (others' sweeps drop
# its counts when the lease runs out).
RELEASE_TIMEOUT_SECONDS = 5.0


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
    connections: dict[Any, dict[str, Any]]  # daphne's: protocol -> its application and times

    def run(self) -> None:
        tune_gc()  # here, after daphne imported the application
        self.ports: list[Any] = []
        self.draining = False
        self.drain_until = 0.0
        # After Twisted's own handlers, which stop the reactor at once (see drain()).
        reactor.callWhenRunning(self.take_sigterm)
        super().run()

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

    # Graceful shutdown -----------------------------------------------------------------

    def listen_success(self, port: Any) -> None:
        self.ports.append(port)  # to stop listening on SIGTERM
        super().listen_success(port)

    def take_sigterm(self) -> None:
        signal.signal(signal.SIGTERM, self._sigterm)

    def _sigterm(self, signum: int, frame: Any) -> None:
        # A second SIGTERM while draining means "now".
        reactor.callFromThread(self.stop if self.draining else self.drain)

    def drain(self) -> None:
        """Leave without cutting anyone off. Twisted's own SIGTERM handling stops the
        reactor at once: daphne cancels every application, so a response whose write was
        committed never reaches its client, and sockets drop without a close frame (the
        clients wait out their backoff). Instead: stop listening, close every WebSocket
        with 1001 (going away: the client reconnects at once, to another server), let
        the requests under way finish within LINLI_SHUTDOWN_GRACE_SECONDS, end the
        presence lease (what this process counted stops counting now), then stop."""
        if self.draining:
            return
        self.draining = True
        logger.info("SIGTERM: draining for at most %ss", settings.LINLI_SHUTDOWN_GRACE_SECONDS)
        self.drain_until = time.monotonic() + settings.LINLI_SHUTDOWN_GRACE_SECONDS
        for port in self.ports:
            port.stopListening()
        self._drain_step()

    def _drain_step(self) -> None:
        self._going_away()  # also sockets whose handshake finished since
        if self._busy() and time.monotonic() < self.drain_until:
            reactor.callLater(DRAIN_POLL_SECONDS, self._drain_step)
            return
        from realtime import lease  # the models load once Django is set up

        # Ending the lease is database work: off the reactor, and not waited for forever.
        backstop = reactor.callLater(RELEASE_TIMEOUT_SECONDS, self.stop)
        released = threads.deferToThread(lease.release, RELEASE_TIMEOUT_SECONDS)
        released.addBoth(self._released, backstop)

    def _released(self, result: Any, backstop: Any) -> None:
        if isinstance(result, Failure):
            logger.error("ending the presence lease failed: %s", result.getErrorMessage())
        if backstop.active():
            backstop.cancel()
            self.stop()

    def _going_away(self) -> None:
        for protocol in list(self.connections):
            if isinstance(protocol, WebSocketProtocol) and protocol.state == protocol.STATE_OPEN:
                # autobahn's sendClose refuses 1001 from applications; the endpoint's
                # own close (as daphne sends 1011 on a crash) takes it.
                protocol.sendCloseFrame(code=CLOSE_GOING_AWAY)

    def _busy(self) -> bool:
        """A request or socket is still open, or its application has not finished."""
        for details in list(self.connections.values()):
            instance = details.get("application_instance")
            if "disconnected" not in details or (instance is not None and not instance.done()):
                return True
        return False

    def kill_all_applications(self) -> Any:
        # daphne's expects every connection to have an application; one whose request
        # was still arriving at the end of the grace period has none.
        self.connections = {
            protocol: details
            for protocol, details in self.connections.items()
            if "application_instance" in details
        }
        return super().kill_all_applications()


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
