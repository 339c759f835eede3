from accounts.models import User
from realtime.registry import register_stream
from voting.models import Ballot, Status
from voting.services import casting


@register_stream("ballot")
def may_watch_ballot(user: User, key: int) -> bool:
    """Members of the ballot's neighborhood and its electors may watch it; what the events
    carry is already limited by the ballot's result visibility."""
    from voting.selectors import may_see

    ballot = Ballot.objects.filter(pk=key).first()
    if ballot is None or not may_see(user, ballot):
        return False
    if ballot.status == Status.OPEN:
        # Whoever watches an open ballot is about to vote on it: this process learns its
        # shape now, so the first votes need not all take the full path at once.
        casting.remember(ballot)
    return True
