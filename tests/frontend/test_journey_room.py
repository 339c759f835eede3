"""Issue 6's journey in four real browsers: a moderator opens a 南塘十三条 room from the
new-room form (speeches of 10 s, the shortest the rules allow) and chairs it from the
console; three residents move, second and ask for the floor; a speech out of turn is
refused; a speech ends by the server's clock with nobody clicking; an off-topic speech is
ruled and collapses for everyone; the vote is called, the three vote from their pages and
every page sees the live tally move; the chair announces the result and all four pages
show it, all without a reload."""

from __future__ import annotations

import re

import pytest

from moderation.models import Room, RoomBallot, Speech
from tests import factories
from tests.browser import open_as
from tests.conftest import off_the_loop
from voting.models import Vote

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SCREENS = "/tmp"  # looked at by people too (see the report)
WAIT = 10_000  # ms: a live update is a fraction of a second; this is the give-up point


@pytest.fixture
def estate(transactional_db: None) -> dict:
    place = factories.neighborhood("昌里第五")
    chair = factories.staff(place, "chair", role="moderator")
    chair.display_name = "王主持"
    chair.save(update_fields=["display_name"])
    return {
        "place": place,
        "chair": chair,
        "a": factories.resident(place, "zhang", name="张阿姨"),
        "b": factories.resident(place, "li", name="李伯伯"),
        "c": factories.resident(place, "zhao", name="赵先生"),
    }


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_one_motion_from_moving_to_result_in_four_browsers(
    estate: dict, daphne_url: str, chromium
) -> None:
    base = f"http://{daphne_url}"
    place = estate["place"]
    chair_ctx, chair, chair_errors = open_as(chromium, base, "chair")

    # The moderator opens the room from the list, with the shortest speech the rules allow.
    chair.goto(f"{base}/neighborhoods/{place.pk}/rooms/")
    chair.click("text=新建议事厅")
    chair.fill("#id_title", "3号楼前停车怎么办")
    chair.fill("#id_description", "楼前乱停车，消防通道常被堵。")
    assert chair.is_checked("input[name=preset][value=nantang]")
    chair.fill("#id_speech_seconds", "10")
    chair.fill("#id_agenda", "楼前停车方案\n垃圾箱搬迁")
    chair.click("form.room-form button[type=submit]")
    chair.wait_for_url(re.compile(rf"{re.escape(base)}/rooms/\d+/$"))
    room = off_the_loop(lambda: Room.objects.get(title="3号楼前停车怎么办"))
    path = f"/rooms/{room.pk}/"
    chair.wait_for_selector("body[data-live='on']")
    assert "每次发言不超过 10 秒。" in chair.inner_text("#rules")
    assert chair.locator("#console").is_visible()

    pages = {"chair": chair}
    errors = {"chair": chair_errors}
    contexts = [chair_ctx]
    for key, username in (("a", "zhang"), ("b", "li"), ("c", "zhao")):
        context, page, page_errors = open_as(chromium, base, username, path)
        page.wait_for_selector("body[data-live='on']")
        pages[key], errors[key] = page, page_errors
        contexts.append(context)
    for page in pages.values():
        page.evaluate("window.__sameDocument = true")  # gone if a page ever reloads
    a, b, c = pages["a"], pages["b"], pages["c"]
    assert a.locator("#console").count() == 0  # the console is the chair's
    assert a.inner_text("[data-phase-label]") == "待动议"

    def everyone(selector: str, text: str | None = None, state: str = "visible") -> None:
        for key, page in pages.items():
            try:
                page.locator(selector, has_text=text).first.wait_for(state=state, timeout=WAIT)
            except Exception:
                page.screenshot(path=f"{SCREENS}/h7-failed-{key}.png", full_page=True)
                raise

    # A moves, B seconds: every page follows the phase.
    a.fill("#motion-text", "在3号楼前划出5个临时车位，试行三个月")
    a.click("[data-move]")
    everyone("[data-motions] .motion-text", "在3号楼前划出5个临时车位")
    everyone("[data-phase-label]", "已动议，待附议")
    assert a.locator("[data-second]").is_hidden()  # not one's own motion
    b.click("[data-second]")
    everyone("[data-phase-label]", "已附议·辩论中")
    everyone("[data-motions] .meta", "附议人：李伯伯")

    # A asks for the floor for, C against; the rules suggest A (who asked first).
    a.click("[data-room-action=raise_hand] .side-pro")
    c.click("[data-room-action=raise_hand] .side-con")
    everyone("[data-queue] li", "赵先生")
    chair.locator("[data-suggested-name]", has_text="张阿姨").wait_for(timeout=WAIT)
    assert squeeze(chair.inner_text("[data-console-queue]")).startswith("张阿姨 赞成")

    # The chair gives A the floor: a countdown from 10 s on every page.
    chair.click("[data-give-suggested]")
    everyone("[data-floor-name]", "张阿姨")
    a.locator("[data-speak-status].go", has_text="您有发言权了").wait_for(timeout=WAIT)

    # C tries to speak out of turn: refused with the rule's words, nothing posted.
    c.fill("#speech-text", "我反对，车位会挡住消防通道")
    c.click("[data-speak]")
    refusal = c.locator("[data-room-action=speak] [data-form-error]")
    refusal.wait_for(state="visible", timeout=WAIT)
    assert refusal.inner_text() == "还没轮到您发言：请先举手，等主持人给您发言权。"
    assert c.input_value("#speech-text") == "我反对，车位会挡住消防通道"  # kept for later

    # A speaks; everyone reads it.
    a.fill("#speech-text", "车位不够用，先试行三个月再看。")
    a.click("[data-speak]")
    everyone("[data-speeches] .speech .text", "车位不够用")
    assert a.input_value("#speech-text") == ""
    assert off_the_loop(lambda: Speech.objects.filter(room=room).count()) == 1
    countdown = a.inner_text("[data-countdown]")
    assert re.fullmatch(r"0:(0\d|10)", countdown), countdown
    a.screenshot(path=f"{SCREENS}/h7-room.png", full_page=True)

    # Nobody clicks: the server's clock ends A's speech after 10 s, on every page.
    for page in pages.values():
        page.locator(
            "[data-notices] li[data-type='speech.ended'][data-reason='time']",
            has_text="张阿姨 的发言时间到",
        ).wait_for(timeout=20_000)
        page.locator("[data-floor-none]").wait_for(state="visible", timeout=WAIT)

    # C is next by the rules; C speaks off the point and the chair rules it off-topic.
    chair.locator("[data-suggested-name]", has_text="赵先生").wait_for(timeout=WAIT)
    chair.click("[data-give-suggested]")
    everyone("[data-floor-name]", "赵先生")
    c.fill("#speech-text", "说点别的：物业费太贵了！")
    c.click("[data-speak]")
    everyone("[data-speeches] .speech .text", "物业费太贵了")
    speech = chair.locator("[data-speeches] .speech", has_text="物业费太贵了")
    speech.locator(".rule-form button").click()
    for page in pages.values():
        ruled = page.locator("[data-speeches] .speech.off-topic")
        ruled.wait_for(timeout=WAIT)
        assert ruled.locator("summary").inner_text().strip() == "主持人裁定离题"
        assert not ruled.locator(".text").is_visible()  # collapsed until opened
    everyone("[data-notices] li[data-type='ruling.off_topic']", "警告 1 / 2 次")
    chair.screenshot(path=f"{SCREENS}/h7-console.png", full_page=True)

    # The chair ends the speech (if the clock has not) and calls the vote.
    if chair.locator("[data-end-speech]").is_visible():
        chair.click("[data-end-speech]")
    everyone("[data-floor-none]")
    chair.click("[data-call-vote]")
    everyone("[data-phase-label]", "表决中")
    everyone("[data-vote] [data-tally]")
    for page in (a, b, c):
        page.locator("[data-vote] .vote-yes").wait_for(timeout=WAIT)

    # The three vote from their pages; every page sees the tally move.
    for number, (page, choice, yes, no) in enumerate(
        ((a, "yes", 1, 0), (b, "yes", 2, 0), (c, "no", 2, 1)), start=1
    ):
        page.click(f"[data-vote] .vote-{choice}")
        page.locator("[data-vote] [data-voted]").wait_for(state="visible", timeout=WAIT)
        for other in pages.values():
            other.locator(
                "[data-vote] [data-option='yes'] [data-heads]", has_text=str(yes)
            ).wait_for(timeout=WAIT)
            other.locator("[data-vote] [data-option='no'] [data-heads]", has_text=str(no)).wait_for(
                timeout=WAIT
            )
            other.locator("[data-vote] [data-count='heads']", has_text=str(number)).wait_for(
                timeout=WAIT
            )
    binding = off_the_loop(lambda: RoomBallot.objects.get(room=room))
    assert off_the_loop(lambda: Vote.objects.filter(ballot_id=binding.ballot_id).count()) == 3
    b.screenshot(path=f"{SCREENS}/h7-vote.png", full_page=True)

    # The chair announces the result: all four pages show it with the counts.
    chair.click("[data-announce]")
    for page in pages.values():
        verdict = page.locator("[data-result-box] [data-verdict]")
        verdict.wait_for(state="visible", timeout=WAIT)
        assert verdict.inner_text().strip() == "动议通过 ✓"
        assert page.inner_text("[data-result-box] [data-counts]") == "同意 2 · 反对 1 · 弃权 0"
        assert page.inner_text("[data-phase-label]") == "已表决"
        assert page.locator("[data-vote] .vote-yes").count() == 0  # voting is over
        assert page.evaluate("window.__sameDocument === true")
    a.screenshot(path=f"{SCREENS}/h7-result.png", full_page=True)

    # What arrived live reads as the page does after a reload.
    live_result = squeeze(a.inner_text("[data-result-box]"))
    a.reload()
    assert squeeze(a.inner_text("[data-result-box]")) == live_result

    for key, page_errors in errors.items():
        assert page_errors == [], key  # no CSP violation, no script error
    for context in contexts:
        context.close()
