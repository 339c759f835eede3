"""The one WebSocket endpoint, /ws/ (docs/protocol.md). A thin adapter: frames in, services out."""

from __future__ import annotations

import functools
import logging
import threading
import time
from typing import Any

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.cleaning import CODES as TEXT_CODES
from core.cleaning import refused
from core.errors import DomainError, Invalid
from realtime import frames, idempotency, lease, registry
from realtime.auth import still_authenticates
from realtime.direct import DirectSocket, SlowClient
from realtime.hub import hub
from realtime.offloop import off_loop
from realtime.ratelimit import TokenBucket
from realtime.selectors import REPLAY_PAGE, plan_backlog, replay_page
from realtime.sessions import live_sessions

log = logging.getLogger(__name__)

SUBPROTOCOL = "linli.v1"
CLOSE_NOT_AUTHENTICATED = 4401
CLOSE_RATE_LIMITED = 4429
# An oversize message is closed by the WebSocket layer with 1009 before the application
# sees it (realtime.serve gives autobahn LINLI_WS_MAX_MESSAGE_BYTES). autobahn refuses to
# send 1009 for an application, so one that still gets here (plain daphne, whose layer
# lets up to 1 MiB through) is closed with the application-range 4009.
CLOSE_TOO_BIG = 4009
# After this many refused frames in a row the client is not backing off: close it.
REFUSALS_BEFORE_CLOSE = 20


