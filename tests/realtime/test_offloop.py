"""The server's database calls (realtime.offloop): a connection that finished a call a
moment ago is not health-checked again; an idle one, or one that failed, still is."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import DatabaseError, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from realtime import offloop

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres")]


@pytest.fixture
def one_thread(monkeypatch: pytest.MonkeyPatch) -> Iterator[ThreadPoolExecutor]:
    """One worker thread whose connection outlives a call (the server's conn_max_age; the
    test settings close connections after every call), closed at the end."""
    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 60)
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool
        pool.submit(connections.close_all).result()


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the health checks (Django's `is_usable`, a SELECT 1), still running them."""
    seen: list[int] = []
    wrapper = type(connections["default"])
    usable = wrapper.is_usable

    def counted(self: BaseDatabaseWrapper) -> bool:
        seen.append(1)
        return usable(self)

    monkeypatch.setattr(wrapper, "is_usable", counted)
    return seen


def call(pool: ThreadPoolExecutor, function: Any) -> Any:
    return async_to_sync(offloop.off_loop(function, executor=pool))()


def backend_pid() -> int:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def test_a_connection_that_just_answered_is_used_without_a_check(
    one_thread: ThreadPoolExecutor, checks: list[int]
) -> None:
    first = call(one_thread, backend_pid)
    second = call(one_thread, backend_pid)
    assert first == second  # the same connection, kept
    assert checks == []


def test_a_connection_idle_for_longer_is_checked_first(
    one_thread: ThreadPoolExecutor, checks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    call(one_thread, backend_pid)
    monkeypatch.setattr(offloop, "TRUSTED_FOR", 0.0)
    call(one_thread, backend_pid)
    assert checks == [1]


def test_a_connection_lost_while_trusted_fails_one_call_and_the_next_reconnects(
    one_thread: ThreadPoolExecutor,
) -> None:
    lost = call(one_thread, backend_pid)
    with connection.cursor() as cursor:  # the test's own connection ends the worker's
        cursor.execute("SELECT pg_terminate_backend(%s)", [lost])
    with pytest.raises(DatabaseError):
        call(one_thread, backend_pid)
    assert call(one_thread, backend_pid) != lost
