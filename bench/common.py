"""Constants shared by the orchestrator and its child processes (no Django import here)."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
PY = sys.executable
DAPHNE = str(Path(PY).parent / "daphne")

DB_NAME = "linli_bench"
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DB_NAME}")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
# Our own channel prefix, so a test run or a dev server on the same Redis cannot cross-talk.
CHANNEL_PREFIX = "linlibench"

HOST = "127.0.0.1"
WS_PATH = "/ws/"
SUBPROTOCOL = "linli.v1"
EVENT_TYPE = "bench.tick"
FRAME_BYTES = 200  # the whole ev frame, as the reference measurements used

# Each docs/performance*.md page leads with its latest figures, between these markers; a
# run rewrites only what is between them (the method and the run journals below stay).
RESULTS_START = "<!-- bench:results:start -->"
RESULTS_END = "<!-- bench:results:end -->"
# Where the pages kept their results before (last, below this line), so a page of the old
# layout is turned into the new one by its next run.
LEGACY_RESULTS = "<!-- results -->"

# Pinning: the servers on core 0, clients (and the publisher) on core 1.
SERVER_CORE = "0"
CLIENT_CORE = "1"
NOFILE = 65536

# Fixed ports keep the generated bench/nginx.conf identical from run to run.
PORT_OURS = 8701
PORT_BASELINE = 8702
PORT_OURS_2 = 8703
PORT_NGINX = 8710


# How our server starts: the ONE line to switch. `python -m realtime.serve` takes daphne's
# arguments and is used as soon as realtime/serve.py exists.
SERVER = [PY, "-m", "realtime.serve"] if (ROOT / "realtime" / "serve.py").exists() else [DAPHNE]


def server_command(port: int) -> list[str]:
    return [*SERVER, "-b", HOST, "-p", str(port), "config.asgi:application"]


def django_env() -> dict[str, str]:
    """The environment of our server and the publisher: production shape, bench database."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        DJANGO_SETTINGS_MODULE="config.settings",
        LINLI_CHANNEL_PREFIX=CHANNEL_PREFIX,
        PYTHONUNBUFFERED="1",
    )
    return env


def pad_for(frame_without_pad: str) -> int:
    """How many pad characters bring a frame with an empty pad to FRAME_BYTES."""
    return max(0, FRAME_BYTES - len(frame_without_pad.encode()))


def reply(message: dict[str, Any]) -> None:
    """A child process answers its orchestrator: one JSON line on stdout."""
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


@dataclass(frozen=True)
class Run:
    """One bench run: how it was called, where its results go, and its clock."""

    command: str
    out: Path
    began: float
    started: dt.datetime

    def log(self, message: str) -> None:
        print(f"[{time.monotonic() - self.began:6.1f}s] {message}", flush=True)


def start_run(module: str, name: str, options: list[tuple[str, float, float]]) -> Run:
    """The run's command line as a reader would retype it (only the options that differ
    from their defaults: (name, value, default)) and its results folder."""
    began = time.monotonic()
    started = dt.datetime.now(dt.UTC)
    command = f"python -m {module}" + "".join(
        f" --{option} {value:g}" for option, value, default in options if value != default
    )
    out = RESULTS / f"{name}-{started.strftime('%Y%m%d-%H%M%S')}"
    (out / "logs").mkdir(parents=True, exist_ok=True)
    return Run(command, out, began, started)


def marked_results(lines: list[str], command: str) -> str:
    return "\n".join(
        [
            RESULTS_START,
            f"<!-- Everything between these markers is rewritten by `{command}`. -->",
            "",
            *lines,
            "",
            RESULTS_END,
        ]
    )


def write_results(doc: Path, block: str, new_page: str) -> None:
    """Put `block` (from marked_results) in place of the page's marked results, wherever
    they stand; a page without them (new, or of the old layout) gets them below its title."""
    text = doc.read_text() if doc.exists() else new_page
    start, end = text.find(RESULTS_START), text.find(RESULTS_END)
    if 0 <= start < end:
        text = text[:start] + block + text[end + len(RESULTS_END) :]
    else:
        text = text.split(LEGACY_RESULTS)[0].rstrip() + "\n"
        title, _, rest = text.partition("\n")
        text = f"{title}\n\n{block}\n\n{rest.lstrip()}"
    doc.write_text(text.rstrip() + "\n")
