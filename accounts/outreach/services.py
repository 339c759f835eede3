"""Writes of outreach (政策找人): segments, and sending a notice to every verified member of
the matching households (the member's read / 收到: accounts/notifications/services.py).

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

from accounts import access
from accounts.ledger import filters as ledger_filters
from accounts.ledger import query
from accounts.models import (
    Outreach,
    OutreachHousehold,
    Residency,
    Segment,
    User,
)
from accounts.models.outreach import BODY_MAX, TITLE_MAX
from accounts.notifications.services import notify_outreach_members
from accounts.outreach import selectors
from accounts.permissions import Perm
from core.cleaning import required_text
from core.confirm import require_confirmed
from core.db import quoted_table
from core.errors import Invalid, NotFound

SEGMENT_NAME_MAX = Segment._meta.get_field("name").max_length or 64


# Segments ------------------------------------------------------------------------------


def segment_create(
    *, actor: User, neighborhood_id: int, name: str, spec: ledger_filters.LedgerFilter
) -> Segment:
    """Save ledger filters under a name, e.g. "90岁以上老人"."""
    access.require(actor, Perm.OUTREACH_SEND, neighborhood_id)
    clean = required_text(
        name,
        limit=SEGMENT_NAME_MAX,
        code="name_required",
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
            f"INSERT INTO {quoted_table(OutreachHousehold)} "  # noqa: S608 (fixed table names)
            "(outreach_id, household_id, member_count) "
            f"SELECT %s, picked.picked_id, COUNT(u.id) FROM ({sql}) picked "
            f"LEFT JOIN {quoted_table(Residency)} r "
            "ON r.household_id = picked.picked_id AND r.ended_at IS NULL "
            f"LEFT JOIN {quoted_table(User)} u ON u.id = r.user_id AND u.is_active = %s "
            "GROUP BY picked.picked_id",
            [outreach.pk, *params, True],
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
    confirm: int | None = None,
    needs_confirmation: bool = False,
) -> Outreach:
    """Send a notice to every verified member of the households the selection matches.

    Sending to many households is a mass action: the page and the API (`needs_confirmation`)
    first show "将发送给 N 户（M 位居民）" (selectors.preview) and send `confirm` = N. The
    count is taken again here, in the transaction: without it nothing is sent
    (`confirmation_required`), and if it changed meanwhile neither (`stale_confirmation`).
    Internal callers (the demo, tests of delivery) may leave both out.

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
    clean_title = required_text(
        title,
        limit=TITLE_MAX,
        code="title_required",
        required=str(_("Please give the notice a title.")),
    )
    clean_body = required_text(
        body,
        limit=BODY_MAX,
        code="body_required",
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
        if needs_confirmation or confirm is not None:
            # raised inside the transaction: the outreach and its rows roll back
            require_confirmed(
                households,
                confirm,
                required=_(
                    "This notice goes to %(households)s households; confirm with that number first."
                ),
                stale=_(
                    "The numbers have changed since you confirmed: the notice would go to "
                    "%(households)s households now. Please look again and confirm."
                ),
                params={"households": households},
            )
        members = notify_outreach_members(outreach, reverse("notifications"))
        Outreach.objects.filter(pk=outreach.pk).update(
            household_count=households, member_count=members
        )
        outreach.household_count, outreach.member_count = households, members
        from accounts.outreach import delivery

        transaction.on_commit(lambda: delivery.schedule(outreach.pk), robust=True)
    return outreach
