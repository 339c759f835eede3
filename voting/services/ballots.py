"""A ballot's life: created (a draft), opened (the electorate frozen), closed (the result
certified and put on public notice)."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, ParamSpec, cast

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import realtime
from accounts import access
from accounts.ledger.filters import ADULT_AGE
from accounts.models import Building, Household, User
from accounts.permissions import Perm
from core.cleaning import cleaned, title_and_description
from core.errors import Invalid, NotFound
from moderation.rooms import selectors as room_selectors
from voting import electorate, events, secrecy, tally
from voting.models import (
    Ballot,
    Elector,
    Method,
    Option,
    PaperBallot,
    PaperStatus,
    Scope,
    SecretVote,
    Status,
    TallyGate,
    Visibility,
    VoterUnit,
)
from voting.selectors import counted_tally
from voting.services.common import clean_text, closed_error

P = ParamSpec("P")

TITLE_MAX = 120
DESCRIPTION_MAX = 5000
OPTION_MAX = 120
OPTIONS_MAX = 20
NOTICE_DAYS_MAX = 60
PROXY_LIMIT_MAX = 10
CLOSE_REASON_MAX = 500


def _choice(value: object, allowed: type[Any], code: str) -> str:
    if not isinstance(value, str) or value not in allowed.values:
        raise Invalid(_("Please choose one of the offered values."), code=code)
    return value


def _int(value: object, *, low: int, high: int, code: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Invalid(
            _("Please give a whole number from %(low)s to %(high)s."),
            code=code,
            params={"low": low, "high": high},
        )
    return value


def _options(method: str, labels: Sequence[object]) -> list[tuple[str, str]]:
    """(key, label) pairs: yes / no / abstain, or the given labels keyed "1", "2", ..."""
    if method == Method.YES_NO:
        return [
            (tally.YES, str(_("I agree"))),
            (tally.NO, str(_("I disagree"))),
            (tally.ABSTAIN, str(_("I abstain"))),
        ]
    if not isinstance(labels, list | tuple):
        raise Invalid(_("Please give the options, one per line."), code="invalid_options")
    cleaned = [
        clean_text(
            label,
            limit=OPTION_MAX,
            code="invalid_options",
            required=_("Empty option."),
            multiline=False,
        )
        for label in labels
        if not (isinstance(label, str) and not label.strip())
    ]
    if not 2 <= len(cleaned) <= OPTIONS_MAX or len(set(cleaned)) != len(cleaned):
        raise Invalid(
            _("Please give from 2 to %(limit)s different options."),
            code="invalid_options",
            params={"limit": OPTIONS_MAX},
        )
    return [(str(number), label) for number, label in enumerate(cleaned, start=1)]


def _rule(preset: object, rule: object, voter_unit: str, method: str) -> tuple[str, tally.Rule]:
    if preset == "custom":
        if not isinstance(rule, dict):
            raise Invalid(_("Please set the custom rule."), code="invalid_rule")
        try:
            chosen = tally.rule_from_data(rule)
        except (tally.InvalidRule, KeyError, TypeError, ValueError):
            raise Invalid(_("This rule cannot be applied."), code="invalid_rule") from None
    elif isinstance(preset, str) and preset in tally.PRESETS:
        chosen = tally.PRESETS[preset]
    else:
        raise Invalid(_("Please choose one of the offered rules."), code="invalid_rule")
    key = str(preset)
    if chosen.uses_area and voter_unit == VoterUnit.PERSON:
        raise Invalid(_("A vote of persons cannot be weighed by floor area."), code="invalid_rule")
    if chosen.by_area and method == Method.RANKED:
        raise Invalid(_("Ranked choice is counted by head only."), code="invalid_rule")
    return key, chosen


def _place(
    neighborhood_id: int, scope: str, building_id: object, unit_ids: Iterable[object]
) -> tuple[int | None, list[int]]:
    if scope == Scope.BUILDING:
        building = (
            Building.objects.filter(pk=building_id, neighborhood_id=neighborhood_id).first()
            if isinstance(building_id, int) and not isinstance(building_id, bool)
            else None
        )
        if building is None:
            raise Invalid(_("Please choose a building of this neighborhood."), code="invalid_scope")
        return building.pk, []
    if scope == Scope.UNITS:
        ids = sorted({u for u in unit_ids if isinstance(u, int) and not isinstance(u, bool)})
        found = Household.objects.filter(
            pk__in=ids, building__neighborhood_id=neighborhood_id
        ).count()
        if not ids or found != len(ids) or len(ids) != len(list(unit_ids)):
            raise Invalid(_("Please choose units of this neighborhood."), code="invalid_scope")
        return None, ids
    return None, []


def ballot_create_for_room(
    *, actor: User, room_id: int, title: object, description: object, closes_at: object
) -> Ballot:
    """The vote on a motion of a deliberation room, opened at once. Its one permission is
    chairing that room now (moderation.rooms.selectors.room_chaired_by), whatever the
    chair's role in voting; so it is a ballot of the room's neighborhood by the room's
    rule only: yes / no, one vote per person, more ayes than noes (abstentions not
    counted, a tie failing), counted live, no notice period."""
    room = room_selectors.room_chaired_by(actor, room_id)
    return _create(
        actor=actor,
        neighborhood_id=room.neighborhood_id,
        title=title,
        description=description,
        method=Method.YES_NO,
        voter_unit=VoterUnit.PERSON,
        scope=Scope.NEIGHBORHOOD,
        preset="more_yes",
        visibility=Visibility.LIVE,
        closes_at=closes_at,
        notice_days=0,
        open_now=True,
    )


def _create(
    *,
    actor: User,
    neighborhood_id: int,
    title: object,
    description: object = "",
    matter: object = "custom",
    method: object = Method.YES_NO,
    options: Sequence[object] = (),
    min_choices: object = 1,
    max_choices: object = 1,
    voter_unit: object = VoterUnit.HOUSEHOLD,
    scope: object = Scope.NEIGHBORHOOD,
    building_id: object = None,
    unit_ids: Iterable[object] = (),
    min_age: object = ADULT_AGE,
    secret: object = False,
    visibility: object = None,
    preset: object = "more_yes",
    rule: object = None,
    proxy_limit: object = None,
    notice_days: object = 7,
    closes_at: object = None,
    open_now: bool = False,
) -> Ballot:
    """The ballot's validation and rows (see ballot_create); the caller has checked the
    actor's permission."""
    from voting import matters

    if not isinstance(matter, str) or matter not in matters.MATTERS:
        raise Invalid(_("Please choose one of the offered matters."), code="invalid_matter")
    template = matters.MATTERS[matter]
    if matter != "custom":
        voter_unit, scope, method, preset = (
            template.voter_unit,
            template.scope,
            template.method,
            template.preset,
        )
    clean_title, clean_description = title_and_description(
        title, description, title_max=TITLE_MAX, description_max=DESCRIPTION_MAX
    )
    method = _choice(method, Method, "invalid_method")
    voter_unit = _choice(voter_unit, VoterUnit, "invalid_voter_unit")
    scope = _choice(scope, Scope, "invalid_scope")
    if not isinstance(secret, bool):
        raise Invalid(_("Please say whether the ballot is secret."), code="invalid_secret")
    if visibility is None:
        visibility = Visibility.AFTER_CLOSE if secret else Visibility.LIVE
    visibility = _choice(visibility, Visibility, "invalid_visibility")
    if secret and visibility != Visibility.AFTER_CLOSE:
        raise Invalid(
            _("A secret ballot shows its count only once it has closed."),
            code="invalid_visibility",
        )
    pairs = _options(method, list(options) if isinstance(options, list | tuple) else options)
    low, high = 1, 1
    if method == Method.MULTIPLE:
        high = _int(max_choices, low=1, high=len(pairs), code="invalid_choices")
        low = _int(min_choices, low=1, high=high, code="invalid_choices")
    elif method == Method.RANKED:
        high = len(pairs)
    preset_key, chosen = _rule(preset, rule, voter_unit, method)
    building, units = _place(neighborhood_id, scope, building_id, unit_ids)
    if not isinstance(closes_at, dt.datetime) or timezone.is_naive(closes_at):
        raise Invalid(_("Please give when the ballot closes."), code="invalid_closes_at")
    if closes_at <= timezone.now():
        raise Invalid(_("The closing time has passed already."), code="invalid_closes_at")
    limit = settings.LINLI_PROXY_LIMIT if proxy_limit is None else proxy_limit
    with transaction.atomic():
        ballot = Ballot.objects.create(
            neighborhood_id=neighborhood_id,
            title=clean_title,
            description=clean_description,
            matter=matter,
            legal_basis=str(template.basis) if matter != "custom" else "",
            method=method,
            min_choices=low,
            max_choices=high,
            voter_unit=voter_unit,
            scope=scope,
            building_id=building,
            unit_ids=units,
            min_age=_int(min_age, low=0, high=120, code="invalid_min_age"),
            secret=secret,
            visibility=visibility,
            preset=preset_key,
            rule=tally.rule_to_data(chosen),
            proxy_limit=_int(limit, low=0, high=PROXY_LIMIT_MAX, code="invalid_proxy_limit"),
            notice_days=_int(notice_days, low=0, high=NOTICE_DAYS_MAX, code="invalid_notice_days"),
            closes_at=closes_at,
            created_by=actor,
        )
        Option.objects.bulk_create(
            Option(ballot=ballot, key=key, label=label, position=position)
            for position, (key, label) in enumerate(pairs)
        )
        if open_now:
            _open(ballot)
    return ballot


