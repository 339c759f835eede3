"""Database connections of a server process are bounded by its pool (config/dbpool.py).

Through the real server on PostgreSQL: a burst of anonymous requests never holds more
connections than the pool allows and gets no server error; a request that finds the pool
exhausted gets a clean 503 in the usual {code, message} shape, not a 500 or a hang.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import connection, connections
from psycopg_pool import ConnectionPool

from config.postgresql.base import quick_check
from realtime import offloop
from tests.conftest import database_env, free_port, start_daphne, stop
from tests.rawhttp import Answer, request

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres")]

APP = "linli-pool-test"  # the server's application_name, to count only its connections


def conninfo(dbname: str | None = None) -> str:
    db = settings.DATABASES["default"]
    return psycopg.conninfo.make_conninfo(
        host=db["HOST"],
        port=db.get("PORT") or 5432,
        user=db["USER"],
        password=db.get("PASSWORD") or "",
        dbname=dbname or db["NAME"],
    )


def server_env(**extra: str) -> dict[str, str]:
    return {**database_env(), "PGAPPNAME": APP, **extra}


class Watch:
    """Samples the server's connections in pg_stat_activity until stopped."""

    def __init__(self) -> None:
        self.most = 0
        self._stop = threading.Event()
        self._conn = psycopg.connect(conninfo("postgres"), autocommit=True)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def now(self, state: str | None = None) -> int:
        sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s"
        params: list[Any] = [settings.DATABASES["default"]["NAME"], APP]
        if state is not None:
            sql += " AND wait_event_type = %s"
            params.append(state)
        row = self._conn.execute(sql, params).fetchone()
        return int(row[0]) if row else 0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.most = max(self.most, self.now())
            time.sleep(0.02)

    def __enter__(self) -> Watch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.most = max(self.most, self.now())
        self._conn.close()


async def burst(port: int, count: int) -> list[Answer]:
    """`count` anonymous requests at once, each needing the database: a made-up API token,
    or a made-up session cookie on the login page."""

    def one(n: int) -> Any:
        if n % 2:
            return request(
                port, "/api/v1/boards/1/", headers=[("Authorization", f"Token made-up-{n}")]
            )
        return request(port, "/login/", headers=[("Cookie", f"sessionid=madeup{n:08d}")])

    return list(await asyncio.gather(*(one(n) for n in range(count))))


def test_a_burst_of_400_anonymous_requests_holds_no_more_connections_than_the_pool() -> None:
    # Given a server whose pool holds at most 5 connections
    port = free_port()
    server = start_daphne(port, server_env(LINLI_DB_POOL_MAX="5", LINLI_DB_POOL_TIMEOUT="90"))
    try:
        # When 400 anonymous requests that each need the database arrive at once
        with Watch() as watch:
            answers = asyncio.run(burst(port, 400))
            time.sleep(0.5)
    finally:
        stop(server)
    # Then every one was answered as it should be, and no more than 5 connections were open
    statuses = Counter(answer.status for answer in answers)
    assert statuses == {200: 200, 403: 200}
    assert 0 < watch.most <= 5


@pytest.fixture
def token_table_locked() -> Iterator[psycopg.Connection[Any]]:
    """Another session holds the token table, so a request with a token waits, holding its
    connection, until the lock goes."""
    conn = psycopg.connect(conninfo())
    conn.execute("LOCK TABLE authtoken_token IN ACCESS EXCLUSIVE MODE")
    yield conn
    conn.rollback()
    conn.close()


