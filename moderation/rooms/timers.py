"""The server's clock for speeches: when a speech's time is up, the room is ticked and the
floor ends by itself (`speech.ended`, reason "time"), whatever the clients do.

One background thread per process keeps the earliest `ends_at` of every room whose floor
this process gave or extended. A tick is idempotent (the engine ends nothing that is not
due), so a timer that fires after an extension, or in two processes, does no harm. A
process that dies takes its timers with it: the next command on the room, or any read of
the room's page, ends an expired speech too (the engine expires first), and
`manage.py room_ticks [--loop N]` sweeps every room.
"""

from __future__ import annotations

import logging
import threading
import time

from django.db import close_old_connections, connection, transaction

log = logging.getLogger(__name__)

SLACK = 0.02  # seconds after ends_at, so the engine sees the time as up
IDLE_SECONDS = 5.0

_cond = threading.Condition()
_due: dict[int, float] = {}  # room id -> wall-clock time (time.time()) to tick
_thread: threading.Thread | None = None


def schedule_on_commit(room_id: int, ends_at: float) -> None:
    transaction.on_commit(lambda: schedule(room_id, ends_at), robust=True)


def schedule(room_id: int, ends_at: float) -> None:
    global _thread
    with _cond:
        _due[room_id] = ends_at + SLACK  # the latest floor's end replaces an earlier one
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_work, name="linli-room-timers", daemon=True)
            _thread.start()
        _cond.notify()


def reset() -> None:
    """Forget every pending tick (tests: a test's rooms are gone with its database)."""
    with _cond:
        _due.clear()
        _cond.notify()


def pending() -> dict[int, float]:
    with _cond:
        return dict(_due)


def _work() -> None:
    from moderation.rooms.services import room_tick

    while True:
        with _cond:
            if not _due:
                if not _cond.wait(IDLE_SECONDS) and not _due:
                    close_old_connections()
                    connection.close()
                continue
            room_id, at = min(_due.items(), key=lambda item: item[1])
            delay = at - time.time()
            if delay > 0:
                _cond.wait(min(delay, IDLE_SECONDS))
                continue
            del _due[room_id]
        try:
            room_tick(room_id)
        except Exception:
            log.exception("tick of room %s failed", room_id)
