"""What the ledger API answers: numbers, pages, edits, reveals, history, error bodies."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from accounts import idcard
from accounts.models import DataAccess, LedgerChange, Resident
from tests import factories
from tests.accounts.ledger_scene import WANG_ID, build
from tests.second_factor import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    return build()


@pytest.fixture
def api(scene) -> APIClient:
    client = APIClient()
    client_user = factories.staff(scene.here, "clerk")
    client.force_authenticate(client_user)
    sign_in(client, client_user)
    return client


def test_the_summary_answers_the_questions(scene, api):
    # The API counts with today's date; the scene's oldest are 90+ on any day after 2024.
    body = api.get(f"/api/v1/neighborhoods/{scene.here.pk}/ledger/summary/?vehicle=yes").json()
    assert (body["vehicles"], body["vehicle_owners"], body["households"]) == (4, 3, 2)
    assert body["filter"] == {"vehicle": "yes"}
    body = api.get(
        f"/api/v1/neighborhoods/{scene.here.pk}/ledger/summary/?building={scene.b1.pk}&building={scene.b2.pk}"
    ).json()
    assert body["residents"] == 7
    assert body["filter"] == {"building": sorted([str(scene.b1.pk), str(scene.b2.pk)], key=int)}


def test_a_bad_filter_is_400_invalid_filter(scene, api):
    response = api.get(f"/api/v1/neighborhoods/{scene.here.pk}/ledger/residents/?age_min=old")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_filter"
    assert "年龄" in response.json()["message"]
    response = api.get(f"/api/v1/neighborhoods/{scene.here.pk}/ledger/residents/?page=x")
    assert response.status_code == 400 and response.json()["code"] == "invalid_page"


def test_the_resident_list_pages_and_masks(scene, api):
    body = api.get(
        f"/api/v1/neighborhoods/{scene.here.pk}/ledger/residents/?per_page=2&page=2"
    ).json()
    assert (body["count"], body["page"], body["pages"], body["per_page"]) == (7, 2, 4, 2)
    assert [row["real_name"] for row in body["results"]] == ["李秀兰", "王建国"]
    wang = body["results"][1]
    assert wang["phone_masked"] == "138****5678" and wang["verified"] is True
    assert wang["id_number_masked"].count("*") == 14 and WANG_ID not in str(body)
    assert "phone" not in wang and "birth_date" not in wang


def test_patch_edits_and_answers_the_masked_record(scene, api):
    response = api.patch(
        f"/api/v1/ledger/residents/{scene.wang.pk}/",
        {"phone": "13900002222", "vehicles": ["沪A12345"], "left": False},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["phone_masked"] == "139****2222" and body["vehicles"] == ["沪A12345"]
    assert "13900002222" not in response.content.decode()
    history = api.get(f"/api/v1/ledger/residents/{scene.wang.pk}/history/").json()
    assert history[0]["before"]["phone"] == "138****5678"
    assert history[0]["after"] == {"phone": "139****2222", "vehicles": ["沪A12345"]}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"phone": "123"}, "invalid_phone"),
        ({"vehicles": ["ABC"]}, "invalid_plate"),
        ({"tags": ["rich"]}, "unknown_tag"),
        ({"birth_date": "2999-01-01"}, "birth_date_in_future"),
        ({"id_number": "310115198005010011"}, "unknown_field"),
    ],
)
def test_patch_refusals_keep_their_codes(scene, api, body, code):
    response = api.patch(f"/api/v1/ledger/residents/{scene.wang.pk}/", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == code
    assert response.json()["message"]
    assert not LedgerChange.objects.exists()


def test_a_child_without_consent_gets_no_phone(scene, api):
    response = api.patch(
        f"/api/v1/ledger/residents/{scene.child.pk}/", {"phone": "13800001111"}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "guardian_consent_required"
    response = api.patch(
        f"/api/v1/ledger/residents/{scene.child.pk}/",
        {"phone": "13800001111", "guardian_consent": True},
        format="json",
    )
    assert response.status_code == 200 and response.json()["child"] is True


def test_reveal_answers_once_uncached_and_audited(scene, api):
    response = api.post(
        f"/api/v1/ledger/residents/{scene.wang.pk}/reveal/",
        {"field": "id_number", "reason": "办理高龄补贴"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == {"field": "id_number", "value": WANG_ID}
    assert response["Cache-Control"] == "no-store"
    assert DataAccess.objects.get().reason == "办理高龄补贴"
    missing = api.post(
        f"/api/v1/ledger/residents/{scene.wang.pk}/reveal/", {"field": "phone"}, format="json"
    )
    assert missing.status_code == 400 and missing.json()["code"] == "reason_required"
    assert WANG_ID not in missing.content.decode()
    odd = api.post(
        f"/api/v1/ledger/residents/{scene.wang.pk}/reveal/",
        {"field": "real_name", "reason": "看看"},
        format="json",
    )
    assert odd.status_code == 400 and odd.json()["code"] == "invalid_field"
    assert DataAccess.objects.count() == 1


def test_household_detail_edit_and_add(scene, api):
    body = api.get(f"/api/v1/ledger/households/{scene.family.pk}/").json()
    assert [r["real_name"] for r in body["residents"]] == ["王建国", "王丽", "王小宝"]
    assert (body["accounts"], body["floor_area"], body["tenure"]) == (1, "98.00", "owner")
    edited = api.patch(
        f"/api/v1/ledger/households/{scene.family.pk}/", {"floor_area": "101.5"}, format="json"
    )
    assert edited.status_code == 200 and edited.json()["floor_area"] == "101.50"
    assert edited.json()["changes"][0]["after"] == {"floor_area": "101.50"}
    bad = api.patch(f"/api/v1/ledger/households/{scene.family.pk}/", {"tenure": "x"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_tenure"
    number = idcard.make("310115", dt.date(2016, 2, 29), 9)
    added = api.post(
        f"/api/v1/ledger/households/{scene.family.pk}/residents/",
        {"real_name": "王小妹", "id_number": number},
        format="json",
    )
    assert added.status_code == 201
    # the birth date came from the number; the answer gives the age, not the date
    assert "birth_date" not in added.json() and added.json()["child"] is True
    assert Resident.objects.get(pk=added.json()["id"]).birth_date == dt.date(2016, 2, 29)
    assert number not in added.content.decode()
    again = api.post(
        f"/api/v1/ledger/households/{scene.old_alone.pk}/residents/",
        {"real_name": "王小妹", "id_number": number},
        format="json",
    )
    assert again.status_code == 400 and again.json()["code"] == "duplicate_resident"
    broken = api.post(
        f"/api/v1/ledger/households/{scene.family.pk}/residents/",
        {"real_name": "王", "id_number": number[:-1] + ("0" if number[-1] != "0" else "1")},
        format="json",
    )
    assert broken.status_code == 400 and broken.json()["code"] == "malformed_id"


def test_the_schema_documents_the_ledger(scene, api):
    schema = api.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/neighborhoods/{neighborhood_id}/ledger/summary/",
        "/api/v1/neighborhoods/{neighborhood_id}/ledger/residents/",
        "/api/v1/ledger/residents/{resident_id}/",
        "/api/v1/ledger/residents/{resident_id}/reveal/",
        "/api/v1/ledger/residents/{resident_id}/history/",
        "/api/v1/ledger/households/{household_id}/",
        "/api/v1/ledger/households/{household_id}/residents/",
        "/api/v1/subdistricts/{subdistrict_id}/aggregates/",
    ):
        assert path in paths
    names = {
        p["name"]
        for p in paths["/api/v1/neighborhoods/{neighborhood_id}/ledger/summary/"]["get"][
            "parameters"
        ]
    }
    assert {"age_min", "vehicle", "tag", "building", "verified"} <= names
