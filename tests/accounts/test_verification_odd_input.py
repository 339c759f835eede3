"""Odd input never makes a 500: huge strings, ids that are not numbers, JSON with fields
missing or of the wrong type, other content types. Each is a 4xx with an error code."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Residency, VerificationAttempt, VerificationRequest
from accounts.verification import services
from tests import factories

pytestmark = pytest.mark.django_db

HUGE = "王" * 200_000
BIG_ID = "9" * 30


@pytest.fixture
def scene():
    place = factories.neighborhood()
    house = factories.household(place)
    factories.person(house, "张伟")
    clerk = factories.staff(place)
    code = services.household_code_issue(actor=clerk, household_id=house.pk)
    return place, house, clerk, code


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_resident_forms_take_huge_and_non_numeric_values_without_a_500(scene):
    place, house, _clerk, _code = scene
    user = factories.user()
    browser = page(user)
    verify = browser.post("/verify/", {"code": HUGE, "real_name": HUGE})
    assert verify.status_code == 400 and 'data-error-code="invalid_code"' in verify.content.decode()
    for fields in (
        {"neighborhood": "abc", "building": "x", "room": HUGE},
        {"neighborhood": BIG_ID, "building": BIG_ID, "room": "101"},
        {"neighborhood": place.pk, "building": house.building_id, "room": HUGE},
        {"neighborhood": place.pk, "building": house.building_id, "room": "1", "real_name": HUGE},
    ):
        filed = browser.post(
            "/verify/request/", {"real_name": "张伟", "id_fragment": "1", **fields}
        )
        assert filed.status_code == 400, fields
    assert browser.get("/verify/request/", {"neighborhood": BIG_ID}).status_code == 200
    assert browser.post("/household/representative/", {"user": "x"}).status_code == 302
    assert not VerificationRequest.objects.exists() and not Residency.objects.exists()


def test_staff_forms_take_odd_ids_without_a_500(scene):
    place, house, clerk, code = scene
    staff = page(clerk)
    for body in ({"household": "x"}, {"household": BIG_ID}, {"building": BIG_ID}, {}):
        assert staff.post(f"/committee/{place.pk}/codes/issue/", body).status_code == 404, body
    assert staff.get(f"/committee/{BIG_ID}/codes/").status_code == 404
    assert staff.post(f"/committee/{place.pk}/codes/{BIG_ID}/revoke/").status_code == 404
    revoke = staff.post(f"/committee/{place.pk}/codes/{code.record.pk}/revoke/", {"building": "x"})
    assert revoke.status_code == 302
    assert staff.post(f"/committee/{place.pk}/verification/{BIG_ID}/approve/").status_code == 404
    members = f"/committee/{place.pk}/households/{house.pk}/representative/"
    assert staff.post(members, {"user": HUGE}).status_code == 302


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/verification/code/", {}),
        ("/api/v1/verification/code/", {"code": ["K7QX2"], "real_name": {"a": 1}}),
        ("/api/v1/verification/code/", {"code": HUGE, "real_name": "张伟"}),
        ("/api/v1/verification/requests/", {"neighborhood": "abc", "building": 1}),
        (
            "/api/v1/verification/requests/",
            {
                "neighborhood": int(BIG_ID),
                "building": 1,
                "room": "1",
                "real_name": "张伟",
                "id_fragment": "000000",
            },
        ),
        ("/api/v1/verification/requests/", ["not", "an", "object"]),
        ("/api/v1/households/1/representative/", {"user": "x"}),
        ("/api/v1/residencies/1/end/", {"reason": HUGE}),
    ],
)
def test_the_api_answers_odd_json_with_a_4xx_and_a_code(scene, path, body):
    response = api(factories.user()).post(path, body, format="json")
    assert 400 <= response.status_code < 500
    assert response.json()["code"]
    assert not Residency.objects.exists()


def test_the_api_refuses_other_content_types_and_broken_json(scene):
    client = api(factories.user())
    form = client.post("/api/v1/verification/code/", "code=1", content_type="text/plain")
    assert form.status_code == 415 and form.json()["code"] == "unsupported_media_type"
    broken = client.post("/api/v1/verification/code/", "{not json", content_type="application/json")
    assert broken.status_code == 400 and broken.json()["code"]
    assert not VerificationAttempt.objects.exists()


def test_posts_need_the_csrf_token_for_a_browser_session(scene):
    place, house, clerk, _code = scene
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(clerk)
    assert (
        strict.post(f"/committee/{place.pk}/codes/issue/", {"household": house.pk}).status_code
        == 403
    )
    assert (
        strict.post("/api/v1/verification/code/", {"code": "x", "real_name": "y"}).status_code
        == 403
    )
