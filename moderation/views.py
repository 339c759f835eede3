"""Deliberation room pages: the list, the new-room form, the live room with the chair's
console, the vote box, and the plain-POST fallback of every command. Thin: reads through
moderation.rooms.selectors, writes through moderation.rooms.services.

The page is rendered from the same snapshot (selectors.snapshot) that room.js keeps current
from the room's events; which controls show is decided by the same flags on both sides
(`flags` here, `flagsOf` in room.js), so a page that arrived live reads like a reloaded one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import access, permissions
from accounts.access import acting_user as _user
from accounts.models import Neighborhood, RoleGrant, User
from accounts.permissions import Perm
from core.errors import DomainError, NotFound
from moderation.forms import RoomForm
from moderation.models import Room, RoomBallot, RoomStatus
from moderation.rooms import selectors, services
from voting import selectors as ballot_selectors
from voting import services as voting
from voting import views as ballot_views
from voting.models import Ballot, Status

# Words of the phases, the sides and the kinds of request (room.js gets the same texts).
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


def _place_for_member(user: User, neighborhood_id: int) -> Neighborhood:
    place = Neighborhood.objects.filter(pk=neighborhood_id).first()
    if place is None or not access.is_member(user, neighborhood_id):
        raise Http404
    return place


def _room(user: User, room_id: int) -> Room:
    try:
        return selectors.room_for_viewer(user, room_id)
    except NotFound as exc:
        raise Http404 from exc


def chair_candidates(neighborhood_id: int, *, besides: int | None = None) -> list[tuple[int, str]]:
    """Who may chair here (Perm.ROOM_MANAGE): for the co-chair and hand-over choices."""
    here, above = permissions.roles_with(Perm.ROOM_MANAGE)
    place = Neighborhood.objects.filter(pk=neighborhood_id).values("subdistrict_id").first()
    if place is None:
        return []
    grants = RoleGrant.objects.filter(
        Q(neighborhood_id=neighborhood_id, role__in=here)
        | Q(subdistrict_id=place["subdistrict_id"], role__in=above),
        user__is_active=True,
    ).select_related("user")
    people = {g.user_id: g.user.public_name for g in grants if g.user_id != besides}
    return sorted(people.items(), key=lambda item: item[1])


# The room's flags -------------------------------------------------------------------------


def flags(snap: Mapping[str, Any]) -> set[str]:
    """What holds now for this viewer; room.js flagsOf() computes the same from its state."""
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


def _hidden(found: set[str]) -> dict[str, bool]:
    return {name: not set(need.split()) <= found for name, need in NEEDS.items()}


# Words ----------------------------------------------------------------------------------------


def _clock(seconds: float | None) -> str:
    whole = max(0, int(seconds or 0) + (1 if seconds and seconds % 1 else 0))
    return f"{whole // 60}:{whole % 60:02d}"


def _texts(snap: Mapping[str, Any]) -> dict[str, Any]:
    """The words room.js renders events with, in the reader's language."""
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


def _motion_rows(snap: Mapping[str, Any]) -> list[dict[str, Any]]:
    names = snap["names"]
    return [
        {
            **m,
            "mover_name": names.get(str(m["mover"]), ""),
            "seconder_name": names.get(str(m["seconder"]), "") if m["seconder"] else "",
        }
        for m in snap["state"]["motions"]
    ]


