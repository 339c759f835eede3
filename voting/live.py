"""The live tally of stream ballot.<id>: at most one `ballot.tally` per 200 ms per ballot,
whatever the vote rate, and the last one always counts every vote committed before it.

Each vote, once committed, nudges its ballot here. One background thread per process
sends the tally of a nudged ballot when the ballot's gate (a TallyGate row) was last
claimed 200 ms ago or more; else it waits out the rest of the interval and tries again.
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
import functools
import logging
import threading
import time
from typing import Any

from django.db import close_old_connections, connection, transaction
from django.utils import timezone

import realtime
from voting import events, secrecy, tally
from voting.models import Ballot, SecretVote, Status, TallyGate, Visibility, Vote
from voting.selectors import counted_tally, tally_of

log = logging.getLogger(__name__)

INTERVAL = dt.timedelta(milliseconds=200)
IDLE_SECONDS = 2.0  # close the thread's database connection after this long with no work

_cond = threading.Condition()
_due: dict[int, float] = {}  # ballot id -> monotonic time to try next
_busy: set[int] = set()
# ballot id -> when this process's last tally of it leaves its gate free again: a nudge
# then waits for that instead of trying a claim that must fail. Only a hint; the gate row
# decides (another process may have sent since), and a failed claim says how long to wait.
_free_at: dict[int, float] = {}
_FREE_AT_MAX = 4096
_thread: threading.Thread | None = None


def nudge_on_commit(ballot_id: int) -> None:
    transaction.on_commit(lambda: nudge(ballot_id), robust=True)


def nudge(ballot_id: int) -> None:
    """Ask for the ballot's tally to be sent as soon as its interval allows."""
    global _thread
    with _cond:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_work, name="linli-tally", daemon=True)
            _thread.start()
        elif ballot_id in _due:
            return  # pending already: waking the thread for every vote only costs the votes
        _due[ballot_id] = max(time.monotonic(), _free_at.get(ballot_id, 0.0))
        _cond.notify()


def wait_idle(timeout: float) -> bool:
    """Wait until no tally is pending or being sent; False if it took longer."""
    deadline = time.monotonic() + timeout
    with _cond:
        while _due or _busy:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            _cond.wait(min(left, 0.05))
    return True


def _work() -> None:
    while True:
        with _cond:
            if not _due:
                if not _cond.wait(IDLE_SECONDS) and not _due:
                    close_old_connections()
                    connection.close()
                continue
            ballot_id, at = min(_due.items(), key=lambda item: item[1])
            delay = at - time.monotonic()
            if delay > 0:
                _cond.wait(delay)
                continue
            del _due[ballot_id]
            _busy.add(ballot_id)
        retry: float | None = None
        started = time.monotonic()
        try:
            retry = send(ballot_id)
        except Exception:
            log.exception("live tally of ballot %s failed", ballot_id)
        finally:
            with _cond:
                _busy.discard(ballot_id)
                if retry is not None:
                    soon = time.monotonic() + retry
                    _due[ballot_id] = min(_due.get(ballot_id, soon), soon)
                else:  # sent (or nothing to send): the next one in an interval at the soonest
                    _remember_free(ballot_id, started + INTERVAL.total_seconds())
                    if ballot_id in _due:  # nudged while it was being sent
                        _due[ballot_id] = max(_due[ballot_id], _free_at[ballot_id])
                _cond.notify_all()


def _remember_free(ballot_id: int, at: float) -> None:
    if len(_free_at) >= _FREE_AT_MAX:
        _free_at.clear()
    _free_at[ballot_id] = at


# What the tally needs of the ballot, read with the lock.
_TALLY_FIELDS = (
    "id, status, visibility, rule, method, secret, created_at, electorate_heads, electorate_area"
)


