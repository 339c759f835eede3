"""The client process: thousands of WebSocket connections on one asyncio loop.

A minimal RFC 6455 client on raw non-blocking sockets (`loop.add_reader`), not the
`websockets` client, so that the instrument spends as little CPU per received frame as
possible: one callback per socket read, no task or transport per connection, no extensions
(so no compression is ever negotiated), pings answered. Both servers get the same client.

Each received event gives two latencies against the publisher's `data.t`:
- receipt: `time.time()` when this process read the frame (what an application sees; it
  includes the time this one process takes to get round thousands of sockets);
- arrival: the kernel's receive timestamp of that read (SO_TIMESTAMPNS), i.e. when the
  server's bytes reached the client's socket, without the client's own queueing.

Run as `python -m bench.clients`; it obeys JSON commands on stdin, one per line:

- {"cmd": "connect", "host", "port", "n", "stream", "protocols", "rate", "concurrency",
  "timeout"}: open n more connections and subscribe each to `stream`.
- {"cmd": "record"}: forget the samples and start recording received events.
- {"cmd": "count"}: how many events were recorded so far.
- {"cmd": "dump", "path"}: stop recording, write the samples to path + ".seq" (int64),
  ".lat" (receipt latency, float64 s) and ".wire" (arrival latency, float64 s).
- {"cmd": "status"}, {"cmd": "close"}, {"cmd": "exit"}.
"""

from __future__ import annotations

import asyncio
import base64
import gc
import json
import os
import resource
import socket
import struct
import sys
import time
from array import array
from collections import Counter
from typing import Any

from bench.common import NOFILE, reply

EV_PREFIX = b'{"op":"ev"'
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux; also the cmsg type
TIMESPEC = struct.Struct("qq")
RECV_BYTES = 1 << 18
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10


def client_frame(opcode: int, payload: bytes) -> bytes:
    """One masked, final frame (clients must mask)."""
    n = len(payload)
    if n < 126:
        header = bytes([0x80 | opcode, 0x80 | n])
    elif n < 65536:
        header = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        header = bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8, "big")
    mask = os.urandom(4)
    if n:
        key = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
        payload = (int.from_bytes(payload, "big") ^ key).to_bytes(n, "big")
    return header + mask + payload


class Pool:
    """Everything the connections share: samples, counters, settings."""

    def __init__(self) -> None:
        self.conns: list[Conn] = []
        self.recording = False
        self.seqs = array("q")
        self.lats = array("d")  # receipt: time.time() when this process read the frame
        self.wire = array("d")  # arrival: the kernel's receive timestamp of that read
        self.order_errors = 0
        self.closes: Counter[str] = Counter()
        self.server_errors: Counter[str] = Counter()


