"""Deliberation room pages: the list, the new-room form, the live room with the chair's
console, the vote box, and the plain-POST fallback of every command. Thin: reads through
moderation.rooms.selectors, writes through moderation.rooms.services.

The page is rendered by moderation.presenters from the snapshot (selectors.snapshot) that
room.js keeps current from the room's events; which controls show (the flags) is computed
there only, for the page and for the state URL room.js reads after an event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access, permissions
from accounts.access import acting_user
from accounts.models import Neighborhood, RoleGrant, User
from accounts.permissions import Perm
from core.errors import DomainError, NotFound
from moderation import presenters
from moderation.forms import RoomForm
from moderation.models import Room, RoomBallot, RoomStatus
from moderation.rooms import selectors, services
from voting import selectors as ballot_selectors
from voting import services as voting
from voting.models import Ballot


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


# The vote box ---------------------------------------------------------------------------------


def _room_ballot(room: Room) -> int | None:
    """The same from the room's stored state, without a snapshot (which ticks the room
    under its lock): every page in the room asks for the vote box when a vote is called."""
    ballots = {str(b.motion): b.ballot_id for b in RoomBallot.objects.filter(room=room)}
    return presenters.bound_ballot(room.state, ballots)


# Pages ------------------------------------------------------------------------------------------


@login_required
def my_rooms(request: HttpRequest) -> HttpResponse:
    """The header's link: the rooms of one's neighborhood (or a choice of several)."""
    places = access.member_neighborhoods(acting_user(request))
    if len(places) == 1:
        return redirect("room_list", neighborhood_id=places[0].pk)
    return render(request, "moderation/places.html", {"places": places})


@login_required
def room_list(request: HttpRequest, neighborhood_id: int) -> HttpResponse:
    user = acting_user(request)
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
            "phase": str(presenters.PHASES.get(r.state.get("phase", ""), ""))
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
    user = acting_user(request)
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


def _vote_box(user: User, room: Room, ballot_id: int | None) -> dict[str, Any] | None:
    """The vote box of the room's ballot `ballot_id`, as this reader sees it."""
    if ballot_id is None:
        return None
    ballot = Ballot.objects.select_related("neighborhood").filter(pk=ballot_id).first()
    if ballot is None:
        return None
    snap = ballot_selectors.snapshot(user, ballot)  # its seq is read before the counts
    own = next((s for s in ballot_selectors.voter_slots(user, ballot) if s.own), None)
    return presenters.vote_box(room, ballot, snap, own)


def _context(
    user: User, room: Room, *, error: str = "", drafts: Mapping[str, str] | None = None
) -> dict[str, Any]:
    room = services.room_expire_if_due(room)
    snap = selectors.snapshot(user, room)
    state = snap["state"]
    return presenters.room_page(
        room,
        snap,
        candidates=chair_candidates(room.neighborhood_id, besides=state["chair"])
        if snap["is_chair"] and snap["status"] == RoomStatus.OPEN
        else [],
        vote=_vote_box(user, room, presenters.bound_ballot(state, snap["ballots"])),
        urls={
            "state_url": reverse("room_state", args=[room.pk]),
            "vote_url": reverse("room_vote", args=[room.pk]),
        },
        reactions=services.REACTIONS,
        error=error,
        drafts=drafts,
    )


@login_required
def room_page(request: HttpRequest, room_id: int) -> HttpResponse:
    user = acting_user(request)
    room = _room(user, room_id)
    return render(request, "moderation/room.html", _context(user, room))


@login_required
def room_console(request: HttpRequest, room_id: int) -> HttpResponse:
    """The chair's console lives on the room page; this address leads the chair to it."""
    user = acting_user(request)
    room = _room(user, room_id)
    if not access.may(user, Perm.ROOM_MANAGE, room.neighborhood_id):
        raise PermissionDenied(_("Only the chair uses the console."))
    return redirect(reverse("room", args=[room.pk]) + "#console")


@login_required
def room_state(request: HttpRequest, room_id: int) -> JsonResponse:
    """The snapshot as JSON, for the chair's console (the rules' order of the queue)."""
    user = acting_user(request)
    room = _room(user, room_id)
    room = services.room_expire_if_due(room)
    snap = selectors.snapshot(user, room)
    snap["speeches"] = [{k: v for k, v in s.items() if k != "text"} for s in snap["speeches"]]
    # Which controls show, worded once here (room.js draws the page with them).
    snap["flags"] = sorted(presenters.flags(snap))
    return JsonResponse(snap)


@login_required
def room_vote(request: HttpRequest, room_id: int) -> HttpResponse:
    """GET: the vote box of the motion being voted on (room.js inserts it when the vote is
    called). POST: a vote without JavaScript, the same service as `do ballot.cast`."""
    user = acting_user(request)
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
    context = _vote_box(user, room, ballot_id)
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
    context = _context(user, room, error=error, drafts=drafts)
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
    user = acting_user(request)
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
