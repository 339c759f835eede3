"""`python -m bench.voting`: 2,000 households vote within 2 s while 1,000 clients watch.

Issue 5's figures, on PostgreSQL and Redis, through a real server:

1. A fresh database `linli_bench_voting`, migrated; one neighborhood of 2,000 owner-occupied
   households (the demo's household maker: residents, their registered owners), each with a
   verified representative who has an API token. A secretary creates and opens one
   household ballot through `voting.services` (yes / no / abstain, results live, the
   Civil Code art. 278 ordinary preset): 2,000 electors.
2. One server process (`python -m realtime.serve`) pinned to core 0; two client processes
   (`bench/voting_clients.py` on bench/clients.py's raw sockets) pinned to core 1:
   1,000 watcher sockets subscribed to `ballot.<id>` (the first 1,000 representatives,
   as if each had the ballot page open) and 2,000 voter sockets, one per representative,
   each authenticated with its own token and subscribed to its `user.<id>` stream (the
   header badge every page has). PostgreSQL and Redis are not pinned.
3. Baselines, in the same run, on the same sockets and the same stream: every voter socket
   sends a `ping` on the schedule the votes will use (2,000 evenly over 2 s; the round
   trip `ping` -> `pong`); then `realtime.publish` of a plain event on `ballot.<id>`
   (bench/publisher.py, 5 per second for 2 s, each in its own transaction) and its
   receipt by every watcher.
4. The vote: every voter socket sends `do` `ballot.cast` once, 2,000 evenly over 2 s
   (choices drawn 60 / 30 / 10 yes / no / abstain with a fixed seed). Measured: each
   vote's acknowledgement (`do` sent -> `ok` read), every `ballot.tally` event each
   watcher reads and the participation heads it counts.
5. Checked in the database afterwards: 2,000 Participation rows and 2,000 Vote rows, one
   per elector, cast by 2,000 distinct representatives, each holding the choice its
   voter sent; the last tally's counts equal the choices sent; `ballot.tally` events of
   the stream (realtime_event rows) at most 5 in any second.

Prints the table, writes bench/results/voting-<stamp>/ (results.json, the raw samples,
the logs) and docs/performance-voting.md (unless --no-docs). How staleness is measured
is in docs/performance-voting.md ("Method").
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import (
    CLIENT_CORE,
    HOST,
    ROOT,
    SERVER_CORE,
    marked_results,
    server_command,
    start_run,
    write_results,
)
from bench.procs import (
    Child,
    Process,
    all_processes,
    core_speed,
    port_free,
    raise_nofile,
    wait_port,
)
from bench.scenarios import NOISY, percentile

DB_URL = os.environ.get(
    "BENCH_VOTING_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/linli_bench_voting"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
PREFIX = "linlibenchvoting"
PORT = 8731
DOC = ROOT / "docs" / "performance-voting.md"
STALENESS_P99_MS = 300.0
TALLIES_PER_SECOND = 5
TICK_RATE, TICK_SECONDS = 5.0, 2.0
CHOICES = (("yes", 0.6), ("no", 0.3), ("abstain", 0.1))


def configure() -> None:
    os.environ.update(
        DATABASE_URL=DB_URL,
        REDIS_URL=REDIS_URL,
        LINLI_CHANNEL_PREFIX=PREFIX,
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONUNBUFFERED="1",
        # Watchers send nothing once subscribed; the setup must not outlast the idle close.
        LINLI_WS_IDLE_SECONDS="900",
    )


# 1. data -----------------------------------------------------------------------------------


def build(households: int, watchers: int) -> dict[str, Any]:
    from bench.fixtures import recreate_database

    recreate_database(DB_URL)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    began = time.perf_counter()
    scene = _neighborhood(households)
    scene["ballot"] = _ballot(scene["place"], scene["secretary"])
    scene["seed_seconds"] = time.perf_counter() - began
    rng = random.Random(2000)
    keys, weights = zip(*CHOICES, strict=True)
    scene["choices"] = {str(u): rng.choices(keys, weights)[:1] for u, _t in scene["voters"]}
    scene["watchers"] = scene["voters"][:watchers]
    return scene


def _neighborhood(households: int) -> dict[str, Any]:
    """One neighborhood of owner-occupied households, each with a verified representative
    (its oldest resident, who is also its registered owner) holding an API token."""
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from accounts.models import Building, Household, Residency, Resident, Tenure, User
    from core.db import refresh_statistics
    from demo import seed as demo
    from tests import factories

    rng, owner_rng = random.Random(278), random.Random(279)
    today, now = timezone.localdate(), timezone.now()
    per = demo.HOUSEHOLDS_PER_BUILDING
    with transaction.atomic():
        place = factories.neighborhood("基准投票居民区")
        buildings = Building.objects.bulk_create(
            Building(neighborhood=place, name=f"{n}号楼", floors=6)
            for n in range(1, math.ceil(households / per) + 1)
        )
        rows = [
            Household(
                building=buildings[i // per],
                unit=str(i % per // (per // 2) + 1),
                room=f"{i % (per // 2) // 2 + 1}0{i % 2 + 1}",
                floor_area=Decimal(rng.randint(3800, 9600)) / 100,
                tenure=Tenure.OWNER,
            )
            for i in range(households)
        ]
        for start in range(0, households, demo.BATCH):
            demo._save_households(rows[start : start + demo.BATCH], rng, owner_rng, today)
        # The demo makes each owner-occupied flat's oldest resident its registered owner
        # (same ID hash): that owner-resident becomes the household's representative.
        owners_at_home = Resident.objects.filter(
            household__building__neighborhood=place,
            id_number_hash=F("household__ownership__owner__id_number_hash"),
        ).order_by("household_id")
        users: list[User] = []
        stays: list[Residency] = []
        for head in owners_at_home:
            account = User(
                username=f"rep{head.household_id}",
                password="!",
                display_name=head.real_name,
                identity_hash=head.id_number_hash,
            )
            users.append(account)
            stays.append(
                Residency(
                    user=account,
                    household_id=head.household_id,
                    resident=head,
                    is_representative=True,
                    verified_at=now,
                )
            )
        User.objects.bulk_create(users, batch_size=demo.BATCH)
        Residency.objects.bulk_create(stays, batch_size=demo.BATCH)
        tokens = Token.objects.bulk_create(
            [Token(user=u, key=Token.generate_key()) for u in users], batch_size=demo.BATCH
        )
        secretary = factories.staff(place, "bench-secretary", role="secretary")
    refresh_statistics()
    return {
        "place": place.pk,
        "secretary": secretary.pk,
        "voters": [[t.user_id, t.key] for t in tokens],
        "household_of": {stay.user.pk: stay.household_id for stay in stays},
    }


def _ballot(place: int, secretary: int) -> int:
    from django.utils import timezone

    from accounts.models import User
    from voting import services

    ballot = services.ballot_create(
        actor=User.objects.get(pk=secretary),
        neighborhood_id=place,
        title="是否同意更换小区门禁系统",
        method="yes_no",
        voter_unit="household",
        scope="neighborhood",
        visibility="live",
        preset="art278_ordinary",
        closes_at=timezone.now() + dt.timedelta(days=7),
        open_now=True,
    )
    return int(ballot.pk)


# 2. processes --------------------------------------------------------------------------------


class Run:
    """Every process the bench started, stopped together however the run ends."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.logs = out / "logs"
        self.started: list[Process] = []

    def server(self, port: int) -> Process:
        if not port_free(port):
            raise RuntimeError(f"port {port} is taken; is an earlier bench still running?")
        proc = Process(
            "server", server_command(port), core=SERVER_CORE, env=None, log=self.logs / "server.log"
        )
        self.started.append(proc)
        wait_port(port, proc.proc)
        return proc

    def child(self, name: str, module: str, args: list[str]) -> Child:
        child = Child(name, module, args, core=CLIENT_CORE, env=None, log=self.logs / f"{name}.log")
        self.started.append(child)
        return child

    def stop_all(self) -> None:
        for proc in reversed(self.started):
            proc.stop(grace=3)
        self.started.clear()