def _by_staff(create: Callable[P, Ballot]) -> Callable[P, Ballot]:
    """`create` for staff of the ballot's neighborhood: Perm.BALLOT_MANAGE, checked first."""

    @functools.wraps(create)
    def checked(*args: P.args, **kwargs: P.kwargs) -> Ballot:
        actor, neighborhood_id = kwargs["actor"], kwargs["neighborhood_id"]
        access.require(cast(User, actor), Perm.BALLOT_MANAGE, cast(int, neighborhood_id))
        return create(*args, **kwargs)

    checked.__name__ = checked.__qualname__ = "ballot_create"
    checked.__doc__ = BALLOT_CREATE_DOC
    return checked


BALLOT_CREATE_DOC = """A new ballot (a draft, or opened at once), by staff of the neighborhood
(Perm.BALLOT_MANAGE). A matter template other than "custom" decides the voter unit, the
scope kind, the method and the rule, with its legal basis. `visibility` None: after close
for a secret ballot (it shows no count while open, voting/secrecy.py), else live."""
# The staff's create: the same signature as _create, so every call site stays typed.
ballot_create = _by_staff(_create)


def ballot_open(*, actor: User, ballot_id: int) -> Ballot:
    ballot = Ballot.objects.filter(pk=ballot_id).first()
    if ballot is None:
        raise NotFound(_("Not found."))
    access.require(actor, Perm.BALLOT_MANAGE, ballot.neighborhood_id)
    with transaction.atomic():
        ballot = Ballot.objects.select_for_update().get(pk=ballot_id)
        if ballot.status != Status.DRAFT:
            raise Invalid(_("This ballot is open or closed already."), code="ballot_not_draft")
        if ballot.closes_at <= timezone.now():
            raise Invalid(_("The closing time has passed already."), code="invalid_closes_at")
        _open(ballot)
    return ballot


