"""The chair: pausing freezes the clock; a disconnected chair pauses the room until they
return or the co-chair takes over; handing over the chair; the chair's neutrality."""

from __future__ import annotations

import dataclasses

import pytest

from moderation.procedure import commands as c
from moderation.procedure import events as ev
from moderation.procedure.codes import RuleViolation
from tests.moderation.test_procedure_scenes import (
    CHAIR,
    CO_CHAIR,
    SPEECH,
    A,
    B,
    debate,
    free,
    hands,
    speaking,
)

END = 10 + SPEECH  # when the speech of the `speaking` scene runs out


@pytest.mark.parametrize(
    ("stop", "reason"),
    [(c.Pause(CHAIR), "chair"), (c.ChairDisconnected(), "chair_away")],
    ids=["paused", "chair_away"],
)
def test_a_pause_freezes_the_speakers_time_until_the_room_resumes(
    stop: c.Command, reason: str
) -> None:
    room = speaking()
    assert ev.RoomPaused(reason, 50) in room.do(stop, at=50)  # type: ignore[arg-type]
    floor = room.state.floor
    assert floor is not None and (floor.ends_at, floor.remaining) == (None, END - 50)
    assert room.do(c.Tick(), at=5000) == ()
    restart = c.Resume(CHAIR) if reason == "chair" else c.ChairReturned()
    room.do(restart, at=6000)
    floor = room.state.floor
    assert floor is not None and (floor.ends_at, floor.remaining) == (6000 + END - 50, None)
    assert room.do(c.Tick(), at=6000 + END - 51) == ()
    assert room.do(c.Tick(), at=6000 + END - 50) == (ev.SpeechEnded(A, "time", 6000 + END - 50),)


def test_a_speech_whose_time_ran_out_ends_before_the_pause() -> None:
    room = speaking()
    assert room.do(c.Pause(CHAIR), at=END + 5) == (
        ev.SpeechEnded(A, "time", END),
        ev.RoomPaused("chair", END + 5),
    )
    assert room.state.floor is None


def test_the_chair_disconnecting_pauses_the_room_and_returning_resumes_it() -> None:
    room = debate()
    assert room.types(c.ChairDisconnected()) == ["chair.disconnected", "room.paused"]
    assert (room.state.paused, room.state.chair_present) == ("chair_away", False)
    assert room.types(c.ChairReturned()) == ["chair.returned", "room.resumed"]
    assert (room.state.paused, room.state.chair_present) == (None, True)


def test_presence_reported_twice_changes_nothing_the_second_time() -> None:
    room = debate()
    room.do(c.ChairDisconnected())
    assert room.do(c.ChairDisconnected()) == ()
    room.do(c.ChairReturned())
    assert room.do(c.ChairReturned()) == ()


def test_a_pause_the_chair_chose_outlasts_their_absence() -> None:
    room = debate()
    room.do(c.Pause(CHAIR))
    assert room.types(c.ChairDisconnected()) == ["chair.disconnected"]
    assert room.types(c.ChairReturned()) == ["chair.returned"]
    assert room.state.paused == "chair"
    assert room.types(c.Resume(CHAIR)) == ["room.resumed"]


def test_a_chair_who_resumes_while_marked_away_is_back() -> None:
    room = debate()
    room.do(c.ChairDisconnected())
    assert room.types(c.Resume(CHAIR)) == ["chair.returned", "room.resumed"]
    assert room.state.chair_present


def test_the_co_chair_takes_over_from_an_absent_chair_and_the_room_resumes() -> None:
    room = hands(debate(), (CO_CHAIR, "pro"))
    room.do(c.PointOfOrder(CO_CHAIR))
    room.do(c.ChairDisconnected(), at=40)
    assert room.do(c.TakeChair(CO_CHAIR), at=50) == (
        ev.HandWithdrawn(CO_CHAIR, 1),
        ev.PointWithdrawn(CO_CHAIR),
        ev.ChairChanged(CHAIR, CO_CHAIR, "took_over"),
        ev.RoomResumed(50),
    )
    state = room.state
    assert (state.chair, state.co_chair, state.paused, state.queue) == (CO_CHAIR, CHAIR, None, ())
    assert room.types(c.CallVote(CO_CHAIR)) == ["vote.called"]


def test_a_co_chair_holding_the_floor_gives_it_up_to_take_the_chair() -> None:
    room = speaking(user=CO_CHAIR)
    room.do(c.ChairDisconnected(), at=30)
    assert room.do(c.TakeChair(CO_CHAIR), at=40) == (
        ev.SpeechEnded(CO_CHAIR, "chair", 40),
        ev.ChairChanged(CHAIR, CO_CHAIR, "took_over"),
        ev.RoomResumed(40),
    )
    assert room.state.floor is None


