"""Keyboard only: an old resident in elder mode votes with Tab, the arrow keys and Enter,
sees the focus ring on every stop, and the page stays in elder mode after a reload (it is
the account's setting, not the browser's)."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from tests.browser import open_as
from tests.conftest import off_the_loop
from tests.voting.scene import ballot, scene
from voting.models import Vote

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def tab_to(page: Any, selector: str, most: int = 80) -> list[str]:
    """Press Tab until `selector` has the focus; the stops passed on the way, each with
    its outline width (a stop with no visible focus ring fails the test)."""
    stops: list[str] = []
    for _ in range(most):
        page.keyboard.press("Tab")
        found = page.evaluate(
            """(selector) => {
                const node = document.activeElement;
                const ring = getComputedStyle(node).outlineWidth;
                const name = `${node.tagName} ${node.textContent.trim().slice(0, 12)}`;
                return [node.matches(selector), name, ring];
            }""",
            selector,
        )
        assert found[2] not in ("0px", ""), f"no focus ring on {found[1]}"
        stops.append(found[1])
        if found[0]:
            return stops
    raise AssertionError(f"{selector} not reached by Tab: {stops}")


def test_an_old_resident_in_elder_mode_votes_with_the_keyboard_only(
    transactional_db: None, daphne_url: str, chromium
) -> None:
    base = f"http://{daphne_url}"
    s = off_the_loop(scene, 4)
    b = off_the_loop(ballot, s, title="3号楼加装电梯")
    voter = s.reps[0]
    off_the_loop(User.objects.filter(pk=voter.pk).update, elder_mode=True, elder_mode_offered=True)
    context, page, errors = open_as(chromium, base, voter.username, f"/ballots/{b.pk}/")
    page.wait_for_selector("body[data-live='on']")
    assert page.evaluate("document.documentElement.classList.contains('elder')")
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 20
    cast = page.locator("[data-cast-button]")
    assert cast.bounding_box()["height"] >= 48

    # Tab to the first option, arrow to the second (反对), Tab to 投票, Enter
    tab_to(page, "form.vote-form input[name=choice]")
    page.keyboard.press("ArrowDown")
    chosen = page.evaluate("document.activeElement.value")
    label = page.evaluate("(document.activeElement.labels[0] || {}).innerText || ''").strip()
    assert label
    tab_to(page, "[data-cast-button]")
    page.keyboard.press("Enter")
    page.locator("[data-voted]").wait_for(state="visible", timeout=10_000)
    assert off_the_loop(lambda: list(Vote.objects.values_list("choice", flat=True))) == [[chosen]]
    page.screenshot(path="/tmp/a11y-elder-voted-390.png", full_page=True)

    page.reload()
    assert page.evaluate("document.documentElement.classList.contains('elder')")
    assert page.locator("[data-voted]").is_visible()
    # The option they chose, in words, so an old resident can check their vote.
    assert page.inner_text("[data-voted-choice]").strip() == label
    assert errors == []
    context.close()
