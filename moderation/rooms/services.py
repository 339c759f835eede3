"""The writes of deliberation rooms. Every command goes the same way:

lock the room row -> rebuild its state from the stored snapshot -> the pure engine decides
(moderation/procedure: new state and events, or a RuleViolation with its code) -> append
the events to the room's log and publish them on room.<id> -> store the new snapshot.

The server owns the clock: `now` is this process's time, speeches carry `ends_at`, and a
timer (moderation/rooms/timers.py) ticks the room when a speech's time is up, whatever the
clients do. Presence (the chair's sockets, counted per server process in Attendance, each
process under its lease: realtime/lease.py) pauses and resumes the room.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import realtime
from accounts import access
from accounts.models import User
from accounts.permissions import Perm
from core.cleaning import required_text, title_and_description
from core.converters import MAX_ID
from core.errors import Forbidden, Invalid, NotFound
from moderation.models import Attendance, Room, RoomBallot, RoomEvent, RoomStatus, Speech
from moderation.procedure import commands as cmd
from moderation.procedure import events as ev
from moderation.procedure.codes import RuleViolation
from moderation.procedure.engine import decide
from moderation.procedure.presets import InvalidRules, rules_for
from moderation.procedure.snapshot import state_from_data, state_to_data
from moderation.procedure.state import RoomState, new_room
from moderation.rooms import messages, timers
from realtime import lease
from voting import services as voting

TITLE_MAX = 120
DESCRIPTION_MAX = 2000
SPEECH_MAX = 2000
MOTION_MAX = 500
AGENDA_MAX = 20
VOTE_HOURS = 24  # a room's ballot closes when the chair announces; this is the fallback
REACTIONS = ("👍", "👏", "🤔", "❓")
# Event fields holding a user id: published with a `<field>_name` beside them.
NAMED_FIELDS = ("user", "to", "seconder", "chair", "previous", "mover")


def _text(raw: object, *, limit: int, code: str, required: object, multiline: bool = True) -> str:
    return required_text(raw, limit=limit, code=code, required=required, multiline=multiline)


def _user_id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise Invalid(_("Please choose a person."), code="invalid_argument")
    return value


def room_create(
    *,
    actor: User,
    neighborhood_id: int,
    title: object,
    description: object = "",
    preset: object = "nantang",
    limits: Mapping[str, object] | None = None,
    agenda: object = (),
    co_chair_id: object = None,
) -> Room:
    """Open a room with the actor in the chair."""
    access.require(actor, Perm.ROOM_MANAGE, neighborhood_id)
    clean_title, clean_description = title_and_description(
        title, description, title_max=TITLE_MAX, description_max=DESCRIPTION_MAX
    )
    items = (
        [
            _text(
                item,
                limit=MOTION_MAX,
                code="invalid_agenda",
                required=_("Empty agenda item."),
                multiline=False,
            )
            for item in agenda
            if isinstance(item, str) and item.strip()
        ]
        if isinstance(agenda, list | tuple)
        else None
    )
    if items is None or len(items) > AGENDA_MAX:
        raise Invalid(_("Please give at most 20 agenda items."), code="invalid_agenda")
    co_chair = None
    if co_chair_id not in (None, ""):
        co_chair = _user_id(co_chair_id)
        if co_chair == actor.pk or not _may_chair(co_chair, neighborhood_id):
            raise Invalid(
                _("The co-chair must be another moderator or committee member here."),
                code="invalid_co_chair",
            )
    try:
        rules = rules_for(
            str(preset),
            {k: v for k, v in (limits or {}).items() if v not in ("", None)},  # type: ignore[misc]
        )
    except (InvalidRules, TypeError) as error:
        raise Invalid(
            _("These rules of procedure cannot be used: %(what)s."),
            code="invalid_rules",
            params={"what": getattr(error, "key", "limits")},
        ) from None
    state = new_room(rules, actor.pk, co_chair=co_chair, agenda=tuple(items))
    with transaction.atomic():
        room = Room.objects.create(
            neighborhood_id=neighborhood_id,
            title=clean_title,
            description=clean_description,
            preset=rules.preset,
            state=state_to_data(state),
            created_by=actor,
            created_at=timezone.now(),
        )
        realtime.publish(
            f"place.{neighborhood_id}", "room.opened", {"id": room.pk, "title": room.title}
        )
    return room


def _may_chair(user_id: int, neighborhood_id: int) -> bool:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    return user is not None and access.may(user, Perm.ROOM_MANAGE, neighborhood_id)


@dataclass(frozen=True)
class Outcome:
    room: Room
    state: RoomState
    events: tuple[ev.Event, ...]
    speech: Speech | None = None


Build = Callable[[RoomState], cmd.Command]


def _room_for(user: User, room_id: int) -> Room:
    room = Room.objects.filter(pk=room_id).first()
    if room is None or not access.is_member(user, room.neighborhood_id):
        raise NotFound(_("Not found."))
    return room


def apply(
    room_id: int,
    build: Build,
    *,
    actor: User | None,
    speech_text: str | None = None,
    now: float | None = None,
) -> Outcome:
    """Decide one command on the locked room and store and publish what it caused."""
    with transaction.atomic():
        room = Room.objects.select_for_update().get(pk=room_id)
        if room.status != RoomStatus.OPEN:
            raise Invalid(_("This room is closed."), code="room_closed")
        state = state_from_data(room.state)
        moment = time.time() if now is None else now
        command = build(state)
        try:
            new_state, happened = decide(state, command, moment)
        except RuleViolation as violation:
            raise Invalid(messages.violation(violation.code), code=violation.code) from None
        speech = _record(room, state, happened, actor, speech_text)
        _side_effects(room, new_state, happened, actor)
        room.state = state_to_data(new_state)
        room.events += len(happened)
        room.save(update_fields=["state", "events", "seq"])
        if new_state.floor is not None and new_state.floor.ends_at is not None:
            timers.schedule_on_commit(room.pk, new_state.floor.ends_at)
    return Outcome(room, new_state, happened, speech)


def _names(ids: set[int]) -> dict[int, str]:
    return {u.pk: u.public_name for u in User.objects.filter(pk__in=ids)}


def _record(
    room: Room,
    before: RoomState,
    happened: tuple[ev.Event, ...],
    actor: User | None,
    speech_text: str | None,
) -> Speech | None:
    if not happened:
        return None
    at = timezone.now()
    names = _names(
        {
            v
            for e in happened
            for k, v in ev.event_data(e).items()
            if k in NAMED_FIELDS and isinstance(v, int)
        }
    )
    speech: Speech | None = None
    rows = []
    outgoing: list[tuple[str, str, dict[str, Any]]] = []
    for offset, event in enumerate(happened, start=1):
        data = dict(ev.event_data(event))
        if isinstance(event, ev.SpeechPosted):
            speech = Speech.objects.create(
                room=room,
                number=event.speech,
                user_id=event.user,
                motion=event.motion,
                side=_side_of(before, event.user),
                text=speech_text or "",
                at=at,
            )
        if isinstance(event, ev.RuledOffTopic):
            Speech.objects.filter(room=room, number=event.speech).update(off_topic=True)
        rows.append(
            RoomEvent(
                room=room,
                number=room.events + offset,
                type=event.type,
                data=data,
                at=at,
                actor=actor,
            )
        )
        shown = dict(data)
        for key in NAMED_FIELDS:
            if isinstance(shown.get(key), int):
                shown[f"{key}_name"] = names.get(int(shown[key]), "")  # type: ignore[arg-type]
        if isinstance(event, ev.SpeechPosted):
            shown["text"] = speech_text or ""
            shown["side"] = speech.side if speech is not None else ""
        outgoing.append((room.stream, event.type, shown))
    RoomEvent.objects.bulk_create(rows)
    room.seq = realtime.publish_many(outgoing)[-1]
    return speech


def _side_of(before: RoomState, user_id: int) -> str:
    """The side of the floor the speech was posted from (the state the command met)."""
    floor = before.floor
    return (floor.side or "") if floor is not None and floor.user == user_id else ""


def _side_effects(
    room: Room, state: RoomState, happened: tuple[ev.Event, ...], actor: User | None
) -> None:
    for event in happened:
        if isinstance(event, ev.VoteCalled) and actor is not None:
            _open_vote(room, event, actor)


def _open_vote(room: Room, event: ev.VoteCalled, actor: User) -> None:
    """The vote phase: a ballot of the voting app bound to the motion, by the room's rule
    (voting.services.ballot_create_for_room, which checks that the actor chairs here)."""
    motion = state_from_data(room.state).motion(event.motion)
    title = motion.text if motion is not None else room.title
    ballot = voting.ballot_create_for_room(
        actor=actor,
        room_id=room.pk,
        title=title[:120],
        description=str(_("Vote of the deliberation room “%(room)s”.") % {"room": room.title}),
        closes_at=timezone.now() + dt.timedelta(hours=VOTE_HOURS),
    )
    RoomBallot.objects.create(room=room, motion=event.motion, ballot=ballot)
    room.seq = realtime.publish(
        room.stream, "room.ballot", {"motion": event.motion, "ballot": ballot.pk}
    )


# Commands of people --------------------------------------------------------------------

# The wire names of people's commands (`do room.<name>`, POST .../commands/<name>/), taken
# from the procedure's classes, and those that belong on the chair's console.
COMMANDS: Final[dict[str, type[cmd.PersonCommand]]] = {kind.name: kind for kind in cmd.OF_PEOPLE}
CHAIR_ACTIONS: Final[frozenset[str]] = frozenset(kind.name for kind in cmd.OF_THE_CHAIR)


def room_command(
    *,
    user: User,
    room_id: int,
    action: str,
    data: Mapping[str, Any],
    now: float | None = None,
) -> Outcome:
    """A person's command on a room: the page, the API and the socket all come here."""
    room = _room_for(user, room_id)
    _require_participant(user, room)
    kind = COMMANDS.get(action)
    if kind is None:
        raise NotFound(_("Unknown action."), code="not_found")
    me = user.pk
    if kind is cmd.Speak:
        text = _text(
            data.get("text"),
            limit=SPEECH_MAX,
            code="invalid_argument",
            required=_("Please write your speech."),
        )
        return apply(
            room_id, lambda s: cmd.Speak(me, len(text)), actor=user, speech_text=text, now=now
        )
    if kind is cmd.AnnounceResult:
        return _announce(user, room, now)
    # The engine knows only ids: that the new (co-)chair may chair here is ours to check.
    handing = kind in (cmd.HandOverChair, cmd.NameCoChair) and data.get("to") is not None
    if handing and not _may_chair(_user_id(data.get("to")), room.neighborhood_id):
        raise Invalid(
            _("The chair goes only to a moderator or committee member here."),
            code="invalid_co_chair",
        )
    command = _command(kind, me, data)  # argument errors surface before the room is locked
    return apply(room_id, lambda _state: command, actor=user, now=now)