def connect(client: Child, port: int, sockets: list[list[Any]]) -> dict[str, Any]:
    answer = client.call(
        {"cmd": "connect", "host": HOST, "port": port, "sockets": sockets, "concurrency": 32},
        timeout=600,
    )
    if answer["errors"]:
        raise RuntimeError(
            f"{client.name}: {answer['errors']} sockets failed: {answer['error_kinds']}"
        )
    return answer


def send(client: Child, kind: str, window: float, **fields: Any) -> dict[str, Any]:
    return client.call({"cmd": "send", "kind": kind, "window": window, **fields}, timeout=300)


def dump(client: Child, path: Path) -> dict[str, Any]:
    answer = client.call({"cmd": "dump", "path": str(path)}, timeout=120)
    answer["record"] = json.loads(path.read_text())
    return answer


class Cpu:
    """Cores used by the server, the clients and PostgreSQL + Redis over a stretch."""

    def __init__(self, server: Process, clients: list[Child]) -> None:
        self.server, self.clients = server, clients
        self.t0 = time.monotonic()
        self.procs0 = all_processes()

    def stop(self) -> dict[str, float]:
        wall = time.monotonic() - self.t0
        procs1 = all_processes()

        def used(pids: set[int]) -> float:
            return sum(
                cpu - self.procs0.get(pid, ("", 0.0))[1]
                for pid, (_name, cpu) in procs1.items()
                if pid in pids
            )

        stores = {pid for pid, (name, _c) in procs1.items() if name in ("postgres", "redis-server")}
        ours = {os.getpid(), self.server.pid, *(c.pid for c in self.clients), *stores}
        return {
            # Work of other processes on the machine meanwhile: above NOISY the run is noisy.
            "other_cores": round(used(set(procs1) - ours) / wall, 3),
            "seconds": round(wall, 2),
            "server_cores": round(used({self.server.pid}) / wall, 3),
            "client_cores": round(used({c.pid for c in self.clients}) / wall, 3),
            "postgres_redis_cores": round(used(stores) / wall, 3),
        }