def _open(ballot: Ballot) -> None:
    """Freeze the electorate and open; inside the caller's transaction."""
    rows = electorate.build(ballot)
    if not rows:
        raise Invalid(_("Nobody is in this electorate."), code="empty_electorate")
    minimum = settings.LINLI_SECRET_MIN_ELECTORS
    if ballot.secret and secrecy.too_small(len(rows), minimum):
        raise Invalid(
            _(
                "A secret ballot needs at least %(minimum)s electors; this one has %(heads)s, "
                "so its totals alone could show how they voted. Hold an open ballot instead."
            ),
            code="secret_too_small",
            params={"minimum": minimum, "heads": len(rows)},
        )
    Elector.objects.bulk_create(rows, batch_size=1000)
    now = timezone.now()
    ballot.status = Status.OPEN
    ballot.opened_at = now
    ballot.electorate_heads = len(rows)
    ballot.electorate_area = sum((row.area for row in rows), Decimal(0))
    ballot.save(update_fields=["status", "opened_at", "electorate_heads", "electorate_area"])
    # Far enough back that the first vote's tally goes out at once.
    TallyGate.objects.create(ballot=ballot, sent_at=now - dt.timedelta(seconds=1))
    payload: events.OpenedPayload = {
        "id": ballot.pk,
        "status": Status.OPEN,
        "electorate": {"heads": ballot.electorate_heads, "area": str(ballot.electorate_area)},
    }
    realtime.publish(ballot.stream, events.OPENED, dict(payload))
    realtime.publish(
        f"place.{ballot.neighborhood_id}",
        events.OPENED,
        {"id": ballot.pk, "title": ballot.title, "closes_at": ballot.closes_at.isoformat()},
    )


