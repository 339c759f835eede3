"""The log is the room: replaying its events (after a JSON round trip) rebuilds exactly the
state `decide` produced, and snapshots round-trip. A hypothesis state machine issues random
commands at random times and checks that and the procedure's invariants after every step."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from moderation.procedure import (
    FREE,
    NANTANG,
    RoomState,
    RuleViolation,
    apply,
    decide,
    event_from_data,
    event_to_data,
    new_room,
    replay,
    rules_for,
    state_from_data,
    state_to_data,
    suggest_next,
)
from moderation.procedure import commands as c
from moderation.procedure.events import (
    EVENT_TYPES,
    Event,
    FloorGiven,
    MotionMoved,
    RuledOffTopic,
    SpeechEnded,
    SpeechPosted,
)
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


def through_json(log: list[Event]) -> list[Event]:
    return [
        event_from_data(data) for data in json.loads(json.dumps([event_to_data(e) for e in log]))
    ]


def snapshot_through_json(state: RoomState) -> RoomState:
    return state_from_data(json.loads(json.dumps(state_to_data(state))))


def every_event_session() -> Room:
    """One meeting in which every kind of event happens at least once."""
    room = Room(agenda=("Stairwell", "Bikes"))
    for command in (
        c.Move(MOVER, "Repaint the stairwell"),
        c.WithdrawMotion(MOVER),
        c.Move(MOVER, "Repaint the stairwell"),
        c.Second(SECONDER),
        c.RaiseHand(A, "pro"),
        c.RaiseHand(B, "con"),
        c.WithdrawHand(B),
        c.PointOfOrder(C),
        c.WithdrawPoint(C),
        c.GiveFloor(CHAIR, A),
        c.Speak(A, 120),
        c.ExtendTime(CHAIR, 30),
        c.RuleOffTopic(CHAIR, 1),
        c.Speak(A, 80),
        c.RuleOffTopic(CHAIR, 2),  # warned out: the speech ends
        c.Amend(B, "Green, not grey"),
        c.Second(C),
        c.CallVote(CHAIR),
        c.AnnounceResult(CHAIR, 6, 2, 1),
        c.NameCoChair(CHAIR, CO_CHAIR),
        c.ChairDisconnected(),
        c.TakeChair(CO_CHAIR),
        c.Pause(CO_CHAIR),
        c.Resume(CO_CHAIR),
        c.ChairReturned(),  # the old chair (now co-chair) is back; nothing to record
        c.HandOverChair(CO_CHAIR, CHAIR),
        c.ChairDisconnected(),
        c.ChairReturned(),
        c.RaiseHand(C, "neutral"),
        c.GiveFloor(CHAIR, C),
        c.Tick(),
    ):
        room.do(command, at=room.now + 5)
    room.do(c.Tick(), at=room.now + 500)  # C's speech ends by time
    room.do(c.CallVote(CHAIR))
    room.do(c.AnnounceResult(CHAIR, 5, 5, 0))
    room.do(c.NextItem(CHAIR))
    return room


def test_a_session_with_every_kind_of_event_replays_from_json() -> None:
    room = every_event_session()
    assert {event.type for event in room.log} == set(EVENT_TYPES)
    assert replay(room.initial, through_json(room.log)) == room.state
    ended = {e.reason for e in room.log if isinstance(e, SpeechEnded)}
    assert ended == {"ruled_off_topic", "time"}


def test_events_are_plain_json_with_a_type() -> None:
    for event in every_event_session().log:
        data = event_to_data(event)
        assert data["type"] == event.type
        assert json.loads(json.dumps(data)) == data
        assert event_from_data(data) == event


@pytest.mark.parametrize(
    "scene",
    [
        waiting,
        moved,
        debate,
        speaking,
        posted,
        voting,
        decided,
        amendment_debate,
        paused,
        chair_away,
        free,
        every_event_session,
    ],
)
def test_snapshots_round_trip_through_json(scene: Any) -> None:
    state = scene().state
    assert snapshot_through_json(state) == state
    assert state_to_data(state)["phase"] == state.phase


def test_an_unknown_snapshot_version_is_refused() -> None:
    data = state_to_data(waiting().state)
    with pytest.raises(ValueError, match="snapshot version"):
        state_from_data({**data, "version": 99})


def test_decide_refuses_a_time_that_is_not_a_number() -> None:
    state = waiting().state
    for bad in (float("nan"), float("inf"), True, "10"):
        with pytest.raises(ValueError, match="finite number"):
            decide(state, c.Tick(), bad)  # type: ignore[arg-type]


# -- random sessions ---------------------------------------------------------------------

CHAIR_NOW = 0  # stands for whoever is chair at the time
COMMANDS = [
    "move", "amend", "second", "withdraw_motion", "raise_hand", "withdraw_hand",
    "point_of_order", "withdraw_point", "give_floor", "speak", "yield_floor", "end_speech",
    "extend_time", "rule_off_topic", "call_vote", "announce_result", "next_item", "pause",
    "resume", "hand_over_chair", "name_co_chair", "take_chair", "chair_disconnected",
    "chair_returned", "tick",
]  # fmt: skip
USERS = st.sampled_from([CHAIR_NOW, CHAIR, CO_CHAIR, MOVER, SECONDER, A, B])
SIDES = st.sampled_from(["pro", "con", "neutral"])
# Mostly the small gaps of a live room; sometimes a speech's whole time, or much more.
GAPS = st.sampled_from([0, 1, 2, 5, 10, 29, 30, 31, 60, 119, 120, 121, 400])
LIMITS = st.fixed_dictionaries(
    {},
    optional={
        "speech_seconds": st.sampled_from([10, 60, 120]),
        "speeches_per_motion": st.sampled_from([None, 1, 2, 3]),
        "off_topic_warnings": st.integers(1, 3),
        "slow_mode_seconds": st.sampled_from([0, 30]),
        "amendment_depth": st.integers(0, 1),
    },
)


class RoomMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.initial: RoomState | None = None
        self.state: RoomState | None = None
        self.log: list[Event] = []
        self.now: float = 0
        self.decided_at: float = 0  # a refused command records nothing, not even a time-out

    @initialize(
        preset=st.sampled_from([NANTANG, NANTANG, FREE]),
        limits=LIMITS,
        items=st.integers(0, 3),
        start=st.integers(0, 10**9),
    )
    def open_room(self, preset: str, limits: dict[str, int | None], items: int, start: int) -> None:
        agenda = tuple(f"item {i}" for i in range(items))
        self.initial = new_room(rules_for(preset, limits), CHAIR, co_chair=CO_CHAIR, agenda=agenda)
        self.state = self.initial
        self.now = self.decided_at = start

    def who(self, user: int) -> int:
        assert self.state is not None
        return self.state.chair if user == CHAIR_NOW else user

    def residents(self) -> list[int]:
        assert self.state is not None
        return [u for u in (CHAIR, CO_CHAIR, MOVER, SECONDER, A, B) if u != self.state.chair]

    def resident(self, pick: int) -> int:
        residents = self.residents()
        return residents[pick % len(residents)]

    def run(self, command: c.Command, gap: float) -> None:
        assert self.state is not None
        self.now += gap
        before = self.state
        try:
            self.state, events = decide(self.state, command, self.now)
        except RuleViolation:
            return  # a refusal changes nothing (and its code is one of ALL_CODES by construction)
        self.log.extend(events)
        self.decided_at = self.now
        self.check_step(before, events)

    def check_step(self, before: RoomState, events: tuple[Event, ...]) -> None:
        """What the floor allows, event by event: a speech on a motion only from a speech
        floor on that seconded motion, never from a point-of-order floor; a speech floor
        only for someone within the limits; no motion moved from a point-of-order floor;
        and a ruling ends the floor of a speaker it leaves warned out, or of a point of
        order."""
        assert self.state is not None
        state, rules = before, before.rules
        for event in events:
            floor = state.floor
            if isinstance(event, SpeechPosted) and rules.floor_required:
                assert floor is not None and floor.user == event.user
                if floor.kind == "order":
                    assert event.motion is None
                else:
                    motion = state.motion(event.motion) if event.motion is not None else None
                    assert motion is not None and event.motion == floor.motion
                    assert motion.status == "debate"
            if isinstance(event, MotionMoved):
                assert floor is None or floor.kind == "speech"
            if isinstance(event, FloorGiven) and event.kind == "speech":
                motion = state.motion(event.motion) if event.motion is not None else None
                assert motion is not None and event.user not in motion.talk.warned_out
                limit = rules.speeches_per_motion
                assert limit is None or motion.talk.speeches_of(event.user) < limit
            state = apply(state, event)
        held = self.state.floor
        for event in events:
            if not isinstance(event, RuledOffTopic) or held is None or held.user != event.user:
                continue
            talk = self.state.talk
            if event.motion is not None and (ruled := self.state.motion(event.motion)):
                talk = ruled.talk
            assert held.kind == "speech" and event.user not in talk.warned_out

    # One rule tries any command with random arguments, mostly to be refused; the others
    # pick plausible actors so that random sessions get through seconds, debates, rulings
    # and votes often enough to test what comes after them.

    @rule(
        kind=st.sampled_from(COMMANDS),
        user=USERS,
        to=USERS,
        side=st.sampled_from(["pro", "con", "neutral", "maybe"]),
        number=st.integers(-2, 130),
        gap=GAPS,
    )
    def anyone_tries_anything(
        self, kind: str, user: int, to: int, side: Any, number: int, gap: float
    ) -> None:
        user, to = self.who(user), self.who(to)
        commands: dict[str, c.Command] = {
            "move": c.Move(user, "motion"),
            "amend": c.Amend(user, "amendment" if number else " "),
            "second": c.Second(user),
            "withdraw_motion": c.WithdrawMotion(user),
            "raise_hand": c.RaiseHand(user, side),
            "withdraw_hand": c.WithdrawHand(user),
            "point_of_order": c.PointOfOrder(user),
            "withdraw_point": c.WithdrawPoint(user),
            "give_floor": c.GiveFloor(user, to),
            "speak": c.Speak(user, number),
            "yield_floor": c.YieldFloor(user),
            "end_speech": c.EndSpeech(user),
            "extend_time": c.ExtendTime(user, number),
            "rule_off_topic": c.RuleOffTopic(user, number % 8),
            "call_vote": c.CallVote(user),
            "announce_result": c.AnnounceResult(user, number % 7 - 1, number % 5, number % 3),
            "next_item": c.NextItem(user),
            "pause": c.Pause(user),
            "resume": c.Resume(user),
            "hand_over_chair": c.HandOverChair(user, to),
            "name_co_chair": c.NameCoChair(user, None if number % 4 == 0 else to),
            "take_chair": c.TakeChair(user),
            "chair_disconnected": c.ChairDisconnected(),
            "chair_returned": c.ChairReturned(),
            "tick": c.Tick(),
        }
        self.run(commands[kind], gap)

    @rule(pick=st.integers(0, 10), gap=GAPS)
    def a_resident_moves(self, pick: int, gap: float) -> None:
        assert self.state is not None
        user = self.resident(pick)
        self.run(c.Amend(user, "amendment") if self.state.motions else c.Move(user, "motion"), gap)

    @rule(pick=st.integers(0, 10), gap=GAPS)
    def someone_seconds(self, pick: int, gap: float) -> None:
        assert self.state is not None
        top = self.state.top
        others = [u for u in self.residents() if top is None or u != top.mover]
        self.run(c.Second(others[pick % len(others)]), gap)

    @rule(pick=st.integers(0, 10), side=SIDES, point=st.booleans(), gap=GAPS)
    def someone_asks_and_the_chair_calls_them(
        self, pick: int, side: Any, point: bool, gap: float
    ) -> None:
        assert self.state is not None
        user = self.resident(pick)
        self.run(c.PointOfOrder(user) if point else c.RaiseHand(user, side), gap)
        if self.state.floor is not None:
            self.run(c.YieldFloor(self.state.floor.user), 1)
        suggested = suggest_next(self.state)
        if suggested is not None:
            self.run(c.GiveFloor(self.state.chair, suggested), 1)

    @rule(
        pick=st.integers(0, 10),
        then=st.sampled_from(["speak", "move", "amend"]),
        gap=GAPS,
    )
    def someone_who_may_not_speak_raises_a_point_of_order(
        self, pick: int, then: str, gap: float
    ) -> None:
        """Those warned out or at the speech limit on the motion first, if there are any."""
        assert self.state is not None
        top, limit = self.state.top, self.state.rules.speeches_per_motion
        barred = [
            u
            for u in self.residents()
            if top is not None
            and (
                u in top.talk.warned_out or (limit is not None and top.talk.speeches_of(u) >= limit)
            )
        ]
        user = barred[pick % len(barred)] if barred else self.resident(pick)
        self.run(c.PointOfOrder(user), gap)
        if self.state.floor is not None and self.state.floor.user != user:
            self.run(c.YieldFloor(self.state.floor.user), 1)
        self.run(c.GiveFloor(self.state.chair, user), 1)
        attempts: dict[str, c.Command] = {
            "speak": c.Speak(user, 100),
            "move": c.Move(user, "motion"),
            "amend": c.Amend(user, "amendment"),
        }
        self.run(attempts[then], 1)
        self.run(c.Speak(user, 50), 1)

    @rule(pick=st.integers(0, 10), length=st.integers(1, 500), gap=GAPS)
    def the_speaker_or_anyone_speaks(self, pick: int, length: int, gap: float) -> None:
        assert self.state is not None
        floor = self.state.floor
        user = floor.user if floor is not None else self.resident(pick)
        self.run(c.Speak(user, length), gap)

    @rule(how=st.sampled_from(["yield", "end", "extend"]), seconds=st.integers(1, 60), gap=GAPS)
    def the_speech_ends_or_goes_on(self, how: str, seconds: int, gap: float) -> None:
        assert self.state is not None
        chair, floor = self.state.chair, self.state.floor
        if how == "yield":
            self.run(c.YieldFloor(floor.user if floor else chair), gap)
        else:
            self.run(c.EndSpeech(chair) if how == "end" else c.ExtendTime(chair, seconds), gap)

    @rule(back=st.integers(1, 4), gap=GAPS)
    def the_chair_rules_a_recent_speech(self, back: int, gap: float) -> None:
        assert self.state is not None
        self.run(c.RuleOffTopic(self.state.chair, self.state.next_speech - back), gap)

    @rule(ayes=st.integers(0, 5), noes=st.integers(0, 5), gap=GAPS)
    def the_chair_puts_it_to_the_vote(self, ayes: int, noes: int, gap: float) -> None:
        assert self.state is not None
        if self.state.floor is not None:
            self.run(c.EndSpeech(self.state.chair), gap)
        self.run(c.CallVote(self.state.chair), gap)
        self.run(c.AnnounceResult(self.state.chair, ayes, noes, 1), 1)

    @rule(gap=GAPS)
    def the_chair_moves_on(self, gap: float) -> None:
        assert self.state is not None
        self.run(c.NextItem(self.state.chair), gap)

    @rule(
        action=st.sampled_from(["pause", "disconnected", "take", "hand_over", "co_chair"]),
        pick=st.integers(0, 10),
        gap=GAPS,
    )
    def the_chair_changes(self, action: str, pick: int, gap: float) -> None:
        assert self.state is not None
        chair, other = self.state.chair, self.resident(pick)
        commands: dict[str, c.Command] = {
            "pause": c.Pause(chair),
            "disconnected": c.ChairDisconnected(),
            "take": c.TakeChair(self.state.co_chair or other),
            "hand_over": c.HandOverChair(chair, other),
            "co_chair": c.NameCoChair(chair, other),
        }
        self.run(commands[action], gap)

    @rule(gap=GAPS)
    def the_chair_comes_back(self, gap: float) -> None:
        assert self.state is not None
        self.run(c.ChairReturned(), gap)
        self.run(c.Resume(self.state.chair), 0)

    @rule(gap=GAPS)
    def time_passes(self, gap: float) -> None:
        self.run(c.Tick(), gap)

    # -- invariants ----------------------------------------------------------------------

    @invariant()
    def the_log_rebuilds_the_state(self) -> None:
        if self.initial is None:
            return
        assert replay(self.initial, through_json(self.log)) == self.state

    @invariant()
    def the_snapshot_round_trips(self) -> None:
        if self.state is not None:
            assert snapshot_through_json(self.state) == self.state

    @invariant()
    def the_floor_is_held_by_one_speaker_within_their_time_and_limits(self) -> None:
        state = self.state
        if state is None or state.floor is None:
            return
        floor, rules = state.floor, state.rules
        assert rules.floor_required
        if state.paused:
            assert floor.ends_at is None and floor.remaining is not None and floor.remaining > 0
        else:
            assert floor.remaining is None and floor.ends_at is not None
            assert floor.ends_at > self.decided_at  # no speech outlives its time
        if rules.chair_neutral:
            assert floor.user != state.chair
        if floor.kind == "speech":
            assert floor.motion is not None
            motion = state.motion(floor.motion)
            assert motion is not None and motion.status == "debate"
            assert floor.user not in motion.talk.warned_out
            limit = rules.speeches_per_motion
            assert limit is None or 1 <= motion.talk.speeches_of(floor.user) <= limit

    @invariant()
    def the_queue_is_clean(self) -> None:
        state = self.state
        if state is None:
            return
        keys = [(e.user, e.kind, e.motion) for e in state.queue]
        assert len(keys) == len(set(keys))
        if not state.rules.floor_required:
            assert state.queue == ()
        if state.rules.chair_neutral:
            assert all(e.user != state.chair for e in state.queue)
        for entry in state.queue:
            if entry.kind == "order":
                assert entry.side is None and entry.motion is None
                continue
            assert entry.motion is not None
            motion = state.motion(entry.motion)
            assert motion is not None and motion.status != "voting"
            assert entry.user not in motion.talk.warned_out
            limit = state.rules.speeches_per_motion
            assert limit is None or motion.talk.speeches_of(entry.user) < limit

    @invariant()
    def motions_stack_at_most_one_amendment(self) -> None:
        state = self.state
        if state is None:
            return
        assert len(state.motions) <= 1 + state.rules.amendment_depth
        if state.motions:
            assert state.motions[0].amends is None and state.result is None
        if len(state.motions) == 2:
            main, amendment = state.motions
            assert amendment.amends == main.id and main.status == "debate"
        ids = [m.id for m in state.motions]
        assert ids == sorted(ids) and all(i < state.next_motion for i in ids)

    @invariant()
    def the_room_is_consistent(self) -> None:
        state = self.state
        if state is None:
            return
        assert state.co_chair != state.chair
        assert not state.agenda or state.item < len(state.agenda)
        if not state.chair_present:
            assert state.paused is not None
        talks = [state.talk, *(m.talk for m in state.motions)]
        for talk in talks:
            assert all(p.speech < state.next_speech for p in talk.posts)
            assert talk.last_side in (None, "pro", "con")


RoomMachine.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_random_sessions_replay_and_keep_the_rules = RoomMachine.TestCase
