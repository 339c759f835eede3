"""Presence across server processes: counts are held per process under a lease, and the
counts of a process whose lease is gone (killed with -9, stalled, shut down) are dropped.

The processes here are leases in the database; tests/moderation/test_presence_processes.py
kills real server processes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from moderation.minutes import build_minutes
from moderation.models import Attendance, Room, RoomEvent
from moderation.procedure.snapshot import state_from_data
from moderation.rooms import services
from realtime import lease
from realtime.models import Event, ServerLease
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def hall() -> dict[str, Any]:
    place = factories.neighborhood()
    chair = factories.staff(place, role="moderator")
    resident = factories.resident(place, name="张三")
    room = services.room_create(actor=chair, neighborhood_id=place.pk, title="加装电梯议事")
    return {"chair": chair, "resident": resident, "room": room}


def server(process: str) -> str:
    """A live server process: a lease an hour long."""
    now = timezone.now()
    ServerLease.objects.create(id=process, started_at=now, expires_at=now + dt.timedelta(hours=1))
    return process


def dies(process: str) -> None:
    """The process stopped renewing and its lease ran out."""
    ServerLease.objects.filter(pk=process).update(expires_at=timezone.now() - dt.timedelta(1))


def paused(room: Room) -> str | None:
    return state_from_data(Room.objects.get(pk=room.pk).state).paused


def log_types(room: Room) -> list[str]:
    return list(
        RoomEvent.objects.filter(room=room).order_by("number").values_list("type", flat=True)
    )


def held(room: Room, user: Any) -> dict[str, int]:
    rows = Attendance.objects.filter(room=room, user=user)
    return dict(rows.values_list("process", "sockets"))


def test_a_dead_process_s_counts_are_dropped_and_the_chair_s_room_pauses(hall: dict) -> None:
    chair, room = hall["chair"], hall["room"]
    a = server("a")
    services.presence(chair, room.pk, 1, a)
    services.presence(hall["resident"], room.pk, 1, a)
    assert paused(room) is None
    dies(a)
    # Until a sweep runs nothing changes; the sweep drops a's counts and pauses the room.
    assert services.presence_sweep() == [room.pk]
    assert paused(room) == "chair_away"
    assert log_types(room)[-2:] == ["chair.disconnected", "room.paused"]
    assert Event.objects.filter(stream=room.stream, type="room.paused").exists()  # published
    assert held(room, chair) == {"a": 0}
    assert held(room, hall["resident"]) == {"a": 0}
    # A second sweep (another process's) finds nothing left to drop.
    assert services.presence_sweep() == []
    assert log_types(room).count("room.paused") == 1


def test_a_chair_also_on_a_live_process_is_still_present(hall: dict) -> None:
    chair, room = hall["chair"], hall["room"]
    a, b = server("a"), server("b")
    services.presence(chair, room.pk, 1, a)
    services.presence(chair, room.pk, 1, b)
    dies(a)
    services.presence_sweep()
    assert paused(room) is None
    assert "chair.disconnected" not in log_types(room)
    # The chair's last socket, on b, leaves: now the room pauses.
    services.presence(chair, room.pk, -1, b)
    assert paused(room) == "chair_away"


def test_a_dead_process_s_count_does_not_hide_the_chair_s_absence(hall: dict) -> None:
    """The chair's socket on a dead, not yet swept process does not count as present."""
    chair, room = hall["chair"], hall["room"]
    a, b = server("a"), server("b")
    services.presence(chair, room.pk, 1, a)
    services.presence(chair, room.pk, 1, b)
    dies(a)
    services.presence(chair, room.pk, -1, b)
    assert paused(room) == "chair_away"
    # And the chair coming back through a live process resumes the room.
    services.presence(chair, room.pk, 1, b)
    assert paused(room) is None


def test_the_sweep_is_also_a_command_for_operators(hall: dict) -> None:
    chair, room = hall["chair"], hall["room"]
    a = server("a")
    services.presence(chair, room.pk, 1, a)
    dies(a)
    call_command("presence_sweep")
    assert paused(room) == "chair_away"
    assert not ServerLease.objects.filter(pk=a).exists()  # the expired lease is forgotten


def test_the_minutes_name_each_person_once_whatever_processes_they_came_through(
    hall: dict,
) -> None:
    chair, room, resident = hall["chair"], hall["room"], hall["resident"]
    a, b = server("a"), server("b")
    for process in (a, b):
        services.presence(resident, room.pk, 1, process)
    dies(a)
    services.presence_sweep()
    minutes = build_minutes(Room.objects.get(pk=room.pk))
    assert minutes.present == ["张三"]
    assert chair.pk not in Attendance.objects.values_list("user_id", flat=True)


@pytest.mark.django_db(transaction=True)
def test_a_process_whose_lease_lapsed_while_alive_counts_its_sockets_again(
    hall: dict,
) -> None:
    """A stall longer than the lease: the others drop this process's counts (the room
    pauses); at its next beat it takes a new lease and writes back what it still holds."""
    chair, room = hall["chair"], hall["room"]
    process = lease.ProcessLease(keep=False)
    process.tell("room", chair, room.pk, 1)
    process.tell("room", chair, room.pk, 1)  # two tabs
    first = process.id
    assert ServerLease.objects.filter(pk=first).exists()
    dies(first)
    lease.sweep()  # another process's sweep
    assert paused(room) == "chair_away"
    process.beat()
    assert process.id != first
    assert paused(room) is None
    assert held(room, chair) == {first: 0, process.id: 2}
    process.tell("room", chair, room.pk, -1)
    assert paused(room) is None
    process.tell("room", chair, room.pk, -1)
    assert paused(room) == "chair_away"


@pytest.mark.django_db(transaction=True)
def test_a_released_lease_drops_the_counts_at_once(hall: dict) -> None:
    """At shutdown the process ends its lease: its chair's room pauses now, not when
    the lease would have run out."""
    chair, room = hall["chair"], hall["room"]
    process = lease.ProcessLease(keep=False)
    process.tell("room", chair, room.pk, 1)
    assert ServerLease.objects.get(pk=process.id).expires_at > timezone.now()
    process.release()
    assert not ServerLease.objects.filter(pk=process.id).exists()
    assert paused(room) == "chair_away"
    assert held(room, chair) == {process.id: 0}
