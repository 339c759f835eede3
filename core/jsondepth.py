"""JSON from strangers, read without recursing into it.

Why: `json.loads` recurses once per nested array or object, so a body of 5,000 `[` raises
RecursionError (a 500 before) and a deep enough one can take the process's stack. The
nesting is measured first by a scan that skips string literals, which never recurses, and
only text within MAX_DEPTH levels is parsed. The same rule serves the REST API's parser
(config/input_guard.py) and the socket's frame decoder (realtime/frames.py).

Pure: no Django import (mypy --strict).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

# Our own payloads nest a handful of levels (a ledger filter, a ballot's rules); 32 is
# generous for any client and far below the interpreter's recursion limit.
MAX_DEPTH = 32
TOO_DEEP = "too_deep"

# A string literal (skipped whole, so brackets inside it do not count) or one bracket.
# An unterminated string runs to the end of the text (json stops there too): without
# that, the scan restarted at every escaped quote inside it, quadratic in the length.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)|[\[\]{}]', re.S)


class TooDeep(ValueError):
    """The JSON nests deeper than allowed."""

    code = TOO_DEEP

    def __init__(self, limit: int) -> None:
        super().__init__(f"JSON nests deeper than {limit} levels")
        self.limit = limit


def depth(text: str, *, stop_above: int | None = None) -> int:
    """The deepest nesting of arrays and objects in `text` (0 for a scalar).

    Counting stops once it passes `stop_above`. Malformed text gets a number too; the
    parser refuses it afterwards.
    """
    level = deepest = 0
    for token in _TOKEN.finditer(text):
        bracket = token.group()
        if bracket == "[" or bracket == "{":
            level += 1
            if level > deepest:
                deepest = level
                if stop_above is not None and deepest > stop_above:
                    break
        elif bracket == "]" or bracket == "}":
            level -= 1
    return deepest


def loads(text: str, *, max_depth: int = MAX_DEPTH) -> Any:
    """`json.loads`, refusing (TooDeep) anything nested deeper than `max_depth`, and
    (ValueError) NaN and Infinity, which are not JSON and which no database column takes."""
    if depth(text, stop_above=max_depth) > max_depth:
        raise TooDeep(max_depth)
    return json.loads(text, parse_constant=_not_json)


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def strings(value: Any) -> Iterator[str]:
    """Every string in a parsed JSON value, keys included, without recursion."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for key, inner in item.items():
                yield key
                pending.append(inner)
        elif isinstance(item, list):
            pending.extend(item)
