"""Rooms through their services: the engine's rules on real rows, the log, the vote."""

from __future__ import annotations

import time

import pytest

from core.errors import DomainError, Forbidden, NotFound
from moderation.models import Attendance, Room, RoomBallot, RoomEvent, Speech
from moderation.procedure.events import event_from_data
from moderation.procedure.presets import rules_for
from moderation.procedure.replay import replay
from moderation.procedure.snapshot import state_from_data
from moderation.procedure.state import new_room
from moderation.rooms import selectors, services
from realtime.models import Event
from tests import factories
from voting import services as voting

pytestmark = pytest.mark.django_db


def code_of(call: object, **kwargs: object) -> str:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)  # type: ignore[operator]
    return caught.value.code


def do(user: object, room: Room, action: str, **data: object) -> services.Outcome:
    return services.room_command(user=user, room_id=room.pk, action=action, data=data)  # type: ignore[arg-type]


@pytest.fixture
def hall() -> dict:
    place = factories.neighborhood()
    chair = factories.staff(place, role="moderator")
    people = [factories.resident(place, name=n) for n in ("张三", "李四", "王五")]
    room = services.room_create(
        actor=chair, neighborhood_id=place.pk, title="小区停车议事", agenda=["停车方案"]
    )
    return {"place": place, "chair": chair, "people": people, "room": room}


def test_one_motion_from_moving_to_result(hall: dict) -> None:
    chair, (a, b, c), room = hall["chair"], hall["people"], hall["room"]
    do(a, room, "move", text="在3号楼前划定临时车位")
    assert code_of(services.room_command, user=a, room_id=room.pk, action="second", data={}) == (
        "cannot_second_own_motion"
    )
    do(b, room, "second")
    do(a, room, "raise_hand", side="pro")
    do(c, room, "raise_hand", side="con")
    assert selectors.snapshot(chair, Room.objects.get(pk=room.pk))["suggested"] == a.pk
    do(chair, room, "give_floor", to=a.pk)
    # Out of turn: refused, nothing written.
    before = RoomEvent.objects.filter(room=room).count()
    assert (
        code_of(
            services.room_command, user=c, room_id=room.pk, action="speak", data={"text": "我反对"}
        )
        == "not_your_turn"
    )
    assert RoomEvent.objects.filter(room=room).count() == before
    outcome = do(a, room, "speak", text="车位不够，先试行三个月")
    assert outcome.speech is not None
    assert Speech.objects.get(room=room, number=outcome.speech.number).text.startswith("车位")
    # The clock ends the floor by itself.
    floor = state_from_data(Room.objects.get(pk=room.pk).state).floor
    assert floor is not None
    assert floor.ends_at is not None
    ticked = services.room_tick(room.pk, now=floor.ends_at + 1)
    assert ticked is not None
    assert [e.type for e in ticked.events] == ["speech.ended"]
    assert ticked.events[0].reason == "time"  # type: ignore[union-attr]
    do(chair, room, "give_floor", to=c.pk)
    off = do(c, room, "speak", text="说点别的：物业费太贵")
    do(chair, room, "rule_off_topic", speech=off.speech.number)  # type: ignore[union-attr]
    assert Speech.objects.get(room=room, number=off.speech.number).off_topic  # type: ignore[union-attr]
    do(chair, room, "end_speech")
    do(chair, room, "call_vote")
    binding = RoomBallot.objects.get(room=room)
    for person, choice in ((a, "yes"), (b, "yes"), (c, "no")):
        voting.ballot_cast(user=person, ballot_id=binding.ballot_id, choice=choice)
    result = do(chair, room, "announce_result")
    assert [e.type for e in result.events][-1] == "vote.result"
    state = state_from_data(Room.objects.get(pk=room.pk).state)
    assert state.result is not None
    assert (state.result.ayes, state.result.noes, state.result.passed) == (2, 1, True)
    binding.ballot.refresh_from_db()
    assert binding.ballot.status == "closed"


