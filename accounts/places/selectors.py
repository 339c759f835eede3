"""Reads for the committee's dashboard: a handful of counts, a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from accounts import access
from accounts.models import (
    Household,
    IdentityConflict,
    Residency,
    User,
    VerificationRequest,
)
from accounts.permissions import Perm


@dataclass(frozen=True)
class Dashboard:
    households: int
    residents: int
    verified_households: int
    pending_requests: int
    open_conflicts: int

    @property
    def verified_share(self) -> int:
        return round(100 * self.verified_households / self.households) if self.households else 0


def dashboard(*, user: User, neighborhood_id: int) -> Dashboard:
    access.require(user, Perm.AGGREGATES_VIEW, neighborhood_id)
    verified = Exists(Residency.objects.filter(household=OuterRef("pk"), ended_at__isnull=True))
    counts = (
        Household.objects.filter(building__neighborhood_id=neighborhood_id)
        .annotate(is_verified=verified)
        .aggregate(
            households=Count("pk"),
            verified=Count("pk", filter=Q(is_verified=True)),
        )
    )
    from accounts.models import Resident

    residents = Resident.objects.filter(
        household__building__neighborhood_id=neighborhood_id, left_at__isnull=True
    ).count()
    pending = VerificationRequest.objects.filter(
        neighborhood_id=neighborhood_id, status="pending"
    ).count()
    conflicts = IdentityConflict.objects.filter(
        neighborhood_id=neighborhood_id, resolved_at__isnull=True
    ).count()
    return Dashboard(
        households=counts["households"],
        residents=residents,
        verified_households=counts["verified"],
        pending_requests=pending,
        open_conflicts=conflicts,
    )
