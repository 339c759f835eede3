"""Reads for the committee's dashboard (a handful of counts) and for the 我的 page (the
places a user serves), each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from accounts import access
from accounts.models import (
    Household,
    IdentityConflict,
    Neighborhood,
    Outreach,
    Residency,
    RoleGrant,
    Subdistrict,
    User,
    VerificationRequest,
)
from accounts.models.people import Role
from accounts.outreach import visits_selectors
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


@dataclass(frozen=True)
class Entries:
    """What the 我的 page offers this user beyond what every user gets."""

    verified: bool  # 我的家庭
    may_verify: bool  # 认证: only a user with no residency and no role at all
    committee: list[Neighborhood]  # the committee pages (staff, secretaries)
    chaired: list[Neighborhood]  # rooms to chair where the committee pages are not open
    areas: list[Subdistrict]  # the area page in numbers (admins)
    door_visits: list[Outreach]  # door-visit lists with households assigned to the user


def my_entries(*, user: User) -> Entries:
    """The role-specific entries of the 我的 page, in 8 queries."""
    verified = Residency.objects.filter(user=user, ended_at__isnull=True).exists()
    grants = RoleGrant.objects.filter(user=user)
    holds_a_role = grants.exists()
    committee = access.neighborhoods_with(user, Perm.LEDGER_VIEW)
    serves = {n.pk for n in committee}
    chaired = [n for n in access.neighborhoods_with(user, Perm.ROOM_MANAGE) if n.pk not in serves]
    admin = grants.filter(role=Role.ADMIN)
    areas = list(
        Subdistrict.objects.filter(
            Q(pk__in=admin.values("subdistrict")) | Q(district__in=admin.values("district"))
        ).order_by("pk")
    )
    return Entries(
        verified=verified,
        may_verify=not verified and not holds_a_role,
        committee=committee,
        chaired=chaired,
        areas=areas,
        door_visits=visits_selectors.assignments_of(user),
    )
