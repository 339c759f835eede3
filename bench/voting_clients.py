"""The voting bench's client process: voters and watchers on bench.clients' raw sockets.

The socket, the framing and the event latency recording are bench.clients' own (`Conn`,
`Pool`, `handshake`); this module adds what a vote needs: one token per socket (each
household's representative is a distinct user), requests with a `ref` sent on a schedule
(`ping`, or `do` `ballot.cast`) with their send and reply times, and the `ballot.tally`
events a watcher receives with the participation heads each one counts.

Run as `python -m bench.voting_clients`; JSON commands on stdin, one per line:

- {"cmd": "connect", "host", "port", "sockets": [[id, token, stream], ...], "concurrency",
  "timeout"}: open one socket per entry, authenticated with its token, subscribed to its
  stream; `id` names the socket in what is recorded (a voter's user id).
- {"cmd": "send", "kind": "ping" | "cast", "window", "stream", "choices": {id: [...]},
  "timeout"}: every open socket sends one request, in id order, spread evenly over
  `window` seconds; answers when every one was replied to (or after `timeout`).
- {"cmd": "record"}: forget what was recorded; record events from now on.
- {"cmd": "wait_heads", "heads", "timeout"}: until every watcher saw a tally counting
  `heads` participants (or the timeout).
- {"cmd": "dump", "path"}: stop recording, write everything recorded to `path` (JSON).
- {"cmd": "status"}, {"cmd": "exit"}.

Times are `time.time()` (one clock for every process on the machine): a request's send
time is taken just before its bytes go to the socket, a reply's or event's receipt time
when this process read it, with the kernel's arrival timestamp of that read beside it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import time
from array import array
from collections import Counter
from typing import Any

from bench import clients
from bench.clients import EV_PREFIX, OP_TEXT, Conn, Pool, handshake
from bench.common import SUBPROTOCOL, WS_PATH

TALLY = "ballot.tally"
CAST = "ballot.cast"


class VotePool(Pool):
    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[int, VoteConn] = {}
        # ref -> [sent, received, arrived, op, code]
        self.requests: dict[str, list[Any]] = {}
        self.waiting = 0
        self.all_replied: asyncio.Event | None = None
        # [socket id, received, arrived, seq, participation heads]
        self.tallies: list[list[Any]] = []
        self.best: dict[int, int] = {}  # socket id -> most heads seen in a tally
        self.last_tally: dict[str, Any] | None = None  # the data of the fullest tally
        self.heads_changed: asyncio.Event | None = None


class VoteConn(Conn):
    pool: VotePool

    def __init__(self, pool: VotePool, ident: int, request: bytes, sub: bytes) -> None:
        super().__init__(pool, request, sub)
        self.ident = ident

    def _text(self, payload: bytes, now: float, arrived: float) -> None:
        pool = self.pool
        if payload.startswith(EV_PREFIX) and b'"type":"ballot.tally"' in payload:
            message = json.loads(payload)
            seq = message.get("seq")
            if seq is not None:
                if self.last_seq is not None and seq != self.last_seq + 1:
                    pool.order_errors += 1
                self.last_seq = seq
            heads = int(message["data"]["participation"]["heads"])
            if pool.recording:
                pool.tallies.append([self.ident, now, arrived, seq, heads])
            if heads > pool.best.get(self.ident, -1):
                pool.best[self.ident] = heads
                if pool.last_tally is None or heads > pool.last_tally["participation"]["heads"]:
                    pool.last_tally = message["data"]
                if pool.heads_changed is not None:
                    pool.heads_changed.set()
            return
        if payload.startswith(EV_PREFIX):
            super()._text(payload, now, arrived)  # bench.tick (the baseline): its latency
            return
        message = json.loads(payload)
        entry = pool.requests.get(message.get("ref") or "")
        if entry is None or entry[1] is not None:
            super()._text(payload, now, arrived)  # subbed, or an err with no request
            return
        entry[1:] = [now, arrived, message.get("op"), message.get("code")]
        pool.waiting -= 1
        if pool.waiting == 0 and pool.all_replied is not None:
            pool.all_replied.set()


async def connect(pool: VotePool, cmd: dict[str, Any]) -> dict[str, Any]:
    """bench.clients.connect, but with a token and a stream of each socket's own."""
    loop = asyncio.get_running_loop()
    host, port = cmd["host"], int(cmd["port"])
    timeout = float(cmd.get("timeout", 60))
    gate = asyncio.Semaphore(int(cmd.get("concurrency", 32)))
    errors: Counter[str] = Counter()
    start = loop.time()

    async def one(ident: int, token: str, stream: str) -> None:
        async with gate:
            request = handshake(host, port, WS_PATH, [SUBPROTOCOL, f"token.{token}"])
            sub = json.dumps({"op": "sub", "stream": stream}).encode()
            conn = VoteConn(pool, ident, request, sub)
            try:
                await asyncio.wait_for(conn.open(host, port), timeout)
            except Exception as exc:
                errors[f"{type(exc).__name__}: {str(exc)[:60]}"] += 1
                conn.close()
                return
            pool.conns.append(conn)
            pool.by_id[ident] = conn

    gc.unfreeze()
    await asyncio.gather(*(one(int(i), t, s) for i, t, s in cmd["sockets"]))
    gc.collect()
    gc.freeze()  # what it holds from now on is long-lived: no collector pauses
    return {
        "ok": len(cmd["sockets"]) - sum(errors.values()),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors.most_common(5)),
        "elapsed": loop.time() - start,
        "open": sum(1 for c in pool.conns if not c.closed),
    }


