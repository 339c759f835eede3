"""The door-visit API: listing, recording, revealing and assigning, with their error codes."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.ledger.filters import LedgerFilter
from accounts.models import DataAccess, DoorVisit, VisitAssignment
from accounts.outreach import services
from tests import factories
from tests.accounts.outreach_helpers import OLD, house_with
from tests.second_factor import sign_in

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


@pytest.fixture
def place():
    return factories.neighborhood("昌里第五")


@pytest.fixture
def staff(place):
    return factories.staff(place, "staff")


@pytest.fixture
def scene(place, staff):
    house_with(place, births=(OLD,), accounts=1)
    silent, _ = house_with(place, births=(OLD,), phone=PHONE)
    outreach = services.outreach_send(
        actor=staff, neighborhood_id=place.pk, spec=LedgerFilter(age_min=90), title="牛奶", body="b"
    )
    return outreach, silent


def api_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    sign_in(client, user)
    return client


def visit(house, **given):
    return {
        "household": house.pk,
        "visited_on": timezone.localdate().isoformat(),
        "outcome": "informed",
        **given,
    }


def test_record_a_visit_and_see_it_in_the_list(scene, staff):
    outreach, silent = scene
    api = api_for(staff)
    answer = api.post(
        f"/api/v1/outreach/{outreach.pk}/visits/",
        visit(silent, note="已告知", follow_up=True, follow_up_on=timezone.localdate().isoformat()),
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["household"] == silent.pk and body["outcome"] == "informed"
    assert body["follow_up"] is True and body["visitor"] == staff.pk
    listing = api.get(f"/api/v1/outreach/{outreach.pk}/visits/").json()
    assert listing["phones_shown_until"] is None
    (card,) = listing["households"]
    assert card["household"] == silent.pk and card["informed"] is True
    assert card["residents"][0]["phone"] == "138****5678"
    assert [v["outcome"] for v in card["visits"]] == ["informed"]
    detail = api.get(f"/api/v1/outreach/{outreach.pk}/").json()
    assert detail["counts"]["not_reached"] == 0


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ({"outcome": "perhaps"}, "invalid_outcome"),
        ({"visited_on": "2000-01-01"}, "invalid_date"),
        ({"note": "x" * 501}, "too_long"),
        ({"follow_up_on": "later"}, "invalid_follow_up"),
        ({"household": "abc"}, "invalid"),
        ({"note": "a\u202eb"}, "control_character"),
    ],
)
def test_bad_input_answers_400_with_a_code_and_writes_nothing(scene, staff, given, code):
    outreach, silent = scene
    answer = api_for(staff).post(
        f"/api/v1/outreach/{outreach.pk}/visits/", visit(silent, **given), format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == code and answer.json()["message"]
    assert not DoorVisit.objects.exists()


def test_a_household_outside_the_outreach_is_400_not_in_outreach(scene, staff, place):
    outreach, _silent = scene
    elsewhere = factories.household(factories.neighborhood())
    answer = api_for(staff).post(
        f"/api/v1/outreach/{outreach.pk}/visits/", visit(elsewhere), format="json"
    )
    assert answer.status_code == 400 and answer.json()["code"] == "not_in_outreach"
    assert not DoorVisit.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("resident_here", 403),
        ("moderator_here", 403),
        ("admin_above", 403),
        ("staff_other", 404),
        ("unverified", 404),
    ],
)
def test_others_are_refused_everywhere(scene, place, who, status):
    outreach, silent = scene
    people = {
        "resident_here": lambda: factories.resident(place, "res"),
        "moderator_here": lambda: factories.staff(place, "mod", role="moderator"),
        "admin_above": lambda: factories.admin(place.subdistrict, "adm"),
        "staff_other": lambda: factories.staff(factories.neighborhood(), "far"),
        "unverified": lambda: factories.user("nobody"),
    }
    api = api_for(people[who]())
    base = f"/api/v1/outreach/{outreach.pk}/visits/"
    answers = [
        api.get(base),
        api.post(base, visit(silent), format="json"),
        api.post(base + "reveal/"),
        api.post(base + "assign/", {"visitor": None}, format="json"),
    ]
    assert [a.status_code for a in answers] == [status] * 4
    assert not DoorVisit.objects.exists() and not DataAccess.objects.exists()
    assert APIClient().get(base).status_code in (401, 403)


def test_an_assigned_visitor_reveals_and_gets_the_phones(scene, staff, place):
    outreach, silent = scene
    visitor = factories.staff(place, "visitor", role="moderator")
    assigned = api_for(staff).post(
        f"/api/v1/outreach/{outreach.pk}/visits/assign/",
        {"visitor": visitor.pk, "households": [silent.pk]},
        format="json",
    )
    assert assigned.status_code == 200 and assigned.json() == {"assigned": 1}
    api = api_for(visitor)
    # The visitor may not assign
    refused = api.post(
        f"/api/v1/outreach/{outreach.pk}/visits/assign/", {"visitor": None}, format="json"
    )
    assert refused.status_code == 403
    assert VisitAssignment.objects.count() == 1
    shown = api.post(f"/api/v1/outreach/{outreach.pk}/visits/reveal/")
    assert shown.status_code == 200 and shown.json() == {"households": 1, "phones": 1}
    listing = api.get(f"/api/v1/outreach/{outreach.pk}/visits/").json()
    assert listing["phones_shown_until"] is not None
    assert listing["households"][0]["residents"][0]["phone"] == PHONE
    # Staff who are not assigned may not reveal
    answer = api_for(staff).post(f"/api/v1/outreach/{outreach.pk}/visits/reveal/")
    assert answer.status_code == 403 and answer.json()["code"] == "not_assigned"
    assert DataAccess.objects.count() == 1


def test_assign_refuses_a_visitor_without_a_role(scene, staff, place):
    outreach, _silent = scene
    resident = factories.resident(place, "res")
    answer = api_for(staff).post(
        f"/api/v1/outreach/{outreach.pk}/visits/assign/", {"visitor": resident.pk}, format="json"
    )
    assert answer.status_code == 400 and answer.json()["code"] == "invalid_visitor"


def test_the_schema_documents_the_visit_paths_and_their_errors(scene, staff):
    schema = api_for(staff).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    listing = paths["/api/v1/outreach/{outreach_id}/visits/"]
    assert {"get", "post"} <= set(listing)
    assert {"201", "400", "403", "404"} <= set(listing["post"]["responses"])
    assert "not_in_outreach" in listing["post"]["responses"]["400"]["description"]
    assert "/api/v1/outreach/{outreach_id}/visits/reveal/" in paths
    assert "/api/v1/outreach/{outreach_id}/visits/assign/" in paths
