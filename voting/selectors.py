"""The reads of voting: who may see a ballot, what its page and API show, the record, the
count of the stored votes. A read writes nothing: a ballot past its time is closed by the
service `ballot_close_if_due`, which the adapters call before they show it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.models import User
from accounts.permissions import Perm
from core import text
from core.cache import BoundedCache
from core.errors import NotFound
from realtime.selectors import stream_head
from voting import secrecy, tally
from voting.models import (
    Ballot,
    Elector,
    Objection,
    PaperBallot,
    PaperStatus,
    Participation,
    SecretVote,
    Status,
    Visibility,
    Vote,
)
from voting.slots import Slot, slots

ELECTORS_PER_PAGE = 50


def may_see(user: User, ballot: Ballot) -> bool:
    """The one rule of who may see a ballot, for its page, the API and its stream: a draft,
    those who may manage the neighborhood's ballots; an open or closed ballot, the members
    of its neighborhood and its electors (an owner who lives elsewhere is no member of the
    neighborhood but votes in its owners' ballots)."""
    if ballot.status == Status.DRAFT:
        return access.is_member(user, ballot.neighborhood_id) and access.may(
            user, Perm.BALLOT_MANAGE, ballot.neighborhood_id
        )
    if access.is_member(user, ballot.neighborhood_id):
        return True
    return bool(slots(user, ballot))


def ballot_for_viewer(user: User, ballot_id: int) -> Ballot:
    ballot = Ballot.objects.select_related("neighborhood", "building").filter(pk=ballot_id).first()
    if ballot is None or not may_see(user, ballot):
        raise NotFound(_("Not found."))
    return ballot


def ballots_for(user: User, neighborhood_id: int) -> list[Ballot]:
    """Open ballots first (soonest closing), then closed ones (newest); drafts for staff."""
    if not access.is_member(user, neighborhood_id):
        raise NotFound(_("Not found."))
    ballots: QuerySet[Ballot] = Ballot.objects.filter(neighborhood_id=neighborhood_id)
    if not access.may(user, Perm.BALLOT_MANAGE, neighborhood_id):
        ballots = ballots.exclude(status=Status.DRAFT)
    order = Case(
        When(status=Status.OPEN, then=Value(0)),
        When(status=Status.DRAFT, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return list(ballots.annotate(order=order).order_by("order", "-closes_at", "-pk")[:200])


def voter_slots(user: User, ballot: Ballot) -> list[Slot]:
    return slots(user, ballot)


def tally_visible(user: User, ballot: Ballot) -> bool:
    """Whether this user may see the counts now (participation is always shown). A secret
    ballot's, only once it has closed (voting/secrecy.py)."""
    if ballot.status == Status.CLOSED:
        return True
    if ballot.status != Status.OPEN or ballot.secret:
        return False
    if ballot.visibility == Visibility.LIVE:
        return True
    if ballot.visibility == Visibility.AFTER_VOTE:
        return any(slot.voted for slot in slots(user, ballot))
    return False


_OPTION_KEYS: BoundedCache[tuple[int, object], list[str]] = BoundedCache(4096)


def option_keys(ballot: Ballot) -> list[str]:
    """The ballot's option keys in order. Options never change once a ballot exists, so
    they are kept per process (keyed with the creation time, which a reused id lacks)."""
    return _OPTION_KEYS.get_or_make(
        (ballot.pk, ballot.created_at),
        lambda: list(ballot.options.order_by("position").values_list("key", flat=True)),
    )


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


def current_tally(ballot: Ballot) -> tally.Tally:
    return counted_tally(ballot)


def _slot_data(slot: Slot) -> dict[str, Any]:
    return {
        "elector": slot.elector.pk,
        "label": slot.elector.label,
        "own": slot.own,
        "proxy": slot.proxy.pk if slot.proxy else None,
        "voted": slot.voted,
        "choice": slot.choice,
        "delegated_to": (
            {"id": slot.delegated.pk, "name": slot.delegated.delegate.public_name}
            if slot.delegated
            else None
        ),
    }


def snapshot(user: User, ballot: Ballot) -> dict[str, Any]:
    """The ballot as its page and the API show it to this user, with the stream's seq."""
    seq = stream_head(ballot.stream)  # read first: events after it are replayed live
    rule = tally.rule_from_data(ballot.rule)
    counted = counted_tally(ballot) if ballot.status != Status.DRAFT else None
    mine = slots(user, ballot) if ballot.status == Status.OPEN else []
    visible = tally_visible(user, ballot)
    data: dict[str, Any] = {
        "id": ballot.pk,
        "seq": seq,
        "stream": ballot.stream,
        "neighborhood": ballot.neighborhood_id,
        "title": ballot.title,
        "description": ballot.description,
        "matter": ballot.matter,
        "legal_basis": ballot.legal_basis,
        "method": ballot.method,
        "min_choices": ballot.min_choices,
        "max_choices": ballot.max_choices,
        "options": [{"key": option.key, "label": option.label} for option in ballot.options.all()],
        "voter_unit": ballot.voter_unit,
        "scope": ballot.scope,
        "building": ballot.building.name if ballot.building else None,
        "min_age": ballot.min_age,
        "secret": ballot.secret,
        "visibility": ballot.visibility,
        "preset": ballot.preset,
        "rule": ballot.rule,
        "status": ballot.status,
        "opened_at": ballot.opened_at.isoformat() if ballot.opened_at else None,
        "closes_at": ballot.closes_at.isoformat(),
        "closed_at": ballot.closed_at.isoformat() if ballot.closed_at else None,
        "electorate": {"heads": ballot.electorate_heads, "area": str(ballot.electorate_area)},
        **_counts(ballot, rule, counted, visible),
        "slots": [_slot_data(slot) for slot in mine],
        "result": ballot.result,
        "notice_until": ballot.notice_until.isoformat() if ballot.notice_until else None,
        "on_notice": bool(ballot.notice_until and timezone.now() <= ballot.notice_until),
        "proxy_limit": ballot.proxy_limit,
    }
    return data


def _counts(
    ballot: Ballot, rule: tally.Rule, counted: tally.Tally | None, visible: bool
) -> dict[str, Any]:
    """Participation, progress and (if visible) the tally: a secret ballot's as
    voting/secrecy.py publishes them."""
    if counted is None:
        return {"participation": None, "progress": None, "tally": None}
    participation = tally.count_to_data(counted.participation)
    progress = tally.quorum_progress(rule, counted)
    shown = tally.tally_to_data(counted) if visible else None
    if ballot.secret and ballot.status == Status.CLOSED:
        participation = secrecy.closed_participation(participation, rule)
        progress = secrecy.closed_progress(progress, rule)
        shown = secrecy.closed_tally(shown, rule) if shown is not None else None
    elif ballot.secret:
        participation = secrecy.open_participation(participation)
        progress = secrecy.open_progress(progress)
        shown = None
    return {"participation": participation, "progress": progress, "tally": shown}


def receipts(ballot: Ballot) -> list[str]:
    """Every receipt of a closed secret ballot, sorted (not in the order cast)."""
    if not ballot.secret or ballot.status != Status.CLOSED:
        return []
    return sorted(SecretVote.objects.filter(ballot=ballot).values_list("receipt", flat=True))


def open_votes(ballot: Ballot) -> list[dict[str, Any]]:
    """Who voted how, for an open ballot after close: the elector's label (masked names,
    addresses), the channel and the final choice. Never for a secret ballot."""
    if ballot.secret or ballot.status != Status.CLOSED:
        return []
    rows = (
        Vote.objects.filter(ballot=ballot)
        .select_related("elector", "elector__participation")
        .order_by("elector__label")
    )
    return [
        {
            "elector": row.elector.label,
            "choice": row.choice,
            "channel": row.elector.participation.channel,
            "area": str(row.area),
        }
        for row in rows
    ]


def result_data(ballot: Ballot) -> dict[str, Any]:
    """The certified record of a closed ballot: what the printable page and the CSV show."""
    if ballot.status != Status.CLOSED or ballot.result is None:
        raise NotFound(_("This ballot has no result yet."), code="no_result")
    return {
        "id": ballot.pk,
        "title": ballot.title,
        "neighborhood": ballot.neighborhood.name,
        "matter": ballot.matter,
        "legal_basis": ballot.legal_basis,
        "method": ballot.method,
        "voter_unit": ballot.voter_unit,
        "scope": ballot.scope,
        "building": ballot.building.name if ballot.building else None,
        "secret": ballot.secret,
        "options": [{"key": o.key, "label": o.label} for o in ballot.options.all()],
        "opened_at": ballot.opened_at.isoformat() if ballot.opened_at else None,
        "closes_at": ballot.closes_at.isoformat(),
        "closed_at": ballot.closed_at.isoformat() if ballot.closed_at else None,
        "close_reason": ballot.close_reason,
        "notice_until": ballot.notice_until.isoformat() if ballot.notice_until else None,
        "electorate": {"heads": ballot.electorate_heads, "area": str(ballot.electorate_area)},
        **ballot.result,
        "receipts": receipts(ballot),
        "votes": open_votes(ballot),
        "objections": Objection.objects.filter(ballot=ballot).count(),
    }


@dataclass(frozen=True)
class ElectorRow:
    elector: Elector
    channel: str | None  # "online" / "paper" once voted
    paper_pending: bool


def electors_page(
    actor: User, ballot: Ballot, query: str = "", page: int = 1
) -> tuple[list[ElectorRow], Any]:
    """Staff: the electors (labels are masked) with whether and how each voted, for the
    door-to-door paper round. (rows, paginator page)."""
    access.require(actor, Perm.BALLOT_MANAGE, ballot.neighborhood_id)
    electors = Elector.objects.filter(ballot=ballot).order_by("label")
    if query.strip():
        electors = electors.filter(label__icontains=query.strip()[:50])
    paginator = Paginator(electors, ELECTORS_PER_PAGE)
    current = paginator.get_page(page)
    ids = [e.pk for e in current.object_list]
    voted = dict(
        Participation.objects.filter(elector_id__in=ids).values_list("elector_id", "channel")
    )
    pending = set(
        PaperBallot.objects.filter(elector_id__in=ids, status=PaperStatus.PENDING).values_list(
            "elector_id", flat=True
        )
    )
    rows = [ElectorRow(e, voted.get(e.pk), e.pk in pending) for e in current.object_list]
    return rows, current


def paper_queue(actor: User, ballot: Ballot) -> list[PaperBallot]:
    """Paper ballots waiting for their second check, oldest first."""
    access.require(actor, Perm.BALLOT_MANAGE, ballot.neighborhood_id)
    return list(
        PaperBallot.objects.filter(ballot=ballot, status=PaperStatus.PENDING)
        .select_related("elector", "entered_by")
        .order_by("entered_at")
    )


def objections(user: User, ballot: Ballot) -> list[Objection]:
    """Every objection with its answer; whoever may see the ballot sees them all (公示 is
    public: an owner who lives elsewhere too), the objector's name as neighbors see it."""
    if not may_see(user, ballot):
        raise NotFound(_("Not found."))
    return list(
        Objection.objects.filter(ballot=ballot)
        .select_related("user", "answered_by")
        .order_by("created_at")
    )


def delegate_named(login: object) -> int | None:
    """The active account a proxy form names by its login name, or None."""
    try:
        name = text.clean(login)[:150] if isinstance(login, str) else ""
    except text.TextRefused:  # no login name holds a control character
        return None
    if not name:
        return None
    return User.objects.filter(username=name, is_active=True).values_list("pk", flat=True).first()


def objection_of(ballot: Ballot, objection_id: int) -> bool:
    """Whether the objection belongs to this ballot (the URL names both)."""
    return Objection.objects.filter(pk=objection_id, ballot=ballot).exists()


def paper_of(ballot: Ballot, paper_id: int) -> bool:
    """Whether the paper ballot belongs to this ballot (the URL names both)."""
    return PaperBallot.objects.filter(pk=paper_id, ballot=ballot).exists()
