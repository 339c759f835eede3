"""Ledger filters applied to querysets, on PostgreSQL and SQLite alike.

A household matches a filter when at least one of its current residents does; the
household-level conditions (building, unit, tenure, area) apply to both.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Exists,
    F,
    Func,
    IntegerField,
    JSONField,
    Lookup,
    OuterRef,
    Q,
    QuerySet,
)

from accounts.ledger.filters import CHILD_AGE, LedgerFilter, birth_date_bounds, years_before
from accounts.models import Household, Residency, Resident


@JSONField.register_lookup
class HasItem(Lookup):
    """`tags__has_item="living_alone"`: a JSON array holds the string. Django's `contains`
    on JSONField is not available on SQLite, which the demo runs on."""

    lookup_name = "has_item"

    def as_postgresql(self, compiler, connection):  # type: ignore[no-untyped-def]
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} @> jsonb_build_array({rhs}::text)", [*lhs_params, *rhs_params]

    def as_sql(self, compiler, connection):  # type: ignore[no-untyped-def]
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return (
            f"EXISTS (SELECT 1 FROM json_each({lhs}) WHERE json_each.value = {rhs})",
            [*lhs_params, *rhs_params],
        )

    def get_prep_lookup(self):  # type: ignore[no-untyped-def]
        return str(self.rhs)  # a plain string parameter, not JSON-encoded


class JSONArrayLength(Func):
    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra):  # type: ignore[no-untyped-def]
        return self.as_sql(compiler, connection, function="jsonb_array_length", **extra)

    def as_sqlite(self, compiler, connection, **extra):  # type: ignore[no-untyped-def]
        return self.as_sql(compiler, connection, function="json_array_length", **extra)


def active_residency_of_resident() -> Exists:
    return Exists(Residency.objects.filter(resident=OuterRef("pk"), ended_at__isnull=True))


def _household_q(spec: LedgerFilter, prefix: str) -> Q:
    q = Q()
    if spec.buildings:
        q &= Q(**{f"{prefix}building_id__in": spec.buildings})
    if spec.unit:
        q &= Q(**{f"{prefix}unit": spec.unit})
    if spec.tenure:
        q &= Q(**{f"{prefix}tenure": spec.tenure})
    if spec.area_min is not None:
        q &= Q(**{f"{prefix}floor_area__gte": spec.area_min})
    if spec.area_max is not None:
        q &= Q(**{f"{prefix}floor_area__lte": spec.area_max})
    return q


def _resident_q(spec: LedgerFilter, today: dt.date) -> Q:
    q = Q()
    if not spec.include_left:
        q &= Q(left_at__isnull=True)
    born_after, born_by = birth_date_bounds(spec.age_min, spec.age_max, today)
    if born_after is not None:
        q &= Q(birth_date__gt=born_after)
    if born_by is not None:
        q &= Q(birth_date__lte=born_by)
    if spec.child is not None:
        child_q = Q(birth_date__gt=years_before(today, CHILD_AGE))
        q &= child_q if spec.child else ~child_q
    for tag in spec.tags:
        q &= Q(tags__has_item=tag)
    if spec.vehicle is not None:
        q &= ~Q(vehicles=[]) if spec.vehicle else Q(vehicles=[])
    if spec.name:
        q &= Q(real_name__startswith=spec.name)
    return q


def residents(neighborhood_id: int, spec: LedgerFilter, today: dt.date) -> QuerySet[Resident]:
    found = Resident.objects.filter(
        _household_q(spec, "household__"),
        _resident_q(spec, today),
        household__building__neighborhood_id=neighborhood_id,
    )
    if spec.verified is not None:
        verified = active_residency_of_resident()
        found = found.filter(verified if spec.verified else ~verified)
    return found


def households(neighborhood_id: int, spec: LedgerFilter, today: dt.date) -> QuerySet[Household]:
    """Households with at least one matching resident (or, with no resident conditions,
    every household that matches the household conditions)."""
    found = Household.objects.filter(
        _household_q(spec, ""), building__neighborhood_id=neighborhood_id
    )
    members = residents(neighborhood_id, spec, today).filter(household=OuterRef("pk"))
    return found.filter(Exists(members))


def vehicle_total(found: QuerySet[Resident]) -> int:
    """How many parking spaces the car owners need: their vehicles, counted."""
    from django.db.models import Sum

    total = found.aggregate(n=Sum(JSONArrayLength(F("vehicles"))))["n"]
    return int(total or 0)
