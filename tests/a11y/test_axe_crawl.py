"""Issue 17, "everyone can use it": axe-core (bundled by axe-playwright-python, no network)
on every page each demo role can open, at desktop (1280x800) and phone (390x844) size, with
no rule disabled; and no page scrolls sideways at 320 px width or at 200% zoom (a 1280 px
window at 200% lays out 640 CSS px).

One login per role and one navigation per page: the sizes are applied to the loaded page by
resizing the viewport, which re-evaluates the media queries as a real resize does."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError

from demo.seed import DEMO_PASSWORD
from tests.a11y.axe import axe_findings, sideways_scroll
from tests.a11y.conftest import ROLES, Estate

# The marker makes pytest-django create the test database; the pages' data is the
# module's (tests/a11y/conftest.py), committed before and flushed after.
pytestmark = [pytest.mark.django_db, pytest.mark.browser, pytest.mark.services]

AXE_SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
REFLOW_SIZES = {"320px": (320, 640), "zoom200": (640, 400)}


def logged_in(browser: Any, base: str, role: str) -> Any:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    if role != "anonymous":
        page.goto(f"{base}/login/")
        page.fill("#id_username", role)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("form.login button[type=submit]")
        page.wait_for_load_state()
    return page


def shown(page: Any, base: str, path: str) -> bool:
    """Open `path`; False when this role is not shown it (refused, or sent to log in).

    A navigation that chromium fails (an empty error body, an interrupted redirect) goes on
    inside the browser after goto has raised: its error page or redirect then interrupts the
    next goto, and every later one, and closing the context while one is in flight left
    chromium never answering (Target.disposeBrowserContext): the crawl's old hang. So a
    failed navigation is a finding, and the page is brought back to about:blank before
    going on."""
    try:
        response = page.goto(base + path)
    except PlaywrightError as error:
        settle(page)
        raise NavigationFailed(f"{path}: {str(error).splitlines()[0]}") from None
    if response is None or response.status != 200:
        return False
    return page.url.split("?")[0] == base + path


class NavigationFailed(Exception):
    pass


def settle(page: Any) -> None:
    """Let whatever navigation chromium still runs finish, then leave for a blank page (it
    also closes the page's socket), so that nothing is in flight for the next step."""
    page.wait_for_load_state("load")
    page.goto("about:blank")


@pytest.mark.timeout(600)  # some 40 pages, axe at two sizes each, on a shared machine
@pytest.mark.parametrize("role", ROLES)
def test_every_page_has_no_axe_violation_and_no_sideways_scroll(
    estate: Estate, chromium: Any, role: str
) -> None:
    page = logged_in(chromium, estate.base, role)
    problems: list[str] = []
    seen = 0
    for path in estate.pages:
        try:
            if not shown(page, estate.base, path):
                continue
        except NavigationFailed as failure:
            problems.append(f"navigation failed: {failure}")
            continue
        print(role, path, flush=True)  # where a hang happened, with -s
        seen += 1
        for size, (width, height) in AXE_SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            problems += [f"{path} @{size}: {finding}" for finding in axe_findings(page)]
        for size, (width, height) in REFLOW_SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            over = sideways_scroll(page)
            if over > 0:
                problems.append(f"{path} @{size}: scrolls sideways by {over} px")
        page.set_viewport_size({"width": 1280, "height": 800})
    settle(page)
    page.close()
    page.context.close()
    assert seen >= 2, f"{role} was shown only {seen} pages: the login or the data is wrong"
    assert not problems, f"{role}, {len(problems)} problems:\n" + "\n".join(problems)
