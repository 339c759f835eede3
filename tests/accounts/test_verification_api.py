"""What the verification API answers: codes shown once, the queue's match, error bodies."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import HouseholdCode
from accounts.verification import codes
from tests import factories

pytestmark = pytest.mark.django_db

ID_NUMBER = "310115197809090018"


def client(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def scene():
    place = factories.neighborhood()
    house = factories.household(place)
    person = factories.person(house, "张伟", id_number=ID_NUMBER)
    return place, house, person, factories.staff(place)


def test_issued_codes_come_back_once_and_redeem(scene):
    place, house, _person, clerk = scene
    response = client(clerk).post(
        f"/api/v1/neighborhoods/{place.pk}/codes/", {"household": house.pk}
    )
    assert response.status_code == 201 and response["Cache-Control"] == "no-store"
    [issued] = response.json()
    assert issued["household"] == house.pk and issued["address"] == house.address
    assert codes.normalise(issued["code"]) is not None and "-" in issued["code"]
    assert issued["code"] not in str(list(HouseholdCode.objects.values()))
    user = factories.user()
    redeemed = client(user).post(
        "/api/v1/verification/code/", {"code": issued["code"], "real_name": "张伟"}
    )
    assert redeemed.status_code == 201
    assert redeemed.json()["household"] == house.pk and redeemed.json()["representative"] is True


def test_a_household_of_another_place_is_not_found(scene):
    place, _house, _person, clerk = scene
    elsewhere = factories.household(factories.neighborhood())
    response = client(clerk).post(
        f"/api/v1/neighborhoods/{place.pk}/codes/", {"household": elsewhere.pk}
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    both = client(clerk).post(f"/api/v1/neighborhoods/{place.pk}/codes/", {})
    assert both.status_code == 400


def test_refusals_answer_code_and_message_and_lock_with_429(scene):
    user = factories.user()
    api = client(user)
    for _ in range(5):
        response = api.post(
            "/api/v1/verification/code/", {"code": "ZZZZZ-ZZZZZ", "real_name": "张伟"}
        )
        assert response.status_code == 400 and response.json()["code"] == "invalid_code"
        assert response.json()["message"]
    locked = api.post("/api/v1/verification/code/", {"code": "ZZZZZ-ZZZZZ", "real_name": "张伟"})
    assert locked.status_code == 429 and locked.json()["code"] == "too_many_attempts"


def test_the_queue_shows_the_match_masked_and_the_requester_sees_the_outcome(scene):
    place, house, person, clerk = scene
    user = factories.user()
    filed = client(user).post(
        "/api/v1/verification/requests/",
        {
            "neighborhood": place.pk,
            "building": house.building_id,
            "unit": house.unit,
            "room": house.room,
            "real_name": "张伟",
            "id_fragment": "090018",
        },
    )
    assert filed.status_code == 201 and filed.json()["id_fragment_masked"] == "****18"
    bad = client(factories.user()).post(
        "/api/v1/verification/requests/",
        {
            "neighborhood": place.pk,
            "building": house.building_id,
            "room": house.room,
            "real_name": "张伟",
            "id_fragment": "12",
        },
    )
    assert bad.status_code == 400 and bad.json()["code"] == "malformed_id"
    queue = client(clerk).get(
        f"/api/v1/neighborhoods/{place.pk}/verification-requests/?status=pending"
    )
    body = queue.json()
    assert body["count"] == 1 and body["next"] is None
    [row] = body["results"]
    assert row["match"] == "full"
    assert row["matched_resident"] == {
        "id": person.pk,
        "real_name": "张伟",
        "id_number_masked": person.id_number_masked,
    }
    assert ID_NUMBER not in queue.content.decode()
    wrong = client(clerk).get(
        f"/api/v1/neighborhoods/{place.pk}/verification-requests/?status=maybe"
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_filter"
    rejected = client(clerk).post(
        f"/api/v1/verification-requests/{row['id']}/reject/", {"reason": ""}
    )
    assert rejected.status_code == 400 and rejected.json()["code"] == "reason_required"
    approved = client(clerk).post(f"/api/v1/verification-requests/{row['id']}/approve/", {})
    assert approved.status_code == 200
    [mine] = client(user).get("/api/v1/verification/requests/mine/").json()
    assert mine["status"] == "approved"


def test_the_schema_lists_the_verification_paths(scene):
    _place, _house, _person, clerk = scene
    schema = client(clerk).get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/verification/code/",
        "/api/v1/verification-requests/{request_id}/approve/",
        "/api/v1/identity-conflicts/{conflict_id}/resolve/",
    ):
        assert path in schema["paths"]


def test_a_building_batch_over_the_api_needs_the_count_it_voids(scene):
    place, house, _person, clerk = scene
    url = f"/api/v1/neighborhoods/{place.pk}/codes/"
    client(clerk).post(url, {"household": house.pk})  # one letter printed
    bare = client(clerk).post(url, {"building": house.building_id})
    assert bare.status_code == 400 and bare.json()["code"] == "confirmation_required"
    assert "1" in bare.json()["message"]
    stale = client(clerk).post(url, {"building": house.building_id, "confirm": 0})
    assert stale.status_code == 400 and stale.json()["code"] == "stale_confirmation"
    done = client(clerk).post(url, {"building": house.building_id, "confirm": 1})
    assert done.status_code == 201 and len(done.json()) == 1


def test_a_new_code_for_a_household_over_the_api_needs_the_letter_it_voids(scene):
    place, house, _person, clerk = scene
    url = f"/api/v1/neighborhoods/{place.pk}/codes/"
    assert client(clerk).post(url, {"household": house.pk}).status_code == 201
    live = HouseholdCode.objects.filter(household=house, revoked_at__isnull=True).count()
    bare = client(clerk).post(url, {"household": house.pk})
    assert bare.status_code == 400 and bare.json()["code"] == "confirmation_required"
    stale = client(clerk).post(url, {"household": house.pk, "confirm": 0})
    assert stale.status_code == 400 and stale.json()["code"] == "stale_confirmation"
    assert HouseholdCode.objects.filter(household=house, revoked_at__isnull=True).count() == live
    done = client(clerk).post(url, {"household": house.pk, "confirm": 1})
    assert done.status_code == 201 and len(done.json()) == 1
