"""The site under test: private PostgreSQL and Redis, the migrated and seeded database, and
two `python -m realtime.serve` processes on free ports (production shape, as a load
balancer would spread clients over them)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from chaos.services import (
    PrivatePostgres,
    PrivateRedis,
    at_exit,
    free_port,
    kill_group,
    wait_port,
)

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DATABASE = "linli"
PREFIX = "chaos"
# Settings the servers run with. The process lease is what the presence fix reads
# (LINLI_PROCESS_LEASE_SECONDS); main ignores it. Everything else is production's default.
SERVER_SETTINGS = {
    "LINLI_PROCESS_LEASE_SECONDS": "5",
    "LOG_LEVEL": "WARNING",
}


@dataclass
class Server:
    """One server process; `kill()` is `kill -9`, `start()` brings it back on its port."""

    name: str
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    kills: int = field(default=0)

    def start(self) -> None:
        if self.up:
            return
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [PY, "-m", "realtime.serve", "-b", "127.0.0.1", "-p", str(self.port)]
                + ["config.asgi:application"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )
        process = self.process
        wait_port(self.port, 60, alive=lambda: process.poll() is None)

    @property
    def up(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no socket is closed, nothing is cleaned up."""
        if self.process is not None:
            kill_group(self.process, signal.SIGKILL)
            self.process.wait()
            self.kills += 1
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            kill_group(self.process, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                kill_group(self.process, signal.SIGKILL)
                self.process.wait()
            self.process = None


class Site:
    """Everything a scenario faults; `close()` (and exit, however it comes) removes it."""

    def __init__(self, logs: Path | None = None, extra_env: dict[str, str] | None = None) -> None:
        self.keep_logs = logs is not None
        self.logs = logs or Path(tempfile.mkdtemp(prefix="linli-chaos-logs-"))
        self.logs.mkdir(parents=True, exist_ok=True)
        self.extra_env = extra_env or {}
        self.pg: PrivatePostgres | None = None
        self.redis: PrivateRedis | None = None
        self.servers: list[Server] = []
        self.scene: dict[str, Any] = {}
        self._conn: psycopg.Connection[Any] | None = None
        at_exit(self.close)

    # Setup -------------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        assert self.pg is not None
        assert self.redis is not None
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("LINLI_", "DJANGO_", "REDIS_", "DATABASE_"))
        }
        env.update(
            DATABASE_URL=self.pg.url(DATABASE),
            REDIS_URL=self.redis.url,
            LINLI_CHANNEL_PREFIX=PREFIX,
            DJANGO_SETTINGS_MODULE="config.settings",
            PYTHONUNBUFFERED="1",
            **SERVER_SETTINGS,
            **self.extra_env,
        )
        return env

    def start(self, *, clients: int, topics: list[str], ballots: int = 3) -> None:
        self.pg = PrivatePostgres()
        self.redis = PrivateRedis()
        self.pg.create_database(DATABASE)
        self.manage("migrate", "--noinput", "-v0")
        self.scene = self.seed(
            "scene", "--clients", str(clients), "--topics", ",".join(topics),
            "--ballots", str(ballots),
        )  # fmt: skip
        self.servers = [
            Server(name, free_port(), self.env(), self.logs / f"server-{name}.log")
            for name in ("a", "b")
        ]
        for server in self.servers:
            server.start()

    def manage(self, *args: str) -> None:
        self._child([PY, "manage.py", *args], "manage")

    def seed(self, *args: str) -> dict[str, Any]:
        out = self._child([PY, "-m", "chaos.seed", *args], "seed")
        answer: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
        return answer

    def _child(self, argv: list[str], name: str) -> str:
        done = subprocess.run(argv, cwd=ROOT, env=self.env(), capture_output=True, text=True)
        with (self.logs / f"{name}.log").open("a") as log:
            log.write(done.stderr)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv[1:3])} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    # Faults and repairs --------------------------------------------------------------------

    @property
    def ports(self) -> list[int]:
        return [server.port for server in self.servers]

    def heal(self) -> None:
        """Every part up again, whatever the last scenario left down."""
        assert self.redis is not None
        if self.redis.process is None:
            self.redis.start()
        else:
            self.redis.thaw()
        self.db_reset()
        for server in self.servers:
            if not server.up:
                server.start()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.db_reset()
        for server in self.servers:
            server.stop()
        self.servers = []
        if self.redis is not None:
            self.redis.remove()
        if self.pg is not None:
            self.pg.remove()
        if not self.keep_logs:
            shutil.rmtree(self.logs, ignore_errors=True)

    # Reading the truth -----------------------------------------------------------------------

    def db(self) -> psycopg.Connection[Any]:
        """The harness's own connection to the private database (reconnects after a
        PostgreSQL restart)."""
        assert self.pg is not None
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = psycopg.connect(self.pg.url(DATABASE), autocommit=True)
        return self._conn

    def db_reset(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = None

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        for attempt in range(20):
            try:
                return list(self.db().execute(sql, params).fetchall())
            except psycopg.OperationalError:
                self.db_reset()
                if attempt == 19:
                    raise
                time.sleep(0.5)
        raise AssertionError("unreachable")

    def heads(self, streams: list[str]) -> dict[str, int]:
        rows = self.query(
            "SELECT stream, seq FROM realtime_streamhead WHERE stream = ANY(%s)", (streams,)
        )
        found = {stream: int(seq) for stream, seq in rows}
        return {stream: found.get(stream, 0) for stream in streams}

    def server_log_tail(self, lines: int = 30) -> str:
        parts = []
        for server in self.servers:
            text = (
                server.log.read_text(errors="replace").splitlines() if server.log.exists() else []
            )
            parts.append(f"--- server {server.name} ---\n" + "\n".join(text[-lines:]))
        return "\n".join(parts)
