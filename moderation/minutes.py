"""The minutes (会议纪要) of a deliberation room, built from its own log.

`build_minutes(room)` reads the room's `RoomEvent` rows in order, its `Speech` rows (the
texts and the off-topic flags) and its bound ballots, and hands them to `compose`, which
reads nothing else: for each agenda item, each motion and amendment with its mover and
seconder, who held the floor on which side and for how long, the time extensions, the
rulings, the points of order, the chair's changes and the pauses, and the vote.

Durations are the engine's own instants: from `floor.given` `at` to `speech.ended` `at`,
less the time the room was paused meanwhile (the speaker's clock stood still then). Names
are as neighbors see them (`User.public_name`), never a real name from the ledger.

`minutes_post` posts them once to a board of the neighborhood, as Markdown, through
`forum.services` (so the board's own rules of who may post apply).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.models import User
from accounts.permissions import Perm
from core.converters import MAX_ID
from core.errors import Invalid, NotFound
from forum import services as forum
from forum.models import BODY_MAX, TITLE_MAX, Board, Topic
from moderation.models import Attendance, Room, RoomBallot, RoomEvent, RoomStatus, Speech
from moderation.procedure.snapshot import state_from_data
from moderation.rooms import messages, selectors

PRESETS = {
    "nantang": _("Nantang rules of order (南塘十三条)"),
    "free": _("Free discussion"),
}
SIDES = {"pro": _("for"), "con": _("against"), "neutral": _("neutral")}
END_REASONS = {
    "time": _("time ran out"),
    "yielded": _("yielded the floor"),
    "ruled_off_topic": _("lost the floor after warnings"),
    "chair": _("ended by the chair"),
}
OUTCOMES = {
    "passed": _("adopted"),
    "failed": _("not adopted"),
    "withdrawn": _("withdrawn by the mover"),
    "lapsed": _("lapsed without a second"),
    "pending": _("not decided"),
}
POINT_OUTCOMES = {
    "heard": _("heard"),
    "withdrawn": _("withdrawn"),
    "not_heard": _("not heard"),
    "pending": _("not heard"),
}


def duration_text(seconds: int | None) -> str:
    if seconds is None:
        return ""
    minutes, rest = divmod(max(seconds, 0), 60)
    if not minutes:
        return gettext("%(seconds)s s") % {"seconds": rest}
    return gettext("%(minutes)s min %(seconds)s s") % {"minutes": minutes, "seconds": rest}


def _clock(moment: dt.datetime | None) -> str:
    return date_format(timezone.localtime(moment), "H:i") if moment else ""


# What the minutes hold ------------------------------------------------------------------


@dataclass
class SpeechText:
    number: int
    at: dt.datetime
    text: str
    off_topic: bool


@dataclass
class Turn:
    """Once someone held the floor (in a free room: one speech, with no floor)."""

    entry: ClassVar[str] = "turn"
    seq: int  # the number of the event that began it, in the room's log
    user: int
    name: str
    kind: str  # "speech", "order" (a point of order) or "free"
    side: str | None  # pro / con / neutral; None for a point of order or a free room
    started_at: dt.datetime | None
    ended_at: dt.datetime | None = None
    seconds: int | None = None  # on the floor, pauses excluded; None while still speaking
    allotted: int | None = None  # the seconds the rules gave at first
    end_reason: str | None = None  # time / yielded / ruled_off_topic / chair
    extensions: list[int] = field(default_factory=list)  # seconds the chair added, in order
    speeches: list[SpeechText] = field(default_factory=list)

    @property
    def side_label(self) -> str:
        return str(SIDES[self.side]) if self.side in SIDES else ""

    @property
    def duration(self) -> str:
        return duration_text(self.seconds)

    @property
    def end_label(self) -> str:
        return str(END_REASONS.get(self.end_reason or "", ""))

    @property
    def off_topic(self) -> bool:
        return any(s.off_topic for s in self.speeches)


@dataclass
class PointOfOrder:
    entry: ClassVar[str] = "point"
    seq: int
    user: int
    name: str
    raised_at: dt.datetime
    outcome: str = "pending"  # heard / withdrawn / not_heard / pending
    turn: Turn | None = None

    @property
    def outcome_label(self) -> str:
        return str(POINT_OUTCOMES[self.outcome])

    @property
    def text(self) -> str:
        return gettext("Point of order by %(name)s: %(outcome)s") % {
            "name": self.name,
            "outcome": self.outcome_label,
        }


@dataclass
class Ruling:
    entry: ClassVar[str] = "ruling"
    seq: int
    kind: str  # off_topic / warned_out
    user: int
    name: str
    at: dt.datetime
    speech: int | None = None
    warnings: int | None = None

    @property
    def text(self) -> str:
        if self.kind == "warned_out":
            return gettext(
                "%(name)s was ruled off-topic as often as the rules allow and may not speak "
                "again on this motion."
            ) % {"name": self.name}
        return gettext(
            "The chair ruled speech %(speech)s of %(name)s off-topic (warning %(warnings)s)."
        ) % {"speech": self.speech, "name": self.name, "warnings": self.warnings}


@dataclass
class Note:
    """A change of the chair, a pause and the like: what the record of a meeting notes."""

    entry: ClassVar[str] = "note"
    seq: int
    kind: str  # chair_changed / co_chair_named / chair_away / chair_back / paused / resumed
    at: dt.datetime
    user: int | None = None
    name: str = ""
    previous: int | None = None
    previous_name: str = ""
    reason: str = ""

    @property
    def text(self) -> str:
        names = {"name": self.name, "previous": self.previous_name}
        if self.kind == "chair_changed" and self.reason == "took_over":
            return gettext("%(name)s, the co-chair, took over the chair from %(previous)s.") % names
        if self.kind == "chair_changed":
            return gettext("%(previous)s handed the chair over to %(name)s.") % names
        if self.kind == "co_chair_named":
            if self.user is None:
                return gettext("The chair named no co-chair.")
            return gettext("The chair named %(name)s co-chair.") % names
        if self.kind == "chair_away":
            return gettext("The chair lost the connection.")
        if self.kind == "chair_back":
            return gettext("The chair is back.")
        if self.kind == "paused":
            if self.reason == "chair_away":
                return gettext("The room paused while the chair was away.")
            return gettext("The chair paused the room.")
        return gettext("The room resumed.")


@dataclass
class Vote:
    ballot: int | None  # the voting issue's ballot bound to the motion
    called_at: dt.datetime
    decided_at: dt.datetime | None = None
    ayes: int | None = None
    noes: int | None = None
    abstentions: int | None = None
    passed: bool | None = None  # ayes > noes; abstentions do not count; a tie fails

    @property
    def text(self) -> str:
        return gettext(
            "%(ayes)s for, %(noes)s against, %(abstentions)s abstaining (ballot %(ballot)s)"
        ) % {
            "ballot": self.ballot or "-",
            "ayes": self.ayes,
            "noes": self.noes,
            "abstentions": self.abstentions,
        }


@dataclass
class MotionMinutes:
    seq: int  # the number of the event that moved it
    id: int
    text: str
    mover: int
    mover_name: str
    amends: int | None  # the main motion, for an amendment
    moved_at: dt.datetime
    seconder: int | None = None
    seconder_name: str = ""
    outcome: str = "pending"  # passed / failed / withdrawn / lapsed / pending
    decided_at: dt.datetime | None = None
    turns: list[Turn] = field(default_factory=list)
    points_of_order: list[PointOfOrder] = field(default_factory=list)
    rulings: list[Ruling] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    vote: Vote | None = None
    amendments: list[MotionMinutes] = field(default_factory=list)
    adopted: list[int] = field(default_factory=list)  # amendments adopted, in order

    @property
    def outcome_label(self) -> str:
        return str(OUTCOMES[self.outcome])

    @property
    def heading(self) -> str:
        if self.amends is not None:
            return gettext("Amendment %(number)s") % {"number": self.id}
        return gettext("Motion %(number)s") % {"number": self.id}

    @property
    def proceedings(self) -> list[Entry]:
        return _in_order(self.turns, self.points_of_order, self.rulings, self.notes)

    @property
    def contents(self) -> list[Entry | MotionMinutes]:
        """The proceedings with the amendments among them, in the order of the log."""
        return _in_order(
            self.turns, self.points_of_order, self.rulings, self.notes, self.amendments
        )

    @property
    def sides(self) -> list[tuple[str, int, str]]:
        """(side label, turns, total time) for each side that spoke."""
        rows = []
        for side, label in SIDES.items():
            turns = [t for t in self.turns if t.side == side]
            if turns:
                total = sum(t.seconds or 0 for t in turns)
                rows.append((str(label), len(turns), duration_text(total)))
        return rows

    @property
    def side_lines(self) -> list[str]:
        return [
            capfirst(
                ngettext(
                    "%(side)s: %(count)s speech, %(time)s",
                    "%(side)s: %(count)s speeches, %(time)s",
                    count,
                )
                % {"side": side, "count": count, "time": time}
            )
            for side, count, time in self.sides
        ]


@dataclass
class ItemMinutes:
    number: int  # from 1
    title: str  # the agenda's text; empty in a room without an agenda
    reached: bool = False
    motions: list[MotionMinutes] = field(default_factory=list)
    # What happened on the item outside any motion (a free room's speech, a point of
    # order while no motion was pending, a pause between motions).
    turns: list[Turn] = field(default_factory=list)
    points_of_order: list[PointOfOrder] = field(default_factory=list)
    rulings: list[Ruling] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    @property
    def heading(self) -> str:
        if self.title:
            return gettext("Item %(number)s: %(title)s") % {
                "number": self.number,
                "title": self.title,
            }
        return gettext("Item %(number)s") % {"number": self.number}

    @property
    def proceedings(self) -> list[Entry]:
        return _in_order(self.turns, self.points_of_order, self.rulings, self.notes)

    @property
    def contents(self) -> list[Entry | MotionMinutes]:
        """The proceedings with the motions among them, in the order of the log."""
        return _in_order(self.turns, self.points_of_order, self.rulings, self.notes, self.motions)


@dataclass
class Minutes:
    room: int
    title: str
    description: str
    neighborhood: str
    preset: str
    rules: list[str]
    status: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    chair: int  # who opened the room and took the chair first
    chair_name: str
    present: list[str]  # who followed the room live, by name
    items: list[ItemMinutes]
    topic: int | None  # the board topic the minutes were posted as

    @property
    def preset_label(self) -> str:
        return str(PRESETS.get(self.preset, self.preset))

    @property
    def motions(self) -> list[MotionMinutes]:
        return [m for item in self.items for m in item.motions]

    @property
    def present_text(self) -> str:
        return gettext(", ").join(self.present)


Entry = Turn | PointOfOrder | Ruling | Note


def _in_order(*groups: Iterable[Any]) -> list[Any]:
    """What happened on a motion or an item, in the order of the room's log."""
    return sorted((e for group in groups for e in group), key=lambda e: e.seq)