class LiveConsumer(AsyncWebsocketConsumer):
    # Fan-out goes through the process hub, so a consumer needs no channel of its own:
    # no Redis SUBSCRIBE per connection, no receive task per connection.
    channel_layer_alias = "linli.none"

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # A plain receive loop: Channels' version keeps a task and a wait set per socket
        # for receive sources we do not have (no channel layer here).
        self.scope = scope
        self.channel_layer = None
        self.channel_name = None
        self.base_send = send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass
        finally:
            # However the consumer ends (disconnect, crash, cancellation), the hub
            # forgets it; synchronous, so cancellation cannot interrupt it.
            if hasattr(self, "streams"):
                left = list(self.streams)
                hub().forget(self, left)
                self.streams.clear()
                # Presence hooks touch the database: off this loop, on a thread of their
                # own, since a cancelled consumer cannot await them.
                if getattr(self, "present", set()).intersection(left):
                    threading.Thread(target=self._left_sync, args=(left,), daemon=True).start()

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels runs aclose_old_connections (a hop to its sync thread) before every
        # handler; our database calls manage their own connections in worker threads.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.user = self.scope["user"]
        self.user_id: int | None = self.user.pk if self.user.is_authenticated else None
        self.session_key: str | None = self.scope["session_key"]
        # The edge has just checked the session; the hub re-checks it periodically.
        self.session_checked_at = time.monotonic()
        self.language = self.scope["language"]
        self.last_seen = time.monotonic()
        self.streams: set[str] = set()
        # Streams whose presence hook was told +1; each is told -1 exactly once.
        self.present: set[str] = set()
        rate, burst = settings.LINLI_WS_RATE
        self.bucket = TokenBucket(rate, burst, self.last_seen)
        self.refusals = 0
        self.rechecks = 0  # bumped by recheck(); a sub that raced one checks again
        # The fast path when served by `python -m realtime.serve`; None under plain daphne.
        self.direct = DirectSocket.attach(self.scope, settings.LINLI_WS_SEND_BUFFER_MAX)
        offered = self.scope.get("subprotocols", [])
        await hub().connect(self)
        await self.accept(SUBPROTOCOL if SUBPROTOCOL in offered else None)
        if self.direct is not None:
            self.direct.release_handshake()
        if self.scope.get("auth_via") == "bad_token":
            await self.close(CLOSE_NOT_AUTHENTICATED)

    async def disconnect(self, code: int) -> None:
        left = list(self.streams)
        hub().forget(self, left)
        self.streams.clear()
        await off_loop(self._left_sync)(left)

    def _left_sync(self, streams: list[str]) -> None:
        """Tell the presence hooks that this socket no longer follows `streams`."""
        from django.db import close_old_connections

        try:
            for stream in streams:
                if stream not in self.present:
                    continue
                self.present.discard(stream)
                kind, key = frames.parse_stream(stream)
                try:
                    lease.tell(kind, self.user, key, -1)
                except Exception:
                    log.exception("presence hook of %s failed", stream)
        finally:
            close_old_connections()

    # The hub calls these two ----------------------------------------------------------

    async def send_frame(self, frame: str) -> None:
        # Replies and replays count against the same cap as live frames, but wait for a
        # reading client to make room (a replay larger than the cap goes out in chunks).
        direct = self.direct
        if direct is not None:
            await direct.make_room(len(frame.encode()), settings.LINLI_WS_SEND_STALL_SECONDS)
            if direct.pending() > direct.limit:
                direct.transport.abortConnection()
                raise SlowClient(direct.pending())
        await self.base_send({"type": "websocket.send", "text": frame})

    async def close_with(self, code: int) -> None:
        await self.close(code)

    async def recheck(self) -> None:
        """What this user may see changed: close if the account or token is gone, else
        stop each stream no longer allowed, telling the client with `err` + `stream`."""
        self.rechecks += 1
        still_valid = await off_loop(still_authenticates)(
            self.user_id,
            self.scope.get("auth_via"),
            self.scope.get("subprotocols", []),
            self.session_key,
        )
        if not still_valid:
            await self.close(CLOSE_NOT_AUTHENTICATED)
            return
        for stream in sorted(self.streams):
            kind, key = frames.parse_stream(stream)
            if await off_loop(registry.may_subscribe)(self.user, kind, key):
                continue
            self.streams.discard(stream)
            hub().detach(self, stream)
            await off_loop(self._left_sync)([stream])
            with translation.override(self.language):
                text = str(_("You may no longer follow this."))
            await self.send_frame(frames.stream_error("forbidden", text, stream))

    # Inbound ---------------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        now = time.monotonic()
        self.last_seen = now
        limit = settings.LINLI_WS_MAX_MESSAGE_BYTES
        size = len(text_data) if text_data is not None else len(bytes_data or b"")
        if size > limit or (text_data is not None and len(text_data.encode()) > limit):
            await self.close(CLOSE_TOO_BIG)
            return
        if not self.bucket.take(now):
            self.refusals += 1
            if self.refusals >= REFUSALS_BEFORE_CLOSE:
                await self.close(CLOSE_RATE_LIMITED)
            else:
                await self._error("rate_limited", _("Too many messages; slow down."), None)
            return
        self.refusals = 0
        if text_data is None:
            await self._error("invalid", _("Frames must be JSON text."), None)
            return
        try:
            request = frames.parse(text_data)
        except frames.FrameError as exc:
            message = (
                refused(exc.code)
                if exc.code in TEXT_CODES
                else Invalid(_("Malformed frame: %(reason)s"), params={"reason": exc.reason})
            )
            await self._error(exc.code, message, exc.ref)
            return
        try:
            if isinstance(request, frames.Ping):
                await self.send_frame(frames.pong(request.ref))
            elif not await self.session_alive():
                ended = _("Your session has ended; please sign in again.")
                await self._error("not_authenticated", ended, request.ref)
                await self.close(CLOSE_NOT_AUTHENTICATED)
            elif isinstance(request, frames.Sub):
                await self._sub(request)
            elif isinstance(request, frames.Unsub):
                await self._unsub(request)
            else:
                await self._do(request)
        except DomainError as exc:
            await self._error(exc.code, exc, request.ref)
        except Exception:
            log.exception("websocket request failed")
            await self._error("internal", _("Something went wrong on our side."), request.ref)

    async def session_alive(self) -> bool:
        """Is the session that signed this socket in still there (not deleted, not expired)?

        Asked before every action. The hub checks all of a process's sessions in one
        query every LINLI_WS_SESSION_CHECK_SECONDS and marks them checked, so an action
        queries only when that check is late: no query per vote on the hot path, and an
        ended session acts for at most one interval."""
        if self.session_key is None:
            return True
        now = time.monotonic()
        if now - self.session_checked_at < settings.LINLI_WS_SESSION_CHECK_SECONDS:
            return True
        if self.session_key not in await off_loop(live_sessions)([self.session_key]):
            return False
        self.session_checked_at = max(self.session_checked_at, now)
        return True

    async def _sub(self, request: frames.Sub) -> None:
        kind, key = frames.parse_stream(request.stream)
        live = hub()
        rechecks = self.rechecks
        allowed = await off_loop(registry.may_subscribe)(self.user, kind, key)
        if not allowed:
            if request.stream in self.streams:  # no longer allowed: stop what was allowed
                self.streams.discard(request.stream)
                live.detach(self, request.stream)
                await off_loop(self._left_sync)([request.stream])
            await self._error("forbidden", _("You may not follow this."), request.ref)
            return
        if request.stream in self.streams:  # a re-sub (e.g. after a gap) starts over
            live.detach(self, request.stream)
        elif len(self.streams) >= settings.LINLI_WS_MAX_STREAMS:
            await self._error(
                "too_many_streams", _("Too many subscriptions on one connection."), request.ref
            )
            return
        self.streams.add(request.stream)
        try:
            await live.attach(self, request.stream)
            if self.rechecks != rechecks and not await off_loop(registry.may_subscribe)(
                self.user, kind, key
            ):  # access was revoked while we were checking it
                self.streams.discard(request.stream)
                live.detach(self, request.stream)
                await off_loop(self._left_sync)([request.stream])
                await self._error("forbidden", _("You may not follow this."), request.ref)
                return
            resync, head, first = await off_loop(plan_backlog)(request.stream, request.since)
            # Page by page, each sent as the socket drains: a long replay neither sits
            # whole in memory nor overruns the send buffer.
            while not resync and first <= head:
                last = min(head, first + REPLAY_PAGE - 1)
                page = await off_loop(replay_page)(request.stream, first, last)
                if page is None:  # trimmed while we read: the client reloads instead
                    resync = True
                    break
                for frame in page:
                    await self.send_frame(frame)
                first = last + 1
            if resync:
                self.streams.discard(request.stream)
                live.detach(self, request.stream)
                await off_loop(self._left_sync)([request.stream])
                await self.send_frame(frames.resync(request.stream, head, request.ref))
                return
            await self.send_frame(frames.subbed(request.stream, head, request.ref))
            await live.go_live(self, request.stream, head)
            hook = registry.presence_hook(kind)
            if hook is not None and self.user_id is not None and request.stream not in self.present:
                self.present.add(request.stream)
                await off_loop(lease.tell)(kind, self.user, key, 1)
        except BaseException:
            # Never leave a half-made subscription buffering events nobody sends.
            self.streams.discard(request.stream)
            live.detach(self, request.stream)
            raise

    async def _unsub(self, request: frames.Unsub) -> None:
        self.streams.discard(request.stream)
        hub().detach(self, request.stream)
        if request.stream in self.present:
            await off_loop(self._left_sync)([request.stream])
        await self.send_frame(frames.ok(request.ref))

    async def _do(self, request: frames.Do) -> None:
        kind, key = frames.parse_stream(request.stream)
        handler = registry.action_for(kind, request.action)
        call = functools.partial(handler, self.user, key, request.data)
        if request.key is not None and self.user_id is not None:
            # A retry with the same key gets the first answer (realtime/idempotency.py).
            call = functools.partial(
                idempotency.do_once, call, user_id=self.user_id, scope=self.scope, request=request
            )
        result = await off_loop(call)()
        await self.send_frame(frames.ok(request.ref, result))

    async def _error(self, code: str, message: Any, ref: str | None) -> None:
        with translation.override(self.language):
            text = message.render() if isinstance(message, DomainError) else str(message)
        await self.send_frame(frames.err(code, text, ref))
