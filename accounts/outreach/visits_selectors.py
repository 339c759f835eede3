"""Reads of door visits: who may see an outreach's door-visit list and which households of
it, the list itself (one card per household, phones masked unless revealed), and the
people who may be sent to knock. Each read costs a fixed number of queries; none writes.

Why a reveal lasts REVEAL_FOR and is not asked again on every page: a visitor records a
visit after each door, and every record reloads the list; asking again each time would
either bury the audit under identical rows or hide the phones between two doors. One
audited reveal opens one round of visits (an afternoon); the next round asks again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import access, identity
from accounts.ledger import filters as ledger_filters
from accounts.ledger import query
from accounts.ledger import selectors as ledger_selectors
from accounts.models import (
    AccessKind,
    DataAccess,
    DoorVisit,
    Outreach,
    OutreachHousehold,
    Resident,
    RoleGrant,
    User,
    VisitAssignment,
    VisitOutcome,
)
from accounts.outreach import selectors
from accounts.permissions import Perm
from core.errors import Forbidden, Invalid, NotFound

REVEAL_FOR = dt.timedelta(hours=4)
REVEAL_FIELD = "visit_phones"  # DataAccess.field of a reveal of the list's phones
VISITS_SHOWN = 3  # the latest visits a card shows; the rest stay in the record


def visitors_of(neighborhood_id: int) -> QuerySet[User]:
    """Who may be sent to knock: active accounts with a role at the neighborhood itself
    (staff, secretary, or a volunteer given a role there); admins above see no names."""
    holders = RoleGrant.objects.filter(neighborhood_id=neighborhood_id).values("user_id")
    return User.objects.filter(pk__in=holders, is_active=True).order_by("display_name", "pk")


@dataclass(frozen=True)
class VisitScope:
    """What the actor may do with one outreach's door-visit list."""

    all_households: bool  # staff: the whole list, assigning and recording
    household_ids: frozenset[int]  # assigned to the actor
    reveal_all: bool  # the secretary: every phone of the list

    @property
    def may_assign(self) -> bool:
        return self.all_households

    @property
    def may_reveal(self) -> bool:
        return self.reveal_all or bool(self.household_ids)


def visit_access(*, actor: User, outreach_id: int) -> tuple[Outreach, VisitScope]:
    """The outreach and the actor's scope on its list: staff of its neighborhood, or a
    visitor with a role there and households assigned. Missing and foreign look alike
    (not_found); a member of the place with neither is forbidden."""
    found = Outreach.objects.select_related("neighborhood").filter(pk=outreach_id).first()
    if found is None or not actor.is_authenticated:
        raise NotFound(_("Not found."))
    nid = found.neighborhood_id
    perms = access.perms_at(actor, nid)
    has_role_here = RoleGrant.objects.filter(user=actor, neighborhood_id=nid).exists()
    mine = (
        frozenset(
            VisitAssignment.objects.filter(outreach=found, visitor=actor).values_list(
                "household_id", flat=True
            )
        )
        if has_role_here
        else frozenset()
    )
    staff = Perm.OUTREACH_SEND in perms
    if not staff and not mine:
        if not access.is_member(actor, nid):
            raise NotFound(_("Not found."))
        raise Forbidden(_("Your role here does not allow this."))
    # The secretary's unmasked spreadsheets and the whole list's phones are the same
    # reach into personal data: one permission decides both.
    return found, VisitScope(
        all_households=staff,
        household_ids=mine,
        reveal_all=Perm.LEDGER_EXPORT_FULL in perms,
    )


def _listed(outreach: Outreach, scope: VisitScope) -> QuerySet[OutreachHousehold]:
    """The households of the list the scope sees: those with no verified account when the
    notice went out (the silent minority), or only the visitor's own."""
    rows = OutreachHousehold.objects.filter(outreach=outreach, member_count=0)
    if not scope.all_households:
        rows = rows.filter(household_id__in=scope.household_ids)
    return rows


def _revealable(outreach: Outreach, scope: VisitScope) -> frozenset[int]:
    """The households whose phones a reveal by this actor shows."""
    if scope.reveal_all:
        return frozenset(
            OutreachHousehold.objects.filter(outreach=outreach, member_count=0).values_list(
                "household_id", flat=True
            )
        )
    return scope.household_ids


def _people(outreach: Outreach, house_ids: object) -> QuerySet[Resident]:
    """The residents of the households who match the outreach's selection, oldest first."""
    try:
        spec = selectors.parse_filters(outreach.filters)
    except Invalid:
        spec = ledger_filters.LedgerFilter()
    sent_on = timezone.localtime(outreach.created_at).date()
    return (
        query.residents(outreach.neighborhood_id, spec, sent_on)
        .filter(household_id__in=house_ids)
        .only("pk", "household_id", "real_name", "phone", "birth_date")
        .order_by("household_id", "birth_date", "pk")
    )