def test_the_log_replays_to_the_stored_state_and_is_published(hall: dict) -> None:
    chair, (a, b, _c), room = hall["chair"], hall["people"], hall["room"]
    do(a, room, "move", text="设立共享菜园")
    do(b, room, "second")
    do(b, room, "raise_hand", side="con")
    do(chair, room, "give_floor", to=b.pk)
    do(b, room, "speak", text="担心蚊虫")
    stored = Room.objects.get(pk=room.pk)
    log = [
        event_from_data({"type": row.type, **row.data})
        for row in RoomEvent.objects.filter(room=room).order_by("number")
    ]
    initial = new_room(rules_for("nantang"), chair.pk, agenda=("停车方案",))
    assert replay(initial, log) == state_from_data(stored.state)
    assert stored.events == len(log)
    published = list(Event.objects.filter(stream=room.stream).values_list("type", flat=True))
    assert [e for e in published if e != "room.ballot"] == [e.type for e in log]
    speech = Event.objects.get(stream=room.stream, type="speech.posted")
    assert speech.data["text"] == "担心蚊虫"
    assert speech.data["user_name"] == "李四"


def test_chair_leaving_pauses_and_returning_resumes(hall: dict) -> None:
    chair, (a, b, _c), room = hall["chair"], hall["people"], hall["room"]
    do(a, room, "move", text="动议")
    do(b, room, "second")
    do(a, room, "raise_hand", side="pro")
    services.presence(chair, room.pk, 1)
    do(chair, room, "give_floor", to=a.pk)
    services.presence(chair, room.pk, -1)
    paused = state_from_data(Room.objects.get(pk=room.pk).state)
    assert paused.paused == "chair_away"
    assert paused.floor is not None
    assert paused.floor.ends_at is None  # the clock is frozen
    assert code_of(
        services.room_command, user=a, room_id=room.pk, action="raise_hand", data={"side": "con"}
    ) in {"room_paused", "already_in_queue"}
    services.presence(chair, room.pk, 1)
    resumed = state_from_data(Room.objects.get(pk=room.pk).state)
    assert resumed.paused is None
    assert resumed.floor is not None
    assert resumed.floor.ends_at is not None
    assert resumed.floor.ends_at > time.time() + 60
    assert Attendance.objects.get(room=room, user=chair).sockets == 1


def test_who_may_take_part(hall: dict) -> None:
    room = hall["room"]
    stranger = factories.resident(factories.neighborhood())
    with pytest.raises(NotFound):
        do(stranger, room, "move", text="x")
    unverified_staff_elsewhere = factories.staff(factories.neighborhood())
    with pytest.raises(NotFound):
        do(unverified_staff_elsewhere, room, "raise_hand", side="pro")
    admin = factories.admin(hall["place"].subdistrict)
    with pytest.raises(Forbidden):
        do(admin, room, "move", text="x")
    with pytest.raises(Forbidden):
        services.room_create(actor=hall["people"][0], neighborhood_id=hall["place"].pk, title="x")


@pytest.mark.parametrize(
    ("action", "data", "code"),
    [
        ("speak", {"text": ""}, "invalid_argument"),
        ("speak", {"text": "x" * 2001}, "too_long"),
        ("raise_hand", {"side": "left"}, "invalid_argument"),
        ("give_floor", {"to": "1"}, "invalid_argument"),
        ("extend_time", {"seconds": True}, "invalid_argument"),
        ("rule_off_topic", {}, "invalid_argument"),
        ("move", {"text": None}, "invalid_argument"),
        ("dance", {}, "not_found"),
    ],
)
def test_bad_commands_get_codes(hall: dict, action: str, data: dict, code: str) -> None:
    person = hall["people"][0]
    assert (
        code_of(
            services.room_command, user=person, room_id=hall["room"].pk, action=action, data=data
        )
        == code
    )


