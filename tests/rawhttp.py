"""HTTP/1.1 over a bare socket, for edge tests against the real server: many requests at
once, bodies streamed in chunks, answers read as they come (a client library would add
its own buffering and retries and hide what the server does)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field


@dataclass
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    sent: int = 0  # body bytes the client managed to send before the answer or a reset


def _parse(raw: bytes) -> Answer:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1]) if lines and lines[0].startswith("HTTP/") else 0
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(status, headers, body)


async def _read_all(reader: asyncio.StreamReader) -> bytes:
    """Everything until EOF, or until a reset: what arrived before it still counts."""
    got = bytearray()
    try:
        while chunk := await reader.read(65536):
            got += chunk
    except (ConnectionError, OSError):
        pass
    return bytes(got)


async def request(
    port: int,
    path: str,
    *,
    method: str = "GET",
    headers: Iterable[tuple[str, str]] = (),
    body: bytes | AsyncIterator[bytes] = b"",
    content_length: int | None = None,
    timeout: float = 60.0,
) -> Answer:
    """One request on its own connection. A bytes body is sent with its length; an async
    iterator is sent as it yields, with `content_length` if given, else chunked."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    except (TimeoutError, OSError):
        return Answer(0)
    head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    head += [f"{name}: {value}" for name, value in headers]
    chunked = False
    if isinstance(body, bytes):
        if body or method in {"POST", "PUT", "PATCH"}:
            head.append(f"Content-Length: {len(body)}")
    elif content_length is not None:
        head.append(f"Content-Length: {content_length}")
    else:
        head.append("Transfer-Encoding: chunked")
        chunked = True
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin1"))
    sent = 0
    reading = asyncio.ensure_future(asyncio.wait_for(_read_all(reader), timeout))
    try:
        if isinstance(body, bytes):
            writer.write(body)
            sent = len(body)
            await writer.drain()
        else:
            async for chunk in body:
                # drain() returns at once while the kernel takes the bytes, so without this
                # the reader never runs and the answer goes unseen until the body is all out.
                await asyncio.sleep(0)
                if reading.done():
                    break  # the server answered (and may stop reading): stop sending
                writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk)
                await writer.drain()
                sent += len(chunk)
            else:
                if chunked:
                    writer.write(b"0\r\n\r\n")
                    await writer.drain()
    except (ConnectionError, OSError):
        pass  # the server closed while we were sending; its answer may still be readable
    try:
        raw = await reading
    except TimeoutError:
        raw = b""  # no answer in time: status 0
    finally:
        writer.close()
    answer = _parse(raw)
    answer.sent = sent
    return answer
