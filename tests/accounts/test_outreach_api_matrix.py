"""Authorization matrix: every role × every outreach / notification endpoint × own place /
other place, with the exact status. Non-members see 404, members without the role 403."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.ledger.filters import LedgerFilter
from accounts.models import Notification, Segment
from accounts.outreach import services
from tests.accounts.conftest import ROLES

pytestmark = pytest.mark.django_db

PLACES = ("here", "other")
# Who may act at each place: staff and secretary of it.
SENDERS = {"here": {"staff_here", "secretary_here"}, "other": {"staff_other"}}
# Members of each place without the outreach role: 403 there; everyone else 404.
MEMBERS = {
    "here": {"resident_here", "moderator_here", "admin_above"},
    "other": {"resident_other", "admin_above"},
}


def setup_place(cast: Any, where: str) -> dict[str, Any]:
    place = getattr(cast, where)
    sender = cast.people["staff_here" if where == "here" else "staff_other"]
    segment = services.segment_create(
        actor=sender, neighborhood_id=place.pk, name="全部", spec=LedgerFilter()
    )
    outreach = services.outreach_send(
        actor=sender, neighborhood_id=place.pk, spec=LedgerFilter(), title="通知", body="正文"
    )
    owner = cast.people["resident_here" if where == "here" else "resident_other"]
    note = Notification.objects.get(outreach=outreach, user=owner)
    return {"place": place, "segment": segment, "outreach": outreach, "note": note, "owner": owner}


def staff_status(who: str, where: str, success: int) -> int:
    if who == "anonymous":
        return 403
    if who in SENDERS[where]:
        return success
    if who in MEMBERS[where]:
        return 403
    return 404


STAFF_ENDPOINTS = {
    "segments.list": ("get", "/api/v1/neighborhoods/{place}/segments/", None, 200),
    "segments.create": (
        "post",
        "/api/v1/neighborhoods/{place}/segments/",
        {"name": "新人群", "filters": {"age_min": 90}},
        201,
    ),
    "segment.delete": ("delete", "/api/v1/segments/{segment}/", None, 204),
    "outreach.list": ("get", "/api/v1/neighborhoods/{place}/outreach/", None, 200),
    "outreach.send": (
        "post",
        "/api/v1/neighborhoods/{place}/outreach/",
        {"filters": {}, "title": "停水通知", "body": "明天停水"},
        202,
    ),
    "outreach.preview": ("get", "/api/v1/neighborhoods/{place}/outreach/preview/", None, 200),
    "outreach.detail": ("get", "/api/v1/outreach/{outreach}/", None, 200),
    "outreach.door_visits": ("get", "/api/v1/outreach/{outreach}/door-visits/", None, 200),
}


def call(client: Any, method: str, url: str, body: Any) -> Any:
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, body, format="json")


@pytest.mark.parametrize("where", PLACES)
@pytest.mark.parametrize("endpoint", sorted(STAFF_ENDPOINTS))
@pytest.mark.parametrize("who", ROLES)
def test_staff_endpoints(cast, who: str, endpoint: str, where: str) -> None:
    scene = setup_place(cast, where)
    method, template, body, success = STAFF_ENDPOINTS[endpoint]
    url = template.format(
        place=scene["place"].pk, segment=scene["segment"].pk, outreach=scene["outreach"].pk
    )
    if endpoint == "outreach.send":  # confirmed with the count the same filters reached
        body = {**(body or {}), "confirm": scene["outreach"].household_count}
    answer = call(cast.client(who), method, url, body)
    expected = staff_status(who, where, success)
    assert answer.status_code == expected, (who, endpoint, where, answer.content[:200])
    if expected >= 400:
        assert answer.json()["code"] in {"not_found", "forbidden", "not_authenticated"}
        assert Segment.objects.filter(pk=scene["segment"].pk).exists()  # nothing deleted


NOTE_ENDPOINTS = {
    "notification.ack": "/api/v1/notifications/{note}/ack/",
    "notification.read": "/api/v1/notifications/{note}/read/",
}


@pytest.mark.parametrize("where", PLACES)
@pytest.mark.parametrize("endpoint", sorted(NOTE_ENDPOINTS))
@pytest.mark.parametrize("who", ROLES)
def test_a_notification_answers_only_its_owner(cast, who: str, endpoint: str, where: str) -> None:
    scene = setup_place(cast, where)
    url = NOTE_ENDPOINTS[endpoint].format(note=scene["note"].pk)
    answer = cast.client(who).post(url)
    owner = "resident_here" if where == "here" else "resident_other"
    expected = 403 if who == "anonymous" else 200 if who == owner else 404
    assert answer.status_code == expected, (who, endpoint, where)
    note = Notification.objects.get(pk=scene["note"].pk)
    touched = note.acknowledged_at if endpoint == "notification.ack" else note.read_at
    assert (touched is not None) == (expected == 200)


@pytest.mark.parametrize("who", ROLES)
def test_the_inbox_holds_only_ones_own_notifications(cast, who: str) -> None:
    scenes = [setup_place(cast, where) for where in PLACES]
    answer = cast.client(who).get("/api/v1/notifications/")
    if who == "anonymous":
        assert answer.status_code == 403
        return
    assert answer.status_code == 200
    body = answer.json()
    me = cast.people[who]
    mine = sorted(Notification.objects.filter(user=me).values_list("pk", flat=True))
    assert sorted(n["id"] for n in body["notifications"]) == mine
    assert body["stream"] == f"user.{me.pk}"
    owners = {s["owner"].pk for s in scenes}
    assert (len(mine) == 1) == (me.pk in owners)