# Building them ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LogRow:
    number: int
    type: str
    data: Mapping[str, Any]
    at: dt.datetime  # when the layer recorded it


def _instant(value: object, fallback: dt.datetime) -> dt.datetime:
    """An engine instant (epoch seconds) as a datetime; the row's time if it has none."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    return fallback


class _Builder:
    """Walks the log once, keeping what the next event needs (the floor, the motions)."""

    def __init__(
        self,
        agenda: list[str],
        speeches: Mapping[int, tuple[str, bool]],
        ballots: Mapping[int, int],
        names: Mapping[int, str],
    ) -> None:
        self.items = [ItemMinutes(i + 1, title) for i, title in enumerate(agenda)] or [
            ItemMinutes(1, "")
        ]
        self.items[0].reached = True
        self.item = self.items[0]
        self.speeches = speeches
        self.ballots = ballots
        self.names = names
        self.motions: dict[int, MotionMinutes] = {}
        self.stack: list[MotionMinutes] = []  # the pending motion, then its amendment
        self.turn: Turn | None = None
        self.turn_start = 0.0
        self.turn_paused = 0.0
        self.paused_since: float | None = None
        self.points: dict[int, PointOfOrder] = {}  # raised, not yet heard or withdrawn
        self.seq = 0  # the number of the event being read

    def name(self, user: object) -> str:
        return self.names.get(user, "") if isinstance(user, int) else ""

    @property
    def here(self) -> MotionMinutes | ItemMinutes:
        """Where a point, a ruling or a note goes: the motion being handled, or the item."""
        return self.stack[-1] if self.stack else self.item

    def on(self, motion: object) -> MotionMinutes | ItemMinutes:
        return self.motions.get(motion, self.item) if isinstance(motion, int) else self.item

    def feed(self, row: LogRow) -> None:  # noqa: C901 - one case per event type
        d, at, n = row.data, row.at, row.number
        self.seq = n
        match row.type:
            case "motion.moved":
                motion = MotionMinutes(
                    n, d["motion"], d["text"], d["user"], self.name(d["user"]), d["amends"], at
                )
                self.motions[motion.id] = motion
                parent = self.motions.get(d["amends"]) if d["amends"] is not None else None
                (parent.amendments if parent else self.item.motions).append(motion)
                self.stack.append(motion)
            case "motion.seconded":
                motion = self.motions[d["motion"]]
                motion.seconder, motion.seconder_name = d["user"], self.name(d["user"])
            case "motion.withdrawn":
                self._decided(d["motion"], d["reason"], at)
            case "point.raised":
                point = PointOfOrder(n, d["user"], self.name(d["user"]), at)
                self.here.points_of_order.append(point)
                self.points[d["user"]] = point
            case "point.withdrawn":
                if (withdrawn := self.points.pop(d["user"], None)) is not None:
                    withdrawn.outcome = "withdrawn"
            case "floor.given":
                self._floor(d, at)
            case "speech.posted":
                self._speech(d, at)
            case "speech.ended":
                self._ended(d, at)
            case "time.extended":
                if self.turn is not None:
                    self.turn.extensions.append(int(d["seconds"]))
            case "ruling.off_topic":
                self.on(d["motion"]).rulings.append(
                    Ruling(
                        n,
                        "off_topic",
                        d["user"],
                        self.name(d["user"]),
                        at,
                        speech=d["speech"],
                        warnings=d["warnings"],
                    )
                )
            case "speaker.warned_out":
                self.on(d["motion"]).rulings.append(
                    Ruling(n, "warned_out", d["user"], self.name(d["user"]), at)
                )
            case "vote.called":
                self.motions[d["motion"]].vote = Vote(self.ballots.get(d["motion"]), at)
            case "vote.result":
                self._result(d, at)
            case "chair.changed":
                self.here.notes.append(
                    Note(
                        n,
                        "chair_changed",
                        at,
                        user=d["chair"],
                        name=self.name(d["chair"]),
                        previous=d["previous"],
                        previous_name=self.name(d["previous"]),
                        reason=d["reason"],
                    )
                )
            case "co_chair.named":
                self.here.notes.append(
                    Note(n, "co_chair_named", at, user=d["user"], name=self.name(d["user"]))
                )
            case "chair.disconnected":
                self.here.notes.append(Note(n, "chair_away", at))
            case "chair.returned":
                self.here.notes.append(Note(n, "chair_back", at))
            case "room.paused":
                self.here.notes.append(Note(n, "paused", _instant(d["at"], at), reason=d["reason"]))
                self.paused_since = float(d["at"])
            case "room.resumed":
                self.here.notes.append(Note(n, "resumed", _instant(d["at"], at)))
                self._unpause(float(d["at"]))
            case "item.next":
                self._next_item(int(d["item"]))
            case _:
                pass  # hands raised and withdrawn: the queue is not part of the record

    def _decided(self, motion_id: int, outcome: str, at: dt.datetime) -> None:
        motion = self.motions[motion_id]
        motion.outcome, motion.decided_at = outcome, at
        self.stack = [m for m in self.stack if m.id != motion_id]

    def _floor(self, d: Mapping[str, Any], at: dt.datetime) -> None:
        start = float(d["at"])
        turn = Turn(
            self.seq,
            d["user"],
            self.name(d["user"]),
            d["kind"],
            d["side"] if d["kind"] == "speech" else None,
            _instant(start, at),
            allotted=round(float(d["ends_at"]) - start),
        )
        self.turn, self.turn_start, self.turn_paused = turn, start, 0.0
        if d["kind"] == "order":
            point = self.points.pop(d["user"], None)
            if point is None:  # not seen raised (never: the engine needs the request)
                point = PointOfOrder(self.seq, d["user"], turn.name, at)
                self.here.points_of_order.append(point)
            point.outcome, point.turn = "heard", turn
        else:
            self.on(d["motion"]).turns.append(turn)

    def _speech(self, d: Mapping[str, Any], at: dt.datetime) -> None:
        text, off_topic = self.speeches.get(d["speech"], ("", False))
        speech = SpeechText(d["speech"], _instant(d["at"], at), text, off_topic)
        if self.turn is not None and self.turn.user == d["user"]:
            self.turn.speeches.append(speech)
            return
        # A free room has no floor: each speech is its own turn, of no measured length.
        turn = Turn(self.seq, d["user"], self.name(d["user"]), "free", None, speech.at)
        turn.speeches.append(speech)
        self.on(d["motion"]).turns.append(turn)

    def _ended(self, d: Mapping[str, Any], at: dt.datetime) -> None:
        turn = self.turn
        if turn is None:
            return
        end = float(d["at"])
        paused = self.turn_paused + (end - self.paused_since if self.paused_since else 0.0)
        turn.ended_at = _instant(end, at)
        turn.seconds = max(round(end - self.turn_start - paused), 0)
        turn.end_reason = d["reason"]
        self.turn = None

    def _unpause(self, at: float) -> None:
        if self.paused_since is not None and self.turn is not None:
            self.turn_paused += at - self.paused_since
        self.paused_since = None

    def _result(self, d: Mapping[str, Any], at: dt.datetime) -> None:
        motion = self.motions[d["motion"]]
        vote = motion.vote or Vote(self.ballots.get(motion.id), at)
        vote.decided_at = at
        vote.ayes, vote.noes, vote.abstentions = d["ayes"], d["noes"], d["abstentions"]
        vote.passed = bool(d["passed"])
        motion.vote = vote
        self._decided(motion.id, "passed" if vote.passed else "failed", at)
        if motion.amends is not None and vote.passed:
            self.motions[motion.amends].adopted.append(motion.id)

    def _next_item(self, index: int) -> None:
        for point in self.points.values():
            point.outcome = "not_heard"  # the engine drops points of order with the item
        self.points = {}
        while len(self.items) <= index:  # a room without an agenda numbers its items
            self.items.append(ItemMinutes(len(self.items) + 1, ""))
        self.item = self.items[index]
        self.item.reached = True


def compose(
    *,
    log: Iterable[LogRow],
    agenda: list[str],
    speeches: Mapping[int, tuple[str, bool]],
    ballots: Mapping[int, int],
    names: Mapping[int, str],
) -> list[ItemMinutes]:
    """The agenda items with everything that happened on them. Reads only its arguments:
    `speeches` maps a speech's number to (text, ruled off-topic), `ballots` a motion to its
    ballot id, `names` a user id to how neighbors see them."""
    builder = _Builder(agenda, speeches, ballots, names)
    for row in log:
        builder.feed(row)
    return builder.items


_PEOPLE_KEYS = ("user", "previous", "chair")


def build_minutes(room: Room) -> Minutes:
    """The room's minutes from its log, in a fixed number of queries."""
    log = [
        LogRow(number, t, data, at)
        for number, t, data, at in RoomEvent.objects.filter(room=room)
        .order_by("number")
        .values_list("number", "type", "data", "at")
    ]
    speeches = {
        number: (text, off_topic)
        for number, text, off_topic in Speech.objects.filter(room=room).values_list(
            "number", "text", "off_topic"
        )
    }
    ballots = dict(RoomBallot.objects.filter(room=room).values_list("motion", "ballot_id"))
    present = list(
        Attendance.objects.filter(room=room)
        .values_list("user_id", flat=True)
        .order_by("user_id")
        .distinct()  # a row per server process the user came through
    )
    people = {room.created_by_id, *present}
    people |= {
        v for row in log for k, v in row.data.items() if k in _PEOPLE_KEYS and isinstance(v, int)
    }
    names = {u.pk: u.public_name for u in User.objects.filter(pk__in=people)}
    state = state_from_data(room.state)
    return Minutes(
        room=room.pk,
        title=room.title,
        description=room.description,
        neighborhood=room.neighborhood.name,
        preset=room.preset,
        rules=messages.describe(state.rules),
        status=room.status,
        opened_at=room.created_at,
        closed_at=room.closed_at,
        chair=room.created_by_id,
        chair_name=names.get(room.created_by_id, ""),
        present=[names[u] for u in present if u in names],
        items=compose(
            log=log, agenda=list(state.agenda), speeches=speeches, ballots=ballots, names=names
        ),
        topic=room.minutes_topic_id,
    )


