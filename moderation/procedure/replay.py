"""Events -> state. `decide` changes a state only through `apply`, so replaying a room's
log from its initial state gives exactly the state `decide` produced."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from moderation.procedure import events as ev
from moderation.procedure.state import (
    RULING_WINDOW,
    Floor,
    Motion,
    Post,
    Request,
    Result,
    RoomState,
    Talk,
    pairs_bump,
)


def replay(initial: RoomState, events: Iterable[ev.Event]) -> RoomState:
    state = initial
    for event in events:
        state = apply(state, event)
    return state


def _with_talk(state: RoomState, motion: int | None, change: Callable[[Talk], Talk]) -> RoomState:
    if motion is None or state.motion(motion) is None:
        return replace(state, talk=change(state.talk))
    return _with_motion(state, motion, lambda m: replace(m, talk=change(m.talk)))


def _with_motion(state: RoomState, motion: int, change: Callable[[Motion], Motion]) -> RoomState:
    motions = tuple(change(m) if m.id == motion else m for m in state.motions)
    return replace(state, motions=motions)


def _without(state: RoomState, keep: Callable[[Request], bool]) -> RoomState:
    return replace(state, queue=tuple(entry for entry in state.queue if keep(entry)))


def _apply_posted(state: RoomState, event: ev.SpeechPosted) -> RoomState:
    def add(talk: Talk) -> Talk:
        posts = (*talk.posts, Post(event.speech, event.user))[-RULING_WINDOW:]
        if state.rules.floor_required:  # speeches were counted when the floor was given
            return replace(talk, posts=posts)
        return replace(talk, posts=posts, speeches=pairs_bump(talk.speeches, event.user))

    state = _with_talk(state, event.motion, add)
    slow = state.rules.slow_mode_seconds
    last: tuple[tuple[int, float], ...] = ()
    if slow:
        # Only speeches still inside the slow-mode window matter; the rest are dropped so a
        # busy room's state does not grow with everyone who ever spoke.
        recent = {u: at for u, at in state.last_posts if at > event.at - slow}
        recent[event.user] = event.at
        last = tuple(sorted(recent.items()))
    return replace(state, last_posts=last, next_speech=event.speech + 1)


def _apply_result(state: RoomState, event: ev.VoteResult) -> RoomState:
    decided = state.motion(event.motion)
    state = _without(state, lambda e: e.motion != event.motion)
    if decided is not None and decided.amends is not None:
        motions = tuple(m for m in state.motions if m.id != event.motion)
        state = replace(state, motions=motions)
        if event.passed:
            state = _with_motion(
                state, decided.amends, lambda m: replace(m, adopted=(*m.adopted, event.motion))
            )
        return state
    result = Result(event.motion, event.ayes, event.noes, event.abstentions, event.passed)
    return replace(state, motions=(), result=result)


def apply(state: RoomState, event: ev.Event) -> RoomState:  # noqa: C901 - one case per type
    match event:
        case ev.MotionMoved():
            motion = Motion(event.motion, event.user, event.text, event.amends)
            state = replace(state, motions=(*state.motions, motion), next_motion=event.motion + 1)
            return state if event.amends is not None else replace(state, result=None)
        case ev.MotionSeconded():
            return _with_motion(
                state, event.motion, lambda m: replace(m, seconder=event.user, status="debate")
            )
        case ev.MotionWithdrawn():
            state = _without(state, lambda e: e.motion != event.motion)
            return replace(state, motions=tuple(m for m in state.motions if m.id != event.motion))
        case ev.HandRaised():
            hand = Request(event.user, "speech", event.side, event.motion)
            return replace(state, queue=(*state.queue, hand))
        case ev.HandWithdrawn():
            return _without(
                state,
                lambda e: (
                    not (e.user == event.user and e.kind == "speech" and e.motion == event.motion)
                ),
            )
        case ev.PointRaised():
            return replace(state, queue=(*state.queue, Request(event.user, "order", None, None)))
        case ev.PointWithdrawn():
            return _without(state, lambda e: not (e.user == event.user and e.kind == "order"))
        case ev.FloorGiven():
            state = _without(
                state,
                lambda e: (
                    not (e.user == event.user and e.kind == event.kind and e.motion == event.motion)
                ),
            )
            floor = Floor(
                user=event.user,
                kind=event.kind,
                motion=event.motion,
                side=event.side,
                started_at=event.at,
                ends_at=event.ends_at,
            )
            state = replace(state, floor=floor)
            if event.kind != "speech":
                return state
            side = event.side if event.side in ("pro", "con") else None

            def count(talk: Talk) -> Talk:
                talk = replace(talk, speeches=pairs_bump(talk.speeches, event.user))
                return talk if side is None else replace(talk, last_side=side)

            return _with_talk(state, event.motion, count)
        case ev.SpeechPosted():
            return _apply_posted(state, event)
        case ev.SpeechEnded():
            return replace(state, floor=None)
        case ev.TimeExtended():
            assert state.floor is not None
            return replace(state, floor=replace(state.floor, ends_at=event.ends_at))
        case ev.RuledOffTopic():

            def rule(talk: Talk) -> Talk:
                posts = tuple(
                    replace(p, ruled=True) if p.speech == event.speech else p for p in talk.posts
                )
                return replace(talk, posts=posts, warnings=pairs_bump(talk.warnings, event.user))

            return _with_talk(state, event.motion, rule)
        case ev.SpeakerWarnedOut():
            # Their hand was withdrawn by an event before this one.
            return _with_talk(
                state,
                event.motion,
                lambda t: replace(t, warned_out=tuple(sorted({*t.warned_out, event.user}))),
            )
        case ev.VoteCalled():
            state = _without(state, lambda e: e.motion != event.motion)
            return _with_motion(state, event.motion, lambda m: replace(m, status="voting"))
        case ev.VoteResult():
            return _apply_result(state, event)
        case ev.ChairChanged():
            co_chair = event.previous if state.co_chair == event.chair else state.co_chair
            # The new chair's hands and points were withdrawn by events before this one.
            return replace(state, chair=event.chair, co_chair=co_chair, chair_present=True)
        case ev.CoChairNamed():
            return replace(state, co_chair=event.user)
        case ev.ChairLeft():
            return replace(state, chair_present=False)
        case ev.ChairBack():
            return replace(state, chair_present=True)
        case ev.RoomPaused():
            held = state.floor
            if held is not None and held.ends_at is not None:
                held = replace(held, ends_at=None, remaining=held.ends_at - event.at)
            return replace(state, paused=event.reason, floor=held)
        case ev.RoomResumed():
            held = state.floor
            if held is not None and held.remaining is not None:
                held = replace(held, ends_at=event.at + held.remaining, remaining=None)
            return replace(state, paused=None, floor=held)
        case ev.ItemBegan():
            state = _without(state, lambda e: e.kind == "order")
            return replace(state, item=event.item, result=None, talk=Talk())
