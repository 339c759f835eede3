"""公示: the result stays on public notice for the ballot's notice days; members of the
neighborhood may object in that time and staff answer each objection."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import realtime
from accounts import access
from accounts.models import NotificationKind, User
from accounts.notifications.services import notify
from accounts.permissions import Perm
from core.errors import Invalid, NotFound
from voting import events
from voting.models import Ballot, Objection, Status
from voting.services.common import clean_text

TEXT_MAX = 2000


def _publish(ballot: Ballot) -> None:
    objections = Objection.objects.filter(ballot=ballot)
    payload: events.ObjectionPayload = {
        "id": ballot.pk,
        "count": objections.count(),
        "answered": objections.filter(answered_at__isnull=False).count(),
    }
    realtime.publish(ballot.stream, events.OBJECTION, dict(payload))


def objection_file(*, user: User, ballot_id: int, text: object) -> Objection:
    ballot = Ballot.objects.filter(pk=ballot_id).first()
    if ballot is None or not access.is_member(user, ballot.neighborhood_id):
        raise NotFound(_("Not found."))
    if not access.is_verified_resident(user, ballot.neighborhood_id):
        raise Invalid(
            _("Objections are filed by verified residents of the neighborhood."),
            code="not_eligible",
        )
    clean = clean_text(
        text, limit=TEXT_MAX, code="text_required", required=_("Please write your objection.")
    )
    with transaction.atomic():
        ballot = Ballot.objects.select_for_update().get(pk=ballot_id)
        now = timezone.now()
        if ballot.status != Status.CLOSED or ballot.notice_until is None:
            raise Invalid(_("The result is not on public notice."), code="not_on_notice")
        if now > ballot.notice_until:
            raise Invalid(_("The public notice period is over."), code="notice_over")
        objection = Objection.objects.create(ballot=ballot, user=user, text=clean, created_at=now)
        _publish(ballot)
    return objection


def objection_answer(*, actor: User, objection_id: int, answer: object) -> Objection:
    objection = Objection.objects.select_related("ballot").filter(pk=objection_id).first()
    if objection is None:
        raise NotFound(_("Not found."))
    access.require(actor, Perm.BALLOT_MANAGE, objection.ballot.neighborhood_id)
    clean = clean_text(
        answer, limit=TEXT_MAX, code="text_required", required=_("Please write the answer.")
    )
    with transaction.atomic():
        objection = (
            Objection.objects.select_for_update().select_related("ballot").get(pk=objection_id)
        )
        objection.answer = clean
        objection.answered_by = actor
        objection.answered_at = timezone.now()
        objection.save(update_fields=["answer", "answered_by", "answered_at"])
        notify(
            user=objection.user,
            kind=NotificationKind.BALLOT,
            title=str(_("Your objection was answered")),
            body=clean[:200],
            url=f"/ballots/{objection.ballot_id}/",  # the ballot page (voting/urls.py)
        )
        _publish(objection.ballot)
    return objection
