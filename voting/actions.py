"""WebSocket `do` actions of voting: the same service as the ballot page and the REST API."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.errors import NotFound
from realtime.registry import register_action
from voting import services
from voting.serializers import choice_list, elector_id


@register_action("ballot", "ballot.cast")
def cast(user: User, key: int, data: dict[str, Any]) -> dict[str, Any]:
    """`do ballot.cast` on ballot.<id>: data {"choice": [...], "elector": id (optional)}."""
    if not user.is_authenticated:  # an anonymous socket has no elector anywhere
        raise NotFound(_("Not found."))
    result = services.ballot_cast(
        user=user,
        ballot_id=key,
        choice=choice_list(data.get("choice")),
        elector_id=elector_id(data.get("elector")),
    )
    return {"elector": result.elector_id, "receipt": result.receipt, "changed": result.changed}
