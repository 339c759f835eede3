"""Committee roles: who may appoint whom, the history kept, and the matrix over the API."""

from __future__ import annotations

import pytest

from accounts import access
from accounts.models import LedgerChange, RoleGrant
from accounts.permissions import Perm
from accounts.roles import services as roles
from core.errors import Forbidden, Invalid, NotFound
from tests import factories
from tests.accounts.conftest import ROLES, Cast
from tests.second_factor import sign_in

pytestmark = pytest.mark.django_db


def test_a_secretary_appoints_staff_and_the_history_remembers(cast: Cast) -> None:
    secretary = cast.people["secretary_here"]
    newcomer = factories.user("xiaoli")
    grant = roles.role_grant(
        actor=secretary, neighborhood_id=cast.here.pk, username="xiaoli", role="staff"
    )
    assert access.may(newcomer, Perm.LEDGER_VIEW, cast.here.pk)
    with pytest.raises(Invalid) as refused:  # nothing is removed before it is confirmed
        roles.role_revoke(actor=secretary, grant_id=grant.pk)
    assert refused.value.code == "confirmation_required"
    assert access.may(newcomer, Perm.LEDGER_VIEW, cast.here.pk)
    roles.role_revoke(actor=secretary, grant_id=grant.pk, confirm=1)
    assert not access.may(newcomer, Perm.LEDGER_VIEW, cast.here.pk)
    history = list(LedgerChange.objects.filter(entity="role", entity_id=grant.pk).order_by("pk"))
    assert [(c.action, c.actor_id) for c in history] == [
        ("grant", secretary.pk),
        ("revoke", secretary.pk),
    ]
    assert history[0].after == {"user": newcomer.pk, "role": "staff"}


def test_only_the_subdistrict_appoints_a_secretary(cast: Cast) -> None:
    factories.user("xiaoli")
    with pytest.raises(Forbidden):
        roles.role_grant(
            actor=cast.people["secretary_here"],
            neighborhood_id=cast.here.pk,
            username="xiaoli",
            role="secretary",
        )
    grant = roles.role_grant(
        actor=cast.people["admin_above"],
        neighborhood_id=cast.here.pk,
        username="xiaoli",
        role="secretary",
    )
    assert grant.role == "secretary"


@pytest.mark.parametrize(
    ("username", "role", "code"),
    [
        ("nobody", "staff", "unknown_user"),
        ("resident_here", "admin", "invalid_role"),
        ("resident_here", "", "invalid_role"),
        ("staff_here", "staff", "already_granted"),
    ],
)
def test_bad_grants_have_codes_and_write_nothing(
    cast: Cast, username: str, role: str, code: str
) -> None:
    before = RoleGrant.objects.count(), LedgerChange.objects.count()
    with pytest.raises(Invalid) as refused:
        roles.role_grant(
            actor=cast.people["secretary_here"],
            neighborhood_id=cast.here.pk,
            username=username,
            role=role,
        )
    assert refused.value.code == code
    assert (RoleGrant.objects.count(), LedgerChange.objects.count()) == before


def test_nobody_removes_their_own_role(cast: Cast) -> None:
    own = RoleGrant.objects.get(user=cast.people["secretary_here"])
    with pytest.raises(Invalid) as refused:
        roles.role_revoke(actor=cast.people["secretary_here"], grant_id=own.pk)
    assert refused.value.code == "cannot_revoke_self"
    with pytest.raises(NotFound):
        roles.role_revoke(actor=cast.people["staff_other"], grant_id=own.pk)


MANAGERS = {"secretary_here", "admin_above"}