def ballot_close(*, actor: User | None, ballot_id: int, reason: object = "") -> Ballot:
    """Close now (staff: Perm.BALLOT_MANAGE), or on schedule (actor None), and certify the
    result. Staff closing before the closing time must give a reason (`reason_required`),
    which the record shows; on schedule none is asked."""
    ballot = Ballot.objects.filter(pk=ballot_id).first()
    if ballot is None:
        raise NotFound(_("Not found."))
    if actor is None:
        return _close(ballot_id, on_schedule=True)
    access.require(actor, Perm.BALLOT_MANAGE, ballot.neighborhood_id)
    clean = cleaned(reason)  # one line: the CSV record keeps one row per fact
    if len(clean) > CLOSE_REASON_MAX:
        raise Invalid(
            _("Please keep it to %(limit)s characters."),
            code="too_long",
            params={"limit": CLOSE_REASON_MAX},
        )
    return _close(ballot_id, on_schedule=False, reason=clean)


def ballot_close_for_room(*, actor: User, room_id: int, ballot_id: int) -> Ballot:
    """Close the vote of a deliberation room now, when its chair announces the result. Its
    one permission is chairing the room the ballot was opened for
    (moderation.rooms.selectors.room_ballot_chaired_by). No reason is asked: the room's
    minutes record the chair's call."""
    room_selectors.room_ballot_chaired_by(actor, room_id, ballot_id)
    return _close(ballot_id, on_schedule=False, room=True)


def _close(ballot_id: int, *, on_schedule: bool, reason: str = "", room: bool = False) -> Ballot:
    """Close and certify; the caller has checked the permission.

    The ballot row is locked for update: votes in flight (which hold it for share) commit
    first and are counted; votes after it see the ballot closed and are refused. Whether
    the close is early is decided under that lock, so a reason is asked exactly when the
    closing time has not passed at the moment of closing.
    """
    with transaction.atomic():
        ballot = Ballot.objects.select_for_update().get(pk=ballot_id)
        if ballot.status != Status.OPEN:
            raise closed_error(ballot)
        now = timezone.now()
        early = ballot.closes_at > now
        if on_schedule and early:
            raise Invalid(_("This ballot is not due to close yet."), code="not_due")
        if early and not room and not reason:
            raise Invalid(
                _("Closing before the set time needs a reason, shown in the record."),
                code="reason_required",
            )
        if ballot.secret:
            _unlink_secret_votes(ballot)
        ballot.status = Status.CLOSED
        ballot.closed_at = now
        ballot.notice_until = now + dt.timedelta(days=ballot.notice_days)
        ballot.result = certify(ballot)
        ballot.close_reason = reason if early else ""
        ballot.save(update_fields=["status", "closed_at", "notice_until", "result", "close_reason"])
        payload: events.ClosedPayload = {
            "id": ballot.pk,
            "status": Status.CLOSED,
            "result": ballot.result,
            "notice_until": ballot.notice_until.isoformat(),
        }
        realtime.publish(ballot.stream, events.CLOSED, dict(payload))
    return ballot