def test_bad_rooms_are_refused(hall: dict) -> None:
    chair, place = hall["chair"], hall["place"]
    assert (
        code_of(services.room_create, actor=chair, neighborhood_id=place.pk, title=" ")
        == "title_required"
    )
    assert (
        code_of(
            services.room_create,
            actor=chair,
            neighborhood_id=place.pk,
            title="x",
            preset="anarchy",
        )
        == "invalid_rules"
    )
    assert (
        code_of(
            services.room_create,
            actor=chair,
            neighborhood_id=place.pk,
            title="x",
            limits={"speech_seconds": 1},
        )
        == "invalid_rules"
    )
    assert (
        code_of(
            services.room_create,
            actor=chair,
            neighborhood_id=place.pk,
            title="x",
            co_chair_id=hall["people"][0].pk,
        )
        == "invalid_co_chair"
    )
    custom = services.room_create(
        actor=chair,
        neighborhood_id=place.pk,
        title="x",
        limits={"speech_seconds": 60, "speeches_per_motion": 3},
    )
    assert state_from_data(custom.state).rules.speech_seconds == 60


def test_free_discussion_has_slow_mode(hall: dict) -> None:
    chair, (a, _b, _c) = hall["chair"], hall["people"]
    room = services.room_create(
        actor=chair, neighborhood_id=hall["place"].pk, title="闲聊", preset="free"
    )
    do(a, room, "speak", text="大家好")
    assert (
        code_of(
            services.room_command, user=a, room_id=room.pk, action="speak", data={"text": "又是我"}
        )
        == "slow_mode"
    )


def test_the_sweep_ends_speeches_no_timer_ended(hall: dict) -> None:
    from moderation.management.commands.room_ticks import sweep

    chair, (a, b, _c), room = hall["chair"], hall["people"], hall["room"]
    do(a, room, "move", text="动议")
    do(b, room, "second")
    do(a, room, "raise_hand", side="pro")
    do(chair, room, "give_floor", to=a.pk)
    floor = state_from_data(Room.objects.get(pk=room.pk).state).floor
    assert floor is not None
    assert floor.ends_at is not None
    assert sweep(now=floor.ends_at - 5) == []
    assert sweep(now=floor.ends_at + 1) == [room.pk]
    assert state_from_data(Room.objects.get(pk=room.pk).state).floor is None


def _speech_overdue(hall: dict) -> Room:
    """A room whose speech's time ran out with no timer alive (its process died)."""
    chair, (a, b, _c), room = hall["chair"], hall["people"], hall["room"]
    do(a, room, "move", text="动议")
    do(b, room, "second")
    do(a, room, "raise_hand", side="pro")
    do(chair, room, "give_floor", to=a.pk)
    data = Room.objects.get(pk=room.pk).state
    data["floor"]["ends_at"] = time.time() - 1
    Room.objects.filter(pk=room.pk).update(state=data)
    return Room.objects.get(pk=room.pk)


def test_the_snapshot_reads_and_never_ends_a_speech(hall: dict) -> None:
    # Given a speech overdue, when the snapshot is read, then nothing is written: the
    # floor stays in the stored state and no event is logged or published.
    room = _speech_overdue(hall)
    logged, published = RoomEvent.objects.count(), Event.objects.count()
    shown = selectors.snapshot(hall["chair"], room)
    assert shown["state"]["floor"] is not None
    assert shown["seq"] == room.seq
    assert (RoomEvent.objects.count(), Event.objects.count()) == (logged, published)
    assert state_from_data(Room.objects.get(pk=room.pk).state).floor is not None


