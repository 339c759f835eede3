"""`python -m bench.ledger`: the ledger and outreach figures of issue 4, on PostgreSQL.

1. A fresh database `linli_bench_ledger`, migrated and seeded with
   `seed_demo --households 35000`; two in three households get a verified account.
   One more neighborhood of 5,000 households (the outreach target) is built the same way.
2. Ledger counts (`ledger_summary`) and filtered pages of 50 (`resident_page`), each
   through the selector and through the REST API (Django's test client, in process), for
   several filters over random neighborhoods. The baseline, measured in the same run, is
   the bare SQL a count needs: one `SELECT count(*)` over the same join, through the same
   connection, no ORM.
3. An outreach to the 5,000 households through a real server (`python -m realtime.serve`
   on the bench database and Redis): the POST's latency, the time until every member's
   `notification.created` is published (the outreach's `delivered_at`), and the time until
   each of 200 members connected over WebSockets has received theirs.

Prints the table and writes docs/performance-ledger.md (unless --no-docs).

Reading the figures: the six filters are everyone, aged 90+, car owners, living alone and
60+, not verified, and unit 2 tenants, each over a random one of the 31 neighborhoods
(about 1,170 households and 3,100 residents each; 5,000 in the outreach one). A count is
one aggregate query plus the two permission queries; a page is the count plus the 50 rows.
The seed runs ANALYZE after its bulk load: without planner statistics, as in a database
autovacuum has not reached yet, the counts took 2 s at p95. The machine has 2 cores, shared
by PostgreSQL, Redis, the server and the clients.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DB_URL = os.environ.get(
    "BENCH_LEDGER_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/linli_bench_ledger"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
PREFIX = "linlibenchledger"
DOC = ROOT / "docs" / "performance-ledger.md"
OUTREACH_HOUSEHOLDS = 5000
WATCHERS = 200
VERIFIED_SHARE = 2 / 3

FILTERS: list[tuple[str, dict[str, Any]]] = [
    ("everyone", {}),
    ("aged 90+", {"age_min": "90"}),
    ("car owners", {"vehicle": "yes"}),
    ("living alone, 60+", {"tag": "living_alone", "age_min": "60"}),
    ("not verified", {"verified": "no"}),
    ("one building, unit 2, tenants", {"unit": "2", "tenure": "tenant"}),
]


def configure() -> None:
    os.environ.update(
        DATABASE_URL=DB_URL,
        REDIS_URL=REDIS_URL,
        LINLI_CHANNEL_PREFIX=PREFIX,
        DJANGO_SETTINGS_MODULE="config.settings",
    )


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(samples: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples]
    return {
        "n": len(ms),
        "p50": statistics.median(ms),
        "p95": pct(ms, 95),
        "p99": pct(ms, 99),
        "max": max(ms),
    }


# 1. data ---------------------------------------------------------------------------------


def build(households: int) -> dict[str, Any]:
    from bench.fixtures import recreate_database

    recreate_database(DB_URL)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    began = time.perf_counter()
    call_command("seed_demo", households=households, verbosity=0, stdout=io.StringIO())
    seeded = time.perf_counter() - began
    big = _outreach_neighborhood()
    verified = _verify_share()
    from core.db import refresh_statistics

    refresh_statistics()
    return {"seed_seconds": seeded, "outreach_neighborhood": big, "verified_households": verified}


def _outreach_neighborhood() -> int:
    """A 5,000-household neighborhood built with the demo's own household maker."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Building, Household, Neighborhood, Subdistrict, Tenure
    from demo import seed as demo

    rng = random.Random(5000)
    today = timezone.localdate()
    with transaction.atomic():
        place = Neighborhood.objects.create(
            subdistrict=Subdistrict.objects.order_by("pk").first(), name="基准外展居民区"
        )
        count = -(-OUTREACH_HOUSEHOLDS // demo.HOUSEHOLDS_PER_BUILDING)
        buildings = Building.objects.bulk_create(
            [Building(neighborhood=place, name=f"{n}号楼") for n in range(1, count + 1)]
        )
        rows = []
        for building in buildings:
            for index in range(demo.HOUSEHOLDS_PER_BUILDING):
                if len(rows) == OUTREACH_HOUSEHOLDS:
                    break
                floor, slot = divmod(index, 4)
                unit, flat = divmod(slot, 2)
                rows.append(
                    Household(
                        building=building,
                        unit=str(unit + 1),
                        room=f"{floor + 1}0{flat + 1}",
                        floor_area=demo.Decimal(rng.randint(3800, 9600)) / 100,
                        tenure=Tenure.OWNER,
                    )
                )
        owners = random.Random(5001)  # the flats' registered owners (demo.seed)
        for start in range(0, len(rows), demo.BATCH):
            demo._save_households(rows[start : start + demo.BATCH], rng, owners, today)
    return place.pk


def _verify_share() -> int:
    """Give two in three households a verified account (its eldest adult), in bulk."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Household, Residency, Resident, User

    rng = random.Random(278)
    now = timezone.now()
    taken = set(Residency.objects.values_list("household_id", flat=True))
    chosen = [
        pk
        for pk in Household.objects.order_by("pk").values_list("pk", flat=True)
        if pk not in taken and rng.random() < VERIFIED_SHARE
    ]
    first = {}
    for resident_id, household_id, hash_ in (
        Resident.objects.filter(household_id__in=chosen)
        .order_by("household_id", "birth_date")
        .values_list("pk", "household_id", "id_number_hash")
    ):
        first.setdefault(household_id, (resident_id, hash_))
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(
                    username=f"member{hid}",
                    password="!",
                    display_name=f"住户{hid}",
                    identity_hash=first[hid][1],
                )
                for hid in chosen
            ],
            batch_size=5000,
        )
        Residency.objects.bulk_create(
            [
                Residency(
                    user=user,
                    household_id=hid,
                    resident_id=first[hid][0],
                    is_representative=True,
                    verified_at=now,
                )
                for user, hid in zip(users, chosen, strict=True)
            ],
            batch_size=5000,
        )
    return len(chosen)


# 2. ledger ---------------------------------------------------------------------------------


def ledger(rounds: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from accounts.ledger import filters, selectors
    from accounts.models import Neighborhood, ResidentTag, RoleGrant, Tenure, User

    today = timezone.localdate()
    staff = User.objects.create(username="bench-secretary", password="!")
    places = list(Neighborhood.objects.order_by("pk").values_list("pk", flat=True))
    RoleGrant.objects.bulk_create(
        [RoleGrant(user=staff, role="secretary", neighborhood_id=pk) for pk in places]
    )
    client = Client()
    client.force_login(staff)
    rng = random.Random(90)
    sql = (
        "SELECT count(*) FROM accounts_resident r "
        "JOIN accounts_household h ON h.id = r.household_id "
        "JOIN accounts_building b ON b.id = h.building_id "
        "WHERE b.neighborhood_id = %s AND r.left_at IS NULL"
    )
    samples: dict[str, list[float]] = {
        k: [] for k in ("baseline_sql", "count", "count_api", "page", "page_api")
    }
    answers: dict[str, int] = {}
    for _ in range(rounds):
        for label, params in FILTERS:
            place = rng.choice(places)
            spec = filters.parse(params, known_tags=ResidentTag.values, tenures=Tenure.values)
            with connection.cursor() as cursor:
                t = time.perf_counter()
                cursor.execute(sql, [place])
                cursor.fetchone()
                samples["baseline_sql"].append(time.perf_counter() - t)
            t = time.perf_counter()
            found = selectors.ledger_summary(
                user=staff, neighborhood_id=place, spec=spec, today=today
            )
            samples["count"].append(time.perf_counter() - t)
            answers[label] = found.residents
            page = rng.randint(1, 3)
            t = time.perf_counter()
            selectors.resident_page(
                user=staff, neighborhood_id=place, spec=spec, today=today, page=page
            )
            samples["page"].append(time.perf_counter() - t)
            query = urllib.parse.urlencode(params)
            t = time.perf_counter()
            response = client.get(f"/api/v1/neighborhoods/{place}/ledger/summary/?{query}")
            samples["count_api"].append(time.perf_counter() - t)
            assert response.status_code == 200, response.content[:300]
            t = time.perf_counter()
            response = client.get(
                f"/api/v1/neighborhoods/{place}/ledger/residents/?{query}&page={page}"
            )
            samples["page_api"].append(time.perf_counter() - t)
            assert response.status_code in (200, 404), response.content[:300]
    return {"samples": {k: summary(v) for k, v in samples.items()}, "last_answers": answers}


# 3. outreach -------------------------------------------------------------------------------


def outreach(place: int) -> dict[str, Any]:
    from rest_framework.authtoken.models import Token

    from accounts.models import Notification, Outreach, Residency, RoleGrant, User
    from realtime.models import Event

    staff = User.objects.create(username="bench-outreach", password="!")
    RoleGrant.objects.create(user=staff, role="staff", neighborhood_id=place)
    staff_token = Token.objects.create(user=staff).key
    members = list(
        Residency.objects.filter(household__building__neighborhood_id=place, ended_at=None)
        .order_by("?")
        .values_list("user_id", flat=True)[:WATCHERS]
    )
    tokens = {
        t.user_id: t.key
        for t in Token.objects.bulk_create(
            [Token(user_id=u, key=Token.generate_key()) for u in members]
        )
    }
    port = 8721
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "realtime.serve",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "config.asgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_port(port)
        result = asyncio.run(_outreach_live(port, staff_token, tokens, place))
    finally:
        server.terminate()
        server.wait(10)
    sent = Outreach.objects.get(pk=result["outreach"])
    result["households"] = sent.household_count
    result["members"] = sent.member_count
    result["notifications"] = Notification.objects.filter(outreach=sent).count()
    result["published"] = Notification.objects.filter(
        outreach=sent, published_at__isnull=False
    ).count()
    result["events"] = Event.objects.filter(
        type="notification.created", stream__in=[f"user.{u}" for u in members]
    ).count()
    return result


def _wait_port(port: int) -> None:
    import socket

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


async def _outreach_live(
    port: int, staff_token: str, tokens: dict[int, str], place: int
) -> dict[str, Any]:
    import websockets

    from accounts.models import Outreach

    arrived: dict[int, float] = {}
    ready = asyncio.Event()
    subscribed = 0

    async def watch(user_id: int, key: str) -> None:
        nonlocal subscribed
        async with websockets.connect(
            f"ws://127.0.0.1:{port}/ws/",
            subprotocols=["linli.v1", f"token.{key}"],
            max_size=None,
            open_timeout=30,
        ) as socket:
            await socket.send(json.dumps({"op": "sub", "stream": f"user.{user_id}"}))
            while True:
                frame = json.loads(await socket.recv())
                if frame.get("op") == "subbed":
                    subscribed += 1
                    if subscribed == len(tokens):
                        ready.set()
                elif frame.get("type") == "notification.created":
                    arrived[user_id] = time.perf_counter()
                    return

    watchers = [asyncio.create_task(watch(u, k)) for u, k in tokens.items()]
    await asyncio.wait_for(ready.wait(), 60)

    def post() -> tuple[float, float, dict[str, Any]]:
        # a send is confirmed with the household count its preview gives (a mass action)
        asked = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/neighborhoods/{place}/outreach/preview/",
            headers={"Authorization": f"Token {staff_token}"},
        )
        with urllib.request.urlopen(asked, timeout=60) as response:
            households = json.loads(response.read())["households"]
        body = json.dumps(
            {
                "filters": {},
                "title": "高龄老人免费送牛奶",
                "body": "请家中有90岁以上老人的住户留意。",
                "confirm": households,
            }
        ).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/neighborhoods/{place}/outreach/",
            data=body,
            headers={"Content-Type": "application/json", "Authorization": f"Token {staff_token}"},
        )
        began = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
        return began, time.perf_counter(), answer

    began, answered, answer = await asyncio.to_thread(post)
    sent_id = answer["id"]

    def delivered() -> float:
        while True:
            row = Outreach.objects.filter(pk=sent_id).values_list("delivered_at", flat=True)[0]
            if row is not None:
                return time.perf_counter()
            time.sleep(0.02)

    done = await asyncio.wait_for(asyncio.to_thread(delivered), 120)
    await asyncio.wait_for(asyncio.gather(*watchers), 60)
    last = max(arrived.values())
    return {
        "outreach": sent_id,
        "request_ms": (answered - began) * 1000,
        "delivered_s": done - began,
        "watchers": len(tokens),
        "watchers_received": len(arrived),
        "last_watcher_s": last - began,
        "watcher_p50_s": statistics.median(t - began for t in arrived.values()),
    }


# report ------------------------------------------------------------------------------------


def render(result: dict[str, Any]) -> list[str]:
    s = result["ledger"]["samples"]
    base = s["baseline_sql"]["p95"]
    o = result["outreach"]
    lines = [
        f"Seed: seed_demo --households {result['households']} in {result['seed_seconds']:.1f} s;"
        f" {result['verified_households']:,} households verified; outreach neighborhood of"
        f" {OUTREACH_HOUSEHOLDS:,} households.",
        "",
        "| measurement | n | p50 ms | p95 ms | p99 ms | max ms | p95 / baseline | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    targets = {
        "count": "p95 <= 50 ms",
        "count_api": "p95 <= 50 ms",
        "page": "p95 <= 150 ms",
        "page_api": "p95 <= 150 ms",
        "baseline_sql": "",
    }
    names = {
        "baseline_sql": "baseline: bare SQL count(*)",
        "count": "ledger counts (selector)",
        "count_api": "ledger counts (REST API)",
        "page": "page of 50 residents (selector)",
        "page_api": "page of 50 residents (REST API)",
    }
    for key in ("baseline_sql", "count", "count_api", "page", "page_api"):
        row = s[key]
        limit = 50 if key.startswith("count") else 150
        verdict = "" if key == "baseline_sql" else ("PASS" if row["p95"] <= limit else "FAIL")
        lines.append(
            f"| {names[key]} | {row['n']} | {row['p50']:.1f} | {row['p95']:.1f} | "
            f"{row['p99']:.1f} | {row['max']:.1f} | {row['p95'] / base:.1f}x | "
            f"{targets[key]} {verdict} |"
        )
    verdict = "PASS" if o["delivered_s"] <= 10 else "FAIL"
    lines += [
        "",
        f"Outreach to {o['households']:,} households ({o['members']:,} verified members):"
        f" POST answered in {o['request_ms']:.0f} ms; all {o['published']:,} notifications"
        f" published after {o['delivered_s']:.2f} s (target <= 10 s: {verdict});"
        f" {o['watchers_received']}/{o['watchers']} members on live sockets received theirs,"
        f" median {o['watcher_p50_s']:.2f} s, last {o['last_watcher_s']:.2f} s after the POST.",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ledger", description=__doc__)
    parser.add_argument("--households", type=int, default=35000)
    parser.add_argument("--rounds", type=int, default=40, help="samples per filter")
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument("--skip-outreach", action="store_true", help="ledger figures only")
    args = parser.parse_args(argv)
    configure()
    began = time.monotonic()
    result: dict[str, Any] = {"households": args.households}
    result.update(build(args.households))
    print(f"seeded in {result['seed_seconds']:.1f} s", flush=True)
    result["ledger"] = ledger(args.rounds)
    print("ledger measured", flush=True)
    if args.skip_outreach:
        print(json.dumps(result["ledger"]["samples"], indent=1))
        return 0
    result["outreach"] = outreach(result["outreach_neighborhood"])
    lines = render(result)
    print("\n".join(lines))
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    (out / f"ledger-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}.json").write_text(
        json.dumps(result, indent=1, default=str)
    )
    if not args.no_docs:
        _write_doc(lines, stamp, time.monotonic() - began)
    print(f"python -m bench.ledger took {time.monotonic() - began:.0f} s")
    return 0


def _write_doc(lines: list[str], stamp: str, seconds: float) -> None:
    """The latest results replace the marked block the page leads with; the method below it
    is kept as written."""
    from bench.common import marked_results, write_results
    from bench.report import head_commit

    command = "python -m bench.ledger"
    stamped = [
        f"## Current figures ({stamp}, commit {head_commit()}, {seconds:.0f} s, `{command}`)",
        "",
        *lines,
    ]
    new_page = "# Performance: the ledger and outreach\n\n" + (__doc__ or "") + "\n"
    write_results(DOC, marked_results(stamped, command), new_page)


if __name__ == "__main__":
    sys.exit(main())
