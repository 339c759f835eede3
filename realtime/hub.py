"""The process-local fan-out: one subscription per stream per process.

Connections attach to streams here, not to channel-layer groups. When the first local
connection watches a stream, the hub joins that stream's group; every event then arrives
once per process, already encoded, and is written to each watching socket directly: no
per-connection channel, no thread hop, no ORM call per delivered message.

The hub also keeps per-stream order. Commits of one stream happen in seq order, but their
after-commit sends may reach Redis out of order, and pub/sub drops messages while it
reconnects; a frame that arrives ahead of its predecessor is held and the gap is filled
from the event table (one query per gap per process, not per connection).
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

from channels.layers import get_channel_layer
from django.conf import settings

from realtime import fanout
from realtime.direct import DirectSocket, SlowClient, text_frame
from realtime.offloop import off_loop
from realtime.selectors import events_between, stream_heads
from realtime.sessions import live_sessions

log = logging.getLogger(__name__)

GAP_GRACE_SECONDS = 0.05
SETTLE_SECONDS = 0.25
# How long reconcile lets an event behind the stream's head arrive on the bus before it
# calls the event lost, fills it from the event table and warns.
RECONCILE_GRACE_SECONDS = 1.0
SWEEP_SECONDS = 5.0


class Connection(Protocol):
    user_id: int | None
    session_key: str | None
    # When this socket's session was last found alive (monotonic); session sockets only.
    session_checked_at: float
    last_seen: float
    direct: DirectSocket | None

    async def send_frame(self, frame: str) -> None: ...

    async def close_with(self, code: int) -> None: ...

    async def recheck(self) -> None: ...


@dataclass
class Watch:
    """One connection's view of a feed."""

    # Frames that arrived while the connection was reading its snapshot or backlog;
    # None once it is live.
    buffer: list[tuple[int | None, str]] | None = field(default_factory=list)
    # The seq the connection's snapshot or replay reached: it already has all below.
    floor: int = 0


@dataclass
class Feed:
    """The local watchers of one stream and the last seq delivered to them."""

    ready: asyncio.Future[None]
    watchers: dict[Connection, Watch] = field(default_factory=dict)
    # The highest seq delivered (to live sockets and buffers). Gap detection starts at the
    # first frame; a gap before it is caught by the client (docs/realtime.md).
    last_seq: int | None = None
    held: dict[int, str] = field(default_factory=dict)
    filling: bool = False


