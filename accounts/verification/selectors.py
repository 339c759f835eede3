"""Reads of the verification slice: permission-aware, a fixed number of queries each."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.ledger.filters import ADULT_AGE, age_on
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
from core.errors import NotFound


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


@dataclass(frozen=True)
class BuildingSummary:
    building: Building
    households: int
    live_codes: int
    used_codes: int
    verified_households: int


def _count(rows: QuerySet[Any], by: str) -> Coalesce:
    """A correlated COUNT(*) of `rows` per building (`by` is their path to the building)."""
    return Coalesce(
        Subquery(
            rows.filter(**{by: OuterRef("pk")})
            .order_by()
            .values(by)
            .annotate(n=Count("*"))
            .values("n")[:1]
        ),
        0,
    )


def codes_buildings(neighborhood_id: int) -> list[BuildingSummary]:
    """Every building of the neighborhood with its code counts: one query, however many."""
    now = timezone.now()
    live = HouseholdCode.objects.filter(
        used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    )
    used = HouseholdCode.objects.filter(used_at__isnull=False)
    rows = (
        Building.objects.filter(neighborhood_id=neighborhood_id)
        .annotate(
            n_households=_count(Household.objects.all(), "building"),
            n_live=_count(live, "household__building"),
            n_used=_count(used, "household__building"),
            n_verified=Coalesce(
                Subquery(
                    Residency.objects.filter(
                        ended_at__isnull=True, household__building=OuterRef("pk")
                    )
                    .order_by()
                    .values("household__building")
                    .annotate(n=Count("household", distinct=True))
                    .values("n")[:1]
                ),
                0,
            ),
        )
        .order_by("name", "pk")
    )
    return [
        BuildingSummary(
            building=b,
            households=b.n_households,  # type: ignore[attr-defined]
            live_codes=b.n_live,  # type: ignore[attr-defined]
            used_codes=b.n_used,  # type: ignore[attr-defined]
            verified_households=b.n_verified,  # type: ignore[attr-defined]
        )
        for b in rows
    ]


@dataclass(frozen=True)
class Reprint:
    """What printing a whole building's letters does: a new code for each of `households`,
    and the `voided` letters already printed whose codes are still live stop working."""

    building: Building
    households: int
    voided: int


def building_reprint(building: Building) -> Reprint:
    """The numbers the staff confirm before a building's letters are printed again: 2
    queries. The service counts again under its lock and refuses a confirmation that no
    longer matches (`stale_confirmation`)."""
    live = HouseholdCode.objects.filter(
        household__building=building,
        used_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    return Reprint(
        building=building,
        households=Household.objects.filter(building=building).count(),
        voided=live.count(),
    )


@dataclass(frozen=True)
class Reissue:
    """What a new code for one household does: the `voided` letter already printed (0 or
    1) whose code is still live stops working."""

    household: Household
    voided: int


def household_reissue(household: Household) -> Reissue:
    """The number the staff confirm before one household's letter is printed again: 1
    query, counted again by the service under its lock."""
    live = HouseholdCode.objects.filter(
        household=household,
        used_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    return Reissue(household=household, voided=live.count())


def codes_of_building(neighborhood_id: int, building_id: int) -> BuildingRow:
    """One building of the neighborhood with its households and each household's latest
    code: 3 queries (NotFound if the building is not of this neighborhood)."""
    building = building_in(neighborhood_id, building_id)
    latest = (
        HouseholdCode.objects.filter(household=OuterRef("pk"))
        .order_by("-issued_at", "-pk")
        .values("pk")[:1]
    )
    households = list(
        Household.objects.filter(building=building)
        .annotate(
            latest_code_id=Subquery(latest),
            resident_count=Count("residents", filter=Q(residents__left_at__isnull=True)),
        )
        .order_by("unit", "room", "pk")
    )
    code_ids = [h.latest_code_id for h in households if h.latest_code_id]  # type: ignore[attr-defined]
    found = HouseholdCode.objects.select_related("used_by").in_bulk(code_ids)
    now = timezone.now()
    row = BuildingRow(building)
    for household in households:
        household.building = building  # the address needs it; no query per row
        code = found.get(household.latest_code_id)  # type: ignore[attr-defined]
        row.households.append(
            HouseholdRow(household, code, code_status(code, now), household.resident_count)  # type: ignore[attr-defined]
        )
    return row


# The review queue.


QUEUE_PAGE = 50


def pending_page(neighborhood_id: int, page: int | str | None) -> Page[VerificationRequest]:
    """One page of pending requests, oldest first: 3 queries (count, rows, residents).
    Each household's current residents are prefetched as `current_residents` (for
    choosing whom to approve as). A page number that is not one gives the first or last."""
    rows: QuerySet[VerificationRequest] = (
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
    return Paginator(rows, QUEUE_PAGE).get_page(page)


def requests_of(neighborhood_id: int, status: str | None) -> QuerySet[VerificationRequest]:
    found = VerificationRequest.objects.filter(neighborhood_id=neighborhood_id)
    if status:
        found = found.filter(status=status)
    return found.select_related("user", "household__building", "matched_resident").order_by(
        "created_at", "pk"
    )


@dataclass
class OpenConflicts:
    oldest: list[IdentityConflict]  # at most QUEUE_PAGE
    total: int


def open_conflicts(neighborhood_id: int) -> OpenConflicts:
    """The oldest open conflicts and how many are open in all: 2 queries."""
    found = IdentityConflict.objects.filter(
        neighborhood_id=neighborhood_id, resolved_at__isnull=True
    )
    return OpenConflicts(
        oldest=list(
            found.select_related(
                "claimant", "existing_user", "resident__household__building"
            ).order_by("created_at", "pk")[:QUEUE_PAGE]
        ),
        total=found.count(),
    )


def conflicts_of(
    neighborhood_id: int, *, resolved: bool | None = None
) -> QuerySet[IdentityConflict]:
    found = IdentityConflict.objects.filter(neighborhood_id=neighborhood_id)
    if resolved is not None:
        found = found.filter(resolved_at__isnull=not resolved)
    return found.select_related(
        "claimant", "existing_user", "resident__household__building"
    ).order_by("created_at", "pk")


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
