"""The writes of one's profile: display name and avatar.

The avatar goes through core/images.py (the one picture pipeline): only its re-encoded
output is stored, through Django's storage API, so the original upload and its metadata
(EXIF, GPS) never reach MEDIA_ROOT or the object store.
"""

from __future__ import annotations

import secrets
from typing import BinaryIO, cast

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core import cleaning, images, uploads
from core.errors import Invalid

DISPLAY_NAME_MAX = 32
# Read before any decoding; a phone photo is a few MB, the picture kept is 512 px.
AVATAR_MAX_BYTES = 10 * 1024 * 1024


def display_name_set(*, user: User, raw: object) -> str:
    """Set what neighbors see; empty means the default ("Neighbor 12").

    Raises Invalid: control_character, invalid_text, too_long."""
    name = cleaning.cleaned(raw)
    if len(name) > DISPLAY_NAME_MAX:
        raise Invalid(
            _("Please keep it to %(limit)s characters."),
            code="too_long",
            params={"limit": DISPLAY_NAME_MAX},
        )
    user.display_name = name
    user.save(update_fields=["display_name"])
    return name


def avatar_picture(upload: object) -> images.Encoded:
    """The upload as the avatar to store (512 px at most, no metadata).

    Raises Invalid: avatar_required, avatar_too_large (bytes), image_too_large (pixels),
    unsupported_image (not a JPEG, PNG or WebP by content), unreadable_image."""
    if not isinstance(upload, UploadedFile) or not upload.size:
        raise Invalid(_("Please choose a picture."), code="avatar_required")
    if upload.size > AVATAR_MAX_BYTES:
        raise Invalid(
            _("The picture is too large (%(limit)s MB at most)."),
            code="avatar_too_large",
            params={"limit": AVATAR_MAX_BYTES // (1024 * 1024)},
        )
    try:
        source = cast(BinaryIO, upload)  # an UploadedFile reads and seeks like one
        return images.reencode(source, longest_side=images.AVATAR_SIDE)
    except uploads.UploadRefused as refused:
        if refused.code == uploads.IMAGE_TOO_LARGE:
            raise Invalid(
                _("The picture has too many pixels (at most %(limit)s million)."),
                code="image_too_large",
                params={"limit": uploads.IMAGE_MAX_PIXELS // 1_000_000},
            ) from None
        if refused.code == images.UNSUPPORTED_IMAGE:
            raise Invalid(
                _("Please choose a JPEG, PNG or WebP picture."), code="unsupported_image"
            ) from None
        raise Invalid(
            _("This file is not a picture we can read."), code="unreadable_image"
        ) from None


def _delete_later(name: str, user: User) -> None:
    if name:
        # After commit: a rolled-back change must not lose the picture still referenced.
        storage = user.avatar.storage
        transaction.on_commit(lambda: storage.delete(name))


def avatar_set(*, user: User, upload: object) -> str:
    """Replace the avatar by the re-encoded upload; returns its storage name."""
    picture = avatar_picture(upload)  # decoded before any write: a refusal writes nothing
    old = user.avatar.name
    # A fresh random name each time: caches never show the previous picture, and the
    # name says nothing about the account.
    name = f"{secrets.token_urlsafe(12)}.{picture.extension}"
    with transaction.atomic():
        user.avatar.save(name, ContentFile(picture.content), save=False)
        user.save(update_fields=["avatar"])
        _delete_later(old, user)
    return user.avatar.name


def avatar_remove(*, user: User) -> None:
    old = user.avatar.name
    with transaction.atomic():
        user.avatar = ""  # type: ignore[assignment]
        user.save(update_fields=["avatar"])
        _delete_later(old, user)