def minutes_data(minutes: Minutes) -> dict[str, Any]:
    """The minutes as JSON for the API (DRF renders the datetimes as ISO 8601)."""
    return asdict(minutes)


# As Markdown, for the board -------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _colon() -> str:
    return gettext(": ")


def _turn_line(turn: Turn) -> str:
    facts = [f"**{turn.name}**"]
    if turn.side_label:
        facts.append(turn.side_label)
    if turn.seconds is not None:
        facts.append(turn.duration)
    facts += [gettext("extended by %(seconds)s s") % {"seconds": s} for s in turn.extensions]
    if turn.end_label:
        facts.append(turn.end_label)
    texts = [
        gettext("[speech %(number)s ruled off-topic]") % {"number": s.number}
        if s.off_topic
        else _one_line(s.text)
        for s in turn.speeches
    ]
    clock = _clock(turn.started_at)
    line = f"- {clock} {' · '.join(facts)}" if clock else f"- {' · '.join(facts)}"
    return line + (_colon() + " / ".join(texts) if texts else "")


def _entry_line(entry: Entry) -> str:
    if isinstance(entry, Turn):
        return _turn_line(entry)
    if isinstance(entry, PointOfOrder):
        line = entry.text
        if entry.turn is not None:
            if entry.turn.seconds is not None:
                line += f" · {entry.turn.duration}"
            if entry.turn.speeches:
                line += _colon() + " / ".join(_one_line(s.text) for s in entry.turn.speeches)
        return f"- {_clock(entry.raised_at)} {line}"
    return f"- {_clock(entry.at)} {entry.text}"