def _queue_rows(snap: Mapping[str, Any], entries: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    names = snap["names"]
    return [
        {
            **e,
            "name": names.get(str(e["user"]), "") or e.get("name", ""),
            "label": _("Point of order") if e["kind"] == "order" else str(SIDES.get(e["side"], "")),
        }
        for e in entries
    ]


def _agenda(state: Mapping[str, Any]) -> dict[str, Any]:
    items = state["agenda"]
    index = state["item"]
    return {
        "items": items,
        "current": items[index] if index < len(items) else "",
        "number": index + 1,
        "count": len(items),
    }


# The vote box ---------------------------------------------------------------------------------


def _bound_ballot(state: Mapping[str, Any], ballots: Mapping[str, Any]) -> int | None:
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


def _room_ballot(room: Room) -> int | None:
    """The same from the room's stored state, without a snapshot (which ticks the room
    under its lock): every page in the room asks for the vote box when a vote is called."""
    ballots = {str(b.motion): b.ballot_id for b in RoomBallot.objects.filter(room=room)}
    return _bound_ballot(room.state, ballots)


def _vote_context(user: User, ballot_id: int | None, room: Room) -> dict[str, Any] | None:
    if ballot_id is None:
        return None
    ballot = Ballot.objects.select_related("neighborhood").filter(pk=ballot_id).first()
    if ballot is None:
        return None
    snap = ballot_selectors.snapshot(user, ballot)  # its seq is read before the counts
    options = ballot_views.shown_options(ballot, snap["options"])
    counted = snap.get("tally") or {}
    if ballot.status == Status.CLOSED and ballot.result:
        counted = ballot.result.get("tally") or counted
    participation = counted.get("participation") or snap.get("participation") or {"heads": 0}
    own = next((s for s in ballot_selectors.voter_slots(user, ballot) if s.own), None)
    return {
        "room": room,
        "ballot": ballot,
        "seq": snap["seq"],
        "is_open": ballot.status == Status.OPEN,
        "options": options,
        "rows": ballot_views.option_rows(
            options, counted.get("options"), int(participation.get("heads", 0))
        ),
        "voted_heads": participation.get("heads", 0),
        "electorate": ballot.electorate_heads,
        "slot": own,
    }


# Pages ------------------------------------------------------------------------------------------


@login_required
def my_rooms(request: HttpRequest) -> HttpResponse:
    """The header's link: the rooms of one's neighborhood (or a choice of several)."""
    places = access.member_neighborhoods(_user(request))
    if len(places) == 1:
        return redirect("room_list", neighborhood_id=places[0].pk)
    return render(request, "moderation/places.html", {"places": places})


@login_required
def room_list(request: HttpRequest, neighborhood_id: int) -> HttpResponse:
    user = _user(request)
    place = _place_for_member(user, neighborhood_id)
    try:
        rooms = selectors.rooms_for(user, neighborhood_id)
    except NotFound as exc:
        raise Http404 from exc
    # Open rooms first, the newest first within each.
    rooms.sort(key=lambda r: (r.status != RoomStatus.OPEN, -r.created_at.timestamp()))
    rows = [
        {
            "room": r,
            "phase": str(PHASES.get(r.state.get("phase", ""), ""))
            if r.status == RoomStatus.OPEN
            else "",
        }
        for r in rooms
    ]
    return render(
        request,
        "moderation/list.html",
        {
            "place": place,
            "rows": rows,
            "manage": access.may(user, Perm.ROOM_MANAGE, neighborhood_id),
        },
    )


@login_required
def room_new(request: HttpRequest, neighborhood_id: int) -> HttpResponse:
    user = _user(request)
    place = _place_for_member(user, neighborhood_id)
    if not access.may(user, Perm.ROOM_MANAGE, neighborhood_id):
        raise PermissionDenied(_("Only the committee and moderators open rooms."))
    candidates = chair_candidates(neighborhood_id, besides=user.pk)
    error = ""
    status = 200
    if request.method == "POST":
        form = RoomForm(request.POST, candidates=candidates)
        if form.is_valid():
            try:
                room = services.room_create(
                    actor=user, neighborhood_id=neighborhood_id, **form.service_arguments()
                )
            except NotFound as exc:
                raise Http404 from exc
            except DomainError as exc:
                error = exc.render()
            else:
                messages.success(request, _("The room is open. You are in the chair."))
                return redirect("room", room_id=room.pk)
        status = 400
    else:
        form = RoomForm(candidates=candidates)
    return render(
        request,
        "moderation/new.html",
        {"place": place, "form": form, "error": error},
        status=status,
    )


def _context(
    request: HttpRequest,
    user: User,
    room: Room,
    *,
    error: str = "",
    drafts: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    snap = selectors.snapshot(user, room)
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
    client["texts"] = _texts(snap)
    client["state_url"] = reverse("room_state", args=[room.pk])
    client["vote_url"] = reverse("room_vote", args=[room.pk])
    return {
        "room": room,
        "snap": snap,
        "seq": snap["seq"],
        "state": state,
        "flags": " ".join(sorted(found)),
        "flag_set": found,
        "hide": _hidden(found),
        "needs": NEEDS,
        "phase_label": str(PHASES.get(snap["phase"], "")),
        "agenda": _agenda(state),
        "motions": _motion_rows(snap),
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
        "floor_clock": _clock(
            floor["remaining"]
            if floor and floor["ends_at"] is None
            else (floor["ends_at"] - snap["server_now"])
            if floor
            else 0
        ),
        "queue": _queue_rows(snap, state["queue"]),
        "queue_order": _queue_rows(snap, snap["queue_order"]),
        "suggested_name": names.get(str(snap["suggested"]), "") if snap["suggested"] else "",
        "suggested_row": next(iter(_queue_rows(snap, snap["queue_order"][:1])), None),
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
        "candidates": chair_candidates(room.neighborhood_id, besides=state["chair"])
        if is_chair
        else [],
        "chair_name": names.get(str(state["chair"]), ""),
        "co_chair": state["co_chair"],
        "vote": _vote_context(user, _bound_ballot(snap["state"], snap["ballots"]), room),
        "client": client,
        "error": error,
        "drafts": drafts or {},  # what a refused plain form had typed, shown again
        "reactions": [(emoji, str(REACTION_WORDS.get(emoji, ""))) for emoji in services.REACTIONS],
        "sides": [(key, str(label)) for key, label in SIDES.items()],
    }


@login_required
def room_page(request: HttpRequest, room_id: int) -> HttpResponse:
    user = _user(request)
    room = _room(user, room_id)
    return render(request, "moderation/room.html", _context(request, user, room))


@login_required
def room_console(request: HttpRequest, room_id: int) -> HttpResponse:
    """The chair's console lives on the room page; this address leads the chair to it."""
    user = _user(request)
    room = _room(user, room_id)
    if not access.may(user, Perm.ROOM_MANAGE, room.neighborhood_id):
        raise PermissionDenied(_("Only the chair uses the console."))
    return redirect(reverse("room", args=[room.pk]) + "#console")


@login_required
def room_state(request: HttpRequest, room_id: int) -> JsonResponse:
    """The snapshot as JSON, for the chair's console (the rules' order of the queue)."""
    user = _user(request)
    room = _room(user, room_id)
    snap = selectors.snapshot(user, room)
    snap["speeches"] = [{k: v for k, v in s.items() if k != "text"} for s in snap["speeches"]]
    return JsonResponse(snap)


@login_required
def room_vote(request: HttpRequest, room_id: int) -> HttpResponse:
    """GET: the vote box of the motion being voted on (room.js inserts it when the vote is
    called). POST: a vote without JavaScript, the same service as `do ballot.cast`."""
    user = _user(request)
    room = _room(user, room_id)
    ballot_id = _room_ballot(room)
    if request.method == "POST":
        if ballot_id is None:
            return _rerender(request, user, room, _("There is no vote now."), 400)
        try:
            voting.ballot_cast(
                user=user,
                ballot_id=ballot_id,
                choice=[key for key in request.POST.getlist("choice") if key],
            )
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            return _rerender(request, user, room, exc.render(), exc.http_status)
        messages.success(request, _("Your vote is counted."))
        return redirect(reverse("room", args=[room.pk]) + "#vote")
    context = _vote_context(user, ballot_id, room)
    if context is None:
        return HttpResponse(status=204)
    return render(request, "moderation/_vote.html", context)


def _rerender(
    request: HttpRequest,
    user: User,
    room: Room,
    error: str,
    status: int,
    drafts: Mapping[str, str] | None = None,
) -> HttpResponse:
    context = _context(request, user, room, error=error, drafts=drafts)
    return render(request, "moderation/room.html", context, status=status)


def _number(raw: str | None) -> int | str | None:
    """A form field as the socket would send it: digits become a number; anything else is
    passed on as it is, for the service to refuse with its code."""
    if raw is None:
        return None
    raw = raw.strip()
    if raw.isascii() and raw.isdigit() and len(raw) < 19:
        return int(raw)
    return raw


def command_data(action: str, post: Mapping[str, str]) -> dict[str, Any]:
    """The `do` data of a command, from its plain form (room.js sends the same shape)."""
    data: dict[str, Any] = {}
    for key in ("text", "side", "emoji"):
        if key in post:
            data[key] = post[key]
    for key in ("seconds", "speech", "to"):
        if key in post:
            data[key] = _number(post[key])
    if action == "name_co_chair" and data.get("to") in ("", None):
        data["to"] = None
    return data


@login_required
@require_POST
def room_do(request: HttpRequest, room_id: int, action: str) -> HttpResponse:
    """Every command without JavaScript: the same service as `do room.<action>`."""
    user = _user(request)
    room = _room(user, room_id)
    data = command_data(action, request.POST)
    try:
        if action == "react":
            services.room_react(user=user, room_id=room.pk, emoji=data.get("emoji"))
        elif action == "close":
            services.room_close(actor=user, room_id=room.pk)
        else:
            services.room_command(user=user, room_id=room.pk, action=action, data=data)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        typed = str(data.get("text", ""))[: services.SPEECH_MAX]
        drafts = {action: typed} if action in ("speak", "move", "amend") else {}
        return _rerender(request, user, room, exc.render(), exc.http_status, drafts)
    anchor = "console" if action in services.CHAIR_ACTIONS else "room"
    return redirect(reverse("room", args=[room.pk]) + f"#{anchor}")
