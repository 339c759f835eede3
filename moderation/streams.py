"""Who may follow room.<id> (members of its neighborhood), and the room's presence hooks."""

from accounts import access
from accounts.models import User
from moderation.models import Room
from moderation.rooms import services
from realtime.registry import register_presence, register_presence_sweep, register_stream


@register_stream("room")
def may_follow_room(user: User, key: int) -> bool:
    neighborhood_id = Room.objects.filter(pk=key).values_list("neighborhood_id", flat=True).first()
    return neighborhood_id is not None and access.is_member(user, neighborhood_id)


@register_presence("room")
def room_presence(user: User, key: int, delta: int, process: str) -> None:
    services.presence(user, key, delta, process)


@register_presence_sweep
def room_presence_sweep() -> None:
    services.presence_sweep()
