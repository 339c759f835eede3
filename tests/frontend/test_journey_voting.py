"""Issue 5's journey in four real browsers: the committee opens an elevator ballot for one
building from the new-ballot page, three households of that building (representatives who
own their flats) vote from three browsers and each sees the live tally move, the committee
closes the ballot, and the result with its 公示 appears on all three pages without a reload."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Building, Household, Owner, Ownership, User
from tests import factories
from tests.browser import open_as
from tests.conftest import off_the_loop
from voting.models import Ballot, Vote

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SCREENS = "/tmp"  # the PNGs are looked at by people too (see the report)


@pytest.fixture
def estate(transactional_db: None) -> dict:
    place = factories.neighborhood("昌里第五")
    elevator_building = Building.objects.create(neighborhood=place, name="3号楼", floors=6)
    Building.objects.create(neighborhood=place, name="5号楼", floors=6)
    voters: list[User] = []
    for room, area, name in (
        ("101", "68.00", "张阿婆"),
        ("201", "72.50", "李老伯"),
        ("301", "90.00", "王奶奶"),
    ):
        house = Household.objects.create(
            building=elevator_building, unit="1", room=room, floor_area=area, tenure="owner"
        )
        voter = factories.verified(house, name)
        voter.username = f"owner{room}"
        voter.save(update_fields=["username"])
        # The representative owns the flat: the same ID number links the account to the owner.
        owner = Owner(neighborhood=place, real_name=name)
        owner.id_number_hash = voter.identity_hash or ""
        owner.id_number_encrypted = "x"
        owner.id_number_masked = "310115**********01"
        owner.save()
        Ownership.objects.create(household=house, owner=owner)
        voters.append(voter)
    return {
        "place": place,
        "building": elevator_building,
        "voters": voters,
        "staff": factories.staff(place, "xiaozhang"),
    }


def turnout(page) -> str:
    return page.locator("[data-pct='heads']").inner_text().strip()


def agree_count(page) -> str:
    return page.locator("[data-tally] [data-option='yes'] [data-heads]").inner_text().strip()


def test_an_elevator_ballot_from_opening_to_public_notice(estate: dict, daphne_url: str, chromium):
    base = f"http://{daphne_url}"
    place = estate["place"]
    staff_ctx, staff, staff_errors = open_as(chromium, base, "xiaozhang")

    # The committee starts from the matter template: owners of one building, art. 278 3/4.
    staff.goto(f"{base}/neighborhoods/{place.pk}/ballots/")
    staff.click("text=新建表决")
    staff.select_option("[data-matter-select]", "elevator")
    assert staff.input_value("#id_voter_unit") == "owner"  # filled in by the template
    assert staff.input_value("#id_preset") == "art278_heavy"
    assert staff.input_value("#id_scope") == "building"
    staff.fill("#id_title", "3号楼加装电梯")
    staff.fill("#id_description", "3号楼1单元加装一部电梯，费用按楼层分摊。")
    staff.select_option("#id_building", label="3号楼")
    closes = timezone.localtime() + dt.timedelta(days=10)
    staff.fill("#id_closes_at", closes.strftime("%Y-%m-%dT%H:%M"))
    staff.click("button[name=open_now]")
    staff.wait_for_url(f"{base}/ballots/*/")
    ballot = off_the_loop(lambda: Ballot.objects.get(title="3号楼加装电梯"))
    assert (ballot.status, ballot.electorate_heads, str(ballot.electorate_area)) == (
        "open",
        3,
        "230.50",
    )
    ballot_path = f"/ballots/{ballot.pk}/"

    # Three households open the ballot in their own browsers; the live connection is up.
    pages = []
    for voter in estate["voters"]:
        context, page, errors = open_as(chromium, base, voter.username, ballot_path)
        page.wait_for_selector("body[data-live='on']")
        page.evaluate("window.__sameDocument = true")  # gone if the page ever reloads
        pages.append((context, page, errors))
    first = pages[0][1]
    rule = " ".join(first.inner_text(".rule").split())
    assert "参与表决：专有部分面积占比 ≥ 2/3 且 人数占比 ≥ 2/3" in rule
    assert "通过：参与表决面积 ≥ 3/4 且 人数 ≥ 3/4" in rule
    assert turnout(first) == "0%"
    first.screenshot(path=f"{SCREENS}/h3-ballot-open.png", full_page=True)

    # Each votes 同意; every page sees turnout and tally move, with no reload.
    expected = ["33.3%", "66.7%", "100%"]
    for number, (_ctx, page, _errors) in enumerate(pages):
        page.locator("form.vote-form label.choice-yes").click()
        page.locator("form.vote-form [data-cast-button]").click()
        page.locator("[data-slot] [data-voted]").wait_for(state="visible", timeout=10_000)
        for _c, other, _e in pages:
            other.locator("[data-pct='heads']", has_text=expected[number]).wait_for(timeout=10_000)
            other.locator(
                "[data-tally] [data-option='yes'] [data-heads]", has_text=str(number + 1)
            ).wait_for(timeout=10_000)
    assert off_the_loop(lambda: Vote.objects.filter(ballot=ballot).count()) == 3
    assert pages[2][1].locator("[data-quorum-met]").is_visible()
    pages[1][1].screenshot(path=f"{SCREENS}/h3-ballot-voted.png", full_page=True)

    # The committee closes the ballot, ten days early: it says so and asks why.
    staff.goto(f"{base}{ballot_path}")
    staff.click("[data-close-early] > summary")
    assert "投票将提前 9 天 23 小时结束，结果立即公示。" in staff.inner_text("[data-close-warning]")
    staff.fill("#close-reason", "三户已全部投票，提前公示")
    staff.click("[data-close-ballot]")
    staff.locator("[data-result] .verdict", has_text="表决通过").wait_for(timeout=10_000)

    # The result and its 公示 appear on all three pages by themselves.
    for _c, page, _e in pages:
        verdict = page.locator("[data-result] .verdict")
        verdict.wait_for(state="visible", timeout=15_000)
        assert "表决通过" in verdict.inner_text()
        result = " ".join(page.inner_text("[data-result]").split())
        assert "✓ 达到 参与表决人数：3 / 3（100%），需 ≥ 2/3" in result
        assert "✓ 达到 参与表决面积：230.50 m² / 230.50 m²（100%），需 ≥ 2/3" in result
        assert "✓ 达到 同意人数：3 / 3（100%），需 ≥ 3/4" in result
        assert "公示至" in result
        assert page.locator("form.vote-form").count() == 0  # voting is over
        assert page.locator("#objections").is_visible()  # the objection window is open
        assert page.locator("[data-status-badge]").inner_text().strip() == "已结束"
        assert page.evaluate("window.__sameDocument === true")
        assert agree_count(page) == "3"
    # What arrived live reads as the page does after a reload.
    live_text = pages[0][1].inner_text("[data-result]")
    pages[0][1].screenshot(path=f"{SCREENS}/h3-ballot-closed.png", full_page=True)
    pages[0][1].reload()
    assert pages[0][1].inner_text("[data-result]").split() == live_text.split()

    assert staff_errors == []  # no CSP violation, no script error
    for context, _page, errors in pages:
        assert errors == []
        context.close()
    staff_ctx.close()