def phones_in_scope(outreach: Outreach, scope: VisitScope) -> tuple[int, int]:
    """(households, phones) a reveal by this actor shows: what its audit row records."""
    houses = _revealable(outreach, scope)
    phones = _people(outreach, list(houses)).exclude(phone="").count()
    return len(houses), phones


def phones_shown_until(*, actor: User, outreach: Outreach, now: dt.datetime) -> dt.datetime | None:
    """When the actor's latest reveal of this list stops showing the phones (None: masked)."""
    last = (
        DataAccess.objects.filter(
            actor=actor,
            kind=AccessKind.REVEAL,
            field=REVEAL_FIELD,
            detail__outreach=outreach.pk,
            at__gt=now - REVEAL_FOR,
        )
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    return last + REVEAL_FOR if last is not None else None


@dataclass(frozen=True)
class CardResident:
    name: str  # the real name: the visit is to a person
    phone: str  # masked, or in full once revealed to this actor
    dial: str  # the full number for a tel: link, "" while masked


@dataclass(frozen=True)
class PastVisit:
    visited_on: dt.date
    outcome: str
    outcome_label: str
    note: str
    follow_up: bool
    follow_up_on: dt.date | None
    visitor: str


@dataclass
class VisitCard:
    household_id: int
    building_id: int
    address: str
    residents: list[CardResident] = field(default_factory=list)
    visitor_id: int | None = None
    visitor: str = ""  # the assigned visitor's public name
    visits: list[PastVisit] = field(default_factory=list)  # latest first

    @property
    def address_parts(self) -> tuple[str, str]:
        """("1号楼", "1单元101室"): a narrow column breaks between the two, not in a number."""
        for cut in ("号楼", "幢", "栋"):
            head, found, tail = self.address.partition(cut)
            if found and tail:
                return head + found, tail
        return self.address, ""

    @property
    def last(self) -> PastVisit | None:
        return self.visits[0] if self.visits else None

    @property
    def informed(self) -> bool:
        return any(v.outcome == VisitOutcome.INFORMED for v in self.visits)


@dataclass(frozen=True)
class VisitList:
    cards: list[VisitCard]
    phones_until: dt.datetime | None  # phones shown to this actor until then
    revealable: int  # households whose phones a reveal would show


def visit_list(
    *, actor: User, outreach: Outreach, scope: VisitScope, now: dt.datetime
) -> VisitList:
    """The door-visit list as the actor may see it, by address. Five queries."""
    rows = list(
        _listed(outreach, scope)
        .select_related("household__building")
        .order_by(*ledger_selectors.address_order("household__"))
    )
    cards = {
        row.household_id: VisitCard(
            household_id=row.household_id,
            building_id=row.household.building_id,
            address=row.household.address,
        )
        for row in rows
    }
    until = phones_shown_until(actor=actor, outreach=outreach, now=now)
    shown = _revealable(outreach, scope) if until is not None else frozenset()
    for person in _people(outreach, list(cards)):
        card = cards[person.household_id]
        if person.household_id in shown and person.phone:
            card.residents.append(CardResident(person.real_name, person.phone, person.phone))
        else:
            masked = identity.mask_phone(person.phone) if person.phone else ""
            card.residents.append(CardResident(person.real_name, masked, ""))
    for assigned in VisitAssignment.objects.filter(
        outreach=outreach, household_id__in=list(cards)
    ).select_related("visitor"):
        card = cards[assigned.household_id]
        card.visitor_id = assigned.visitor_id
        card.visitor = assigned.visitor.public_name
    labels = dict(VisitOutcome.choices)
    for visit in (
        DoorVisit.objects.filter(outreach=outreach, household_id__in=list(cards))
        .select_related("visitor")
        .order_by("household_id", "-visited_on", "-recorded_at", "-pk")
    ):
        card = cards[visit.household_id]
        if len(card.visits) < VISITS_SHOWN:
            card.visits.append(
                PastVisit(
                    visited_on=visit.visited_on,
                    outcome=visit.outcome,
                    outcome_label=str(labels.get(visit.outcome, visit.outcome)),
                    note=visit.note,
                    follow_up=visit.follow_up,
                    follow_up_on=visit.follow_up_on,
                    visitor=visit.visitor.public_name,
                )
            )
    revealable = len(_revealable(outreach, scope)) if scope.may_reveal else 0
    return VisitList(cards=list(cards.values()), phones_until=until, revealable=revealable)


def assignments_of(user: User) -> list[Outreach]:
    """The outreach whose door-visit list has households assigned to this user at a
    neighborhood where they still hold a role, newest first, each with `assigned`: how many
    households. For the 我的 page: a volunteer has no committee page to find the list on."""
    if not user.is_authenticated:
        return []
    places = RoleGrant.objects.filter(user=user, neighborhood__isnull=False).values(
        "neighborhood_id"
    )
    return list(
        Outreach.objects.filter(assignments__visitor=user, neighborhood_id__in=places)
        .annotate(assigned=Count("assignments", filter=Q(assignments__visitor=user)))
        .order_by("-created_at", "-pk")[:10]
    )
