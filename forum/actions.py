"""WebSocket `do` actions of the forum: the same services as the pages and the API."""

from typing import Any

from accounts.models import User
from forum import selectors, services
from realtime.registry import register_action


@register_action("board", "topic.create")
def create_topic(user: User, key: int, data: dict[str, Any]) -> dict[str, Any]:
    board = selectors.board_for_reader(user=user, board_id=key)
    topic = services.topic_create(
        user=user, board=board, title=data.get("title", ""), body=data.get("body")
    )
    return {"id": topic.pk}


@register_action("topic", "post.create")
def create_post(user: User, key: int, data: dict[str, Any]) -> dict[str, Any]:
    topic = selectors.topic_for_reader(user=user, topic_id=key)
    post = services.post_create(user=user, topic=topic, body=data.get("body"))
    return {"id": post.pk}
