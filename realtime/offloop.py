"""Database work of the WebSocket server, off the event loop.

Each call borrows a connection from the process's pool and gives it back when it ends
(settings.DATABASES: CONN_MAX_AGE 0 with a pool): a worker thread holds none between calls,
so sockets and HTTP requests share one bound per process. The pool checks a connection as
it lends it, so Django's own per-call health check is not needed here.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import SyncToAsync
from django.db import close_old_connections


class _OffLoop(SyncToAsync):
    def thread_handler(self, loop: Any, *args: Any, **kwargs: Any) -> Any:
        close_old_connections()
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            close_old_connections()


def off_loop(function: Any, executor: ThreadPoolExecutor | None = None) -> Any:
    """`function` on the loop's thread pool (not Channels' single thread-sensitive
    worker: one slow action must not stall every socket of the process), or on
    `executor` (tests pin one thread)."""
    return _OffLoop(function, thread_sensitive=False, executor=executor)
