"""The second-factor gate (accounts/auth/mfa.py): staff roles need a second factor passed
recently before a reveal, an export or a role grant; refused, nothing is read or written;
a resident is never asked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.ledger.filters import LedgerFilter
from accounts.models import DataAccess, RoleGrant
from accounts.outreach import services as outreach_services
from tests import factories
from tests.accounts.ledger_scene import WANG_ID, build
from tests.accounts.outreach_helpers import OLD, house_with
from tests.second_factor import enable_totp, pass_second_factor, totp_now, totp_secret

pytestmark = pytest.mark.django_db


@dataclass
class World:
    scene: Any
    secretary: Any
    outreach: Any
    candidate: Any


@pytest.fixture
def world() -> World:
    scene = build()
    secretary = factories.staff(scene.here, "sec", role="secretary")
    house_with(scene.here, births=(OLD,), phone="13812345678")
    outreach = outreach_services.outreach_send(
        actor=secretary,
        neighborhood_id=scene.here.pk,
        spec=LedgerFilter(age_min=90),
        title="牛奶",
        body="b",
    )
    return World(scene, secretary, outreach, factories.user("candidate"))


def _api(user: Any) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


# (name, how to call it, the status when allowed)
def _reveal(api: APIClient, w: World) -> Any:
    return api.post(
        f"/api/v1/ledger/residents/{w.scene.wang.pk}/reveal/",
        {"field": "id_number", "reason": "办理高龄补贴"},
        format="json",
    )


def _export(api: APIClient, w: World) -> Any:
    return api.get(f"/api/v1/neighborhoods/{w.scene.here.pk}/ledger/export/?format=csv")


def _grant(api: APIClient, w: World) -> Any:
    return api.post(
        f"/api/v1/neighborhoods/{w.scene.here.pk}/roles/",
        {"user_id": w.candidate.pk, "role": "moderator"},
        format="json",
    )


def _door_reveal(api: APIClient, w: World) -> Any:
    return api.post(f"/api/v1/outreach/{w.outreach.pk}/visits/reveal/")


ACTIONS = {
    "reveal": (_reveal, 200),
    "export": (_export, 200),
    "grant": (_grant, 201),
    "door_visit_reveal": (_door_reveal, 200),
}


def _written() -> tuple[int, int]:
    return DataAccess.objects.count(), RoleGrant.objects.count()


@pytest.mark.parametrize("action", ACTIONS)
def test_the_api_refuses_without_a_second_factor_and_writes_nothing(world, action):
    call, _ok = ACTIONS[action]
    before = _written()
    response = call(_api(world.secretary), world)
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"
    assert "two-step verification" in response.json()["message"]
    assert WANG_ID not in response.content.decode()
    assert _written() == before


@pytest.mark.parametrize("action", ACTIONS)
def test_the_api_refuses_when_the_factor_was_not_passed_recently(world, action, settings):
    call, _ok = ACTIONS[action]
    api = _api(world.secretary)
    pass_second_factor(api, world.secretary, ago=settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 5)
    before = _written()
    response = call(api, world)
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_reauthentication_required"
    assert _written() == before


@pytest.mark.parametrize("action", ACTIONS)
def test_the_api_allows_after_the_factor_was_passed(world, action):
    call, ok = ACTIONS[action]
    api = _api(world.secretary)
    pass_second_factor(api, world.secretary, ago=60)
    response = call(api, world)
    assert response.status_code == ok, response.content


def test_a_second_factor_alone_is_not_enough_it_must_be_passed_in_this_session(world):
    enable_totp(world.secretary)
    response = _reveal(_api(world.secretary), world)
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_reauthentication_required"
    # Passed in another session (another browser) does not count here.
    pass_second_factor(Client(), world.secretary)
    assert _reveal(_api(world.secretary), world).status_code == 403
    assert DataAccess.objects.count() == 0


def test_a_resident_is_never_asked(world):
    resident = factories.resident(world.scene.here, "neighbor")
    response = _reveal(_api(resident), world)
    # The usual refusal of the permission check, not a second-factor code
    assert response.status_code in (403, 404)
    assert response.json()["code"] not in ("mfa_required", "mfa_reauthentication_required")


def test_a_role_outside_the_setting_is_not_asked(world, settings):
    settings.LINLI_MFA_REQUIRED_ROLES = frozenset({"staff"})
    assert _reveal(_api(world.secretary), world).status_code == 200
    settings.LINLI_MFA_REQUIRED_ROLES = frozenset()
    assert _grant(_api(world.secretary), world).status_code == 201


def test_the_reveal_page_sends_to_setup_then_to_the_code_and_back(world, settings):
    settings.LANGUAGE_CODE = "en"
    scene = world.scene
    page = reverse("ledger_resident", args=[scene.here.pk, scene.wang.pk])
    reveal = reverse("ledger_resident_reveal", args=[scene.here.pk, scene.wang.pk])
    body = {"field": "id_number", "reason": "办理高龄补贴"}
    client = Client()
    client.force_login(world.secretary)
    first = client.post(reveal, body)
    assert first.status_code == 302
    assert first["Location"].startswith(reverse("mfa_activate_totp") + "?next=")
    assert page.replace("/", "%2F") in first["Location"]
    setup = client.get(first["Location"], follow=True)  # via the password step of allauth
    assert "two-step verification" in setup.content.decode()
    enable_totp(world.secretary)
    second = client.post(reveal, body)
    assert second["Location"].startswith(reverse("mfa_reauthenticate") + "?next=")
    assert DataAccess.objects.count() == 0
    pass_second_factor(client, world.secretary)
    shown = client.post(reveal, body)
    assert shown.status_code == 200 and WANG_ID in shown.content.decode()
    assert DataAccess.objects.count() == 1


def test_the_export_roles_and_door_visit_pages_are_gated_too(world):
    here = world.scene.here.pk
    client = Client()
    client.force_login(world.secretary)
    export = client.get(reverse("ledger_export", args=[here]) + "?format=csv")
    assert export["Location"].startswith(reverse("mfa_activate_totp"))
    assert client.get(reverse("ledger_export", args=[here])).status_code == 200  # the form
    grant = client.post(
        reverse("roles", args=[here]), {"user_id": world.candidate.pk, "role": "moderator"}
    )
    assert grant["Location"].startswith(reverse("mfa_activate_totp"))
    door = client.post(reverse("door_visit_reveal", args=[here, world.outreach.pk]))
    assert door["Location"].startswith(reverse("mfa_activate_totp"))
    assert _written() == (0, RoleGrant.objects.count())
    assert not RoleGrant.objects.filter(user=world.candidate).exists()


def test_the_code_typed_at_sign_in_counts_as_passed(world):
    """Signing in with the password asks for the app's code (allauth's stage); that code
    is the second factor the gate looks for, so no second prompt before the reveal."""
    secret = totp_secret(world.secretary)
    client = Client()
    signed = client.post(
        reverse("login"), {"login": "sec", "password": factories.PASSWORD}, follow=False
    )
    assert signed.status_code == 302
    assert signed["Location"].startswith(reverse("mfa_authenticate"))
    assert _reveal(_as_api(client), world).status_code in (401, 403)  # not signed in yet
    done = client.post(reverse("mfa_authenticate"), {"code": totp_now(secret)})
    assert done.status_code == 302
    response = _reveal(_as_api(client), world)
    assert response.status_code == 200 and response.json()["value"] == WANG_ID


def _as_api(client: Client) -> APIClient:
    """An API client on the same session cookie as `client`."""
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.cookies = client.cookies
    return api