@pytest.mark.parametrize("who", ROLES)
def test_matrix_roles_api(cast: Cast, who: str) -> None:
    client = cast.client(who)
    factories.user("candidate")
    listed = client.get(f"/api/v1/neighborhoods/{cast.here.pk}/roles/")
    granted = client.post(
        f"/api/v1/neighborhoods/{cast.here.pk}/roles/",
        {"username": "candidate", "role": "moderator"},
        format="json",
    )
    other = client.get(f"/api/v1/neighborhoods/{cast.other.pk}/roles/")
    staff_grant = RoleGrant.objects.get(user=cast.people["staff_here"])
    removed = client.delete(f"/api/v1/roles/{staff_grant.pk}/?confirm=1")
    if who == "anonymous":
        expected = (403, 403, 403, 403)  # DRF: not authenticated
    elif who in MANAGERS:
        expected = (200, 201, 200 if who == "admin_above" else 404, 204)
    elif who in {"resident_here", "moderator_here", "staff_here"}:
        expected = (403, 403, 404, 403)
    elif who == "staff_other":
        expected = (404, 404, 403, 404)
    else:
        expected = (404, 404, 404 if who != "resident_other" else 403, 404)
    got = (listed.status_code, granted.status_code, other.status_code, removed.status_code)
    assert got == expected


def test_roles_page_grants_and_removes(cast: Cast, client) -> None:
    sign_in(client, cast.people["secretary_here"])
    factories.user("xiaoli")
    page = client.get(f"/committee/{cast.here.pk}/roles/")
    assert page.status_code == 200 and "staff_here" in page.content.decode()
    client.post(f"/committee/{cast.here.pk}/roles/", {"username": "xiaoli", "role": "moderator"})
    grant = RoleGrant.objects.get(user__username="xiaoli")
    assert grant.role == "moderator"
    # the button first says whose role goes, and removes nothing
    asked = client.post(f"/committee/{cast.here.pk}/roles/{grant.pk}/revoke/")
    assert asked.status_code == 200 and RoleGrant.objects.filter(pk=grant.pk).exists()
    assert 'name="confirm" value="1"' in asked.content.decode()
    assert "将撤销 邻居 " in asked.content.decode() and "的版主职务" in asked.content.decode()
    client.post(f"/committee/{cast.here.pk}/roles/{grant.pk}/revoke/", {"confirm": "1"})
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    sign_in(client, cast.people["staff_other"])
    assert client.get(f"/committee/{cast.here.pk}/roles/").status_code == 404


def test_dashboard_shows_numbers_and_the_sections_of_the_role(cast: Cast, client) -> None:
    sign_in(client, cast.people["staff_here"])
    page = client.get(f"/committee/{cast.here.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"/committee/{cast.here.pk}/codes/" in text
    assert f"/committee/{cast.here.pk}/roles/" not in text  # staff do not appoint
    sign_in(client, cast.people["resident_here"])
    assert client.get(f"/committee/{cast.here.pk}/").status_code == 404


def test_a_role_is_granted_by_user_id_over_the_api(cast: Cast) -> None:
    candidate = factories.user("candidate")
    api = cast.client("secretary_here")
    url = f"/api/v1/neighborhoods/{cast.here.pk}/roles/"
    granted = api.post(url, {"user_id": candidate.pk, "role": "moderator"})
    assert granted.status_code == 201 and granted.json()["user_id"] == candidate.pk
    nobody = api.post(url, {"user_id": 999999, "role": "staff"})
    assert nobody.status_code == 400 and nobody.json()["code"] == "unknown_user"
    neither = api.post(url, {"role": "staff"})
    assert neither.status_code == 400 and neither.json()["code"] == "unknown_user"


def test_removing_a_role_over_the_api_needs_the_confirmation(cast: Cast) -> None:
    client = cast.client("secretary_here")
    staff_grant = RoleGrant.objects.get(user=cast.people["staff_here"])
    bare = client.delete(f"/api/v1/roles/{staff_grant.pk}/")
    assert bare.status_code == 400 and bare.json()["code"] == "confirmation_required"
    stale = client.delete(f"/api/v1/roles/{staff_grant.pk}/?confirm=2")
    assert stale.status_code == 400 and stale.json()["code"] == "stale_confirmation"
    assert RoleGrant.objects.filter(pk=staff_grant.pk).exists()
    assert client.delete(f"/api/v1/roles/{staff_grant.pk}/?confirm=1").status_code == 204
    assert not RoleGrant.objects.filter(pk=staff_grant.pk).exists()
