"""The outreach API's shapes and error codes."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import Notification, Outreach, Segment
from tests import factories
from tests.accounts.outreach_helpers import OLD, YOUNG, house_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    return factories.neighborhood("昌里第五")


@pytest.fixture
def api(place):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(factories.staff(place, "staff"))
    return client


def test_send_answers_202_with_the_stream_and_the_reach(place, api):
    house_with(place, births=(OLD, OLD), accounts=2)
    house_with(place, births=(OLD,), accounts=0)
    send = {"filters": {"age_min": 90, "tag": []}, "title": "免费牛奶", "body": "领取"}
    unconfirmed = api.post(f"/api/v1/neighborhoods/{place.pk}/outreach/", send, format="json")
    assert unconfirmed.status_code == 400
    assert unconfirmed.json()["code"] == "confirmation_required"
    assert not Outreach.objects.exists()
    stale = {**send, "confirm": 3}  # the count shown no longer matches: nothing is sent
    answer = api.post(f"/api/v1/neighborhoods/{place.pk}/outreach/", stale, format="json")
    assert answer.json()["code"] == "stale_confirmation" and not Outreach.objects.exists()
    answer = api.post(
        f"/api/v1/neighborhoods/{place.pk}/outreach/", {**send, "confirm": 2}, format="json"
    )
    assert answer.status_code == 202
    outreach = Outreach.objects.get()
    assert answer.json() == {
        "id": outreach.pk,
        "stream": f"outreach.{outreach.pk}",
        "household_count": 2,
        "member_count": 2,
    }
    detail = api.get(f"/api/v1/outreach/{outreach.pk}/").json()
    assert detail["seq"] == 0 and detail["counts"]["not_reached"] == 1
    assert detail["counts"]["reached"] == 1 and detail["filters"] == {"age_min": "90"}
    visits = api.get(f"/api/v1/outreach/{outreach.pk}/door-visits/").json()
    assert len(visits) == 1 and len(visits[0]["residents"]) == 1
    listing = api.get(f"/api/v1/neighborhoods/{place.pk}/outreach/").json()
    assert [(o["id"], o["household_count"], o["reached"]) for o in listing] == [(outreach.pk, 2, 1)]


def test_send_with_a_segment(place, api):
    house_with(place, births=(OLD,), accounts=1)
    made = api.post(
        f"/api/v1/neighborhoods/{place.pk}/segments/",
        {"name": "高龄", "filters": {"age_min": "90"}},
        format="json",
    )
    assert made.status_code == 201 and made.json()["filters"] == {"age_min": "90"}
    segment = Segment.objects.get()
    answer = api.post(
        f"/api/v1/neighborhoods/{place.pk}/outreach/",
        {"segment": segment.pk, "title": "t", "body": "b", "confirm": 1},
        format="json",
    )
    assert answer.status_code == 202 and answer.json()["member_count"] == 1
    assert [s["name"] for s in api.get(f"/api/v1/neighborhoods/{place.pk}/segments/").json()] == [
        "高龄"
    ]
    assert api.delete(f"/api/v1/segments/{segment.pk}/").status_code == 204
    assert api.delete(f"/api/v1/segments/{segment.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"filters": {"age_min": "abc"}, "title": "t", "body": "b"}, "invalid_filter"),
        ({"filters": "age>90", "title": "t", "body": "b"}, "invalid_filter"),
        ({"filters": {"tag": ["nonsense"]}, "title": "t", "body": "b"}, "invalid_filter"),
        ({"filters": {}, "title": "", "body": "b"}, "title_required"),
        ({"filters": {}, "title": "t", "body": " "}, "body_required"),
        ({"filters": {}, "title": "t" * 81, "body": "b"}, "too_long"),
        ({"filters": {"age_min": 120}, "title": "t", "body": "b"}, "no_households"),
        ({"title": "t", "body": "b"}, "selection_required"),
        ({"segment": 999999, "title": "t", "body": "b"}, "not_found"),
        ({"filters": {}, "body": "b"}, "invalid"),
    ],
)
def test_send_errors_have_stable_codes_and_write_nothing(place, api, body, code):
    house_with(place, births=(YOUNG,), accounts=1)
    answer = api.post(f"/api/v1/neighborhoods/{place.pk}/outreach/", body, format="json")
    assert answer.status_code in (400, 404)
    assert answer.json()["code"] == code
    assert answer.json()["message"]
    assert not Outreach.objects.exists() and not Notification.objects.exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": "", "filters": {}}, "name_required"),
        ({"name": "x", "filters": {"age_max": "-1"}}, "invalid_filter"),
    ],
)
def test_segment_errors(place, api, body, code):
    answer = api.post(f"/api/v1/neighborhoods/{place.pk}/segments/", body, format="json")
    assert answer.status_code == 400 and answer.json()["code"] == code


def test_preview_counts_households_and_the_silent_ones(place, api):
    house_with(place, births=(OLD,), accounts=1)
    house_with(place, births=(OLD,), accounts=0)
    answer = api.get(f"/api/v1/neighborhoods/{place.pk}/outreach/preview/?age_min=90")
    assert answer.json() == {"households": 2, "without_account": 1, "members": 1}
    bad = api.get(f"/api/v1/neighborhoods/{place.pk}/outreach/preview/?age_min=x")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_filter"


def test_the_member_reads_their_inbox_and_acknowledges(place, api):
    _house, (alice,) = house_with(place, births=(OLD,), accounts=1)
    api.post(
        f"/api/v1/neighborhoods/{place.pk}/outreach/",
        {"filters": {}, "title": "停水", "body": "明天停水", "confirm": 1},
        format="json",
    )
    member = APIClient()
    member.force_authenticate(alice)
    inbox = member.get("/api/v1/notifications/").json()
    assert inbox["unacknowledged"] == 1 and inbox["seq"] == 0
    note = inbox["notifications"][0]
    assert note["title"] == "停水" and note["acknowledged"] is False
    acked = member.post(f"/api/v1/notifications/{note['id']}/ack/")
    assert acked.status_code == 200 and acked.json()["acknowledged"] is True
    assert member.post(f"/api/v1/notifications/{note['id']}/ack/").status_code == 200
    assert member.get("/api/v1/notifications/").json()["unacknowledged"] == 0
