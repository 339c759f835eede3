"""Outreach pages under odd input: repeated parameters, NUL characters, CSRF."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.ledger.filters import LedgerFilter
from accounts.models import Notification, Outreach, Segment
from accounts.notifications import selectors as notification_selectors
from accounts.notifications import services as notification_services
from accounts.outreach import services
from tests import factories
from tests.accounts.outreach_helpers import OLD, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    return factories.neighborhood("昌里第五")


@pytest.fixture
def staff(place):
    return factories.staff(place, "staff")


def client_for(user, **extra) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", **extra)
    client.force_login(user)
    return client


def _houses(place):
    """Two 90+ households with a member each: one living alone and disabled, one only
    living alone."""
    both = factories.household(place)
    member(both, factories.person(both, "甲", birth=OLD, tags=["living_alone", "disabled"]))
    alone = factories.household(place)
    member(alone, factories.person(alone, "乙", birth=OLD, tags=["living_alone"]))
    return both, alone


def test_two_tags_on_the_page_select_only_households_with_both(place, staff):
    # Given one household with both tags and one with only the first
    both, _ = _houses(place)
    client = client_for(staff)
    query = "tag=disabled&tag=living_alone"
    # When the new page previews the selection and the form sends it
    page = client.get(f"/committee/{place.pk}/outreach/new/?{query}")
    sent = client.post(
        f"/committee/{place.pk}/outreach/new/",
        {"tag": ["disabled", "living_alone"], "title": "上门", "body": "看望", "confirm": "1"},
    )
    # Then both tags apply (QueryDict.get() kept only the last one: a wider send)
    assert page.status_code == 200
    assert sorted(page.context["spec"].tags) == ["disabled", "living_alone"]
    assert page.context["preview"].households == 1
    assert sent.status_code == 302
    outreach = Outreach.objects.get()
    assert outreach.household_count == 1
    assert list(Notification.objects.values_list("household_id", flat=True)) == [both.pk]


def test_a_segment_saved_from_the_page_keeps_every_building(place, staff):
    # Given households in two buildings and a third
    from accounts.models import Building, Household

    houses = [
        Household.objects.create(
            building=Building.objects.create(neighborhood=place, name=f"{n}号楼"),
            unit="1",
            room="101",
            floor_area="60",
            tenure="owner",
        )
        for n in (1, 2, 3)
    ]
    for house in houses:
        member(house, factories.person(house, f"人{house.pk}", birth=OLD))
    wanted = sorted({houses[0].building_id, houses[1].building_id})
    # When a segment is saved with two buildings picked
    response = client_for(staff).post(
        f"/committee/{place.pk}/outreach/segments/",
        {"segment_name": "两栋楼", "building": [str(b) for b in wanted]},
    )
    # Then both are in it
    assert response.status_code == 302
    assert len(wanted) == 2
    assert sorted(int(b) for b in Segment.objects.get().filters["building"]) == wanted


@pytest.mark.parametrize(
    "fields",
    [
        {"title": "免费\x00牛奶", "body": "领取", "age_min": "90"},
        {"title": "免费牛奶", "body": "领\x00取", "age_min": "90"},
        {"title": "免费牛奶", "body": "领取", "unit": "1\x00"},
        {"title": "免费牛奶", "body": "领取", "name": "\x00"},
    ],
)
def test_a_nul_character_is_never_a_500(place, staff, fields):
    # Given a matching household
    _houses(place)
    client = client_for(staff)
    client.raise_request_exception = False
    # When a form or query string carries a NUL (PostgreSQL cannot store or compare it)
    response = client.post(f"/committee/{place.pk}/outreach/new/", fields)
    preview = client.get(f"/committee/{place.pk}/outreach/new/", fields)
    # Then it is refused at the edge, in Chinese, and nothing is sent
    assert (response.status_code, preview.status_code) == (400, 400)
    assert "控制字符" in response.content.decode()
    assert not Outreach.objects.exists()


def test_a_nul_in_api_filters_and_segment_names_is_400(place, staff):
    _houses(place)
    api = APIClient()
    api.raise_request_exception = False
    api.force_authenticate(staff)
    send = api.post(
        f"/api/v1/neighborhoods/{place.pk}/outreach/",
        {"title": "t", "body": "b", "filters": {"unit": "\x00"}},
        format="json",
    )
    preview = api.get(f"/api/v1/neighborhoods/{place.pk}/outreach/preview/?name=%00")
    segment = api.post(
        f"/api/v1/neighborhoods/{place.pk}/segments/",
        {"name": "老人", "filters": {"name": "\x00"}},
        format="json",
    )
    assert (send.status_code, send.json()["code"]) == (400, "control_character")
    assert (preview.status_code, preview.json()["code"]) == (400, "control_character")
    assert (segment.status_code, segment.json()["code"]) == (400, "control_character")
    assert not Outreach.objects.exists() and not Segment.objects.exists()


def test_every_outreach_post_page_needs_the_csrf_token(place, staff):
    # Given a notification and a segment to act on
    both, _ = _houses(place)
    account = both.residencies.get().user
    segment = services.segment_create(
        actor=staff, neighborhood_id=place.pk, name="老人", spec=LedgerFilter(age_min=90)
    )
    services.outreach_send(
        actor=staff, neighborhood_id=place.pk, spec=LedgerFilter(age_min=90), title="t", body="b"
    )
    note = Notification.objects.get(user=account)
    strict_staff = client_for(staff, enforce_csrf_checks=True)
    strict_member = client_for(account, enforce_csrf_checks=True)
    # When each POST page is posted without the token
    answers = [
        strict_staff.post(
            f"/committee/{place.pk}/outreach/new/", {"age_min": "90", "title": "t", "body": "b"}
        ),
        strict_staff.post(f"/committee/{place.pk}/outreach/segments/", {"segment_name": "x"}),
        strict_staff.post(f"/committee/{place.pk}/outreach/segments/{segment.pk}/delete/"),
        strict_member.post(f"/notifications/{note.pk}/ack/"),
    ]
    # Then each is refused and nothing changed
    assert [a.status_code for a in answers] == [403, 403, 403, 403]
    assert Outreach.objects.count() == 1
    assert Segment.objects.count() == 1
    note.refresh_from_db()
    assert note.acknowledged_at is None


def _user_events(account) -> list[str]:
    from realtime.models import Event

    return list(
        Event.objects.filter(stream=f"user.{account.pk}")
        .order_by("seq")
        .values_list("type", flat=True)
    )


def test_the_badge_counts_a_notice_once_its_live_event_is_out(place, staff):
    # Given a notice sent but not yet delivered live (the worker runs after commit)
    from accounts.outreach import delivery

    both, _ = _houses(place)
    account = both.residencies.get().user
    outreach = services.outreach_send(
        actor=staff, neighborhood_id=place.pk, spec=LedgerFilter(age_min=90), title="t", body="b"
    )
    # When a page renders before the delivery reaches this member
    before = notification_selectors.attention_count(account)
    delivery.deliver(outreach.pk)
    # Then the badge had not counted it: the `notification.created` that follows (after
    # the page's seq) adds it once, instead of a second time
    assert before == 0
    assert notification_selectors.attention_count(account) == 1
    assert notification_selectors.notifications_for(account).attention == 1
    assert _user_events(account) == ["notification.created"]


def test_acknowledging_a_notice_not_yet_delivered_publishes_it_first_and_once(place, staff):
    # Given a notice the member sees on the inbox page before its live event went out
    from accounts.outreach import delivery

    both, _ = _houses(place)
    account = both.residencies.get().user
    outreach = services.outreach_send(
        actor=staff, neighborhood_id=place.pk, spec=LedgerFilter(age_min=90), title="t", body="b"
    )
    note = Notification.objects.get(user=account)
    # When they say 收到, and the delivery then runs
    notification_services.notification_acknowledge(user=account, notification_id=note.pk)
    delivery.deliver(outreach.pk)
    # Then every page's badge gets +1 then -1 (not -1 alone), and nothing is published twice
    assert _user_events(account) == ["notification.created", "notification.acknowledged"]
    note.refresh_from_db()
    assert note.published_at is not None and note.acknowledged_at is not None
    outreach.refresh_from_db()
    assert outreach.delivered_at is not None


def test_the_door_visit_list_goes_by_building_then_room_number(place, staff):
    # Given silent households in 10号楼 (entered first) and 2号楼, rooms 1001 and 201
    from accounts.models import Building, Household

    tenth = Building.objects.create(neighborhood=place, name="10号楼")
    second = Building.objects.create(neighborhood=place, name="2号楼")
    for building, room in ((second, "1001"), (second, "201"), (tenth, "301")):
        house = Household.objects.create(
            building=building, unit="1", room=room, floor_area="60", tenure="owner"
        )
        factories.person(house, f"老人{room}", birth=OLD)
    outreach = services.outreach_send(
        actor=staff, neighborhood_id=place.pk, spec=LedgerFilter(age_min=90), title="t", body="b"
    )
    from accounts.outreach import selectors

    # Then the list reads like the ledger: buildings as entered, rooms by number
    assert [v.address for v in selectors.door_visits(outreach)] == [
        "10号楼1单元301室",
        "2号楼1单元201室",
        "2号楼1单元1001室",
    ]


def test_labels_and_numbers_are_joined_by_a_chinese_colon(place, staff):
    _houses(place)
    outreach = services.outreach_send(
        actor=staff, neighborhood_id=place.pk, spec=LedgerFilter(age_min=90), title="t", body="b"
    )
    client = client_for(staff)
    detail = client.get(f"/committee/{place.pk}/outreach/{outreach.pk}/").content.decode()
    new = client.get(f"/committee/{place.pk}/outreach/new/?age_min=90").content.decode()
    assert "符合条件的户：<span" in detail and "户: " not in detail
    assert "：<strong" in new


@pytest.mark.parametrize(
    ("address", "parts"),
    [
        ("1号楼1单元101室", ("1号楼", "1单元101室")),
        ("12幢302室", ("12幢", "302室")),
        ("临街商铺5室", ("临街商铺5室", "")),
    ],
)
def test_a_door_visit_address_breaks_between_building_and_flat(address, parts):
    from accounts.outreach.selectors import DoorVisit

    assert DoorVisit(household_id=1, address=address).address_parts == parts


def test_the_printed_door_visit_list_keeps_numbers_whole(place, staff):
    house = factories.household(place)
    factories.person(house, "老人", birth=OLD, phone="13912345678")
    outreach = services.outreach_send(
        actor=staff, neighborhood_id=place.pk, spec=LedgerFilter(age_min=90), title="t", body="b"
    )
    html = (
        client_for(staff)
        .get(f"/committee/{place.pk}/outreach/{outreach.pk}/door-visits/")
        .content.decode()
    )
    assert (
        f'<td class="address"><span>1号楼</span><wbr><span>1单元{house.room}室</span></td>' in html
    )
    assert '<span class="phone">139****5678</span>' in html and "13912345678" not in html


def test_a_send_over_the_api_needs_the_household_count_the_preview_gave(place, staff):
    # Given two households with a living-alone member, each with one verified member
    _houses(place)
    api = APIClient()
    api.force_authenticate(staff)
    url = f"/api/v1/neighborhoods/{place.pk}/outreach/"
    fields = {"title": "上门", "body": "看望", "filters": {"tag": ["living_alone"]}}
    # When the preview is read, then a send goes without its count, then with a wrong one
    preview = api.get(f"{url}preview/?tag=living_alone").json()
    bare = api.post(url, fields, format="json")
    stale = api.post(url, {**fields, "confirm": 5}, format="json")
    # Then both are refused with their codes and nothing is sent
    assert (preview["households"], preview["members"]) == (2, 2)
    assert (bare.status_code, bare.json()["code"]) == (400, "confirmation_required")
    assert (stale.status_code, stale.json()["code"]) == (400, "stale_confirmation")
    assert "2" in stale.json()["message"]
    assert not Outreach.objects.exists() and not Notification.objects.exists()
    # And the count the preview gave sends it
    done = api.post(url, {**fields, "confirm": preview["households"]}, format="json")
    assert done.status_code == 202 and done.json()["household_count"] == 2
