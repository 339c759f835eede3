"""Who the rules suggest should speak next (南塘十三条 rule 8): points of order first; then,
among hands on the motion under debate, those who have not spoken on it before those who
have, the side opposite the last speech's before the same side (or neutral), and otherwise
whoever asked first. The chair may give the floor to anyone in the queue; this is advice."""

from __future__ import annotations

from moderation.procedure.state import Request, RoomState, Side

_OPPOSITE: dict[Side, Side] = {"pro": "con", "con": "pro"}


def speaking_order(state: RoomState) -> tuple[Request, ...]:
    """The queue in the order the rules would call it (empty in rooms without a floor)."""
    if not state.rules.floor_required:
        return ()
    points = tuple(entry for entry in state.queue if entry.kind == "order")
    top = state.top
    if top is None or top.status != "debate":
        return points
    rules, talk = state.rules, top.talk
    preferred = _OPPOSITE.get(talk.last_side) if rules.alternate_sides and talk.last_side else None
    hands = [e for e in state.queue if e.kind == "speech" and e.motion == top.id]

    def rank(position: int) -> tuple[bool, bool, int]:
        entry = hands[position]
        spoken = rules.first_speakers_first and talk.speeches_of(entry.user) > 0
        other_side = preferred is not None and entry.side != preferred
        return (spoken, other_side, position)

    return points + tuple(hands[i] for i in sorted(range(len(hands)), key=rank))


def suggest_next(state: RoomState) -> int | None:
    """The user the chair should give the floor to next, or None if nobody is waiting."""
    order = speaking_order(state)
    return order[0].user if order else None
