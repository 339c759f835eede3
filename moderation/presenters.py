"""What the room page shows, from the room's snapshot (moderation.rooms.selectors): the
flags that say which controls show, the words of phases, sides and notices, the rows of
motions and queues, and the vote box. The page renders from here, and room.js takes the
flags and the words from here too (the page's #room-data, the room's state URL), so the
browser decides none of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from moderation.models import Room, RoomStatus
from voting import presenters as ballot_presenters
from voting.models import Ballot, Status
from voting.slots import Slot

# Words of the phases, the sides and the kinds of request (room.js gets them in texts()).
PHASES: dict[str, Promise] = {
    "waiting": gettext_lazy("Waiting for a motion"),
    "motion_moved": gettext_lazy("Motion moved: waiting for a second"),
    "debate": gettext_lazy("Seconded: in debate"),
    "voting": gettext_lazy("Voting now"),
    "result": gettext_lazy("Voted"),
}
# Words beside each reaction: a phone without an emoji font still says what it means.
REACTION_WORDS: dict[str, Promise] = {
    "👍": gettext_lazy("Agree"),
    "👏": gettext_lazy("Applause"),
    "🤔": gettext_lazy("Let me think"),
    "❓": gettext_lazy("Question"),
}
SIDES: dict[str, Promise] = {
    "pro": gettext_lazy("For"),
    "con": gettext_lazy("Against"),
    "neutral": gettext_lazy("Neutral"),
}

# Which flags each control needs to be shown (room.js reads them from data-need).
NEEDS: dict[str, str] = {
    "move": "motion-none",
    "amend": "amendable",
    "second": "can-second",
    "withdraw_motion": "mover-moved",
    "hands": "hands-open hand-none",
    "withdraw_hand": "hand",
    "point_of_order": "floor-room point-none",
    "withdraw_point": "point",
    "yield_floor": "my-floor",
    "take_chair": "chair-away co-chair-me",
    # The console
    "give_suggested": "suggested floor-none",
    "floor_tools": "floor",
    "lapse": "phase-motion_moved",
    "call_vote": "phase-debate floor-none",
    "announce_result": "phase-voting",
    "next_item": "motion-none floor-none",
    "pause": "running",
    "resume": "paused",
}


# The room's flags -------------------------------------------------------------------------


def flags(snap: Mapping[str, Any]) -> set[str]:
    """What holds now for this viewer: which controls the page shows (data-need). The page
    is drawn with them, and room.js reads them again from the room's state URL after an
    event: they are computed here only."""
    state = snap["state"]
    me = snap["me"]
    motions = state["motions"]
    top = motions[-1] if motions else None
    floor = state["floor"]
    rules = state["rules"]
    queue = state["queue"]
    found = {f"phase-{snap['phase']}"}
    found.add("floor-room" if rules["floor_required"] else "free-room")
    if top is None:
        found.add("motion-none")
    else:
        if top["status"] == "moved" and top["mover"] != me:
            found.add("can-second")
        if top["status"] == "moved" and top["mover"] == me:
            found.add("mover-moved")
        if rules["floor_required"] and top["status"] in ("moved", "debate"):
            found.add("hands-open")
        if top["status"] == "debate" and top["amends"] is None and rules["amendment_depth"] >= 1:
            found.add("amendable")
    found.add("floor" if floor else "floor-none")
    if floor and floor["user"] == me:
        found.add("my-floor")
    hand = any(
        e["user"] == me and e["kind"] == "speech" and top is not None and e["motion"] == top["id"]
        for e in queue
    )
    point = any(e["user"] == me and e["kind"] == "order" for e in queue)
    found.add("hand" if hand else "hand-none")
    found.add("point" if point else "point-none")
    found.add("paused" if state["paused"] else "running")
    if not state["chair_present"]:
        found.add("chair-away")
    if state["co_chair"] == me:
        found.add("co-chair-me")
    if snap.get("suggested") is not None:
        found.add("suggested")
    return found


def hidden(found: set[str]) -> dict[str, bool]:
    return {name: not set(need.split()) <= found for name, need in NEEDS.items()}


# Words ----------------------------------------------------------------------------------------


def clock(seconds: float | None) -> str:
    whole = max(0, int(seconds or 0) + (1 if seconds and seconds % 1 else 0))
    return f"{whole // 60}:{whole % 60:02d}"


def texts(snap: Mapping[str, Any]) -> dict[str, Any]:
    """The words room.js draws events with, in the reader's language."""
    rules = snap["state"]["rules"]
    return {
        "phases": {key: str(value) for key, value in PHASES.items()},
        "sides": {key: str(value) for key, value in SIDES.items()},
        "point": _("Point of order"),
        "reactions": {emoji: str(word) for emoji, word in REACTION_WORDS.items()},
        "nobody": _("Nobody has the floor."),
        "paused": _("Paused"),
        "time_up": _("Time is up"),
        "my_floor": _("You have the floor: please speak."),
        "wait_floor": _(
            "Only the person the chair gives the floor may speak. You may write first."
        ),
        "ruled": _("Ruled off-topic by the chair"),
        "rule_button": _("Rule off-topic"),
        "give": _("Give the floor"),
        "empty_queue": _("Nobody is waiting."),
        "no_speech": _("No speech yet."),
        "no_motion": _(
            "No motion yet. Nothing is discussed without a motion: anyone may move one."
        ),
        "comma": _(", "),
        "amendment": _("Amendment"),
        "moved_by": _("Moved by %(name)s"),
        "seconded_by": _("seconded by %(name)s"),
        "passed": _("Motion passed"),
        "failed": _("Motion not passed"),
        "counts": _("Ayes %(ayes)s · Noes %(noes)s · Abstentions %(abstentions)s"),
        "failed_send": _("Could not send; please try again."),
        "closed": _("This room is closed."),
        "limit": rules["off_topic_warnings"],
        "agenda_item": _("Item %(number)s of %(count)s"),
        "notices": {
            "motion.moved": _("%(name)s moved: %(text)s"),
            "amendment.moved": _("%(name)s moved an amendment: %(text)s"),
            "motion.seconded": _("%(name)s seconded the motion."),
            "motion.withdrawn": _("The motion was withdrawn."),
            "motion.lapsed": _("The motion lapsed without a second."),
            "hand.raised": _("%(name)s raised a hand (%(side)s)."),
            "point.raised": _("%(name)s raised a point of order."),
            "floor.given": _("The chair gave the floor to %(name)s."),
            "speech.ended.time": _("%(name)s's time is up: the speech ended."),
            "speech.ended.yielded": _("%(name)s yielded the floor."),
            "speech.ended.chair": _("The chair ended %(name)s's speech."),
            "speech.ended.ruled_off_topic": _(
                "%(name)s lost the floor after the chair's warnings."
            ),
            "time.extended": _("The chair gave %(name)s %(seconds)s more seconds."),
            "ruling.off_topic": _(
                "The chair ruled %(name)s's speech off-topic (warning %(count)s of %(limit)s)."
            ),
            "speaker.warned_out": _("%(name)s may not speak again on this motion."),
            "vote.called": _("The chair called the vote: please vote."),
            "vote.result": _("Result: %(verdict)s (%(counts)s)"),
            "amendment.result": _("Amendment: %(verdict)s (%(counts)s)"),
            "chair.changed": _("%(name)s is now the chair."),
            "co_chair.named": _("%(name)s is the co-chair."),
            "co_chair.none": _("There is no co-chair now."),
            "chair.disconnected": _("The chair is away: the room is paused."),
            "chair.returned": _("The chair is back."),
            "room.paused": _("The room is paused."),
            "room.resumed": _("The room goes on."),
            "item.next": _("Next agenda item: %(item)s"),
            "room.closed": _("This room is closed."),
        },
    }