def _whole(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(_("Please give a whole number."), code="invalid_argument")
    return value


def _side(value: object) -> Any:
    if value not in ("pro", "con", "neutral"):
        raise Invalid(_("Please choose for, against or neutral."), code="invalid_argument")
    return value


# How each argument of a command is read from its `do` data, by the field's name.
ARGUMENTS: Final[dict[str, Callable[[object], object]]] = {
    "text": lambda value: _text(
        value, limit=MOTION_MAX, code="invalid_argument", required=_("Please write the motion.")
    ),
    "side": _side,
    "to": _user_id,
    "seconds": _whole,
    "speech": _whole,
}


def _command(kind: type[cmd.PersonCommand], me: int, data: Mapping[str, Any]) -> cmd.Command:
    """The command of `kind` by `me` from its data: each field but `user` read from the key
    of the same name (a field whose default is None takes a missing or null value as None:
    name_co_chair without `to` names nobody)."""
    args: dict[str, object] = {}
    for field in dataclasses.fields(kind):
        if field.name == "user":
            continue
        value = data.get(field.name)
        empty = value is None and field.default is None
        args[field.name] = None if empty else ARGUMENTS[field.name](value)
    return kind(me, **args)  # type: ignore[arg-type]


def _announce(user: User, room: Room, now: float | None = None) -> Outcome:
    """Close the motion's ballot and announce its counts: the engine applies the rule."""
    state = state_from_data(room.state)
    if state.chair != user.pk:
        raise Invalid(messages.violation("not_chair"), code="not_chair")
    top = state.top
    binding = (
        RoomBallot.objects.select_related("ballot").filter(room=room, motion=top.id).first()
        if top is not None
        else None
    )
    if binding is None or top is None or top.status != "voting":
        raise Invalid(messages.violation("wrong_phase"), code="wrong_phase")
    ballot = binding.ballot
    if ballot.status == "open":
        ballot = voting.ballot_close_for_room(actor=user, room_id=room.pk, ballot_id=ballot.pk)
    counts = (ballot.result or {}).get("tally", {}).get("options", {})

    def heads(key: str) -> int:
        return int(counts.get(key, {}).get("heads", 0))

    return apply(
        room.pk,
        lambda s: cmd.AnnounceResult(user.pk, heads("yes"), heads("no"), heads("abstain")),
        actor=user,
        now=now,
    )


def _require_participant(user: User, room: Room) -> None:
    if not (
        access.may_speak_in(user, room.neighborhood_id)
        or access.may(user, Perm.ROOM_MANAGE, room.neighborhood_id)
    ):
        raise Forbidden(
            _("Only verified residents and the committee take part in rooms."), code="forbidden"
        )


def room_react(*, user: User, room_id: int, emoji: object) -> None:
    """A reaction without text: shown to everyone for a moment, not stored."""
    room = _room_for(user, room_id)
    _require_participant(user, room)
    if emoji not in REACTIONS:
        raise Invalid(_("Unknown reaction."), code="invalid_argument")
    with transaction.atomic():
        realtime.publish_ephemeral(
            room.stream,
            "room.reaction",
            {"user": user.pk, "user_name": user.public_name, "emoji": emoji},
        )


def room_close(*, actor: User, room_id: int) -> Room:
    room = _room_for(actor, room_id)
    access.require(actor, Perm.ROOM_MANAGE, room.neighborhood_id)
    with transaction.atomic():
        room = Room.objects.select_for_update().get(pk=room_id)
        if room.status != RoomStatus.OPEN:
            raise Invalid(_("This room is closed."), code="room_closed")
        room.status = RoomStatus.CLOSED
        room.closed_at = timezone.now()
        room.seq = realtime.publish(room.stream, "room.closed", {"id": room.pk})
        room.save(update_fields=["status", "closed_at", "seq"])
    return room


# The server's clock and presence --------------------------------------------------------


@timers.on_time_up
def room_tick(room_id: int, now: float | None = None) -> Outcome | None:
    """Let a speech whose time is up end by itself; nothing happens if none is."""
    try:
        return apply(room_id, lambda s: cmd.Tick(), actor=None, now=now)
    except Invalid:
        return None  # closed meanwhile


def room_expire_if_due(room: Room, now: float | None = None) -> Room:
    """End a speech whose time ran out with no timer alive (its process died), before the
    room is read: the snapshot then shows the floor as the clock says. Only then is the
    row locked, so a whole room opening the page at once does not queue on it. The room
    as it is now (the one given when nothing was due)."""
    floor = state_from_data(room.state).floor
    moment = time.time() if now is None else now
    expired = floor is not None and floor.ends_at is not None and floor.ends_at <= moment
    if room.status != RoomStatus.OPEN or not expired:
        return room
    ticked = room_tick(room.pk, now=now)
    return room if ticked is None else ticked.room


def presence(user: User, room_id: int, delta: int, process: str | None = None) -> None:
    """Sockets of `user` held by one server process (`process`, its lease id; this
    process by default) joined (+n) or left (-n) room.<id>. The user is present while the
    counts of live processes add up to more than 0. When the chair goes from present to
    absent the room pauses (timers freeze); when a socket of theirs comes back it resumes."""
    me = lease.current() if process is None else process
    room = Room.objects.filter(pk=room_id, status=RoomStatus.OPEN).first()
    if room is None:
        return
    is_chair = state_from_data(room.state).chair == user.pk
    with transaction.atomic():
        if is_chair:
            # Every change to the chair's presence locks the room first: two processes
            # (or a sweep) then cannot each miss the other's count and both stay silent.
            room = Room.objects.select_for_update().get(pk=room_id)
        row, _created = Attendance.objects.select_for_update().get_or_create(
            room=room, user=user, process=me, defaults={"sockets": 0, "seen_at": timezone.now()}
        )
        Attendance.objects.filter(pk=row.pk).update(
            sockets=F("sockets") + delta, seen_at=timezone.now()
        )
        if not is_chair or state_from_data(room.state).chair != user.pk:
            return
        held = _sockets_held(room_id, user.pk, me)
        if delta < 0 and held <= 0:
            _quietly(room_id, cmd.ChairDisconnected())
        elif delta > 0 and held > 0 and held - delta <= 0:
            _quietly(room_id, cmd.ChairReturned())


def _sockets_held(room_id: int, user_id: int, me: str | None) -> int:
    """The user's sockets on the room in live processes (and in `me`, which is alive:
    it is the one asking)."""
    alive = Q(process__in=lease.live())
    if me is not None:
        alive |= Q(process=me)
    total = (
        Attendance.objects.filter(alive, room_id=room_id, user_id=user_id)
        .aggregate(n=Sum("sockets"))
        .get("n")
    )
    return int(total or 0)


def presence_sweep() -> list[int]:
    """Drop the counts held by server processes whose lease expired or ended (a process
    killed with -9 never counts down), and pause each room whose chair is then present
    nowhere. The ids of the rooms where counts were dropped."""
    stale = Attendance.objects.exclude(sockets=0).exclude(process__in=lease.live())
    rooms = sorted(set(stale.values_list("room_id", flat=True)))
    for room_id in rooms:
        _drop_stale(room_id)
    return rooms


def _drop_stale(room_id: int) -> None:
    with transaction.atomic():
        # The room first, as presence() does for the chair: one lock order for both.
        room = Room.objects.select_for_update().filter(pk=room_id).first()
        if room is None:
            return
        stale = Attendance.objects.filter(room_id=room_id).exclude(sockets=0)
        stale = stale.exclude(process__in=lease.live())
        gone = set(stale.values_list("user_id", flat=True))
        stale.update(sockets=0)
        chair = state_from_data(room.state).chair
        away = chair in gone and _sockets_held(room_id, chair, None) <= 0
        if room.status == RoomStatus.OPEN and away:
            _quietly(room_id, cmd.ChairDisconnected())


def _quietly(room_id: int, command: cmd.Command) -> None:
    with contextlib.suppress(Invalid):  # already paused / present: nothing to do
        apply(room_id, lambda s: command, actor=None)
