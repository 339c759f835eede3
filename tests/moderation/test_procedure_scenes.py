"""Rooms at each point of the procedure, shared by the procedure tests (no database).

`Room` keeps a state, its event log and a clock; `Room.do` runs one command through
`decide` and `Room.refused` returns the code a refused command gets (and checks that the
room did not change). The scenes below build the usual starting points; the tests in this
file pin what each scene is, so the other tests can rely on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from moderation.procedure import (
    FREE,
    NANTANG,
    RoomState,
    RuleViolation,
    decide,
    new_room,
    replay,
    rules_for,
)
from moderation.procedure import commands as c
from moderation.procedure.events import Event

CHAIR, CO_CHAIR, MOVER, SECONDER = 1, 2, 3, 4
A, B, C, D, E = 5, 6, 7, 8, 9  # residents who ask for the floor
SPEECH = 120  # the nantang default, in seconds


class Room:
    def __init__(
        self,
        preset: str = NANTANG,
        limits: Mapping[str, int | None] | None = None,
        agenda: tuple[str, ...] = (),
        co_chair: int | None = CO_CHAIR,
    ) -> None:
        self.initial = new_room(rules_for(preset, limits), CHAIR, co_chair=co_chair, agenda=agenda)
        self.state: RoomState = self.initial
        self.log: list[Event] = []
        self.now: float = 0

    def do(self, command: c.Command, at: float | None = None) -> tuple[Event, ...]:
        """Run a command at `at` (default: one second after the last) and keep its events."""
        self.now = self.now + 1 if at is None else at
        self.state, events = decide(self.state, command, self.now)
        self.log.extend(events)
        return events

    def refused(self, command: c.Command, at: float | None = None) -> str:
        before = self.state
        with pytest.raises(RuleViolation) as refusal:
            self.do(command, at)
        assert self.state is before
        return refusal.value.code

    def types(self, command: c.Command, at: float | None = None) -> list[str]:
        return [event.type for event in self.do(command, at)]

    def replayed(self) -> RoomState:
        return replay(self.initial, self.log)


def waiting(preset: str = NANTANG, **kwargs: Any) -> Room:
    return Room(preset, **kwargs)


def moved(preset: str = NANTANG, **kwargs: Any) -> Room:
    room = waiting(preset, **kwargs)
    room.do(c.Move(MOVER, "Repaint the stairwell"))
    return room


def debate(preset: str = NANTANG, **kwargs: Any) -> Room:
    room = moved(preset, **kwargs)
    room.do(c.Second(SECONDER))
    return room


def hands(room: Room, *raised: tuple[int, str]) -> Room:
    for user, side in raised:
        room.do(c.RaiseHand(user, side))  # type: ignore[arg-type]
    return room


def speaking(user: int = A, side: str = "pro", **kwargs: Any) -> Room:
    """A speaks on the main motion; the floor was given at t = 10."""
    room = hands(debate(**kwargs), (user, side))
    room.do(c.GiveFloor(CHAIR, user), at=10)
    return room


def posted(user: int = A, **kwargs: Any) -> Room:
    """A holds the floor and has posted speech 1."""
    room = speaking(user, **kwargs)
    room.do(c.Speak(user, 200), at=20)
    return room


def voting(preset: str = NANTANG, **kwargs: Any) -> Room:
    room = debate(preset, **kwargs)
    room.do(c.CallVote(CHAIR))
    return room


def decided(preset: str = NANTANG, ayes: int = 5, noes: int = 2, **kwargs: Any) -> Room:
    room = voting(preset, **kwargs)
    room.do(c.AnnounceResult(CHAIR, ayes, noes, 1))
    return room


def amendment_moved(**kwargs: Any) -> Room:
    room = debate(**kwargs)
    room.do(c.Amend(A, "Green, not grey"))
    return room


def amendment_debate(**kwargs: Any) -> Room:
    room = amendment_moved(**kwargs)
    room.do(c.Second(B))
    return room


def paused(**kwargs: Any) -> Room:
    room = debate(**kwargs)
    room.do(c.Pause(CHAIR))
    return room


def chair_away(**kwargs: Any) -> Room:
    room = debate(**kwargs)
    room.do(c.ChairDisconnected())
    return room


def free(**kwargs: Any) -> Room:
    return Room(FREE, **kwargs)


@pytest.mark.parametrize(
    ("scene", "phase"),
    [
        (waiting, "waiting"),
        (moved, "motion_moved"),
        (debate, "debate"),
        (speaking, "debate"),
        (voting, "voting"),
        (decided, "result"),
        (amendment_moved, "motion_moved"),
        (amendment_debate, "debate"),
        (paused, "debate"),
        (free, "waiting"),
    ],
)
def test_each_scene_is_in_its_phase_and_replays(scene, phase) -> None:
    room = scene()
    assert room.state.phase == phase
    assert room.replayed() == room.state


def test_speaking_scene_gives_a_the_floor_for_the_default_time() -> None:
    room = speaking()
    assert room.state.floor is not None
    assert (room.state.floor.user, room.state.floor.ends_at) == (A, 10 + SPEECH)


def test_amendment_scenes_stack_the_amendment_on_the_main_motion() -> None:
    room = amendment_debate()
    main, amendment = room.state.motions
    assert (main.amends, amendment.amends) == (None, main.id)
    assert (main.status, amendment.status) == ("debate", "debate")
