"""The live tally of stream ballot.<id>: at most one `ballot.tally` per 200 ms per ballot,
whatever the vote rate, and the last one always counts every vote committed before it.

Each vote, once committed, nudges its ballot here. One background thread per process
(core/deadlines.py) sends the tally of a nudged ballot when the ballot's gate (a TallyGate
row) was last claimed 200 ms ago or more; else it waits out the rest of the interval and
tries again (the claim itself is voting/store.py's, one round trip on PostgreSQL).
Claiming is a conditional UPDATE, so across all server processes only one claim per
interval succeeds, and the tally is read after the claim, in the same transaction as its
event: it includes every vote that nudged before. A nudge that arrives while a tally is
being read stays pending and is sent one interval later, so no vote is left out of the
last tally.

Why a thread and not a task queue: the work is a few milliseconds, 5 times a second at
most, and everything it needs to resume is in the database (a process that dies loses
only pending nudges; the next vote or the close brings the stream up to date).
"""

from __future__ import annotations

import datetime as dt
import time

from django.db import transaction
from django.utils import timezone

import realtime
from core.cache import BoundedCache
from core.deadlines import Deadlines
from voting import events, secrecy, tally
from voting.models import Ballot, Visibility
from voting.selectors import counted_tally
from voting.store import vote_store

INTERVAL = dt.timedelta(milliseconds=200)
IDLE_SECONDS = 2.0  # close the thread's database connection after this long with no work

# ballot id -> when this process's last tally of it leaves its gate free again: a nudge
# then waits for that instead of trying a claim that must fail. Only a hint; the gate row
# decides (another process may have sent since), and a failed claim says how long to wait.
_free_at: BoundedCache[int, float] = BoundedCache(4096)


def _gate_free_at(ballot_id: int) -> float:
    return _free_at.get(ballot_id) or 0.0


def _send_noting_the_gate(ballot_id: int) -> float | None:
    """send(), and when it sent (or had nothing to send, or failed) the time its gate is
    free again: the next tally of the ballot is an interval later at the soonest."""
    started = time.monotonic()
    retry: float | None = None
    try:
        retry = send(ballot_id)
    finally:
        if retry is None:
            _free_at.put(ballot_id, started + INTERVAL.total_seconds())
    return retry


# One thread per process sends the tallies (core/deadlines.py).
_tallies: Deadlines[int] = Deadlines(
    "linli-tally",
    _send_noting_the_gate,
    failed="live tally of ballot %s failed",
    idle_seconds=IDLE_SECONDS,
    not_before=_gate_free_at,
)


def nudge_on_commit(ballot_id: int) -> None:
    transaction.on_commit(lambda: nudge(ballot_id), robust=True)


def nudge(ballot_id: int) -> None:
    """Ask for the ballot's tally to be sent as soon as its interval allows."""
    _tallies.soon(ballot_id)


def wait_idle(timeout: float) -> bool:
    """Wait until no tally is pending or being sent; False if it took longer."""
    return _tallies.wait_idle(timeout)


def send(ballot_id: int) -> float | None:
    """Publish the ballot's tally if its gate is free: None when sent (or nothing to send),
    else the seconds to wait before trying again.

    The gate is claimed with the time the tally is read, which is also its event's `at`:
    stored tallies are at least 200 ms apart, and each says as of when it counted."""
    now = timezone.now()
    with transaction.atomic():
        found = vote_store().claim_tally(ballot_id, now, INTERVAL)
        if found is None:
            return None  # no open ballot: the close event carries the final count
        ballot, gate_at, counted = found
        if counted is None:
            if gate_at is None:
                return None
            return max((gate_at + INTERVAL - now).total_seconds(), 0.0) + 0.001
        realtime.publish(ballot.stream, events.TALLY, dict(payload_of(ballot, counted)), at=now)
    return None


def payload(ballot: Ballot) -> events.TallyPayload:
    """The live tally of every vote stored now."""
    return payload_of(ballot, counted_tally(ballot))


def payload_of(ballot: Ballot, counted: tally.Tally) -> events.TallyPayload:
    participation: events.Turnout = {
        "heads": counted.participation.heads,
        "area": str(counted.participation.area),
    }
    progress = tally.quorum_progress(tally.rule_from_data(ballot.rule), counted)
    if ballot.secret:  # turnout in heads, nothing by option, whatever the visibility
        return {
            "participation": {"heads": participation["heads"]},
            "progress": secrecy.open_progress(progress),
        }
    data: events.TallyPayload = {"participation": participation, "progress": progress}
    if ballot.visibility == Visibility.LIVE:
        data["tally"] = tally.tally_to_data(counted)
    return data
