"""Database work of the WebSocket server, off the event loop, and the one place that reads
asgiref's private state.

Each call borrows a connection from the process's pool and gives it back when it ends
(settings.DATABASES: CONN_MAX_AGE 0 with a pool): a worker thread holds none between calls,
so sockets and HTTP requests share one bound per process. The pool checks a connection as
it lends it, so Django's own per-call health check is not needed here.
"""

from __future__ import annotations

import asyncio
import functools
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import SyncToAsync, sync_to_async
from django.db import close_old_connections


def off_loop(function: Any, executor: ThreadPoolExecutor | None = None) -> Any:
    """`function` on the loop's thread pool (not Channels' single thread-sensitive
    worker: one slow action must not stall every socket of the process), or on
    `executor` (tests pin one thread), with the thread's connection given back before and
    after (as Channels' database_sync_to_async does, through public API only)."""

    @functools.wraps(function)
    def with_connection_returned(*args: Any, **kwargs: Any) -> Any:
        close_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            close_old_connections()

    return sync_to_async(with_connection_returned, thread_sensitive=False, executor=executor)


def server_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop of the server thread that called this worker thread, if any.

    asgiref records it for sync_to_async workers (the same check async_to_sync makes) in
    SyncToAsync.threadlocal, which is private: asgiref offers no public way to ask. This
    is the only read of it in the house (the publisher sends on the server's own loop and
    Redis connection through it, realtime/fanout.py); tests/realtime/test_consumer.py fails
    if an asgiref upgrade stops it finding the loop.
    """
    local = SyncToAsync.threadlocal
    if getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    loop = getattr(local, "main_event_loop", None)
    # asgiref never clears the record; a finished loop (a command's) is no server.
    return loop if isinstance(loop, asyncio.AbstractEventLoop) and loop.is_running() else None
