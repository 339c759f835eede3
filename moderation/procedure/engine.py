"""`decide(state, command, now) -> (state, events)`, or `RuleViolation(code)`.

Each handler checks the rules against the state and returns the events the command causes;
the new state is those events applied (`replay.apply`), so replaying the log rebuilds it.
Before any command, a speech whose time has run out ends by itself (`speech.ended`, reason
"time", at its `ends_at`). A refused command changes nothing, that ending included: the
layer's timer sends `Tick` so time-outs are recorded even when nobody acts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Final, TypeVar

from moderation.procedure import codes
from moderation.procedure import commands as cmd
from moderation.procedure import events as ev
from moderation.procedure.codes import RuleViolation
from moderation.procedure.replay import replay
from moderation.procedure.state import SIDES, Motion, Post, RoomState, Talk

Events = list[ev.Event]
MAX_EXTENSION: Final = 3600  # seconds one extend_time may add
T = TypeVar("T")


def decide(
    state: RoomState, command: cmd.Command, now: float
) -> tuple[RoomState, tuple[ev.Event, ...]]:
    """The room after `command` at `now` (seconds), and the events that say what changed."""
    if isinstance(now, bool) or not isinstance(now, int | float) or not math.isfinite(now):
        raise ValueError(f"now must be a finite number of seconds, not {now!r}")
    handler = _HANDLERS.get(type(command))
    if handler is None:
        raise TypeError(f"not a procedure command: {command!r}")
    events = _expire(state, now)
    state = replay(state, events)
    if state.paused is not None and type(command) not in _WHILE_PAUSED:
        raise RuleViolation(codes.ROOM_PAUSED)
    more = handler(state, command, now)
    return replay(state, more), (*events, *more)


def _expire(state: RoomState, now: float) -> Events:
    floor = state.floor
    if floor is None or floor.ends_at is None or now < floor.ends_at:
        return []
    return [ev.SpeechEnded(floor.user, "time", floor.ends_at)]


# -- checks shared by the handlers -----------------------------------------------------


def _require(condition: bool, code: str) -> None:
    if not condition:
        raise RuleViolation(code)


def _some(value: T | None, code: str) -> T:
    """The value, or a refusal with `code` when there is none."""
    if value is None:
        raise RuleViolation(code)
    return value


def _chair(state: RoomState, user: int) -> None:
    _require(user == state.chair, codes.NOT_CHAIR)


def _neutral(state: RoomState, user: int) -> None:
    """The chair of a 南塘 room does not argue, move or second: they hand over first."""
    _require(not (state.rules.chair_neutral and user == state.chair), codes.CHAIR_MUST_STAY_NEUTRAL)


def _floor_room(state: RoomState) -> None:
    _require(state.rules.floor_required, codes.NO_FLOOR)


def _text(text: str) -> None:
    _require(isinstance(text, str) and text.strip() != "", codes.INVALID_ARGUMENT)


def _count(value: int, low: int, high: int | None = None) -> None:
    ok = type(value) is int and value >= low and (high is None or value <= high)
    _require(ok, codes.INVALID_ARGUMENT)


def _may_move(state: RoomState, user: int) -> None:
    """Nobody interrupts a speech (rule 7) — but the speaker may move while speaking. A
    point-of-order floor is for the procedural point only: it moves nothing."""
    floor = state.floor
    _require(floor is None or floor.user == user, codes.FLOOR_TAKEN)
    _require(floor is None or floor.kind == "speech", codes.POINT_OF_ORDER_ONLY)


def _top(state: RoomState) -> Motion:
    return _some(state.top, codes.NO_MOTION)


# -- motions ---------------------------------------------------------------------------


def _move(state: RoomState, command: cmd.Move, now: float) -> Events:
    _neutral(state, command.user)
    _text(command.text)
    _require(not state.motions, codes.MOTION_PENDING)
    _may_move(state, command.user)
    return [ev.MotionMoved(state.next_motion, command.user, command.text, None)]


def _amend(state: RoomState, command: cmd.Amend, now: float) -> Events:
    _neutral(state, command.user)
    _text(command.text)
    top = _top(state)
    allowed = state.rules.amendment_depth >= 1 and top.amends is None and top.status == "debate"
    _require(allowed, codes.AMENDMENT_NOT_ALLOWED)
    _may_move(state, command.user)
    return [ev.MotionMoved(state.next_motion, command.user, command.text, top.id)]


def _second(state: RoomState, command: cmd.Second, now: float) -> Events:
    top = _top(state)
    _require(top.status == "moved", codes.ALREADY_SECONDED)
    _neutral(state, command.user)
    _require(command.user != top.mover, codes.CANNOT_SECOND_OWN_MOTION)
    return [ev.MotionSeconded(top.id, command.user)]


def _withdraw_motion(state: RoomState, command: cmd.WithdrawMotion, now: float) -> Events:
    top = _top(state)
    _require(top.status == "moved", codes.ALREADY_SECONDED)
    if command.user == top.mover:
        return [ev.MotionWithdrawn(top.id, command.user, "withdrawn")]
    _require(command.user == state.chair, codes.NOT_MOVER)
    return [ev.MotionWithdrawn(top.id, command.user, "lapsed")]


# -- the queue and the floor -----------------------------------------------------------


def _may_speak_on(talk: Talk, state: RoomState, user: int) -> None:
    _require(user not in talk.warned_out, codes.WARNED_OUT)
    limit = state.rules.speeches_per_motion
    _require(limit is None or talk.speeches_of(user) < limit, codes.SPEECH_LIMIT_REACHED)


def _raise_hand(state: RoomState, command: cmd.RaiseHand, now: float) -> Events:
    _floor_room(state)
    _require(command.side in SIDES, codes.INVALID_ARGUMENT)
    _neutral(state, command.user)
    top = _top(state)
    _require(top.status != "voting", codes.WRONG_PHASE)
    _may_speak_on(top.talk, state, command.user)
    _require(state.request(command.user, "speech") is None, codes.ALREADY_IN_QUEUE)
    return [ev.HandRaised(command.user, command.side, top.id)]


def _withdraw_hand(state: RoomState, command: cmd.WithdrawHand, now: float) -> Events:
    _floor_room(state)
    _some(state.request(command.user, "speech"), codes.NOT_IN_QUEUE)
    return [ev.HandWithdrawn(command.user, _top(state).id)]


def _point_of_order(state: RoomState, command: cmd.PointOfOrder, now: float) -> Events:
    _floor_room(state)
    _neutral(state, command.user)
    _require(state.request(command.user, "order") is None, codes.ALREADY_IN_QUEUE)
    return [ev.PointRaised(command.user)]


def _withdraw_point(state: RoomState, command: cmd.WithdrawPoint, now: float) -> Events:
    _floor_room(state)
    _require(state.request(command.user, "order") is not None, codes.NOT_IN_QUEUE)
    return [ev.PointWithdrawn(command.user)]


def _give_floor(state: RoomState, command: cmd.GiveFloor, now: float) -> Events:
    _floor_room(state)
    _chair(state, command.user)
    _require(state.floor is None, codes.FLOOR_TAKEN)
    ends_at = now + state.rules.speech_seconds
    if state.request(command.to, "order") is not None:
        return [ev.FloorGiven(command.to, "order", None, None, now, ends_at)]
    hand = _some(state.request(command.to, "speech"), codes.NOT_IN_QUEUE)
    # A hand raised while the motion awaited its second waits for the second. The limits
    # were checked when the hand went up, and only a floor given (which takes the hand
    # down) or a ruling (which withdraws it) changes them.
    _require(_top(state).status == "debate", codes.NOT_SECONDED)
    return [ev.FloorGiven(command.to, "speech", hand.motion, hand.side, now, ends_at)]


def _speak(state: RoomState, command: cmd.Speak, now: float) -> Events:
    _count(command.length, 1)
    _neutral(state, command.user)
    top = state.top
    if state.rules.floor_required:
        floor = _some(state.floor, codes.NOT_YOUR_TURN)
        _require(floor.user == command.user, codes.NOT_YOUR_TURN)
        # A speech on a motion counts there even if an amendment was moved meanwhile. A
        # point of order is about procedure, not the motion: it goes on the agenda item, so
        # it never stands for a speech on a motion (seconded or not) nor evades its limits.
        motion = floor.motion if floor.kind == "speech" else None
    else:
        _may_speak_on(state.topic, state, command.user)
        motion = top.id if top else None
    slow = state.rules.slow_mode_seconds
    last = dict(state.last_posts).get(command.user)
    _require(not slow or last is None or now - last >= slow, codes.SLOW_MODE)
    return [ev.SpeechPosted(state.next_speech, command.user, motion, command.length, now)]


def _yield_floor(state: RoomState, command: cmd.YieldFloor, now: float) -> Events:
    _floor_room(state)
    _require(state.floor is not None and state.floor.user == command.user, codes.NOT_YOUR_TURN)
    return [ev.SpeechEnded(command.user, "yielded", now)]


def _end_speech(state: RoomState, command: cmd.EndSpeech, now: float) -> Events:
    _floor_room(state)
    _chair(state, command.user)
    floor = _some(state.floor, codes.NO_SPEECH)
    return [ev.SpeechEnded(floor.user, "chair", now)]


def _extend_time(state: RoomState, command: cmd.ExtendTime, now: float) -> Events:
    _floor_room(state)
    _chair(state, command.user)
    _count(command.seconds, 1, MAX_EXTENSION)
    floor = _some(state.floor, codes.NO_SPEECH)
    ends_at = _some(floor.ends_at, codes.ROOM_PAUSED)  # never: a paused room was refused
    return [ev.TimeExtended(floor.user, command.seconds, ends_at + command.seconds)]


def _find_post(state: RoomState, speech: int) -> tuple[Post, Talk, int | None]:
    for motion in reversed(state.motions):
        post = motion.talk.post(speech)
        if post is not None:
            return post, motion.talk, motion.id
    return _some(state.talk.post(speech), codes.NO_SUCH_SPEECH), state.talk, None


def _rule_off_topic(state: RoomState, command: cmd.RuleOffTopic, now: float) -> Events:
    _chair(state, command.user)
    post, talk, motion = _find_post(state, command.speech)
    _require(not post.ruled, codes.ALREADY_RULED)
    speaker = post.user
    warnings = talk.warnings_of(speaker) + 1
    events: Events = [ev.RuledOffTopic(post.speech, speaker, motion, warnings)]
    warned_out = speaker in talk.warned_out
    if not warned_out and warnings >= state.rules.off_topic_warnings:
        warned_out = True
        hand = next(
            (
                e
                for e in state.queue
                if e.user == speaker and e.kind == "speech" and e.motion == motion
            ),
            None,
        )
        if hand is not None and motion is not None:
            events.append(ev.HandWithdrawn(speaker, motion))
        events.append(ev.SpeakerWarnedOut(speaker, motion))
    # A warned-out speaker keeps no floor, whenever they were warned out; and a point of
    # order the chair rules out is over (the ruling is the chair's answer to it).
    floor = state.floor
    if floor is not None and floor.user == speaker and (warned_out or floor.kind == "order"):
        events.append(ev.SpeechEnded(speaker, "ruled_off_topic", now))
    return events


# -- votes and the agenda --------------------------------------------------------------


def _call_vote(state: RoomState, command: cmd.CallVote, now: float) -> Events:
    _chair(state, command.user)
    top = _top(state)
    _require(top.status != "moved", codes.NOT_SECONDED)
    _require(top.status == "debate", codes.WRONG_PHASE)
    _require(state.floor is None, codes.FLOOR_TAKEN)
    return [ev.VoteCalled(top.id)]


def _announce_result(state: RoomState, command: cmd.AnnounceResult, now: float) -> Events:
    _chair(state, command.user)
    top = _top(state)
    _require(top.status == "voting", codes.WRONG_PHASE)
    for count in (command.ayes, command.noes, command.abstentions):
        _count(count, 0)
    # 南塘十三条 rule 13: ayes must exceed noes; abstentions are not counted; a tie fails.
    passed = command.ayes > command.noes
    return [ev.VoteResult(top.id, command.ayes, command.noes, command.abstentions, passed)]


def _next_item(state: RoomState, command: cmd.NextItem, now: float) -> Events:
    _chair(state, command.user)
    _require(not state.motions, codes.MOTION_PENDING)
    _require(state.floor is None, codes.FLOOR_TAKEN)
    _require(not state.agenda or state.item + 1 < len(state.agenda), codes.AGENDA_FINISHED)
    return [ev.ItemBegan(state.item + 1)]


# -- the chair and the room ------------------------------------------------------------


def _pause(state: RoomState, command: cmd.Pause, now: float) -> Events:
    _chair(state, command.user)
    return [ev.RoomPaused("chair", now)]  # a paused room was refused before this


def _resume(state: RoomState, command: cmd.Resume, now: float) -> Events:
    _chair(state, command.user)
    _require(state.paused is not None, codes.ROOM_NOT_PAUSED)
    # The chair is evidently back if they resume.
    back: Events = [] if state.chair_present else [ev.ChairBack()]
    return [*back, ev.RoomResumed(now)]


def _new_chair(state: RoomState, chair: int, reason: ev.ChairChange, now: float) -> Events:
    """A neutral chair holds no place in the queue and no floor: both end first."""
    events: Events = []
    if state.rules.chair_neutral:
        for entry in state.queue:
            if entry.user != chair:
                continue
            if entry.kind == "order":
                events.append(ev.PointWithdrawn(chair))
            elif entry.motion is not None:
                events.append(ev.HandWithdrawn(chair, entry.motion))
        if state.floor is not None and state.floor.user == chair:
            events.append(ev.SpeechEnded(chair, "chair", now))
    events.append(ev.ChairChanged(state.chair, chair, reason))
    if state.paused == "chair_away":
        events.append(ev.RoomResumed(now))
    return events


def _hand_over_chair(state: RoomState, command: cmd.HandOverChair, now: float) -> Events:
    _chair(state, command.user)
    _require(type(command.to) is int and command.to != command.user, codes.INVALID_ARGUMENT)
    return _new_chair(state, command.to, "handed_over", now)


def _take_chair(state: RoomState, command: cmd.TakeChair, now: float) -> Events:
    _require(state.co_chair is not None and command.user == state.co_chair, codes.NOT_CO_CHAIR)
    _require(not state.chair_present, codes.CHAIR_IS_PRESENT)
    return _new_chair(state, command.user, "took_over", now)


def _name_co_chair(state: RoomState, command: cmd.NameCoChair, now: float) -> Events:
    _chair(state, command.user)
    valid = command.to is None or (type(command.to) is int and command.to != state.chair)
    _require(valid, codes.INVALID_ARGUMENT)
    return [ev.CoChairNamed(command.to)]


def _chair_disconnected(state: RoomState, command: cmd.ChairDisconnected, now: float) -> Events:
    if not state.chair_present:
        return []  # presence may report twice (two tabs); once is enough
    paused: Events = [] if state.paused else [ev.RoomPaused("chair_away", now)]
    return [ev.ChairLeft(), *paused]


def _chair_returned(state: RoomState, command: cmd.ChairReturned, now: float) -> Events:
    if state.chair_present:
        return []
    # A pause the chair chose outlasts their absence; one caused by it does not.
    resumed: Events = [ev.RoomResumed(now)] if state.paused == "chair_away" else []
    return [ev.ChairBack(), *resumed]


def _tick(state: RoomState, command: cmd.Tick, now: float) -> Events:
    return []


_HANDLERS: Final[dict[type[Any], Callable[[RoomState, Any, float], Sequence[ev.Event]]]] = {
    cmd.Move: _move,
    cmd.Amend: _amend,
    cmd.Second: _second,
    cmd.WithdrawMotion: _withdraw_motion,
    cmd.RaiseHand: _raise_hand,
    cmd.WithdrawHand: _withdraw_hand,
    cmd.PointOfOrder: _point_of_order,
    cmd.WithdrawPoint: _withdraw_point,
    cmd.GiveFloor: _give_floor,
    cmd.Speak: _speak,
    cmd.YieldFloor: _yield_floor,
    cmd.EndSpeech: _end_speech,
    cmd.ExtendTime: _extend_time,
    cmd.RuleOffTopic: _rule_off_topic,
    cmd.CallVote: _call_vote,
    cmd.AnnounceResult: _announce_result,
    cmd.NextItem: _next_item,
    cmd.Pause: _pause,
    cmd.Resume: _resume,
    cmd.HandOverChair: _hand_over_chair,
    cmd.TakeChair: _take_chair,
    cmd.NameCoChair: _name_co_chair,
    cmd.ChairDisconnected: _chair_disconnected,
    cmd.ChairReturned: _chair_returned,
    cmd.Tick: _tick,
}

# While paused, only what brings a chair back (or keeps the record of presence) goes on.
_WHILE_PAUSED: Final[frozenset[type[Any]]] = frozenset(
    {
        cmd.Resume,
        cmd.HandOverChair,
        cmd.TakeChair,
        cmd.NameCoChair,
        cmd.ChairDisconnected,
        cmd.ChairReturned,
        cmd.Tick,
    }
)
