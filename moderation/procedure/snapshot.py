"""A room's state as JSON and back, for the snapshots the Django layer stores.

`state_from_data(state_to_data(s)) == s` for every state, also after a `json` round trip
(tuples become lists and come back as tuples).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from moderation.procedure.presets import rules_from_data, rules_to_data
from moderation.procedure.state import (
    Floor,
    Motion,
    Post,
    Request,
    Result,
    RoomState,
    Talk,
)

Data = dict[str, Any]
SNAPSHOT_VERSION = 1


def _talk_to_data(talk: Talk) -> Data:
    return {
        "speeches": [list(pair) for pair in talk.speeches],
        "warnings": [list(pair) for pair in talk.warnings],
        "warned_out": list(talk.warned_out),
        "last_side": talk.last_side,
        "posts": [[p.speech, p.user, p.ruled] for p in talk.posts],
    }


def _pairs(rows: Any) -> tuple[tuple[int, int], ...]:
    return tuple((int(key), int(value)) for key, value in rows)


def _talk_from_data(data: Mapping[str, Any]) -> Talk:
    return Talk(
        speeches=_pairs(data["speeches"]),
        warnings=_pairs(data["warnings"]),
        warned_out=tuple(data["warned_out"]),
        last_side=data["last_side"],
        posts=tuple(Post(speech, user, ruled) for speech, user, ruled in data["posts"]),
    )


def _motion_to_data(motion: Motion) -> Data:
    return {
        "id": motion.id,
        "mover": motion.mover,
        "text": motion.text,
        "amends": motion.amends,
        "status": motion.status,
        "seconder": motion.seconder,
        "adopted": list(motion.adopted),
        "talk": _talk_to_data(motion.talk),
    }


def _motion_from_data(data: Mapping[str, Any]) -> Motion:
    return Motion(
        id=data["id"],
        mover=data["mover"],
        text=data["text"],
        amends=data["amends"],
        status=data["status"],
        seconder=data["seconder"],
        adopted=tuple(data["adopted"]),
        talk=_talk_from_data(data["talk"]),
    )


def state_to_data(state: RoomState) -> Data:
    floor = state.floor
    result = state.result
    return {
        "version": SNAPSHOT_VERSION,
        "phase": state.phase,  # derived; stored for people reading the snapshot
        "rules": rules_to_data(state.rules),
        "chair": state.chair,
        "co_chair": state.co_chair,
        "chair_present": state.chair_present,
        "agenda": list(state.agenda),
        "item": state.item,
        "motions": [_motion_to_data(m) for m in state.motions],
        "next_motion": state.next_motion,
        "queue": [
            {"user": e.user, "kind": e.kind, "side": e.side, "motion": e.motion}
            for e in state.queue
        ],
        "floor": None
        if floor is None
        else {
            "user": floor.user,
            "kind": floor.kind,
            "motion": floor.motion,
            "side": floor.side,
            "started_at": floor.started_at,
            "ends_at": floor.ends_at,
            "remaining": floor.remaining,
        },
        "talk": _talk_to_data(state.talk),
        "paused": state.paused,
        "last_posts": [[user, at] for user, at in state.last_posts],
        "next_speech": state.next_speech,
        "result": None
        if result is None
        else {
            "motion": result.motion,
            "ayes": result.ayes,
            "noes": result.noes,
            "abstentions": result.abstentions,
            "passed": result.passed,
        },
    }


def state_from_data(data: Mapping[str, Any]) -> RoomState:
    """Rebuild a snapshot written by `state_to_data` (trusted: the room's own row)."""
    if data.get("version") != SNAPSHOT_VERSION:
        raise ValueError(f"unknown snapshot version {data.get('version')!r}")
    floor = data["floor"]
    result = data["result"]
    return RoomState(
        rules=rules_from_data(data["rules"]),
        chair=data["chair"],
        co_chair=data["co_chair"],
        chair_present=data["chair_present"],
        agenda=tuple(data["agenda"]),
        item=data["item"],
        motions=tuple(_motion_from_data(m) for m in data["motions"]),
        next_motion=data["next_motion"],
        queue=tuple(Request(**entry) for entry in data["queue"]),
        floor=None if floor is None else Floor(**floor),
        talk=_talk_from_data(data["talk"]),
        paused=data["paused"],
        last_posts=tuple((int(user), cast(float, at)) for user, at in data["last_posts"]),
        next_speech=data["next_speech"],
        result=None if result is None else Result(**result),
    )
