"""Writes of outreach (政策找人): segments, sending a notice to every verified member of the
matching households, and the member's read / acknowledge (收到).

outreach_send writes everything in one transaction with set-based SQL (INSERT ... SELECT),
so a send to thousands of households costs a handful of statements; the members' live
events go out afterwards, from accounts/outreach/delivery.py.
"""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import realtime
from accounts import access
from accounts.ledger import filters as ledger_filters
from accounts.ledger import query
from accounts.models import (
    Notification,
    NotificationKind,
    Outreach,
    OutreachHousehold,
    Residency,
    Segment,
    User,
)
from accounts.models.outreach import BODY_MAX, TITLE_MAX
from accounts.notifications import notification_payload, user_stream
from accounts.outreach import events, selectors
from accounts.permissions import Perm
from core.cleaning import cleaned
from core.errors import Invalid, NotFound

SEGMENT_NAME_MAX = Segment._meta.get_field("name").max_length or 64


def _clean_text(
    raw: object, *, limit: int, required_code: str, required: str, multiline: bool = False
) -> str:
    text = cleaned(raw, multiline=multiline)  # control characters: Invalid
    if not text:
        raise Invalid(required, code=required_code)
    if len(text) > limit:
        raise Invalid(
            _("Please keep it to %(limit)s characters."), code="too_long", params={"limit": limit}
        )
    return text


# Segments ------------------------------------------------------------------------------


def segment_create(
    *, actor: User, neighborhood_id: int, name: str, spec: ledger_filters.LedgerFilter
) -> Segment:
    """Save ledger filters under a name, e.g. "90岁以上老人"."""
    access.require(actor, Perm.OUTREACH_SEND, neighborhood_id)
    clean = _clean_text(
        name,
        limit=SEGMENT_NAME_MAX,
        required_code="name_required",
        required=str(_("Please give the segment a name.")),
    )
    try:
        with transaction.atomic():
            return Segment.objects.create(
                neighborhood_id=neighborhood_id,
                name=clean,
                filters=ledger_filters.to_params(spec),
                created_by=actor,
                created_at=timezone.now(),
            )
    except IntegrityError:
        raise Invalid(
            _("A segment with this name exists already."), code="segment_exists"
        ) from None


def segment_delete(*, actor: User, segment_id: int) -> None:
    with transaction.atomic():
        segment = selectors.segment_for_staff(actor=actor, segment_id=segment_id)
        segment.delete()  # outreach sent with it keep their own copy of the filters


# Sending -------------------------------------------------------------------------------


def _table(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)  # type: ignore[attr-defined]


def _insert_households(outreach: Outreach, spec: ledger_filters.LedgerFilter) -> int:
    """One INSERT ... SELECT: every matching household, with its verified members counted
    (a join and GROUP BY, not a subquery per household)."""
    today = timezone.localtime(outreach.created_at).date()
    picked = (
        query.households(outreach.neighborhood_id, spec, today)
        .order_by()
        .annotate(picked_id=F("pk"))
        .values_list("picked_id")
    )
    sql, params = picked.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(OutreachHousehold)} (outreach_id, household_id, member_count) "  # noqa: S608
            f"SELECT %s, picked.picked_id, COUNT(u.id) FROM ({sql}) picked "
            f"LEFT JOIN {_table(Residency)} r "
            "ON r.household_id = picked.picked_id AND r.ended_at IS NULL "
            f"LEFT JOIN {_table(User)} u ON u.id = r.user_id AND u.is_active = %s "
            "GROUP BY picked.picked_id",
            [outreach.pk, *params, True],
        )
        return int(cursor.rowcount)


def _insert_notifications(outreach: Outreach, url: str) -> int:
    """One INSERT ... SELECT: a notification for every verified member of those households."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(Notification)} "  # noqa: S608 (fixed table names)
            "(user_id, kind, title, body, url, outreach_id, household_id, created_at) "
            "SELECT r.user_id, %s, %s, %s, %s, oh.outreach_id, r.household_id, %s "
            f"FROM {_table(OutreachHousehold)} oh "
            f"JOIN {_table(Residency)} r ON r.household_id = oh.household_id "
            f"JOIN {_table(User)} u ON u.id = r.user_id "
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


def outreach_send(
    *,
    actor: User,
    neighborhood_id: int,
    spec: ledger_filters.LedgerFilter | None = None,
    segment_id: int | None = None,
    title: str,
    body: str,
) -> Outreach:
    """Send a notice to every verified member of the households the selection matches.

    The selection is a ledger filter or a saved segment of this neighborhood (exactly one).
    Returns at once: the live `notification.created` events are published after commit by
    accounts/outreach/delivery.py, in batches.
    """
    access.require(actor, Perm.OUTREACH_SEND, neighborhood_id)
    if (spec is None) == (segment_id is None):
        raise Invalid(
            _("Choose who should receive the notice: a selection or a saved segment."),
            code="selection_required",
        )
    segment: Segment | None = None
    if segment_id is not None:
        segment = Segment.objects.filter(pk=segment_id, neighborhood_id=neighborhood_id).first()
        if segment is None:
            raise NotFound(_("This segment does not exist."), code="not_found")
        spec = selectors.parse_filters(segment.filters)
    assert spec is not None
    clean_title = _clean_text(
        title,
        limit=TITLE_MAX,
        required_code="title_required",
        required=str(_("Please give the notice a title.")),
    )
    clean_body = _clean_text(
        body,
        limit=BODY_MAX,
        required_code="body_required",
        required=str(_("Please write the text of the notice.")),
        multiline=True,
    )
    with transaction.atomic():
        outreach = Outreach.objects.create(
            neighborhood_id=neighborhood_id,
            segment=segment,
            filters=ledger_filters.to_params(spec),
            title=clean_title,
            body=clean_body,
            sent_by=actor,
            created_at=timezone.now(),
        )
        households = _insert_households(outreach, spec)
        if households == 0:
            raise Invalid(
                _("No household matches this selection; nothing was sent."),
                code="no_households",
            )
        members = _insert_notifications(outreach, reverse("notifications"))
        Outreach.objects.filter(pk=outreach.pk).update(
            household_count=households, member_count=members
        )
        outreach.household_count, outreach.member_count = households, members
        from accounts.outreach import delivery

        transaction.on_commit(lambda: delivery.schedule(outreach.pk), robust=True)
    return outreach


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
    counts = selectors.outreach_counts(outreach)
    realtime.publish(events.outreach_stream(outreach_id), events.COUNTS, dict(counts))


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
            realtime.publish(user_stream(user.pk), events.NOTIFICATION_CREATED, dict(created))
            notification.published_at = now
        notification.acknowledged_at = now
        notification.read_at = notification.read_at or now
        notification.save(update_fields=["acknowledged_at", "read_at", "published_at"])
        payload: events.AcknowledgedPayload = {
            "id": notification.pk,
            "outreach": notification.outreach_id,
        }
        realtime.publish(user_stream(user.pk), events.NOTIFICATION_ACKNOWLEDGED, dict(payload))
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
