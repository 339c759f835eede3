"""Reads of outreach: the staff's views (counts, the door-visit list, segments). Each costs
a fixed number of queries. The member's inbox: accounts/notifications/selectors.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import access, identity, models
from accounts.ledger import filters as ledger_filters
from accounts.ledger import query
from accounts.ledger import selectors as ledger_selectors
from accounts.models import (
    Notification,
    Outreach,
    OutreachHousehold,
    Residency,
    Resident,
    ResidentTag,
    Segment,
    Tenure,
    User,
    VisitOutcome,
)
from accounts.outreach.events import OutreachCounts
from accounts.permissions import Perm
from core.errors import Invalid, NotFound


def parse_filters(params: ledger_filters.Params) -> ledger_filters.LedgerFilter:
    """Ledger filter parameters to a filter, or Invalid with code invalid_filter.

    A QueryDict keeps every value of a repeated parameter (two tags, several buildings):
    its .get() would answer with the last one only and widen the selection."""
    lists = ledger_selectors.params_of(params)
    bad = ledger_selectors.nul_field(lists)
    if bad is not None:
        raise Invalid(
            _("The selection is not valid (%(field)s: %(problem)s)."),
            code="invalid_filter",
            params={"field": bad, "problem": "unknown_value"},
        )
    try:
        return ledger_filters.parse(lists, known_tags=ResidentTag.values, tenures=Tenure.values)
    except ledger_filters.FilterError as exc:
        raise Invalid(
            _("The selection is not valid (%(field)s: %(problem)s)."),
            code="invalid_filter",
            params={"field": exc.field, "problem": exc.problem},
        ) from exc


def outreach_for_staff(*, actor: User, outreach_id: int) -> Outreach:
    """An outreach the actor may follow; missing and foreign look alike."""
    found = (
        Outreach.objects.select_related("neighborhood", "segment").filter(pk=outreach_id).first()
    )
    if found is None:
        raise NotFound(_("Not found."))
    access.require(actor, Perm.OUTREACH_SEND, found.neighborhood_id)
    return found


def outreaches_of(*, actor: User, neighborhood_id: int) -> list[Outreach]:
    """The latest outreach with `reached_count`, as outreach_counts counts it (notified
    online, or informed at the door). Two queries."""
    access.require(actor, Perm.OUTREACH_SEND, neighborhood_id)
    found: list[Outreach] = list(
        Outreach.objects.filter(neighborhood_id=neighborhood_id)
        .select_related("segment")
        .annotate(
            reached_count=Count("households", filter=Q(households__member_count__gt=0)),
        )
        .order_by("-created_at", "-pk")[:200]
    )
    at_the_door = dict(
        OutreachHousehold.objects.filter(outreach__in=[o.pk for o in found], member_count=0)
        .filter(
            Exists(
                models.DoorVisit.objects.filter(
                    outreach_id=OuterRef("outreach_id"),
                    household_id=OuterRef("household_id"),
                    outcome=VisitOutcome.INFORMED,
                )
            )
        )
        .values("outreach_id")
        .annotate(informed=Count("pk"))
        .values_list("outreach_id", "informed")
    )
    for outreach in found:
        outreach.reached_count += at_the_door.get(outreach.pk, 0)  # type: ignore[attr-defined]
    return found


def segments_of(*, actor: User, neighborhood_id: int) -> list[Segment]:
    access.require(actor, Perm.OUTREACH_SEND, neighborhood_id)
    return list(Segment.objects.filter(neighborhood_id=neighborhood_id).order_by("name"))


def segment_for_staff(*, actor: User, segment_id: int) -> Segment:
    found = Segment.objects.filter(pk=segment_id).first()
    if found is None:
        raise NotFound(_("Not found."))
    access.require(actor, Perm.OUTREACH_SEND, found.neighborhood_id)
    return found


@dataclass(frozen=True)
class Preview:
    households: int
    without_account: int  # matching households with no verified member: door visits
    members: int = 0  # verified members of the matching households: who gets the notice


def preview(
    *, actor: User, neighborhood_id: int, spec: ledger_filters.LedgerFilter, today: dt.date
) -> Preview:
    """How many households a selection reaches, and how many of them have no account."""
    access.require(actor, Perm.OUTREACH_SEND, neighborhood_id)
    found = query.households(neighborhood_id, spec, today).aggregate(
        total=Count("pk", distinct=True),
        silent=Count(
            "pk",
            distinct=True,
            filter=~Q(pk__in=_households_with_members(neighborhood_id)),
        ),
    )
    # one more query: the members the send would notify (as notify_outreach_members does)
    members = Residency.objects.filter(
        ended_at__isnull=True,
        user__is_active=True,
        household__in=query.households(neighborhood_id, spec, today).values("pk"),
    ).count()
    return Preview(households=found["total"], without_account=found["silent"], members=members)


def _households_with_members(neighborhood_id: int) -> Any:
    return Residency.objects.filter(
        ended_at__isnull=True,
        user__is_active=True,
        household__building__neighborhood_id=neighborhood_id,
    ).values("household_id")


def outreach_counts(outreach: Outreach) -> OutreachCounts:
    """Reach of one outreach, in two queries. A household is reached when a verified member
    was notified or when a door visit informed it (accounts/outreach/visits.py)."""
    informed = models.DoorVisit.objects.filter(
        outreach=outreach, outcome=VisitOutcome.INFORMED
    ).values("household_id")
    houses = OutreachHousehold.objects.filter(outreach=outreach).aggregate(
        total=Count("pk"),
        reached=Count("pk", filter=Q(member_count__gt=0) | Q(household_id__in=informed)),
    )
    notes = Notification.objects.filter(outreach=outreach).aggregate(
        members=Count("pk"),
        members_acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
        published=Count("pk", filter=Q(published_at__isnull=False)),
        read=Count("household_id", distinct=True, filter=Q(read_at__isnull=False)),
        acknowledged=Count("household_id", distinct=True, filter=Q(acknowledged_at__isnull=False)),
    )
    return {
        "households": houses["total"],
        "reached": houses["reached"],
        "read": notes["read"],
        "acknowledged": notes["acknowledged"],
        "not_reached": houses["total"] - houses["reached"],
        "members": notes["members"],
        "members_acknowledged": notes["members_acknowledged"],
        "published": notes["published"],
    }


@dataclass(frozen=True)
class VisitResident:
    name: str  # the real name: the visit is to a person
    phone: str  # masked


@dataclass
class DoorVisit:
    household_id: int
    address: str
    residents: list[VisitResident] = field(default_factory=list)

    @property
    def address_parts(self) -> tuple[str, str]:
        """("1号楼", "1单元101室"): a narrow column breaks the address between the two,
        not inside a number."""
        for cut in ("号楼", "幢", "栋"):
            head, found, tail = self.address.partition(cut)
            if found and tail:
                return head + found, tail
        return self.address, ""


def door_visits(outreach: Outreach) -> list[DoorVisit]:
    """The matching households that had no verified account when the notice went out (the
    silent minority), by address, each with its residents who match the selection (real
    names, phones masked). Two queries; the caller checked the actor (outreach_for_staff)."""
    rows = list(
        OutreachHousehold.objects.filter(outreach=outreach, member_count=0)
        .select_related("household__building")
        .order_by(*ledger_selectors.address_order("household__"))
    )
    visits = {
        row.household_id: DoorVisit(household_id=row.household_id, address=row.household.address)
        for row in rows
    }
    try:
        spec = parse_filters(outreach.filters)
    except Invalid:
        spec = ledger_filters.LedgerFilter()
    sent_on = timezone.localtime(outreach.created_at).date()
    people: QuerySet[Resident] = (
        query.residents(outreach.neighborhood_id, spec, sent_on)
        .filter(
            household_id__in=OutreachHousehold.objects.filter(
                outreach=outreach, member_count=0
            ).values("household_id")
        )
        .only("pk", "household_id", "real_name", "phone", "birth_date")
        .order_by("household_id", "birth_date", "pk")
    )
    for person in people:
        visit = visits.get(person.household_id)
        if visit is not None:
            phone = identity.mask_phone(person.phone) if person.phone else ""
            visit.residents.append(VisitResident(name=person.real_name, phone=phone))
    return list(visits.values())