class Conn:
    """One client socket, read with recvmsg so each read carries the kernel's timestamp."""

    def __init__(self, pool: Pool, request: bytes, sub: bytes) -> None:
        self.pool = pool
        self.request = request
        self.sub = sub
        self.loop = asyncio.get_running_loop()
        self.sock: socket.socket | None = None
        self.out = bytearray()
        self.buf = bytearray()
        self.upgraded = False
        self.fragments: bytearray | None = None
        self.last_seq: int | None = None
        self.closed = False
        self.subbed: asyncio.Future[int] = self.loop.create_future()

    async def open(self, host: str, port: int) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock = sock
        try:
            await self.loop.sock_connect(sock, (host, port))
        except BaseException:
            self.close()
            raise
        self.loop.add_reader(sock.fileno(), self._readable)
        self.send(self.request)
        await self.subbed

    # socket I/O ----------------------------------------------------------------------

    def _readable(self) -> None:
        assert self.sock is not None
        try:
            data, ancillary, _flags, _addr = self.sock.recvmsg(RECV_BYTES, 64)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._lost(exc)
            return
        now = time.time()
        if not data:
            self._lost(None)
            return
        arrived = now
        for level, kind, value in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                sec, nsec = TIMESPEC.unpack(value)
                arrived = sec + nsec * 1e-9
        self.data_received(data, now, arrived)

    def send(self, data: bytes) -> None:
        if self.closed or self.sock is None:
            return
        if self.out:
            self.out += data
            return
        try:
            sent = self.sock.send(data)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError as exc:
            self._lost(exc)
            return
        if sent < len(data):
            self.out += data[sent:]
            self.loop.add_writer(self.sock.fileno(), self._writable)

    def _writable(self) -> None:
        assert self.sock is not None
        try:
            sent = self.sock.send(self.out)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._lost(exc)
            return
        del self.out[:sent]
        if not self.out:
            self.loop.remove_writer(self.sock.fileno())

    def _lost(self, exc: Exception | None) -> None:
        if not self.subbed.done():
            self.subbed.set_exception(ConnectionError(f"lost before subbed: {exc}"))
        self.close()

    def close(self) -> None:
        if self.sock is not None and not self.closed:
            self.loop.remove_reader(self.sock.fileno())
            if self.out:
                self.loop.remove_writer(self.sock.fileno())
        self.closed = True
        if self.sock is not None:
            self.sock.close()

    # WebSocket -----------------------------------------------------------------------

    def data_received(self, data: bytes, now: float, arrived: float) -> None:
        buf = self.buf
        buf += data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buf[: buf.find(b"\r\n")])
            if not status.startswith(b"HTTP/1.1 101"):
                self._fail(status.decode("latin1", "replace"))
                return
            del buf[: end + 4]
            self.upgraded = True
            self.write(OP_TEXT, self.sub)
        pos, n = 0, len(buf)
        while n - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            length, head = b1 & 0x7F, pos + 2
            if length == 126:
                if n - pos < 4:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 4], "big"), pos + 4
            elif length == 127:
                if n - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 10], "big"), pos + 10
            mask = None
            if b1 & 0x80:  # servers must not mask; tolerate it anyway
                if n - head < 4:
                    break
                mask, head = bytes(buf[head : head + 4]), head + 4
            if n - head < length:
                break
            payload = bytes(buf[head : head + length])
            pos = head + length
            if mask is not None:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            self._frame(b0, payload, now, arrived)
            if self.closed:
                return
        if pos:
            del buf[:pos]

    def _frame(self, b0: int, payload: bytes, now: float, arrived: float) -> None:
        opcode, fin = b0 & 0x0F, b0 & 0x80
        if opcode == OP_CONT or (opcode in (OP_TEXT, OP_BINARY) and not fin):
            if self.fragments is None:
                self.fragments = bytearray()
            self.fragments += payload
            if not fin:
                return
            payload, self.fragments = bytes(self.fragments), None
            opcode = OP_TEXT
        if opcode == OP_TEXT:
            self._text(payload, now, arrived)
        elif opcode == OP_PING:
            self.write(OP_PONG, payload)
        elif opcode == OP_CLOSE:
            code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            self.pool.closes[str(code)] += 1
            self.write(OP_CLOSE, payload[:2])
            self._fail(f"closed {code}")

    def _text(self, payload: bytes, now: float, arrived: float) -> None:
        if payload.startswith(EV_PREFIX):
            message = json.loads(payload)
            seq = message.get("seq")
            if seq is None:
                return
            if self.last_seq is not None and seq != self.last_seq + 1:
                self.pool.order_errors += 1
            self.last_seq = seq
            if self.pool.recording:
                sent = message["data"]["t"]
                self.pool.seqs.append(seq)
                self.pool.lats.append(now - sent)
                self.pool.wire.append(arrived - sent)
            return
        message = json.loads(payload)
        op = message.get("op")
        if op == "subbed":
            self.last_seq = int(message["seq"])
            if not self.subbed.done():
                self.subbed.set_result(self.last_seq)
        elif op in ("err", "resync"):
            self.pool.server_errors[str(message.get("code", op))] += 1
            if not self.subbed.done():
                self.subbed.set_exception(ConnectionError(f"{op}: {message}"))

    def write(self, opcode: int, payload: bytes) -> None:
        self.send(client_frame(opcode, payload))

    def _fail(self, why: str) -> None:
        if not self.subbed.done():
            self.subbed.set_exception(ConnectionError(why))
        self.close()


