"""`python -m bench.rooms`: a deliberation room with 1,000 live participants.

Issue 6's figure, on PostgreSQL and Redis, through a real server:

1. A fresh database `linli_bench_rooms`, migrated; one neighborhood of 1,000 households,
   each with a verified representative holding an API token (bench.voting's seeding), and
   a moderator who chairs. The chair opens one room with
   `moderation.rooms.services.room_create` (preset 南塘十三条 `nantang`, speeches of at
   most 10 s so that some end by the server's clock within the window).
2. One server process (`python -m realtime.serve`) pinned to core 0; one client process
   (`bench/rooms_clients.py`, bench.clients' raw sockets) pinned to core 1 holding 1,001
   sockets, one per person, each authenticated with its own token and subscribed to
   `room.<id>`: the 1,000 participants and the chair. PostgreSQL and Redis are not pinned.
3. Baseline, before the meeting, on the same sockets: each sends one `ping`, 1,001 evenly
   over 5 s (the `ping` -> `pong` round trip).
4. The meeting, driven over the sockets with `do` `room.<action>` frames: a participant
   moves a motion and another seconds it; then for 60 s participants raise hands (pro /
   con / neutral) and withdraw them, 6 actions a second at Poisson arrivals, two raises
   for each withdrawal; the chair, a moment (1-2.5 s) after each speech ends, gives the
   floor to the speaker the rules suggest (`suggest_next` of the room state its socket
   follows); the floor holder posts one or two speeches, then yields (7 in 10) or keeps
   the floor until the server's clock ends it; participants react (ephemeral
   `room.reaction`) 10 times a second. After the window the last speech ends as any
   other and every command is answered.
5. Baseline, after the meeting, on the same stream and sockets: `realtime.publish` of a
   plain event (bench/publisher.py, each in its own transaction), as many a second as
   the meeting published room events, for 15 s, padded to the floor events' mean frame
   size.
6. Checked: every socket read every event of room.<id> from the motion to the end
   exactly once and in seq order; the stream holds what the room's log holds, in the same
   order; replaying the log rebuilds the stored state; every speech is stored.

Measured, over all deliveries (every event x every socket): floor events (`floor.given`,
`speech.posted`, `speech.ended`, `hand.raised`) from the server's event stamp (the `at`
of the frame, taken in the publishing transaction before its commit) to the client's read,
against the same for the baseline's plain events; the same from the `do` sent (the
command's full path); speeches ended by the clock from their `ends_at`; command
acknowledgements (`do` -> `ok`) against the ping round trip. Prints the table, writes
bench/results/rooms-<stamp>/ (results.json, the raw samples, the logs) and
docs/performance-rooms.md (unless --no-docs).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np

from bench import voting
from bench.common import ROOT, server_command, start_run
from bench.procs import raise_nofile
from bench.rooms_clients import DELIVERY_ARRAYS
from bench.scenarios import NOISY
from bench.voting import Cpu, Run, _row, connect, dump, replies, send, summary

DB_URL = os.environ.get(
    "BENCH_ROOMS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/linli_bench_rooms"
)
PREFIX = "linlibenchrooms"
PORT = 8741
DOC = ROOT / "docs" / "performance-rooms.md"
FLOOR_TYPES = ("floor.given", "speech.posted", "speech.ended", "hand.raised")
SPEECH_SECONDS = 10
PING_WINDOW = 5.0
# The baselines publish about as many events a second as the meeting's room events (its
# hands, 6 a second, and the floor's), for 10 s before the meeting and 10 s after it; the
# control, 1 a second during the meeting.
BASELINE_RATE, BASELINE_SECONDS, CONTROL_RATE = 6.5, 10.0, 1.0
MEETING = {"hand_rate": 6.0, "raise_share": 2 / 3, "react_rate": 10.0, "seed": 6}


def configure() -> None:
    voting.configure()  # the voting bench's environment (idle sockets kept), our own names
    os.environ.update(DATABASE_URL=DB_URL, LINLI_CHANNEL_PREFIX=PREFIX)


# 1. data -----------------------------------------------------------------------------------


def build(participants: int) -> dict[str, Any]:
    from bench.fixtures import recreate_database

    recreate_database(DB_URL)
    import django

    django.setup()
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from accounts.models import Neighborhood
    from bench.voting import _neighborhood
    from moderation.rooms import services
    from tests import factories

    call_command("migrate", verbosity=0, interactive=False)
    began = time.perf_counter()
    scene = _neighborhood(participants)
    chair = factories.staff(
        Neighborhood.objects.get(pk=scene["place"]), "bench-chair", role="moderator"
    )
    room = services.room_create(
        actor=chair,
        neighborhood_id=scene["place"],
        title="3号楼前临时停车",
        preset="nantang",
        limits={"speech_seconds": SPEECH_SECONDS},
        agenda=["是否在3号楼前划定临时车位"],
    )
    return {
        "place": scene["place"],
        "room": room.pk,
        "frame_bytes": _hand_frame_bytes(room.stream, scene["voters"][participants // 2][0]),
        "state": room.state,
        "chair": [chair.pk, Token.objects.create(user=chair).key],
        "participants": scene["voters"][:participants],
        "seed_seconds": time.perf_counter() - began,
    }


def _hand_frame_bytes(stream: str, user_id: int) -> int:
    """The size of a `hand.raised` frame, the most common floor event, of a participant:
    the baselines' frames are padded to it."""
    from accounts.models import User
    from realtime import frames

    name = User.objects.get(pk=user_id).public_name
    data = {"user": user_id, "side": "neutral", "motion": 1, "user_name": name}
    return len(
        frames.event(stream, 100, "hand.raised", "2026-01-01T00:00:00.000000Z", data).encode()
    )


