"""outreach_send, segments, acknowledge and read: rules, error codes, counts, events."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.ledger.filters import LedgerFilter
from accounts.models import Notification, Outreach, OutreachHousehold, Segment
from accounts.notifications import selectors as notification_selectors
from accounts.notifications import services as notification_services
from accounts.outreach import delivery, selectors, services
from core.errors import Forbidden, Invalid, NotFound
from realtime.models import Event
from tests import factories
from tests.accounts.outreach_helpers import OLD, YOUNG, house_with, member

pytestmark = pytest.mark.django_db

AGED_90 = LedgerFilter(age_min=90)


@pytest.fixture
def place():
    return factories.neighborhood("昌里第五")


@pytest.fixture
def staff(place):
    return factories.staff(place, "staff")


def send(staff, place, spec=AGED_90, **kw):
    kw.setdefault("title", "免费牛奶")
    kw.setdefault("body", "90岁以上老人可领取免费牛奶。")
    return services.outreach_send(actor=staff, neighborhood_id=place.pk, spec=spec, **kw)


def test_every_verified_member_of_a_matching_household_gets_one_notification(place, staff):
    # Given two matching households (one with two accounts, one with none) and one that
    # does not match, whose member must get nothing
    two, (a, b) = house_with(place, births=(OLD, YOUNG), accounts=2)
    silent, _ = house_with(place, births=(OLD,), accounts=0)
    _young, (c,) = house_with(place, births=(YOUNG,), accounts=1)
    # When staff send to everyone aged 90 or older
    outreach = send(staff, place)
    # Then both members of the first household are notified (the young one too: the
    # notice is for the household), once each
    notes = Notification.objects.filter(outreach=outreach)
    assert sorted(notes.values_list("user_id", flat=True)) == sorted([a.pk, b.pk])
    assert not Notification.objects.filter(user=c).exists()
    first = notes.first()
    assert first.kind == "outreach" and first.title == "免费牛奶"
    assert first.url == "/notifications/" and first.household_id == two.pk
    assert first.published_at is None  # the live events go out after commit
    # And the outreach counts the matched households and the members
    outreach.refresh_from_db()
    assert (outreach.household_count, outreach.member_count) == (2, 2)
    rows = dict(
        OutreachHousehold.objects.filter(outreach=outreach).values_list(
            "household_id", "member_count"
        )
    )
    assert rows == {two.pk: 2, silent.pk: 0}
    assert outreach.filters == {"age_min": "90"}


def test_the_send_is_set_based_not_per_row(place, staff):
    for _ in range(30):
        house_with(place, births=(OLD, OLD), accounts=2)
    with CaptureQueriesContext(connection) as queries:
        outreach = send(staff, place)
    assert outreach.member_count == 60
    assert len(queries.captured_queries) <= 12  # the same for 30 households or 30,000


def test_ended_residencies_and_inactive_accounts_are_not_members(place, staff):
    house, (moved, inactive, kept) = house_with(place, births=(OLD, OLD, OLD), accounts=3)
    moved.residencies.update(ended_at=moved.residencies.get().verified_at)
    inactive.is_active = False
    inactive.save()
    outreach = send(staff, place)
    assert list(
        Notification.objects.filter(outreach=outreach).values_list("user_id", flat=True)
    ) == [kept.pk]
    assert OutreachHousehold.objects.get(outreach=outreach).member_count == 1


def test_a_saved_segment_selects_the_same_households(place, staff):
    house_with(place, births=(OLD,), accounts=1)
    house_with(place, births=(YOUNG,), accounts=1)
    segment = services.segment_create(
        actor=staff, neighborhood_id=place.pk, name="90岁以上", spec=AGED_90
    )
    assert segment.filters == {"age_min": "90"}
    outreach = services.outreach_send(
        actor=staff, neighborhood_id=place.pk, segment_id=segment.pk, title="t", body="b"
    )
    assert outreach.segment_id == segment.pk and outreach.household_count == 1
    # Deleting the segment keeps the outreach and its copy of the filters
    services.segment_delete(actor=staff, segment_id=segment.pk)
    outreach.refresh_from_db()
    assert outreach.segment_id is None and outreach.filters == {"age_min": "90"}


@pytest.mark.parametrize(
    ("title", "body", "code"),
    [
        ("", "text", "title_required"),
        ("   ", "text", "title_required"),
        ("t", "", "body_required"),
        ("t" * 81, "text", "too_long"),
        ("t", "b" * 2001, "too_long"),
    ],
)
def test_title_and_body_are_required_and_bounded(place, staff, title, body, code):
    house_with(place, births=(OLD,), accounts=1)
    with pytest.raises(Invalid) as caught:
        send(staff, place, title=title, body=body)
    assert caught.value.code == code
    assert not Outreach.objects.exists() and not Notification.objects.exists()


def test_an_empty_selection_sends_nothing(place, staff):
    house_with(place, births=(YOUNG,), accounts=1)
    with pytest.raises(Invalid) as caught:
        send(staff, place)
    assert caught.value.code == "no_households"
    assert not Outreach.objects.exists() and not Notification.objects.exists()


def test_selection_must_be_a_filter_or_a_segment(place, staff):
    with pytest.raises(Invalid) as caught:
        services.outreach_send(actor=staff, neighborhood_id=place.pk, title="t", body="b")
    assert caught.value.code == "selection_required"
    segment = services.segment_create(actor=staff, neighborhood_id=place.pk, name="s", spec=AGED_90)
    with pytest.raises(Invalid) as caught:
        send(staff, place, segment_id=segment.pk)
    assert caught.value.code == "selection_required"


def test_a_segment_of_another_place_is_not_found(place, staff):
    other = factories.neighborhood("云台第一")
    foreign = services.segment_create(
        actor=factories.staff(other), neighborhood_id=other.pk, name="s", spec=AGED_90
    )
    with pytest.raises(NotFound):
        services.outreach_send(
            actor=staff, neighborhood_id=place.pk, segment_id=foreign.pk, title="t", body="b"
        )


def test_a_segment_with_broken_filters_is_invalid_filter(place, staff):
    house_with(place, births=(OLD,), accounts=1)
    broken = Segment.objects.create(
        neighborhood=place,
        name="坏的",
        filters={"age_min": "abc"},
        created_by=staff,
        created_at=timezone.now(),
    )
    with pytest.raises(Invalid) as caught:
        services.outreach_send(
            actor=staff, neighborhood_id=place.pk, segment_id=broken.pk, title="t", body="b"
        )
    assert caught.value.code == "invalid_filter"


def test_parse_filters_turns_a_filter_error_into_invalid_filter():
    with pytest.raises(Invalid) as caught:
        selectors.parse_filters({"age_min": "x"})
    assert caught.value.code == "invalid_filter"


def test_only_staff_of_the_place_may_send(place):
    house_with(place, births=(OLD,), accounts=1)
    resident = factories.resident(place)
    moderator = factories.staff(place, role="moderator")
    stranger = factories.staff(factories.neighborhood())
    with pytest.raises(Forbidden):
        send(resident, place)
    with pytest.raises(Forbidden):
        send(moderator, place)
    with pytest.raises(NotFound):
        send(stranger, place)
    assert not Outreach.objects.exists()


@pytest.mark.parametrize(("name", "code"), [("", "name_required"), ("x" * 65, "too_long")])
def test_segment_names_are_required_and_bounded(place, staff, name, code):
    with pytest.raises(Invalid) as caught:
        services.segment_create(actor=staff, neighborhood_id=place.pk, name=name, spec=AGED_90)
    assert caught.value.code == code


def test_segment_names_are_unique_per_place(place, staff):
    services.segment_create(actor=staff, neighborhood_id=place.pk, name="高龄", spec=AGED_90)
    with pytest.raises(Invalid) as caught:
        services.segment_create(
            actor=staff, neighborhood_id=place.pk, name="高龄", spec=LedgerFilter()
        )
    assert caught.value.code == "segment_exists"
    assert Segment.objects.count() == 1


def test_staff_of_another_place_cannot_delete_a_segment(place, staff):
    segment = services.segment_create(
        actor=staff, neighborhood_id=place.pk, name="高龄", spec=AGED_90
    )
    with pytest.raises(NotFound):
        services.segment_delete(
            actor=factories.staff(factories.neighborhood()), segment_id=segment.pk
        )
    with pytest.raises(NotFound):
        services.segment_delete(actor=staff, segment_id=segment.pk + 1000)
    assert Segment.objects.filter(pk=segment.pk).exists()


def test_acknowledge_is_owner_only_idempotent_and_updates_the_counts(place, staff):
    house, (a, b) = house_with(place, births=(OLD, OLD), accounts=2)
    house_with(place, births=(OLD,), accounts=0)
    outreach = send(staff, place)
    mine = Notification.objects.get(outreach=outreach, user=a)
    # Another member may not acknowledge it, and it looks like it does not exist
    with pytest.raises(NotFound) as caught:
        notification_services.notification_acknowledge(user=b, notification_id=mine.pk)
    assert caught.value.code == "not_found"
    with pytest.raises(NotFound):
        notification_services.notification_acknowledge(user=a, notification_id=mine.pk + 1000)
    # The owner acknowledges: acknowledged and read, once
    first = notification_services.notification_acknowledge(user=a, notification_id=mine.pk)
    assert first.acknowledged_at is not None and first.read_at == first.acknowledged_at
    again = notification_services.notification_acknowledge(user=a, notification_id=mine.pk)
    assert again.acknowledged_at == first.acknowledged_at
    counts_events = list(Event.objects.filter(stream=outreach.stream, type="outreach.counts"))
    assert len(counts_events) == 1  # the repeat published nothing
    assert counts_events[0].data == {
        "households": 2,
        "reached": 1,
        "read": 1,
        "acknowledged": 1,
        "not_reached": 1,
        "members": 2,
        "members_acknowledged": 1,
        "published": 1,  # acknowledged before the delivery reached it: published first
    }
    acked = Event.objects.get(stream=f"user.{a.pk}", type="notification.acknowledged")
    assert acked.data == {"id": mine.pk, "outreach": outreach.pk}


def test_read_counts_households_and_is_idempotent(place, staff):
    house, (a, b) = house_with(place, births=(OLD, OLD), accounts=2)
    outreach = send(staff, place)
    for user in (a, b, a):
        note = Notification.objects.get(outreach=outreach, user=user)
        notification_services.notification_read(user=user, notification_id=note.pk)
    counts = selectors.outreach_counts(outreach)
    assert counts["read"] == 1 and counts["acknowledged"] == 0  # one household
    assert Event.objects.filter(stream=outreach.stream, type="outreach.counts").count() == 2


def test_counts_of_a_fresh_outreach(place, staff):
    house_with(place, births=(OLD, OLD), accounts=2)
    house_with(place, births=(OLD,), accounts=1)
    house_with(place, births=(OLD,), accounts=0)
    house_with(place, births=(OLD,), accounts=0)
    outreach = send(staff, place)
    assert selectors.outreach_counts(outreach) == {
        "households": 4,
        "reached": 2,
        "read": 0,
        "acknowledged": 0,
        "not_reached": 2,
        "members": 3,
        "members_acknowledged": 0,
        "published": 0,
    }


def test_door_visits_list_the_silent_households_with_masked_phones(place, staff):
    house_with(place, births=(OLD,), accounts=1)
    silent, _ = house_with(place, births=(OLD, YOUNG), accounts=0, phone="13812345678")
    outreach = send(staff, place)
    visits = selectors.door_visits(outreach)
    assert [v.household_id for v in visits] == [silent.pk]
    assert visits[0].address == silent.address
    # Only the residents the selection concerns (the 90-year-old), phone masked
    assert [(r.name, r.phone) for r in visits[0].residents] == [
        (f"居民{silent.pk}-0", "138****5678")
    ]


def test_inbox_counts_unread_and_unacknowledged(place, staff):
    house, (a,) = house_with(place, births=(OLD,), accounts=1)
    first = send(staff, place, title="一")
    second = send(staff, place, title="二")
    inbox = notification_selectors.notifications_for(a)
    assert [n.title for n in inbox.notifications] == ["二", "一"]
    assert (inbox.unread, inbox.unacknowledged, inbox.attention) == (2, 2, 0)  # not live yet
    delivery.deliver(first.pk)
    delivery.deliver(second.pk)
    inbox = notification_selectors.notifications_for(a)
    assert (inbox.unread, inbox.unacknowledged, inbox.attention) == (2, 2, 2)
    notification_services.notification_acknowledge(
        user=a, notification_id=Notification.objects.get(outreach=first, user=a).pk
    )
    assert notification_services.notifications_read_all(user=a) == 1
    inbox = notification_selectors.notifications_for(a)
    assert (inbox.unread, inbox.unacknowledged, inbox.attention) == (0, 1, 1)
    assert notification_selectors.attention_count(a) == 1
    # Another user's inbox is their own
    stranger = member(house, factories.person(house, "新人"))
    assert notification_selectors.notifications_for(stranger).notifications == []
