"""The member's inbox and the header badge: reads only."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from accounts.models import Notification, NotificationKind, User

INBOX_SIZE = 50


def _attention() -> Q:
    """What the header counts: notices not yet acknowledged, other notifications unread."""
    return Q(kind=NotificationKind.OUTREACH, acknowledged_at__isnull=True) | (
        ~Q(kind=NotificationKind.OUTREACH) & Q(read_at__isnull=True)
    )


def attention_count(user: User) -> int:
    """The header badge. Only notifications whose live event is out are counted: the badge
    adds one for each `notification.created` after the page's seq, so counting a notice the
    delivery has not published yet would count it twice once its event arrives."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(_attention(), user=user, published_at__isnull=False).count()


@dataclass(frozen=True)
class Inbox:
    notifications: list[Notification]
    unread: int
    unacknowledged: int  # outreach notices not yet acknowledged
    attention: int  # the header badge


def notifications_for(user: User, *, limit: int = INBOX_SIZE) -> Inbox:
    """The user's own notifications, newest first, with counts: two queries."""
    if not user.is_authenticated:
        return Inbox([], 0, 0, 0)
    mine = Notification.objects.filter(user=user)
    counts = mine.aggregate(
        unread=Count("pk", filter=Q(read_at__isnull=True)),
        unacknowledged=Count(
            "pk", filter=Q(kind=NotificationKind.OUTREACH, acknowledged_at__isnull=True)
        ),
        attention=Count("pk", filter=_attention() & Q(published_at__isnull=False)),
    )
    items = list(mine.order_by("-created_at", "-pk")[:limit])
    return Inbox(items, counts["unread"], counts["unacknowledged"], counts["attention"])
