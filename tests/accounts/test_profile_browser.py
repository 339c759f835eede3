"""/me/profile/ in a real browser on a small phone, in elder mode: a resident changes the
name neighbors see and uploads a photo straight from the phone (sideways, with GPS in its
EXIF); the page shows the upright, small avatar, served by the app with the type of its
bytes, and passes axe at 320 px with finger-sized targets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accounts.models import User
from tests import factories
from tests.a11y.axe import axe_findings, sideways_scroll
from tests.browser import open_as
from tests.conftest import database_env, free_port, off_the_loop, start_daphne, stop
from tests.core.test_images import jpeg_sideways_with_gps

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def resident(transactional_db: None) -> User:
    return factories.user("laowang", elder_mode=True, elder_mode_offered=True)


@pytest.fixture
def server(resident: User, tmp_path: Path) -> Any:
    media = tmp_path / "media"
    port = free_port()
    process = start_daphne(port, {**database_env(), "MEDIA_ROOT": str(media)})
    yield f"http://127.0.0.1:{port}", media
    stop(process)


def test_name_and_avatar_from_a_phone(server: Any, chromium: Any, tmp_path: Path) -> None:
    base, media = server
    context, page, errors = open_as(chromium, base, "laowang", "/me/profile/")
    page.set_viewport_size({"width": 320, "height": 640})

    page.fill("#display_name", "三楼老王")
    page.click("form:has(#display_name) button")
    page.wait_for_url(f"{base}/me/profile/")
    assert page.input_value("#display_name") == "三楼老王"

    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(jpeg_sideways_with_gps())
    page.set_input_files("#avatar", str(photo))
    page.click("form:has(#avatar) button")
    page.wait_for_url(f"{base}/me/profile/")
    avatar = page.locator("img.avatar-large")
    avatar.wait_for()
    src = avatar.get_attribute("src")
    assert src and src.startswith("/media/avatars/") and src.endswith(".jpg")
    served = page.request.get(f"{base}{src}")
    assert served.ok and served.headers["content-type"] == "image/jpeg"
    assert b"Exif" not in served.body()
    # Upright: the sideways 300 × 100 photo is shown 100 wide, 300 high (then cropped round).
    natural = page.evaluate("img => [img.naturalWidth, img.naturalHeight]", avatar.element_handle())
    assert natural == [100, 300]
    assert [p.name for p in media.rglob("*") if p.is_file()] == [Path(src).name]
    assert page.locator("nav.tabs img.avatar").count() == 1  # small, in the Me tab

    for target in ("#display_name", "#avatar", "form:has(#avatar) button"):
        box = page.locator(target).first.bounding_box()
        assert box is not None and box["height"] >= 48, (target, box)
    assert sideways_scroll(page) == 0
    assert axe_findings(page) == []
    assert errors == []
    user = off_the_loop(lambda: User.objects.get(username="laowang"))
    assert user.display_name == "三楼老王" and user.avatar.name == f"avatars/{Path(src).name}"
    context.close()
