"""Who may subscribe to outreach.<id>: staff who may send outreach at its neighborhood."""

from accounts import access
from accounts.models import Outreach, User
from accounts.permissions import Perm
from realtime.registry import register_stream


@register_stream("outreach")
def may_follow_outreach(user: User, key: int) -> bool:
    if not user.is_authenticated:
        return False
    neighborhood_id = (
        Outreach.objects.filter(pk=key).values_list("neighborhood_id", flat=True).first()
    )
    return neighborhood_id is not None and access.may(user, Perm.OUTREACH_SEND, neighborhood_id)
