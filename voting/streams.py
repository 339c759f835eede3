"""Who may watch stream ballot.<id>: a check, nothing more (it writes and warms nothing)."""

from accounts.models import User
from realtime.registry import register_stream
from voting.models import Ballot
from voting.selectors import may_see


@register_stream("ballot")
def may_watch_ballot(user: User, key: int) -> bool:
    """Whoever may see the ballot over HTTP (selectors.may_see, one rule for both: a draft
    only its managers); what the events carry is already limited by the ballot's result
    visibility and secrecy."""
    ballot = Ballot.objects.filter(pk=key).first()
    return ballot is not None and may_see(user, ballot)