def measure(scene: dict[str, Any], out: Path, port: int, window: float, log: Any) -> dict[str, Any]:
    raise_nofile()
    run = Run(out)
    samples = out / "samples"
    samples.mkdir(parents=True, exist_ok=True)
    stream = f"ballot.{scene['ballot']}"
    try:
        server = run.server(port)
        watchers = run.child("watchers", "bench.voting_clients", [])
        voters = run.child("voters", "bench.voting_clients", [])
        publisher = run.child("publisher", "bench.publisher", [stream])
        got = connect(watchers, port, [[u, t, stream] for u, t in scene["watchers"]])
        log(f"{got['ok']} watchers subscribed to {stream} in {got['elapsed']:.1f} s")
        got = connect(voters, port, [[u, t, f"user.{u}"] for u, t in scene["voters"]])
        log(f"{got['ok']} voters connected in {got['elapsed']:.1f} s")

        # Warm-up, not measured: first-request paths (thread pool, Redis, the group join).
        send(voters, "ping", 1.0)
        publisher.call({"cmd": "run", "rate": 4.0, "duration": 0.5}, timeout=60)
        time.sleep(0.5)

        voters.call({"cmd": "record"})
        cpu = Cpu(server, [watchers, voters])
        pinged = send(voters, "ping", window)
        ping_usage = cpu.stop()
        ping = dump(voters, samples / "ping.json")
        log(f"baseline: {pinged['replied']}/{pinged['sent']} pings answered")

        watchers.call({"cmd": "record"})
        cpu = Cpu(server, [watchers, voters])
        ticks = publisher.call(
            {"cmd": "run", "rate": TICK_RATE, "duration": TICK_SECONDS}, timeout=60
        )
        time.sleep(1.0)
        tick_usage = cpu.stop()
        tick = dump(watchers, samples / "publish.json")
        log(f"baseline: {len(ticks['seqs'])} events published, {tick['ticks']} receipts")

        time.sleep(1.0)
        watchers.call({"cmd": "record"})
        voters.call({"cmd": "record"})
        cpu = Cpu(server, [watchers, voters])
        cast = send(voters, "cast", window, stream=stream, choices=scene["choices"], timeout=120)
        caught = watchers.call(
            {"cmd": "wait_heads", "heads": len(scene["voters"]), "timeout": 15}, timeout=60
        )
        usage = cpu.stop()
        time.sleep(0.5)  # a coalesced tally still on its way is recorded too
        votes = dump(voters, samples / "cast.json")
        tallies = dump(watchers, samples / "tally.json")
        log(
            f"vote: {cast['replied']}/{cast['sent']} acknowledged {cast['done']:.2f} s after the "
            f"first was sent; {caught['watchers'] - caught['behind']}/{caught['watchers']} "
            "watchers saw a tally counting every vote"
        )
        status = server.alive()
    finally:
        run.stop_all()
    return {
        "ping": ping,
        "tick": tick,
        "ticks_published": ticks,
        "cast": cast,
        "votes": votes,
        "tallies": tallies,
        "caught_up": caught,
        "cpu": usage,
        "cpu_baselines": {"ping": ping_usage, "publish": tick_usage},
        "server_alive": status,
    }