def test_a_chair_who_wants_to_argue_hands_over_the_chair_first() -> None:
    room = hands(debate(), (A, "con"))
    assert room.refused(c.RaiseHand(CHAIR, "pro")) == "chair_must_stay_neutral"
    assert room.do(c.HandOverChair(CHAIR, A)) == (
        ev.HandWithdrawn(A, 1),
        ev.ChairChanged(CHAIR, A, "handed_over"),
    )
    assert room.types(c.RaiseHand(CHAIR, "pro")) == ["hand.raised"]
    assert room.types(c.GiveFloor(A, CHAIR)) == ["floor.given"]
    assert room.types(c.Speak(CHAIR, 300)) == ["speech.posted"]
    assert room.refused(c.RaiseHand(A, "con")) == "chair_must_stay_neutral"


def test_handing_over_to_the_speaker_ends_their_speech() -> None:
    room = speaking()
    assert [e.type for e in room.do(c.HandOverChair(CHAIR, A), at=30)] == [
        "speech.ended",
        "chair.changed",
    ]
    assert room.log[-2] == ev.SpeechEnded(A, "chair", 30)


def test_handing_over_to_the_co_chair_makes_the_old_chair_co_chair() -> None:
    room = debate()
    room.do(c.HandOverChair(CHAIR, CO_CHAIR))
    assert (room.state.chair, room.state.co_chair) == (CO_CHAIR, CHAIR)
    room.do(c.HandOverChair(CO_CHAIR, B))
    assert (room.state.chair, room.state.co_chair) == (B, CHAIR)


def test_the_chair_may_hand_over_while_paused_and_the_pause_holds() -> None:
    room = debate()
    room.do(c.Pause(CHAIR))
    assert room.types(c.HandOverChair(CHAIR, A)) == ["chair.changed"]
    assert room.state.paused == "chair"
    assert room.types(c.Resume(A)) == ["room.resumed"]


def test_the_chair_names_or_clears_the_co_chair() -> None:
    room = debate()
    assert room.do(c.NameCoChair(CHAIR, B)) == (ev.CoChairNamed(B),)
    room.do(c.NameCoChair(CHAIR, None))
    room.do(c.ChairDisconnected())
    assert room.refused(c.TakeChair(CO_CHAIR)) == "not_co_chair"
    assert room.refused(c.TakeChair(B)) == "not_co_chair"


def test_while_paused_only_the_chair_presence_and_the_timer_go_on() -> None:
    room = speaking()
    room.do(c.Pause(CHAIR))
    for command in (c.Speak(A, 10), c.YieldFloor(A), c.ExtendTime(CHAIR, 30), c.CallVote(CHAIR)):
        assert room.refused(command) == "room_paused"
    assert room.do(c.Tick()) == ()
    assert room.types(c.NameCoChair(CHAIR, B)) == ["co_chair.named"]


def test_a_free_rooms_chair_is_not_bound_to_neutrality() -> None:
    room = free()
    room.do(c.Speak(CHAIR, 10), at=0)
    assert room.types(c.HandOverChair(CHAIR, A)) == ["chair.changed"]
    assert room.types(c.Speak(A, 10), at=1) == ["speech.posted"]


# Arguments by field name, enough for any command of a person to reach the engine's checks.
SAMPLE = {"text": "动议", "side": "pro", "to": B, "seconds": 30, "speech": 1, "length": 10}
SAMPLE |= {"ayes": 1, "noes": 0, "abstentions": 0}


@pytest.mark.parametrize("kind", c.OF_PEOPLE, ids=lambda kind: kind.name)
def test_the_chairs_console_lists_what_the_engine_keeps_for_the_chair(kind: type) -> None:
    # Given a debate with A on the floor, when A (not the chair) gives a command, then it
    # is refused as `not_chair` exactly when it is one of OF_THE_CHAIR (the page sends
    # those back to the console, moderation/rooms/services.CHAIR_ACTIONS).
    room = speaking()
    fields = {f.name: SAMPLE[f.name] for f in dataclasses.fields(kind) if f.name != "user"}
    try:
        room.do(kind(A, **fields))
        code = ""
    except RuleViolation as refusal:
        code = refusal.code
    assert (code == "not_chair") == (kind in c.OF_THE_CHAIR)


def test_every_command_of_people_has_its_own_wire_name() -> None:
    names = [kind.name for kind in c.OF_PEOPLE]
    assert len(set(names)) == len(names) == 22
    assert {c.Tick, c.ChairDisconnected, c.ChairReturned}.isdisjoint(c.OF_PEOPLE)
    assert set(c.OF_PEOPLE) >= c.OF_THE_CHAIR