def test_expire_if_due_ends_an_overdue_speech_before_the_read(hall: dict) -> None:
    room = _speech_overdue(hall)
    fresh = services.room_expire_if_due(room)
    assert state_from_data(fresh.state).floor is None
    assert fresh.seq > room.seq
    ended = RoomEvent.objects.filter(room=room).order_by("-number").first()
    assert ended is not None
    assert (ended.type, ended.data["reason"]) == ("speech.ended", "time")
    # Nothing due: the room comes back as it was, nothing written.
    logged = RoomEvent.objects.count()
    assert services.room_expire_if_due(fresh) is fresh
    assert RoomEvent.objects.count() == logged


def test_a_speech_not_yet_due_is_left_running(hall: dict) -> None:
    chair, (a, b, _c), room = hall["chair"], hall["people"], hall["room"]
    do(a, room, "move", text="动议")
    do(b, room, "second")
    do(a, room, "raise_hand", side="pro")
    do(chair, room, "give_floor", to=a.pk)
    stored = Room.objects.get(pk=room.pk)
    floor = state_from_data(stored.state).floor
    assert floor is not None
    assert floor.ends_at is not None
    assert services.room_expire_if_due(stored, now=floor.ends_at - 5) is stored
    assert state_from_data(Room.objects.get(pk=room.pk).state).floor is not None
    ended = services.room_expire_if_due(stored, now=floor.ends_at + 1)
    assert state_from_data(ended.state).floor is None


def test_the_chair_goes_only_to_someone_who_may_chair(hall: dict) -> None:
    chair, (a, _b, _c), room = hall["chair"], hall["people"], hall["room"]
    for to in (a.pk, 10**9, 2**64):
        assert code_of(
            services.room_command,
            user=chair,
            room_id=room.pk,
            action="hand_over_chair",
            data={"to": to},
        ) in {"invalid_co_chair", "invalid_argument"}
    other = factories.staff(hall["place"])
    do(chair, room, "hand_over_chair", to=other.pk)
    changed = Event.objects.get(stream=room.stream, type="chair.changed")
    assert changed.data["chair_name"] == other.public_name


def test_the_snapshot_seq_is_the_rooms_own_and_matches_the_stream(hall: dict) -> None:
    from realtime.selectors import stream_head

    chair, (a, b, _c), room = hall["chair"], hall["people"], hall["room"]
    do(a, room, "move", text="动议")
    do(b, room, "second")
    do(a, room, "raise_hand", side="pro")
    do(chair, room, "give_floor", to=a.pk)
    do(a, room, "speak", text="赞成")
    do(chair, room, "end_speech")
    do(chair, room, "call_vote")
    stored = Room.objects.get(pk=room.pk)
    assert stored.seq == stream_head(room.stream) > 0
    shown = selectors.snapshot(b, stored)
    assert shown["seq"] == stored.seq
    posted = Event.objects.get(stream=room.stream, type="speech.posted")
    assert posted.data["side"] == "pro"


# The wire names of the protocol (docs/rooms.md): derived from the procedure's classes,
# they must stay exactly these.
WIRE_NAMES = [
    "move",
    "amend",
    "second",
    "withdraw_motion",
    "raise_hand",
    "withdraw_hand",
    "point_of_order",
    "withdraw_point",
    "speak",
    "yield_floor",
    "give_floor",
    "end_speech",
    "extend_time",
    "rule_off_topic",
    "call_vote",
    "announce_result",
    "next_item",
    "pause",
    "resume",
    "hand_over_chair",
    "name_co_chair",
    "take_chair",
]


def test_the_command_names_on_the_wire_are_unchanged() -> None:
    from realtime.registry import action_for

    assert list(services.COMMANDS) == WIRE_NAMES
    for name in [*WIRE_NAMES, "react"]:
        assert action_for("room", f"room.{name}") is not None
    with pytest.raises(NotFound):
        action_for("room", "room.tick")
    assert {
        "give_floor",
        "end_speech",
        "extend_time",
        "rule_off_topic",
        "call_vote",
        "announce_result",
        "next_item",
        "pause",
        "resume",
        "hand_over_chair",
        "name_co_chair",
    } == services.CHAIR_ACTIONS
