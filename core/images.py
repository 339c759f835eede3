"""The one pipeline every uploaded picture goes through (avatars now, the forum's photos next).

Why one: each rule below closes a hole, and a second pipeline would forget one.
- Accepted by content, never by name or declared type: Pillow identifies the bytes and only
  JPEG, PNG and WebP pass (a PDF renamed .jpg is refused).
- Bounded before decoding (core/uploads): a decompression bomb is refused from its header,
  with a stable code the adapters turn into a 4xx, never a MemoryError.
- Turned upright (ImageOps.exif_transpose): phones store the pixels sideways and say so in
  EXIF, and the EXIF is about to be dropped.
- Re-encoded from bare pixels: EXIF (GPS: where a resident lives), XMP, PNG text chunks and
  comments never reach the output, because the output is built from a new image that has
  no `info` at all. An ICC profile is applied first (converted to sRGB) and then dropped,
  so colours stay right without shipping the profile.
- Longest side bounded by the caller (AVATAR_SIDE, GENERAL_SIDE, THUMBNAIL_SIDE); the
  original is never returned, so it can never be stored.

Pure: no Django import (mypy --strict). CPU-bound: an async caller runs it in a thread
(asgiref's sync_to_async / asyncio.to_thread), never on the event loop.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageCms, ImageOps

from core.uploads import (
    IMAGE_MAX_PIXELS,
    IMAGE_TOO_LARGE,
    UNREADABLE_IMAGE,
    UploadRefused,
    open_bounded,
)

AVATAR_SIDE = 512
GENERAL_SIDE = 2048
THUMBNAIL_SIDE = 480

UNSUPPORTED_IMAGE = "unsupported_image"
# What Pillow's identification must say; the file name and the browser's type are ignored.
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
JPEG_QUALITY = 85

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True)
class Encoded:
    """A re-encoded picture: its bytes, and the type and extension of those bytes."""

    content: bytes
    content_type: str
    extension: str
    width: int
    height: int


def _to_srgb(image: Image.Image) -> Image.Image:
    """The pixels converted from the embedded ICC profile to sRGB; a profile that cannot
    be read is ignored (the pixels are then taken as sRGB, as browsers do)."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in {"RGB", "RGBA", "CMYK", "L"}:
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image
    return converted if converted is not None else image


def _bare(image: Image.Image) -> Image.Image:
    """The same pixels in a new image with an empty `info`: nothing the upload carried
    besides pixels (EXIF, XMP, ICC, text chunks, comments) can be written back out."""
    return Image.frombytes(image.mode, image.size, image.tobytes())


def reencode(source: BinaryIO, *, longest_side: int, max_pixels: int = IMAGE_MAX_PIXELS) -> Encoded:
    """The upload as a new JPEG (or PNG when it has transparency), upright, in sRGB, no
    side longer than `longest_side`, without any metadata. Raises UploadRefused with
    UNSUPPORTED_IMAGE, UNREADABLE_IMAGE or IMAGE_TOO_LARGE."""
    with open_bounded(source, max_pixels=max_pixels, unknown=UNSUPPORTED_IMAGE) as image:
        if image.format not in ACCEPTED_FORMATS:
            raise UploadRefused(UNSUPPORTED_IMAGE)
        try:
            # JPEG: decode at 1/2 … 1/8 scale when that still covers the bound.
            image.draft("RGB", (longest_side, longest_side))
            image.load()
            upright = ImageOps.exif_transpose(image)
            colours = _to_srgb(upright)
            has_alpha = colours.mode in {"RGBA", "LA", "PA"} or (
                colours.mode == "P" and "transparency" in colours.info
            )
            picture = colours.convert("RGBA" if has_alpha else "RGB")
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise UploadRefused(IMAGE_TOO_LARGE, limit=max_pixels) from None
        except (OSError, ValueError, SyntaxError, EOFError):
            raise UploadRefused(UNREADABLE_IMAGE) from None
    picture.thumbnail((longest_side, longest_side), Image.Resampling.LANCZOS)
    bare = _bare(picture)
    out = io.BytesIO()
    if has_alpha:
        bare.save(out, format="PNG", optimize=True)
        content_type, extension = "image/png", "png"
    else:
        bare.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        content_type, extension = "image/jpeg", "jpg"
    return Encoded(out.getvalue(), content_type, extension, bare.width, bare.height)