# 3. figures --------------------------------------------------------------------------------


def summary(samples: Any) -> dict[str, float]:
    """n, p50, p95, p99, max in ms of samples in seconds (nearest-rank percentiles)."""
    ordered = np.sort(np.asarray(samples, dtype=float)) * 1000
    if not len(ordered):
        return {"n": 0}
    return {
        "n": int(len(ordered)),
        **{f"p{q:g}": float(percentile(ordered, q / 100)) for q in (50, 95, 99)},  # type: ignore[arg-type]
        "max": float(ordered[-1]),
    }


def replies(record: dict[str, Any]) -> tuple[dict[int, tuple[float, float]], dict[str, int]]:
    """socket id -> (sent, read) of its answered request; and the answers by outcome."""
    times: dict[int, tuple[float, float]] = {}
    outcomes: dict[str, int] = {}
    for ref, (sent, read, _arrived, op, code) in record["requests"].items():
        outcome = "no answer" if read is None else op if op != "err" else f"err {code}"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if op in ("ok", "pong"):
            times[int(ref.rsplit(".", 1)[1])] = (sent, read)
    return times, outcomes


def staleness(
    acks: dict[int, tuple[float, float]],
    ranks: dict[int, int],
    tallies: list[list[Any]],
    at: int = 1,
) -> dict[str, Any]:
    """For every (vote, watcher): from the vote's `ok` to the first tally that watcher read
    whose participation heads reach the vote's rank (see "Method" in the doc). `at` picks
    the tally's time: 1 when the watcher process read it, 2 the kernel's arrival time of
    that read (without the instrument's own queueing)."""
    voters = [v for v in sorted(acks) if v in ranks]
    acked = np.array([acks[v][1] for v in voters])
    need = np.array([ranks[v] for v in voters])
    by_watcher: dict[int, list[tuple[float, int]]] = {}
    for row in tallies:
        by_watcher.setdefault(int(row[0]), []).append((float(row[at]), int(row[4])))
    chunks, never, early = [], 0, 0
    for seen in by_watcher.values():
        seen.sort()
        reads = np.array([r for r, _h in seen])
        reach = np.maximum.accumulate(np.array([h for _r, h in seen]))
        index = np.searchsorted(reach, need, side="left")
        found = index < len(reads)
        never += int((~found).sum())
        delay = reads[index[found]] - acked[found]
        early += int((delay < 0).sum())
        chunks.append(np.maximum(delay, 0.0))
    values = np.concatenate(chunks) if chunks else np.array([])
    return {**summary(values), "never": never, "before_ack": early, "watchers": len(by_watcher)}


