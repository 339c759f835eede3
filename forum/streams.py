from accounts import access
from accounts.models import User
from forum.models import Board, Topic
from realtime.registry import register_stream


@register_stream("board")
def may_read_board(user: User, key: int) -> bool:
    neighborhood_id = Board.objects.filter(pk=key).values_list("neighborhood_id", flat=True).first()
    return neighborhood_id is not None and access.is_member(user, neighborhood_id)


@register_stream("topic")
def may_read_topic(user: User, key: int) -> bool:
    neighborhood_id = (
        Topic.objects.filter(pk=key).values_list("board__neighborhood_id", flat=True).first()
    )
    return neighborhood_id is not None and access.is_member(user, neighborhood_id)
