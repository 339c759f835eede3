"""Writes of door visits (上门走访): assigning households to a visitor, revealing the list's
phones to the person who knocks, recording what each visit found.

Why every visit is its own row rather than one row per household updated in place: a door
is often knocked on more than once (not home on Monday, informed on Wednesday), and two
visitors may record the same household at the same moment; with a row per visit neither
write is lost, the latest visit says where the household stands, and the earlier ones are
the record of the effort made. A household informed at the door counts as reached
(accounts.outreach.selectors.outreach_counts), and every visit publishes fresh
`outreach.counts` to the outreach page after commit.

Who may do what (accounts.outreach.visits_selectors.visit_access):
- staff of the neighborhood (outreach.send) assign, and record a visit to any household;
- the assigned visitor (a staff member or volunteer with a role at the neighborhood)
  records visits to the households assigned to them;
- phones are revealed only to the secretary (for the whole list) and to an assigned
  visitor (for their households), and each reveal of the list writes one DataAccess row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import realtime
from accounts.models import (
    AccessKind,
    Building,
    DataAccess,
    DoorVisit,
    Outreach,
    OutreachHousehold,
    User,
    VisitAssignment,
    VisitOutcome,
)
from accounts.models.outreach import NOTE_MAX
from accounts.outreach import events, selectors, visits_selectors
from core.cleaning import cleaned
from core.errors import Forbidden, Invalid


def _not_in_outreach() -> Invalid:
    return Invalid(
        _("This household is not on this outreach's list; nothing was recorded."),
        code="not_in_outreach",
    )


def _lock_outreach(outreach_id: int) -> None:
    """Every writer of an outreach's counts locks its row first (as the notification
    services do), so each outreach.counts event is computed after the previous commit."""
    Outreach.objects.select_for_update().filter(pk=outreach_id).values_list("pk").first()


def _publish_counts(outreach: Outreach) -> None:
    counts = selectors.outreach_counts(outreach)
    realtime.publish(events.outreach_stream(outreach.pk), events.COUNTS, dict(counts))


# Assigning -------------------------------------------------------------------------------


def door_visit_assign(
    *,
    actor: User,
    outreach_id: int,
    visitor_id: int | None,
    household_ids: list[int] | None = None,
    building_id: int | None = None,
) -> int:
    """Assign households of the door-visit list to a visitor (None: take them back).

    The households are the given ones, or those of one building, or (neither given) the
    whole list. The visitor must hold a role at the outreach's neighborhood. Returns how
    many households changed hands."""
    outreach = selectors.outreach_for_staff(actor=actor, outreach_id=outreach_id)
    visitor: User | None = None
    if visitor_id is not None:
        visitor = (
            visits_selectors.visitors_of(outreach.neighborhood_id).filter(pk=visitor_id).first()
        )
        if visitor is None:
            raise Invalid(
                _("Choose a visitor among the people with a role in this neighborhood."),
                code="invalid_visitor",
            )
    listed = OutreachHousehold.objects.filter(outreach=outreach, member_count=0)
    if household_ids is not None:
        wanted = set(household_ids)
        if not wanted:
            raise _not_in_outreach()
        listed = listed.filter(household_id__in=wanted)
        if listed.count() != len(wanted):
            raise _not_in_outreach()
    if building_id is not None:
        if not Building.objects.filter(
            pk=building_id, neighborhood_id=outreach.neighborhood_id
        ).exists():
            raise Invalid(_("This building is not in this neighborhood."), code="invalid_building")
        listed = listed.filter(household__building_id=building_id)
    house_ids = list(listed.order_by("household_id").values_list("household_id", flat=True))
    now = timezone.now()
    with transaction.atomic():
        if visitor is None:
            removed, _rows = VisitAssignment.objects.filter(
                outreach=outreach, household_id__in=house_ids
            ).delete()
            return removed
        # One statement for a whole list, whoever held each household before.
        VisitAssignment.objects.bulk_create(
            [
                VisitAssignment(
                    outreach=outreach,
                    household_id=house_id,
                    visitor=visitor,
                    assigned_by=actor,
                    assigned_at=now,
                )
                for house_id in house_ids
            ],
            update_conflicts=True,
            unique_fields=["outreach", "household"],
            update_fields=["visitor", "assigned_by", "assigned_at"],
        )
        return len(house_ids)


# Revealing the list's phones ------------------------------------------------------------


@dataclass(frozen=True)
class Revealed:
    households: int
    phones: int


def door_visit_reveal(*, actor: User, outreach_id: int) -> Revealed:
    """Show the phones of the door-visit list to the person who will call or knock: the
    secretary sees them for the whole list, an assigned visitor for their households.
    One audit row per reveal, with who, when, which outreach and how many; the phones
    then show for visits_selectors.REVEAL_FOR (one round of visits)."""
    outreach, scope = visits_selectors.visit_access(actor=actor, outreach_id=outreach_id)
    if not scope.may_reveal:
        raise Forbidden(
            _("Only the assigned visitor or the secretary may see these phones."),
            code="not_assigned",
        )
    households, phones = visits_selectors.phones_in_scope(outreach, scope)
    with transaction.atomic():
        DataAccess.objects.create(
            neighborhood_id=outreach.neighborhood_id,
            actor=actor,
            at=timezone.now(),
            kind=AccessKind.REVEAL,
            field=visits_selectors.REVEAL_FIELD,
            reason=f"door visits: {outreach.title}"[:200],
            detail={"outreach": outreach.pk, "households": households, "phones": phones},
        )
    return Revealed(households=households, phones=phones)


# Recording a visit ------------------------------------------------------------------------


def _date(value: object, *, code: str, message: object) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise Invalid(message, code=code)  # type: ignore[arg-type]


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in {"1", "true", "yes", "on"}


def door_visit_record(
    *,
    actor: User,
    outreach_id: int,
    household_id: int,
    visited_on: object,
    outcome: object,
    note: object = "",
    follow_up: object = False,
    follow_up_on: object = None,
    today: dt.date | None = None,
) -> DoorVisit:
    """Record one visit to a household of the outreach's list. Staff of the neighborhood
    may record any household of it, the assigned visitor their own; the visitor of the
    row is the household's assigned visitor when there is one."""
    outreach, scope = visits_selectors.visit_access(actor=actor, outreach_id=outreach_id)
    today = today or timezone.localdate()
    row = OutreachHousehold.objects.filter(outreach=outreach, household_id=household_id).first()
    if row is None:
        raise _not_in_outreach()
    if not scope.all_households and household_id not in scope.household_ids:
        raise Forbidden(_("This household is assigned to another visitor."), code="not_assigned")
    day = _date(visited_on, code="invalid_date", message=_("Please give the date of the visit."))
    sent_on = timezone.localtime(outreach.created_at).date()
    if day is None or day > today or day < sent_on:
        raise Invalid(
            _("The visit date must be between the day the notice was sent and today."),
            code="invalid_date",
        )
    if outcome not in VisitOutcome.values:
        raise Invalid(_("Please choose what the visit found."), code="invalid_outcome")
    text = cleaned(note, multiline=True)
    if len(text) > NOTE_MAX:
        raise Invalid(
            _("Please keep it to %(limit)s characters."),
            code="too_long",
            params={"limit": NOTE_MAX},
        )
    again = _date(
        follow_up_on, code="invalid_follow_up", message=_("The follow-up date is not a date.")
    )
    wants_follow_up = _flag(follow_up) or again is not None
    if again is not None and again < day:
        raise Invalid(_("The follow-up date cannot be before the visit."), code="invalid_follow_up")
    with transaction.atomic():
        _lock_outreach(outreach.pk)
        assigned = (
            VisitAssignment.objects.filter(outreach=outreach, household_id=household_id)
            .values_list("visitor_id", flat=True)
            .first()
        )
        visit = DoorVisit.objects.create(
            outreach=outreach,
            household_id=household_id,
            visitor_id=assigned or actor.pk,
            visited_on=day,
            outcome=str(outcome),
            note=text,
            follow_up=wants_follow_up,
            follow_up_on=again,
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        _publish_counts(outreach)
    return visit