class Hub:
    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.feeds: dict[str, Feed] = {}
        self.connections: set[Connection] = set()
        self._started: asyncio.Future[None] | None = None
        # Deliveries by path, and sockets dropped for not keeping up (bench and tests).
        self.stats = {"direct": 0, "asgi": 0, "slow_dropped": 0, "reconciled": 0}
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        if self._started is None:
            self._started = asyncio.get_running_loop().create_future()
            try:
                self.channel = await self.layer.new_channel("hub.")
                await self.layer.group_add(fanout.CONTROL_GROUP, self.channel)
            except BaseException as exc:
                self._started.set_exception(exc)
                self._started = None
                raise
            self._tasks = [
                asyncio.create_task(self._receive()),
                asyncio.create_task(self._sweep()),
                asyncio.create_task(self._reconcile()),
                asyncio.create_task(self._check_sessions()),
            ]
            self._started.set_result(None)
        await self._started

    # Connections ---------------------------------------------------------------------

    async def connect(self, conn: Connection) -> None:
        await self.start()
        self.connections.add(conn)

    def forget(self, conn: Connection, streams: list[str]) -> None:
        """Drop a connection from everything. Synchronous, so it also runs when the
        consumer is cancelled or crashed; leaving emptied groups happens in the background."""
        self.connections.discard(conn)
        for stream in streams:
            self._unwatch(conn, stream)

    async def attach(self, conn: Connection, stream: str) -> None:
        """Watch a stream, buffering live frames until `go_live`."""
        feed = self.feeds.get(stream)
        if feed is None:
            feed = Feed(ready=asyncio.get_running_loop().create_future())
            self.feeds[stream] = feed
            feed.watchers[conn] = Watch()
            try:
                await self.layer.group_add(fanout.group_for(stream), self.channel)
            except BaseException as exc:
                del self.feeds[stream]
                feed.ready.set_exception(exc)
                feed.ready.exception()  # mark retrieved; waiters re-raise it
                raise
            feed.ready.set_result(None)
            # SUBSCRIBE is sent, not confirmed: an event published in that instant is
            # neither in the backlog the caller reads nor received. Look once more soon.
            self._spawn(self._settle(stream))
        else:
            feed.watchers[conn] = Watch()
        # The group must be joined before the caller reads the backlog, or an event
        # committed in between would be neither replayed nor received.
        await feed.ready

    async def go_live(self, conn: Connection, stream: str, seq: int) -> None:
        """Send what arrived during the snapshot (above `seq`), then go live, in order.

        Anything between the snapshot and the newest frame this feed has seen that is
        missing from the buffer (dropped as a duplicate before this connection's read, or
        lost on the bus) is read from the event table, so the connection has no hole.
        """
        feed = self.feeds.get(stream)
        watch = feed.watchers.get(conn) if feed is not None else None
        if feed is None or watch is None:
            return
        floor = seq
        while True:
            buffered = watch.buffer or []
            watch.buffer = []
            ordered = sorted((s, f) for s, f in buffered if s is not None and s > floor)
            top = max([feed.last_seq or 0] + [s for s, _ in ordered])
            have = {s for s, _ in ordered}
            if top > floor and len(have) < top - floor:
                missing = await off_loop(events_between)(stream, floor + 1, top)
                merged = dict(ordered)
                merged.update((s, f) for s, f in missing if s not in merged)
                ordered = sorted(merged.items())
            for frame_seq, frame in ordered:
                if frame_seq > floor:
                    await conn.send_frame(frame)
                    floor = frame_seq
            for ephemeral_seq, ephemeral in buffered:
                if ephemeral_seq is None:
                    await conn.send_frame(ephemeral)
            if not watch.buffer:  # nothing landed while we were sending
                break
        watch.buffer, watch.floor = None, floor
        if feed.last_seq is None and all(w.buffer is None for w in feed.watchers.values()):
            # The baseline for gap detection: every live watcher has everything up to here.
            feed.last_seq = min(w.floor for w in feed.watchers.values())

    def detach(self, conn: Connection, stream: str) -> None:
        self._unwatch(conn, stream)

    def _unwatch(self, conn: Connection, stream: str) -> None:
        feed = self.feeds.get(stream)
        if feed is None or feed.watchers.pop(conn, None) is None:
            return
        if not feed.watchers:
            del self.feeds[stream]
            self._spawn(self._leave(stream))

    async def _leave(self, stream: str) -> None:
        if stream in self.feeds:  # someone watched it again meanwhile
            return
        try:
            await self.layer.group_discard(fanout.group_for(stream), self.channel)
        except Exception:  # the process keeps a stale membership; harmless
            log.warning("could not leave group of %s", stream, exc_info=True)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run a background task, keeping a strong reference until it ends."""
        task = asyncio.create_task(work)
        self._tasks.append(task)
        task.add_done_callback(self._tasks.remove)

    # Delivery ------------------------------------------------------------------------

    async def _receive(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
                await self.handle(message)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("hub failed to handle a message")
                await asyncio.sleep(0.1)

    async def handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "ev":
            await self._on_event(message["stream"], int(message["seq"]), message["frame"])
        elif kind == "eph":
            feed = self.feeds.get(message["stream"])
            if feed is not None:
                await self._deliver(feed, None, message["frame"])
        elif kind == "logout":
            for conn in list(self.connections):
                if conn.user_id == message["user"] and conn.session_key == message["session"]:
                    await conn.close_with(4401)
        elif kind == "recheck":
            for conn in list(self.connections):
                if conn.user_id == message["user"]:
                    self._spawn(conn.recheck())

    async def _on_event(self, stream: str, seq: int, frame: str) -> None:
        feed = self.feeds.get(stream)
        if feed is None:
            return
        if feed.last_seq is not None:
            if seq <= feed.last_seq:
                return  # a duplicate, or already filled from the database
            if seq > feed.last_seq + 1:
                feed.held[seq] = frame
                if not feed.filling:
                    feed.filling = True
                    self._spawn(self._fill_gap(stream, feed))
                return
        await self._deliver(feed, seq, frame)
        await self._drain(feed)

    async def _drain(self, feed: Feed) -> None:
        while feed.last_seq is not None and feed.last_seq + 1 in feed.held:
            seq = feed.last_seq + 1
            await self._deliver(feed, seq, feed.held.pop(seq))

    async def _fill_gap(self, stream: str, feed: Feed) -> None:
        try:
            await asyncio.sleep(GAP_GRACE_SECONDS)  # usually the late frame just arrives
            while feed.held and feed.last_seq is not None and self.feeds.get(stream) is feed:
                for stale in [seq for seq in feed.held if seq <= feed.last_seq]:
                    del feed.held[stale]
                if not feed.held:
                    break
                first, last = feed.last_seq + 1, min(feed.held) - 1
                if first <= last:
                    missing = await off_loop(events_between)(stream, first, last)
                    for seq, frame in missing:
                        if seq == feed.last_seq + 1:
                            await self._deliver(feed, seq, frame)
                    if feed.last_seq < last:
                        log.error("events %s..%s of %s are missing", first, last, stream)
                        feed.last_seq = last
                await self._drain(feed)
        finally:
            feed.filling = False

    async def _deliver(self, feed: Feed, seq: int | None, frame: str) -> None:
        if seq is not None:
            feed.last_seq = seq
        wire: bytes | None = None  # the WebSocket frame, built once for all direct sockets
        for conn, watch in list(feed.watchers.items()):
            if watch.buffer is not None:
                watch.buffer.append((seq, frame))
                continue
            if seq is not None and seq <= watch.floor:
                continue
            direct = conn.direct
            try:
                if direct is not None:
                    if wire is None:
                        wire = text_frame(frame.encode())
                    if direct.write(wire):
                        self.stats["direct"] += 1
                else:
                    await conn.send_frame(frame)
                    self.stats["asgi"] += 1
            except SlowClient as slow:
                self.stats["slow_dropped"] += 1
                log.warning("dropped a socket %s bytes behind", slow.args[0])
            except Exception:  # a socket that went away; its disconnect cleans up
                log.debug("send failed", exc_info=True)

    async def _reconcile(self) -> None:
        """Every so often, compare each local stream with the event table.

        Redis pub/sub loses what is published while a subscriber reconnects; a gap is
        noticed when the next event arrives, but a quiet stream may have no next event.
        One query per interval per process covers every stream it watches.
        """
        while True:
            await asyncio.sleep(settings.LINLI_WS_RECONCILE_SECONDS)
            try:
                await self.catch_up()
            except Exception:
                log.exception("reconciling streams failed")

    async def _settle(self, stream: str) -> None:
        await asyncio.sleep(SETTLE_SECONDS)
        try:
            await self.catch_up([stream])
        except Exception:
            log.exception("settling %s failed", stream)

    async def catch_up(self, streams: list[str] | None = None) -> None:
        known: dict[str, int] = {}
        for stream in self.feeds if streams is None else streams:
            feed = self.feeds.get(stream)
            delivered = _delivered(feed) if feed is not None else None
            if delivered is not None:
                known[stream] = delivered
        if not known:
            return
        heads = await off_loop(stream_heads)(list(known))
        behind = {stream: head for stream, head in heads.items() if head > known[stream]}
        if not behind:
            return
        # A head read here is often ahead only because its event's after-commit send is
        # still on its way (committed, not yet published, or queued behind other frames):
        # the normal race. Only what has not arrived after a grace is lost.
        await asyncio.sleep(RECONCILE_GRACE_SECONDS)
        for stream, head in behind.items():
            feed = self.feeds.get(stream)
            delivered = _delivered(feed) if feed is not None else None
            if delivered is None or delivered >= head:
                continue
            log.warning("%s: events %s..%s missed on the bus", stream, delivered + 1, head)
            missing = await off_loop(events_between)(stream, delivered + 1, head)
            self.stats["reconciled"] += len(missing)
            for seq, frame in missing:
                await self._on_event(stream, seq, frame)

    async def _check_sessions(self) -> None:
        """Close the sockets whose session ended unannounced; one timer per process."""
        while True:
            await asyncio.sleep(settings.LINLI_WS_SESSION_CHECK_SECONDS)
            try:
                await self.check_sessions()
            except Exception:
                log.exception("checking sessions failed")

    async def check_sessions(self) -> None:
        """One query for the sessions of all this process's session sockets: a socket
        whose session was deleted (clearsessions, an operator, a logout whose message was
        lost) or has expired closes with 4401; the others are marked as checked now, so
        their actions need no query of their own (LiveConsumer.session_alive)."""
        by_key: dict[str, list[Connection]] = {}
        for conn in self.connections:
            if conn.session_key is not None:
                by_key.setdefault(conn.session_key, []).append(conn)
        if not by_key:
            return
        checked_at = time.monotonic()
        live = await off_loop(live_sessions)(list(by_key))
        for key, conns in by_key.items():
            for conn in conns:
                if key in live:
                    conn.session_checked_at = max(conn.session_checked_at, checked_at)
                    continue
                try:
                    await conn.close_with(4401)
                except Exception:
                    log.exception("closing a socket whose session ended failed")

    async def _sweep(self) -> None:
        """Close sockets that said nothing for too long (4408); one timer per process."""
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            limit = time.monotonic() - settings.LINLI_WS_IDLE_SECONDS
            for conn in [c for c in self.connections if c.last_seen < limit]:
                try:
                    await conn.close_with(4408)
                except Exception:
                    log.exception("closing an idle socket failed")
                    self.connections.discard(conn)


def _delivered(feed: Feed) -> int | None:
    """The seq every live watcher of the feed has reached, if that is known yet."""
    if feed.last_seq is not None:
        return feed.last_seq
    floors = [w.floor for w in feed.watchers.values() if w.buffer is None]
    if floors and len(floors) == len(feed.watchers):
        return min(floors)
    return None


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    """The hub of the running event loop (one per process under daphne)."""
    loop = asyncio.get_running_loop()
    current = _hubs.get(loop)
    if current is None:
        current = _hubs[loop] = Hub()
    return current
