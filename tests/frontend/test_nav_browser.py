"""The phone-first navigation in Debian's chromium, for every kind of user: a one-row
header, a bottom tab bar of 48 px targets with the current tab marked, the 我的 page with
the entries of one's roles only, and no horizontal scrolling at 320 px."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Subdistrict
from tests import factories
from tests.browser import open_as

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SCREENS = "/tmp/nav_shots"  # looked at by people too (see the report)
MAIN_PAGES = ("/", "/rooms/", "/ballots/", "/notifications/", "/me/")


@pytest.fixture
def people(transactional_db: None) -> dict[str, str]:
    """username -> the href only that kind of user finds on the 我的 page ("" for none)."""
    place = factories.neighborhood("昌里第五")
    factories.board(place)
    subdistrict = Subdistrict.objects.get(pk=place.subdistrict_id)
    factories.resident(place, "resident")
    factories.user("newcomer")
    factories.staff(place, "staff")
    factories.staff(place, "secretary", role="secretary")
    factories.staff(place, "moderator", role="moderator")
    factories.admin(subdistrict, "admin")
    return {
        "resident": "/household/",
        "newcomer": "/verify/",
        "staff": "/committee/",
        "secretary": "/committee/",
        "moderator": f"/neighborhoods/{place.pk}/rooms/",
        "admin": f"/area/{subdistrict.pk}/",
    }


def fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def header_height(page: Any) -> float:
    return float(page.evaluate("document.querySelector('header.site').offsetHeight"))


def test_the_phone_navigation_for_every_role(
    people: dict[str, str], daphne_url: str, chromium: Any
) -> None:
    base = f"http://{daphne_url}"
    entries = {"/household/", "/verify/", "/committee/", "/area/", "/neighborhoods/"}
    for username, own in people.items():
        context, page, errors = open_as(chromium, base, username, "/me/")
        # One row of header, the tabs at the bottom, each a 48 px target.
        assert header_height(page) <= 64, username
        tabs = page.locator("nav.tabs a")
        assert tabs.count() == 5
        for i in range(5):
            box = tabs.nth(i).bounding_box()
            assert box is not None and box["height"] >= 48 and box["width"] >= 48
            assert box["y"] + box["height"] >= 844 - 1  # at the bottom of the screen
        assert page.locator("nav.tabs a[aria-current=page]").inner_text() == "我的"
        # The 我的 page: one's own entry, none of the others' roles.
        links = page.eval_on_selector_all("main a", "nodes => nodes.map(n => n.pathname)")
        assert own in links, username
        assert not [a for a in links if a != own and any(a.startswith(e) for e in entries)]
        if username == "resident":
            page.screenshot(path=f"{SCREENS}/test-resident-390-me.png")
            # The large-text toggle shows its state, in the header and on the page alike.
            page.click("header [data-textsize]")
            assert page.locator("[data-textsize][aria-pressed=true]").count() == 2
            assert header_height(page) <= 80  # still one row in large text
            page.screenshot(path=f"{SCREENS}/test-resident-390-me-large.png")
            page.click("header [data-textsize]")
        # No horizontal scrolling on the main pages at 320 px.
        page.set_viewport_size({"width": 320, "height": 700})
        for path in (*MAIN_PAGES, "/no-such-page/"):
            page.goto(f"{base}{path}")
            assert fits(page), (username, path)
            assert header_height(page) <= 64, (username, path)
        page.goto(f"{base}/no-such-page/")
        assert page.locator("h1").inner_text() == "未找到。"
        assert page.locator("nav.tabs").count() == 1  # the 404 is in the layout
        page.screenshot(path=f"{SCREENS}/test-{username}-320-404.png")
        unexpected = [e for e in errors if "status of 404" not in e]  # the 404 visited on purpose
        assert unexpected == [], (username, unexpected)
        context.close()


def test_desktop_keeps_one_row_with_the_same_tabs(
    people: dict[str, str], daphne_url: str, chromium: Any
) -> None:
    base = f"http://{daphne_url}"
    context, page, _errors = open_as(chromium, base, "secretary", "/me/")
    page.set_viewport_size({"width": 1280, "height": 800})
    assert header_height(page) <= 72
    tabs = page.locator("header.site nav.tabs a")
    assert tabs.count() == 5
    first = tabs.nth(0).bounding_box()
    assert first is not None and first["y"] < 72  # in the header, not at the bottom
    # The skip link is the first stop of the keyboard, and lands on the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.screenshot(path=f"{SCREENS}/test-secretary-1280-me.png")
    context.close()
