"""Who may subscribe to the account streams: user.<id> and place.<id> (a neighborhood)."""

from accounts import access
from accounts.models import User
from realtime.registry import register_stream


@register_stream("user")
def may_read_user_stream(user: User, key: int) -> bool:
    return bool(user.is_authenticated) and user.pk == key


@register_stream("place")
def may_read_place_stream(user: User, key: int) -> bool:
    return access.is_member(user, key)
