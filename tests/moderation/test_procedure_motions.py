"""Motions: moved, seconded, debated, voted, decided; amendments on a motion; the agenda."""

from __future__ import annotations

import pytest

from moderation.procedure import commands as c
from moderation.procedure.events import MotionMoved, VoteResult
from tests.moderation.test_procedure_scenes import (
    CHAIR,
    MOVER,
    SECONDER,
    A,
    B,
    C,
    Room,
    amendment_debate,
    amendment_moved,
    debate,
    decided,
    free,
    hands,
    moved,
    voting,
    waiting,
)


def test_a_motion_moved_waits_for_a_second_then_opens_debate() -> None:
    room = waiting()
    assert room.do(c.Move(MOVER, "Repaint")) == (MotionMoved(1, MOVER, "Repaint", None),)
    assert room.state.phase == "motion_moved"
    assert room.types(c.Second(SECONDER)) == ["motion.seconded"]
    assert room.state.phase == "debate"
    assert room.state.top is not None and room.state.top.seconder == SECONDER


@pytest.mark.parametrize(
    ("who", "reason"), [(MOVER, "withdrawn"), (CHAIR, "lapsed")], ids=["mover", "chair"]
)
def test_an_unseconded_motion_is_withdrawn_by_its_mover_or_lapses_by_the_chair(
    who: int, reason: str
) -> None:
    room = hands(moved(), (A, "pro"))
    (event,) = room.do(c.WithdrawMotion(who))
    assert event.type == "motion.withdrawn" and event.reason == reason  # type: ignore[union-attr]
    assert room.state.phase == "waiting"
    assert room.state.queue == ()  # hands on the motion went with it


def test_motions_are_numbered_through_the_room() -> None:
    room = decided()
    room.do(c.Move(A, "Second idea"))
    assert room.state.top is not None and room.state.top.id == 2
    room.do(c.WithdrawMotion(A))
    room.do(c.Move(B, "Third idea"))
    assert room.state.top is not None and room.state.top.id == 3


@pytest.mark.parametrize(
    ("ayes", "noes", "abstentions", "passed"),
    [
        (5, 3, 0, True),
        (1, 0, 100, True),  # abstentions are not counted
        (3, 3, 0, False),  # a tie fails
        (3, 3, 10, False),
        (0, 0, 5, False),
        (2, 5, 0, False),
        (0, 0, 0, False),
    ],
)
def test_a_motion_passes_when_ayes_exceed_noes(
    ayes: int, noes: int, abstentions: int, passed: bool
) -> None:
    room = voting()
    assert room.do(c.AnnounceResult(CHAIR, ayes, noes, abstentions)) == (
        VoteResult(1, ayes, noes, abstentions, passed),
    )
    assert room.state.phase == "result"
    assert room.state.result is not None and room.state.result.passed is passed
    assert room.state.motions == ()


def test_calling_the_vote_closes_the_queue_on_the_motion() -> None:
    room = hands(debate(), (A, "pro"), (B, "con"))
    room.do(c.PointOfOrder(C))
    room.do(c.CallVote(CHAIR))
    assert [(e.user, e.kind) for e in room.state.queue] == [(C, "order")]


def test_after_a_result_another_motion_may_be_moved_on_the_same_item() -> None:
    room = decided(ayes=1, noes=4)
    room.do(c.Move(A, "A better idea"))
    assert room.state.phase == "motion_moved"
    assert room.state.result is None
    assert room.state.item == 0


def test_next_item_returns_to_waiting_on_the_next_agenda_item() -> None:
    room = decided(agenda=("Stairwell", "Bikes", "Lift"))
    assert room.types(c.NextItem(CHAIR)) == ["item.next"]
    assert (room.state.item, room.state.phase) == (1, "waiting")
    room.do(c.NextItem(CHAIR))  # an item may end with no motion at all
    assert room.state.item == 2


def test_an_open_ended_room_numbers_its_items_without_end() -> None:
    room = waiting()
    for _ in range(5):
        room.do(c.NextItem(CHAIR))
    assert room.state.item == 5


def test_an_amendment_is_moved_only_in_debate_and_suspends_the_main_motion() -> None:
    room = amendment_moved()
    main, amendment = room.state.motions
    assert (amendment.id, amendment.amends, amendment.mover) == (2, main.id, A)
    assert room.state.phase == "motion_moved"


