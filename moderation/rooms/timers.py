"""The server's clock for speeches: when a speech's time is up, the room is ticked and the
floor ends by itself (`speech.ended`, reason "time"), whatever the clients do.

One background thread per process (core/deadlines.py) keeps the earliest `ends_at` of
every room whose floor this process gave or extended. A tick is idempotent (the engine
ends nothing that is not due), so a timer that fires after an extension, or in two
processes, does no harm. A process that dies takes its timers with it: the next command on
the room, or any read of the room's page, ends an expired speech too (the engine expires
first), and `manage.py room_ticks [--loop N]` sweeps every room.

This module imports no service: the rooms service registers its tick (`@on_time_up`), so
the service imports the timers and never the other way round.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from django.db import transaction

from core.deadlines import Deadlines

SLACK = 0.02  # seconds after ends_at, so the engine sees the time as up
IDLE_SECONDS = 5.0

Tick = TypeVar("Tick", bound=Callable[[int], object])

_tick: Callable[[int], object] | None = None


def on_time_up(tick: Tick) -> Tick:
    """Register the function that ticks a room (moderation.rooms.services.room_tick)."""
    global _tick
    _tick = tick
    return tick


def _fire(room_id: int) -> None:
    if _tick is None:  # only the rooms service schedules, and it registers on import
        raise RuntimeError("no room tick registered")
    _tick(room_id)


# Wall-clock times (time.time()), as the engine's ends_at; a wait is capped so a clock
# that jumps is noticed within IDLE_SECONDS.
_timers: Deadlines[int] = Deadlines(
    "linli-room-timers",
    _fire,
    failed="tick of room %s failed",
    idle_seconds=IDLE_SECONDS,
    clock=time.time,
    max_wait=IDLE_SECONDS,
)


def schedule_on_commit(room_id: int, ends_at: float) -> None:
    transaction.on_commit(lambda: schedule(room_id, ends_at), robust=True)


def schedule(room_id: int, ends_at: float) -> None:
    """Tick the room just after `ends_at`; the latest floor's end replaces an earlier one."""
    _timers.at(room_id, ends_at + SLACK)


def reset() -> None:
    """Forget every pending tick (tests: a test's rooms are gone with its database)."""
    _timers.reset()


def pending() -> dict[int, float]:
    return _timers.pending()