async def send(pool: VotePool, cmd: dict[str, Any]) -> dict[str, Any]:
    """One request per open socket, in id order, on an even schedule over the window."""
    loop = asyncio.get_running_loop()
    kind, window = cmd["kind"], float(cmd["window"])
    choices: dict[str, list[str]] = cmd.get("choices", {})
    conns = [c for _i, c in sorted(pool.by_id.items()) if not c.closed]
    frames: list[tuple[VoteConn, str, bytes]] = []
    for conn in conns:
        ref = f"{kind}.{conn.ident}"
        if kind == "ping":
            body: dict[str, Any] = {"op": "ping", "ref": ref}
        else:
            body = {
                "op": "do",
                "stream": cmd["stream"],
                "action": CAST,
                "data": {"choice": choices[str(conn.ident)]},
                "ref": ref,
            }
        frames.append((conn, ref, clients.client_frame(OP_TEXT, json.dumps(body).encode())))
    pool.all_replied = asyncio.Event()
    pool.waiting = len(frames)
    gap = window / max(1, len(frames))
    start = loop.time() + 0.05
    late = 0.0
    i = 0
    # Everything due is sent at each wake-up, so a slow turn of the loop does not
    # stretch the window: the schedule is kept, and how late it ran is reported.
    while i < len(frames):
        now = loop.time()
        while i < len(frames) and start + i * gap <= now:
            conn, ref, frame = frames[i]
            late = max(late, now - (start + i * gap))
            pool.requests[ref] = [time.time(), None, None, None, None]
            conn.send(frame)
            i += 1
        if i < len(frames):
            await asyncio.sleep(max(0.0, start + i * gap - loop.time()))
    span = loop.time() - start
    if frames:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(pool.all_replied.wait(), float(cmd.get("timeout", 60)))
    return {
        "sent": len(frames),
        "replied": len(frames) - pool.waiting,
        "span": span,
        "late_max": late,
        "done": loop.time() - start,
    }


async def wait_heads(pool: VotePool, heads: int, timeout: float) -> dict[str, Any]:
    """Until every open watcher has seen a tally counting `heads`, or the timeout."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    watchers = [c.ident for c in pool.conns if not c.closed]
    pool.heads_changed = asyncio.Event()
    while True:
        behind = sum(1 for w in watchers if pool.best.get(w, -1) < heads)
        left = deadline - loop.time()
        if behind == 0 or left <= 0:
            return {"behind": behind, "watchers": len(watchers)}
        pool.heads_changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(pool.heads_changed.wait(), left)


def dump(pool: VotePool, path: str) -> dict[str, Any]:
    pool.recording = False
    gc.enable()
    record = {
        "requests": pool.requests,
        "tallies": pool.tallies,
        "last_tally": pool.last_tally,
        "ticks": [list(pool.seqs), list(pool.lats), list(pool.wire)],
        "order_errors": pool.order_errors,
    }
    with open(path, "w") as f:
        json.dump(record, f)
    return {
        "requests": len(pool.requests),
        "tallies": len(pool.tallies),
        "ticks": len(pool.seqs),
        "order_errors": pool.order_errors,
        **clients.status(pool),
    }


async def handle(pool: VotePool, cmd: dict[str, Any]) -> dict[str, Any] | None:
    name = cmd["cmd"]
    if name == "connect":
        return await connect(pool, cmd)
    if name == "send":
        return await send(pool, cmd)
    if name == "wait_heads":
        return await wait_heads(pool, int(cmd["heads"]), float(cmd.get("timeout", 10)))
    if name == "record":
        pool.requests.clear()
        pool.tallies.clear()
        pool.seqs, pool.lats, pool.wire = array("q"), array("d"), array("d")
        pool.order_errors = 0
        gc.disable()
        pool.recording = True
        return {"ok": True}
    if name == "dump":
        return dump(pool, cmd["path"])
    if name == "status":
        return clients.status(pool)
    if name == "exit":
        return None
    return {"error": f"unknown command {name}"}


def main() -> None:
    """bench.clients' command loop (open-file limit, JSON lines on stdin), serving this
    module's pool and commands: its `Pool` and `handle` are looked up when it runs."""
    clients.Pool, clients.handle = VotePool, handle  # type: ignore[misc,assignment]
    asyncio.run(clients.main())


if __name__ == "__main__":
    main()
