"""Forum writes. Each is one transaction: check, save, publish (sent after commit)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

import realtime
from accounts import access
from accounts.models import User
from accounts.permissions import Perm
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


def _require_voice(user: User, board: Board, as_perm: Perm | None = None) -> None:
    if access.may_speak_in(user, board.neighborhood_id):
        return
    # A service posting on someone's behalf of their role (a room's chair posting the
    # minutes) names the permission that gives the voice.
    if as_perm is not None and access.may(user, as_perm, board.neighborhood_id):
        return
    raise Forbidden(_("Only verified residents and the committee may post here."))


def topic_create(
    *, user: User, board: Board, title: object, body: object, as_perm: Perm | None = None
) -> Topic:
    body_text = _clean(
        body,
        limit=BODY_MAX,
        empty=_("Please write something."),
        too_long=_("Please keep it to %(limit)s characters or fewer."),
    )
    title_text = (
        _clean(
            title,
            limit=TITLE_MAX,
            empty=_("Please add a title."),
            too_long=_("Titles are at most %(limit)s characters."),
            multiline=False,
        )
        if isinstance(title, str) and title.strip()
        else text.title_from(body_text, TITLE_MAX)
    )
    _require_voice(user, board, as_perm)
    now = timezone.now()
    with transaction.atomic():
        topic = Topic.objects.create(
            board=board, title=title_text, author=user, created_at=now, last_post_at=now
        )
        post = Post.objects.create(topic=topic, author=user, body=body_text, created_at=now)
        realtime.publish(board.stream, "topic.created", dict(events.topic_payload(topic, post)))
    return topic


def post_create(*, user: User, topic: Topic, body: object, as_perm: Perm | None = None) -> Post:
    body_text = _clean(
        body,
        limit=BODY_MAX,
        empty=_("Please write something."),
        too_long=_("Please keep it to %(limit)s characters or fewer."),
    )
    _require_voice(user, topic.board, as_perm)
    now = timezone.now()
    with transaction.atomic():
        # The topic row is locked so concurrent replies publish the counts they made.
        locked = Topic.objects.select_for_update().get(pk=topic.pk)
        locked.reply_count += 1
        locked.last_post_at = now
        locked.save(update_fields=["reply_count", "last_post_at"])
        post = Post.objects.create(topic=locked, author=user, body=body_text, created_at=now)
        realtime.publish(topic.stream, "post.created", dict(events.post_payload(post)))
        realtime.publish(
            topic.board.stream,
            "topic.replied",
            {"id": topic.pk, "reply_count": locked.reply_count, "last_post_at": now.isoformat()},
        )
    return post
