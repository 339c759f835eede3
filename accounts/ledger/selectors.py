"""Reads of the ledger: permission-checked, masked, a fixed number of queries each.

Every reader answers "may this user see the ledger here" through accounts.access first, so
missing and forbidden look alike to people who are not members of the neighborhood.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Length
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts import access, identity
from accounts.ledger import filters, query
from accounts.ledger.filters import CHILD_AGE, FilterError, LedgerFilter
from accounts.models import (
    Building,
    Household,
    LedgerChange,
    LedgerEntity,
    Neighborhood,
    Ownership,
    Residency,
    Resident,
    ResidentTag,
    Subdistrict,
    Tenure,
    User,
)
from accounts.permissions import Perm
from core.errors import Forbidden, Invalid, NotFound
from core.text import refusal

PER_PAGE = 50
PER_PAGE_MAX = 200
HISTORY_LIMIT = 200

# Filter parameters as people know them, for the message of an invalid filter.
FILTER_LABELS: dict[str, Promise] = {
    "building": _("building"),
    "unit": _("unit"),
    "age_min": _("age from"),
    "age_max": _("age to"),
    "tag": _("tag"),
    "vehicle": _("has a vehicle"),
    "tenure": _("tenure"),
    "area_min": _("floor area from"),
    "area_max": _("floor area to"),
    "verified": _("verified"),
    "child": _("under 14"),
    "name": _("real name"),
    "include_left": _("include people who moved away"),
}
FILTER_PROBLEMS: dict[str, Promise] = {
    "not_a_number": _("is not a number"),
    "out_of_range": _("is out of range"),
    "unknown_value": _("has a value the ledger does not know"),
    "min_above_max": _("is below the lower bound"),
}
TAG_LABELS: dict[str, Any] = dict(ResidentTag.choices)
# Fields as a history row names them.
FIELD_LABELS: dict[str, Promise] = {
    "real_name": _("real name"),
    "id_number": _("ID number"),
    "birth_date": _("birth date"),
    "phone": _("phone"),
    "vehicles": _("vehicles"),
    "tags": _("tags"),
    "guardian_consent": _("guardian consent"),
    "left_at": _("moved away on"),
    "floor_area": _("floor area (m²)"),
    "tenure": _("tenure"),
    "owner": _("owner"),
}
TENURE_LABELS: dict[str, Any] = dict(Tenure.choices)


# Filters ---------------------------------------------------------------------------------


def params_of(query_dict: Any) -> dict[str, list[str]]:
    """A QueryDict (or any mapping) as lists, so repeated parameters (building) survive:
    QueryDict.get() returns only the last value."""
    if hasattr(query_dict, "getlist"):
        return {key: query_dict.getlist(key) for key in query_dict}
    return {
        key: [value] if isinstance(value, str) else list(value)
        for key, value in dict(query_dict).items()
    }


def nul_field(params: Mapping[str, str | Sequence[str]]) -> str | None:
    """The first filter whose value holds a character core.text refuses (NUL, which
    PostgreSQL cannot compare with text: a 500 before): refused, never queried. The HTTP
    edge refuses them first; this keeps callers that are not requests safe."""
    for name, raw in params.items():
        if name not in FILTER_LABELS:
            continue  # not a filter (a title, a page number): not ours to judge
        values = [raw] if isinstance(raw, str) else raw
        if any(isinstance(value, str) and refusal(value) for value in values):
            return name
    return None


def filter_from(params: Mapping[str, str | Sequence[str]]) -> LedgerFilter:
    """Parse ledger filters; a bad one is Invalid(code="invalid_filter") naming the field."""
    bad = nul_field(params)
    if bad is not None:
        raise Invalid(
            _("Filter “%(field)s” %(problem)s."),
            code="invalid_filter",
            params={
                "field": FILTER_LABELS[bad],
                "problem": FILTER_PROBLEMS["unknown_value"],
            },
        )
    try:
        return filters.parse(params, known_tags=ResidentTag.values, tenures=Tenure.values)
    except FilterError as exc:
        raise Invalid(
            _("Filter “%(field)s” %(problem)s."),
            code=exc.code,
            params={
                "field": FILTER_LABELS.get(exc.field, exc.field),
                "problem": FILTER_PROBLEMS.get(exc.problem, exc.problem),
            },
        ) from None


def querystring(spec: LedgerFilter) -> str:
    """The filter as a URL query string (for links that keep the filter)."""
    from urllib.parse import urlencode

    return urlencode(filters.to_params(spec), doseq=True)


# Rows ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResidentRow:
    id: int
    household_id: int
    building_id: int
    building: str
    unit: str
    room: str
    address: str
    real_name: str
    # The age, never the birth date: the date is the part of the ID number its mask hides
    # (accounts.identity.mask_id_number); it is shown only by an audited reveal.
    age: int
    child: bool
    id_number_masked: str
    phone_masked: str
    vehicles: list[str]
    tags: list[str]
    guardian_consent: bool
    verified: bool
    left: bool
    left_at: dt.datetime | None
    updated_at: dt.datetime | None

    @property
    def tag_labels(self) -> list[Any]:
        return [TAG_LABELS.get(tag, tag) for tag in self.tags]


def _row(person: Resident, today: dt.date) -> ResidentRow:
    house = person.household
    return ResidentRow(
        id=person.pk,
        household_id=house.pk,
        building_id=house.building_id,
        building=house.building.name,
        unit=house.unit,
        room=house.room,
        address=house.address,
        real_name=person.real_name,
        age=filters.age_on(person.birth_date, today),
        child=filters.is_child(person.birth_date, today),
        id_number_masked=person.id_number_masked,
        phone_masked=identity.mask_phone(person.phone) if person.phone else "",
        vehicles=list(person.vehicles or []),
        tags=list(person.tags or []),
        guardian_consent=person.guardian_consent,
        verified=bool(getattr(person, "is_verified", False)),
        left=person.left_at is not None,
        left_at=person.left_at,
        updated_at=person.updated_at,
    )


def _with_rows(found: QuerySet[Resident]) -> QuerySet[Resident]:
    return found.select_related("household__building").annotate(
        is_verified=query.active_residency_of_resident()
    )


# The ledger page -------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerSummary:
    """Counts over the residents that match a filter (people who moved away excluded
    unless the filter includes them)."""

    residents: int
    households: int  # households with at least one matching resident
    verified_residents: int  # matching residents with a verified account
    verified_households: int  # of those households, the ones with a verified account
    vehicles: int  # plates of the matching residents: the parking spaces they need
    vehicle_owners: int
    children: int  # under 14
    aged_60_plus: int
    aged_80_plus: int
    aged_90_plus: int
    living_alone: int

    @property
    def unverified_households(self) -> int:
        return self.households - self.verified_households


def _verified_household() -> Exists:
    return Exists(
        Residency.objects.filter(household_id=OuterRef("household_id"), ended_at__isnull=True)
    )


def _counts(today: dt.date) -> dict[str, Any]:
    """The aggregates of LedgerSummary, over a resident queryset annotated with is_verified
    and in_verified_household. Keys carry a prefix: an aggregate named like a field
    ("vehicles") would shadow it inside the other aggregates' filters."""
    by_90 = filters.years_before(today, 90)
    by_80 = filters.years_before(today, 80)
    by_60 = filters.years_before(today, 60)
    child_after = filters.years_before(today, CHILD_AGE)
    return {
        "n_residents": Count("pk"),
        "n_households": Count("household_id", distinct=True),
        "n_verified_residents": Count("pk", filter=Q(is_verified=True)),
        "n_verified_households": Count(
            "household_id", distinct=True, filter=Q(in_verified_household=True)
        ),
        "n_vehicles": Coalesce(Sum(query.JSONArrayLength(F("vehicles"))), 0),
        "n_vehicle_owners": Count("pk", filter=~Q(vehicles=[])),
        "n_children": Count("pk", filter=Q(birth_date__gt=child_after)),
        "n_aged_60_plus": Count("pk", filter=Q(birth_date__lte=by_60)),
        "n_aged_80_plus": Count("pk", filter=Q(birth_date__lte=by_80)),
        "n_aged_90_plus": Count("pk", filter=Q(birth_date__lte=by_90)),
        "n_living_alone": Count("pk", filter=Q(tags__has_item=ResidentTag.LIVING_ALONE)),
    }