def tally_rate(stream: str, since: dt.datetime) -> dict[str, Any]:
    """`ballot.tally` events of the stream as stored: the most in any second, the closest
    two, and how many in all (the coalescing's promise: at most one per 200 ms)."""
    from realtime.models import Event

    stamps = [
        at.timestamp()
        for at in Event.objects.filter(stream=stream, type="ballot.tally", at__gte=since)
        .order_by("seq")
        .values_list("at", flat=True)
    ]
    most = max(
        (int(np.searchsorted(stamps, t + 1.0, side="left")) - i for i, t in enumerate(stamps)),
        default=0,
    )
    gaps = np.diff(stamps) if len(stamps) > 1 else np.array([])
    return {
        "events": len(stamps),
        "most_in_one_second": most,
        "closest_ms": float(gaps.min() * 1000) if len(gaps) else None,
        "span_s": stamps[-1] - stamps[0] if stamps else 0.0,
    }


def check_store(scene: dict[str, Any], acked: set[int]) -> dict[str, Any]:
    """Every vote stored exactly once, as cast: counted in the database after the run."""
    from django.db.models import Count

    from voting.models import Participation, Vote

    ballot = scene["ballot"]
    parts = Participation.objects.filter(ballot_id=ballot)
    cast_by = list(parts.values_list("cast_by_id", flat=True))
    doubles = parts.values("cast_by_id").annotate(n=Count("pk")).filter(n__gt=1).count()
    household_choice = {
        scene["household_of"][int(u)]: c for u, c in scene["choices"].items() if int(u) in acked
    }
    stored = dict(
        Vote.objects.filter(ballot_id=ballot).values_list("elector__household_id", "choice")
    )
    return {
        "participations": len(cast_by),
        "distinct_voters": len(set(cast_by)),
        "voters_cast_twice": doubles,
        "acked_not_stored": len(acked - set(cast_by)),
        "stored_not_acked": len(set(cast_by) - acked),
        "votes": Vote.objects.filter(ballot_id=ballot).count(),
        "choices_as_sent": sum(1 for h, c in household_choice.items() if stored.get(h) == c),
        "choices_expected": len(household_choice),
    }


def commit_ranks(ballot: int, acks: dict[int, tuple[float, float]]) -> dict[str, dict[int, int]]:
    """Bounds on each vote's rank in commit order (see "Method" in the doc).

    `Participation.at` is stamped inside the vote's transaction, so before it commits;
    the vote commits before its `ok` is read. So every vote
    committed before vote u has `at` before u's `ok` was read (upper bound on u's rank),
    and every vote whose `ok` was read before u's `at` committed before u (lower bound).
    """
    from voting.models import Participation

    began = {
        int(user): at.timestamp()
        for user, at in Participation.objects.filter(ballot_id=ballot).values_list(
            "cast_by_id", "at"
        )
    }
    voters = [v for v in sorted(acks) if v in began]
    starts = np.sort(np.array([began[v] for v in voters]))
    reads = np.sort(np.array([acks[v][1] for v in voters]))
    return {
        "upper": {v: int(np.searchsorted(starts, acks[v][1], side="right")) for v in voters},
        "lower": {v: int(np.searchsorted(reads, began[v], side="left")) + 1 for v in voters},
    }