# 2. processes ------------------------------------------------------------------------------


def measure(scene: dict[str, Any], out: Path, port: int, window: float, log: Any) -> dict[str, Any]:
    raise_nofile()
    run = Run(out)
    samples = out / "samples"
    samples.mkdir(parents=True, exist_ok=True)
    stream = f"room.{scene['room']}"
    chair = scene["chair"][0]
    try:
        server = run.server(port)
        people = run.child("participants", "bench.rooms_clients", [])
        sockets = [[u, t, stream] for u, t in [scene["chair"], *scene["participants"]]]
        got = connect(people, port, sockets)
        log(f"{got['ok']} sockets subscribed to {stream} in {got['elapsed']:.1f} s")
        people.call({"cmd": "room", "stream": stream, "chair": chair, "state": scene["state"]})
        publisher = run.child(
            "publisher", "bench.rooms_publisher", [stream, str(scene["frame_bytes"])]
        )

        send(people, "ping", 1.0)  # warm-up, not measured
        publisher.call({"cmd": "run", "rate": 4.0, "duration": 0.5}, timeout=60)
        time.sleep(0.5)
        people.call({"cmd": "record"})
        pinged = send(people, "ping", PING_WINDOW)
        ping = dump(people, samples / "ping.json")
        log(f"baseline: {pinged['replied']}/{pinged['sent']} pings answered")
        before = publish_baseline(server, people, publisher, samples / "publish-before.json")
        log(f"baseline before the meeting: {before['deliveries']:,} receipts")

        people.call({"cmd": "record"})
        cpu = Cpu(server, [people, publisher])
        people.send({"cmd": "meeting", "window": window, **MEETING})
        # The control: plain events on the room's stream while the meeting goes on.
        control = publisher.call(
            {"cmd": "run", "rate": CONTROL_RATE, "duration": window}, timeout=window + 60
        )
        meeting = people.receive(timeout=window + SPEECH_SECONDS + 90)
        usage = cpu.stop()
        met = dump(people, samples / "meeting.json")
        log(
            f"meeting: {sum(meeting['sent'].values())} commands over {window:g} s, "
            f"{len(meeting['turns'])} turns at the floor, {met['deliveries']:,} event deliveries"
        )
        after = publish_baseline(server, people, publisher, samples / "publish-after.json")
        log(f"baseline after the meeting: {after['deliveries']:,} receipts")
        status = server.alive()
    finally:
        run.stop_all()
    return {
        "ping": ping,
        "meeting": meeting,
        "met": met,
        "control": control,
        "baselines": {"before": before, "after": after},
        "cpu": usage,
        "server_alive": status,
    }


