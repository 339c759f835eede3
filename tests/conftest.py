"""Shared fixtures. Service-backed tests skip with a reason when DATABASE_URL / REDIS_URL are
absent, and fail instead when LINLI_REQUIRE_SERVICES=1 (CI)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from hypothesis import settings as settings_profiles

from tests import factories

ROOT = Path(__file__).resolve().parent.parent
REQUIRE_SERVICES = os.environ.get("LINLI_REQUIRE_SERVICES") == "1"
CHROMIUM = "/usr/bin/chromium"


# Property tests assert behaviour, not speed: a loaded CI machine must not fail them on
# hypothesis's per-example deadline.
settings_profiles.register_profile("linli", deadline=None)
settings_profiles.load_profile("linli")


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the site's default language. The test client's LocaleMiddleware
    activates a request's language in the test's own thread and leaves it there (a server
    activates per request), so an English request in one test made the next test's minutes
    English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_sign_ins_counted() -> None:
    """allauth counts sign-ins per client address in the cache, which outlives a test when
    it is Redis: the browser suite signs in dozens of people from 127.0.0.1 within a minute
    and met the production limit (30 a minute). Each test starts with nothing counted; the
    tests of the limits count their own."""
    from django.conf import settings
    from django.core.cache import cache

    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        cache.clear()  # a local memory cache holds nothing else worth keeping
        return
    import redis

    for url in settings.REDIS_HOSTS:
        with redis.Redis.from_url(url) as client:
            stale = list(client.scan_iter(match="*allauth:rl:*", count=1000))
            if stale:
                client.delete(*stale)


@pytest.fixture(autouse=True)
def _no_room_timers_left() -> Iterator[None]:
    """A test that gave a floor leaves a tick scheduled; it must not fire into the next
    test's database."""
    yield
    from moderation.rooms import timers

    timers.reset()


def pytest_configure() -> None:
    # Connections opened in database_sync_to_async threads close after each call, so the
    # test database can be dropped at the end of the run.
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The concurrency tests run up to 64 threads at once in this process, each with its
    # own connection; the pool must not serialise them.
    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    if pool:
        pool["max_size"] = max(pool["max_size"], 70)


def off_the_loop(function: Any, /, *args: Any, **kwargs: Any) -> Any:
    """Run ORM code from a test that has an event loop in its thread (Playwright's sync
    API), in a worker thread that closes its database connection afterwards."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def call() -> Any:
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


def need(condition: bool, reason: str) -> None:
    """Skip with a visible reason, or fail when CI says the service must be there."""
    if condition:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"required but missing: {reason}")
    pytest.skip(reason)


NEEDS_POSTGRES = "needs PostgreSQL: set DATABASE_URL"
NEEDS_REDIS = "needs Redis: set REDIS_URL"


@pytest.fixture
def postgres() -> None:
    need(settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), NEEDS_POSTGRES)


@pytest.fixture
def redis() -> None:
    need(bool(settings.REDIS_URL), NEEDS_REDIS)


# Which service a skip reason says is missing. The reasons above, the chaos suite's
# "needs private PostgreSQL and Redis binaries" (counted under both) and
# "needs redis-server".
SERVICE_WORDS = {"PostgreSQL": ("PostgreSQL",), "Redis": ("Redis", "redis-server")}


def skipped_for_services(reasons: list[str]) -> dict[str, int]:
    """How many of the skip reasons name each service."""
    return {
        service: sum(1 for reason in reasons if any(word in reason for word in words))
        for service, words in SERVICE_WORDS.items()
    }


def service_banner(counts: dict[str, int]) -> list[str]:
    """The lines said at the end of a run that skipped PostgreSQL- or Redis-only tests;
    none when it skipped none."""
    if not any(counts.values()):
        return []
    lines = [
        f"{count} test(s) SKIPPED for lack of {service}"
        for service, count in counts.items()
        if count
    ]
    return [
        *lines,
        "The PostgreSQL-only and Redis-only paths (vote store, event sequence, channel layer,",
        "fan-out across processes) were NOT run: this green is not the CI's green.",
        "Set DATABASE_URL and REDIS_URL, or run `bash .ci/run` (LINLI_REQUIRE_SERVICES=1,",
        "where a missing service fails the run instead of skipping).",
    ]


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Say loudly, as the last lines of the run (below pytest's own summary line), when
    service-only tests were skipped: a run on SQLite without Redis passes while leaving the
    production paths untested."""
    terminalreporter = config.pluginmanager.get_plugin("terminalreporter")
    if terminalreporter is None:
        return
    reasons = [_skip_reason(report) for report in terminalreporter.stats.get("skipped", [])]
    lines = service_banner(skipped_for_services(reasons))
    if not lines:
        return
    terminalreporter.write_sep("!", "SERVICE PATHS NOT TESTED", red=True, bold=True)
    for line in lines:
        terminalreporter.write_line(line, red=True, bold=True)
    terminalreporter.write_sep("!", red=True, bold=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_env() -> dict[str, str]:
    """Point a child process at the database the test runner created."""
    db = settings.DATABASES["default"]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if db["ENGINE"].endswith("postgresql"):
        port = db.get("PORT") or 5432
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{port}/{db['NAME']}"
        )
    else:
        env["SQLITE_PATH"] = str(db["NAME"])
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return env


SERVE = [sys.executable, "-m", "realtime.serve"]  # daphne plus the fan-out fast path
PLAIN_DAPHNE = [str(Path(sys.executable).with_name("daphne"))]


def start_daphne(
    port: int, env: dict[str, str] | None = None, command: list[str] = SERVE
) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [*command, "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=ROOT,
        env=env or database_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(process.stderr.read().decode() if process.stderr else "daphne died")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("daphne did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def daphne_url(transactional_db: None) -> Iterator[str]:
    """A real daphne serving the app on the test database."""
    port = free_port()
    process = start_daphne(port)
    yield f"127.0.0.1:{port}"
    stop(process)


@pytest.fixture
def chromium() -> Iterator[object]:
    need(shutil.which("chromium") is not None, "needs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@dataclass
class World:
    place: Any
    board: Any
    alice: Any  # verified resident of place
    bob: Any  # verified resident of place
    outsider: Any  # verified resident of another neighborhood


@pytest.fixture
def world(transactional_db: None) -> World:
    place = factories.neighborhood("昌里第五")
    other = factories.neighborhood("云台第一")
    return World(
        place=place,
        board=factories.board(place),
        alice=factories.resident(place, "alice", name="王小明"),
        bob=factories.resident(place, "bob", name="李阿姨"),
        outsider=factories.resident(other, "outsider", name="赵大海"),
    )


@pytest.fixture(scope="session", autouse=True)
def _end_stray_database_sessions(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Worker threads of finished event loops may still hold a connection to the test
    database; end them so it can be dropped (PostgreSQL only)."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    # This process's pool closes its own connections first (ended under it, it would try
    # to replace them and log each failure); the rest are ended from outside the database.
    connection.close()
    connection.close_pool()
    with django_db_blocker.unblock(), connection._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [connection.settings_dict["NAME"]],
        )
