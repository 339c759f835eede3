"""The floor: given by the chair, timed by the server, yielded, ended, extended; speeches,
points of order, off-topic rulings and warnings; the free room's open floor and slow mode."""

from __future__ import annotations

import pytest

from moderation.procedure import commands as c
from moderation.procedure import events as ev
from moderation.procedure.state import RULING_WINDOW
from tests.moderation.test_procedure_scenes import (
    CHAIR,
    MOVER,
    SPEECH,
    A,
    B,
    C,
    debate,
    decided,
    free,
    hands,
    posted,
    speaking,
    waiting,
)


def test_the_chair_gives_the_floor_for_the_rooms_time_and_the_hand_comes_down() -> None:
    room = hands(debate(), (A, "pro"), (B, "con"))
    assert room.do(c.GiveFloor(CHAIR, A), at=50) == (
        ev.FloorGiven(A, "speech", 1, "pro", 50, 50 + SPEECH),
    )
    assert [e.user for e in room.state.queue] == [B]
    assert room.state.top is not None and room.state.top.talk.speeches_of(A) == 1


def test_the_speech_time_limit_is_set_per_room() -> None:
    room = speaking(limits={"speech_seconds": 60})
    assert room.state.floor is not None and room.state.floor.ends_at == 10 + 60


@pytest.mark.parametrize(("at", "ended"), [(10 + SPEECH - 1, False), (10 + SPEECH, True)])
def test_a_tick_ends_the_speech_when_its_time_is_up(at: float, ended: bool) -> None:
    room = speaking()
    events = room.do(c.Tick(), at=at)
    assert events == ((ev.SpeechEnded(A, "time", 10 + SPEECH),) if ended else ())
    assert (room.state.floor is None) is ended


def test_any_command_ends_a_speech_whose_time_is_up_and_records_when_it_ran_out() -> None:
    room = speaking()
    events = room.do(c.RaiseHand(B, "con"), at=10 + SPEECH + 45)
    assert events == (ev.SpeechEnded(A, "time", 10 + SPEECH), ev.HandRaised(B, "con", 1))


def test_a_speech_after_the_time_is_refused_and_the_refusal_changes_nothing() -> None:
    room = speaking()
    assert room.refused(c.Speak(A, 30), at=10 + SPEECH) == "not_your_turn"
    assert room.state.floor is not None  # the ending is recorded by the next command or tick
    assert room.do(c.Tick()) == (ev.SpeechEnded(A, "time", 10 + SPEECH),)


def test_the_chair_extends_a_speech_and_the_extension_is_logged() -> None:
    room = speaking()
    assert room.do(c.ExtendTime(CHAIR, 30), at=100) == (ev.TimeExtended(A, 30, 10 + SPEECH + 30),)
    assert room.do(c.Tick(), at=10 + SPEECH) == ()
    assert room.do(c.Tick(), at=10 + SPEECH + 30) == (ev.SpeechEnded(A, "time", 10 + SPEECH + 30),)


def test_the_speaker_yields_and_the_chair_may_end_a_speech() -> None:
    room = speaking()
    assert room.do(c.YieldFloor(A), at=40) == (ev.SpeechEnded(A, "yielded", 40),)
    room.do(c.RaiseHand(B, "con"))
    room.do(c.GiveFloor(CHAIR, B))
    assert room.do(c.EndSpeech(CHAIR), at=60) == (ev.SpeechEnded(B, "chair", 60),)
    assert room.state.floor is None


def test_the_floor_holder_may_post_several_times_in_one_speech_which_counts_once() -> None:
    room = speaking()
    first = room.do(c.Speak(A, 100), at=20)
    second = room.do(c.Speak(A, 80), at=30)
    assert first == (ev.SpeechPosted(1, A, 1, 100, 20),)
    assert second == (ev.SpeechPosted(2, A, 1, 80, 30),)
    assert room.state.top is not None and room.state.top.talk.speeches_of(A) == 1


def test_the_speech_limit_is_set_per_room() -> None:
    room = speaking(limits={"speeches_per_motion": 1})
    room.do(c.YieldFloor(A))
    assert room.refused(c.RaiseHand(A, "pro")) == "speech_limit_reached"


