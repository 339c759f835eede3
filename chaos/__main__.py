"""`python -m chaos` (`make chaos`): every fault scenario, one table, exit 1 on a failure.

    python -m chaos                         # all of them, in order (a few minutes)
    python -m chaos --only redis-kill-5s    # one (or several, comma-separated)
    python -m chaos --list                  # the scenarios' names
    python -m chaos --logs DIR              # keep the servers' logs in DIR

Private PostgreSQL and Redis are started on free ports and removed at exit; the shared
ones are never touched. docs/reliability.md says what each scenario does.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import time
import traceback
from pathlib import Path

from chaos import backup
from chaos.report import Row, table
from chaos.scenarios import ORDER, SCENARIOS, Plan
from chaos.servers import Site
from chaos.services import available, cleanup_all

ALL = [*ORDER, backup.NAME]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--list", action="store_true", help="print the scenario names")
    parser.add_argument("--clients", type=int, default=Plan.clients)
    parser.add_argument("--logs", type=Path, default=None, help="keep the logs here")
    return parser.parse_args(argv)


async def run(names: list[str], plan: Plan, logs: Path | None) -> list[Row]:
    rows: list[Row] = []
    live = [name for name in names if name in SCENARIOS]
    if live:
        site = Site(logs)
        try:
            print(f"starting PostgreSQL, Redis and two servers; {plan.clients} clients", flush=True)
            await asyncio.to_thread(
                site.start, clients=max(plan.clients, plan.slow_watchers + 1), topics=live
            )
            for name in live:
                rows.append(await one(name, site, plan))
        finally:
            await asyncio.to_thread(site.close)
    if backup.NAME in names:
        began = time.monotonic()
        print(f"{backup.NAME} ...", flush=True)
        row = await asyncio.to_thread(backup.round_trip, logs)
        print(f"{backup.NAME}: {'ok' if row.ok else 'FAIL'} ({time.monotonic() - began:.0f} s)")
        rows.append(row)
    return rows


async def one(name: str, site: Site, plan: Plan) -> Row:
    began = time.monotonic()
    print(f"{name} ...", flush=True)
    try:
        row = await SCENARIOS[name](site, plan)
    except Exception as exc:  # the harness broke: say so in the table, go on
        traceback.print_exc()
        print(site.server_log_tail(), file=sys.stderr)
        row = Row(scenario=name, what="-", problems=[f"the scenario itself failed: {exc!r}"])
    finally:
        await asyncio.to_thread(site.heal)
    print(f"{name}: {'ok' if row.ok else 'FAIL'} ({time.monotonic() - began:.0f} s)", flush=True)
    return row


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.list:
        print("\n".join(ALL))
        return 0
    names = [name for name in args.only.split(",") if name] or ALL
    unknown = [name for name in names if name not in ALL]
    if unknown:
        print(f"unknown scenario(s): {', '.join(unknown)}; see --list", file=sys.stderr)
        return 2
    missing = available()
    if missing:
        print(f"cannot run: {missing}", file=sys.stderr)
        return 2
    plan = dataclasses.replace(Plan(), clients=args.clients)
    began = time.monotonic()
    try:
        rows = asyncio.run(run(names, plan, args.logs))
    finally:
        cleanup_all()
    print()
    print(table(rows))
    failed = [row.scenario for row in rows if not row.ok]
    print()
    took = time.monotonic() - began
    print(
        f"{len(rows) - len(failed)} of {len(rows)} scenarios held in {took:.0f} s"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
