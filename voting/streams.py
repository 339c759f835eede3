from accounts.models import User
from realtime.registry import register_stream
from voting.models import Ballot


@register_stream("ballot")
def may_watch_ballot(user: User, key: int) -> bool:
    """Members of the ballot's neighborhood and its electors may watch it; what the events
    carry is already limited by the ballot's result visibility."""
    from voting.selectors import may_see

    ballot = Ballot.objects.filter(pk=key).first()
    return ballot is not None and may_see(user, ballot)
