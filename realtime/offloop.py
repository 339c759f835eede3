"""Database work of the WebSocket server, off the event loop.

Channels' `database_sync_to_async` closes stale connections around every call, which
with `conn_health_checks` costs a `SELECT 1` round trip before the call's first query:
under a burst of votes that doubled each vote's time on its worker thread (two waits for
PostgreSQL and for the interpreter lock instead of one), and the executor's queue grew.
A connection that answered a query within the last second is trusted instead; one idle
for longer, or that raised an error since (Django then checks it itself), is checked as
before. A server restarted inside that second costs at most one failed call per worker
thread, as it would for a request already under way.
"""

from __future__ import annotations

import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import SyncToAsync
from django.db import close_old_connections, connections

TRUSTED_FOR = 1.0  # seconds since the connection last finished a call cleanly
# Connections are per thread; so is the time each one last finished a call.
_thread = threading.local()


class _OffLoop(SyncToAsync):
    def thread_handler(self, loop: Any, *args: Any, **kwargs: Any) -> Any:
        close_old_connections()
        clean_at: dict[str, float] = getattr(_thread, "clean_at", {})
        fresh = time.monotonic() - TRUSTED_FOR
        for conn in connections.all(initialized_only=True):
            if conn.connection is not None and clean_at.get(conn.alias, -math.inf) > fresh:
                conn.health_check_done = True  # type: ignore[attr-defined]  # Django >= 4.1
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            close_old_connections()
            # What survived close_old_connections is usable: no error since its last
            # check (Django re-checks one that raised), autocommit restored, not too old.
            done = time.monotonic()
            _thread.clean_at = {
                conn.alias: done
                for conn in connections.all(initialized_only=True)
                if conn.connection is not None
            }


def off_loop(function: Any, executor: ThreadPoolExecutor | None = None) -> Any:
    """`function` on the loop's thread pool (not Channels' single thread-sensitive
    worker: one slow action must not stall every socket of the process), or on
    `executor` (tests pin one thread)."""
    return _OffLoop(function, thread_sensitive=False, executor=executor)