def handshake(host: str, port: int, path: str, protocols: list[str]) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    if protocols:
        lines.append(f"Sec-WebSocket-Protocol: {', '.join(protocols)}")
    # No Origin header: token auth requires it (docs/realtime.md); no extensions offered.
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def connect(pool: Pool, cmd: dict[str, Any]) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    host, port, n = cmd["host"], int(cmd["port"]), int(cmd["n"])
    rate: float | None = cmd.get("rate")
    timeout = float(cmd.get("timeout", 60))
    gate = asyncio.Semaphore(int(cmd.get("concurrency", 64)))
    sub = json.dumps({"op": "sub", "stream": cmd["stream"]}).encode()
    errors: Counter[str] = Counter()
    durations: list[float] = []
    start = loop.time()
    done_at = [start]

    async def one(i: int) -> None:
        if rate:
            await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
        async with gate:
            began = loop.time()
            request = handshake(host, port, cmd.get("path", "/ws/"), cmd["protocols"])
            conn = Conn(pool, request, sub)
            try:
                await asyncio.wait_for(conn.open(host, port), timeout)
            except Exception as exc:
                errors[f"{type(exc).__name__}: {str(exc)[:60]}"] += 1
                conn.close()
                return
            pool.conns.append(conn)
            finished = loop.time()
            durations.append(finished - began)
            done_at[0] = max(done_at[0], finished)

    gc.unfreeze()
    await asyncio.gather(*(one(i) for i in range(n)))
    # The instrument must not pause: what it holds from now on is long-lived.
    gc.collect()
    gc.freeze()
    durations.sort()
    return {
        "ok": n - sum(errors.values()),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors.most_common(5)),
        "elapsed": done_at[0] - start,
        "wall": loop.time() - start,
        "handshake_p50": durations[len(durations) // 2] if durations else None,
        "handshake_max": durations[-1] if durations else None,
        "open": sum(1 for c in pool.conns if not c.closed),
    }


async def handle(pool: Pool, cmd: dict[str, Any]) -> dict[str, Any] | None:
    name = cmd["cmd"]
    if name == "connect":
        return await connect(pool, cmd)
    if name == "record":
        pool.seqs, pool.lats, pool.wire = array("q"), array("d"), array("d")
        pool.order_errors = 0
        gc.disable()
        pool.recording = True
        return {"ok": True}
    if name == "count":
        return {"count": len(pool.seqs)}
    if name == "dump":
        pool.recording = False
        gc.enable()
        with open(cmd["path"] + ".seq", "wb") as f:
            pool.seqs.tofile(f)
        with open(cmd["path"] + ".lat", "wb") as f:
            pool.lats.tofile(f)
        with open(cmd["path"] + ".wire", "wb") as f:
            pool.wire.tofile(f)
        count = len(pool.seqs)
        pool.seqs, pool.lats, pool.wire = array("q"), array("d"), array("d")
        return {"count": count, "order_errors": pool.order_errors, **status(pool)}
    if name == "status":
        return status(pool)
    if name == "close":
        for conn in pool.conns:
            conn.close()
        pool.conns.clear()
        await asyncio.sleep(0.2)
        return {"ok": True}
    if name == "exit":
        return None
    return {"error": f"unknown command {name}"}


def status(pool: Pool) -> dict[str, Any]:
    return {
        "open": sum(1 for c in pool.conns if not c.closed),
        "closes": dict(pool.closes),
        "server_errors": dict(pool.server_errors),
    }


async def main() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, max(hard, NOFILE)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    pool = Pool()
    reply({"ready": True, "pid": os.getpid()})
    while line := await reader.readline():
        answer = await handle(pool, json.loads(line))
        if answer is None:
            break
        reply(answer)
    for conn in pool.conns:
        conn.close()


if __name__ == "__main__":
    asyncio.run(main())