def publish_baseline(server: Any, people: Any, publisher: Any, path: Path) -> dict[str, Any]:
    """Plain events on the room's stream, nothing else going on; every socket's receipts."""
    people.call({"cmd": "record"})
    usage = Cpu(server, [people, publisher])
    ticks = publisher.call(
        {"cmd": "run", "rate": BASELINE_RATE, "duration": BASELINE_SECONDS}, timeout=120
    )
    time.sleep(1.0)
    return {**dump(people, path), "published": ticks, "cpu": usage.stop()}


# 3. figures --------------------------------------------------------------------------------


def deliveries(path: Path) -> dict[str, np.ndarray]:
    """The raw arrays bench.rooms_clients wrote beside `path`."""
    dtypes = {"q": np.int64, "d": np.float64}
    return {n: np.fromfile(f"{path}.{n}", dtype=dtypes[c]) for n, c in DELIVERY_ARRAYS.items()}


def exactly_once(arrays: dict[str, np.ndarray], seqs: list[int], ids: list[int]) -> dict[str, int]:
    """Per socket: did it read exactly these seqs, each once, in this order?"""
    order = np.argsort(arrays["ev_sock"], kind="stable")  # each socket's reads, as read
    socks, read = arrays["ev_sock"][order], arrays["ev_seq"][order]
    expected = np.asarray(seqs, dtype=np.int64)
    complete = missing = extra = disordered = 0
    for ident in ids:
        lo, hi = np.searchsorted(socks, [ident, ident + 1])
        mine = read[lo:hi]
        if np.array_equal(mine, expected):
            complete += 1
            continue
        have = set(mine.tolist())
        missing += len(set(seqs) - have)
        extra += len(mine) - len(have) + len(have - set(seqs))
        disordered += int(bool(np.any(np.diff(mine) <= 0)))
    return {
        "sockets": len(ids),
        "complete": complete,
        "missing": missing,
        "extra": extra,
        "disordered_sockets": disordered,
    }


def stamped(arrays: dict[str, np.ndarray], events: dict[str, Any], seqs: list[int]) -> Any:
    """Receipt and kernel arrival, each minus the event's stamp, of the deliveries of
    `seqs` (plain events: the baselines and the control)."""
    stamp = {s: events[str(s)]["at"] for s in seqs if str(s) in events}
    keep = np.isin(arrays["ev_seq"], list(stamp))
    at = np.array([stamp[int(s)] for s in arrays["ev_seq"][keep]])
    return arrays["ev_read"][keep] - at, arrays["ev_wire"][keep] - at


def latencies(
    arrays: dict[str, np.ndarray], record: dict[str, Any], seqs: list[int]
) -> dict[str, Any]:
    """Per delivery of a room event: from its stamp, and from its cause (the `do` sent, or
    for a speech ended by the clock its `ends_at`), to the read; and the kernel's arrival."""
    lo, span = seqs[0], seqs[-1] - seqs[0] + 1
    events = record["events"]
    stamp, origin = np.full(span, np.nan), np.full(span, np.nan)
    kinds = np.full(span, "", dtype=object)
    timed = np.zeros(span, dtype=bool)
    for seq in seqs:
        event = events[str(seq)]
        stamp[seq - lo], kinds[seq - lo] = event["at"], event["type"]
        cause = record["causes"].get(str(seq))
        if cause is not None:
            origin[seq - lo] = record["requests"][cause][0]
        elif event["type"] == "speech.ended" and event["data"]["reason"] == "time":
            origin[seq - lo], timed[seq - lo] = event["data"]["at"], True
    keep = np.isin(arrays["ev_seq"], seqs)
    at = arrays["ev_seq"][keep] - lo
    read, wire, kind = arrays["ev_read"][keep], arrays["ev_wire"][keep], kinds[at]
    since_stamp, since_cause = read - stamp[at], read - origin[at]
    floor = np.isin(kind, FLOOR_TYPES)
    caused = ~np.isnan(origin[at]) & ~timed[at]
    out: dict[str, Any] = {
        "floor": summary(since_stamp[floor]),
        "floor_arrival": summary((wire - stamp[at])[floor]),
        "floor_end_to_end": summary(since_cause[floor & caused]),
        "clock_ended": summary(since_cause[timed[at]]),
        "by_type": {},
        "frame_bytes": {},
    }
    for name in (*FLOOR_TYPES, "hand.withdrawn"):
        out["by_type"][name] = summary(since_stamp[kind == name])
        sizes = [events[str(s)]["bytes"] for s in seqs if events[str(s)]["type"] == name]
        out["frame_bytes"][name] = round(float(np.mean(sizes))) if sizes else 0
    floor_seqs = [s for s in seqs if events[str(s)]["type"] in FLOOR_TYPES]
    parts = _per_event_values(arrays, events, floor_seqs)
    out["per_event"] = {k: summary(v) for k, v in parts.items()}
    sizes = [events[str(s)]["bytes"] for s in seqs if events[str(s)]["type"] in FLOOR_TYPES]
    out["frame_bytes"]["floor"] = round(float(np.mean(sizes))) if sizes else 0
    return out


