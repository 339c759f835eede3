"""Issue 17 item 4: /me/profile/, display name and avatar. The avatar goes through
core/images.py and only its re-encoded output is stored (Django's storage API)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from accounts.models import User
from accounts.profile import services
from tests import factories
from tests.core.test_images import GPS_IFD, ORIENTATION, jpeg_sideways_with_gps

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: object, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    return tmp_path


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def stored(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file())


def test_display_name_is_saved_and_shown_to_neighbors() -> None:
    user = factories.user()
    client = signed_in(user)
    page = client.get("/me/profile/")
    assert page.status_code == 200 and 'for="display_name"' in page.content.decode()

    response = client.post("/me/profile/", {"action": "name", "display_name": "  三楼老王 "})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.display_name == "三楼老王" and user.public_name == "三楼老王"
    client.post("/me/profile/", {"action": "name", "display_name": ""})
    user.refresh_from_db()
    assert user.public_name.endswith(str(user.pk))  # back to the default


# A NUL is refused at the edge already (config's bad-input middleware), before the view.
@pytest.mark.parametrize(("typed", "code"), [("x" * 33, "too_long"), ("老王\x00", None)])
def test_bad_display_name_is_a_400_and_writes_nothing(typed: str, code: str | None) -> None:
    user = factories.user(display_name="老王")
    response = signed_in(user).post("/me/profile/", {"action": "name", "display_name": typed})
    assert response.status_code == 400
    if code:
        assert f'data-code="{code}"' in response.content.decode()
    user.refresh_from_db()
    assert user.display_name == "老王"


def test_avatar_is_stored_upright_small_and_without_metadata(media: Path) -> None:
    user = factories.user()
    client = signed_in(user)
    upload = SimpleUploadedFile("IMG_0001.jpg", jpeg_sideways_with_gps(), "image/jpeg")

    response = client.post("/me/profile/", {"action": "avatar", "avatar": upload})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.avatar.name.startswith("avatars/") and user.avatar.name.endswith(".jpg")
    (only,) = stored(media)  # the re-encoded picture, never the original
    with Image.open(only) as kept:
        assert kept.format == "JPEG" and kept.size == (100, 300)
        assert not kept.getexif() and "icc_profile" not in kept.info
        assert ORIENTATION not in kept.getexif() and not kept.getexif().get_ifd(GPS_IFD)
    assert only.read_bytes() != jpeg_sideways_with_gps()
    me = client.get("/me/").content.decode()
    assert user.avatar.url in me


def test_avatar_is_served_with_the_type_of_the_reencoded_bytes(settings: object) -> None:
    user = factories.user()
    client = signed_in(user)
    out = io.BytesIO()
    Image.new("RGBA", (600, 300), (0, 0, 0, 0)).save(out, format="PNG")
    # Named .jpg and declared JPEG: both are ignored; the bytes are a PNG with alpha.
    upload = SimpleUploadedFile("face.jpg", out.getvalue(), "image/jpeg")
    client.post("/me/profile/", {"action": "avatar", "avatar": upload})
    user.refresh_from_db()
    assert user.avatar.name.endswith(".png")
    with Image.open(user.avatar.path) as kept:
        assert kept.size == (512, 256)

    served = client.get(user.avatar.url)  # the demo serves MEDIA_ROOT (config/urls.py)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"


def test_replacing_the_avatar_deletes_the_old_file(
    media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    user = factories.user()
    client = signed_in(user)
    for colour in ("red", "blue"):
        out = io.BytesIO()
        Image.new("RGB", (64, 64), colour).save(out, format="WEBP")
        upload = SimpleUploadedFile("a.webp", out.getvalue(), "image/webp")
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/me/profile/", {"action": "avatar", "avatar": upload})
    user.refresh_from_db()
    assert [p.name for p in stored(media)] == [Path(user.avatar.name).name]

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/me/profile/", {"action": "remove_avatar"})
    user.refresh_from_db()
    assert not user.avatar and stored(media) == []


def pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, format="PNG", optimize=True)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("scan.jpg", pdf(), "unsupported_image"),
        ("huge.png", bomb(), "image_too_large"),
        ("empty.jpg", b"", "avatar_required"),
    ],
)
def test_refused_avatar_is_a_4xx_with_its_code_and_stores_nothing(
    media: Path, name: str, content: bytes, code: str
) -> None:
    user = factories.user()
    upload = SimpleUploadedFile(name, content, "image/jpeg")
    response = signed_in(user).post("/me/profile/", {"action": "avatar", "avatar": upload})
    assert response.status_code == 400
    assert f'data-code="{code}"' in response.content.decode()
    user.refresh_from_db()
    assert not user.avatar and stored(media) == []


def test_profile_needs_sign_in() -> None:
    response = Client().get("/me/profile/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_me_leads_to_profile_number_and_password_pages() -> None:
    with_phone = signed_in(factories.user(phone="+8613800138200", phone_verified=True))
    page = with_phone.get("/me/").content.decode()
    for url in ("/me/profile/", "/accounts/phone/change/", "/accounts/password/change/"):
        assert f'href="{url}"' in page
        assert with_phone.get(url).status_code == 200
    # Staff and demo accounts without a number manage neither here.
    page = signed_in(factories.user()).get("/me/").content.decode()
    assert 'href="/me/profile/"' in page and "/accounts/phone/change/" not in page


def test_a_phone_photo_is_not_refused_for_its_size_by_the_edge() -> None:
    # A body over LINLI_BODY_MAX_BYTES (1 MiB) would be a 413 before the view: the profile
    # takes files, so it has the upload limit, above the avatar's own 10 MB.
    from django.conf import settings

    from config.bodylimit import limit_for

    assert limit_for("/me/profile/") == settings.LINLI_UPLOAD_MAX_BYTES
    assert limit_for("/me/profile/") > services.AVATAR_MAX_BYTES
