"""The services of the room path check their own permission, no flag turns it off: a room's
vote is created and closed by whoever chairs that room (voting.services), the minutes are
posted by those who manage rooms in the board's neighborhood (forum.services). Called
directly, bypassing the room's own service, anyone else is refused and nothing is written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import DomainError, Forbidden, NotFound
from forum import services as forum
from forum.models import Post, Topic
from moderation.models import Room, RoomBallot
from moderation.rooms import services
from tests import factories
from voting import services as voting
from voting.models import Ballot, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def hall() -> dict:
    place = factories.neighborhood()
    chair = factories.staff(place, "chair", role="moderator")  # ROOM_MANAGE, no BALLOT_MANAGE
    other_moderator = factories.staff(place, "moderator2", role="moderator")
    people = [factories.resident(place, name=n) for n in ("张三", "李四")]
    elsewhere = factories.neighborhood("别处")
    stranger = factories.staff(elsewhere, "stranger", role="moderator")
    room = services.room_create(
        actor=chair, neighborhood_id=place.pk, title="小区停车议事", agenda=["停车方案"]
    )
    return {
        "place": place,
        "chair": chair,
        "other_moderator": other_moderator,
        "people": people,
        "stranger": stranger,
        "room": room,
    }


def _create_for_room(actor: object, room: Room) -> Ballot:
    return voting.ballot_create_for_room(
        actor=actor,  # type: ignore[arg-type]
        room_id=room.pk,
        title="在3号楼前划定临时车位",
        description="",
        closes_at=timezone.now() + dt.timedelta(hours=24),
    )


def _refusal(call: object, *args: object) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value


def _to_vote(hall: dict) -> tuple[Room, int]:
    """Through the room's own path: a motion seconded and put to the vote by the chair."""
    chair, (a, b), room = hall["chair"], hall["people"], hall["room"]
    for user, action, data in (
        (a, "move", {"text": "在3号楼前划定临时车位"}),
        (b, "second", {}),
        (chair, "call_vote", {}),
    ):
        services.room_command(user=user, room_id=room.pk, action=action, data=data)
    return room, RoomBallot.objects.get(room=room).ballot_id


def test_the_chair_creates_the_rooms_vote_without_a_voting_role(hall: dict) -> None:
    chair, room = hall["chair"], hall["room"]
    # The chair is a moderator: ballots of the neighborhood are not theirs to create...
    with pytest.raises(Forbidden):
        voting.ballot_create(
            actor=chair,
            neighborhood_id=hall["place"].pk,
            title="x",
            closes_at=timezone.now() + dt.timedelta(hours=1),
        )
    # ...the vote of the room they chair is, and only by the room's rule.
    ballot = _create_for_room(chair, room)
    assert ballot.neighborhood_id == room.neighborhood_id
    assert (ballot.status, ballot.method, ballot.voter_unit, ballot.visibility) == (
        Status.OPEN,
        "yes_no",
        "person",
        "live",
    )
    assert (ballot.preset, ballot.notice_days, ballot.secret) == ("more_yes", 0, False)


@pytest.mark.parametrize(
    ("who", "error", "code"),
    [
        ("resident", Forbidden, "not_chair"),  # a participant, not the chair
        ("other_moderator", Forbidden, "not_chair"),  # may chair rooms here, not this one
        ("stranger", NotFound, "not_found"),  # the room is not even visible to them
    ],
)
def test_only_the_chair_creates_the_rooms_vote(
    hall: dict, who: str, error: type[DomainError], code: str
) -> None:
    actor = hall["people"][0] if who == "resident" else hall[who]
    ballots = Ballot.objects.count()
    refused = _refusal(_create_for_room, actor, hall["room"])
    assert (type(refused), refused.code) == (error, code)
    assert Ballot.objects.count() == ballots


def test_a_chair_handing_over_loses_the_rooms_vote(hall: dict) -> None:
    chair, other, room = hall["chair"], hall["other_moderator"], hall["room"]
    services.room_command(
        user=chair, room_id=room.pk, action="hand_over_chair", data={"to": other.pk}
    )
    assert _refusal(_create_for_room, chair, room).code == "not_chair"
    assert _create_for_room(other, room).neighborhood_id == room.neighborhood_id


@pytest.mark.parametrize("who", ["resident", "other_moderator", "stranger"])
def test_only_the_chair_closes_the_rooms_vote(hall: dict, who: str) -> None:
    room, ballot_id = _to_vote(hall)
    actor = hall["people"][0] if who == "resident" else hall[who]
    refused = _refusal(
        lambda: voting.ballot_close_for_room(actor=actor, room_id=room.pk, ballot_id=ballot_id)
    )
    assert refused.code in {"not_chair", "not_found"}
    assert Ballot.objects.get(pk=ballot_id).status == Status.OPEN
    closed = voting.ballot_close_for_room(actor=hall["chair"], room_id=room.pk, ballot_id=ballot_id)
    assert closed.status == Status.CLOSED


def test_the_chair_closes_only_their_rooms_ballots(hall: dict) -> None:
    # A ballot of the neighborhood that is not bound to the room: chairing the room does
    # not reach it (it stays open).
    staff = factories.staff(hall["place"], "ballot_staff")
    other = voting.ballot_create(
        actor=staff,
        neighborhood_id=hall["place"].pk,
        title="电梯加装",
        voter_unit="person",
        closes_at=timezone.now() + dt.timedelta(hours=1),
        open_now=True,
    )
    room = hall["room"]
    refused = _refusal(
        lambda: voting.ballot_close_for_room(
            actor=hall["chair"], room_id=room.pk, ballot_id=other.pk
        )
    )
    assert (type(refused), refused.code) == (NotFound, "not_found")
    assert Ballot.objects.get(pk=other.pk).status == Status.OPEN


def test_the_minutes_topic_is_posted_only_by_those_who_manage_rooms(hall: dict) -> None:
    board = factories.board(hall["place"])
    written = (Topic.objects.count(), Post.objects.count())
    # A verified resident has a voice on the board, but the minutes are not theirs to post.
    for actor, error in ((hall["people"][0], Forbidden), (hall["stranger"], NotFound)):
        with pytest.raises(error):
            forum.minutes_topic_create(
                actor=actor, board=board, title="会议纪要", bodies=["第一部分", "第二部分"]
            )
    assert (Topic.objects.count(), Post.objects.count()) == written
    # Any moderator here (not only the room's chair) posts them, as minutes_post allowed.
    pieces = ["第一部分", "第二部分"]
    topic = forum.minutes_topic_create(
        actor=hall["other_moderator"], board=board, title="会议纪要", bodies=pieces
    )
    assert [p.body for p in Post.objects.filter(topic=topic).order_by("pk")] == [
        "第一部分",
        "第二部分",
    ]
    assert Topic.objects.get(pk=topic.pk).reply_count == 1