def _unprefixed(counts: Mapping[str, Any]) -> dict[str, int]:
    return {name.removeprefix("n_"): int(value or 0) for name, value in counts.items()}


def ledger_summary(
    *, user: User, neighborhood_id: int, spec: LedgerFilter, today: dt.date
) -> LedgerSummary:
    """The numbers at the top of the ledger page: 3 queries (2 for the permission)."""
    access.require(user, Perm.LEDGER_VIEW, neighborhood_id)
    found = query.residents(neighborhood_id, spec, today).annotate(
        is_verified=query.active_residency_of_resident(),
        in_verified_household=_verified_household(),
    )
    return LedgerSummary(**_unprefixed(found.aggregate(**_counts(today))))


@dataclass(frozen=True)
class ResidentPage:
    rows: list[ResidentRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        """The 1-based position of the first row on this page (0 when empty)."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.rows) - 1 if self.rows else 0

    @property
    def page_numbers(self) -> list[int | None]:
        """Page links to show: the first, the last and two around this one; None is a gap."""
        wanted = {1, self.pages, *range(self.page - 2, self.page + 3)}
        shown = sorted(n for n in wanted if 1 <= n <= self.pages)
        out: list[int | None] = []
        last = 0
        for number in shown:
            if number - last == 2:  # a gap of one page: show the page, not an ellipsis
                out.append(last + 1)
            elif number - last > 2:
                out.append(None)
            out.append(number)
            last = number
        return out


def address_order(prefix: str = "") -> tuple[Any, ...]:
    """Households in the order of a paper ledger: buildings as entered, then units and rooms
    by number, so room 201 comes before 1001 (text order put 1001 first)."""
    return (
        f"{prefix}building_id",
        Length(f"{prefix}unit"),
        f"{prefix}unit",
        Length(f"{prefix}room"),
        f"{prefix}room",
        f"{prefix}id" if prefix else "pk",
    )


def resident_page(
    *,
    user: User,
    neighborhood_id: int,
    spec: LedgerFilter,
    today: dt.date,
    page: int,
    per_page: int = PER_PAGE,
) -> ResidentPage:
    """One page of matching residents in address order: 4 queries (2 for the permission).
    A page past the end is empty, not an error."""
    access.require(user, Perm.LEDGER_VIEW, neighborhood_id)
    if page < 1:
        raise Invalid(_("Page numbers start at 1."), code="invalid_page")
    per_page = min(max(per_page, 1), PER_PAGE_MAX)
    found = query.residents(neighborhood_id, spec, today)
    total = found.count()
    start = (page - 1) * per_page
    rows: list[ResidentRow] = []
    if start < total:
        ordered = _with_rows(found).order_by(*address_order("household__"), "pk")
        rows = [_row(person, today) for person in ordered[start : start + per_page]]
    return ResidentPage(rows=rows, total=total, page=page, per_page=per_page)


def ledger_place(
    *, user: User, neighborhood_id: int, perm: Perm = Perm.LEDGER_VIEW
) -> Neighborhood:
    """The neighborhood, if the user holds `perm` there (3 queries)."""
    access.require(user, perm, neighborhood_id)
    return Neighborhood.objects.select_related("subdistrict").get(pk=neighborhood_id)


def buildings(*, neighborhood_id: int) -> list[Building]:
    """The buildings for the filter form, in the order they were entered (1号楼, 2号楼 …)."""
    return list(Building.objects.filter(neighborhood_id=neighborhood_id).order_by("pk"))


# One household, one resident ---------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    id: int
    at: dt.datetime
    actor: str
    entity: str
    entity_id: int
    action: str
    action_label: Any
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def fields(self) -> list[tuple[Any, str | None, str]]:
        """(field label, before, after) as text for each field the change touched; before
        is None for a field the change created."""
        names = list(dict.fromkeys([*self.before, *self.after]))
        return [
            (
                FIELD_LABELS.get(name, name),
                _shown(name, self.before[name]) if name in self.before else None,
                _shown(name, self.after.get(name)),
            )
            for name in names
        ]


def _shown(name: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if name == "tags" and isinstance(value, list):
        return "、".join(str(TAG_LABELS.get(tag, tag)) for tag in value)
    if name == "tenure":
        return str(TENURE_LABELS.get(value, value))
    if name == "left_at" and isinstance(value, str):
        return value[:10]
    if isinstance(value, list):
        return "、".join(str(item) for item in value)
    return str(value)


def _birth_year_only(values: Mapping[str, Any]) -> dict[str, Any]:
    """History rows keep the birth date as written; shown, it is the year only, as in a
    masked export, so the history gives no more than the ledger page does."""
    out = dict(values)
    if isinstance(out.get("birth_date"), str) and len(out["birth_date"]) >= 4:
        out["birth_date"] = out["birth_date"][:4] + "-**-**"
    return out


def _changes(entity: str | Sequence[str], entity_id: int) -> list[Change]:
    entities = [entity] if isinstance(entity, str) else list(entity)
    rows = (
        LedgerChange.objects.filter(entity__in=entities, entity_id=entity_id)
        .select_related("actor")
        .order_by("-at", "-pk")[:HISTORY_LIMIT]
    )
    return [
        Change(
            id=row.pk,
            at=row.at,
            actor=row.actor.public_name if row.actor else "",
            entity=row.entity,
            entity_id=row.entity_id,
            action=row.action,
            action_label=row.get_action_display(),
            before=_birth_year_only(row.before or {}),
            after=_birth_year_only(row.after or {}),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class HouseholdDetail:
    id: int
    neighborhood_id: int
    building_id: int
    building: str
    unit: str
    room: str
    address: str
    floor_area: Decimal
    tenure: str
    residents: list[ResidentRow]  # current residents first, then those who moved away
    accounts: int  # verified accounts living here
    changes: list[Change] = field(default_factory=list)

    @property
    def tenure_label(self) -> Any:
        return TENURE_LABELS.get(self.tenure, self.tenure)


def _neighborhood_id(rows: QuerySet[Any], path: str) -> int:
    nid = rows.values_list(path, flat=True).first()
    if nid is None:
        raise NotFound(_("Not found."))
    return int(nid)


def neighborhood_of_resident(resident_id: int) -> int:
    """The neighborhood a resident's household is in: what access is checked against."""
    return _neighborhood_id(
        Resident.objects.filter(pk=resident_id), "household__building__neighborhood_id"
    )


def neighborhood_of_household(household_id: int) -> int:
    return _neighborhood_id(Household.objects.filter(pk=household_id), "building__neighborhood_id")


def household_detail(*, user: User, household_id: int, today: dt.date) -> HouseholdDetail:
    """A household with its residents and its history: 6 queries."""
    house = Household.objects.select_related("building").filter(pk=household_id).first()
    if house is None:
        raise NotFound(_("Not found."))
    nid = house.building.neighborhood_id
    access.require(user, Perm.LEDGER_VIEW, nid)
    people = _with_rows(Resident.objects.filter(household_id=household_id)).order_by(
        F("left_at").asc(nulls_first=True), "birth_date", "pk"
    )
    accounts = Residency.objects.filter(household_id=household_id, ended_at__isnull=True).count()
    return HouseholdDetail(
        id=house.pk,
        neighborhood_id=nid,
        building_id=house.building_id,
        building=house.building.name,
        unit=house.unit,
        room=house.room,
        address=house.address,
        floor_area=house.floor_area,
        tenure=house.tenure,
        residents=[_row(person, today) for person in people],
        accounts=accounts,
        # Owner changes are the unit's history too (entity_id is the household's id).
        changes=_changes((LedgerEntity.HOUSEHOLD, LedgerEntity.OWNERSHIP), household_id),
    )


@dataclass(frozen=True)
class OwnerView:
    """A unit's registered owner as the ledger shows them: masked, like everyone there."""

    id: int
    household_id: int
    real_name_masked: str
    id_number_masked: str
    phone_masked: str
    since: dt.date | None
    units: int  # units this owner holds in the neighborhood, this one included
    lives_here: bool  # a current resident of the unit has the owner's ID number

    @property
    def other_units(self) -> int:
        return self.units - 1


def household_owner(*, user: User, household_id: int) -> OwnerView | None:
    """The unit's registered owner, or None when none is recorded: 4 queries."""
    nid = neighborhood_of_household(household_id)
    access.require(user, Perm.LEDGER_VIEW, nid)
    found = (
        Ownership.objects.filter(household_id=household_id)
        .select_related("owner")
        .annotate(
            # An Owner belongs to one neighborhood, so all their units are here.
            units=Count("owner__ownerships"),
            lives_here=Exists(
                Resident.objects.filter(
                    household_id=household_id,
                    left_at__isnull=True,
                    id_number_hash=OuterRef("owner__id_number_hash"),
                )
            ),
        )
        .first()
    )
    if found is None:
        return None
    owner = found.owner
    return OwnerView(
        id=owner.pk,
        household_id=household_id,
        real_name_masked=identity.mask_name(owner.real_name),
        id_number_masked=owner.id_number_masked,
        phone_masked=identity.mask_phone(owner.phone) if owner.phone else "",
        since=found.since,
        units=int(found.units),
        lives_here=bool(found.lives_here),
    )


@dataclass(frozen=True)
class ResidentDetail:
    neighborhood_id: int
    row: ResidentRow
    floor_area: Decimal
    tenure: str


def resident_detail(*, user: User, resident_id: int, today: dt.date) -> ResidentDetail:
    """One resident, masked: 4 queries."""
    nid = neighborhood_of_resident(resident_id)
    access.require(user, Perm.LEDGER_VIEW, nid)
    person = _with_rows(Resident.objects.filter(pk=resident_id)).get()
    return ResidentDetail(
        neighborhood_id=nid,
        row=_row(person, today),
        floor_area=person.household.floor_area,
        tenure=person.household.tenure,
    )


def resident_history(*, user: User, resident_id: int) -> list[Change]:
    """The resident's ledger changes, newest first (at most 200): 4 queries."""
    nid = neighborhood_of_resident(resident_id)
    access.require(user, Perm.LEDGER_VIEW, nid)
    return _changes(LedgerEntity.RESIDENT, resident_id)


# Aggregates for the subdistrict and district ---------------------------------------------


@dataclass(frozen=True)
class AreaRow:
    """Numbers of one neighborhood: no names of people, no personal data."""

    neighborhood_id: int
    neighborhood: str
    households: int
    verified_households: int
    residents: int
    children: int
    aged_60_plus: int
    aged_80_plus: int
    aged_90_plus: int
    living_alone: int
    vehicles: int

    @property
    def verified_share(self) -> int:
        return round(100 * self.verified_households / self.households) if self.households else 0


@dataclass(frozen=True)
class Area:
    subdistrict_id: int
    subdistrict: str
    rows: list[AreaRow]

    @property
    def total(self) -> AreaRow:
        def add(name: str) -> int:
            return sum(int(getattr(row, name)) for row in self.rows)

        return AreaRow(
            neighborhood_id=0,
            neighborhood="",
            **{
                name: add(name)
                for name in (
                    "households",
                    "verified_households",
                    "residents",
                    "children",
                    "aged_60_plus",
                    "aged_80_plus",
                    "aged_90_plus",
                    "living_alone",
                    "vehicles",
                )
            },
        )


def area_aggregates(*, user: User, subdistrict_id: int, today: dt.date | None = None) -> Area:
    """Per-neighborhood counts of the subdistrict's neighborhoods where the user may see
    aggregates (an admin of the subdistrict or its district: all of them). 6 queries."""
    today = today or timezone.localdate()
    places = [
        n
        for n in access.neighborhoods_with(user, Perm.AGGREGATES_VIEW)
        if n.subdistrict_id == subdistrict_id
    ]
    if not places:
        members = [
            n for n in access.member_neighborhoods(user) if n.subdistrict_id == subdistrict_id
        ]
        if members:
            raise Forbidden(_("Your role here does not allow this."))
        raise NotFound(_("Not found."))
    subdistrict: Subdistrict = places[0].subdistrict
    ids = [n.pk for n in places]
    houses = dict(
        Household.objects.filter(building__neighborhood_id__in=ids)
        .values("building__neighborhood_id")
        .annotate(n=Count("pk"))
        .values_list("building__neighborhood_id", "n")
    )
    verified = dict(
        Residency.objects.filter(
            ended_at__isnull=True, household__building__neighborhood_id__in=ids
        )
        .values("household__building__neighborhood_id")
        .annotate(n=Count("household_id", distinct=True))
        .values_list("household__building__neighborhood_id", "n")
    )
    counts = _counts(today)
    wanted = ("residents", "children", "aged_60_plus", "aged_80_plus", "aged_90_plus")
    people: dict[int, dict[str, int]] = {
        row.pop("household__building__neighborhood_id"): _unprefixed(row)
        for row in Resident.objects.filter(
            household__building__neighborhood_id__in=ids, left_at__isnull=True
        )
        .values("household__building__neighborhood_id")
        .annotate(
            **{f"n_{name}": counts[f"n_{name}"] for name in wanted},
            n_living_alone=counts["n_living_alone"],
            n_vehicles=counts["n_vehicles"],
        )
        .order_by()
    }
    rows = []
    for place in places:
        numbers = people.get(place.pk, {})
        rows.append(
            AreaRow(
                neighborhood_id=place.pk,
                neighborhood=place.name,
                households=int(houses.get(place.pk, 0)),
                verified_households=int(verified.get(place.pk, 0)),
                residents=int(numbers.get("residents", 0)),
                children=int(numbers.get("children", 0)),
                aged_60_plus=int(numbers.get("aged_60_plus", 0)),
                aged_80_plus=int(numbers.get("aged_80_plus", 0)),
                aged_90_plus=int(numbers.get("aged_90_plus", 0)),
                living_alone=int(numbers.get("living_alone", 0)),
                vehicles=int(numbers.get("vehicles", 0) or 0),
            )
        )
    return Area(subdistrict_id=subdistrict_id, subdistrict=subdistrict.name, rows=rows)
