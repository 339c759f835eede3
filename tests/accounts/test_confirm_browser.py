"""The confirmation pages of two irreversible actions, in a browser: a new code for a
household whose letter is printed (voids 1 letter) and removing a role. Each page says
what it will do, passes axe, has no sideways scroll at 320 px, and its button does it."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import HouseholdCode, RoleGrant
from accounts.verification import services as verification
from tests import factories
from tests.a11y.axe import axe_findings, sideways_scroll
from tests.browser import open_as
from tests.conftest import off_the_loop

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def checked(page: Any) -> None:
    assert axe_findings(page) == []
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 640})
    assert sideways_scroll(page) == 0
    page.set_viewport_size(size)


def test_a_reissue_and_a_role_removal_are_confirmed_on_their_own_pages(
    transactional_db: None, daphne_url: str, chromium: Any
) -> None:
    def world() -> tuple[int, int, int, int]:
        place = factories.neighborhood("昌里第五")
        secretary = factories.staff(place, "mishu", role="secretary")
        factories.staff(place, "xiaowang")
        house = factories.household(place)
        printed = verification.household_code_issue(actor=secretary, household_id=house.pk)
        return place.pk, house.pk, house.building_id, printed.record.pk

    place_id, house_id, building_id, printed_id = off_the_loop(world)
    base = f"http://{daphne_url}"
    codes = f"/committee/{place_id}/codes/?building={building_id}"
    context, page, errors = open_as(chromium, base, "mishu", codes)

    page.click(f"button[data-household='{house_id}']")
    page.locator("[data-reissue-voided]", has_text="将作废已打印的 1 封通知信").wait_for()
    checked(page)
    assert off_the_loop(lambda: HouseholdCode.objects.get(pk=printed_id).revoked_at) is None
    page.click("[data-confirm-reissue]")
    page.locator(".household-code").first.wait_for()
    assert off_the_loop(lambda: HouseholdCode.objects.get(pk=printed_id).revoked_at) is not None

    page.goto(f"{base}/committee/{place_id}/roles/")
    page.locator("li.grant", has_text="xiaowang").locator("button[type=submit]").click()
    page.locator("[data-role-revoke]", has_text="将撤销").wait_for()
    checked(page)
    page.click("[data-confirm-revoke]")
    page.wait_for_url(f"{base}/committee/{place_id}/roles/")
    assert not off_the_loop(lambda: RoleGrant.objects.filter(user__username="xiaowang").exists())
    assert errors == []
    context.close()
