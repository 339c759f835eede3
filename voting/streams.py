from accounts.models import User
from realtime.registry import register_stream
from voting.models import Ballot, Status
from voting.services import casting


@register_stream("ballot")
def may_watch_ballot(user: User, key: int) -> bool:
    """Whoever may see the ballot over HTTP (selectors.may_see, one rule for both: a draft
    only its managers); what the events carry is already limited by the ballot's result
    visibility and secrecy."""
    from voting.selectors import may_see

    ballot = Ballot.objects.filter(pk=key).first()
    if ballot is None or not may_see(user, ballot):
        return False
    if ballot.status == Status.OPEN:
        # Whoever watches an open ballot is about to vote on it: this process learns its
        # shape now, so the first votes need not all take the full path at once.
        casting.remember(ballot)
    return True