def _contents_md(out: list[str], holder: MotionMinutes | ItemMinutes, depth: int) -> None:
    after_motion = False
    for thing in holder.contents:
        if isinstance(thing, MotionMinutes):
            _motion_md(out, thing, depth)
            after_motion = True
            continue
        if after_motion:
            out.append("")
            after_motion = False
        out.append(_entry_line(thing))


def _fact(label: str, value: str) -> str:
    return f"- {label}{_colon()}{value}"


def _motion_md(out: list[str], motion: MotionMinutes, depth: int) -> None:
    out += ["", f"{'#' * depth} {motion.heading}{_colon()}{_one_line(motion.text)}", ""]
    who = gettext("Moved by %(name)s") % {"name": motion.mover_name}
    if motion.seconder is not None:
        who += gettext(", ") + gettext("seconded by %(name)s") % {"name": motion.seconder_name}
    out.append(f"- {who}")
    if motion.side_lines:
        out.append("- " + " · ".join(motion.side_lines))
    _contents_md(out, motion, depth + 1)
    if motion.amendments:
        out.append("")
    if motion.vote is not None and motion.vote.passed is not None:
        out.append(_fact(gettext("Vote"), motion.vote.text))
    result = gettext("Result")
    out.append(f"- **{motion.heading} · {result}{_colon()}{motion.outcome_label}**")