def acks(record: dict[str, Any]) -> dict[str, Any]:
    """`do` sent -> `ok` read, per action and for all of them; and the answers by code."""
    by_action: dict[str, list[float]] = {}
    outcomes: dict[str, dict[str, int]] = {}
    for ref, (sent, read, _arrived, op, code) in record["requests"].items():
        action = ref.split(".", 1)[0]
        answer = "no answer" if read is None else "ok" if op == "ok" else f"err {code}"
        outcomes.setdefault(action, {})
        outcomes[action][answer] = outcomes[action].get(answer, 0) + 1
        if op == "ok":
            by_action.setdefault(action, []).append(read - sent)
    room = [v for a, values in by_action.items() if a != "react" for v in values]
    return {
        "room_commands": summary(room),
        "by_action": {a: summary(v) for a, v in sorted(by_action.items())},
        "outcomes": outcomes,
    }


def reactions(arrays: dict[str, np.ndarray], record: dict[str, Any]) -> dict[str, Any]:
    """Each reaction's `do` sent -> its receipt at each socket (one reaction per person)."""
    sent = {
        int(ref.split(".")[1]): s
        for ref, (s, _r, _a, op, _c) in record["requests"].items()
        if ref.startswith("react.") and op == "ok"
    }
    users = arrays["re_user"]
    origin = np.array([sent.get(int(u), np.nan) for u in users])
    known = ~np.isnan(origin)
    return {
        **summary((arrays["re_read"] - origin)[known]),
        "sent_ok": len(sent),
        "receipts": int(known.sum()),
    }


def check_log(room_id: int, seqs: list[int]) -> dict[str, Any]:
    """The room's own log against its stream and its stored state (database, afterwards)."""
    from moderation.models import Room, RoomEvent, Speech
    from moderation.procedure import event_from_data, new_room, replay, state_from_data
    from realtime.models import Event

    room = Room.objects.get(pk=room_id)
    log = list(RoomEvent.objects.filter(room=room).order_by("number").values_list("type", "data"))
    stream = list(
        Event.objects.filter(stream=room.stream)
        .exclude(type="bench.tick")
        .order_by("seq")
        .values_list("seq", "type")
    )
    stored = state_from_data(room.state)
    initial = new_room(stored.rules, room.created_by_id, agenda=stored.agenda)
    rebuilt = replay(initial, [event_from_data({"type": t, **d}) for t, d in log])
    # The meeting's events, then what the bench's own teardown caused (the chair's socket
    # closing pauses the room).
    last = seqs[-1] if seqs else 0
    return {
        "log_events": len(log),
        "room_events_count": room.events,
        "stream_events": len(stream),
        "same_types_in_order": [t for t, _d in log] == [t for _s, t in stream],
        "stream_seqs_read": [s for s, _t in stream if s <= last] == seqs,
        "after_meeting": [t for s, t in stream if s > last],
        "replay_equals_state": rebuilt == stored,
        "speeches_stored": Speech.objects.filter(room=room).count(),
        "speeches_posted": sum(1 for t, _d in log if t == "speech.posted"),
    }


