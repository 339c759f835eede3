from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.models import User
from core.errors import NotFound
from forum.models import Board, Post, Topic


def board_for_reader(*, user: User, board_id: int) -> Board:
    """The board if the user may read it; missing and forbidden look alike."""
    board = Board.objects.select_related("neighborhood").filter(pk=board_id).first()
    if board is None or not access.is_member(user, board.neighborhood_id):
        raise NotFound(_("Not found."))
    return board


def topic_for_reader(*, user: User, topic_id: int) -> Topic:
    topic = (
        Topic.objects.select_related("board__neighborhood", "author").filter(pk=topic_id).first()
    )
    if topic is None or not access.is_member(user, topic.board.neighborhood_id):
        raise NotFound(_("Not found."))
    return topic


def boards_for_member(*, user: User) -> list[tuple[object, list[Board]]]:
    neighborhoods = access.member_neighborhoods(user)
    boards = Board.objects.filter(neighborhood__in=neighborhoods).order_by(
        "neighborhood_id", "position", "pk"
    )
    by_place: dict[int, list[Board]] = {}
    for board in boards:
        by_place.setdefault(board.neighborhood_id, []).append(board)
    return [(n, by_place.get(n.pk, [])) for n in neighborhoods]


def board_topics(*, board: Board, limit: int = 50) -> QuerySet[Topic]:
    return board.topics.select_related("author").order_by("-last_post_at", "-pk")[:limit]


def topic_posts(*, topic: Topic, limit: int = 200) -> list[Post]:
    """The latest `limit` posts, oldest first, so live replies append after the newest."""
    latest = topic.posts.select_related("author").order_by("-created_at", "-pk")[:limit]
    return list(reversed(latest))


def first_posts(topics: list[Topic]) -> dict[int, Post]:
    """The opening post of each topic, in one query."""
    posts = (
        Post.objects.filter(topic__in=topics)
        .order_by("topic_id", "created_at", "pk")
        .distinct("topic_id")
        if _supports_distinct_on()
        else Post.objects.filter(topic__in=topics).order_by("-created_at", "-pk")
    )
    found: dict[int, Post] = {}
    for post in posts:
        found[post.topic_id] = post  # the fallback order leaves the earliest last
    return found


def _supports_distinct_on() -> bool:
    from django.db import connection

    return bool(connection.features.can_distinct_on_fields)
