"""The `backup-restore` scenario: a pg_dump / pg_restore round trip of a seeded database.

Into a private PostgreSQL: migrate and seed the demo (`manage.py seed_demo`), dump it
(`pg_dump -Fc`), restore the dump into a fresh database (`pg_restore`), compare the row
count of every table, then start a server on the restored database and use it: `/`,
`/login/` and `/healthz` answer 200, and a demo user logs in through the real form.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg

from chaos.report import Row
from chaos.servers import PY, ROOT, Server
from chaos.services import PrivatePostgres, PrivateRedis, free_port, pg_bin

NAME = "backup-restore"
SOURCE, RESTORED = "linli_demo", "linli_restored"
PAGES = ("/", "/login/", "/healthz")


def _env(pg: PrivatePostgres, redis: PrivateRedis, database: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LINLI_", "DJANGO_", "REDIS_", "DATABASE_"))
    }
    env.update(
        DATABASE_URL=pg.url(database),
        REDIS_URL=redis.url,
        LINLI_CHANNEL_PREFIX="chaosbackup",
        DJANGO_SETTINGS_MODULE="config.settings",
        LOG_LEVEL="WARNING",
    )
    return env


def counts(url: str) -> dict[str, int]:
    """Exact row counts of every table of the public schema."""
    with psycopg.connect(url) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
            )
        ]
        return {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables}  # type: ignore[index]


def round_trip(logs: Path | None) -> Row:
    work = Path(tempfile.mkdtemp(prefix="linli-chaos-backup-"))
    pg, redis = PrivatePostgres(), PrivateRedis()
    row = Row(scenario=NAME, what="rows", acked="-")
    server: Server | None = None
    try:
        pg.create_database(SOURCE)
        env = _env(pg, redis, SOURCE)
        run([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
        seeded = run([PY, "manage.py", "seed_demo", "-v1"], env)
        dump = work / "linli.dump"
        began = time.monotonic()
        pg_args = ["-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres"]
        run([pg_bin("pg_dump"), *pg_args, "-Fc", "-f", str(dump), SOURCE], env)
        pg.create_database(RESTORED)
        run([pg_bin("pg_restore"), *pg_args, "--no-owner", "-d", RESTORED, str(dump)], env)
        row.recovery = time.monotonic() - began
        before, after = counts(pg.url(SOURCE)), counts(pg.url(RESTORED))
        row.sent, row.stored = sum(before.values()), sum(after.values())
        differ = sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))
        if differ:
            row.problems.append(
                f"row counts differ in {len(differ)} tables: {', '.join(differ[:8])}"
            )
        server = Server(
            "restored",
            free_port(),
            _env(pg, redis, RESTORED),
            (logs or work) / "server-restored.log",
        )
        server.start()
        base = f"http://127.0.0.1:{server.port}"
        answered = {page: status(base + page) for page in PAGES}
        bad = {page: code for page, code in answered.items() if code != 200}
        user, password = demo_login(seeded)
        logged_in = login(base, user, password)
        row.delivered = f"{len(PAGES) - len(bad) + int(logged_in)}/{len(PAGES) + 1} checks"
        if bad:
            row.problems.append(f"the restored site answered {bad}")
        if not logged_in:
            row.problems.append(f"{user} could not log in to the restored site")
        row.notes.append(
            f"{len(before)} tables, {row.sent} rows dumped ({dump.stat().st_size / 2**20:.1f} MiB, "
            f"pg_dump -Fc) and restored with identical counts in {row.recovery:.1f} s"
            if not differ
            else f"{len(before)} tables, {row.sent} rows dumped, {row.stored} restored"
        )
        row.notes.append(f"on the restored database: {', '.join(PAGES)} -> 200; {user} logged in")
    except Exception as exc:
        row.problems.append(f"the round trip itself failed: {exc!r}")
    finally:
        if server is not None:
            server.stop()
        redis.remove()
        pg.remove()
        subprocess.run(["rm", "-rf", str(work)], check=False)
    return row


def run(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{Path(argv[0]).name} {' '.join(argv[1:3])}: {done.stderr[-2000:]}")
    return done.stdout


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def demo_login(seeded: str) -> tuple[str, str]:
    """The first demo login seed_demo printed, and the password it printed."""
    password = re.search(r"password for all: ([^)\s]+)\)", seeded)
    user = re.search(r"^  (\S+)\s", seeded, re.MULTILINE)
    if password is None or user is None:
        raise RuntimeError(f"seed_demo printed no logins: {seeded[-500:]}")
    return user.group(1), password.group(1)


def login(base: str, user: str, password: str) -> bool:
    """Through the real form: GET for the CSRF token, POST, then the session opens /."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + "/login/", timeout=10) as response:
        page = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if token is None:
        return False
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": user, "password": password}
    ).encode()
    request = urllib.request.Request(
        base + "/login/", data=form, headers={"Referer": base + "/login/"}
    )
    try:
        with opener.open(request, timeout=10) as response:
            response.read()
            landed = urllib.parse.urlsplit(response.url).path
    except urllib.error.HTTPError:
        return False
    # A refused login renders the form again; a good one redirects away with a session.
    return landed != "/login/" and any(cookie.name == "sessionid" for cookie in jar)
