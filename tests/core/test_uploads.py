"""Issue 15 item 14: uploads that expand in memory are refused from their declared sizes,
before anything is decoded. The memory tests run the real service code in a fresh
interpreter and compare its peak RSS before and after."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from PIL import Image
from rest_framework.test import APIClient

from accounts.models import DataAccess
from core import uploads
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
MiB = 1024 * 1024
# A refusal may cost a little (zip directory, image header); a decode costs hundreds of MiB.
RSS_GROWTH_ALLOWED = 40 * MiB


def png_bomb(path: Path) -> Path:
    """12,000 × 12,000 one-bit pixels: a few dozen KB on disk, 432 MB as RGB."""
    Image.new("1", (12_000, 12_000)).save(path, format="PNG", optimize=True)
    return path


def xlsx_bomb(path: Path, *, inflated: int = 200 * MiB) -> Path:
    """A real workbook whose sheet holds one cell of `inflated` bytes: a few hundred KB."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账")
    sheet.append(["楼号", "单元", "室号"])
    plain = io.BytesIO()
    book.save(plain)
    with (
        zipfile.ZipFile(plain) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for member in source.infolist():
            if not member.filename.startswith("xl/worksheets/"):
                out.writestr(member, source.read(member))
                continue
            with out.open(member.filename, "w") as sink:
                sink.write(
                    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                    b'main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
                )
                chunk = b"A" * MiB
                for _ in range(inflated // MiB):
                    sink.write(chunk)
                sink.write(b"</t></is></c></row></sheetData></worksheet>")
    return path


def test_the_bombs_are_small_on_disk(tmp_path: Path) -> None:
    assert png_bomb(tmp_path / "a.png").stat().st_size < 200_000
    assert xlsx_bomb(tmp_path / "a.xlsx").stat().st_size < 1_000_000


# The pure checks ---------------------------------------------------------------------------


def test_an_image_too_large_is_refused_from_its_header(tmp_path: Path) -> None:
    with (
        open(png_bomb(tmp_path / "a.png"), "rb") as source,
        pytest.raises(uploads.UploadRefused) as refused,
    ):
        uploads.open_image(source, fit=(2400, 2400))
    assert refused.value.code == "image_too_large"
    assert refused.value.params == {"limit": uploads.IMAGE_MAX_PIXELS}


def test_an_image_just_over_the_bound_is_refused_and_one_at_it_is_read() -> None:
    def png(width: int, height: int) -> io.BytesIO:
        out = io.BytesIO()
        Image.new("1", (width, height)).save(out, format="PNG")
        out.seek(0)
        return out

    with pytest.raises(uploads.UploadRefused):
        uploads.open_image(png(101, 100), fit=(50, 50), max_pixels=100 * 100)
    picture = uploads.open_image(png(100, 100), fit=(50, 50), max_pixels=100 * 100)
    assert picture.mode == "RGB" and picture.size == (50, 50)


def test_a_large_jpeg_is_decoded_at_the_scale_it_is_shown() -> None:
    out = io.BytesIO()
    Image.new("RGB", (4000, 3000), "white").save(out, format="JPEG")
    out.seek(0)
    picture = uploads.open_image(out, fit=(1000, 1000))
    assert picture.size == (1000, 750)


@pytest.mark.parametrize("content", [b"", b"not an image", b"\x89PNG\r\n\x1a\n" + b"\0" * 40])
def test_what_is_not_an_image_is_unreadable(content: bytes) -> None:
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.open_image(io.BytesIO(content), fit=(10, 10))
    assert refused.value.code == "unreadable_image"


BOUNDS = uploads.ZipBounds(members=16, total_bytes=10 * MiB, ratio=100)


def _zip(**members: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_a_zip_within_its_bounds_passes() -> None:
    uploads.check_zip(_zip(a=os.urandom(MiB), b=b"x" * 1000), BOUNDS)


@pytest.mark.parametrize(
    "members",
    [
        {"a": os.urandom(6 * MiB), "b": os.urandom(5 * MiB)},  # too much in total
        {"a": b"\0" * (2 * MiB)},  # one member inflates more than 100 times
        {f"m{i}": b"" for i in range(17)},  # too many members
    ],
)
def test_a_zip_beyond_its_bounds_is_refused(members: dict[str, bytes]) -> None:
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.check_zip(_zip(**members), BOUNDS)
    assert refused.value.code == "archive_too_large"


def test_a_zip_that_is_not_one_is_unreadable() -> None:
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.check_zip(b"PK\x03\x04 broken", BOUNDS)
    assert refused.value.code == "unreadable_archive"


# The real services, measured ----------------------------------------------------------------

_MEASURE = """
import json, os, resource, sys
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from core.errors import DomainError
from accounts.ledger import transfer
from voting.services import paper

path = sys.argv[1]
data = open(path, "rb").read()
def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
before = peak()
code = "accepted"
try:
    if path.endswith(".png"):
        paper.clean_photo(SimpleUploadedFile("form.png", data, content_type="image/png"))
    else:
        transfer.read_rows(data)
except DomainError as exc:
    code = exc.code
print(json.dumps({"code": code, "growth": peak() - before}))
"""


def _measure(path: Path) -> dict[str, object]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_a_paper_ballot_photo_bomb_is_refused_without_decoding_it(tmp_path: Path) -> None:
    result = _measure(png_bomb(tmp_path / "form.png"))
    assert result["code"] == "image_too_large"
    assert isinstance(result["growth"], int) and result["growth"] < RSS_GROWTH_ALLOWED, result


def test_an_xlsx_bomb_is_refused_without_inflating_it(tmp_path: Path) -> None:
    result = _measure(xlsx_bomb(tmp_path / "ledger.xlsx"))
    assert result["code"] == "spreadsheet_too_large"
    assert isinstance(result["growth"], int) and result["growth"] < RSS_GROWTH_ALLOWED, result


@pytest.mark.django_db
def test_the_import_api_answers_a_bomb_with_its_code(tmp_path: Path) -> None:
    place = factories.neighborhood()
    clerk = factories.staff(place)
    client = APIClient()
    client.force_authenticate(clerk)
    bomb = xlsx_bomb(tmp_path / "ledger.xlsx", inflated=80 * MiB).read_bytes()
    for dry_run in ("1", "0"):
        answer = client.post(
            f"/api/v1/neighborhoods/{place.pk}/ledger/import/?dry_run={dry_run}",
            {"file": SimpleUploadedFile("ledger.xlsx", bomb)},
            format="multipart",
        )
        assert answer.status_code == 400
        assert answer.json()["code"] == "spreadsheet_too_large"
    assert not DataAccess.objects.exists()
