"""May this user do this here? Every app asks this module, whatever the adapter.

A user belongs to a neighborhood by an active verified residency there, or by a role
granted at the neighborhood or at a place above it. Residents of one neighborhood are not
members of another.
"""

from __future__ import annotations

from django.db.models import Q

from accounts.models import Neighborhood, Residency, RoleGrant, User
from accounts.models.people import Role

STAFF_ROLES = (Role.STAFF, Role.SECRETARY)


def _role_grants(user: User, roles: tuple[str, ...] | None = None) -> Q:
    grants = RoleGrant.objects.filter(user=user)
    if roles is not None:
        grants = grants.filter(role__in=roles)
    neighborhood_ids = [g.neighborhood_id for g in grants if g.neighborhood_id]
    subdistrict_ids = [g.subdistrict_id for g in grants if g.subdistrict_id]
    district_ids = [g.district_id for g in grants if g.district_id]
    return (
        Q(pk__in=neighborhood_ids)
        | Q(subdistrict_id__in=subdistrict_ids)
        | Q(subdistrict__district_id__in=district_ids)
    )


def member_neighborhoods(user: User) -> list[Neighborhood]:
    """The neighborhoods whose boards, rooms and notices this user may see."""
    if not user.is_authenticated:
        return []
    resident_of = Residency.objects.filter(user=user, ended_at__isnull=True).values(
        "household__building__neighborhood_id"
    )
    return list(
        Neighborhood.objects.filter(Q(pk__in=resident_of) | _role_grants(user))
        .select_related("subdistrict")
        .order_by("pk")
    )


def is_member(user: User, neighborhood_id: int) -> bool:
    if not user.is_authenticated:
        return False
    return (
        is_verified_resident(user, neighborhood_id)
        or Neighborhood.objects.filter(_role_grants(user), pk=neighborhood_id).exists()
    )


def is_verified_resident(user: User, neighborhood_id: int) -> bool:
    return (
        bool(user.is_authenticated)
        and Residency.objects.filter(
            user=user, ended_at__isnull=True, household__building__neighborhood_id=neighborhood_id
        ).exists()
    )


def is_staff_of(user: User, neighborhood_id: int) -> bool:
    return (
        bool(user.is_authenticated)
        and Neighborhood.objects.filter(
            _role_grants(user, STAFF_ROLES), pk=neighborhood_id
        ).exists()
    )


def may_speak_in(user: User, neighborhood_id: int) -> bool:
    """Posting needs a verified residency or a committee role: every voice is known."""
    return is_verified_resident(user, neighborhood_id) or is_staff_of(user, neighborhood_id)
