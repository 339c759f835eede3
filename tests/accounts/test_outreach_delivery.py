"""Delivery: each member's live notification published exactly once, in batches, after the
send committed; a crashed delivery resumes with `manage.py outreach_deliver`."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection

import realtime
from accounts.ledger.filters import LedgerFilter
from accounts.models import Notification, Outreach
from accounts.outreach import delivery, services
from realtime.models import Event
from tests import factories
from tests.accounts.outreach_helpers import many_households

pytestmark = pytest.mark.django_db(transaction=True)


def created_events_per_user(outreach: Outreach) -> dict[str, int]:
    counts: dict[str, int] = {}
    rows = Event.objects.filter(type="notification.created", data__outreach=outreach.pk)
    for stream in rows.values_list("stream", flat=True):
        counts[stream] = counts.get(stream, 0) + 1
    return counts


def assert_each_member_got_exactly_one(outreach: Outreach) -> None:
    expected = {
        f"user.{uid}": 1
        for uid in Notification.objects.filter(outreach=outreach).values_list("user_id", flat=True)
    }
    assert len(expected) == outreach.member_count
    assert created_events_per_user(outreach) == expected
    assert not Notification.objects.filter(outreach=outreach, published_at__isnull=True).exists()
    outreach.refresh_from_db()
    assert outreach.delivered_at is not None
    assert Event.objects.filter(stream=outreach.stream, type="outreach.delivered").count() == 1


def test_an_outreach_to_a_thousand_households_returns_at_once_and_completes(
    postgres: None, redis: None
) -> None:
    # Given 1,000 households of 90-year-olds, 900 of them with two verified members
    place = factories.neighborhood("昌里第五")
    staff = factories.staff(place)
    members = many_households(place, 1000)
    assert members == 1800
    # When staff send the notice
    started = time.perf_counter()
    outreach = services.outreach_send(
        actor=staff,
        neighborhood_id=place.pk,
        spec=LedgerFilter(age_min=90),
        title="免费牛奶",
        body="90岁以上老人可领取免费牛奶。",
    )
    returned = time.perf_counter() - started
    # Then the request returns quickly and delivery completes in the background
    assert delivery.wait_idle(30)
    completed = time.perf_counter() - started
    print(
        f"\n1,000 households / {members} members: send returned in {returned:.3f} s, "
        f"all published in {completed:.3f} s"
    )
    assert returned < 1.0
    assert completed < 10.0
    assert (outreach.household_count, outreach.member_count) == (1000, 1800)
    assert_each_member_got_exactly_one(outreach)
    progress = list(
        Event.objects.filter(stream=outreach.stream, type="outreach.progress")
        .order_by("seq")
        .values_list("data", flat=True)
    )
    assert [p["published"] for p in progress] == [500, 1000, 1500, 1800]
    assert all(p["total"] == 1800 for p in progress)
    # And each event carries the notification payload
    note = Notification.objects.filter(outreach=outreach).first()
    event = Event.objects.get(stream=f"user.{note.user_id}", type="notification.created")
    assert event.data["id"] == note.pk and event.data["title"] == "免费牛奶"
    assert event.data["kind"] == "outreach" and event.data["acknowledged"] is False


def test_an_outreach_with_no_member_is_delivered_at_once(postgres: None) -> None:
    place = factories.neighborhood()
    staff = factories.staff(place)
    many_households(place, 3, silent_every=1)
    outreach = services.outreach_send(
        actor=staff, neighborhood_id=place.pk, spec=LedgerFilter(), title="t", body="b"
    )
    assert delivery.wait_idle(10)
    outreach.refresh_from_db()
    assert outreach.member_count == 0 and outreach.delivered_at is not None


def test_a_delivery_that_died_is_finished_by_the_command_exactly_once(
    postgres: None, monkeypatch
) -> None:
    # Given a send whose process died after one batch (the worker never ran further)
    monkeypatch.setattr(delivery, "BATCH", 40)
    monkeypatch.setattr(delivery, "schedule", lambda outreach_id: None)
    place = factories.neighborhood()
    staff = factories.staff(place)
    many_households(place, 60)  # 54 households with accounts: 108 members
    outreach = services.outreach_send(
        actor=staff, neighborhood_id=place.pk, spec=LedgerFilter(), title="t", body="b"
    )
    assert delivery._batch(outreach) == 40
    assert Notification.objects.filter(outreach=outreach, published_at__isnull=True).count() == 68
    # When the command runs (twice: it is idempotent)
    call_command("outreach_deliver", verbosity=0)
    call_command("outreach_deliver", verbosity=0)
    # Then every member got exactly one event
    assert_each_member_got_exactly_one(outreach)


def test_a_batch_that_fails_midway_publishes_nothing_and_is_resumed(
    postgres: None, monkeypatch
) -> None:
    # Given a worker that crashes inside its second batch, after publishing its events
    monkeypatch.setattr(delivery, "BATCH", 30)
    real_publish = realtime.publish
    calls = {"progress": 0}

    def failing_publish(stream, type, data):  # noqa: A002
        if type == "outreach.progress":
            calls["progress"] += 1
            if calls["progress"] == 2:
                raise ConnectionError("the process died")
        return real_publish(stream, type, data)

    monkeypatch.setattr(realtime, "publish", failing_publish)
    place = factories.neighborhood()
    staff = factories.staff(place)
    many_households(place, 50)  # 90 members
    outreach = services.outreach_send(
        actor=staff, neighborhood_id=place.pk, spec=LedgerFilter(), title="t", body="b"
    )
    assert delivery.wait_idle(10)
    # Then only the first batch went out (the second rolled back whole)
    assert Notification.objects.filter(outreach=outreach, published_at__isnull=False).count() == 30
    assert sum(created_events_per_user(outreach).values()) == 30
    # When the command resumes
    monkeypatch.setattr(realtime, "publish", real_publish)
    call_command("outreach_deliver", verbosity=0)
    assert_each_member_got_exactly_one(outreach)


def test_the_command_beside_a_live_worker_still_publishes_each_once(postgres: None, monkeypatch):
    monkeypatch.setattr(delivery, "BATCH", 20)
    place = factories.neighborhood()
    staff = factories.staff(place)
    many_households(place, 100)  # 180 members
    started = threading.Event()
    real_schedule = delivery.schedule
    monkeypatch.setattr(delivery, "schedule", lambda oid: (started.set(), real_schedule(oid)))
    outreach = services.outreach_send(
        actor=staff, neighborhood_id=place.pk, spec=LedgerFilter(), title="t", body="b"
    )
    assert started.is_set()
    call_command("outreach_deliver", verbosity=0)  # races the worker
    assert delivery.wait_idle(20)
    connection.close()
    assert_each_member_got_exactly_one(outreach)
