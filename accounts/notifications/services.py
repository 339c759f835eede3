"""Every notification is written here: one row each, and a live `notification.created` on
user.<id> once it is published.

Two ways in: `notify` one at a time inside the caller's transaction (a verification
decided, a ballot on notice, a role granted), and the outreach's bulk path
(`notify_outreach_members`, then `publish_created` in batches). And the member's side: read,
收到, everything on the inbox page read.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import realtime
from accounts.models import (
    Notification,
    NotificationKind,
    Outreach,
    OutreachHousehold,
    Residency,
    User,
)
from accounts.notifications.events import (
    NOTIFICATION_ACKNOWLEDGED,
    NOTIFICATION_CREATED,
    AcknowledgedPayload,
    NotificationPayload,
    user_stream,
)
from accounts.outreach import events as outreach_events
from accounts.outreach import selectors as outreach_selectors
from core.db import quoted_table
from core.errors import NotFound


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
        user_stream(user.pk), NOTIFICATION_CREATED, dict(notification_payload(notification))
    )
    return notification


def notify_outreach_members(outreach: Outreach, url: str) -> int:
    """The bulk path: one INSERT ... SELECT, a notification for every verified member of the
    outreach's households (thousands at once); their live events go out later, in batches
    (publish_created, from accounts/outreach/delivery.py). Returns how many."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quoted_table(Notification)} "  # noqa: S608 (fixed table names)
            "(user_id, kind, title, body, url, outreach_id, household_id, created_at) "
            "SELECT r.user_id, %s, %s, %s, %s, oh.outreach_id, r.household_id, %s "
            f"FROM {quoted_table(OutreachHousehold)} oh "
            f"JOIN {quoted_table(Residency)} r ON r.household_id = oh.household_id "
            f"JOIN {quoted_table(User)} u ON u.id = r.user_id "
            "WHERE oh.outreach_id = %s AND oh.member_count > 0 "
            "AND r.ended_at IS NULL AND u.is_active = %s",
            [
                NotificationKind.OUTREACH.value,
                outreach.title,
                outreach.body,
                url,
                outreach.created_at,
                outreach.pk,
                True,
            ],
        )
        return int(cursor.rowcount)


def publish_created(rows: list[Notification]) -> None:
    """Publish the live events of notifications written by the bulk path and mark them
    published; call inside the transaction that locked the rows."""
    realtime.publish_many(
        [
            (user_stream(row.user_id), NOTIFICATION_CREATED, dict(notification_payload(row)))
            for row in rows
        ]
    )
    Notification.objects.filter(pk__in=[row.pk for row in rows]).update(published_at=timezone.now())


# The member's side ---------------------------------------------------------------------


def _own_locked(user: User, notification_id: object) -> Notification:
    try:
        key = int(str(notification_id))
    except ValueError:
        key = 0
    found = None
    if user.is_authenticated and key > 0:
        found = Notification.objects.select_for_update().filter(pk=key, user=user).first()
    if found is None:
        raise NotFound(_("This notification does not exist."), code="not_found")
    return found


def _lock_outreach(notification_id: object, user: User) -> int | None:
    """Lock the notification's outreach first (one order for every writer of its counts),
    so each outreach.counts event is computed after the previous one committed."""
    try:
        key = int(str(notification_id))
    except ValueError:
        return None
    outreach_id = (
        Notification.objects.filter(pk=key, user_id=user.pk)
        .values_list("outreach_id", flat=True)
        .first()
    )
    if outreach_id is not None:
        Outreach.objects.select_for_update().filter(pk=outreach_id).values_list("pk").first()
    return outreach_id


def _publish_counts(outreach_id: int) -> None:
    outreach = Outreach.objects.get(pk=outreach_id)
    counts = outreach_selectors.outreach_counts(outreach)
    realtime.publish(
        outreach_events.outreach_stream(outreach_id), outreach_events.COUNTS, dict(counts)
    )


def notification_acknowledge(*, user: User, notification_id: int) -> Notification:
    """The member says 收到. Only the owner may; idempotent (the first time counts)."""
    with transaction.atomic():
        outreach_id = _lock_outreach(notification_id, user) if user.is_authenticated else None
        notification = _own_locked(user, notification_id)
        if notification.acknowledged_at is not None:
            return notification
        now = timezone.now()
        if notification.published_at is None:
            # Seen on the inbox page before the delivery reached it: its live event goes
            # out first (the delivery skips it from now on), so every open page's badge
            # adds it and then takes it away, and never counts it twice.
            created = notification_payload(notification)
            realtime.publish(user_stream(user.pk), NOTIFICATION_CREATED, dict(created))
            notification.published_at = now
        notification.acknowledged_at = now
        notification.read_at = notification.read_at or now
        notification.save(update_fields=["acknowledged_at", "read_at", "published_at"])
        payload: AcknowledgedPayload = {
            "id": notification.pk,
            "outreach": notification.outreach_id,
        }
        realtime.publish(user_stream(user.pk), NOTIFICATION_ACKNOWLEDGED, dict(payload))
        if outreach_id is not None:
            _publish_counts(outreach_id)
    return notification


def notification_read(*, user: User, notification_id: int) -> Notification:
    """The member opened the notification; idempotent."""
    with transaction.atomic():
        outreach_id = _lock_outreach(notification_id, user) if user.is_authenticated else None
        notification = _own_locked(user, notification_id)
        if notification.read_at is not None:
            return notification
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        if outreach_id is not None:
            _publish_counts(outreach_id)
    return notification


def notifications_read_all(*, user: User) -> int:
    """Everything the member has been shown is read (the inbox page); returns how many."""
    if not user.is_authenticated:
        return 0
    with transaction.atomic():
        unread = Notification.objects.filter(user=user, read_at__isnull=True)
        outreach_ids = sorted(
            {o for o in unread.values_list("outreach_id", flat=True) if o is not None}
        )
        if outreach_ids:
            list(
                Outreach.objects.select_for_update()
                .filter(pk__in=outreach_ids)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        changed = unread.update(read_at=timezone.now())
        for outreach_id in outreach_ids:
            _publish_counts(outreach_id)
    return changed
