"""WebSocket `do` action on one's own user.<id>: 收到, the same service as the page and the API."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.notifications import services
from core.errors import Invalid, NotFound
from realtime.registry import register_action


def _notification_id(data: dict[str, Any]) -> int:
    raw = data.get("id")
    if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).isdigit():
        raise Invalid(_("Which notification? Send its id."), code="invalid")
    return int(raw)


@register_action("user", "notification.ack")
def acknowledge(user: User, key: int, data: dict[str, Any]) -> dict[str, Any]:
    """收到 on one's own stream, user.<id>; another user's stream does not exist for them."""
    if not user.is_authenticated or user.pk != key:
        raise NotFound(_("This notification does not exist."), code="not_found")
    notification = services.notification_acknowledge(
        user=user, notification_id=_notification_id(data)
    )
    return {"id": notification.pk, "acknowledged": True}
