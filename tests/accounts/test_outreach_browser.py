"""Two real browsers: staff send a notice, the resident sees it arrive live and says 收到,
and the staff page's count changes live."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from accounts.models import Notification
from tests import factories
from tests.a11y.axe import axe_findings, sideways_scroll
from tests.accounts.outreach_helpers import OLD, house_with
from tests.browser import open_as as browser_open_as
from tests.conftest import off_the_loop

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@dataclass
class Scene:
    place: Any
    staff: Any
    alice: Any


@pytest.fixture
def scene(transactional_db: None) -> Scene:
    place = factories.neighborhood("昌里第五")
    staff = factories.staff(place, "staff")
    _house, (alice,) = house_with(place, births=(OLD,), accounts=1)
    alice.username = "alice"
    alice.save()
    house_with(place, births=(OLD,), accounts=0)  # the silent household
    return Scene(place=place, staff=staff, alice=alice)


def open_as(browser: Any, base: str, username: str, path: str) -> tuple[Any, Any, list[str]]:
    context, page, errors = browser_open_as(browser, base, username, path)
    page.wait_for_selector("body[data-live='on']")
    return context, page, errors


def test_a_notice_arrives_live_and_its_acknowledgement_shows_on_the_staff_page(
    scene: Scene, daphne_url: str, chromium: Any, tmp_path: Any
) -> None:
    base = f"http://{daphne_url}"
    alice_ctx, alice, alice_errors = open_as(chromium, base, "alice", "/notifications/")
    assert alice.locator(".notification").count() == 0
    assert alice.locator("[data-badge-count]").is_hidden()

    # Staff choose everyone aged 90 or older (as the ledger page links here) and send
    staff_ctx, staff, staff_errors = open_as(
        chromium, base, "staff", f"/committee/{scene.place.pk}/outreach/new/?age_min=90"
    )
    assert staff.locator(".preview [data-preview='households']").inner_text() == "2"
    # the line by the send button says it too, and follows the filters with the members
    assert staff.locator("[data-send-reach]").inner_text().startswith("将发送给 2 户（1 位居民）")
    assert staff.locator("[data-preview='without_account']").inner_text() == "1"
    # Changing a filter updates the counts in place
    staff.fill("form.filters input[name=age_min]", "100")
    staff.locator("form.filters input[name=age_min]").dispatch_event("change")
    staff.locator(".preview [data-preview='households']", has_text="0").wait_for(timeout=10_000)
    staff.locator("[data-send-reach] [data-preview='members']", has_text="0").wait_for()
    assert staff.locator("[data-send]").is_disabled()
    staff.fill("form.filters input[name=age_min]", "90")
    staff.locator("form.filters input[name=age_min]").dispatch_event("change")
    staff.locator(".preview [data-preview='households']", has_text="2").wait_for(timeout=10_000)
    staff.fill("#outreach-title", "高龄老人免费牛奶")
    staff.fill("#outreach-body", "90岁以上老人请到居委会登记领取免费牛奶。")
    staff.click("form.outreach-compose button[type=submit]")
    # A mass action: the page first says to how many, in numbers, then the button sends
    reach = staff.locator("[data-confirm-reach]")
    reach.wait_for(timeout=10_000)
    assert "将发送给 2 户（1 位居民）" in reach.inner_text()
    assert axe_findings(staff) == []
    size = staff.viewport_size
    staff.set_viewport_size({"width": 320, "height": 640})
    assert sideways_scroll(staff) == 0
    staff.set_viewport_size(size)
    staff.locator("[data-confirm-send]").click()
    staff.wait_for_url(f"{base}/committee/{scene.place.pk}/outreach/*/")
    staff.wait_for_selector("body[data-live='on']")
    assert staff.locator("[data-count='reached']").inner_text() == "1"
    assert staff.locator("[data-count='not_reached']").inner_text() == "1"
    assert staff.locator("[data-count='acknowledged']").inner_text() == "0"

    # The resident's page shows the notice live, at the top, and the badge counts it
    notice = alice.locator(".notification", has_text="高龄老人免费牛奶")
    notice.wait_for(timeout=10_000)
    assert alice.url.endswith("/notifications/")  # no reload
    assert alice.locator("[data-badge-count]").inner_text() == "1"
    note_id = off_the_loop(lambda: Notification.objects.get(user=scene.alice).pk)
    assert notice.get_attribute("data-id") == str(note_id)
    alice.screenshot(path=str(tmp_path / "inbox.png"), full_page=True)

    # 收到: the resident's page marks it, and the staff page's count changes live
    notice.locator("button", has_text="收到").click()
    notice.locator("[data-acked]").wait_for(timeout=10_000)
    staff.locator("[data-count='acknowledged']", has_text="1").wait_for(timeout=10_000)
    alice.locator("[data-badge-count]").wait_for(state="hidden", timeout=10_000)
    assert staff.locator("[data-progress='published']").inner_text() == "1"
    acknowledged = off_the_loop(
        lambda: Notification.objects.get(pk=note_id).acknowledged_at is not None
    )
    assert acknowledged
    staff.screenshot(path=str(tmp_path / "reach.png"), full_page=True)

    # The door-visit list holds the silent household
    staff.click("text=上门走访名单")
    assert staff.locator("table.door-visits tbody tr").count() == 1
    assert alice_errors == [] and staff_errors == []  # no CSP violation, no script error
    alice_ctx.close()
    staff_ctx.close()