def motion_rows(snap: Mapping[str, Any]) -> list[dict[str, Any]]:
    names = snap["names"]
    return [
        {
            **m,
            "mover_name": names.get(str(m["mover"]), ""),
            "seconder_name": names.get(str(m["seconder"]), "") if m["seconder"] else "",
        }
        for m in snap["state"]["motions"]
    ]


def queue_rows(snap: Mapping[str, Any], entries: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    names = snap["names"]
    return [
        {
            **e,
            "name": names.get(str(e["user"]), "") or e.get("name", ""),
            "label": _("Point of order") if e["kind"] == "order" else str(SIDES.get(e["side"], "")),
        }
        for e in entries
    ]


def agenda(state: Mapping[str, Any]) -> dict[str, Any]:
    items = state["agenda"]
    index = state["item"]
    return {
        "items": items,
        "current": items[index] if index < len(items) else "",
        "number": index + 1,
        "count": len(items),
    }


# The vote box ---------------------------------------------------------------------------------


def bound_ballot(state: Mapping[str, Any], ballots: Mapping[str, Any]) -> int | None:
    """The ballot of the motion being voted on, or of the last one decided here."""
    motions = state["motions"]
    top = motions[-1] if motions else None
    if top is not None and top["status"] == "voting":
        key = top["id"]
    elif top is None and state["result"] is not None:
        key = state["result"]["motion"]
    else:
        return None
    found = ballots.get(str(key))
    return int(found) if found is not None else None


def vote_box(
    room: Room, ballot: Ballot, snap: Mapping[str, Any], own: Slot | None
) -> dict[str, Any]:
    """The vote box of a room's motion (moderation/_vote.html), from the ballot's snapshot
    and the reader's own slot: the room page, and the fragment room.js and live/ballot.js
    fetch."""
    options = ballot_presenters.shown_options(ballot, snap["options"])
    counted = ballot_presenters.shown_tally(ballot, snap) or {}
    participation = counted.get("participation") or snap.get("participation") or {"heads": 0}
    return {
        "room": room,
        "ballot": ballot,
        "seq": snap["seq"],
        "is_open": ballot.status == Status.OPEN,
        "options": options,
        "rows": ballot_presenters.option_rows(
            options, counted.get("options"), int(participation.get("heads", 0))
        ),
        "voted_heads": participation.get("heads", 0),
        "electorate": ballot.electorate_heads,
        "slot": own,
    }


# The page ---------------------------------------------------------------------------------------


def room_page(
    room: Room,
    snap: dict[str, Any],
    *,
    candidates: list[tuple[int, str]],
    vote: dict[str, Any] | None,
    urls: Mapping[str, str],
    reactions: Iterable[str],
    error: str = "",
    drafts: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The room page from the room's snapshot: the flags, the words, the rows, and the
    client data room.js starts from (`urls`: state_url, vote_url)."""
    found = flags(snap)
    state = snap["state"]
    floor = state["floor"]
    names = snap["names"]
    is_open = snap["status"] == RoomStatus.OPEN
    is_chair = bool(snap["is_chair"]) and is_open
    takes_part = is_open and bool(snap["may_speak"] or snap["may_chair"])
    neutral_chair = is_chair and state["rules"]["chair_neutral"]
    client = {
        key: snap[key]
        for key in (
            "id",
            "seq",
            "stream",
            "status",
            "state",
            "phase",
            "names",
            "queue_order",
            "suggested",
            "is_chair",
            "me",
            "server_now",
            "ballots",
        )
    }
    client["speeches"] = [{k: v for k, v in s.items() if k != "text"} for s in snap["speeches"]]
    client["texts"] = texts(snap)
    client["flags"] = sorted(found)
    client.update(urls)
    return {
        "room": room,
        "snap": snap,
        "seq": snap["seq"],
        "state": state,
        "flags": " ".join(sorted(found)),
        "flag_set": found,
        "hide": hidden(found),
        "needs": NEEDS,
        "phase_label": str(PHASES.get(snap["phase"], "")),
        "agenda": agenda(state),
        "motions": motion_rows(snap),
        "result": state["result"],
        "floor": floor,
        "floor_name": names.get(str(floor["user"]), "") if floor else "",
        "floor_label": (
            _("Point of order")
            if floor and floor["kind"] == "order"
            else str(SIDES.get(floor["side"] or "", ""))
            if floor
            else ""
        ),
        "floor_clock": clock(
            floor["remaining"]
            if floor and floor["ends_at"] is None
            else (floor["ends_at"] - snap["server_now"])
            if floor
            else 0
        ),
        "queue": queue_rows(snap, state["queue"]),
        "queue_order": queue_rows(snap, snap["queue_order"]),
        "suggested_name": names.get(str(snap["suggested"]), "") if snap["suggested"] else "",
        "suggested_row": next(iter(queue_rows(snap, snap["queue_order"][:1])), None),
        "speeches": [
            {
                **speech,
                "side_label": str(SIDES.get(speech["side"], "")),
                "when": dt.datetime.fromisoformat(speech["at"]),
            }
            for speech in snap["speeches"]
        ],
        "rules": snap["rules"],
        "is_open": is_open,
        "is_chair": is_chair,
        "takes_part": takes_part,
        "neutral_chair": neutral_chair,
        "floor_room": state["rules"]["floor_required"],
        "candidates": candidates if is_chair else [],
        "chair_name": names.get(str(state["chair"]), ""),
        "co_chair": state["co_chair"],
        "vote": vote,
        "client": client,
        "error": error,
        "drafts": drafts or {},  # what a refused plain form had typed, shown again
        "reactions": [(emoji, str(REACTION_WORDS.get(emoji, ""))) for emoji in reactions],
        "sides": [(key, str(label)) for key, label in SIDES.items()],
    }