def _when(moment: dt.datetime) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def to_markdown(minutes: Minutes) -> str:
    title = gettext("Minutes")
    out = [
        f"# {title}{_colon()}{minutes.title}",
        "",
        _fact(gettext("Neighborhood"), minutes.neighborhood),
        _fact(gettext("Rules of procedure"), minutes.preset_label),
        _fact(gettext("Opened at"), _when(minutes.opened_at)),
    ]
    if minutes.closed_at:
        out.append(_fact(gettext("Closed at"), _when(minutes.closed_at)))
    out.append(_fact(gettext("Chaired by"), minutes.chair_name))
    if minutes.present:
        out.append(_fact(gettext("Present"), minutes.present_text))
    if minutes.description:
        out += ["", _one_line(minutes.description)]
    not_reached, no_motion = gettext("Not reached."), gettext("No motion was moved.")
    for item in minutes.items:
        out += ["", f"## {item.heading}", ""]
        if not item.reached:
            out.append(f"- {not_reached}")
            continue
        _contents_md(out, item, 3)
        if not item.contents:
            out.append(f"- {no_motion}")
    return "\n".join(out).strip() + "\n"


def chunks(text: str, limit: int = BODY_MAX) -> list[str]:
    """The text in pieces of at most `limit` characters, cut between lines: a post of the
    board holds at most BODY_MAX, and a long meeting's minutes run over."""
    pieces: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line) > limit:  # one line longer than a post (never: speeches are shorter)
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        if len(current) + len(line) > limit:
            pieces.append(current)
            current = ""
        current += line
    if current.strip():
        pieces.append(current)
    return [p.strip() for p in pieces if p.strip()]


