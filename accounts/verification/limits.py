"""How many wrong attempts to verify are allowed. Pure: the attempt log in, a verdict out.

Per user at most 5 failures in 24 hours; per household 10 failures in 24 hours, counting the
attempts where a code of that household matched but the name did not (someone guessing the
names of a household whose letter they hold). The window slides: an attempt is allowed
again once the oldest failures that filled it are 24 hours old.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from core.limits import blocked_until

WINDOW = dt.timedelta(hours=24)
USER_FAILURES = 5
HOUSEHOLD_FAILURES = 10

# Outcomes (values of AttemptOutcome) that count against the user who made them.
USER_FAILURE_OUTCOMES = frozenset(
    {"bad_code", "code_expired", "code_spent", "name_mismatch", "ambiguous", "invalid"}
)
# Outcomes that count against the household whose code was used.
HOUSEHOLD_FAILURE_OUTCOMES = frozenset({"name_mismatch"})


@dataclass(frozen=True)
class Locked:
    scope: str  # "user" or "household"
    until: dt.datetime


def _locked_until(
    failures: Iterable[dt.datetime], limit: int, now: dt.datetime
) -> dt.datetime | None:
    return blocked_until(failures, limit=limit, window=WINDOW, now=now)


def check(
    *,
    user_failures: Iterable[dt.datetime],
    household_failures: Iterable[dt.datetime] = (),
    now: dt.datetime,
) -> Locked | None:
    """None if another attempt is allowed now, else who is locked and until when."""
    until = _locked_until(user_failures, USER_FAILURES, now)
    if until is not None:
        return Locked("user", until)
    until = _locked_until(household_failures, HOUSEHOLD_FAILURES, now)
    if until is not None:
        return Locked("household", until)
    return None


def window_start(now: dt.datetime) -> dt.datetime:
    """The oldest attempt time that can still matter: read no further back than this."""
    return now - WINDOW
