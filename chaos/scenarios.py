"""The fault scenarios of issue 15. Each builds its crowd of live clients on the running
site, makes writes while it breaks one part, heals it, waits for the clients to settle and
judges what the database and the clients hold (chaos/report.py says how).

Every scenario leaves the site whole (both servers, Redis and PostgreSQL up) for the next.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import urllib.request
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from chaos.clients import Crowd, DoResult, LiveClient
from chaos.report import Row
from chaos.servers import SERVER_SETTINGS, Site

LEASE_SECONDS = float(SERVER_SETTINGS["LINLI_PROCESS_LEASE_SECONDS"])


@dataclass(frozen=True)
class Plan:
    """How big the run is. `make chaos` uses the defaults; tests/chaos a small one."""

    clients: int = 100
    posters: int = 10
    rate: float = 10.0  # posts per second, all posters together
    lead: float = 3.0  # seconds of posting before the fault
    after: float = 5.0  # seconds of posting after the fault ended
    # Long enough for the hubs' reconcile pass (LINLI_WS_RECONCILE_SECONDS, 30 s).
    settle: float = 45.0
    storm_seconds: float = 3.0
    slow_watchers: int = 10
    slow_posts: int = 260  # of 5,000 characters: more than 1 MiB to replay


@dataclass
class Fault:
    """What a scenario's fault did, and when (monotonic seconds)."""

    started: float = 0.0
    ended: float = 0.0
    written: list[tuple[str, int]] = field(default_factory=list)  # (body, id) with no socket
    notes: list[str] = field(default_factory=list)


@dataclass
class Sent:
    body: str
    result: DoResult


Breaker = Callable[[Site, Fault, str], Awaitable[None]]
Scenario = Callable[[Site, Plan], Awaitable[Row]]
SCENARIOS: dict[str, Scenario] = {}


def scenario(name: str) -> Callable[[Scenario], Scenario]:
    def register(function: Scenario) -> Scenario:
        SCENARIOS[name] = function
        return function

    return register


def crowd_for(site: Site, count: int, streams: dict[str, int], first: int = 0) -> Crowd:
    residents = site.scene["residents"][first : first + count]
    return Crowd(
        [
            LiveClient(f"c{first + n}", who["session"], site.ports, (first + n) % 2, streams)
            for n, who in enumerate(residents)
        ]
    )


async def heads(site: Site, streams: list[str]) -> dict[str, int]:
    return await asyncio.to_thread(site.heads, streams)


# Posting ---------------------------------------------------------------------------------


async def _post_loop(
    client: LiveClient,
    stream: str,
    tag: str,
    interval: float,
    stop: asyncio.Event,
    out: list[Sent],
    inflight: set[asyncio.Task[None]],
) -> None:
    """One poster: a reply every `interval` s while `stop` is clear. Each `do` runs on its
    own, so a held acknowledgement does not hold the next post; a post is only sent on an
    open socket (live/socket.js falls back to a plain form POST otherwise: not counted here)."""
    number = 0
    due = time.monotonic() + random.random() * interval
    while not stop.is_set():
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        due += interval
        if stop.is_set():
            return
        body = f"{tag} {client.name}-{number}"
        number += 1

        async def send(body: str = body) -> None:
            result = await client.do(stream, "post.create", {"body": body})
            if result is not None:
                out.append(Sent(body, result))

        task = asyncio.create_task(send())
        inflight.add(task)
        task.add_done_callback(inflight.discard)


async def posting(
    site: Site, plan: Plan, name: str, breaker: Breaker, sent: list[Sent] | None = None
) -> Row:
    """Posters reply to the scenario's topic at `plan.rate` while every client follows it;
    `breaker` faults the site after `plan.lead` s and returns once it is healed. What was
    sent is collected in `sent` (given, or a list of its own)."""
    topic = site.scene["topics"][name]
    stream = f"topic.{topic}"
    crowd = crowd_for(site, plan.clients, await heads(site, [stream]))
    await crowd.start()
    tag = f"[{name}]"
    stop = asyncio.Event()
    sent = [] if sent is None else sent
    inflight: set[asyncio.Task[None]] = set()
    posters = list(crowd)[: plan.posters]
    interval = len(posters) / plan.rate
    loops = [
        asyncio.create_task(_post_loop(c, stream, tag, interval, stop, sent, inflight))
        for c in posters
    ]
    fault = Fault()
    await asyncio.sleep(plan.lead)
    fault.started = time.monotonic()
    await breaker(site, fault, stream)
    fault.ended = time.monotonic()
    at_end = await heads(site, [stream])
    recovering = asyncio.create_task(crowd.caught_up(lambda: at_end, plan.settle + plan.after))
    await asyncio.sleep(plan.after)
    stop.set()
    await asyncio.gather(*loops)
    if inflight:
        await asyncio.wait(inflight, timeout=60)
    final = await heads(site, [stream])
    await crowd.caught_up(lambda: final, plan.settle)
    recovery = await recovering
    row = judge_posts(site, name, topic, stream, crowd, sent, fault, tag)
    row.recovery = recovery
    await crowd.stop()
    return row


