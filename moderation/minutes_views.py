"""The minutes' pages: the printable minutes of a room, and posting them to the board.
Thin: read through moderation.minutes (the builder) and write through `minutes_post`."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from accounts.access import acting_user
from accounts.models import User
from accounts.permissions import Perm
from core.converters import MAX_ID
from core.errors import DomainError, NotFound
from forum.models import Board
from moderation.minutes import (
    Entry,
    ItemMinutes,
    Minutes,
    MotionMinutes,
    build_minutes,
    minutes_post,
)
from moderation.models import Room, RoomStatus
from moderation.rooms import selectors


def _room(user: User, room_id: int) -> Room:
    try:
        return selectors.room_for_viewer(user, room_id)
    except NotFound as exc:
        raise Http404 from exc


def _room_url(room_id: int) -> str | None:
    """The live room's page, when the pages of rooms are installed."""
    try:
        return reverse("room", args=[room_id])
    except NoReverseMatch:
        return None


@dataclass(frozen=True)
class Block:
    """One section of the page. The minutes nest (item > motion > amendment) and what was
    said runs between the motions; the template shows a flat run of blocks with a level."""

    kind: str  # "item", "motion", "entries" or "decision" (a motion's vote and result)
    level: int  # 2 on an item, 3 on a motion, 4 on an amendment
    holder: ItemMinutes | MotionMinutes
    entries: tuple[Entry, ...] = ()


def _contents(out: list[Block], holder: ItemMinutes | MotionMinutes, level: int) -> None:
    run: list[Entry] = []

    def flush() -> None:
        if run:
            out.append(Block("entries", level, holder, tuple(run)))
            run.clear()

    for thing in holder.contents:
        if isinstance(thing, MotionMinutes):
            flush()
            out.append(Block("motion", level + 1, thing))
            _contents(out, thing, level + 1)
            out.append(Block("decision", level + 1, thing))
        else:
            run.append(thing)
    flush()


def blocks(minutes: Minutes) -> list[Block]:
    out: list[Block] = []
    for item in minutes.items:
        out.append(Block("item", 2, item))
        _contents(out, item, 2)
    return out


@login_required
def minutes_page(request: HttpRequest, room_id: int) -> HttpResponse:
    """The printable minutes, for members of the room's place."""
    user = acting_user(request)
    room = _room(user, room_id)
    minutes = build_minutes(room)
    manager = access.may(user, Perm.ROOM_MANAGE, room.neighborhood_id)
    may_post = manager and minutes.topic is None and room.status == RoomStatus.CLOSED
    boards = (
        list(Board.objects.filter(neighborhood_id=room.neighborhood_id).order_by("position", "pk"))
        if may_post
        else []
    )
    return render(
        request,
        "moderation/minutes.html",
        {
            "room": room,
            "minutes": minutes,
            "blocks": blocks(minutes),
            "room_url": _room_url(room.pk),
            "manager": manager,
            "may_post": may_post,
            "boards": boards,
            "printed_at": timezone.now(),
        },
    )


def _board_id(raw: str | None) -> int | None:
    """The form's board: empty for the neighborhood's first; anything else that is not an
    id is passed on as 0, which the service refuses with its code."""
    if not raw:
        return None
    if raw.isascii() and raw.isdigit() and len(raw) <= 19 and int(raw) <= MAX_ID:
        return int(raw)
    return 0


@login_required
@require_POST
def minutes_post_view(request: HttpRequest, room_id: int) -> HttpResponse:
    user = acting_user(request)
    room = _room(user, room_id)
    try:
        topic = minutes_post(
            actor=user, room_id=room.pk, board_id=_board_id(request.POST.get("board"))
        )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.render())
        return redirect("room_minutes", room_id=room.pk)
    messages.success(request, _("The minutes are posted on the board."))
    return redirect("topic", topic_id=topic.pk)
