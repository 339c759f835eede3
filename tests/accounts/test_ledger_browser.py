"""The ledger in a real browser on a phone (390 px) and at large text: nothing overflows,
the filter works without JavaScript errors or CSP violations, and a reveal shows once."""

from __future__ import annotations

import pytest

from accounts.models import User
from tests import factories
from tests.accounts.ledger_scene import WANG_ID, build
from tests.browser import open_as
from tests.conftest import off_the_loop
from tests.second_factor import pass_second_factor_in_browser

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def scene_with_clerk():
    scene = build()
    factories.staff(scene.here, "clerk")
    return scene


def test_the_ledger_on_a_phone(daphne_url: str, chromium, tmp_path) -> None:
    scene = off_the_loop(scene_with_clerk)
    base = f"http://{daphne_url}"
    context, page, errors = open_as(chromium, base, "clerk")
    # The clerk has passed the second factor in this browser (staff do before a reveal).
    clerk = off_the_loop(User.objects.get, username="clerk")
    pass_second_factor_in_browser(page, base, clerk)

    page.goto(f"{base}/committee/{scene.here.pk}/ledger/")
    assert "共 7 人 / 4 户" in page.inner_text(".ledger-summary .headline")
    page.click("text=90岁以上老人")
    page.wait_for_url("**age_min=90")
    # The server counts on the real today, when all three born by 1934-06-11 are 90+.
    assert "共 3 人 / 2 户" in page.inner_text(".ledger-summary .headline")
    assert page.locator(".ledger-rows tbody tr").count() == 3

    def fits() -> bool:
        return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))

    assert fits()
    page.click("[data-textsize]")  # larger text
    assert fits()
    page.screenshot(path=str(tmp_path / "ledger-phone.png"), full_page=True)

    # The filter form, folded on a phone, opens and filters by tag.
    page.goto(f"{base}/committee/{scene.here.pk}/ledger/")
    page.click(".ledger-filter > summary")
    page.check("input[name=tag][value=living_alone]")
    page.click(".filter-form button[type=submit]")
    page.wait_for_url("**tag=living_alone**")
    assert "共 1 人 / 1 户" in page.inner_text(".ledger-summary .headline")

    page.goto(f"{base}/committee/{scene.here.pk}/ledger/residents/{scene.wang.pk}/")
    assert WANG_ID not in page.content()
    page.fill("#reason-id", "核对补贴")
    page.click("form.reveal:has(#reason-id) button[type=submit]")
    page.wait_for_selector(".revealed")
    assert page.inner_text(".revealed") == WANG_ID
    assert WANG_ID not in page.url
    assert fits()
    page.reload()  # a reload of a POST asks again; a fresh GET shows the mask
    page.goto(f"{base}/committee/{scene.here.pk}/ledger/residents/{scene.wang.pk}/")
    assert WANG_ID not in page.content()
    assert errors == []
    context.close()