def judge_posts(
    site: Site,
    name: str,
    topic: int,
    stream: str,
    crowd: Crowd,
    sent: list[Sent],
    fault: Fault,
    tag: str,
) -> Row:
    stored: dict[str, list[int]] = defaultdict(list)
    for post_id, body in site.query(
        "SELECT id, body FROM forum_post WHERE topic_id = %s AND body LIKE %s ORDER BY id",
        (topic, f"{tag} %"),
    ):
        stored[body.split(" ", 2)[1] if body.count(" ") >= 1 else body].append(post_id)
    stored_ids = {post_id for ids in stored.values() for post_id in ids}
    acked = {int(s.result.data["id"]) for s in sent if s.result.ok and s.result.data}
    acked |= {post_id for _body, post_id in fault.written}
    seqs: dict[int, list[int]] = defaultdict(list)
    for seq, post_id in site.query(
        "SELECT seq, (data->>'id')::bigint FROM realtime_event "
        "WHERE stream = %s AND type = 'post.created' AND (data->>'id')::bigint = ANY(%s)",
        (stream, sorted(stored_ids)),
    ):
        seqs[int(post_id)].append(int(seq))
    following = [c for c in crowd if not c.feeds[stream].stopped]
    missing: dict[int, int] = {}
    for post_id in stored_ids:
        if not seqs[post_id]:
            missing[post_id] = len(following)
            continue
        seq = min(seqs[post_id])
        short = sum(1 for c in following if not c.feeds[stream].covered(seq))
        if short:
            missing[post_id] = short
    duplicates = sum(len(ids) - 1 for ids in stored.values()) + sum(
        len(s) - 1 for s in seqs.values()
    )
    feeds = [c.feeds[stream] for c in crowd]
    row = Row(
        scenario=name,
        what="posts",
        sent=len(sent) + len(fault.written),
        acked=len(acked),
        stored=len(stored_ids),
        delivered=len(stored_ids) - len(missing),
        duplicates=duplicates,
        gaps=sum(f.gaps for f in feeds),
        resyncs=sum(f.resyncs for f in feeds),
        notes=list(fault.notes),
    )
    lost = acked - stored_ids
    if lost:
        row.problems.append(f"{len(lost)} acknowledged posts are not stored")
    if duplicates:
        row.problems.append(f"{duplicates} duplicates (stored twice or sent as two events)")
    if missing:
        row.problems.append(
            f"{len(missing)} stored posts never reached every client "
            f"({max(missing.values())} of {len(following)} clients short at worst)"
        )
    if len(following) < len(crowd):
        row.problems.append(f"{len(crowd) - len(following)} clients were told to stop following")
    errors: dict[str, int] = defaultdict(int)
    for s in sent:
        if not s.result.ok:
            errors[s.result.code or "?"] += 1
    if errors:
        row.notes.append(
            "not acknowledged: " + ", ".join(f"{n} {code}" for code, n in sorted(errors.items()))
        )
    latencies = [s.result.answered_at - s.result.sent_at for s in sent if s.result.answered_at]
    if latencies:
        row.notes.append(f"slowest answer {max(latencies):.1f} s")
    return row


# Breakers for the posting scenarios --------------------------------------------------------


def redis_kill(seconds: float) -> Breaker:
    async def breaker(site: Site, fault: Fault, stream: str) -> None:
        assert site.redis is not None
        await asyncio.to_thread(site.redis.kill)
        await asyncio.sleep(seconds)
        await asyncio.to_thread(site.redis.start)
        fault.notes.append(f"Redis killed for {seconds:g} s, restarted empty")

    return breaker


