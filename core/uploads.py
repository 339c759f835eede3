"""Uploads that expand when decoded, bounded before anything is decoded.

Why: a 137 KB PNG of 12,000 × 12,000 one-bit pixels decodes to 144 million pixels, three
bytes each once converted to RGB: one paper-ballot photo took the process from 202 to
1,095 MiB. A 432 KB .xlsx is a zip whose members inflate to hundreds of MiB. Both formats
say how big they are before they are inflated: an image's header gives its width and
height (Image.open reads only the header; the pixels come with load()), a zip's central
directory gives each member's uncompressed size (and zipfile never inflates a member past
the size it declares). So the bounds are checked there, and only a file within them is
decoded. The forum's photos and any later upload go through the same two functions.

Pure: no Django import (mypy --strict). Refusals are UploadRefused with a stable code and
the limit as a parameter; each adapter turns them into its own error.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError

# 32 million pixels: a phone's full-resolution photo (8,000 × 4,000) still fits, and its
# decode stays near 100 MiB; a photo of a signed form needs far fewer.
IMAGE_MAX_PIXELS = 32_000_000
# Pillow's own guard, for any code that opens an image without this module: it warns
# above this and refuses above twice this.
Image.MAX_IMAGE_PIXELS = IMAGE_MAX_PIXELS

IMAGE_TOO_LARGE = "image_too_large"
UNREADABLE_IMAGE = "unreadable_image"
ARCHIVE_TOO_LARGE = "archive_too_large"
UNREADABLE_ARCHIVE = "unreadable_archive"


class UploadRefused(ValueError):
    """An upload refused before decoding: `code` is stable, `params` fill the message."""

    def __init__(self, code: str, **params: int) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def open_bounded(
    source: BinaryIO, *, max_pixels: int, unknown: str = UNREADABLE_IMAGE
) -> Image.Image:
    """The picture opened lazily (only its header read) once its declared size is known to
    be at most `max_pixels`: the one gate before any decoding. A file Pillow cannot read as
    an image is refused with `unknown`. Use it in a `with` block."""
    try:
        image = Image.open(source)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRefused(IMAGE_TOO_LARGE, limit=max_pixels) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise UploadRefused(unknown) from None
    width, height = image.size
    if width <= 0 or height <= 0:
        image.close()
        raise UploadRefused(UNREADABLE_IMAGE)
    if width * height > max_pixels:
        image.close()
        raise UploadRefused(IMAGE_TOO_LARGE, limit=max_pixels)
    return image


def open_image(
    source: BinaryIO, *, fit: tuple[int, int], max_pixels: int = IMAGE_MAX_PIXELS
) -> Image.Image:
    """The picture as RGB, scaled down to fit in `fit`, decoded only if its header declares
    at most `max_pixels` pixels. A JPEG is decoded straight at the smaller scale (draft)."""
    with open_bounded(source, max_pixels=max_pixels) as image:
        try:
            image.draft("RGB", fit)  # JPEG: decode at 1/2 … 1/8 scale; others: no-op
            image.load()
            picture = image.convert("RGB")
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise UploadRefused(IMAGE_TOO_LARGE, limit=max_pixels) from None
        except (OSError, ValueError, SyntaxError, EOFError):
            raise UploadRefused(UNREADABLE_IMAGE) from None
    picture.thumbnail(fit)
    return picture


@dataclass(frozen=True)
class ZipBounds:
    """What a zip may declare: members, their total uncompressed size, and how much one
    member may inflate (a member under `ratio_from` bytes is too small to matter)."""

    members: int
    total_bytes: int
    ratio: int
    ratio_from: int = 1024 * 1024


def check_zip(content: bytes, bounds: ZipBounds) -> None:
    """Raise UploadRefused unless the zip's central directory is within `bounds`. Reads the
    directory only; nothing is inflated."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise UploadRefused(UNREADABLE_ARCHIVE) from None
    if len(members) > bounds.members:
        raise UploadRefused(ARCHIVE_TOO_LARGE, limit=bounds.total_bytes)
    total = 0
    for member in members:
        total += member.file_size
        if total > bounds.total_bytes:
            raise UploadRefused(ARCHIVE_TOO_LARGE, limit=bounds.total_bytes)
        inflates = member.file_size > bounds.ratio * max(member.compress_size, 1)
        if member.file_size >= bounds.ratio_from and inflates:
            raise UploadRefused(ARCHIVE_TOO_LARGE, limit=bounds.total_bytes)