def figures(scene: dict[str, Any], raw: dict[str, Any], since: dt.datetime) -> dict[str, Any]:
    pings, ping_outcomes = replies(raw["ping"]["record"])
    acks, cast_outcomes = replies(raw["votes"]["record"])
    ticks = raw["tick"]["record"]["ticks"]
    published = set(raw["ticks_published"]["seqs"])
    tick_lat = [lat for seq, lat in zip(ticks[0], ticks[1], strict=True) if seq in published]
    tallies = raw["tallies"]["record"]["tallies"]
    ranks = commit_ranks(scene["ballot"], acks)
    n = len(scene["voters"])
    last_ack = max((read for _s, read in acks.values()), default=0.0)
    full: dict[int, float] = {}
    for watcher, read, _arrived, _seq, heads in tallies:
        if heads >= n and (watcher not in full or read < full[watcher]):
            full[watcher] = read
    last = raw["tallies"]["record"]["last_tally"] or {}
    sent_counts = {k: 0 for k, _w in CHOICES}
    for u in acks:
        sent_counts[scene["choices"][str(u)][0]] += 1
    shown = {k: v["heads"] for k, v in (last.get("tally") or {}).get("options", {}).items()}
    return {
        "households": n,
        "watchers": len(scene["watchers"]),
        "ping_outcomes": ping_outcomes,
        "cast_outcomes": cast_outcomes,
        "ping_rtt": summary([r - s for s, r in pings.values()]),
        "ack": summary([r - s for s, r in acks.values()]),
        "publish_receipt": summary(tick_lat),
        "publish_expected": len(published) * len(scene["watchers"]),
        "staleness": staleness(acks, ranks["upper"], tallies),
        "staleness_optimistic": staleness(acks, ranks["lower"], tallies),
        "staleness_arrival": staleness(acks, ranks["upper"], tallies, at=2),
        "last_vote": {
            **summary([full[w] - last_ack for w in full]),
            "watchers_with_all": len(full),
        },
        "tally_events_received": len(tallies),
        "tally_rate": tally_rate(f"ballot.{scene['ballot']}", since),
        "last_tally_counts": shown,
        "sent_counts": sent_counts,
        "store": check_store(scene, set(acks)),
        "order_errors": raw["tallies"]["order_errors"],
        "cast_span_s": raw["cast"]["span"],
        "cast_late_max_s": raw["cast"]["late_max"],
        "cpu": raw["cpu"],
        "cpu_baselines": raw["cpu_baselines"],
    }


# 4. report ---------------------------------------------------------------------------------


def _row(name: str, s: dict[str, Any], base: dict[str, Any] | None, target: str) -> str:
    ratio = f"{s['p99'] / base['p99']:.1f}x" if base and base.get("p99") else "1.0x"
    return (
        f"| {name} | {s['n']:,} | {s['p50']:.1f} | {s['p95']:.1f} | {s['p99']:.1f} | "
        f"{s['max']:.1f} | {ratio} | {target} |"
    )


def verdicts(f: dict[str, Any]) -> dict[str, bool]:
    store, rate = f["store"], f["tally_rate"]
    n = f["households"]
    return {
        "stored_once": store["participations"] == n
        and store["distinct_voters"] == n
        and store["votes"] == n
        and store["voters_cast_twice"] == 0
        and store["acked_not_stored"] == 0
        and store["stored_not_acked"] == 0
        and store["choices_as_sent"] == n,
        "staleness": f["staleness"].get("p99", math.inf) <= STALENESS_P99_MS
        and f["staleness"]["never"] == 0,
        "coalesced": rate["most_in_one_second"] <= TALLIES_PER_SECOND,
        "tally_counts": f["last_tally_counts"] == f["sent_counts"],
    }


