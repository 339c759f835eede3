"""Reads of the verification slice: permission-aware, a fixed number of queries each."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import groupby

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.ledger.filters import age_on
from accounts.models import (
    Building,
    Household,
    HouseholdCode,
    IdentityConflict,
    Neighborhood,
    RequestStatus,
    Residency,
    Resident,
    User,
    VerificationRequest,
)
from accounts.permissions import Perm
from accounts.verification.services import ADULT_AGE
from config.errors import NotFound


def place_for(user: User, perm: Perm, neighborhood_id: int) -> Neighborhood:
    """The neighborhood, if the user holds `perm` there (NotFound/Forbidden otherwise)."""
    access.require(user, perm, neighborhood_id)
    return Neighborhood.objects.select_related("subdistrict").get(pk=neighborhood_id)


# Codes overview for staff.


def code_status(code: HouseholdCode | None, now: dt.datetime) -> str:
    if code is None:
        return "none"
    if code.used_at is not None:
        return "used"
    if code.revoked_at is not None:
        return "revoked"
    if code.expires_at <= now:
        return "expired"
    return "live"


@dataclass
class HouseholdRow:
    household: Household
    code: HouseholdCode | None
    status: str
    resident_count: int


@dataclass
class BuildingRow:
    building: Building
    households: list[HouseholdRow] = field(default_factory=list)


def codes_overview(neighborhood_id: int) -> list[BuildingRow]:
    """Every building with its households and each household's latest code: 3 queries."""
    latest = (
        HouseholdCode.objects.filter(household=OuterRef("pk"))
        .order_by("-issued_at", "-pk")
        .values("pk")[:1]
    )
    households = list(
        Household.objects.filter(building__neighborhood_id=neighborhood_id)
        .select_related("building")
        .annotate(
            latest_code_id=Subquery(latest),
            resident_count=Count("residents", filter=Q(residents__left_at__isnull=True)),
        )
        .order_by("building__name", "building_id", "unit", "room")
    )
    code_ids = [h.latest_code_id for h in households if h.latest_code_id]  # type: ignore[attr-defined]
    found = HouseholdCode.objects.select_related("used_by").in_bulk(code_ids)
    buildings = {
        b.pk: BuildingRow(b)
        for b in Building.objects.filter(neighborhood_id=neighborhood_id).order_by("name", "pk")
    }
    now = timezone.now()
    for household in households:
        code = found.get(household.latest_code_id)  # type: ignore[attr-defined]
        buildings[household.building_id].households.append(
            HouseholdRow(household, code, code_status(code, now), household.resident_count)  # type: ignore[attr-defined]
        )
    return list(buildings.values())


# The review queue.


def pending_requests(neighborhood_id: int) -> list[VerificationRequest]:
    """Pending requests, oldest first; each household's current residents prefetched as
    `current_residents` (for choosing whom to approve as)."""
    return list(
        VerificationRequest.objects.filter(
            neighborhood_id=neighborhood_id, status=RequestStatus.PENDING
        )
        .select_related("user", "household__building", "matched_resident")
        .prefetch_related(
            Prefetch(
                "household__residents",
                queryset=Resident.objects.filter(left_at__isnull=True).order_by("real_name", "pk"),
                to_attr="current_residents",
            )
        )
        .order_by("created_at", "pk")
    )


def requests_of(neighborhood_id: int, status: str | None) -> QuerySet[VerificationRequest]:
    found = VerificationRequest.objects.filter(neighborhood_id=neighborhood_id)
    if status:
        found = found.filter(status=status)
    return found.select_related("user", "household__building", "matched_resident").order_by(
        "created_at", "pk"
    )


def open_conflicts(neighborhood_id: int) -> list[IdentityConflict]:
    return list(
        IdentityConflict.objects.filter(neighborhood_id=neighborhood_id, resolved_at__isnull=True)
        .select_related("claimant", "existing_user", "resident__household__building")
        .order_by("created_at", "pk")
    )


def conflicts_of(neighborhood_id: int, *, resolved: bool | None = None) -> list[IdentityConflict]:
    found = IdentityConflict.objects.filter(neighborhood_id=neighborhood_id)
    if resolved is not None:
        found = found.filter(resolved_at__isnull=not resolved)
    return list(
        found.select_related("claimant", "existing_user", "resident__household__building").order_by(
            "created_at", "pk"
        )
    )


# A resident's own view.


def active_residency(user: User) -> Residency | None:
    if not user.is_authenticated:
        return None
    return (
        Residency.objects.select_related("household__building__neighborhood", "resident")
        .filter(user=user, ended_at__isnull=True)
        .first()
    )


def my_requests(user: User, limit: int = 5) -> list[VerificationRequest]:
    return list(
        VerificationRequest.objects.filter(user=user)
        .select_related("neighborhood", "household__building")
        .order_by("-created_at", "-pk")[:limit]
    )


@dataclass
class Member:
    residency: Residency
    name: str
    adult: bool


def members(household_id: int) -> list[Member]:
    """The household's active verified members, by display name (never the real name)."""
    today = timezone.localdate()
    rows = (
        Residency.objects.filter(household_id=household_id, ended_at__isnull=True)
        .select_related("user", "resident")
        .order_by("verified_at", "pk")
    )
    return [
        Member(
            residency=r,
            name=r.user.public_name,
            adult=r.resident is not None and age_on(r.resident.birth_date, today) >= ADULT_AGE,
        )
        for r in rows
    ]


def household_in(neighborhood_id: int, household_id: int) -> Household:
    found = (
        Household.objects.select_related("building")
        .filter(pk=household_id, building__neighborhood_id=neighborhood_id)
        .first()
    )
    if found is None:
        raise NotFound(_("Not found."))
    return found


# The request form: every neighborhood, grouped by subdistrict, then its buildings.


def neighborhood_choices() -> list[tuple[str, list[Neighborhood]]]:
    places = Neighborhood.objects.select_related("subdistrict__district").order_by(
        "subdistrict__district__name", "subdistrict__name", "name", "pk"
    )
    return [
        (f"{sub.district.name} {sub.name}", list(group))
        for sub, group in groupby(places, key=lambda n: n.subdistrict)
    ]


def buildings_of(neighborhood_id: int) -> list[Building]:
    return list(Building.objects.filter(neighborhood_id=neighborhood_id).order_by("name", "pk"))


def building_in(neighborhood_id: int, building_id: int) -> Building:
    found = Building.objects.filter(pk=building_id, neighborhood_id=neighborhood_id).first()
    if found is None:
        raise NotFound(_("Not found."))
    return found
