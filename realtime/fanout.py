"""Cross-process fan-out over the channel layer: one group per stream, one member per process.

Each process's hub (realtime/hub.py) is the only member of the groups of the streams its
connections watch, so an event crosses Redis once per process, never once per connection.
The frame is encoded once, by the publisher, and travels as a string.

Publishing here is the fast path only: every event is already stored when it is sent, so
a send that Redis does not take within LINLI_PUBLISH_TIMEOUT_SECONDS is given up and left
to the hubs' gap fill and reconcile. Once a send has failed, the outage is known: later
sends are made in the background, bounded the same way, and their writers do not wait
for them; the first that succeeds ends the outage. A frozen or unreachable Redis then
holds one write for that timeout, the others not at all, and costs one warning per outage.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Coroutine
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from realtime import offloop

log = logging.getLogger(__name__)

CONTROL_GROUP = "linli.control"
# Published to (nobody listens) to open a loop's Redis connection before its first event.
WARM_GROUP = "linli.warm"


def group_for(stream: str) -> str:
    return f"s.{stream}"


_publisher_loop: asyncio.AbstractEventLoop | None = None
_publisher_lock = threading.Lock()


_warm_loops: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()


def _forget_publisher_loop() -> None:
    global _publisher_loop, _background_sends
    _publisher_loop = None  # a forked child has the loop but not its thread
    _warm_loops.clear()
    _background_sends = 0  # nor the parent's sends


os.register_at_fork(after_in_child=_forget_publisher_loop)


def _background_loop() -> asyncio.AbstractEventLoop:
    """One long-lived loop per process for publishers outside the server (commands, jobs).

    Without it each send would build a new loop and a new Redis connection (~2.5 ms).
    """
    global _publisher_loop
    with _publisher_lock:
        if _publisher_loop is None:
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="linli-publisher", daemon=True).start()
            _publisher_loop = loop
    return _publisher_loop


class Outage:
    """Whether sends are failing: one warning when they start, one note when they stop.

    Each report says when its send began: a send begun before the last recovery that
    fails late does not open a new outage, and one begun before the outage that succeeds
    late does not end it (sends overlap, so outcomes arrive out of order)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.since: float | None = None
        self.failed = 0
        self._recovered_at = float("-inf")

    def failure(self, exc: BaseException, began: float) -> None:
        with self._lock:
            if self.since is None and began < self._recovered_at:
                return  # news from before the recovery
            self.failed += 1
            starting = self.since is None
            if starting:
                self.since = time.monotonic()
        if starting:
            log.warning(
                "publishing to the channel layer failed (%s); events stay stored and reach "
                "sockets through gap fill and reconcile; quiet until it recovers",
                type(exc).__name__ + (f": {exc}" if str(exc) else ""),
            )

    def success(self, began: float) -> None:
        if self.since is None:  # the usual case: no lock taken
            return
        with self._lock:
            since, failed = self.since, self.failed
            if since is None or began < since:
                return  # a send begun before the outage says nothing about now
            self.since, self.failed = None, 0
            self._recovered_at = time.monotonic()
        log.info(
            "publishing to the channel layer recovered after %.1f s; %d sends were left "
            "to gap fill and reconcile",
            time.monotonic() - since,
            failed,
        )


outage = Outage()


async def bounded_send(layer: Any, group: str, message: dict[str, Any]) -> None:
    """One group_send, given up (cancelled) after the publish timeout."""
    await asyncio.wait_for(layer.group_send(group, message), settings.LINLI_PUBLISH_TIMEOUT_SECONDS)


# Sends in the background at once during an outage, per process; beyond it a send is not
# tried at all (each one waits out the publish timeout, so this bounds what they hold).
BACKGROUND_SENDS_MAX = 64
_background_sends = 0
_background_lock = threading.Lock()


def run(work: Callable[[], Coroutine[Any, Any, None]]) -> bool:
    """Run sends made of bounded_send calls; False (logged once per outage) if they failed
    or, during an outage, were left to the background.

    In a server's worker thread they run on the server's own loop and connection; anywhere
    else (commands, jobs) on the process's publisher loop.
    """
    began = time.monotonic()

    async def sending() -> None:
        await work()

    server_loop = offloop.server_loop()
    if outage.since is not None:
        # Redis is known not to answer: waiting out the timeout again would hold this
        # writer (and every frame queued behind it on its socket) once per event.
        _send_in_background(sending, server_loop or _background_loop(), began)
        return False
    try:
        if server_loop is not None:
            async_to_sync(sending)()
        else:
            future = asyncio.run_coroutine_threadsafe(sending(), _background_loop())
            # bounded_send cancels itself; this only guards against a stuck loop.
            future.result(timeout=settings.LINLI_PUBLISH_TIMEOUT_SECONDS + 5)
    except Exception as exc:
        outage.failure(exc, began)
        return False
    outage.success(began)
    return True


def _send_in_background(
    sending: Callable[[], Coroutine[Any, Any, None]],
    loop: asyncio.AbstractEventLoop,
    began: float,
) -> None:
    """Try the sends without waiting for them; their outcome ends or extends the outage."""
    global _background_sends
    with _background_lock:
        if _background_sends >= BACKGROUND_SENDS_MAX:
            outage.failure(RuntimeError("too many sends waiting"), began)
            return
        _background_sends += 1

    def done(future: concurrent.futures.Future[None]) -> None:
        global _background_sends
        with _background_lock:
            _background_sends -= 1
        exc = None if future.cancelled() else future.exception()
        if future.cancelled() or exc is not None:
            outage.failure(exc or RuntimeError("cancelled"), began)
        else:
            outage.success(began)

    asyncio.run_coroutine_threadsafe(sending(), loop).add_done_callback(done)


def warm() -> None:
    """Open the Redis connection of the loop that will send this thread's events, once
    per loop and in the background: called when an event is written, so the connection
    is ready by its commit instead of being opened by the first after-commit send."""
    loop = offloop.server_loop() or _background_loop()
    if loop in _warm_loops:
        return
    _warm_loops.add(loop)
    layer = get_channel_layer()
    if layer is None:  # pragma: no cover - settings always configure one
        return

    async def open_connection() -> None:
        try:
            await bounded_send(layer, WARM_GROUP, {"type": "warm"})
        except Exception:  # the event's own send reports an outage
            log.debug("warming the channel layer failed", exc_info=True)

    asyncio.run_coroutine_threadsafe(open_connection(), loop)


def _send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:  # pragma: no cover - settings always configure one
        return
    run(lambda: bounded_send(layer, group, message))


def send_event(stream: str, seq: int, frame: str) -> None:
    _send(group_for(stream), {"type": "ev", "stream": stream, "seq": seq, "frame": frame})


def send_ephemeral(stream: str, frame: str) -> None:
    _send(group_for(stream), {"type": "eph", "stream": stream, "frame": frame})


def close_session(user_id: int, session_key: str) -> None:
    """Ask every process to close this session's sockets with 4401 (logged out)."""
    _send(CONTROL_GROUP, {"type": "logout", "user": user_id, "session": session_key})


def recheck_user(user_id: int) -> None:
    """Ask every process to re-check this user's open sockets: streams they may no longer
    read are stopped, and a deactivated account or a revoked token is disconnected."""
    _send(CONTROL_GROUP, {"type": "recheck", "user": user_id})
