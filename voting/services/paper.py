"""书面征询: paper ballots collected door to door.

One staff member enters the form (the elector, the choice, a photo of the signed form);
a second one confirms it against the photo, and only then does it count. An elector who
voted online cannot be entered on paper, and one entered on paper cannot then vote online:
both ways go through the same Participation row.

Secret ballots are cast online only: a signed paper form names its voter.
"""

from __future__ import annotations

import io
from typing import BinaryIO, cast

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.models import User
from accounts.permissions import Perm
from core import uploads
from core.errors import Forbidden, Invalid, NotFound
from voting import live, slots
from voting.models import (
    Ballot,
    Channel,
    Elector,
    PaperBallot,
    PaperStatus,
    Participation,
    Proxy,
    Vote,
    VoteRevision,
)
from voting.services.common import check_choice, clean_text, lock_open

PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_SIDE = 2400
REASON_MAX = 200


def _already() -> Invalid:
    return Invalid(_("This vote has been cast already."), code="already_voted")


def _refuse_if_delegated(elector: Elector) -> None:
    """A voter who gave their vote to a proxy votes neither online nor on paper until the
    proxy is revoked: the delegate may be casting it (called with the ballot locked, which
    a grant locks for update, so no proxy appears meanwhile)."""
    if Proxy.objects.filter(slots.active_proxies(), elector=elector).exists():
        raise Invalid(
            _("This voter gave their vote to a proxy; revoke it before a paper form counts."),
            code="delegated",
        )


def clean_photo(photo: object) -> ContentFile[bytes]:
    """The form's photo as a JPEG with no metadata (EXIF, GPS), at most 2400 px a side."""
    if not isinstance(photo, UploadedFile) or not photo.size:
        raise Invalid(_("Please add a photo of the signed form."), code="photo_required")
    if photo.size > PHOTO_MAX_BYTES:
        raise Invalid(_("The photo is too large (10 MB at most)."), code="photo_too_large")
    try:
        # Bounded by the header's size before any pixel is decoded (core/uploads.py).
        source = cast(BinaryIO, photo)  # an UploadedFile reads and seeks like one
        picture = uploads.open_image(source, fit=(PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    except uploads.UploadRefused as refused:
        if refused.code == uploads.IMAGE_TOO_LARGE:
            raise Invalid(
                _("The photo has too many pixels (at most %(limit)s million): take it again."),
                code="image_too_large",
                params={"limit": uploads.IMAGE_MAX_PIXELS // 1_000_000},
            ) from None
        raise Invalid(_("This file is not a photo we can read."), code="invalid_photo") from None
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=85)  # no exif= argument: metadata is dropped
    return ContentFile(out.getvalue(), name="form.jpg")


def paper_enter(
    *, actor: User, ballot_id: int, elector_id: object, choice: object, photo: object
) -> PaperBallot:
    ballot = Ballot.objects.filter(pk=ballot_id).first()
    if ballot is None:
        raise NotFound(_("Not found."))
    access.require(actor, Perm.BALLOT_MANAGE, ballot.neighborhood_id)
    if ballot.secret:
        raise Invalid(_("Secret ballots are cast online only."), code="paper_not_allowed")
    if not isinstance(elector_id, int) or isinstance(elector_id, bool):
        raise Invalid(_("Please choose the voter."), code="not_eligible")
    elector = Elector.objects.filter(pk=elector_id, ballot=ballot).first()
    if elector is None:
        raise Invalid(_("This voter is not in the ballot's electorate."), code="not_eligible")
    picked = check_choice(ballot, choice)
    image = clean_photo(photo)
    with transaction.atomic():
        lock_open(ballot.pk)
        if Participation.objects.filter(elector=elector).exists():
            raise _already()
        _refuse_if_delegated(elector)
        try:
            with transaction.atomic():
                paper = PaperBallot(
                    ballot=ballot,
                    elector=elector,
                    choice=list(picked),
                    status=PaperStatus.PENDING,
                    entered_by=actor,
                    entered_at=timezone.now(),
                )
                paper.photo.save(image.name, image, save=False)
                paper.save()
        except IntegrityError:
            raise Invalid(
                _("A paper ballot of this voter is waiting for its check."), code="paper_pending"
            ) from None
    return paper


def _pending(actor: User, paper_id: int) -> PaperBallot:
    paper = PaperBallot.objects.select_related("ballot").filter(pk=paper_id).first()
    if paper is None:
        raise NotFound(_("Not found."))
    access.require(actor, Perm.BALLOT_MANAGE, paper.ballot.neighborhood_id)
    return paper


def paper_confirm(*, actor: User, paper_id: int) -> PaperBallot:
    """The second check: a different staff member confirms the entry, and it counts."""
    paper = _pending(actor, paper_id)
    if paper.entered_by_id == actor.pk:
        raise Forbidden(
            _("A second staff member must confirm a paper ballot."), code="paper_same_staff"
        )
    with transaction.atomic():
        ballot = lock_open(paper.ballot_id)
        paper = PaperBallot.objects.select_for_update().get(pk=paper_id)
        if paper.status != PaperStatus.PENDING:
            raise Invalid(_("This paper ballot was checked already."), code="paper_checked")
        now = timezone.now()
        elector = paper.elector
        if Participation.objects.filter(elector=elector).exists():
            raise _already()  # online, or by the proxy: the form cannot count
        _refuse_if_delegated(elector)
        try:
            with transaction.atomic():
                Participation.objects.create(
                    ballot=ballot,
                    elector=elector,
                    channel=Channel.PAPER,
                    cast_by=paper.entered_by,
                    at=now,
                )
        except IntegrityError:
            raise _already() from None
        vote = Vote.objects.create(
            ballot=ballot, elector=elector, choice=paper.choice, area=elector.area, updated_at=now
        )
        VoteRevision.objects.create(vote=vote, choice=paper.choice, cast_by=actor, at=now)
        paper.status = PaperStatus.CONFIRMED
        paper.checked_by = actor
        paper.checked_at = now
        paper.save(update_fields=["status", "checked_by", "checked_at"])
        live.nudge_on_commit(ballot.pk)
    return paper


def paper_reject(*, actor: User, paper_id: int, reason: object) -> PaperBallot:
    paper = _pending(actor, paper_id)
    text = clean_text(
        reason, limit=REASON_MAX, code="reason_required", required=_("Please give a reason.")
    )
    with transaction.atomic():
        paper = PaperBallot.objects.select_for_update().get(pk=paper_id)
        if paper.status != PaperStatus.PENDING:
            raise Invalid(_("This paper ballot was checked already."), code="paper_checked")
        paper.status = PaperStatus.REJECTED
        paper.checked_by = actor
        paper.checked_at = timezone.now()
        paper.reject_reason = text
        paper.save(update_fields=["status", "checked_by", "checked_at", "reject_reason"])
    return paper
