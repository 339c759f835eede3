"""suggest_next / speaking_order: points of order first, then those who have not spoken on
the motion, then the side opposite the last speech's, then whoever asked first (rule 8)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from moderation.procedure import commands as c
from moderation.procedure import speaking_order, suggest_next
from tests.moderation.test_procedure_scenes import (
    CHAIR,
    A,
    B,
    C,
    D,
    E,
    Room,
    debate,
    free,
    moved,
)

Spoken = tuple[tuple[int, str], ...]


def scene(spoken: Spoken, queue: tuple[tuple[int, str], ...], points: tuple[int, ...]) -> Room:
    """Debate where `spoken` have spoken in turn, then `queue` raised hands and `points`
    raised points of order."""
    room = debate()
    for user, side in spoken:
        room.do(c.RaiseHand(user, side))  # type: ignore[arg-type]
        room.do(c.GiveFloor(CHAIR, user))
        room.do(c.YieldFloor(user))
    for user, side in queue:
        room.do(c.RaiseHand(user, side))  # type: ignore[arg-type]
    for user in points:
        room.do(c.PointOfOrder(user))
    return room


CASES = [
    # (spoken before, hands in the order raised, points of order, the order suggested)
    pytest.param((), (), (), (), id="nobody_waiting"),
    pytest.param((), ((A, "pro"), (B, "con")), (), (A, B), id="first_come_first"),
    pytest.param((), ((A, "con"), (B, "pro")), (), (A, B), id="no_side_preferred_at_first"),
    pytest.param(((A, "pro"),), ((C, "pro"), (D, "con")), (), (D, C), id="con_after_pro"),
    pytest.param(((A, "con"),), ((C, "con"), (D, "pro")), (), (D, C), id="pro_after_con"),
    pytest.param(
        ((A, "pro"),), ((A, "con"), (B, "pro")), (), (B, A), id="first_speakers_before_sides"
    ),
    pytest.param(
        ((A, "pro"), (B, "con")),
        ((A, "pro"), (B, "con"), (C, "con")),
        (),
        (C, A, B),
        id="spoken_ones_alternate_too",
    ),
    pytest.param(((A, "pro"),), ((C, "neutral"), (D, "con")), (), (D, C), id="neutral_waits"),
    pytest.param(((A, "pro"),), ((C, "neutral"), (D, "pro")), (), (C, D), id="neither_then_order"),
    pytest.param(
        ((A, "pro"), (B, "neutral")),
        ((C, "pro"), (D, "con")),
        (),
        (D, C),
        id="neutral_speech_keeps_the_turn",
    ),
    pytest.param((), ((A, "pro"),), (B,), (B, A), id="point_of_order_jumps"),
    pytest.param((), ((A, "pro"),), (C, B), (C, B, A), id="points_in_order_raised"),
    pytest.param(
        ((A, "pro"), (B, "con"), (C, "pro")),
        ((E, "pro"), (D, "con"), (A, "con"), (B, "pro")),
        (),
        (D, E, A, B),
        id="mixed",
    ),
]


@pytest.mark.parametrize(("spoken", "queue", "points", "expected"), CASES)
def test_the_suggested_order(
    spoken: Spoken, queue: Spoken, points: tuple[int, ...], expected: tuple[int, ...]
) -> None:
    room = scene(spoken, queue, points)
    assert tuple(entry.user for entry in speaking_order(room.state)) == expected
    assert suggest_next(room.state) == (expected[0] if expected else None)


def test_without_the_preference_flags_the_queue_is_first_come_first_served() -> None:
    room = scene(((A, "pro"),), ((A, "con"), (C, "pro"), (D, "con")), ())
    plain = replace(
        room.state,
        rules=replace(room.state.rules, alternate_sides=False, first_speakers_first=False),
    )
    assert [e.user for e in speaking_order(plain)] == [A, C, D]


def test_hands_wait_for_the_second_only_points_of_order_are_suggested() -> None:
    room = moved()
    room.do(c.RaiseHand(A, "pro"))
    assert suggest_next(room.state) is None
    room.do(c.PointOfOrder(B))
    assert suggest_next(room.state) == B


def test_a_free_room_suggests_nobody() -> None:
    assert suggest_next(free().state) is None


def test_the_suggestion_follows_the_chair_giving_the_floor() -> None:
    room = scene((), ((A, "pro"), (B, "pro"), (C, "con")), ())
    order = []
    while (user := suggest_next(room.state)) is not None:
        order.append(user)
        room.do(c.GiveFloor(CHAIR, user))
        room.do(c.YieldFloor(user))
    assert order == [A, C, B]
