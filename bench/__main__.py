"""`python -m bench [--quick] [--scenario NAME ...]`: run, print the table, plot, write docs.

A full run (no options) also rewrites the results block of docs/performance.md and
docs/performance.png; --quick and --scenario runs write only to bench/results/<stamp>/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import report, scenarios
from bench.common import PORT_OURS, RESULTS, ROOT, django_env, server_command
from bench.procs import machine_cpu, raise_nofile

SCENARIOS = {
    "fanout": "1. fan-out ramp (N x rate, ours vs baseline; memory measured in the target-N runs)",
    "burst": "2. connection burst",
    "memory": "3. memory per connection (alone; a full run takes it from the fan-out runs)",
    "two": "4. two server processes behind nginx, sharing Redis",
}
FULL = ["fanout", "burst", "two"]


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a 1-2 minute smoke subset")
    parser.add_argument(
        "--scenario",
        action="append",
        choices=sorted(SCENARIOS),
        help="run only this scenario (repeatable): "
        + "; ".join(f"{k}: {v}" for k, v in SCENARIOS.items()),
    )
    parser.add_argument(
        "--no-docs", action="store_true", help="do not rewrite docs/performance.md and its plot"
    )
    parser.add_argument(
        "--render",
        metavar="DIR",
        help="measure nothing: print the tables of bench/results/DIR again and, for a full "
        "run, rewrite docs/performance.md and its plot from it",
    )
    return parser.parse_args(argv)


def fixtures(out: Any) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.fixtures"],
        cwd=ROOT,
        env=django_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    (out / "logs").mkdir(parents=True, exist_ok=True)
    (out / "logs" / "fixtures.log").write_text(done.stdout + done.stderr)
    if done.returncode:
        sys.exit(f"bench setup failed (PostgreSQL / Redis up?):\n{done.stderr[-2000:]}")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def render_saved(name: str, docs: bool) -> int:
    out = RESULTS / name if not os.path.isabs(name) else Path(name)
    saved = json.loads((out / "results.json").read_text())
    plan_fields = dict(saved["plan"])
    plan_fields["durations"] = {float(k): v for k, v in plan_fields["durations"].items()}
    plan = scenarios.Plan(**plan_fields)
    meta, results = saved["meta"], saved["results"]
    report.print_lines(report.render(results, plan, md=False))
    plot = report.plot(results, out / "fanout.png")
    if docs and meta["command"] == "python -m bench":
        publish_docs(results, plan, meta, plot)
    return 0


def publish_docs(results: dict[str, Any], plan: Any, meta: dict[str, Any], plot: Any) -> None:
    if plot:
        shutil.copyfile(plot, report.DOC_PLOT)
    name = report.DOC_PLOT.name if plot else None
    report.write_docs(report.results_block(results, plan, meta, name))
    print(f"wrote {report.DOC.relative_to(ROOT)} and {report.DOC_PLOT.relative_to(ROOT)}")


KEEP_RUNS = 10


def prune(results: Path) -> None:
    """Keep the raw samples of the last KEEP_RUNS runs only (about 40 MB per full run)."""
    if not results.is_dir():
        return
    runs = sorted(p for p in results.iterdir() if p.is_dir() and (p / "logs").is_dir())
    for old in runs[: max(0, len(runs) - (KEEP_RUNS - 1))]:
        shutil.rmtree(old / "samples", ignore_errors=True)


def wait_quiet(limit: float = 60.0, busy: float = 0.25) -> float:
    """Wait (up to `limit` s) until other work uses less than `busy` cores; return the last."""
    deadline = time.monotonic() + limit
    while True:
        before, _ = machine_cpu()
        time.sleep(2.0)
        used = (machine_cpu()[0] - before) / 2.0
        if used < busy:
            return used
        if time.monotonic() > deadline:
            print(
                f"warning: the machine stays busy ({used:.2f} cores of other work); numbers "
                "will be noisy (steps are flagged)",
                flush=True,
            )
            return used
        print(f"waiting for a quiet machine: {used:.2f} cores busy with other work", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.render:
        return render_saved(args.render, not args.no_docs)
    began = time.monotonic()
    started = dt.datetime.now(dt.UTC)
    plan = scenarios.Plan.quick() if args.quick else scenarios.Plan.full()
    chosen = args.scenario or FULL
    full_run = not args.quick and not args.scenario
    command = "python -m bench" + (" --quick" if args.quick else "")
    command += "".join(f" --scenario {s}" for s in args.scenario or [])

    out = RESULTS / started.strftime("%Y%m%d-%H%M%S")
    prune(RESULTS)
    out.mkdir(parents=True, exist_ok=True)
    nofile = raise_nofile()
    print(f"{command}: results in {out.relative_to(ROOT)}/ (open files {nofile})", flush=True)
    load = wait_quiet()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - began:6.1f}s] {message}", flush=True)

    setup = fixtures(out)
    log(f"fresh database, board {setup['board']}; server: {' '.join(server_command(PORT_OURS))}")
    bench = scenarios.Bench(out, setup["board"], setup["token"], plan)
    results: dict[str, Any] = {}
    try:
        for name in chosen:
            log(f"scenario {SCENARIOS[name]}")
            if name == "fanout":
                results["fanout"] = scenarios.fanout(bench, log=log)
            elif name == "memory":
                results["memory"] = scenarios.memory_only(bench, log=log)["memory"]
            elif name == "burst":
                results["burst"] = scenarios.burst(bench, log=log)
            elif name == "two":
                results["two"] = scenarios.two_processes(bench, log=log)
    finally:
        bench.stop_all()

    seconds = time.monotonic() - began
    nginx = scenarios.nginx_binary()
    meta = {
        "started": started.strftime("%Y-%m-%d %H:%M"),
        "command": command,
        "seconds": seconds,
        "busy_before_cores": round(load, 3),
        "versions": report.versions(nginx),
        "settings": report.settings_of(plan, server_command(PORT_OURS), bench.pad),
    }
    (out / "results.json").write_text(
        json.dumps({"meta": meta, "plan": plan.__dict__, "results": results}, indent=1, default=str)
    )
    plot = report.plot(results, out / "fanout.png")

    print()
    report.print_lines(report.render(results, plan, md=False))
    if plot:
        print(f"plot: {plot.relative_to(ROOT)}")
    if full_run and not args.no_docs:
        publish_docs(results, plan, meta, plot)
    print(f"python -m bench took {seconds / 60:.1f} min ({seconds:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
