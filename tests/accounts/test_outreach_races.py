"""Outreach under races and rollbacks, on a real database with real transactions."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from accounts.ledger.filters import LedgerFilter
from accounts.models import Notification, Outreach
from accounts.notifications import services as notification_services
from accounts.outreach import delivery, services
from realtime.models import Event
from tests import factories
from tests.accounts.outreach_helpers import OLD, house_with

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_send_rolled_back_by_its_caller_publishes_and_schedules_nothing(
    postgres: None, monkeypatch
) -> None:
    # Given a caller whose own transaction fails after outreach_send returned
    scheduled: list[int] = []
    monkeypatch.setattr(delivery, "schedule", scheduled.append)
    place = factories.neighborhood()
    staff = factories.staff(place)
    house_with(place, births=(OLD, OLD), accounts=2)

    class Boom(Exception):
        pass

    # When it rolls back
    with pytest.raises(Boom), transaction.atomic():
        services.outreach_send(
            actor=staff,
            neighborhood_id=place.pk,
            spec=LedgerFilter(age_min=90),
            title="t",
            body="b",
        )
        raise Boom
    # Then no outreach, no notification, no event, no delivery
    assert scheduled == []
    assert not Outreach.objects.exists()
    assert not Notification.objects.exists()
    assert not Event.objects.exists()


def test_two_tabs_acknowledging_at_once_count_once(postgres: None, monkeypatch) -> None:
    # Given a delivered notice
    monkeypatch.setattr(delivery, "schedule", lambda outreach_id: None)
    place = factories.neighborhood()
    staff = factories.staff(place)
    _, (member,) = house_with(place, births=(OLD,), accounts=1)
    outreach = services.outreach_send(
        actor=staff, neighborhood_id=place.pk, spec=LedgerFilter(age_min=90), title="t", body="b"
    )
    delivery.deliver(outreach.pk)
    note = Notification.objects.get(user=member)
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def tab() -> None:
        try:
            start.wait()
            notification_services.notification_acknowledge(user=member, notification_id=note.pk)
        except BaseException as exc:  # noqa: BLE001 (reported below)
            failures.append(exc)
        finally:
            connection.close()

    # When four tabs say 收到 at the same moment
    tabs = [threading.Thread(target=tab) for _ in range(4)]
    for t in tabs:
        t.start()
    for t in tabs:
        t.join(30)
    # Then it is acknowledged once: one event for the member, one counts event for staff
    assert failures == []
    acked = Event.objects.filter(stream=f"user.{member.pk}", type="notification.acknowledged")
    assert acked.count() == 1
    counts = Event.objects.filter(stream=outreach.stream, type="outreach.counts")
    assert [c.data["acknowledged"] for c in counts] == [1]
    assert [c.data["members_acknowledged"] for c in counts] == [1]
