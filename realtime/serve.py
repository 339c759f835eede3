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
import io
import logging
import signal
import time
from functools import partial
from typing import Any

from daphne.cli import CommandLineInterface
from daphne.http_protocol import HTTPFactory, WebRequest
from daphne.server import Server  # first: it installs the asyncio reactor
from daphne.ws_protocol import WebSocketProtocol
from django.conf import settings
from twisted.internet import reactor as twisted_reactor
from twisted.internet import threads
from twisted.python.failure import Failure
from twisted.web import http

from config import bodylimit, forwarded
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


# After a 413 the connection still reads (and drops) what the client sends for this long,
# so the client reads the answer instead of a reset; then it is cut.
LINGER_SECONDS = 2.0


class BoundedRequest(WebRequest):  # type: ignore[misc]
    """daphne's request, with config/bodylimit.py's limit applied while the body arrives:
    daphne buffers a whole body (in memory, or a temporary file past 100 kB) before it
    starts the application, so this is the only place where a limit saves anything."""

    body_limit = 0
    body_seen = 0
    refused = False

    def gotLength(self, length: int | None) -> None:
        if length != 0:
            # The request learns its target only once the body is in; the channel has
            # it from the request line.
            self.body_target = bytes(getattr(self.channel, "_path", b"/")).decode("latin1")
            self.body_limit = bodylimit.limit_for(self.body_target)
            if length is not None and length > self.body_limit:
                self.refuse()
                return
        super().gotLength(length)

    def handleContentChunk(self, data: bytes) -> None:
        if self.refused:
            return
        self.body_seen += len(data)
        if self.body_seen > self.body_limit:
            self.refuse()
            return
        super().handleContentChunk(data)

    def requestReceived(self, command: bytes, path: bytes, version: bytes) -> None:
        if not self.refused:  # else the answer is out and the connection closing
            super().requestReceived(command, path, version)

    def refuse(self) -> None:
        """Answer 413 now, keep nothing of the body, and close the connection."""
        self.refused = True
        spooled = getattr(self, "content", None)
        if spooled is not None:
            spooled.close()
        self.content = io.BytesIO()
        # No "100 Continue" for a body that is refused.
        self.requestHeaders.removeHeader(b"expect")
        content_type, body = bodylimit.refusal_for(
            self.body_target,
            cookie=b"; ".join(self.requestHeaders.getRawHeaders(b"cookie", [])).decode("latin1"),
            accept_language=b", ".join(
                self.requestHeaders.getRawHeaders(b"accept-language", [])
            ).decode("latin1"),
        )
        head = (
            f"HTTP/1.1 {bodylimit.STATUS} {bodylimit.REASON.decode()}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode("latin1")
        self.channel.persistent = False
        transport = self.channel.transport
        transport.write(head + body)
        transport.loseWriteConnection()
        self.channel.callLater(LINGER_SECONDS, transport.abortConnection)


class BoundedHTTPFactory(HTTPFactory):  # type: ignore[misc]
    def buildProtocol(self, addr: Any) -> Any:
        protocol = super().buildProtocol(addr)
        protocol.requestFactory = BoundedRequest
        return protocol


class LinliServer(Server):  # type: ignore[misc]
    connections: dict[Any, dict[str, Any]]  # daphne's: protocol -> its application and times

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if getattr(self, "proxy_forwarded_address_header", None):
            # daphne's --proxy-headers believes the left-most X-Forwarded-For from anyone;
            # config/forwarded.py believes trusted proxies only (LINLI_TRUSTED_PROXIES).
            logger.warning("--proxy-headers is ignored: set LINLI_TRUSTED_PROXIES instead")
        self.proxy_forwarded_address_header = None
        self.proxy_forwarded_port_header = None
        self.proxy_forwarded_proto_header = None
        # autobahn closes a larger frame or message with 1009 as its header arrives, before
        # buffering it; the application's own check could only close after the whole
        # message was read, and with a code autobahn refuses to send for it.
        limit = settings.LINLI_WS_MAX_MESSAGE_BYTES
        self.websocket_max_message_size = self.websocket_max_frame_size = limit

    @property
    def http_factory(self) -> Any:
        return self._http_factory

    @http_factory.setter
    def http_factory(self, factory: Any) -> None:
        """daphne's run() makes its HTTP factory, then listens with it; this one is the
        same with the body limit (BoundedRequest)."""
        self._http_factory = BoundedHTTPFactory(self) if type(factory) is HTTPFactory else factory

    def run(self) -> None:
        tune_gc()  # here, after daphne imported the application
        self.ports: list[Any] = []
        self.draining = False
        self.drain_until = 0.0
        # After daphne made its WebSocket factory, before the first connection.
        reactor.callWhenRunning(self.close_failed_sockets_with_a_code)
        # After Twisted's own handlers, which stop the reactor at once (see drain()).
        reactor.callWhenRunning(self.take_sigterm)
        super().run()

    def close_failed_sockets_with_a_code(self) -> None:
        """autobahn drops the TCP connection of a socket it fails (an oversize message)
        by default, and the client then sees no close code at all; a closing handshake
        tells it 1009."""
        self.ws_factory.setProtocolOptions(failByDrop=False)

    def protocol_connected(self, protocol: Any) -> None:
        # daphne hands Django the raw body; Twisted must not parse a form body too. Its
        # parser read every upload into memory a second time and answered a multipart
        # body it could not read (`--boundary--`) with a bare 400 before Django could
        # answer in the API's shape. Called from the request's __init__, before the body.
        if isinstance(protocol, http.Request):
            protocol._parsePOSTFormSubmission = False
        super().protocol_connected(protocol)

    def create_application(self, protocol: Any, scope: dict[str, Any]) -> Any:
        # The client as config/forwarded.py sees it, in the access log too.
        scope = forwarded.resolve(scope)
        protocol.client_addr = scope.get("client")
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
