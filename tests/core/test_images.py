"""Issue 17 item 4: the one picture pipeline (core/images.py), fed real images built here by
Pillow: accepted by content, upright, bounded, re-encoded without any metadata."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from core import images
from core.uploads import IMAGE_TOO_LARGE, UploadRefused

ORIENTATION = 0x0112
GPS_IFD = 0x8825


def jpeg_sideways_with_gps() -> bytes:
    """A 300 × 100 landscape JPEG whose EXIF says 'rotate 90° clockwise to view' (6), and
    which carries a GPS position, as a phone held upright writes it."""
    image = Image.new("RGB", (300, 100), "red")
    image.paste((0, 0, 255), (0, 0, 150, 100))  # left half blue: tells the rotation apart
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 0.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def run(content: bytes, side: int = images.AVATAR_SIDE) -> images.Encoded:
    return images.reencode(io.BytesIO(content), longest_side=side)


def test_jpeg_is_turned_upright_and_loses_exif_and_gps() -> None:
    original = Image.open(io.BytesIO(jpeg_sideways_with_gps()))
    assert original.getexif()[ORIENTATION] == 6 and original.getexif().get_ifd(GPS_IFD)

    encoded = run(jpeg_sideways_with_gps())

    result = Image.open(io.BytesIO(encoded.content))
    assert result.format == "JPEG" and encoded.content_type == "image/jpeg"
    assert result.size == (100, 300) == (encoded.width, encoded.height)
    # Orientation 6 turns the left (blue) half to the top.
    top, bottom = result.getpixel((50, 20)), result.getpixel((50, 280))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[2] > 200 and top[0] < 60
    assert bottom[0] > 200 and bottom[2] < 60
    assert not result.getexif()
    assert "exif" not in result.info and "icc_profile" not in result.info
    assert b"Exif" not in encoded.content


def test_pdf_renamed_jpg_is_refused() -> None:
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    with pytest.raises(UploadRefused) as refused:
        run(pdf)
    assert refused.value.code == images.UNSUPPORTED_IMAGE


def test_a_format_pillow_reads_but_we_do_not_accept_is_refused() -> None:
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    with pytest.raises(UploadRefused) as refused:
        run(out.getvalue())
    assert refused.value.code == images.UNSUPPORTED_IMAGE


def test_huge_dimension_png_is_refused_from_its_header() -> None:
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, format="PNG", optimize=True)
    assert len(out.getvalue()) < 1_000_000
    with pytest.raises(UploadRefused) as refused:
        run(out.getvalue())
    assert refused.value.code == IMAGE_TOO_LARGE


def test_png_text_chunks_and_icc_are_dropped_and_transparency_kept() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "home: 3-2-501")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPS 39.9</x:xmpmeta>")
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    Image.new("RGBA", (40, 30), (0, 128, 0, 100)).save(
        out, format="PNG", pnginfo=info, icc_profile=srgb
    )
    assert b"3-2-501" in out.getvalue()

    encoded = run(out.getvalue())

    result = Image.open(io.BytesIO(encoded.content))
    assert encoded.content_type == "image/png" and result.format == "PNG"
    assert result.mode == "RGBA" and result.size == (40, 30)
    assert not result.text and "icc_profile" not in result.info
    for secret in (b"3-2-501", b"xmpmeta", b"iCCP", b"tEXt", b"iTXt"):
        assert secret not in encoded.content


def test_longest_side_is_bounded_by_the_caller() -> None:
    out = io.BytesIO()
    Image.new("RGB", (3000, 1500), "white").save(out, format="WEBP")
    for side in (images.AVATAR_SIDE, images.THUMBNAIL_SIDE, images.GENERAL_SIDE):
        encoded = run(out.getvalue(), side)
        assert max(encoded.width, encoded.height) == side
        assert Image.open(io.BytesIO(encoded.content)).size == (encoded.width, encoded.height)


def test_truncated_image_is_refused_not_crashed() -> None:
    content = jpeg_sideways_with_gps()
    with pytest.raises(UploadRefused) as refused:
        run(content[: len(content) // 3])
    assert refused.value.code in {images.UNREADABLE_IMAGE, images.UNSUPPORTED_IMAGE}
