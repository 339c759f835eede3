"""Live clients that follow frontend/static/linli/live/socket.js's rules, on asyncio `websockets`.

What live/socket.js does, and so what each client here does:
- connect to /ws/ with the subprotocol `linli.v1`, the session cookie and the page's Origin;
- on open, `sub` every stream it follows with `since` = the last seq it applied;
- apply an event only when its seq is exactly last + 1; ignore a repeat; on a gap, `sub`
  again from the last seq (once: later frames wait for that replay);
- a `sub` that fails for a passing reason (not forbidden / too_many_streams) is retried
  after 2-5 s;
- on `resync`, reload the snapshot over HTTP (the page) and subscribe from its seq;
- an unasked `err` with `stream` stops following it;
- on close (except 4401 / 4403) reconnect after min(30 s, 0.5 s * 2^attempt) * (0.5..1),
  and the attempt count resets once a connection stayed up 10 s; ping every 25 s.

A load balancer in front of the two servers is played by the client: each has a home
server and tries the next one after a failed connection.

Everything a client saw is kept for the verdict: per stream, the seqs it applied with the
object each event carries, the snapshot seq of its last resync, and its counters.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
import socket
import time
import urllib.request
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

SUBPROTOCOL = "linli.v1"
PING_SECONDS = 25.0
STABLE_SECONDS = 10.0
NO_RETRY = {"forbidden", "disconnected", "too_many_streams"}
_PAGE_SEQ = re.compile(rb'data-stream="(?P<stream>[a-z_]+\.\d+)" data-seq="(?P<seq>\d+)"')


@dataclass
class Feed:
    """One stream as one client follows it."""

    last: int
    start: int
    applied: dict[int, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    floor: int = 0  # the seq of the last snapshot read on resync: all before it is shown
    gaps: int = 0
    repeats: int = 0
    resyncs: int = 0
    stopped: bool = False
    snapshot: dict[str, Any] | None = None  # the last JSON snapshot read on resync

    def covered(self, seq: int) -> bool:
        return seq in self.applied or seq <= self.floor


class Disconnected(Exception):
    pass


class Refused(Exception):
    def __init__(self, frame: dict[str, Any]) -> None:
        super().__init__(frame.get("code"))
        self.frame = frame


@dataclass
class DoResult:
    sent_at: float
    answered_at: float | None = None
    ok: bool = False
    code: str | None = None  # the err code, or "disconnected"
    data: dict[str, Any] | None = None


class LiveClient:
    def __init__(
        self,
        name: str,
        session: str,
        ports: list[int],
        home: int,
        streams: dict[str, int],
        *,
        rcvbuf: int | None = None,
    ) -> None:
        self.name = name
        self.session = session
        self.ports = ports
        self.home = home
        self.feeds = {stream: Feed(last=seq, start=seq) for stream, seq in streams.items()}
        self.rcvbuf = rcvbuf
        self.ws: ClientConnection | None = None
        self.port: int | None = None
        self.opened = asyncio.Event()
        self.catching_up: set[str] = set()
        self.pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.next_ref = 1
        self.attempt = 0
        self.tries = 0
        self.connects = 0
        self.closes: list[int | None] = []
        self.running = True
        self.reading = asyncio.Event()
        self.reading.set()
        self.task: asyncio.Task[None] | None = None
        self.tasks: set[asyncio.Task[None]] = set()  # held, so none is collected mid-flight
        self.on_event: Callable[[LiveClient, str, dict[str, Any]], None] | None = None

    # The connection loop ----------------------------------------------------------------

    def start(self) -> None:
        self.task = asyncio.create_task(self.run(), name=self.name)

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def stop(self) -> None:
        self.running = False
        self.reading.set()
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 2)
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
        for task in list(self.tasks):
            task.cancel()

    async def run(self) -> None:
        while self.running:
            port = self.ports[(self.home + self.tries) % len(self.ports)]
            code: int | None = None
            try:
                await self._session(port)
            except (TimeoutError, OSError, WebSocketException):
                self.tries += 1  # the next attempt goes to the next server
            finally:
                if self.ws is not None:
                    code = self.ws.close_code
                self._closed(code)
            if code in (4401, 4403) or not self.running:
                return
            delay = min(30.0, 0.5 * 2**self.attempt) * (0.5 + random.random() / 2)
            self.attempt += 1
            await asyncio.sleep(delay)

    async def _session(self, port: int) -> None:
        sock = None
        if self.rcvbuf is not None:  # a slow reader: a small window fills fast
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.rcvbuf)
            sock.setblocking(False)
            await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
        ws = await connect(
            f"ws://127.0.0.1:{port}/ws/",
            subprotocols=[SUBPROTOCOL],  # type: ignore[list-item]
            origin=f"http://127.0.0.1:{port}",  # type: ignore[arg-type]
            additional_headers={"Cookie": f"sessionid={self.session}"},
            compression=None,
            open_timeout=10,
            ping_interval=None,
            close_timeout=2,
            max_size=None,
            sock=sock,
        )
        self.ws, self.port = ws, port
        self.connects += 1
        self.opened.set()
        stable = asyncio.get_running_loop().call_later(STABLE_SECONDS, self._stable)
        pinger = asyncio.create_task(self._ping())
        for stream in self.feeds:
            self.subscribe(stream)
        try:
            while True:
                # A stalled reader (a phone in a tunnel): websockets stops reading once
                # its queue is full, the TCP window fills, the server's buffer grows.
                await self.reading.wait()
                raw = await ws.recv()
                self._frame(json.loads(raw))
        finally:
            stable.cancel()
            pinger.cancel()

    def _stable(self) -> None:
        self.attempt = 0

    def _closed(self, code: int | None) -> None:
        if self.ws is not None:
            self.closes.append(code)
        self.ws = None
        self.opened.clear()
        self.catching_up.clear()
        for waiter in self.pending.values():
            if not waiter.done():
                waiter.set_exception(Disconnected())
        self.pending.clear()

    async def _ping(self) -> None:
        while True:
            await asyncio.sleep(PING_SECONDS)
            await self.send({"op": "ping"})

    async def send(self, frame: dict[str, Any]) -> bool:
        if self.ws is None:
            return False
        try:
            await self.ws.send(json.dumps(frame))
        except (WebSocketException, OSError):
            return False
        return True

    async def request(self, frame: dict[str, Any]) -> dict[str, Any]:
        ref = f"r{self.next_ref}"
        self.next_ref += 1
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[ref] = waiter
        if not await self.send({**frame, "ref": ref}):
            self.pending.pop(ref, None)
            raise Disconnected()
        answer = await waiter
        if answer.get("op") == "err":
            raise Refused(answer)
        return answer

    # Subscriptions -------------------------------------------------------------------------

    def subscribe(self, stream: str) -> None:
        if stream in self.catching_up or self.feeds[stream].stopped:
            return
        self.catching_up.add(stream)
        self._background(self._subscribe(stream))

    async def _subscribe(self, stream: str) -> None:
        try:
            await self.request({"op": "sub", "stream": stream, "since": self.feeds[stream].last})
        except Refused as exc:
            if exc.frame.get("code") not in NO_RETRY:
                asyncio.get_running_loop().call_later(
                    2 + random.random() * 3, self._retry_subscribe, stream
                )
        except Disconnected:
            pass  # a new connection subscribes everything again
        finally:
            self.catching_up.discard(stream)

    def _retry_subscribe(self, stream: str) -> None:
        if self.running and self.ws is not None:
            self.subscribe(stream)

    def _frame(self, frame: dict[str, Any]) -> None:
        op = frame.get("op")
        if op == "ev":
            self._event(frame)
        elif op == "err" and frame.get("stream") and not frame.get("ref"):
            feed = self.feeds.get(frame["stream"])
            if feed is not None:
                feed.stopped = True
        elif op == "resync":
            self._background(self._resync(frame["stream"]))
        ref = frame.get("ref")
        if ref and ref in self.pending:
            waiter = self.pending.pop(ref)
            if not waiter.done():
                waiter.set_result(frame)

    def _event(self, frame: dict[str, Any]) -> None:
        stream, seq = frame.get("stream"), frame.get("seq")
        feed = self.feeds.get(stream or "")
        if feed is None or seq is None:
            return  # ephemeral, or a stream not followed
        if seq <= feed.last:
            feed.repeats += 1
            return
        if seq > feed.last + 1:
            feed.gaps += 1
            self.subscribe(stream)  # type: ignore[arg-type]
            return
        feed.last = seq
        feed.applied[seq] = (frame.get("type", ""), frame.get("data") or {})
        if self.on_event is not None:
            self.on_event(self, stream, frame)  # type: ignore[arg-type]

    async def _resync(self, stream: str) -> None:
        """live/socket.js reloads the page: its snapshot carries the seq to resume from."""
        feed = self.feeds[stream]
        feed.resyncs += 1
        found = await self.snapshot(stream)
        if found is not None:
            seq, data = found
            # The page is reloaded: its seq is where the client stands now, lower than
            # before too (a restored database answers `resync` to a `since` beyond its head).
            feed.floor = seq
            feed.last = seq
            feed.snapshot = data
        self.subscribe(stream)

    async def snapshot(self, stream: str) -> tuple[int, dict[str, Any] | None] | None:
        """The stream's snapshot as the page (a topic) or the API (a ballot, a room) gives
        it: (its seq, the JSON body or None for a page)."""
        kind, key = stream.split(".")
        path = {
            "topic": f"/topics/{key}/",
            "ballot": f"/api/v1/ballots/{key}/",
            "room": f"/api/v1/rooms/{key}/",
        }[kind]
        for offset in range(len(self.ports) * 3):
            port = self.ports[(self.home + offset) % len(self.ports)]
            try:
                body = await asyncio.to_thread(self._get, port, path)
            except OSError:
                await asyncio.sleep(0.5)
                continue
            if kind == "topic":
                for match in _PAGE_SEQ.finditer(body):
                    if match["stream"].decode() == stream:
                        return int(match["seq"]), None
                return None
            snapshot: dict[str, Any] = json.loads(body)
            return int(snapshot["seq"]), snapshot
        return None

    def _get(self, port: int, path: str) -> bytes:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}",
            headers={"Cookie": f"sessionid={self.session}", "Accept": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body: bytes = response.read()
            return body

    # Actions -------------------------------------------------------------------------------

    async def do(
        self, stream: str, action: str, data: dict[str, Any], *, wait_open: float = 0.0
    ) -> DoResult | None:
        """A `do` as a live form sends it. None when the socket was not open (within
        `wait_open` s): nothing was sent. The answer is awaited until it comes or the
        socket closes."""
        if self.ws is None and wait_open > 0:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.opened.wait(), wait_open)
        if self.ws is None:
            return None
        result = DoResult(sent_at=time.monotonic())
        try:
            answer = await self.request(
                {"op": "do", "stream": stream, "action": action, "data": data}
            )
        except Disconnected:
            result.code = "disconnected"
            return result
        except Refused as exc:
            result.answered_at = time.monotonic()
            result.code = str(exc.frame.get("code"))
            return result
        result.answered_at = time.monotonic()
        result.ok = True
        result.data = answer.get("data") or {}
        return result


class Crowd:
    """The scenario's clients, started together and stopped together."""

    def __init__(self, clients: list[LiveClient]) -> None:
        self.clients = clients

    def __iter__(self) -> Any:
        return iter(self.clients)

    def __len__(self) -> int:
        return len(self.clients)

    async def start(self, timeout: float = 60) -> None:
        for number, client in enumerate(self.clients):
            client.start()
            if number % 20 == 19:
                await asyncio.sleep(0.05)  # a burst, but not all in one loop turn
        await self.subscribed(timeout)

    async def subscribed(self, timeout: float) -> None:
        """Until every client is connected and has no subscription in flight."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(c.ws is not None and not c.catching_up and c.connects for c in self.clients):
                return
            await asyncio.sleep(0.1)
        raise RuntimeError("the clients did not all connect and subscribe")

    async def stop(self) -> None:
        await asyncio.gather(*(client.stop() for client in self.clients))

    def behind(self, heads: dict[str, int]) -> int:
        """How many (client, stream) pairs have not applied (or been shown) `heads` yet."""
        return sum(
            1
            for client in self.clients
            for stream, head in heads.items()
            if stream in client.feeds
            and not client.feeds[stream].stopped
            and max(client.feeds[stream].last, client.feeds[stream].floor) < head
        )

    async def caught_up(self, heads: Callable[[], dict[str, int]], timeout: float) -> float | None:
        """Seconds until every client holds every event up to `heads()` (read each turn),
        or None if they do not within `timeout`."""
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            if self.behind(await asyncio.to_thread(heads)) == 0:
                return time.monotonic() - began
            await asyncio.sleep(0.2)
        return None
