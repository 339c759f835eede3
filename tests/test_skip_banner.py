"""`make test` says loudly when the PostgreSQL- or Redis-only tests were skipped, and under
CI (LINLI_REQUIRE_SERVICES=1) those tests fail instead of skipping."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import NEEDS_POSTGRES, NEEDS_REDIS, ROOT, service_banner, skipped_for_services

# One test behind each fixture, quick when its service is there.
BEHIND_POSTGRES = (
    "tests/realtime/test_publish.py::test_on_postgresql_an_event_is_stored_in_one_statement"
)
BEHIND_REDIS = (
    "tests/realtime/test_cold_start.py::test_a_process_has_its_channel_layer_before_it_publishes"
)


def test_skip_reasons_are_counted_by_the_service_they_name() -> None:
    reasons = [
        f"Skipped: {NEEDS_POSTGRES}",
        f"Skipped: {NEEDS_REDIS}",
        f"Skipped: {NEEDS_REDIS}",
        "Skipped: needs private PostgreSQL and Redis binaries: redis-server",
        "Skipped: needs redis-server (apt-get install redis-server)",
        "Skipped: needs Debian's chromium (apt-get install chromium)",
    ]
    assert skipped_for_services(reasons) == {"PostgreSQL": 2, "Redis": 4}
    assert service_banner({"PostgreSQL": 0, "Redis": 0}) == []
    lines = service_banner({"PostgreSQL": 2, "Redis": 0})
    assert lines[0] == "2 test(s) SKIPPED for lack of PostgreSQL"
    assert not any("lack of Redis" in line for line in lines)


def _run(tmp_path: Path, *, require: bool) -> subprocess.CompletedProcess[str]:
    """The two tests in a child pytest with neither service configured (SQLite, no Redis;
    tables made from the models, which is quicker and all these two need)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "LINLI_REQUIRE_SERVICES", "PYTEST_ADDOPTS")
    }
    # Its own SQLite files: the default test database sits in the checkout, where a parent
    # run on SQLite is using it.
    env["SQLITE_PATH"] = str(tmp_path / "db.sqlite3")
    env["SQLITE_TEST_PATH"] = str(tmp_path / "test-db.sqlite3")
    if require:
        env["LINLI_REQUIRE_SERVICES"] = "1"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--nomigrations",
            BEHIND_POSTGRES,
            BEHIND_REDIS,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=110,
    )


def test_a_run_without_the_services_ends_with_the_banner(tmp_path: Path) -> None:
    run = _run(tmp_path, require=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 skipped" in run.stdout
    assert "SERVICE PATHS NOT TESTED" in run.stdout
    assert "1 test(s) SKIPPED for lack of PostgreSQL" in run.stdout
    assert "1 test(s) SKIPPED for lack of Redis" in run.stdout
    # Last, below pytest's own "2 skipped" line, where nobody scrolls past it.
    assert run.stdout.rstrip().splitlines()[-1].strip("!") == ""
    assert run.stdout.index("2 skipped") < run.stdout.index("SERVICE PATHS NOT TESTED")


def test_under_ci_a_missing_service_fails_the_run(tmp_path: Path) -> None:
    run = _run(tmp_path, require=True)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "required but missing: needs PostgreSQL" in run.stdout
    assert "required but missing: needs Redis" in run.stdout
    assert "SERVICE PATHS NOT TESTED" not in run.stdout