def test_a_request_that_finds_the_pool_exhausted_gets_503_with_a_code(
    token_table_locked: psycopg.Connection[Any],
) -> None:
    # Given a server with a pool of one connection, held by a request waiting for a lock
    port = free_port()
    env = server_env(LINLI_DB_POOL_MIN="1", LINLI_DB_POOL_MAX="1", LINLI_DB_POOL_TIMEOUT="0.5")
    server = start_daphne(port, env)
    try:

        async def scenario() -> tuple[Answer, Answer, Answer]:
            holder = asyncio.ensure_future(
                request(port, "/api/v1/boards/1/", headers=[("Authorization", "Token held")])
            )
            with Watch() as watch:
                deadline = time.monotonic() + 20
                while watch.now("Lock") < 1 and time.monotonic() < deadline:
                    await asyncio.sleep(0.05)
            # When an API request and a page request need a connection too
            api = await request(
                port, "/api/v1/boards/1/", headers=[("Authorization", "Token other")]
            )
            page = await request(
                port,
                "/login/",
                headers=[("Cookie", "sessionid=madeup00000001"), ("Accept-Language", "zh-hans")],
            )
            token_table_locked.rollback()  # the lock goes; the first request finishes
            return api, page, await holder

        api, page, held = asyncio.run(scenario())
    finally:
        stop(server)
    stderr = server.stderr.read() if server.stderr else b""
    # Then both get a 503 that says so, the API one as {code, message}, the page translated
    assert api.status == 503
    assert api.headers["content-type"].startswith("application/json")
    assert json.loads(api.body) == {"code": "unavailable", "message": "网站正忙，请稍后再试。"}
    assert page.status == 503
    assert page.headers["content-type"].startswith("text/html")
    assert "网站正忙，请稍后再试。" in page.body.decode()
    assert "retry-after" in api.headers
    # And the request that held the connection was answered normally
    assert held.status == 403
    assert b"Internal Server Error" not in stderr


# The server's worker threads borrow from the pool ----------------------------------------


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def test_a_server_worker_thread_holds_no_connection_between_calls() -> None:
    with ThreadPoolExecutor(max_workers=1) as worker:
        pid = async_to_sync(offloop.off_loop(backend_pid, executor=worker))()
        held = worker.submit(lambda: connections["default"].connection).result()
    assert pid > 0
    assert held is None


@pytest.fixture
def small_pool() -> Iterator[None]:
    """This process's pool, rebuilt with at most two connections for one test."""
    db = connections["default"]
    options = db.settings_dict["OPTIONS"]["pool"]
    saved = dict(options)
    db.close()
    db.close_pool()
    options.update(min_size=1, max_size=2)
    yield
    db.close()
    db.close_pool()
    options.clear()
    options.update(saved)


@pytest.mark.usefixtures("small_pool")
def test_a_connection_lost_while_in_the_pool_costs_no_call_an_error() -> None:
    # Given every connection the pool holds ended by the database (a restart)
    with ThreadPoolExecutor(max_workers=1) as worker:
        before = async_to_sync(offloop.off_loop(backend_pid, executor=worker))()
        with psycopg.connect(conninfo(), autocommit=True) as other:
            other.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        # When the next call borrows one, then it gets a working connection
        after = async_to_sync(offloop.off_loop(backend_pid, executor=worker))()
    assert after != before


def test_the_pool_check_sends_no_query_for_a_healthy_idle_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given an idle connection the server has not ended, and a spy on the empty-query check
    queried: list[object] = []
    real = ConnectionPool.check_connection
    monkeypatch.setattr(
        ConnectionPool, "check_connection", staticmethod(lambda c: queried.append(c) or real(c))
    )
    with psycopg.connect(conninfo()) as conn:
        conn.execute("SELECT 1")
        conn.commit()
        # When the pool checks it, then no round trip is made
        quick_check(conn)
        assert queried == []
        # And once the server ended it (a restart), the check finds out and raises
        with psycopg.connect(conninfo(), autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [conn.info.backend_pid])
        deadline = time.monotonic() + 5
        with pytest.raises(psycopg.OperationalError):
            while time.monotonic() < deadline:
                quick_check(conn)
                time.sleep(0.05)
        assert queried, "a socket with input waiting gets the real check"


def test_the_pool_lends_with_the_quick_check() -> None:
    pool = connection.pool
    assert pool is not None and pool._check is quick_check