def test_an_adopted_amendment_is_recorded_on_the_main_motion_whose_debate_resumes() -> None:
    room = amendment_debate()
    room.do(c.CallVote(CHAIR))
    room.do(c.AnnounceResult(CHAIR, 4, 1, 0))
    (main,) = room.state.motions
    assert main.adopted == (2,)
    assert room.state.phase == "debate"
    assert room.state.result is None  # the main motion is still to be decided


def test_a_rejected_amendment_leaves_the_main_motion_as_it_was() -> None:
    room = amendment_debate()
    room.do(c.CallVote(CHAIR))
    room.do(c.AnnounceResult(CHAIR, 2, 2, 3))
    (main,) = room.state.motions
    assert main.adopted == ()
    assert room.state.phase == "debate"


def test_a_withdrawn_amendment_returns_to_the_main_debate() -> None:
    room = amendment_moved()
    room.do(c.WithdrawMotion(A))
    assert len(room.state.motions) == 1 and room.state.phase == "debate"


def test_hands_on_the_main_motion_wait_while_the_amendment_is_handled() -> None:
    room = hands(debate(), (C, "con"))
    room.do(c.Amend(A, "Green"))
    room.do(c.Second(B))
    assert room.state.request(C, "speech") is None  # not a hand on the amendment
    room.do(c.RaiseHand(C, "pro"))  # C may ask on the amendment too
    room.do(c.CallVote(CHAIR))
    room.do(c.AnnounceResult(CHAIR, 1, 3, 0))
    hand = room.state.request(C, "speech")
    assert hand is not None and (hand.side, hand.motion) == ("con", 1)


def test_speeches_count_per_motion_so_an_amendment_has_its_own_limit() -> None:
    room = hands(debate(), (A, "pro"))
    room.do(c.GiveFloor(CHAIR, A))
    room.do(c.YieldFloor(A))
    room.do(c.RaiseHand(A, "pro"))
    room.do(c.GiveFloor(CHAIR, A))
    room.do(c.YieldFloor(A))
    assert room.refused(c.RaiseHand(A, "pro")) == "speech_limit_reached"
    room.do(c.Amend(B, "Green"))
    room.do(c.Second(C))
    room.do(c.RaiseHand(A, "con"))
    assert room.types(c.GiveFloor(CHAIR, A)) == ["floor.given"]


def test_the_speaker_may_move_an_amendment_without_losing_the_floor() -> None:
    room = hands(debate(), (A, "pro"))
    room.do(c.GiveFloor(CHAIR, A), at=10)
    room.do(c.Amend(A, "Green"), at=20)
    assert room.state.floor is not None and room.state.floor.user == A
    room.do(c.Second(B), at=30)
    room.do(c.Speak(A, 80), at=40)
    # A's speech was given on the main motion and counts there.
    main, amendment = room.state.motions
    assert [p.speech for p in main.talk.posts] == [1] and amendment.talk.posts == ()


def test_a_free_room_holds_motions_and_votes_the_same_way() -> None:
    room = free()
    room.do(c.Move(A, "Movie night"))
    room.do(c.Second(B))
    room.do(c.Speak(C, 40))
    room.do(c.CallVote(CHAIR))
    room.do(c.AnnounceResult(CHAIR, 9, 2, 0))
    assert room.state.result is not None and room.state.result.passed


def test_a_free_rooms_chair_may_move_and_second() -> None:
    room = free()
    room.do(c.Move(CHAIR, "Movie night"))
    room.do(c.Second(A))
    assert room.state.phase == "debate"


def test_each_phase_replays_to_the_same_state() -> None:
    room = Room(agenda=("one", "two"))
    for command in (
        c.Move(MOVER, "x"),
        c.Second(SECONDER),
        c.Amend(A, "y"),
        c.Second(B),
        c.CallVote(CHAIR),
        c.AnnounceResult(CHAIR, 3, 1, 0),
        c.CallVote(CHAIR),
        c.AnnounceResult(CHAIR, 3, 1, 0),
        c.NextItem(CHAIR),
    ):
        room.do(command)
        assert room.replayed() == room.state
