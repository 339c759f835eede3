"""What the voting services share: text cleaning, the closed error, the stored tally."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.cleaning import required_text
from core.errors import Invalid
from voting import tally
from voting.models import Ballot, SecretVote, Status, Vote


def clean_text(
    raw: object, *, limit: int, code: str, required: str | Promise, multiline: bool = True
) -> str:
    return required_text(raw, limit=limit, code=code, required=required, multiline=multiline)


def closed_error(ballot: Ballot) -> Invalid:
    if ballot.status == Status.DRAFT:
        return Invalid(_("This ballot is not open yet."), code="ballot_not_open")
    return Invalid(_("This ballot is closed."), code="ballot_closed")


def lock_open(ballot_id: int) -> Ballot:
    """The ballot, held for share until commit, if it is open for votes.

    FOR SHARE lets votes run side by side while the close (FOR UPDATE) waits for those in
    flight and every later vote waits for the close, then sees the ballot closed: a vote
    racing the close is counted or refused, never half-written. (SQLite serialises
    writers anyway.)
    """
    if connection.vendor == "postgresql":
        # One statement: the row, locked (a vote's first of four or five).
        found = list(
            Ballot.objects.raw("SELECT * FROM voting_ballot WHERE id = %s FOR SHARE", [ballot_id])
        )
        if not found:
            raise Ballot.DoesNotExist
        ballot = found[0]
    else:
        ballot = Ballot.objects.get(pk=ballot_id)
    if ballot.status != Status.OPEN or ballot.closes_at <= timezone.now():
        raise (
            closed_error(ballot)
            if ballot.status != Status.OPEN
            else Invalid(_("This ballot is closed."), code="ballot_closed")
        )
    return ballot


_OPTION_KEYS: dict[tuple[int, object], list[str]] = {}
_OPTION_KEYS_MAX = 4096


def option_keys(ballot: Ballot) -> list[str]:
    """The ballot's option keys in order. Options never change once a ballot exists, so
    they are kept per process (keyed with the creation time, which a reused id lacks)."""
    key = (ballot.pk, ballot.created_at)
    keys = _OPTION_KEYS.get(key)
    if keys is None:
        keys = list(ballot.options.order_by("position").values_list("key", flat=True))
        if len(_OPTION_KEYS) >= _OPTION_KEYS_MAX:
            _OPTION_KEYS.clear()
        _OPTION_KEYS[key] = keys
    return keys


def check_choice(ballot: Ballot, choice: object) -> tuple[str, ...]:
    try:
        return tally.check_choice(
            ballot.method,  # type: ignore[arg-type]
            option_keys(ballot),
            choice,
            min_choices=ballot.min_choices,
            max_choices=ballot.max_choices,
        )
    except tally.InvalidChoice:
        raise Invalid(
            _("This choice is not allowed on this ballot."), code="invalid_choice"
        ) from None


CENT = Decimal("0.01")


def counted_tally(ballot: Ballot) -> tally.Tally:
    """The tally of every stored vote (open, secret and confirmed paper ones)."""
    model = SecretVote if ballot.secret else Vote
    # Grouped by choice in the database: a few rows however many voted.
    rows = (
        model.objects.filter(ballot=ballot)
        .values("choice")
        .annotate(heads=Count("pk"), total=Sum("area"))
        .order_by()
        .values_list("choice", "heads", "total")
    )
    return tally_of(ballot, list(rows))


def tally_of(ballot: Ballot, rows: list[tuple[Any, Any, Any]]) -> tally.Tally:
    """The tally from stored votes grouped by choice: (choice, heads, summed area) rows,
    the choice as stored (a list, or its JSON text from a raw query)."""
    # SQLite sums decimals as floats: back to the field's two places, as stored.
    casts = [
        tally.Cast(
            tuple(json.loads(choice) if isinstance(choice, str) else choice),
            Decimal(str(total or 0)).quantize(CENT),
            int(heads),
        )
        for choice, heads, total in rows
    ]
    return tally.tally(
        ballot.method,  # type: ignore[arg-type]
        option_keys(ballot),
        casts,
        tally.Count(ballot.electorate_heads, Decimal(ballot.electorate_area)),
    )
