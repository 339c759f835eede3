"""The ballot page in real browsers: each kind of vote form sends the right choice over the
socket, a secret vote shows its receipt, a refused vote says why, and the other voters'
pages follow the tally live (or, for results shown after voting, once they have voted)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser import open_as
from tests.conftest import off_the_loop
from tests.voting.scene import Scene, ballot, scene
from voting import services
from voting.models import Ballot, SecretVote, Vote

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def s(transactional_db: None) -> Scene:
    return scene(3)


def on_ballot(browser, base: str, user, ballot_id: int):
    context, page, errors = open_as(browser, base, user.username, f"/ballots/{ballot_id}/")
    page.wait_for_selector("body[data-live='on']")
    return context, page, errors


def test_a_secret_vote_shows_its_receipt_and_the_others_see_the_turnout_move(
    transactional_db: None, daphne_url: str, chromium
) -> None:
    base = f"http://{daphne_url}"
    s = off_the_loop(scene, 10)  # a secret ballot's smallest electorate
    b = off_the_loop(ballot, s, secret=True, title="楼组长选举")
    a_ctx, a, a_errors = on_ballot(chromium, base, s.reps[0], b.pk)
    c_ctx, c, c_errors = on_ballot(chromium, base, s.reps[1], b.pk)

    a.locator("label.choice-yes").click()
    a.locator("[data-cast-button]").click()
    code = a.locator("[data-receipt-code]")
    code.wait_for(state="visible", timeout=10_000)
    assert "请记下您的回执码" in a.inner_text("[data-receipt]")
    assert code.inner_text().strip() == off_the_loop(lambda: SecretVote.objects.get().receipt)
    assert a.locator("form.vote-form").count() == 0  # a secret vote cannot be changed
    a.screenshot(path="/tmp/h3-receipt.png", full_page=True)

    c.locator("[data-pct='heads']", has_text="10%").wait_for(timeout=10_000)
    assert c.locator("[data-count='heads']").inner_text().strip() == "1"
    assert c.locator("[data-tally]").is_hidden()  # no count by option before the close
    assert a_errors == [] and c_errors == []
    a_ctx.close()
    c_ctx.close()


def test_a_multiple_choice_form_sends_its_boxes_and_a_refusal_says_why(
    s: Scene, daphne_url: str, chromium
) -> None:
    base = f"http://{daphne_url}"
    b = off_the_loop(
        ballot,
        s,
        method="multiple",
        options=["修花坛", "装路灯", "添座椅"],
        min_choices=1,
        max_choices=2,
        title="小区微更新",
    )
    ctx, page, errors = on_ballot(chromium, base, s.reps[0], b.pk)
    assert "请选择 1 至 2 项" in page.inner_text("form.vote-form")
    for label in ("修花坛", "装路灯", "添座椅"):
        page.locator("label.choice", has_text=label).click()
    page.locator("[data-cast-button]").click()
    error = page.locator("form.vote-form [data-form-error]")
    error.wait_for(state="visible", timeout=10_000)
    assert "不允许" in error.inner_text()
    assert off_the_loop(lambda: Vote.objects.count()) == 0

    page.locator("label.choice", has_text="装路灯").click()  # untick: two remain
    page.locator("[data-cast-button]").click()
    page.locator("[data-slot] [data-voted]").wait_for(state="visible", timeout=10_000)
    assert off_the_loop(lambda: Vote.objects.get().choice) == ["1", "3"]
    # What was chosen is said at once, and again after a reload (issue 17)
    assert page.inner_text("[data-voted-choice]") == "修花坛，添座椅"
    page.reload()
    assert page.inner_text("[data-voted-choice]") == "修花坛，添座椅"
    assert page.locator("form.vote-form input[name=choice]:checked").count() == 2
    assert page.locator("[data-cast-button]").inner_text().strip() == "修改我的投票"
    assert error.is_hidden()
    assert errors == []
    ctx.close()


def test_a_ranked_form_sends_the_order_of_preference(s: Scene, daphne_url: str, chromium) -> None:
    base = f"http://{daphne_url}"
    b = off_the_loop(
        ballot,
        s,
        method="ranked",
        options=["东门", "西门", "南门", "北门"],
        title="快递柜放在哪里",
    )
    ctx, page, errors = on_ballot(chromium, base, s.reps[0], b.pk)
    selects = page.locator("form.vote-form select[name=choice]")
    assert selects.count() == 4
    selects.nth(0).select_option(label="南门")
    selects.nth(1).select_option(label="东门")
    page.locator("[data-cast-button]").click()
    page.locator("[data-slot] [data-voted]").wait_for(state="visible", timeout=10_000)
    assert off_the_loop(lambda: Vote.objects.get().choice) == ["3", "1"]
    # Two more votes, then the close: the watching page shows the runoff's rounds (北门,
    # no one's first choice, goes out first) as a reload does.
    for rep, order in ((s.reps[1], ["1", "2"]), (s.reps[2], ["2", "1"])):
        off_the_loop(services.ballot_cast, user=rep, ballot_id=b.pk, choice=order)
    off_the_loop(services.ballot_close, actor=s.staff, ballot_id=b.pk, reason="test")
    rounds = page.locator("[data-result] ol.rounds li")
    rounds.first.wait_for(timeout=10_000)
    live = [" ".join(text.split()) for text in rounds.all_inner_texts()]
    assert live[0] == "第 1 轮：东门 1，西门 1，南门 1，北门 0 （淘汰：北门）"
    page.reload()
    reloaded = [" ".join(text.split()) for text in rounds.all_inner_texts()]
    assert live == reloaded and len(live) >= 2
    assert errors == []
    ctx.close()


def test_results_shown_after_voting_appear_once_one_has_voted(
    s: Scene, daphne_url: str, chromium
) -> None:
    base = f"http://{daphne_url}"
    b = off_the_loop(ballot, s, visibility="after_vote", title="垃圾分类投放时间")
    a_ctx, a, a_errors = on_ballot(chromium, base, s.reps[0], b.pk)
    c_ctx, c, c_errors = on_ballot(chromium, base, s.reps[1], b.pk)
    assert a.locator("[data-tally]").is_hidden() and c.locator("[data-tally]").is_hidden()
    assert "投票后可以看到计票情况" in c.inner_text("[data-tally-note]")

    a.locator("label.choice-no").click()
    a.locator("[data-cast-button]").click()
    # The voter now sees the count (read over HTTP: the event does not carry it) ...
    a.locator("[data-tally] [data-option='no'] [data-heads]", has_text="1").wait_for(timeout=10_000)
    assert a.locator("[data-tally]").is_visible()
    # ... the one who has not voted sees the turnout move, and still no count.
    c.locator("[data-pct='heads']", has_text="33.3%").wait_for(timeout=10_000)
    assert c.locator("[data-tally]").is_hidden()
    c.locator("label.choice-yes").click()
    c.locator("[data-cast-button]").click()
    c.locator("[data-tally] [data-option='yes'] [data-heads]", has_text="1").wait_for(
        timeout=10_000
    )
    assert c.locator("[data-tally] [data-option='no'] [data-heads]").inner_text() == "1"
    # The first voter's count follows the second vote too.
    a.locator("[data-tally] [data-option='yes'] [data-heads]", has_text="1").wait_for(
        timeout=10_000
    )
    assert a_errors == [] and c_errors == []
    a_ctx.close()
    c_ctx.close()


def test_staff_closing_early_must_confirm_in_numbers_and_give_a_reason(
    s: Scene, daphne_url: str, chromium
) -> None:
    """Issue 17: "立即结束投票" closed an owners' ballot 14 days early in one click."""
    base = f"http://{daphne_url}"
    b = off_the_loop(
        ballot, s, title="楼道改造", closes_at=timezone.now() + dt.timedelta(days=14, minutes=5)
    )
    ctx, page, errors = on_ballot(chromium, base, s.staff, b.pk)
    warning = page.locator("[data-close-warning]")
    assert warning.is_hidden()  # nothing closes, nothing warns, until staff ask to close
    page.locator("[data-close-early] > summary").click()
    assert "投票将提前 14 天结束，结果立即公示。" in warning.inner_text()
    page.screenshot(path="/tmp/forgive-close-early-390.png", full_page=True)
    page.locator("[data-close-ballot]").click()  # no reason: the browser stops it here
    assert page.locator("#close-reason:invalid").count() == 1
    assert off_the_loop(lambda: Ballot.objects.get(pk=b.pk).status) == "open"

    page.fill("#close-reason", "业主大会提前到本周六召开")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path="/tmp/forgive-close-early-1280.png", full_page=True)
    page.locator("[data-close-ballot]").click()
    page.wait_for_load_state()
    page.locator("[data-result]").wait_for(timeout=10_000)
    closed = off_the_loop(lambda: Ballot.objects.get(pk=b.pk))
    assert (closed.status, closed.close_reason) == ("closed", "业主大会提前到本周六召开")
    page.goto(f"{base}/ballots/{b.pk}/record/")
    facts = page.inner_text(".closed-early")
    assert "提前 14 天" in facts and "业主大会提前到本周六召开" in facts
    assert errors == []
    ctx.close()