def render(f: dict[str, Any]) -> list[str]:
    ok = verdicts(f)
    word = {True: "PASS", False: "FAIL"}
    store, rate, cpu = f["store"], f["tally_rate"], f["cpu"]
    per_vote = cpu["server_cores"] * cpu["seconds"] * 1000 / max(1, f["households"])
    stale_target = f"p99 <= {STALENESS_P99_MS:.0f} ms {word[ok['staleness']]}"
    lines = [
        f"{f['households']:,} households, each voting once over {f['cast_span_s']:.2f} s "
        f"(the schedule ran at most {f['cast_late_max_s'] * 1000:.0f} ms late); "
        f"{f['watchers']:,} watchers of the ballot's stream.",
        "",
        "| measurement | n | p50 ms | p95 ms | p99 ms | max ms | p99 / baseline | target |",
        "|---|---|---|---|---|---|---|---|",
        _row("baseline: `ping` -> `pong`, same sockets and schedule", f["ping_rtt"], None, ""),
        _row("vote acknowledgement (`do` ballot.cast -> `ok`)", f["ack"], f["ping_rtt"], ""),
        _row(
            "baseline: `realtime.publish` -> receipt, same stream and watchers",
            f["publish_receipt"],
            None,
            "",
        ),
        _row(
            "tally staleness per vote and watcher (conservative)",
            f["staleness"],
            f["publish_receipt"],
            stale_target,
        ),
        _row(
            "tally staleness per vote and watcher (optimistic bound)",
            f["staleness_optimistic"],
            f["publish_receipt"],
            "",
        ),
        _row(
            "tally staleness, conservative, at the kernel's arrival time",
            f["staleness_arrival"],
            f["publish_receipt"],
            "",
        ),
        _row(
            "last vote -> a tally counting all (per watcher)",
            f["last_vote"],
            f["publish_receipt"],
            "",
        ),
        "",
        f"- Stored exactly once: {store['participations']:,} participations and "
        f"{store['votes']:,} votes for {f['households']:,} electors, cast by "
        f"{store['distinct_voters']:,} distinct representatives ({store['voters_cast_twice']} "
        f"twice); {store['choices_as_sent']:,}/{store['choices_expected']:,} hold the choice "
        f"sent; acknowledged but not stored {store['acked_not_stored']}, stored but not "
        f"acknowledged {store['stored_not_acked']}: {word[ok['stored_once']]}.",
        f"- Answers to the votes: {_outcomes(f['cast_outcomes'])}; to the pings: "
        f"{_outcomes(f['ping_outcomes'])}.",
        f"- Live tallies: {rate['events']} `ballot.tally` events stored over "
        f"{rate['span_s']:.2f} s, at most {rate['most_in_one_second']} in any second, the "
        f"closest two {_num(rate['closest_ms'])} ms apart (target <= {TALLIES_PER_SECOND} a "
        f"second: {word[ok['coalesced']]}); {f['tally_events_received']:,} received by the "
        f"watchers, {f['order_errors']} out of order; the last counts "
        f"{_counts(f['last_tally_counts'])}, the votes sent {_counts(f['sent_counts'])}: "
        f"{word[ok['tally_counts']]}.",
        f"- Staleness pairs: {f['staleness']['n']:,} (votes x watchers); a tally read before "
        f"the voter read its `ok` counts as 0 ms ({f['staleness']['before_ack']:,} pairs); "
        f"pairs never reached: {f['staleness']['never']}. {f['last_vote']['watchers_with_all']:,}"
        f" of {f['watchers']:,} watchers saw a tally counting every vote.",
        f"- Baseline publish: {f['publish_receipt']['n']:,} of {f['publish_expected']:,} "
        f"receipts ({TICK_RATE:g} events a second for {TICK_SECONDS:g} s).",
        f"- CPU during the vote ({cpu['seconds']} s, from the first vote to the last watcher "
        f"catching up): server {cpu['server_cores']:.2f} cores, clients "
        f"{cpu['client_cores']:.2f}, PostgreSQL + Redis {cpu['postgres_redis_cores']:.2f}; "
        f"server CPU per vote {per_vote:.1f} ms (with its share of tallies and fan-out), so "
        f"one server core absorbs about {1000 / per_vote:.0f} votes a second; other "
        f"processes on the machine used {cpu['other_cores']:.2f} cores"
        + (" (NOISY: the figures are not representative)" if cpu["other_cores"] > NOISY else "")
        + "; during the baselines "
        + ", ".join(
            f"{name} {u['other_cores']:.2f}" + (" (NOISY)" if u["other_cores"] > NOISY else "")
            for name, u in f["cpu_baselines"].items()
        )
        + ".",
        f"- This machine's speed: a fixed pure-Python loop (5 M additions, bench/procs.py "
        f"`core_speed`) ran in {f['core_loop_ms']:.0f} ms on the server's core, best of 3, "
        "just before the scene was built.",
    ]
    return lines


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _outcomes(outcomes: dict[str, int]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in sorted(outcomes.items()))