def test_a_hand_may_go_up_again_while_speaking_if_speeches_remain() -> None:
    room = speaking()
    assert room.types(c.RaiseHand(A, "pro")) == ["hand.raised"]


def test_one_off_topic_ruling_warns_the_speaker_who_keeps_the_floor() -> None:
    room = posted()
    assert room.do(c.RuleOffTopic(CHAIR, 1)) == (ev.RuledOffTopic(1, A, 1, 1),)
    assert room.state.floor is not None and room.state.floor.user == A
    assert room.state.top is not None and room.state.top.talk.post(1) is not None
    assert room.state.top.talk.post(1).ruled  # type: ignore[union-attr]


def test_at_the_warning_limit_the_speaker_loses_the_floor_and_the_motion() -> None:
    room = posted()
    room.do(c.RaiseHand(A, "pro"))  # queued for a second speech
    room.do(c.RuleOffTopic(CHAIR, 1))
    room.do(c.Speak(A, 50), at=60)
    assert room.do(c.RuleOffTopic(CHAIR, 2), at=70) == (
        ev.RuledOffTopic(2, A, 1, 2),
        ev.HandWithdrawn(A, 1),
        ev.SpeakerWarnedOut(A, 1),
        ev.SpeechEnded(A, "ruled_off_topic", 70),
    )
    assert room.state.floor is None and room.state.queue == ()
    assert room.refused(c.RaiseHand(A, "con")) == "warned_out"


def test_a_speaker_warned_out_may_raise_a_point_of_order_and_speak_on_the_next_motion() -> None:
    room = posted(limits={"off_topic_warnings": 1})
    room.do(c.RuleOffTopic(CHAIR, 1))
    assert room.types(c.PointOfOrder(A)) == ["point.raised"]
    room.do(c.WithdrawPoint(A))
    room.do(c.CallVote(CHAIR))
    room.do(c.AnnounceResult(CHAIR, 1, 1, 0))
    room.do(c.Move(MOVER, "Try again"))
    room.do(c.Second(B))
    assert room.types(c.RaiseHand(A, "pro")) == ["hand.raised"]


def test_the_warning_limit_is_set_per_room() -> None:
    room = posted(limits={"off_topic_warnings": 1})
    assert [e.type for e in room.do(c.RuleOffTopic(CHAIR, 1))] == [
        "ruling.off_topic",
        "speaker.warned_out",
        "speech.ended",
    ]


def test_an_earlier_speech_is_ruled_on_its_speaker_not_on_who_speaks_now() -> None:
    room = posted(limits={"off_topic_warnings": 1})  # A posted speech 1
    room.do(c.YieldFloor(A))
    room.do(c.RaiseHand(B, "con"))
    room.do(c.GiveFloor(CHAIR, B))
    assert room.do(c.RuleOffTopic(CHAIR, 1)) == (
        ev.RuledOffTopic(1, A, 1, 1),
        ev.SpeakerWarnedOut(A, 1),
    )
    assert room.state.floor is not None and room.state.floor.user == B


def test_points_of_order_get_the_floor_without_counting_as_a_speech() -> None:
    room = hands(debate(), (A, "pro"))
    room.do(c.PointOfOrder(A))
    assert room.do(c.GiveFloor(CHAIR, A), at=30) == (
        ev.FloorGiven(A, "order", None, None, 30, 30 + SPEECH),
    )
    assert room.state.request(A, "speech") is not None  # the hand stays up
    assert room.state.top is not None and room.state.top.talk.speeches_of(A) == 0
    room.do(c.Speak(A, 20))
    room.do(c.YieldFloor(A))
    assert room.types(c.GiveFloor(CHAIR, A)) == ["floor.given"]
    assert room.state.floor is not None and room.state.floor.kind == "speech"


def test_a_point_of_order_may_be_heard_while_no_motion_is_pending() -> None:
    room = decided()
    room.do(c.PointOfOrder(B))
    room.do(c.GiveFloor(CHAIR, B))
    assert room.types(c.Speak(B, 30)) == ["speech.posted"]
    assert room.state.talk.posts[-1].user == B  # counted on the item