HELD_MARGIN = 2.0  # a post sent this close to the thaw may fairly be answered after it


def redis_freeze(seconds: float) -> Breaker:
    async def breaker(site: Site, fault: Fault, stream: str) -> None:
        assert site.redis is not None
        site.redis.freeze()
        await asyncio.sleep(seconds)
        site.redis.thaw()
        fault.notes.append(f"Redis frozen (SIGSTOP) for {seconds:g} s")

    return breaker


async def pg_restart(site: Site, fault: Fault, stream: str) -> None:
    assert site.pg is not None
    began = time.monotonic()
    await asyncio.to_thread(site.pg.restart)
    site.db_reset()
    fault.notes.append(
        f"PostgreSQL restarted (pg_ctl restart -m fast, {time.monotonic() - began:.1f} s)"
    )


async def servers_restart(site: Site, fault: Fault, stream: str) -> None:
    """Both servers stop; an app writes meanwhile; both start again. The clients hold
    their `since` and must get every write on reconnecting."""
    began = time.monotonic()
    await asyncio.gather(*(asyncio.to_thread(server.stop) for server in site.servers))
    stopped = time.monotonic() - began
    topic = stream.split(".")[1]
    tag = f"[{stream_name(site, stream)}]"
    answer = await asyncio.to_thread(
        site.seed, "write", "--topic", topic, "--count", "20", "--tag", tag
    )
    fault.written = [(f"{tag} writer-{n}", post_id) for n, post_id in enumerate(answer["ids"])]
    await asyncio.gather(*(asyncio.to_thread(server.start) for server in site.servers))
    fault.notes.append(
        f"both servers stopped (SIGTERM, {stopped:.1f} s), {len(fault.written)} posts written "
        f"while down, both started again"
    )


def stream_name(site: Site, stream: str) -> str:
    topic = int(stream.split(".")[1])
    topics: dict[str, int] = site.scene["topics"]
    return next(name for name, key in topics.items() if key == topic)


@scenario("redis-kill-5s")
async def redis_kill_5s(site: Site, plan: Plan) -> Row:
    return await posting(site, plan, "redis-kill-5s", redis_kill(5))


@scenario("redis-kill-20s")
async def redis_kill_20s(site: Site, plan: Plan) -> Row:
    return await posting(site, plan, "redis-kill-20s", redis_kill(20))


@scenario("redis-freeze-10s")
async def redis_freeze_10s(site: Site, plan: Plan) -> Row:
    return await redis_frozen(site, plan, "redis-freeze-10s", 10)


async def redis_frozen(site: Site, plan: Plan, name: str, seconds: float) -> Row:
    """Posting while Redis is frozen for `seconds`. Also checked: no write waited for the
    frozen Redis. A post sent while it was frozen (up to HELD_MARGIN s before the thaw) must
    be answered before the thaw: the event is stored, so delivery may wait for Redis, the
    writer may not."""
    window: dict[str, float] = {}
    freeze = redis_freeze(seconds)

    async def breaker(site: Site, fault: Fault, stream: str) -> None:
        window["from"] = time.monotonic()
        await freeze(site, fault, stream)
        window["thaw"] = time.monotonic()

    captured: list[Sent] = []
    row = await posting(site, plan, name, breaker, captured)
    held = [
        s
        for s in captured
        if window["from"] <= s.result.sent_at <= window["thaw"] - HELD_MARGIN
        and (s.result.answered_at is None or s.result.answered_at > window["thaw"])
    ]
    if held:
        row.problems.append(
            f"{len(held)} posts sent while Redis was frozen were answered only after the thaw"
        )
    return row


@scenario("pg-restart")
async def pg_restart_scenario(site: Site, plan: Plan) -> Row:
    return await posting(site, plan, "pg-restart", pg_restart)


@scenario("servers-restart")
async def servers_restart_scenario(site: Site, plan: Plan) -> Row:
    return await posting(site, plan, "servers-restart", servers_restart)


# Votes -------------------------------------------------------------------------------------


def latest_heads(client: LiveClient, stream: str) -> int:
    """Participation heads of the last tally this client holds (event or snapshot)."""
    feed = client.feeds[stream]
    best_seq, best = -1, 0
    for seq in sorted(feed.applied, reverse=True):
        kind, data = feed.applied[seq]
        if kind == "ballot.tally":
            best_seq, best = seq, int((data.get("participation") or {}).get("heads", 0))
            break
    if feed.snapshot is not None and feed.floor > best_seq:
        best = int((feed.snapshot.get("participation") or {}).get("heads", 0))
    return best


