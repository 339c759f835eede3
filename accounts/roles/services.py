"""Granting and revoking committee roles at a neighborhood, with the history kept.

A secretary appoints staff and moderators of their own neighborhood; an admin of the
subdistrict or district above appoints any neighborhood role, secretaries included.
Admin roles themselves are granted in the Django admin by the platform's operators.

Staff and secretaries read residents' personal data, so who holds those roles is guarded:
nobody grants a role to themselves, an admin above the place never holds one (admins see
aggregates only; two admins could otherwise appoint each other), and every such grant is
told to the place's secretaries and the admins above, besides its history row. Someone
who appoints a puppet account is then seen by the people who answer for the place.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import access, history
from accounts.models import (
    LedgerAction,
    LedgerEntity,
    Neighborhood,
    NotificationKind,
    Role,
    RoleGrant,
    User,
)
from accounts.notifications.services import notify
from accounts.permissions import PERSONAL_DATA_ROLES, Perm
from core.cleaning import cleaned
from core.confirm import require_confirmed
from core.errors import Forbidden, Invalid, NotFound

NEIGHBORHOOD_ROLES = (Role.STAFF, Role.SECRETARY, Role.MODERATOR)


@dataclass(frozen=True)
class GrantRow:
    id: int
    user_id: int
    username: str
    display_name: str
    role: str
    role_label: str
    granted_at: str


def _may_appoint(actor: User, role: str, neighborhood_id: int) -> bool:
    """Only an admin above the neighborhood appoints (or removes) its secretary."""
    if role != Role.SECRETARY:
        return True
    return access.is_admin_above(actor, neighborhood_id)


def _log(actor: User, grant: RoleGrant, action: str) -> None:
    assert grant.neighborhood_id is not None
    held = {"user": grant.user_id, "role": grant.role}
    granted = action == LedgerAction.GRANT
    history.record(
        actor=actor,
        neighborhood_id=grant.neighborhood_id,
        entity=LedgerEntity.ROLE,
        entity_id=grant.pk,
        action=action,
        before={} if granted else held,
        after=held if granted else {},
    )


def _watchers(place: Neighborhood) -> list[User]:
    """Who answers for the place: its secretaries and the admins of the places above."""
    grants = RoleGrant.objects.filter(
        Q(neighborhood_id=place.pk, role=Role.SECRETARY)
        | Q(subdistrict_id=place.subdistrict_id, role=Role.ADMIN)
        | Q(district_id=place.subdistrict.district_id, role=Role.ADMIN),
        user__is_active=True,
    ).select_related("user")
    return list({g.user_id: g.user for g in grants.order_by("user_id")}.values())


def _tell_watchers(actor: User, grant: RoleGrant, grantee: User, neighborhood_id: int) -> None:
    """Notify the place's secretaries and the admins above of a grant that reads personal
    data; the actor knows, and the new holder is not one to watch their own appointment."""
    place = Neighborhood.objects.select_related("subdistrict").get(pk=neighborhood_id)
    values = {
        "user": grantee.username,
        "role": grant.get_role_display(),
        "place": place.name,
        "actor": actor.username,
    }
    title = gettext("%(user)s is now %(role)s of %(place)s") % values
    body = (
        gettext(
            "Appointed by %(actor)s. This role reads residents' personal data; "
            "if you did not expect it, check the committee's roles."
        )
        % values
    )
    url = reverse("roles", args=[place.pk])
    for watcher in _watchers(place):
        if watcher.pk in (actor.pk, grantee.pk):
            continue
        notify(user=watcher, kind=NotificationKind.ROLE, title=title[:80], body=body, url=url)


def _grantee(user_id: object, username: object) -> User:
    """The account chosen: by id (the neighbor picker, accounts.neighbors), or by login
    name (the REST API's `username`, and staff who do not live in the neighborhood)."""
    if isinstance(user_id, int) and not isinstance(user_id, bool):
        found = User.objects.filter(pk=user_id, is_active=True).first()
        if found is None:
            raise Invalid(_("There is no such account."), code="unknown_user")
        return found
    name = cleaned(username)
    found = User.objects.filter(username=name, is_active=True).first() if name else None
    if found is None:
        raise Invalid(_("There is no account with that login name."), code="unknown_user")
    return found


def role_grant(
    *,
    actor: User,
    neighborhood_id: int,
    role: object,
    user_id: object = None,
    username: object = None,
) -> RoleGrant:
    """Grant `role` here to the account `user_id` (or, failing that, named `username`)."""
    access.require(actor, Perm.ROLES_MANAGE, neighborhood_id)
    if role not in NEIGHBORHOOD_ROLES:
        raise Invalid(_("Choose staff, secretary or moderator."), code="invalid_role")
    assert isinstance(role, str)
    if not _may_appoint(actor, role, neighborhood_id):
        raise Forbidden(_("Only the subdistrict can appoint a secretary."))
    user = _grantee(user_id, username)
    if user.pk == actor.pk:
        raise Forbidden(_("Nobody can grant a role to themselves."), code="self_grant")
    reads_personal_data = role in PERSONAL_DATA_ROLES
    if reads_personal_data and access.is_admin_above(user, neighborhood_id):
        raise Forbidden(
            _(
                "An administrator of the subdistrict or district sees its numbers only, "
                "never residents' personal data, so cannot be staff or secretary here."
            ),
            code="admin_not_eligible",
        )
    with transaction.atomic():
        if RoleGrant.objects.filter(user=user, role=role, neighborhood_id=neighborhood_id).exists():
            raise Invalid(_("This person already holds that role here."), code="already_granted")
        grant = RoleGrant.objects.create(user=user, role=role, neighborhood_id=neighborhood_id)
        _log(actor, grant, LedgerAction.GRANT)
        if reads_personal_data:
            _tell_watchers(actor, grant, user, neighborhood_id)
    return grant


def role_revoke(*, actor: User, grant_id: int, confirm: int | None = None) -> None:
    """Remove one role. `confirm` is the 1 role the page or client showed ("将撤销 X 的 Y
    角色", grant_of) and the person agreed to remove: without it nothing is removed
    (`confirmation_required`)."""
    grant = RoleGrant.objects.filter(pk=grant_id, neighborhood__isnull=False).first()
    if grant is None or not access.may(actor, Perm.ROLES_MANAGE, grant.neighborhood_id or 0):
        if grant is not None and access.is_member(actor, grant.neighborhood_id or 0):
            raise Forbidden(_("Your role here does not allow this."))
        raise NotFound(_("Not found."))
    if grant.user_id == actor.pk:
        raise Invalid(_("You cannot remove your own role."), code="cannot_revoke_self")
    if not _may_appoint(actor, grant.role, grant.neighborhood_id or 0):
        raise Forbidden(_("Only the subdistrict can remove a secretary."))
    require_confirmed(
        1,
        confirm,
        required=_("Removing %(name)s's role of %(role)s: confirm it first."),
        stale=_("Removing %(name)s's role of %(role)s: confirm it first."),
        params={"name": grant.user.public_name, "role": grant.get_role_display()},
    )
    with transaction.atomic():
        _log(actor, grant, LedgerAction.REVOKE)
        grant.delete()


def grant_of(*, actor: User, neighborhood_id: int, grant_id: int) -> GrantRow:
    """The one grant a removal is confirmed for, as the roles page lists it."""
    for row in grants_at(actor=actor, neighborhood_id=neighborhood_id):
        if row.id == grant_id:
            return row
    raise NotFound(_("Not found."))


def grants_at(*, actor: User, neighborhood_id: int) -> list[GrantRow]:
    access.require(actor, Perm.ROLES_MANAGE, neighborhood_id)
    rows = (
        RoleGrant.objects.filter(neighborhood_id=neighborhood_id)
        .select_related("user")
        .order_by("role", "user__username")
    )
    return [
        GrantRow(
            id=g.pk,
            user_id=g.user_id,
            username=g.user.username,
            display_name=g.user.public_name,
            role=g.role,
            role_label=str(g.get_role_display()),
            granted_at=g.granted_at.isoformat(),
        )
        for g in rows
    ]
