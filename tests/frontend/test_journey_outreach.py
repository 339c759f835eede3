"""Issue 4's journey in two real browsers: the committee issues a household code, a resident
verifies with it, the committee sends an outreach to everyone aged 90+, the resident sees it
arrive live and acknowledges it, and the committee's count moves live."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.ledger.filters import years_before
from accounts.models import Building, Household, Residency
from tests import factories
from tests.browser import open_as

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def years_ago(years: int) -> dt.date:
    """Born `years` ago today, in the site's zone: 90 today counts as "90 or older"."""
    return years_before(timezone.localdate(), years)


@pytest.fixture
def estate(transactional_db: None) -> dict:
    place = factories.neighborhood("云台第一")
    building = Building.objects.create(neighborhood=place, name="3号楼")

    def house(room: str) -> Household:
        return Household.objects.create(
            building=building, unit="1", room=room, floor_area="68.00", tenure="owner"
        )

    zhang = house("101")  # 张阿婆 (92) lives with her son, who has no account yet
    factories.person(zhang, "张阿婆", birth=years_ago(92))
    factories.person(zhang, "张建国", birth=years_ago(64))
    li = house("102")  # 李老伯 (95) has a verified daughter
    factories.person(li, "李老伯", birth=years_ago(95))
    daughter = factories.person(li, "李美华", birth=years_ago(60))
    li_user = factories.user("limeihua", display_name="李美华")
    Residency.objects.create(
        user=li_user,
        household=li,
        resident=daughter,
        is_representative=True,
        verified_at=dt.datetime.now(dt.UTC),
    )
    wang = house("201")  # 王奶奶 (90 today) lives alone, no account: a door visit
    factories.person(wang, "王奶奶", birth=years_ago(90), tags=["living_alone"])
    young = house("202")  # nobody here is 90: not in the outreach
    factories.person(young, "赵小妹", birth=years_ago(30))
    return {
        "place": place,
        "building": building,
        "zhang": zhang,
        "staff": factories.staff(place, "xiaozhang"),
        "son": factories.user("jianguo", display_name="建国"),
    }


def test_code_verify_outreach_acknowledge(estate: dict, daphne_url: str, chromium, tmp_path):
    base = f"http://{daphne_url}"
    place, house = estate["place"], estate["zhang"]
    staff_ctx, staff, staff_errors = open_as(chromium, base, "xiaozhang")
    son_ctx, son, son_errors = open_as(chromium, base, "jianguo")

    # The committee prints a letter with a one-time code for the household.
    staff.goto(f"{base}/committee/{place.pk}/codes/?building={estate['building'].pk}")
    staff.click(f"button[data-household='{house.pk}']")
    code = staff.locator(".household-code").first.inner_text().strip()
    assert len(code.replace("-", "")) == 10

    # The son types it with his real name and is verified.
    son.goto(f"{base}/verify/")
    son.fill("#verify-code", code.lower())  # case and dashes do not matter
    son.fill("#verify-name", "张建国")
    son.click("form.verify button[type=submit]")
    son.wait_for_url(f"{base}/household/")
    assert "3号楼1单元101室" in son.content()

    # He keeps his notifications open; the live connection is up.
    son.goto(f"{base}/notifications/")
    son.wait_for_selector("body[data-live='on']")

    # The committee sends the free-milk notice to every household with someone aged 90+.
    staff.goto(f"{base}/committee/{place.pk}/outreach/new/?age_min=90")
    staff.fill("#outreach-title", "高龄老人免费送牛奶")
    staff.fill("#outreach-body", "家中有90岁以上老人的住户,请到居委会登记领取。")
    staff.click("form.outreach-compose button[type=submit]")
    # it is sent once the committee confirms the count it is shown
    staff.locator("[data-confirm-reach]", has_text="将发送给 3 户").wait_for(timeout=10_000)
    staff.locator("[data-confirm-send]").click()
    staff.wait_for_selector("[data-count='reached']")
    staff.wait_for_selector("body[data-live='on']")
    assert staff.locator("[data-count='households']").inner_text().strip() == "3"
    assert staff.locator("[data-count='reached']").inner_text().strip() == "2"
    assert staff.locator("[data-count='not_reached']").inner_text().strip() == "1"
    assert staff.locator("[data-count='acknowledged']").inner_text().strip() == "0"

    # The notice arrives on the son's page without a reload, and he acknowledges it.
    notice = son.locator(".notification", has_text="高龄老人免费送牛奶")
    notice.wait_for(timeout=15_000)
    assert son.url == f"{base}/notifications/"
    button = notice.locator(".ack-button")
    assert button.inner_text().strip() == "收到"
    button.click()
    notice.locator("[data-acked]").wait_for(timeout=10_000)

    # The committee's count moves by itself.
    staff.locator("[data-count='acknowledged']", has_text="1").wait_for(timeout=15_000)

    # The door-visit list names the household nobody could be reached in.
    staff.goto(staff.url.rstrip("/") + "/door-visits/")
    addresses = ["".join(cell.split()) for cell in staff.locator("td.address").all_inner_texts()]
    assert addresses == ["3号楼1单元201室"]

    son.screenshot(path=str(tmp_path / "notifications.png"), full_page=True)
    assert staff_errors == [] and son_errors == []  # no CSP violation, no script error
    staff_ctx.close()
    son_ctx.close()
