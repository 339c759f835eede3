"""Database helpers the apps share."""

from __future__ import annotations

import time
from typing import Any

import psycopg
from django.db import connection
from django.db.models import Model


def prepared_row(sql: str, params: list[Any]) -> tuple[Any, ...] | None:
    """Run `sql` (PostgreSQL only) as a prepared statement of the current connection and
    return its first row.

    Django's PostgreSQL cursors bind parameters on the client, so PostgreSQL plans every
    statement afresh; for a hot statement (the vote's) planning cost more than running
    it. A server-binding psycopg cursor on the same connection (and transaction) keeps the
    plan (settings.PREPARED_STATEMENTS). Errors still pass through Django's wrapper, which
    marks the connection for a check, and the statement is logged where Django logs
    queries (debug, tests)."""
    start = time.monotonic()
    with (
        connection.cursor() as wrapper,
        connection.wrap_database_errors,
        psycopg.Cursor(wrapper.cursor.connection) as prepared,
    ):
        prepared.execute(sql, params, prepare=True)
        row = prepared.fetchone()
    if connection.queries_logged:
        took = time.monotonic() - start
        connection.queries_log.append({"sql": f"PREPARED {sql}", "time": f"{took:.3f}"})
    return row


def refresh_statistics() -> None:
    """After a bulk load PostgreSQL has no statistics until autovacuum comes round, and
    plans the ledger's counts as if the tables were empty (seconds instead of
    milliseconds). ANALYZE now, as a live database would have. Other databases plan
    without them: nothing to do."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def quoted_table(model: type[Model]) -> str:
    """A model's table, quoted for the current database: for set-based SQL (INSERT ...
    SELECT) that the ORM cannot write."""
    return connection.ops.quote_name(model._meta.db_table)
