"""The wire format of docs/protocol.md: inbound frames validated at the edge, outbound built once.

Pure: no Django import. Every inbound frame is checked here before any handler sees it:
JSON nested deeper than core.jsondepth.MAX_DEPTH is refused before it is parsed
(`too_deep`), and every string in it, keys included, follows core.text's rule
(`control_character`, `invalid_text`), as at the HTTP edge.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from core import jsondepth, text

STREAM_PATTERN = re.compile(r"([a-z][a-z_]{0,30})\.([1-9][0-9]{0,17})")  # fullmatch
ACTION_PATTERN = re.compile(r"[a-z][a-z_.]{0,63}")  # fullmatch
REF_MAX = 64
# An idempotency key (`do`'s `key`, REST's Idempotency-Key): printable ASCII, long enough to
# be unguessable (a UUID is 36): it is what seals the stored answer (realtime/idempotency.py).
KEY_PATTERN = re.compile(r"[!-~]{16,64}")  # fullmatch


class FrameError(Exception):
    """The frame is refused; answered with `err` with this code (`invalid` when it is
    malformed), and the socket stays open."""

    def __init__(self, reason: str, ref: str | None = None, code: str = "invalid") -> None:
        super().__init__(reason)
        self.reason = reason
        self.ref = ref
        self.code = code


@dataclass(frozen=True)
class Sub:
    stream: str
    since: int | None
    ref: str | None


@dataclass(frozen=True)
class Unsub:
    stream: str
    ref: str | None


@dataclass(frozen=True)
class Do:
    stream: str
    action: str
    data: dict[str, Any]
    ref: str | None
    key: str | None = None  # idempotency key: a retry with it gets the first answer


@dataclass(frozen=True)
class Ping:
    ref: str | None


Request = Sub | Unsub | Do | Ping


def parse_stream(name: object) -> tuple[str, int]:
    """`board.12` -> ("board", 12); raises FrameError for anything else."""
    if not isinstance(name, str):
        raise FrameError("stream must be a string")
    match = STREAM_PATTERN.fullmatch(name)
    if match is None:
        raise FrameError("stream must look like kind.id")
    return match.group(1), int(match.group(2))


def parse(raw: str) -> Request:
    try:
        frame = jsondepth.loads(raw)
    except jsondepth.TooDeep as exc:
        raise FrameError("nested too deeply", None, jsondepth.TOO_DEEP) from exc
    except ValueError as exc:
        raise FrameError("not JSON") from exc
    if not isinstance(frame, dict):
        raise FrameError("a frame is a JSON object")
    ref = frame.get("ref")
    if ref is not None and (
        not isinstance(ref, str) or len(ref) > REF_MAX or text.refusal(ref) is not None
    ):
        raise FrameError("ref must be a short string")
    for value in jsondepth.strings(frame):
        # NUL and other control characters, and lone surrogates, which JSON may spell
        # ("\ud800") but UTF-8 cannot carry back.
        refused = text.refusal(value)
        if refused is not None:
            raise FrameError("text holds a character no field accepts", ref, refused.code)
    op = frame.get("op")
    if op == "ping":
        return Ping(ref)
    if op not in ("sub", "unsub", "do"):
        raise FrameError("unknown op", ref)
    stream = frame.get("stream")
    try:
        parse_stream(stream)
    except FrameError as exc:
        raise FrameError(exc.reason, ref) from None
    assert isinstance(stream, str)
    if op == "unsub":
        return Unsub(stream, ref)
    if op == "sub":
        since = frame.get("since")
        if since is not None and (
            isinstance(since, bool) or not isinstance(since, int) or since < 0
        ):
            raise FrameError("since must be a non-negative integer", ref)
        return Sub(stream, since, ref)
    action = frame.get("action")
    if not isinstance(action, str) or not ACTION_PATTERN.fullmatch(action):
        raise FrameError("action must be a name", ref)
    data = frame.get("data", {})
    if not isinstance(data, dict):
        raise FrameError("data must be an object", ref)
    key = frame.get("key")
    if key is not None and not valid_key(key):
        raise FrameError("key must be 16 to 64 printable ASCII characters", ref)
    return Do(stream, action, data, ref, key)


def valid_key(key: object) -> bool:
    """An idempotency key as the socket and the REST API accept it."""
    return isinstance(key, str) and KEY_PATTERN.fullmatch(key) is not None


def encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def event(stream: str, seq: int, type_: str, at: str, data: dict[str, Any]) -> str:
    return encode({"op": "ev", "stream": stream, "seq": seq, "type": type_, "at": at, "data": data})


def ephemeral(stream: str, type_: str, data: dict[str, Any]) -> str:
    return encode({"op": "ev", "stream": stream, "type": type_, "data": data})


def with_ref(frame: dict[str, Any], ref: str | None) -> str:
    if ref is not None:
        frame["ref"] = ref
    return encode(frame)


def subbed(stream: str, seq: int, ref: str | None) -> str:
    return with_ref({"op": "subbed", "stream": stream, "seq": seq}, ref)


def resync(stream: str, seq: int, ref: str | None) -> str:
    return with_ref({"op": "resync", "stream": stream, "seq": seq}, ref)


def ok(ref: str | None, data: dict[str, Any] | None = None) -> str:
    frame: dict[str, Any] = {"op": "ok"}
    if data is not None:
        frame["data"] = data
    return with_ref(frame, ref)


def err(code: str, message: str, ref: str | None) -> str:
    return with_ref({"op": "err", "code": code, "message": message}, ref)


def stream_error(code: str, message: str, stream: str) -> str:
    """An `err` the server sends unasked, about one stream (e.g. access revoked)."""
    return encode({"op": "err", "code": code, "message": message, "stream": stream})


def pong(ref: str | None) -> str:
    return with_ref({"op": "pong"}, ref)