@scenario("server-kill-votes")
async def server_kill_votes(site: Site, plan: Plan) -> Row:
    """Every client casts a vote in each of the ballots, all within `storm_seconds`; one
    server is killed with -9 at 40% of the storm and started again 2 s later. A voter
    whose page went down votes once it is live again (within 15 s), as a person would."""
    name = "server-kill-votes"
    ballots: list[int] = site.scene["ballots"]
    streams = [f"ballot.{b}" for b in ballots]
    crowd = crowd_for(site, plan.clients, await heads(site, streams))
    await crowd.start()
    clients = list(crowd)
    total = len(clients) * len(ballots)
    spacing = plan.storm_seconds / total
    rng = random.Random(300)
    results: list[tuple[LiveClient, int, DoResult]] = []

    async def cast(k: int) -> None:
        client, ballot = clients[k // len(ballots)], ballots[k % len(ballots)]
        await asyncio.sleep(k * spacing)
        choice = rng.choices(["yes", "no", "abstain"], [6, 3, 1])[0]
        result = await client.do(
            f"ballot.{ballot}", "ballot.cast", {"choice": [choice]}, wait_open=15
        )
        if result is not None:
            results.append((client, ballot, result))

    fault = Fault()

    async def kill() -> None:
        await asyncio.sleep(plan.storm_seconds * 0.4)
        fault.started = time.monotonic()
        site.servers[0].kill()
        await asyncio.sleep(2)
        await asyncio.to_thread(site.servers[0].start)
        fault.ended = time.monotonic()

    killer = asyncio.create_task(kill())
    casts = [asyncio.create_task(cast(k)) for k in range(total)]
    await killer
    at_end = await heads(site, streams)
    recovering = asyncio.create_task(crowd.caught_up(lambda: at_end, plan.settle))
    await asyncio.wait(casts, timeout=60)

    def stored_counts() -> dict[int, int]:
        rows = site.query(
            "SELECT e.ballot_id, count(*) FROM voting_participation p "
            "JOIN voting_elector e ON e.id = p.elector_id WHERE e.ballot_id = ANY(%s) "
            "GROUP BY e.ballot_id",
            (ballots,),
        )
        found = {int(b): int(n) for b, n in rows}
        return {b: found.get(b, 0) for b in ballots}

    # Settled: every watcher's last tally counts every stored vote (or the settle time ran out).
    deadline = time.monotonic() + plan.settle
    while time.monotonic() < deadline:
        stored = await asyncio.to_thread(stored_counts)
        if all(latest_heads(c, f"ballot.{b}") >= stored[b] for c in clients for b in ballots):
            break
        await asyncio.sleep(0.25)
    stored = await asyncio.to_thread(stored_counts)
    recovery = await recovering

    acked = [(c, b, r) for c, b, r in results if r.ok]
    electors = {(b, int((r.data or {}).get("elector", 0))) for _c, b, r in acked}
    voted = {
        (int(b), int(e))
        for b, e in site.query(
            "SELECT e.ballot_id, e.id FROM voting_participation p "
            "JOIN voting_elector e ON e.id = p.elector_id WHERE e.ballot_id = ANY(%s)",
            (ballots,),
        )
    }
    doubles = site.query(
        "SELECT count(*) FROM (SELECT v.elector_id FROM voting_vote v JOIN voting_elector e "
        "ON e.id = v.elector_id WHERE e.ballot_id = ANY(%s) GROUP BY v.elector_id "
        "HAVING count(*) > 1) AS twice",
        (ballots,),
    )[0][0]
    delivered = {b: min(latest_heads(c, f"ballot.{b}") for c in clients) for b in ballots}
    feeds = [c.feeds[s] for c in clients for s in streams]
    row = Row(
        scenario=name,
        what="votes",
        sent=len(results),
        acked=len(acked),
        stored=sum(stored.values()),
        delivered=sum(min(delivered[b], stored[b]) for b in ballots),
        duplicates=int(doubles),
        gaps=sum(f.gaps for f in feeds),
        resyncs=sum(f.resyncs for f in feeds),
        recovery=recovery,
        notes=[f"server a killed (-9) at {plan.storm_seconds * 0.4:.1f} s, restarted 2 s later"],
    )
    lost = electors - voted
    if lost:
        row.problems.append(f"{len(lost)} acknowledged votes are not stored")
    if doubles:
        row.problems.append(f"{doubles} electors have two votes")
    short = {b: stored[b] - delivered[b] for b in ballots if delivered[b] < stored[b]}
    if short:
        row.problems.append(
            "the last tally some watcher holds misses stored votes: "
            + ", ".join(f"ballot {b} by {n}" for b, n in short.items())
        )
    errors: dict[str, int] = defaultdict(int)
    for _c, _b, r in results:
        if not r.ok:
            errors[r.code or "?"] += 1
    if errors:
        row.notes.append(
            "not acknowledged: " + ", ".join(f"{n} {code}" for code, n in sorted(errors.items()))
        )
    row.notes.append(f"{total - len(results)} votes not sent (no live socket within 15 s)")
    await crowd.stop()
    return row


# The chair's server ----------------------------------------------------------------------


def saw(client: LiveClient, stream: str, kind: str, after: int) -> bool:
    feed = client.feeds[stream]
    return any(t == kind for seq, (t, _d) in feed.applied.items() if seq > after)


@scenario("chair-server-kill")
async def chair_server_kill(site: Site, plan: Plan) -> Row:
    """The chair follows the room from server a; residents from both. Server a is killed
    with -9; the chair's page reconnects to b (live/socket.js), a is started again; then the chair
    closes the page. The room must pause (`room.paused`, chair away) within the process
    lease time (LINLI_PROCESS_LEASE_SECONDS) plus a margin, every resident must see it, and
    when the chair comes back the room resumes."""
    name = "chair-server-kill"
    stream = f"room.{site.scene['room']}"
    start = await heads(site, [stream])
    chair = LiveClient("chair", site.scene["chair"]["session"], site.ports, 0, start)
    residents = crowd_for(site, plan.clients - 1, start)
    await Crowd([chair]).start()
    await residents.start()
    row = Row(scenario=name, what="pause+resume", sent=2, acked="-")
    fault = Fault(started=time.monotonic())
    site.servers[0].kill()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (
        chair.ws is not None and chair.port == site.ports[1] and not chair.catching_up
    ):
        await asyncio.sleep(0.1)
    if chair.port != site.ports[1] or chair.ws is None:
        row.problems.append("the chair's page did not reconnect to the other server")
    await asyncio.sleep(LEASE_SECONDS + 3)  # the dead process's lease runs out meanwhile
    await asyncio.to_thread(site.servers[0].start)
    fault.ended = time.monotonic()
    if any(saw(c, stream, "room.paused", start[stream]) for c in residents):
        row.notes.append("the room paused while the chair was connected to the live server")
    before_leave = (await heads(site, [stream]))[stream]
    await chair.stop()  # the chair closes the page: the last live socket of the chair
    # The lease time, plus one reconcile pass (30 s) in case the sweep rides on it.
    wait = LEASE_SECONDS + 40
    paused_in = await until(
        lambda: all(saw(c, stream, "room.paused", before_leave) for c in residents), wait
    )
    stored_types = [
        t
        for (t,) in site.query(
            "SELECT type FROM realtime_event WHERE stream = %s AND seq > %s ORDER BY seq",
            (stream, before_leave),
        )
    ]
    stored = int("room.paused" in stored_types)
    delivered = int(paused_in is not None)
    row.recovery = paused_in
    if not stored:
        row.problems.append(
            f"the room did not pause within {wait:g} s of the chair leaving "
            "(the dead server's presence count still holds the chair in the room)"
        )
    elif not delivered:
        row.problems.append("room.paused is stored but not every resident got it")
    if stored:
        before_return = (await heads(site, [stream]))[stream]
        back = LiveClient(
            "chair", site.scene["chair"]["session"], site.ports, 0, {stream: before_return}
        )
        await Crowd([back]).start()
        resumed_in = await until(
            lambda: all(saw(c, stream, "room.resumed", before_return) for c in residents), 20
        )
        stored_resume = site.query(
            "SELECT count(*) FROM realtime_event "
            "WHERE stream = %s AND seq > %s AND type = 'room.resumed'",
            (stream, before_return),
        )[0][0]
        stored += int(stored_resume > 0)
        delivered += int(resumed_in is not None)
        if resumed_in is None:
            row.problems.append(
                "the room did not resume (for every resident) when the chair came back"
            )
        await back.stop()
    else:
        row.notes.append("the chair's return was not tried: the room never paused")
    row.stored, row.delivered = stored, delivered
    feeds = [c.feeds[stream] for c in [*residents, chair]]
    row.gaps = sum(f.gaps for f in feeds)
    row.resyncs = sum(f.resyncs for f in feeds)
    row.notes.append(
        f"server a (the chair's) killed with -9; pause awaited {wait:g} s after the chair left"
    )
    await residents.stop()
    return row


async def until(condition: Callable[[], bool], timeout: float) -> float | None:
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if condition():
            return time.monotonic() - began
        await asyncio.sleep(0.1)
    return None


# The slow consumer ---------------------------------------------------------------------------


def dropped_slow(site: Site) -> int:
    total = 0
    for port in site.ports:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            total += int(json.load(response)["deliveries"].get("slow_dropped", 0))
    return total


@scenario("slow-resume-1mib")
async def slow_resume(site: Site, plan: Plan) -> Row:
    """A client stops reading (a small TCP window) while 5,000-character replies arrive
    until the server drops it (its unsent bytes pass 1 MiB) - or, if it did not, the
    client's connection is cut; it then resumes with `since` and more than 1 MiB to
    replay. It must catch up: every event, in order, or a `resync`."""
    name = "slow-resume-1mib"
    topic = site.scene["topics"][name]
    stream = f"topic.{topic}"
    start = await heads(site, [stream])
    watchers = crowd_for(site, plan.slow_watchers, start)
    slow = LiveClient(
        "slow", site.scene["residents"][-1]["session"], site.ports, 0, start, rcvbuf=16384
    )
    crowd = Crowd([*watchers, slow])
    await crowd.start()
    dropped_before = await asyncio.to_thread(dropped_slow, site)
    slow.reading.clear()
    tag = f"[{name}]"
    sent: list[Sent] = []
    posters = list(watchers)[:5]
    numbers = iter(range(10**6))

    async def poster(client: LiveClient, count: int) -> None:
        for _ in range(count):
            head = f"{tag} {client.name}-{next(numbers)} "
            body = head + "x" * (5000 - len(head))
            result = await client.do(stream, "post.create", {"body": body})
            if result is not None:
                sent.append(Sent(head.strip(), result))

    # At least `slow_posts` (> 1 MiB); then on, a batch at a time, until the server drops
    # the stalled socket (the kernel's buffers take a few MiB first) or 4x as many.
    dropped = 0
    while len(sent) < plan.slow_posts or (not dropped and len(sent) < 4 * plan.slow_posts):
        batch = max(1, plan.slow_posts // 5 // len(posters))  # 50 posts a round
        await asyncio.gather(*(poster(c, batch) for c in posters))
        dropped = await asyncio.to_thread(dropped_slow, site) - dropped_before
    posted = await heads(site, [stream])
    await watchers.caught_up(lambda: posted, plan.settle)
    replay = site.query(
        "SELECT count(*), coalesce(sum(octet_length(data::text)), 0) FROM realtime_event "
        "WHERE stream = %s AND seq > %s",
        (stream, slow.feeds[stream].last),
    )[0]
    if slow.ws is not None and slow.ws.transport is not None:
        slow.ws.transport.abort()  # dropped by the server or not, it resumes with `since`
    connects = slow.connects
    slow.reading.set()
    fault = Fault(started=time.monotonic(), ended=time.monotonic())
    caught = await Crowd([slow]).caught_up(lambda: posted, plan.settle)
    row = judge_posts(site, name, topic, stream, crowd, sent, fault, tag)
    row.recovery = caught
    row.notes.append(
        f"the slow client {'was' if dropped else 'was not'} dropped by the server; it resumed "
        f"with {replay[0]} events ({replay[1] / 2**20:.2f} MiB) to replay and reconnected "
        f"{slow.connects - connects} times"
    )
    if caught is None:
        row.problems.append(
            f"the slow client did not catch up within {plan.settle:g} s "
            f"(at seq {slow.feeds[stream].last} of {posted[stream]})"
        )
    await crowd.stop()
    return row


ORDER = [
    "redis-kill-5s",
    "redis-kill-20s",
    "redis-freeze-10s",
    "server-kill-votes",
    "pg-restart",
    "slow-resume-1mib",
    "chair-server-kill",
    "servers-restart",
]
