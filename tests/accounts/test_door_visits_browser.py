"""A door visit in real browsers: the visitor, on a phone, reveals the phones of the
households assigned to them and records what the visit found; the committee's outreach
page counts the household as reached without a reload. The list also prints as a table."""

from __future__ import annotations

import pytest

from accounts.ledger.filters import LedgerFilter
from accounts.models import DataAccess, DoorVisit
from accounts.outreach import services, visits
from tests import factories
from tests.a11y.axe import axe_findings, sideways_scroll
from tests.accounts.outreach_helpers import OLD, house_with
from tests.browser import open_as
from tests.conftest import off_the_loop

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PHONE = "13812345678"


@pytest.fixture
def estate(transactional_db: None) -> dict:
    place = factories.neighborhood("云台第一")
    staff = factories.staff(place, "xiaozhang")
    visitor = factories.staff(place, "laoli", role="moderator")  # a volunteer with a role
    house_with(place, births=(OLD,), accounts=1)
    silent, _ = house_with(place, births=(OLD,), phone=PHONE)
    house_with(place, births=(OLD,))  # another silent household, not assigned to laoli
    outreach = services.outreach_send(
        actor=staff, neighborhood_id=place.pk, spec=LedgerFilter(age_min=90), title="牛奶", body="b"
    )
    visits.door_visit_assign(
        actor=staff, outreach_id=outreach.pk, visitor_id=visitor.pk, household_ids=[silent.pk]
    )
    return {"place": place, "outreach": outreach, "silent": silent}


def test_a_visitor_on_a_phone_records_a_visit_and_the_count_moves_live(
    estate: dict, daphne_url: str, chromium
) -> None:
    base = f"http://{daphne_url}"
    place, outreach, silent = estate["place"], estate["outreach"], estate["silent"]
    detail = f"/committee/{place.pk}/outreach/{outreach.pk}/"
    staff_ctx, staff, staff_errors = open_as(chromium, base, "xiaozhang", detail)
    staff.wait_for_selector("body[data-live='on']")
    assert staff.locator("[data-count='not_reached']").inner_text().strip() == "2"

    # The visitor opens the list on a phone: their one household, phones masked
    visitor_ctx, phone, visitor_errors = open_as(chromium, base, "laoli", f"{detail}door-visits/")
    assert phone.locator("li.visit-card").count() == 1
    assert "138****5678" in phone.inner_text("li.visit-card")
    # 显示电话: one audited reveal, then the number is a link to call
    phone.click("button[data-reveal]")
    call = phone.locator(f"a.tel[href='tel:{PHONE}']")
    call.wait_for(timeout=10_000)
    assert off_the_loop(lambda: DataAccess.objects.filter(field="visit_phones").count()) == 1
    # Finger-sized targets: the call link, each outcome and the save button
    card = phone.locator(f"#h{silent.pk}")
    targets = [call, card.locator("label.choice", has_text="已告知"), card.locator("button")]
    for target in targets:
        box = target.first.bounding_box()
        assert box is not None and box["height"] >= 48, box
    assert axe_findings(phone) == []
    phone.set_viewport_size({"width": 320, "height": 640})
    assert sideways_scroll(phone) == 0
    phone.set_viewport_size({"width": 390, "height": 844})

    # The visit informed the household
    card.locator("label.choice", has_text="已告知").click()
    card.locator("textarea[name='note']").fill("老人已知晓，下周送奶")
    card.locator("button[type='submit']").click()
    phone.locator(f"#h{silent.pk} [data-outcome='informed']").wait_for(timeout=10_000)
    assert off_the_loop(lambda: DoorVisit.objects.get().note) == "老人已知晓，下周送奶"

    # The committee's page counts it as reached, live
    staff.locator("[data-count='not_reached']", has_text="1").wait_for(timeout=15_000)
    assert staff.locator("[data-count='reached']").inner_text().strip() == "2"
    assert staff_errors == [] and visitor_errors == []
    staff_ctx.close()
    visitor_ctx.close()


def test_the_list_prints_as_a_table_with_room_to_write(
    estate: dict, daphne_url: str, chromium
) -> None:
    base = f"http://{daphne_url}"
    place, outreach = estate["place"], estate["outreach"]
    path = f"/committee/{place.pk}/outreach/{outreach.pk}/door-visits/"
    context, page, errors = open_as(chromium, base, "xiaozhang", path)
    assert page.locator("table.door-visits").is_hidden()  # on screen: cards
    assert axe_findings(page) == []
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 718, "height": 1047})  # A4 less the margins, at 96 dpi
    table = page.locator("table.door-visits")
    assert table.is_visible()
    assert page.locator("ol.visit-cards").is_hidden()
    assert page.locator("header.site").is_hidden()
    assert table.locator("tbody tr").count() == 2
    tick = table.locator("th.tick").bounding_box()
    outcome = table.locator("th.outcome").bounding_box()
    assert tick is not None and tick["width"] >= 60  # a tick and a date by hand
    assert outcome is not None and outcome["width"] >= 150
    assert page.pdf(format="A4")[:4] == b"%PDF"  # and Chromium prints it
    assert errors == []
    context.close()