def figures(scene: dict[str, Any], raw: dict[str, Any], out: Path) -> dict[str, Any]:
    samples = out / "samples"
    met = raw["met"]["record"]
    ids = [scene["chair"][0], *(u for u, _t in scene["participants"])]
    arrays = deliveries(samples / "meeting.json")
    read = arrays["ev_seq"]
    # Every seq from the first to the last read while the meeting was recorded: the room's
    # events and the control's plain events between them.
    window = list(range(int(read.min()), int(read.max()) + 1)) if len(read) else []
    control = sorted(raw["control"]["seqs"])
    seqs = [s for s in window if s not in set(control)]
    missing_everywhere = [s for s in seqs if str(s) not in met["events"]]
    seqs = [s for s in seqs if str(s) in met["events"]]
    base_read: list[np.ndarray] = []
    base_wire: list[np.ndarray] = []
    base: dict[str, Any] = {}
    base_events: dict[str, list[float]] = {"before_fanout": [], "fanout": []}
    for name, b in raw["baselines"].items():
        published = sorted(b["published"]["seqs"])
        events = b["record"]["events"]
        base_arrays = deliveries(samples / f"publish-{name}.json")
        r, w = stamped(base_arrays, events, published)
        for part, values in _per_event_values(base_arrays, events, published).items():
            base_events[part] += values
        base_read.append(r)
        base_wire.append(w)
        base[name] = {
            **summary(r),
            "expected": len(published) * len(ids),
            "exactly_once": exactly_once(base_arrays, published, ids),
            "frame_bytes": round(float(np.mean([events[str(s)]["bytes"] for s in published]))),
            "cpu": b["cpu"],
        }
    ctl_read, ctl_wire = stamped(arrays, met["events"], control)
    ctl_events = _per_event_values(arrays, met["events"], control)
    pings, ping_outcomes = replies(raw["ping"]["record"])
    meeting = raw["meeting"]
    turns = meeting["turns"]
    ended = {"time": 0, "yielded": 0}
    for s in seqs:
        e = met["events"][str(s)]
        if e["type"] == "speech.ended":
            ended[e["data"]["reason"]] = ended.get(e["data"]["reason"], 0) + 1
    dumps = [raw["met"], *raw["baselines"].values()]
    return {
        "participants": len(scene["participants"]),
        "sockets": len(ids),
        "window_s": round(meeting["window_ended"] - meeting["window_began"], 2),
        "meeting_s": round(meeting["ended"] - meeting["began"], 2),
        "sent": meeting["sent"],
        "schedule_late_max_s": meeting["late_max"],
        "turns": len(turns),
        "speeches": sum(t["speeches"] for t in turns),
        "ended": ended,
        "queue_at_end": meeting["queue_at_end"],
        "room_events": len(seqs),
        "room_events_missed_by_all": missing_everywhere,
        "events_by_type": _count_types(met, seqs),
        "ping_outcomes": ping_outcomes,
        "ping_rtt": summary([r - s for s, r in pings.values()]),
        "ack": acks(met),
        "baseline": summary(np.concatenate(base_read)),
        "baseline_arrival": summary(np.concatenate(base_wire)),
        "baselines": base,
        "baseline_per_event": {k: summary(v) for k, v in base_events.items()},
        "control_per_event": {k: summary(v) for k, v in ctl_events.items()},
        "baseline_rate": BASELINE_RATE,
        "control": {**summary(ctl_read), "events": len(control), "rate": CONTROL_RATE},
        "control_arrival": summary(ctl_wire),
        "room": latencies(arrays, met, seqs),
        "reactions": reactions(arrays, met),
        "exactly_once": exactly_once(arrays, window, ids),
        "order_errors": sum(d["order_errors"] for d in dumps),
        "callback_errors": max(d["callback_errors"] for d in dumps),
        "log": check_log(scene["room"], seqs),
        "cpu": raw["cpu"],
        "server_alive": raw["server_alive"],
    }


