"""The reads of deliberation rooms: who may see one, and the snapshot its page and API show."""

from __future__ import annotations

import time
from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.models import User
from accounts.permissions import Perm
from core.errors import Forbidden, NotFound
from moderation.models import Room, RoomBallot, Speech
from moderation.procedure import codes
from moderation.procedure.snapshot import state_from_data, state_to_data
from moderation.procedure.speaking_order import speaking_order, suggest_next
from moderation.rooms import messages

RECENT_SPEECHES = 100


def room_for_viewer(user: User, room_id: int) -> Room:
    room = Room.objects.select_related("neighborhood").filter(pk=room_id).first()
    if room is None or not access.is_member(user, room.neighborhood_id):
        raise NotFound(_("Not found."))
    return room


def room_chaired_by(user: User, room_id: int) -> Room:
    """The room, if `user` chairs it now (the chair of its procedure): the one permission
    of the room's vote, which its chair calls and announces whatever their role in voting.
    A room they cannot see is not found; one chaired by someone else is refused."""
    room = room_for_viewer(user, room_id)
    if state_from_data(room.state).chair != user.pk:
        raise Forbidden(messages.violation(codes.NOT_CHAIR), code=codes.NOT_CHAIR)
    return room


def room_ballot_chaired_by(user: User, room_id: int, ballot_id: int) -> RoomBallot:
    """The binding of a ballot to a motion of a room `user` chairs now; a ballot that is
    not one of that room's is not found."""
    room = room_chaired_by(user, room_id)
    binding = RoomBallot.objects.filter(room=room, ballot_id=ballot_id).first()
    if binding is None:
        raise NotFound(_("Not found."))
    return binding


def rooms_for(user: User, neighborhood_id: int) -> list[Room]:
    if not access.is_member(user, neighborhood_id):
        raise NotFound(_("Not found."))
    return list(
        Room.objects.filter(neighborhood_id=neighborhood_id).order_by("-status", "-created_at")[
            :100
        ]
    )


def _names(ids: set[int]) -> dict[int, str]:
    return {u.pk: u.public_name for u in User.objects.filter(pk__in=ids)}


def snapshot(user: User, room: Room) -> dict[str, Any]:
    """The room as its page and the API show it, with the stream's seq and the server's
    clock (clients count a speech down from `ends_at` against `server_now`).

    A read only: a speech whose time ran out is ended by `services.room_expire_if_due`,
    which the adapters call before they come here."""
    state = state_from_data(room.state)
    seq = room.seq  # the row's own: no event falls between this state and this seq
    data = state_to_data(state)
    order = speaking_order(state)
    people = {state.chair, *(e.user for e in state.queue)}
    people |= {m.mover for m in state.motions} | {m.seconder for m in state.motions if m.seconder}
    if state.floor is not None:
        people.add(state.floor.user)
    if state.co_chair:
        people.add(state.co_chair)
    speeches = list(
        Speech.objects.filter(room=room)
        .select_related("user")
        .order_by("-number")[:RECENT_SPEECHES]
    )
    names = _names(people)
    ballots = {b.motion: b.ballot_id for b in RoomBallot.objects.filter(room=room)}
    return {
        "id": room.pk,
        "seq": seq,
        "stream": room.stream,
        "neighborhood": room.neighborhood_id,
        "title": room.title,
        "description": room.description,
        "status": room.status,
        "preset": room.preset,
        "rules": messages.describe(state.rules),
        "state": data,
        "phase": state.phase,
        "names": {str(k): v for k, v in names.items()},
        "queue_order": [
            {"user": e.user, "kind": e.kind, "side": e.side, "name": names.get(e.user, "")}
            for e in order
        ],
        "suggested": suggest_next(state),
        "is_chair": state.chair == user.pk,
        "may_chair": access.may(user, Perm.ROOM_MANAGE, room.neighborhood_id),
        "may_speak": access.may_speak_in(user, room.neighborhood_id),
        "me": user.pk,
        "server_now": time.time(),
        "ballots": {str(k): v for k, v in ballots.items()},
        "speeches": [
            {
                "number": s.number,
                "user": s.user_id,
                "name": s.user.public_name,
                "motion": s.motion,
                "side": s.side,
                "text": s.text,
                "at": s.at.isoformat(),
                "off_topic": s.off_topic,
            }
            for s in reversed(speeches)
        ],
    }
