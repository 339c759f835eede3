"""A user's notifications: one row each, and a live `notification.created` on user.<id>.

Outreach sends thousands at once through its own bulk path (accounts/outreach/); this is
the one-at-a-time path, e.g. a verification decided.
"""

from __future__ import annotations

from typing import TypedDict

from django.db import transaction
from django.utils import timezone

import realtime
from accounts.models import Notification, User


class NotificationPayload(TypedDict):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: str
    outreach: int | None
    acknowledged: bool


def user_stream(user_id: int) -> str:
    return f"user.{user_id}"


def notification_payload(notification: Notification) -> NotificationPayload:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "url": notification.url,
        "created_at": notification.created_at.isoformat(),
        "outreach": notification.outreach_id,
        "acknowledged": notification.acknowledged_at is not None,
    }


def notify(*, user: User, kind: str, title: str, body: str = "", url: str = "") -> Notification:
    """Store a notification and publish it on the user's stream; call inside the service's
    transaction so both happen or neither."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notify() belongs inside a service's transaction.atomic()")
    now = timezone.now()
    notification = Notification.objects.create(
        user=user, kind=kind, title=title, body=body, url=url, created_at=now, published_at=now
    )
    realtime.publish(
        user_stream(user.pk), "notification.created", dict(notification_payload(notification))
    )
    return notification