def _counts(counts: dict[str, int]) -> str:
    return " / ".join(f"{k} {counts.get(k, 0):,}" for k, _w in CHOICES)


def versions() -> dict[str, str]:
    from bench import report

    found = report.versions(None)
    import psycopg

    with psycopg.connect(DB_URL) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    found["postgresql"] = str(row[0]) if row else "-"
    found.pop("nginx", None)
    return found


def write_doc(lines: list[str], meta: dict[str, Any]) -> None:
    """The latest results replace the marked block the page leads with; the method and the
    run journals below it are kept as written."""
    stamped = [
        f"## Current figures ({meta['started']} UTC, commit {meta['versions'].get('commit', '-')}, "
        f"{meta['seconds']:.0f} s, `{meta['command']}`)",
        "",
        *lines,
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()) + ".",
    ]
    new_page = f"# Performance: {DOC.stem.removeprefix('performance-')}\n\n{__doc__ or ''}\n"
    write_results(DOC, marked_results(stamped, meta["command"]), new_page)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.voting", description=__doc__)
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--watchers", type=int, default=1000)
    parser.add_argument("--window", type=float, default=2.0, help="seconds the votes span")
    parser.add_argument("--port", type=int, default=PORT)
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="wait up to this long for other work on the machine to stop (default 60)",
    )
    args = parser.parse_args(argv)
    if args.watchers > args.households:
        parser.error("watchers are representatives: at most --households")
    configure()
    from bench.__main__ import wait_quiet

    run = start_run(
        "bench.voting",
        "voting",
        [
            ("households", args.households, 2000),
            ("watchers", args.watchers, 1000),
            ("window", args.window, 2.0),
        ],
    )
    began, started, command, out, log = run.began, run.started, run.command, run.out, run.log

    busy = wait_quiet(args.quiet_wait)
    core_loop_ms = core_speed(SERVER_CORE)
    log(f"the server's core ran the fixed loop in {core_loop_ms:.0f} ms (best of 3)")
    scene = build(args.households, args.watchers)
    log(
        f"seeded {args.households:,} households and opened ballot {scene['ballot']} in "
        f"{scene['seed_seconds']:.1f} s"
    )
    from django.db import connections

    connections.close_all()  # the server and the clients do the work now
    raw = measure(scene, out, args.port, args.window, log)
    result = {**figures(scene, raw, started), "core_loop_ms": round(core_loop_ms, 1)}
    lines = render(result)
    seconds = time.monotonic() - began
    meta = {
        "started": started.strftime("%Y-%m-%d %H:%M"),
        "command": command,
        "seconds": seconds,
        "busy_before_cores": round(busy, 3),
        "server": " ".join(server_command(args.port)),
        "versions": versions(),
    }
    (out / "results.json").write_text(
        json.dumps({"meta": meta, "figures": result, "verdicts": verdicts(result)}, indent=1)
    )
    print()
    print("\n".join(lines))
    ok = verdicts(result)
    print(f"\nstaleness p99 <= {STALENESS_P99_MS:.0f} ms: {'PASS' if ok['staleness'] else 'FAIL'}")
    print(f"results: {out.relative_to(ROOT)}/")
    if not args.no_docs:
        write_doc(lines, meta)
        print(f"wrote {DOC.relative_to(ROOT)}")
    print(f"{command} took {seconds:.0f} s")
    # Performance misses are reported; a vote lost, doubled or miscounted fails the run.
    return 0 if ok["stored_once"] and ok["tally_counts"] else 1


if __name__ == "__main__":
    sys.exit(main())
