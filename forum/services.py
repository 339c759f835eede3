"""Forum writes. Each is one transaction: check, save, publish (sent after commit).
A post's Markdown is rendered here, once (core/rich.py); readers get the stored HTML."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

import realtime
from accounts import access
from accounts.models import User
from accounts.permissions import Perm
from core import rich
from core.cleaning import cleaned
from core.errors import Forbidden, Invalid
from forum import events, text
from forum.models import BODY_MAX, TITLE_MAX, Board, Post, Topic


def _clean(
    text: object, *, limit: int, empty: Promise, too_long: Promise, multiline: bool = True
) -> str:
    value = cleaned(text, multiline=multiline)  # control characters: Invalid
    if not value:
        raise Invalid(empty)
    if len(value) > limit:
        raise Invalid(too_long, params={"limit": limit})
    return value


def _require_voice(user: User, board: Board) -> None:
    if not access.may_speak_in(user, board.neighborhood_id):
        raise Forbidden(_("Only verified residents and the committee may post here."))


def _body(body: object) -> str:
    return _clean(
        body,
        limit=BODY_MAX,
        empty=_("Please write something."),
        too_long=_("Please keep it to %(limit)s characters or fewer."),
    )


def _title(title: object) -> str:
    return _clean(
        title,
        limit=TITLE_MAX,
        empty=_("Please add a title."),
        too_long=_("Titles are at most %(limit)s characters."),
        multiline=False,
    )


def topic_create(*, user: User, board: Board, title: object, body: object) -> Topic:
    body_text = _body(body)
    title_text = (
        _title(title)
        if isinstance(title, str) and title.strip()
        else text.title_from(body_text, TITLE_MAX)
    )
    _require_voice(user, board)
    return _topic(user, board, title_text, body_text)


def post_create(*, user: User, topic: Topic, body: object) -> Post:
    body_text = _body(body)
    _require_voice(user, topic.board)
    return _post(user, topic, body_text)


def minutes_topic_create(
    *, actor: User, board: Board, title: str, bodies: Sequence[object]
) -> Topic:
    """The minutes of a deliberation room as a topic: the first body opens it, the rest
    follow as replies (a long meeting runs over one post). A record the committee posts,
    not a resident's voice: the permission is Perm.ROOM_MANAGE in the board's
    neighborhood (those who open and close rooms there), checked here."""
    access.require(actor, Perm.ROOM_MANAGE, board.neighborhood_id)
    if not bodies:
        raise Invalid(_("Please write something."))
    first, *rest = [_body(body) for body in bodies]
    title_text = _title(title)
    with transaction.atomic():
        topic = _topic(actor, board, title_text, first)
        for body_text in rest:
            _post(actor, topic, body_text)
    return topic


def _topic(author: User, board: Board, title: str, body: str) -> Topic:
    now = timezone.now()
    with transaction.atomic():
        topic = Topic.objects.create(
            board=board, title=title, author=author, created_at=now, last_post_at=now
        )
        post = Post.objects.create(
            topic=topic, author=author, body=body, body_html=rich.render(body), created_at=now
        )
        realtime.publish(board.stream, "topic.created", dict(events.topic_payload(topic, post)))
    return topic


def _post(author: User, topic: Topic, body: str) -> Post:
    now = timezone.now()
    with transaction.atomic():
        # The topic row is locked so concurrent replies publish the counts they made.
        locked = Topic.objects.select_for_update().get(pk=topic.pk)
        locked.reply_count += 1
        locked.last_post_at = now
        locked.save(update_fields=["reply_count", "last_post_at"])
        post = Post.objects.create(
            topic=locked, author=author, body=body, body_html=rich.render(body), created_at=now
        )
        realtime.publish(topic.stream, "post.created", dict(events.post_payload(post)))
        realtime.publish(
            topic.board.stream,
            "topic.replied",
            {"id": topic.pk, "reply_count": locked.reply_count, "last_post_at": now.isoformat()},
        )
    return post
