"""Two visitors recording the same household at the same moment, on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone

from accounts.ledger.filters import LedgerFilter
from accounts.models import DoorVisit
from accounts.outreach import delivery, selectors, services, visits
from realtime.models import Event
from tests import factories
from tests.accounts.outreach_helpers import OLD, house_with

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_visitors_recording_one_household_at_once_both_count_once(
    postgres: None, monkeypatch
) -> None:
    # Given a household nobody could reach online, and two people who knocked on its door
    monkeypatch.setattr(delivery, "schedule", lambda outreach_id: None)
    place = factories.neighborhood()
    staff = factories.staff(place)
    colleague = factories.staff(place)
    house, _ = house_with(place, births=(OLD,))
    outreach = services.outreach_send(
        actor=staff, neighborhood_id=place.pk, spec=LedgerFilter(age_min=90), title="t", body="b"
    )
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def visitor(actor, note: str) -> None:
        try:
            start.wait()
            visits.door_visit_record(
                actor=actor,
                outreach_id=outreach.pk,
                household_id=house.pk,
                visited_on=timezone.localdate().isoformat(),
                outcome="informed",
                note=note,
            )
        except BaseException as exc:  # noqa: BLE001 (reported below)
            failures.append(exc)
        finally:
            connection.close()

    # When both record their visit at the same moment
    threads = [
        threading.Thread(target=visitor, args=(staff, "上午")),
        threading.Thread(target=visitor, args=(colleague, "下午")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    # Then neither visit is lost, the household counts once, and the counts events are
    # computed one after the other (the second saw the first)
    assert failures == []
    assert sorted(DoorVisit.objects.values_list("note", flat=True)) == ["上午", "下午"]
    assert selectors.outreach_counts(outreach)["not_reached"] == 0
    counts = Event.objects.filter(stream=outreach.stream, type="outreach.counts").order_by("seq")
    assert [c.data["reached"] for c in counts] == [1, 1]