@functools.cache  # fixed table names: built once per process, not five times a second
def _claim_sql() -> str:
    """One statement: the ballot row for share (as votes take it, so the close, for update,
    and a tally queue on that row in one order and never deadlock on the stream's head
    further on), the gate claimed if the ballot is open and its interval is over, the gate's
    time before the claim, and the stored votes grouped by choice, counted only if claimed.
    All of it reads one snapshot, so the counts are exactly the votes committed before."""
    ballot, gate = Ballot._meta.db_table, TallyGate._meta.db_table
    counts = " UNION ALL ".join(
        f"SELECT choice, count(*) AS heads, sum(area) AS total FROM {model._meta.db_table} "  # noqa: S608
        f"WHERE ballot_id = (SELECT ballot_id FROM g) AND {'' if secret else 'NOT '}"
        "(SELECT secret FROM b) GROUP BY choice"
        for model, secret in ((Vote, False), (SecretVote, True))
    )
    return (
        f"WITH b AS (SELECT {_TALLY_FIELDS} FROM {ballot} WHERE id = %s FOR SHARE), "  # noqa: S608
        f"g AS (UPDATE {gate} SET sent_at = %s WHERE ballot_id = "
        "(SELECT id FROM b WHERE status = %s) AND sent_at <= %s RETURNING ballot_id), "
        f"c AS ({counts}) "
        f"SELECT b.*, (SELECT sent_at FROM {gate} WHERE ballot_id = b.id) AS gate_at, "
        "EXISTS (SELECT 1 FROM g) AS claimed, c.choice AS counted_choice, "
        "c.heads AS counted_heads, c.total AS counted_total FROM b LEFT JOIN c ON true"
    )


def send(ballot_id: int) -> float | None:
    """Publish the ballot's tally if its gate is free: None when sent (or nothing to send),
    else the seconds to wait before trying again.

    The gate is claimed with the time the tally is read, which is also its event's `at`:
    stored tallies are at least 200 ms apart, and each says as of when it counted."""
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            found = _claim(ballot_id, now)
        else:
            found = _claim_portable(ballot_id, now)
        if found is None:
            return None  # no open ballot: the close event carries the final count
        ballot, gate_at, counted = found
        if counted is None:
            if gate_at is None:
                return None
            return max((gate_at + INTERVAL - now).total_seconds(), 0.0) + 0.001
        realtime.publish(ballot.stream, events.TALLY, dict(payload_of(ballot, counted)), at=now)
    return None


Claimed = tuple[Ballot, dt.datetime | None, tally.Tally | None]


def _claim(ballot_id: int, now: dt.datetime) -> Claimed | None:
    """PostgreSQL: lock, claim and count in one round trip (the ORM's three took ~10 ms of
    CPU on the server's core, five times a second, while votes were queueing for it)."""
    rows = list(Ballot.objects.raw(_claim_sql(), [ballot_id, now, Status.OPEN, now - INTERVAL]))
    if not rows or rows[0].status != Status.OPEN:
        return None
    ballot = rows[0]
    gate_at: dt.datetime | None = _column(ballot, "gate_at")
    if not _column(ballot, "claimed"):
        return ballot, gate_at, None
    names = ("counted_choice", "counted_heads", "counted_total")
    casts = [tuple(_column(row, name) for name in names) for row in rows]
    casts = [cast for cast in casts if cast[0] is not None]  # no vote yet: no group
    return ballot, gate_at, tally_of(ballot, casts)


def _column(row: Ballot, name: str) -> Any:
    """A column of the claim's raw query that is no field of Ballot (raw() sets it)."""
    return getattr(row, name)


def _claim_portable(ballot_id: int, now: dt.datetime) -> Claimed | None:
    """Any other database (SQLite serialises writers anyway): the same steps, one each."""
    ballot = Ballot.objects.filter(pk=ballot_id).first()
    if ballot is None or ballot.status != Status.OPEN:
        return None
    claimed = TallyGate.objects.filter(ballot_id=ballot_id, sent_at__lte=now - INTERVAL).update(
        sent_at=now
    )
    if not claimed:
        gate_at = (
            TallyGate.objects.filter(ballot_id=ballot_id).values_list("sent_at", flat=True).first()
        )
        return ballot, gate_at, None
    return ballot, now, counted_tally(ballot)


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
