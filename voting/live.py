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
import logging
import threading
import time

from django.db import close_old_connections, connection, transaction
from django.db.models import Subquery
from django.utils import timezone

import realtime
from realtime.models import Event
from voting import events, tally
from voting.models import Ballot, Status, TallyGate, Visibility

log = logging.getLogger(__name__)

INTERVAL = dt.timedelta(milliseconds=200)
IDLE_SECONDS = 2.0  # close the thread's database connection after this long with no work

_cond = threading.Condition()
_due: dict[int, float] = {}  # ballot id -> monotonic time to try next
_busy: set[int] = set()
_thread: threading.Thread | None = None


def nudge_on_commit(ballot_id: int) -> None:
    transaction.on_commit(lambda: nudge(ballot_id), robust=True)


def nudge(ballot_id: int) -> None:
    """Ask for the ballot's tally to be sent as soon as its interval allows."""
    global _thread
    with _cond:
        _due.setdefault(ballot_id, time.monotonic())
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_work, name="linli-tally", daemon=True)
            _thread.start()
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
                _cond.notify_all()


# What the tally needs of the ballot, read with the lock: one round trip, not two.
_TALLY_FIELDS = (
    "id, status, visibility, rule, method, secret, created_at, electorate_heads, electorate_area"
)


def send(ballot_id: int) -> float | None:
    """Publish the ballot's tally if its gate is free: None when sent (or nothing to send),
    else the seconds to wait before trying again."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The ballot row first, for share, as votes take it: the close (for update) and
            # a tally then queue on that row in one order and never deadlock on the
            # stream's head further on.
            found = list(
                Ballot.objects.raw(
                    f"SELECT {_TALLY_FIELDS} FROM voting_ballot WHERE id = %s FOR SHARE",  # noqa: S608
                    [ballot_id],
                )
            )
            ballot = found[0] if found else None
        else:
            ballot = Ballot.objects.filter(pk=ballot_id).first()
        if ballot is None or ballot.status != Status.OPEN:
            return None  # the close event carries the final count
        now = timezone.now()
        claimed = TallyGate.objects.filter(ballot_id=ballot_id, sent_at__lte=now - INTERVAL).update(
            sent_at=now
        )
        if not claimed:
            sent_at = (
                TallyGate.objects.filter(ballot_id=ballot_id)
                .values_list("sent_at", flat=True)
                .first()
            )
            if sent_at is None:
                return None
            return max((sent_at + INTERVAL - now).total_seconds(), 0.0) + 0.001
        seq = realtime.publish(ballot.stream, events.TALLY, dict(payload(ballot)))
        # The interval runs from the event's own time (stamped by publish, after the count),
        # so stored events are 200 ms apart however long a count took, and not more.
        TallyGate.objects.filter(ballot_id=ballot_id).update(
            sent_at=Subquery(Event.objects.filter(stream=ballot.stream, seq=seq).values("at")[:1])
        )
    return None


def payload(ballot: Ballot) -> events.TallyPayload:
    from voting.services.common import counted_tally

    counted = counted_tally(ballot)
    data: events.TallyPayload = {
        "participation": {
            "heads": counted.participation.heads,
            "area": str(counted.participation.area),
        },
        "progress": tally.quorum_progress(tally.rule_from_data(ballot.rule), counted),
    }
    if ballot.visibility == Visibility.LIVE:
        data["tally"] = tally.tally_to_data(counted)
    return data