def test_a_hand_may_be_withdrawn_and_raised_on_the_other_side() -> None:
    room = hands(debate(), (A, "pro"))
    assert room.do(c.WithdrawHand(A)) == (ev.HandWithdrawn(A, 1),)
    room.do(c.RaiseHand(A, "con"))
    assert [(e.user, e.side) for e in room.state.queue] == [(A, "con")]


def test_hands_may_go_up_while_the_motion_awaits_its_second() -> None:
    room = waiting()
    room.do(c.Move(MOVER, "x"))
    room.do(c.RaiseHand(A, "con"))
    room.do(c.Second(B))
    assert room.types(c.GiveFloor(CHAIR, A)) == ["floor.given"]


# -- the free room ---------------------------------------------------------------------


def test_in_a_free_room_anyone_speaks_without_a_motion() -> None:
    room = free()
    assert room.do(c.Speak(A, 10), at=0) == (ev.SpeechPosted(1, A, None, 10, 0),)
    assert room.do(c.Speak(B, 10), at=1) == (ev.SpeechPosted(2, B, None, 10, 1),)
    assert room.do(c.Speak(CHAIR, 10), at=2) == (ev.SpeechPosted(3, CHAIR, None, 10, 2),)


@pytest.mark.parametrize(("gap", "allowed"), [(29, False), (30, True), (500, True)])
def test_slow_mode_spaces_one_persons_speeches(gap: float, allowed: bool) -> None:
    room = free()
    room.do(c.Speak(A, 10), at=100)
    if allowed:
        assert room.types(c.Speak(A, 10), at=100 + gap) == ["speech.posted"]
    else:
        assert room.refused(c.Speak(A, 10), at=100 + gap) == "slow_mode"


def test_slow_mode_is_set_per_room_and_zero_turns_it_off() -> None:
    room = free(limits={"slow_mode_seconds": 0})
    room.do(c.Speak(A, 10), at=0)
    assert room.types(c.Speak(A, 10), at=0) == ["speech.posted"]
    assert room.state.last_posts == ()
    slower = free(limits={"slow_mode_seconds": 120})
    slower.do(c.Speak(A, 10), at=0)
    assert slower.refused(c.Speak(A, 10), at=119) == "slow_mode"


def test_slow_mode_remembers_only_speeches_inside_its_window() -> None:
    room = free()
    room.do(c.Speak(A, 10), at=0)
    room.do(c.Speak(B, 10), at=20)
    room.do(c.Speak(C, 10), at=40)
    assert [user for user, _ in room.state.last_posts] == [B, C]


def test_a_free_room_warns_out_per_item_and_a_new_item_starts_afresh() -> None:
    room = free(limits={"off_topic_warnings": 1})
    room.do(c.Speak(A, 10), at=0)
    assert [e.type for e in room.do(c.RuleOffTopic(CHAIR, 1))] == [
        "ruling.off_topic",
        "speaker.warned_out",
    ]
    assert room.refused(c.Speak(A, 10), at=100) == "warned_out"
    room.do(c.NextItem(CHAIR))
    assert room.types(c.Speak(A, 10), at=200) == ["speech.posted"]


def test_a_free_rooms_speech_limit_counts_posts_per_motion() -> None:
    room = free(limits={"speeches_per_motion": 2, "slow_mode_seconds": 0})
    room.do(c.Speak(A, 10))
    room.do(c.Speak(A, 10))
    assert room.refused(c.Speak(A, 10)) == "speech_limit_reached"
    room.do(c.Move(B, "x"))  # a motion is a new topic with its own count
    assert room.types(c.Speak(A, 10)) == ["speech.posted"]


def test_only_the_last_speeches_may_be_ruled() -> None:
    room = free(limits={"slow_mode_seconds": 0})
    for _ in range(RULING_WINDOW + 1):
        room.do(c.Speak(A, 10))
    assert len(room.state.talk.posts) == RULING_WINDOW
    assert room.refused(c.RuleOffTopic(CHAIR, 1)) == "no_such_speech"
    assert room.types(c.RuleOffTopic(CHAIR, 2)) == ["ruling.off_topic"]
