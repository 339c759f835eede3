"""A sliding-window limit over a log of past events. Pure: times in, a verdict out.

Why a log and not a counter: the events are rows the services write anyway (verification
attempts, ledger imports), so the limit needs no store of its own and survives restarts;
the window slides, so an action is allowed again exactly when the oldest event that filled
the window has aged out of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable


def blocked_until(
    times: Iterable[dt.datetime], *, limit: int, window: dt.timedelta, now: dt.datetime
) -> dt.datetime | None:
    """None if one more event is allowed now; else when it will be (`limit` events in the
    `window` before `now` fill it)."""
    recent = sorted(at for at in times if now - window < at <= now)
    if len(recent) < limit:
        return None
    # Allowed again when only limit - 1 of these remain inside the window.
    return recent[len(recent) - limit] + window
