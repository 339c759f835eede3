from accounts import access
from accounts.models import User
from realtime.registry import register_stream
from voting.models import Ballot


@register_stream("ballot")
def may_watch_ballot(user: User, key: int) -> bool:
    """Members of the ballot's neighborhood may watch it (voters and observers alike);
    what the events carry is already limited by the ballot's result visibility."""
    neighborhood_id = (
        Ballot.objects.filter(pk=key).values_list("neighborhood_id", flat=True).first()
    )
    return neighborhood_id is not None and access.is_member(user, neighborhood_id)
