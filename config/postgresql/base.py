"""Django's PostgreSQL backend, with a pool check that costs no round trip when the kernel
already knows the connection is fine.

Django lets the pool check each connection it lends only with psycopg_pool's
`check_connection`, an empty query: one more round trip per request, per WebSocket
database call and per vote (the vote itself is one prepared statement). A pooled
connection that PostgreSQL ended (a restart, `pg_terminate_backend`, an idle timeout) has
data or an end of file waiting on its socket before anyone writes to it: the server says
why it is closing, then closes. So the check first asks the kernel, without blocking,
whether anything is waiting; only then, or when the connection is not idle, does it send
the empty query. A server that vanished without a word (a host lost with its network) is
found by the query that fails, as without a pool.
"""

from __future__ import annotations

import select
from typing import Any

import psycopg
from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus
from psycopg_pool import ConnectionPool


def quick_check(conn: psycopg.Connection[Any]) -> None:
    """Return quietly for a connection that looks healthy, raise for one that is not."""
    if conn.closed:
        raise psycopg.OperationalError("the connection is closed")
    if conn.info.transaction_status == TransactionStatus.IDLE and not _has_input(conn):
        return
    ConnectionPool.check_connection(conn)


def _has_input(conn: psycopg.Connection[Any]) -> bool:
    # poll, not select: a server with thousands of sockets has descriptors past FD_SETSIZE.
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self) -> Any:
        pool = super().pool  # type: ignore[misc]  # the stubs predate Django's pool
        # Django builds the pool with `check=ConnectionPool.check_connection` when
        # CONN_HEALTH_CHECKS is on and passes `check` itself, so it cannot be configured
        # through OPTIONS["pool"]; the pool reads the attribute on every getconn.
        if pool is not None and pool._check is ConnectionPool.check_connection:
            pool._check = quick_check
        return pool
