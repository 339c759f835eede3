"""The baseline: a bare `websockets` server broadcasting the same frames to its clients.

Run as `python -m bench.baseline PORT STREAM`. It answers `sub` with `subbed`, and on
{"cmd": "run", "rate": R, "duration": D} (stdin) broadcasts round(R * D) ev frames of the
same shape and size as ours (t = time.time() at the tick) on a fixed schedule with
`websockets.broadcast`, then answers with their seqs. Compression is off.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sys
import time
from typing import Any

import websockets
from websockets.asyncio.server import ServerConnection, serve

from bench.common import EVENT_TYPE, HOST, SUBPROTOCOL, pad_for, reply


def encode(message: dict[str, Any]) -> str:
    # As realtime/frames.py encodes: compact, UTF-8.
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


class Room:
    def __init__(self, stream: str) -> None:
        self.stream = stream
        self.members: set[ServerConnection] = set()
        self.seq = 0
        sample = self.frame(100_000, "")
        self.pad = "x" * pad_for(sample)

    def frame(self, seq: int, pad: str) -> str:
        at = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
        data = {"t": time.time(), "pad": pad}
        return encode(
            {
                "op": "ev",
                "stream": self.stream,
                "seq": seq,
                "type": EVENT_TYPE,
                "at": at,
                "data": data,
            }
        )

    async def handler(self, ws: ServerConnection) -> None:
        try:
            async for message in ws:
                request = json.loads(message)
                if request.get("op") == "sub" and request.get("stream") == self.stream:
                    await ws.send(encode({"op": "subbed", "stream": self.stream, "seq": self.seq}))
                    self.members.add(ws)
        finally:
            self.members.discard(ws)

    async def run(self, rate: float, duration: float) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        count = max(1, round(rate * duration))
        seqs: list[int] = []
        start = loop.time() + 0.02
        for i in range(count):
            await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
            self.seq += 1
            websockets.broadcast(self.members, self.frame(self.seq, self.pad))
            seqs.append(self.seq)
        return {"seqs": seqs, "span": loop.time() - start}


def select_subprotocol(_ws: ServerConnection, offered: Any) -> Any:
    return SUBPROTOCOL if SUBPROTOCOL in offered else None


async def main() -> None:
    port, stream = int(sys.argv[1]), sys.argv[2]
    room = Room(stream)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async with serve(
        room.handler,
        HOST,
        port,
        compression=None,
        select_subprotocol=select_subprotocol,
        # No keepalive pings: the bench connects all clients within a second, so all of
        # them would fire in the same second, every 20 s, inside a measured window.
        # (Ours keeps daphne's default 20 s pings, spread over its connect time.)
        ping_interval=None,
    ):
        reply({"ready": True, "pid": os.getpid(), "pad": len(room.pad)})
        while line := await reader.readline():
            cmd = json.loads(line)
            if cmd["cmd"] == "exit":
                break
            reply(await room.run(float(cmd["rate"]), float(cmd["duration"])))


if __name__ == "__main__":
    asyncio.run(main())
