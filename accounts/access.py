"""May this user do this here? Every app asks this module, whatever the adapter.

A user belongs to a neighborhood by an active verified residency there, or by a role
granted at the neighborhood or at a place above it. Residents of one neighborhood are not
members of another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from accounts.models import Neighborhood, Residency, RoleGrant, User
from accounts.models.people import Role
from accounts.permissions import Perm
from core.errors import Forbidden, NotFound

if TYPE_CHECKING:
    from django.http import HttpRequest
    from rest_framework.request import Request

STAFF_ROLES = (Role.STAFF, Role.SECRETARY)


def acting_user(request: HttpRequest | Request) -> User:
    """The user behind a page or API request, typed as ours. Adapters call it behind
    login_required or IsAuthenticated; before login it is Django's AnonymousUser, whose
    is_authenticated is False, so the checks below refuse it as they refuse a stranger."""
    return cast(User, request.user)


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


# Permissions per place: the one answer to "may this user do this here" for the ledger,
# verification and outreach, whatever the adapter (page, API, WebSocket).


def perms_at(user: User, neighborhood_id: int) -> frozenset[Perm]:
    if not user.is_authenticated:
        return frozenset()
    place = (
        Neighborhood.objects.filter(pk=neighborhood_id)
        .values_list("subdistrict_id", "subdistrict__district_id")
        .first()
    )
    if place is None:
        return frozenset()
    subdistrict_id, district_id = place
    rows = RoleGrant.objects.filter(user=user).filter(
        Q(neighborhood_id=neighborhood_id)
        | Q(subdistrict_id=subdistrict_id)
        | Q(district_id=district_id)
    )
    here: list[str] = []
    above: list[str] = []
    for role, at_neighborhood in rows.values_list("role", "neighborhood_id"):
        (here if at_neighborhood else above).append(role)
    return permissions.perms_of(neighborhood_roles=here, above_roles=above)


def may(user: User, perm: Perm, neighborhood_id: int) -> bool:
    return perm in perms_at(user, neighborhood_id)


def require(user: User, perm: Perm, neighborhood_id: int) -> None:
    """Raise unless the user holds `perm` at the neighborhood. To someone who is not even a
    member the place does not exist (not_found); a member without the role is forbidden."""
    if may(user, perm, neighborhood_id):
        return
    if not is_member(user, neighborhood_id):
        raise NotFound(_("Not found."))
    raise Forbidden(_("Your role here does not allow this."))


def neighborhoods_with(user: User, perm: Perm) -> list[Neighborhood]:
    """Every neighborhood where the user holds `perm`, in a fixed number of queries."""
    if not user.is_authenticated:
        return []
    here_roles, above_roles = permissions.roles_with(perm)
    grants = list(
        RoleGrant.objects.filter(user=user).values_list(
            "role", "neighborhood_id", "subdistrict_id", "district_id"
        )
    )
    here = [(role, n) for role, n, _s, _d in grants if n and role in here_roles]
    places = Q(pk__in=[n for role, n in here if role not in permissions.PERSONAL_DATA_ROLES])
    # A committee role that reads personal data counts nowhere below the user's own admin
    # roles (permissions.perms_of): admins see aggregates only.
    admin_subdistricts = [s for role, _n, s, _d in grants if s and role == Role.ADMIN]
    admin_districts = [d for role, _n, _s, d in grants if d and role == Role.ADMIN]
    places |= (
        Q(pk__in=[n for role, n in here if role in permissions.PERSONAL_DATA_ROLES])
        & ~Q(subdistrict_id__in=admin_subdistricts)
        & ~Q(subdistrict__district_id__in=admin_districts)
    )
    places |= Q(subdistrict_id__in=[s for role, _n, s, _d in grants if s and role in above_roles])
    places |= Q(
        subdistrict__district_id__in=[d for role, _n, _s, d in grants if d and role in above_roles]
    )
    return list(Neighborhood.objects.filter(places).select_related("subdistrict").order_by("pk"))


def is_admin_above(user: User, neighborhood_id: int) -> bool:
    """An admin of the subdistrict or district the neighborhood belongs to."""
    if not user.is_authenticated:
        return False
    return Neighborhood.objects.filter(
        Q(
            subdistrict__in=RoleGrant.objects.filter(user=user, role=Role.ADMIN).values(
                "subdistrict"
            )
        )
        | Q(
            subdistrict__district__in=RoleGrant.objects.filter(user=user, role=Role.ADMIN).values(
                "district"
            )
        ),
        pk=neighborhood_id,
    ).exists()
