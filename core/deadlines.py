"""One background thread per process that calls a function for each key when its time comes.

The house's two clocks run on it: the live tally (voting/live.py, at most one tally per
ballot per 200 ms) and the speech timers (moderation/rooms/timers.py, a room ticked when a
speech's time is up). Each keeps a schedule of key -> time; the thread is started on the
first schedule (and again if it ever died), waits for the earliest time, calls `fire(key)`
outside its lock, and closes its database connection after `idle_seconds` without work.

`fire` returns None when done, or seconds after which to fire the key again (a tally whose
gate was not free yet). A key scheduled again while it is being fired stays scheduled.
Why a thread and not a task queue: the work is a few milliseconds at a time and everything
it needs to resume is in the database (a process that dies loses only what was pending).
Pinned by tests/core/test_deadlines.py, tests/voting/test_live.py, tests/moderation/test_rooms.py.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from django.db import close_old_connections, connection

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)


def _never_before(_key: object) -> float:
    return -math.inf


class Deadlines(Generic[K]):
    def __init__(
        self,
        name: str,
        fire: Callable[[K], float | None],
        *,
        failed: str,
        idle_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        max_wait: float | None = None,
        not_before: Callable[[K], float] = _never_before,
    ) -> None:
        """`name` names the thread; `failed` is the log line of a call that raised (one %s:
        the key). `clock` tells the schedule's times (time.time for wall-clock deadlines);
        `max_wait` caps one wait (a wall clock may jump); `not_before(key)` is the soonest
        `soon()` schedules a key for, and a key scheduled while it was fired waits for it
        too (the tally's "gate free at")."""
        self.name = name
        self._fire = fire
        self._failed = failed
        self._idle_seconds = idle_seconds
        self._clock = clock
        self._max_wait = max_wait
        self._not_before = not_before
        self._cond = threading.Condition()
        self._due: dict[K, float] = {}
        self._busy: set[K] = set()
        self._thread: threading.Thread | None = None

    def at(self, key: K, when: float) -> None:
        """Fire `key` at `when` (by the clock), replacing its earlier time if any."""
        with self._cond:
            self._due[key] = when
            self._start()
            self._cond.notify()

    def soon(self, key: K) -> None:
        """Fire `key` as soon as `not_before` allows; nothing to do if it is pending already
        (waking the thread for every call would only cost the callers)."""
        with self._cond:
            if not self._start() and key in self._due:
                return
            self._due[key] = max(self._clock(), self._not_before(key))
            self._cond.notify()

    def pending(self) -> dict[K, float]:
        with self._cond:
            return dict(self._due)

    def reset(self) -> None:
        """Forget every pending key (tests: a test's rows are gone with its database)."""
        with self._cond:
            self._due.clear()
            self._cond.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is pending or being fired; False if it took longer."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._due or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
        return True

    def _start(self) -> bool:
        """Start the thread unless it runs (the lock held); whether it was started."""
        if self._thread is not None and self._thread.is_alive():
            return False
        self._thread = threading.Thread(target=self._work, name=self.name, daemon=True)
        self._thread.start()
        return True

    def _work(self) -> None:
        while True:
            with self._cond:
                if not self._due:
                    if not self._cond.wait(self._idle_seconds) and not self._due:
                        _close_connection()
                    continue
                key, at = min(self._due.items(), key=lambda item: item[1])
                delay = at - self._clock()
                if delay > 0:
                    self._cond.wait(delay if self._max_wait is None else min(delay, self._max_wait))
                    continue
                del self._due[key]
                self._busy.add(key)
            again: float | None = None
            try:
                again = self._fire(key)
            except Exception:
                log.exception(self._failed, key)
            finally:
                with self._cond:
                    self._busy.discard(key)
                    if again is not None:
                        soon = self._clock() + again
                        self._due[key] = min(self._due.get(key, soon), soon)
                    elif key in self._due:  # scheduled again while it was fired
                        self._due[key] = max(self._due[key], self._not_before(key))
                    self._cond.notify_all()


def _close_connection() -> None:
    """The thread's database connection, closed while it has nothing to do."""
    try:
        close_old_connections()
        connection.close()
    except Exception:  # a connection that cannot even be closed is gone anyway
        log.debug("closing an idle deadline thread's connection failed", exc_info=True)