def _unlink_secret_votes(ballot: Ballot) -> None:
    """Take out of the database what pairs a secret ballot's choices with its voters, in
    the close's transaction.

    Each choice was written in the same transaction as its voter's participation, so until
    now the two rows share PostgreSQL's transaction id (xmin) and sit in the same order in
    their tables (and in a dump of them): either would pair every voter with their choice.
    Rewritten in a random order, every choice carries the close's transaction id and a
    shuffled place. And a stored live tally that followed one vote, next to that voter's
    participation time, would tell the choice too: the stored tallies keep their turnout
    and lose everything else, counts by option and areas (the close's event carries the
    result). The old row versions are dead from the commit on; see docs/voting.md for
    when they are gone."""
    rows = list(SecretVote.objects.filter(ballot=ballot).values("id", "choice", "area", "receipt"))
    SecretVote.objects.filter(ballot=ballot).delete()
    secrets.SystemRandom().shuffle(rows)
    SecretVote.objects.bulk_create((SecretVote(ballot=ballot, **row) for row in rows), 1000)
    realtime.rewrite(ballot.stream, events.TALLY, secrecy.stored_tally)


def certify(ballot: Ballot) -> dict[str, Any]:
    """The result as certified at close, from the stored votes: what `ballot_verify`
    recomputes and compares. A secret ballot's as voting/secrecy.py publishes it."""
    rule = tally.rule_from_data(ballot.rule)
    counted = counted_tally(ballot)
    outcome = tally.decide(rule, counted)
    pending = PaperBallot.objects.filter(ballot=ballot, status=PaperStatus.PENDING).count()
    paper_area = ballot.participations.filter(channel="paper").aggregate(a=Sum("elector__area"))
    result = {
        "tally": tally.tally_to_data(counted),
        "outcome": tally.outcome_to_data(outcome),
        "progress": tally.quorum_progress(rule, counted),
        "rule": tally.rule_to_data(rule),
        "preset": ballot.preset,
        "paper": {
            "counted": ballot.participations.filter(channel="paper").count(),
            "counted_area": str((paper_area["a"] or Decimal(0)).quantize(Decimal("0.01"))),
            "pending_not_counted": pending,
        },
    }
    return secrecy.closed_result(result, rule) if ballot.secret else result


def ballot_close_if_due(ballot: Ballot) -> Ballot:
    """The ballot, closed first if its closing time has passed, so nobody ever sees an open
    ballot that is past its time (the scheduled `close_ballots` closes them too). Adapters
    call it on the ballot they are about to show; a read never closes anything."""
    if ballot.status != Status.OPEN or ballot.closes_at > timezone.now():
        return ballot
    try:
        return ballot_close(actor=None, ballot_id=ballot.pk)
    except Invalid:  # closed by someone else in the meantime
        return Ballot.objects.get(pk=ballot.pk)


def close_due(now: dt.datetime | None = None) -> list[int]:
    """Close every open ballot whose time is up; the ids closed."""
    moment = now or timezone.now()
    closed: list[int] = []
    due = Ballot.objects.filter(status=Status.OPEN, closes_at__lte=moment).values_list(
        "pk", flat=True
    )
    for ballot_id in list(due):
        try:
            ballot_close(actor=None, ballot_id=ballot_id)
        except Invalid:
            continue  # closed by someone else in the meantime
        closed.append(ballot_id)
    return closed
