"""python manage.py ballot_verify <id>: recompute a closed ballot's result from its stored
votes and compare it with the result certified at close (Ballot.result).

The recount reads the rows itself and calls the pure rules (voting.tally) directly, not the
code that certified the result, so a fault there or a row changed afterwards shows up as
a MISMATCH. Exit status 0 on a match; non-zero on a mismatch, or if the ballot does not
exist or is not closed.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Sum

from core.converters import MAX_ID
from voting import secrecy, tally
from voting.models import Ballot, Elector, Participation, SecretVote, Status, Vote

# The parts of Ballot.result that the stored votes determine.
COMPARED = ("tally", "outcome")


class Recount:
    """The result recomputed from the rows, and the discrepancies found on the way."""

    def __init__(self, ballot: Ballot) -> None:
        self.problems: list[str] = []
        self.result = self._recount(ballot)

    def _casts(self, ballot: Ballot) -> list[tally.Cast]:
        model = SecretVote if ballot.secret else Vote
        casts = []
        for choice, area in model.objects.filter(ballot=ballot).values_list("choice", "area"):
            if not isinstance(choice, list) or not all(isinstance(key, str) for key in choice):
                self.problems.append(f"a stored vote's choice is malformed: {choice!r}")
                continue
            casts.append(tally.Cast(tuple(choice), Decimal(area)))
        return casts

    def _recount(self, ballot: Ballot) -> dict[str, Any]:
        electors = Elector.objects.filter(ballot=ballot).aggregate(
            heads=Count("pk"), area=Sum("area")
        )
        area = Decimal(electors["area"] or 0)
        if (electors["heads"], area) != (ballot.electorate_heads, ballot.electorate_area):
            self.problems.append(
                f"the electorate rows ({electors['heads']}, {area}) differ from the "
                f"ballot's totals ({ballot.electorate_heads}, {ballot.electorate_area})"
            )
        casts = self._casts(ballot)
        participations = Participation.objects.filter(ballot=ballot).count()
        stored = (SecretVote if ballot.secret else Vote).objects.filter(ballot=ballot).count()
        if participations != stored:
            self.problems.append(f"{participations} participations but {stored} stored votes")
        keys = list(ballot.options.order_by("position").values_list("key", flat=True))
        electorate = tally.Count(ballot.electorate_heads, Decimal(ballot.electorate_area))
        method: Any = ballot.method
        try:
            counted = tally.tally(method, keys, casts, electorate)
            rule = tally.rule_from_data(ballot.rule)
            outcome = tally.decide(rule, counted)
        except tally.InvalidChoice:
            self.problems.append("a stored vote names an option the ballot does not have")
            return {}
        except (tally.InvalidRule, KeyError, TypeError, ValueError) as exc:
            self.problems.append(f"the ballot's rule cannot be applied: {exc}")
            return {}
        counts = tally.tally_to_data(counted)
        if ballot.secret:  # published without what the rule does not count (secrecy.py)
            counts = secrecy.closed_tally(counts, rule)
        return {"tally": counts, "outcome": tally.outcome_to_data(outcome)}


def _normal(data: Any) -> Any:
    """JSON as stored (a JSONField round trip), so both sides compare alike."""
    return json.loads(json.dumps(data, default=str))


class Command(BaseCommand):
    help = "Recompute a closed ballot's result from its stored votes and compare."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ballot_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        ballot_id = options["ballot_id"]
        ballot = Ballot.objects.filter(pk=ballot_id).first() if 0 < ballot_id <= MAX_ID else None
        if ballot is None:
            raise CommandError(f"no ballot {ballot_id}")
        if ballot.status != Status.CLOSED or ballot.result is None:
            raise CommandError(f"ballot {ballot_id} is not closed ({ballot.status})")
        published = {key: ballot.result.get(key) for key in COMPARED}
        recount = Recount(ballot)
        recomputed = _normal(recount.result)
        self.stdout.write(f"ballot {ballot.pk}: {ballot.title}")
        self.stdout.write("published:")
        self.stdout.write(json.dumps(published, ensure_ascii=False, indent=2, sort_keys=True))
        self.stdout.write("recomputed:")
        self.stdout.write(json.dumps(recomputed, ensure_ascii=False, indent=2, sort_keys=True))
        for problem in recount.problems:
            self.stdout.write(f"problem: {problem}")
        differing = [key for key in COMPARED if published[key] != recomputed.get(key)]
        if differing or recount.problems:
            self.stdout.write("MISMATCH" + (f" in {', '.join(differing)}" if differing else ""))
            raise CommandError("MISMATCH")
        self.stdout.write("match")
