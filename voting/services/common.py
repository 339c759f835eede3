"""What the voting services share: text cleaning, the closed error, the open ballot locked,
the choice checked."""

from __future__ import annotations

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.cleaning import required_text
from core.errors import Invalid
from voting import tally
from voting.models import Ballot, Status
from voting.selectors import option_keys
from voting.store import vote_store


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
    racing the close is counted or refused, never half-written (voting/store.py; SQLite
    serialises writers anyway).
    """
    ballot = vote_store().lock_open_row(ballot_id)
    if ballot.status != Status.OPEN or ballot.closes_at <= timezone.now():
        raise (
            closed_error(ballot)
            if ballot.status != Status.OPEN
            else Invalid(_("This ballot is closed."), code="ballot_closed")
        )
    return ballot


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