def _per_event_values(
    arrays: dict[str, np.ndarray], events: dict[str, Any], seqs: list[int]
) -> dict[str, list[float]]:
    """Per event (not per delivery), in seconds: stamp -> its first receipt by any socket
    (the commit, Redis and the server's hub: before the fan-out), and first -> last
    receipt (the fan-out to every socket and the client reading them)."""
    stamps = {s: events[str(s)]["at"] for s in seqs if str(s) in events}
    keep = np.isin(arrays["ev_seq"], list(stamps))
    seq, read = arrays["ev_seq"][keep], arrays["ev_read"][keep]
    found: dict[str, list[float]] = {"before_fanout": [], "fanout": []}
    for s in sorted(set(seq.tolist())):
        mine = read[seq == s]
        found["before_fanout"].append(float(mine.min() - stamps[s]))
        found["fanout"].append(float(mine.max() - mine.min()))
    return found


def _count_types(record: dict[str, Any], seqs: list[int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for seq in seqs:
        kind = record["events"][str(seq)]["type"]
        counts[kind] = counts.get(kind, 0) + 1
    return counts


# 4. report ---------------------------------------------------------------------------------


def verdicts(f: dict[str, Any]) -> dict[str, bool]:
    once, log = f["exactly_once"], f["log"]
    internal = any("err internal" in o for o in f["ack"]["outcomes"].values())
    return {
        "exactly_once_in_order": once["complete"] == once["sockets"]
        and all(b["exactly_once"]["complete"] == once["sockets"] for b in f["baselines"].values())
        and not f["room_events_missed_by_all"]
        and f["order_errors"] == 0
        and f["callback_errors"] == 0,
        "log_matches_stream": log["same_types_in_order"]
        and log["stream_seqs_read"]
        and log["log_events"] == log["room_events_count"]
        and log["replay_equals_state"]
        and log["speeches_stored"] == log["speeches_posted"],
        "no_internal_errors": not internal and f["server_alive"],
    }


def _line(name: str, s: dict[str, Any], base: dict[str, Any] | None, note: str) -> str:
    """bench.voting's table row, or dashes where nothing was measured."""
    return (
        _row(name, s, base, note) if s.get("n") else f"| {name} | 0 | - | - | - | - | - | {note} |"
    )


def render(f: dict[str, Any]) -> list[str]:
    ok = verdicts(f)
    word = {True: "PASS", False: "FAIL"}
    room, ack, base, ctl = f["room"], f["ack"], f["baseline"], f["control"]
    sizes = room["frame_bytes"]
    once, log, cpu, react = f["exactly_once"], f["log"], f["cpu"], f["reactions"]
    before, after = f["baselines"]["before"], f["baselines"]["after"]
    reach = react["receipts"] / max(1, react["sent_ok"] * f["sockets"])
    types = ", ".join(f"{k} {v}" for k, v in sorted(f["events_by_type"].items()))
    floor_ratio = room["floor"]["p99"] / base["p99"]
    noisy = any(c["other_cores"] > NOISY for c in (cpu, before["cpu"], after["cpu"]))
    control_ratio = room["floor"]["p99"] / ctl["p99"]
    lines = [
        f"{f['participants']:,} participants and the chair, one socket each ({f['sockets']:,} "
        f"sockets on room.<id>); a {f['window_s']:.0f} s window of the meeting "
        f"({f['meeting_s']:.0f} s from the motion to the last speech's end): "
        f"{f['room_events']} room events ({types}); {f['turns']} turns at the floor, "
        f"{f['speeches']} speeches, ended by a yield {f['ended'].get('yielded', 0)} and by the "
        f"clock {f['ended'].get('time', 0)}; {react['sent_ok']} reactions. The arrival "
        f"schedules ran at most {f['schedule_late_max_s'] * 1000:.0f} ms late.",
        "",
        f"**Floor events p99 {room['floor']['p99']:.1f} ms = {floor_ratio:.2f}x the baseline "
        f"publish p99 ({base['p99']:.1f} ms); {control_ratio:.2f}x plain events published "
        f"during the meeting (p99 {ctl['p99']:.1f} ms).**"
        + (
            " NOISY: other processes used more than a quarter of a core meanwhile." if noisy else ""
        ),
        "",
        "| measurement | n | p50 ms | p95 ms | p99 ms | max ms | p99 / baseline | note |",
        "|---|---|---|---|---|---|---|---|",
        _line("baseline: `ping` -> `pong`, same sockets", f["ping_rtt"], None, ""),
        _line(
            "room command acknowledgement (`do` room.* -> `ok`)",
            ack["room_commands"],
            f["ping_rtt"],
            "vs ping",
        ),
        _line(
            "reaction acknowledgement (`do` room.react -> `ok`)",
            ack["by_action"].get("react", {}),
            f["ping_rtt"],
            "vs ping",
        ),
        _line(
            "baseline: `realtime.publish` -> receipt, same stream and sockets",
            base,
            None,
            f"{before['frame_bytes']} B, {f['baseline_rate']:g}/s, before + after",
        ),
        _line("**floor events: stamp -> receipt**", room["floor"], base, f"{sizes['floor']} B"),
        *(
            _line(f"- {name}", room["by_type"][name], base, f"{sizes[name]} B")
            for name in (*FLOOR_TYPES, "hand.withdrawn")
            if room["by_type"][name].get("n")
        ),
        _line("floor events: `do` sent -> receipt", room["floor_end_to_end"], base, "full path"),
        _line("speech ended by the clock: `ends_at` -> receipt", room["clock_ended"], base, ""),
        _line("reactions (ephemeral): `do` sent -> receipt", react, base, ""),
        _line(
            "control: `realtime.publish` during the meeting -> receipt",
            ctl,
            base,
            f"{ctl['rate']:g}/s",
        ),
        _line("baseline publish, kernel arrival", f["baseline_arrival"], None, ""),
        _line("floor events, kernel arrival", room["floor_arrival"], f["baseline_arrival"], ""),
        _line("control, kernel arrival", f["control_arrival"], f["baseline_arrival"], ""),
        "",
        "| per event (not per delivery) | events | stamp -> first receipt p50 / p99 / max ms "
        "| first -> last receipt p50 / p99 / max ms |",
        "|---|---|---|---|",
        *(
            _split(name, parts)
            for name, parts in (
                ("baseline publish, before + after", f["baseline_per_event"]),
                ("floor events", room["per_event"]),
                ("control during the meeting", f["control_per_event"]),
            )
        ),
        "",
        "| command | answers | ack p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|",
        *(
            f"| {action} | {_outcomes(ack['outcomes'][action])} | {s['p50']:.1f} | "
            f"{s['p95']:.1f} | {s['p99']:.1f} |"
            for action, s in ack["by_action"].items()
        ),
        "",
        f"- Exactly once, in order: {once['complete']:,} of {once['sockets']:,} sockets read "
        f"all {f['room_events']} room events and {ctl['events']} control events, each once, in "
        f"seq order (missing {once['missing']}, extra {once['extra']}, sockets out of order "
        f"{once['disordered_sockets']}, gaps or repeats seen {f['order_errors']}, frames the "
        f"client failed to take in {f['callback_errors']}, events no socket read "
        f"{len(f['room_events_missed_by_all'])}): {word[ok['exactly_once_in_order']]}.",
        f"- The room's log: {log['log_events']} events (room counter {log['room_events_count']}),"
        f" the stream {log['stream_events']} (after the meeting, from the bench's teardown: "
        f"{', '.join(log['after_meeting']) or 'none'}), same types in the same order "
        f"{log['same_types_in_order']}, the meeting's seqs are those the sockets read "
        f"{log['stream_seqs_read']}; "
        f"replaying the log rebuilds the stored state {log['replay_equals_state']}; "
        f"{log['speeches_stored']} speeches stored of {log['speeches_posted']} posted: "
        f"{word[ok['log_matches_stream']]}.",
        f"- Reactions: {react['receipts']:,} receipts of {react['sent_ok']} reactions x "
        f"{f['sockets']:,} sockets ({reach:.1%}; ephemeral events carry no delivery promise).",
        *(
            f"- Baseline {name} the meeting: {b['n']:,} of {b['expected']:,} receipts, "
            f"{b['exactly_once']['complete']:,} sockets read every event once, in order; p50 "
            f"{b['p50']:.1f} ms, p99 {b['p99']:.1f} ms; other processes on the machine used "
            f"{_other(b['cpu'])} meanwhile."
            for name, b in (("before", before), ("after", after))
        ),
        f"- Pings: {_outcomes(f['ping_outcomes'])}. Queue at the end: {f['queue_at_end']} hands.",
        f"- CPU during the meeting ({cpu['seconds']} s): server {cpu['server_cores']:.2f} cores,"
        f" clients {cpu['client_cores']:.2f}, PostgreSQL + Redis "
        f"{cpu['postgres_redis_cores']:.2f}; "
        f"other processes on the machine {_other(cpu)}.",
        f"- No internal errors, server alive: {word[ok['no_internal_errors']]}.",
    ]
    return lines


def _split(name: str, parts: dict[str, dict[str, Any]]) -> str:
    def three(s: dict[str, Any]) -> str:
        return f"{s['p50']:.1f} / {s['p99']:.1f} / {s['max']:.1f}" if s.get("n") else "-"

    before, fanout = parts["before_fanout"], parts["fanout"]
    return f"| {name} | {before.get('n', 0)} | {three(before)} | {three(fanout)} |"


def _other(cpu: dict[str, float]) -> str:
    noisy = " (NOISY: the figures are not representative)" if cpu["other_cores"] > NOISY else ""
    return f"{cpu['other_cores']:.2f} cores{noisy}"


def _outcomes(outcomes: dict[str, int]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in sorted(outcomes.items()))


# bench.voting's versions and results block, pointed at this bench's database and page
# (both read module constants there; see the note to the lead about moving them to common).


def versions() -> dict[str, str]:
    with mock.patch.object(voting, "DB_URL", DB_URL):
        return voting.versions()


def write_doc(lines: list[str], meta: dict[str, Any]) -> None:
    """The text above the marker is kept as written; the results below it are replaced."""
    with mock.patch.object(voting, "DOC", DOC):
        voting.write_doc(lines, meta)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rooms", description=__doc__)
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--window", type=float, default=60.0, help="seconds of the meeting")
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
    if MEETING["react_rate"] * args.window * 1.2 > args.participants:
        parser.error("each participant reacts once at most: a shorter window or more people")
    configure()
    from bench.__main__ import wait_quiet

    run = start_run(
        "bench.rooms",
        "rooms",
        [
            ("participants", args.participants, 1000),
            ("window", args.window, 60.0),
        ],
    )
    began, started, command, out, log = run.began, run.started, run.command, run.out, run.log

    busy = wait_quiet(args.quiet_wait)
    scene = build(args.participants)
    log(
        f"seeded {args.participants:,} verified residents and a chair, opened room "
        f"{scene['room']} in {scene['seed_seconds']:.1f} s"
    )
    from django.db import connections

    connections.close_all()  # the server and the clients do the work now
    raw = measure(scene, out, args.port, args.window, log)
    result = figures(scene, raw, out)
    lines = render(result)
    seconds = time.monotonic() - began
    meta = {
        "started": started.strftime("%Y-%m-%d %H:%M"),
        "command": command,
        "seconds": seconds,
        "busy_before_cores": round(busy, 3),
        "server": " ".join(server_command(args.port)),
        "meeting": {**MEETING, "speech_seconds": SPEECH_SECONDS, "window": args.window},
        "versions": versions(),
    }
    ok = verdicts(result)
    (out / "results.json").write_text(
        json.dumps({"meta": meta, "figures": result, "verdicts": ok}, indent=1)
    )
    print()
    print("\n".join(lines))
    print()
    print(f"results: {out.relative_to(ROOT)}/")
    if not args.no_docs:
        write_doc(lines, meta)
        print(f"wrote {DOC.relative_to(ROOT)}")
    print(f"{command} took {seconds:.0f} s")
    # Latency is reported; an event lost, doubled, reordered or a log that disagrees fails.
    return 0 if all(ok.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
