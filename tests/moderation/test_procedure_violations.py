"""Every RuleViolation code, triggered: given a scene, when a command, then this code, and
the room is left exactly as it was. The last test keeps the table and codes.py in step."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from moderation.procedure import ALL_CODES, RuleViolation, decide
from moderation.procedure import codes as k
from moderation.procedure import commands as c
from tests.moderation.test_procedure_scenes import (
    CHAIR,
    CO_CHAIR,
    MOVER,
    SECONDER,
    A,
    B,
    C,
    Room,
    amendment_debate,
    amendment_moved,
    chair_away,
    debate,
    decided,
    free,
    moved,
    paused,
    posted,
    speaking,
    voting,
    waiting,
)

Scene = Callable[[], Room]


def then(scene: Scene, *commands: c.Command) -> Scene:
    """The scene, followed by some commands (one second apart)."""

    def build() -> Room:
        room = scene()
        for command in commands:
            room.do(command)
        return room

    return build


def two_speeches_by_a() -> Room:
    room = speaking()
    room.do(c.YieldFloor(A))
    room.do(c.RaiseHand(A, "pro"))
    room.do(c.GiveFloor(CHAIR, A))
    room.do(c.YieldFloor(A))
    return room


def a_warned_out() -> Room:
    room = posted()
    room.do(c.RuleOffTopic(CHAIR, 1))
    room.do(c.Speak(A, 50))
    room.do(c.RuleOffTopic(CHAIR, 2))
    return room


def free_a_warned_out() -> Room:
    room = free()
    room.do(c.Speak(A, 10), at=0)
    room.do(c.Speak(A, 10), at=100)
    room.do(c.RuleOffTopic(CHAIR, 1))
    room.do(c.RuleOffTopic(CHAIR, 2))
    return room


def point_of_order_speaking_in_waiting() -> Room:
    room = waiting()
    room.do(c.PointOfOrder(A))
    room.do(c.GiveFloor(CHAIR, A))
    return room


def one_item_agenda() -> Room:
    return Room(agenda=("Stairwell",))


def no_amendments() -> Room:
    return debate(limits={"amendment_depth": 0})


def free_one_speech() -> Room:
    room = free(limits={"speeches_per_motion": 1})
    room.do(c.Speak(A, 10), at=0)
    return room


def speech_of_a_closed_motion() -> Room:
    room = posted()
    room.do(c.YieldFloor(A))
    room.do(c.CallVote(CHAIR))
    room.do(c.AnnounceResult(CHAIR, 3, 1, 0))
    return room


CASES = [
    # who may do it
    pytest.param(debate, c.CallVote(A), k.NOT_CHAIR, id="call_vote_by_resident"),
    pytest.param(debate, c.GiveFloor(A, B), k.NOT_CHAIR, id="give_floor_by_resident"),
    pytest.param(voting, c.AnnounceResult(A, 3, 1, 0), k.NOT_CHAIR, id="announce_by_resident"),
    pytest.param(posted, c.RuleOffTopic(B, 1), k.NOT_CHAIR, id="ruling_by_resident"),
    pytest.param(debate, c.Pause(A), k.NOT_CHAIR, id="pause_by_resident"),
    pytest.param(paused, c.Resume(A), k.NOT_CHAIR, id="resume_by_resident"),
    pytest.param(decided, c.NextItem(A), k.NOT_CHAIR, id="next_item_by_resident"),
    pytest.param(debate, c.HandOverChair(A, B), k.NOT_CHAIR, id="hand_over_by_resident"),
    pytest.param(debate, c.NameCoChair(A, B), k.NOT_CHAIR, id="co_chair_by_resident"),
    pytest.param(speaking, c.EndSpeech(B), k.NOT_CHAIR, id="end_speech_by_resident"),
    pytest.param(speaking, c.ExtendTime(B, 30), k.NOT_CHAIR, id="extend_by_resident"),
    pytest.param(chair_away, c.TakeChair(A), k.NOT_CO_CHAIR, id="take_chair_not_co_chair"),
    pytest.param(
        lambda: Room(co_chair=None), c.TakeChair(A), k.NOT_CO_CHAIR, id="take_chair_none_named"
    ),
    pytest.param(debate, c.TakeChair(CO_CHAIR), k.CHAIR_IS_PRESENT, id="take_chair_chair_here"),
    pytest.param(waiting, c.Move(CHAIR, "x"), k.CHAIR_MUST_STAY_NEUTRAL, id="chair_moves"),
    pytest.param(debate, c.Amend(CHAIR, "x"), k.CHAIR_MUST_STAY_NEUTRAL, id="chair_amends"),
    pytest.param(moved, c.Second(CHAIR), k.CHAIR_MUST_STAY_NEUTRAL, id="chair_seconds"),
    pytest.param(
        debate, c.RaiseHand(CHAIR, "pro"), k.CHAIR_MUST_STAY_NEUTRAL, id="chair_takes_a_side"
    ),
    pytest.param(
        debate, c.RaiseHand(CHAIR, "neutral"), k.CHAIR_MUST_STAY_NEUTRAL, id="chair_asks_floor"
    ),
    pytest.param(debate, c.PointOfOrder(CHAIR), k.CHAIR_MUST_STAY_NEUTRAL, id="chair_point"),
    pytest.param(debate, c.Speak(CHAIR, 10), k.CHAIR_MUST_STAY_NEUTRAL, id="chair_speaks"),
    pytest.param(moved, c.WithdrawMotion(A), k.NOT_MOVER, id="withdraw_by_other"),
    # the floor
    pytest.param(free, c.RaiseHand(A, "pro"), k.NO_FLOOR, id="free_raise_hand"),
    pytest.param(free, c.WithdrawHand(A), k.NO_FLOOR, id="free_withdraw_hand"),
    pytest.param(free, c.PointOfOrder(A), k.NO_FLOOR, id="free_point_of_order"),
    pytest.param(free, c.WithdrawPoint(A), k.NO_FLOOR, id="free_withdraw_point"),
    pytest.param(free, c.GiveFloor(CHAIR, A), k.NO_FLOOR, id="free_give_floor"),
    pytest.param(free, c.YieldFloor(A), k.NO_FLOOR, id="free_yield"),
    pytest.param(free, c.EndSpeech(CHAIR), k.NO_FLOOR, id="free_end_speech"),
    pytest.param(free, c.ExtendTime(CHAIR, 30), k.NO_FLOOR, id="free_extend"),
    pytest.param(speaking, c.Speak(B, 10), k.NOT_YOUR_TURN, id="speak_out_of_turn"),
    pytest.param(debate, c.Speak(A, 10), k.NOT_YOUR_TURN, id="speak_without_floor"),
    pytest.param(waiting, c.Speak(A, 10), k.NOT_YOUR_TURN, id="speak_before_any_motion"),
    pytest.param(speaking, c.YieldFloor(B), k.NOT_YOUR_TURN, id="yield_by_other"),
    pytest.param(debate, c.YieldFloor(A), k.NOT_YOUR_TURN, id="yield_nobody_speaking"),
    pytest.param(
        then(speaking, c.RaiseHand(B, "con")),
        c.GiveFloor(CHAIR, B),
        k.FLOOR_TAKEN,
        id="give_floor_while_speech_on",
    ),
    pytest.param(speaking, c.CallVote(CHAIR), k.FLOOR_TAKEN, id="vote_while_speech_on"),
    pytest.param(speaking, c.Amend(B, "x"), k.FLOOR_TAKEN, id="amend_interrupting"),
    pytest.param(
        point_of_order_speaking_in_waiting, c.Move(B, "x"), k.FLOOR_TAKEN, id="move_interrupting"
    ),
    pytest.param(
        point_of_order_speaking_in_waiting,
        c.NextItem(CHAIR),
        k.FLOOR_TAKEN,
        id="next_item_while_speech_on",
    ),
    pytest.param(debate, c.EndSpeech(CHAIR), k.NO_SPEECH, id="end_no_speech"),
    pytest.param(debate, c.ExtendTime(CHAIR, 30), k.NO_SPEECH, id="extend_no_speech"),
    pytest.param(
        then(debate, c.RaiseHand(A, "pro")),
        c.RaiseHand(A, "con"),
        k.ALREADY_IN_QUEUE,
        id="second_hand",
    ),
    pytest.param(
        then(debate, c.PointOfOrder(A)), c.PointOfOrder(A), k.ALREADY_IN_QUEUE, id="second_point"
    ),
    pytest.param(debate, c.GiveFloor(CHAIR, A), k.NOT_IN_QUEUE, id="floor_to_no_hand"),
    pytest.param(debate, c.WithdrawHand(A), k.NOT_IN_QUEUE, id="withdraw_no_hand"),
    pytest.param(debate, c.WithdrawPoint(A), k.NOT_IN_QUEUE, id="withdraw_no_point"),
    pytest.param(
        then(debate, c.RaiseHand(A, "pro"), c.Amend(B, "x"), c.Second(C)),
        c.GiveFloor(CHAIR, A),
        k.NOT_IN_QUEUE,
        id="floor_on_main_hand_during_amendment",
    ),
    pytest.param(
        two_speeches_by_a, c.RaiseHand(A, "pro"), k.SPEECH_LIMIT_REACHED, id="third_speech"
    ),
    pytest.param(free_one_speech, c.Speak(A, 10), k.SPEECH_LIMIT_REACHED, id="free_speech_limit"),
    pytest.param(a_warned_out, c.RaiseHand(A, "con"), k.WARNED_OUT, id="warned_out_hand"),
    pytest.param(free_a_warned_out, c.Speak(A, 10), k.WARNED_OUT, id="free_warned_out"),
    pytest.param(then(free, c.Speak(A, 10)), c.Speak(A, 10), k.SLOW_MODE, id="free_slow_mode"),
    pytest.param(
        point_of_order_speaking_in_waiting,
        c.Move(A, "x"),
        k.POINT_OF_ORDER_ONLY,
        id="move_on_a_point_of_order",
    ),
    pytest.param(
        then(debate, c.PointOfOrder(A), c.GiveFloor(CHAIR, A)),
        c.Amend(A, "x"),
        k.POINT_OF_ORDER_ONLY,
        id="amend_on_a_point_of_order",
    ),
    # motions and phases
    pytest.param(waiting, c.Second(A), k.NO_MOTION, id="second_nothing"),
    pytest.param(waiting, c.RaiseHand(A, "pro"), k.NO_MOTION, id="hand_on_nothing"),
    pytest.param(waiting, c.CallVote(CHAIR), k.NO_MOTION, id="vote_on_nothing"),
    pytest.param(waiting, c.AnnounceResult(CHAIR, 1, 0, 0), k.NO_MOTION, id="result_of_nothing"),
    pytest.param(waiting, c.Amend(A, "x"), k.NO_MOTION, id="amend_nothing"),
    pytest.param(waiting, c.WithdrawMotion(MOVER), k.NO_MOTION, id="withdraw_nothing"),
    pytest.param(decided, c.Second(A), k.NO_MOTION, id="second_after_result"),
    pytest.param(moved, c.Move(A, "another"), k.MOTION_PENDING, id="two_motions"),
    pytest.param(debate, c.Move(A, "another"), k.MOTION_PENDING, id="motion_during_debate"),
    pytest.param(debate, c.NextItem(CHAIR), k.MOTION_PENDING, id="next_item_mid_motion"),
    pytest.param(voting, c.NextItem(CHAIR), k.MOTION_PENDING, id="next_item_mid_vote"),
    pytest.param(moved, c.Second(MOVER), k.CANNOT_SECOND_OWN_MOTION, id="second_own"),
    pytest.param(
        amendment_moved, c.Second(A), k.CANNOT_SECOND_OWN_MOTION, id="second_own_amendment"
    ),
    pytest.param(
        then(moved, c.RaiseHand(A, "pro")),
        c.GiveFloor(CHAIR, A),
        k.NOT_SECONDED,
        id="debate_before_second",
    ),
    pytest.param(moved, c.CallVote(CHAIR), k.NOT_SECONDED, id="vote_before_second"),
    pytest.param(debate, c.Second(A), k.ALREADY_SECONDED, id="second_twice"),
    pytest.param(debate, c.WithdrawMotion(MOVER), k.ALREADY_SECONDED, id="withdraw_seconded"),
    pytest.param(moved, c.Amend(A, "x"), k.AMENDMENT_NOT_ALLOWED, id="amend_unseconded"),
    pytest.param(voting, c.Amend(A, "x"), k.AMENDMENT_NOT_ALLOWED, id="amend_during_vote"),
    pytest.param(
        amendment_debate, c.Amend(SECONDER, "y"), k.AMENDMENT_NOT_ALLOWED, id="amend_amendment"
    ),
    pytest.param(no_amendments, c.Amend(A, "x"), k.AMENDMENT_NOT_ALLOWED, id="room_no_amends"),
    pytest.param(voting, c.RaiseHand(A, "pro"), k.WRONG_PHASE, id="hand_during_vote"),
    pytest.param(voting, c.CallVote(CHAIR), k.WRONG_PHASE, id="vote_twice"),
    pytest.param(debate, c.AnnounceResult(CHAIR, 1, 0, 0), k.WRONG_PHASE, id="result_no_vote"),
    pytest.param(one_item_agenda, c.NextItem(CHAIR), k.AGENDA_FINISHED, id="past_last_item"),
    # rulings
    pytest.param(debate, c.RuleOffTopic(CHAIR, 99), k.NO_SUCH_SPEECH, id="rule_unknown"),
    pytest.param(
        speech_of_a_closed_motion,
        c.RuleOffTopic(CHAIR, 1),
        k.NO_SUCH_SPEECH,
        id="rule_closed_motion",
    ),
    pytest.param(
        then(posted, c.RuleOffTopic(CHAIR, 1)),
        c.RuleOffTopic(CHAIR, 1),
        k.ALREADY_RULED,
        id="rule_twice",
    ),
    # the room
    pytest.param(paused, c.RaiseHand(A, "pro"), k.ROOM_PAUSED, id="hand_while_paused"),
    pytest.param(paused, c.Pause(CHAIR), k.ROOM_PAUSED, id="pause_twice"),
    pytest.param(chair_away, c.Second(A), k.ROOM_PAUSED, id="chair_away_pauses"),
    pytest.param(debate, c.Resume(CHAIR), k.ROOM_NOT_PAUSED, id="resume_running"),
    pytest.param(waiting, c.Move(A, "   "), k.INVALID_ARGUMENT, id="blank_motion"),
    pytest.param(debate, c.Amend(A, ""), k.INVALID_ARGUMENT, id="blank_amendment"),
    pytest.param(debate, c.RaiseHand(A, "maybe"), k.INVALID_ARGUMENT, id="unknown_side"),  # type: ignore[arg-type]
    pytest.param(speaking, c.Speak(A, 0), k.INVALID_ARGUMENT, id="empty_speech"),
    pytest.param(speaking, c.ExtendTime(CHAIR, 0), k.INVALID_ARGUMENT, id="extend_zero"),
    pytest.param(speaking, c.ExtendTime(CHAIR, 3601), k.INVALID_ARGUMENT, id="extend_too_long"),
    pytest.param(voting, c.AnnounceResult(CHAIR, -1, 0, 0), k.INVALID_ARGUMENT, id="negative_ayes"),
    pytest.param(voting, c.AnnounceResult(CHAIR, 1, 0, True), k.INVALID_ARGUMENT, id="bool_count"),
    pytest.param(debate, c.HandOverChair(CHAIR, CHAIR), k.INVALID_ARGUMENT, id="hand_over_to_self"),
    pytest.param(debate, c.NameCoChair(CHAIR, CHAIR), k.INVALID_ARGUMENT, id="co_chair_self"),
]


@pytest.mark.parametrize(("scene", "command", "code"), CASES)
def test_the_rules_refuse(scene: Scene, command: c.Command, code: str) -> None:
    room = scene()
    assert room.refused(command) == code


def test_every_defined_code_is_triggered_by_a_case() -> None:
    triggered = {case.values[2] for case in CASES}
    assert triggered == ALL_CODES


def test_every_code_has_words_for_people() -> None:
    from moderation.rooms.messages import VIOLATIONS

    assert set(VIOLATIONS) == ALL_CODES


def test_an_unknown_code_cannot_be_raised() -> None:
    with pytest.raises(ValueError, match="unknown rule violation code"):
        RuleViolation("not_a_code")


def test_codes_are_stable_snake_case() -> None:
    for code in ALL_CODES:
        assert code.isascii() and code == code.lower() and " " not in code


def test_every_command_has_a_handler_and_a_stable_name() -> None:
    from typing import get_args

    from moderation.procedure.engine import _HANDLERS

    kinds = set(get_args(c.Command))
    assert kinds == set(_HANDLERS)
    names = [kind.name for kind in kinds]
    assert len(set(names)) == len(names) and all(name.islower() for name in names)


def test_something_that_is_not_a_command_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="not a procedure command"):
        decide(waiting().state, "move", 0)  # type: ignore[arg-type]