# Posting them to the board ---------------------------------------------------------------


def _board(room: Room, board_id: object) -> Board:
    boards = Board.objects.filter(neighborhood_id=room.neighborhood_id)
    if board_id is None:
        board = boards.order_by("position", "pk").first()
        if board is None:
            raise Invalid(
                _("This neighborhood has no board to post the minutes to."), code="no_board"
            )
        return board
    if isinstance(board_id, bool) or not isinstance(board_id, int) or not 1 <= board_id <= MAX_ID:
        raise Invalid(_("Please choose a board."), code="invalid_argument")
    found = boards.filter(pk=board_id).first()
    if found is None:
        raise NotFound(_("Not found."))
    return found


def _refuse_posted(room: Room) -> None:
    if room.minutes_topic_id is not None:
        raise Invalid(_("The minutes have been posted already."), code="minutes_posted")


def minutes_post(*, actor: User, room_id: int, board_id: int | None = None) -> Topic:
    """Post the minutes of a closed room to a board of its neighborhood, once: a topic whose
    first post is the minutes as Markdown (with replies if they run over one post)."""
    room = selectors.room_for_viewer(actor, room_id)
    access.require(actor, Perm.ROOM_MANAGE, room.neighborhood_id)
    _refuse_posted(room)
    if room.status != RoomStatus.CLOSED:
        # Posted once, they would miss whatever the room still does.
        raise Invalid(_("Close the room before posting its minutes."), code="room_open")
    board = _board(room, board_id)
    minutes = build_minutes(room)
    title = (gettext("Minutes: %(title)s") % {"title": room.title})[:TITLE_MAX]
    pieces = chunks(to_markdown(minutes))
    with transaction.atomic():
        locked = Room.objects.select_for_update().get(pk=room.pk)
        _refuse_posted(locked)  # two posts at once: the second waits here and is refused
        topic = forum.minutes_topic_create(actor=actor, board=board, title=title, bodies=pieces)
        locked.minutes_topic = topic
        locked.save(update_fields=["minutes_topic"])
    return topic
