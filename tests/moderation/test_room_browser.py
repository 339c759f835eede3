"""The room page in a real browser: the countdown follows the server's clock (and stops
while the room is paused), and a speech out of turn is refused with the rule's words."""

from __future__ import annotations

import time

import pytest

from moderation.models import Speech
from moderation.rooms import services
from tests import factories
from tests.browser import open_as
from tests.conftest import off_the_loop

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def hall(transactional_db: None) -> dict:
    place = factories.neighborhood("昌里第五")
    chair = factories.staff(place, "chair", role="moderator")
    a = factories.resident(place, "zhang", name="张阿姨")
    b = factories.resident(place, "li", name="李伯伯")
    room = services.room_create(
        actor=chair,
        neighborhood_id=place.pk,
        title="楼道堆物",
        limits={"speech_seconds": 30},
    )

    def do(user, action, **data):
        return services.room_command(user=user, room_id=room.pk, action=action, data=data)

    do(a, "move", text="清理楼道堆物")
    do(b, "second")
    do(a, "raise_hand", side="pro")
    # The floor is given from the chair's page when a test needs it: given here, the
    # speech's timer would run in this process and tick after the test's database is gone.
    return {"room": room, "chair": chair, "a": a, "b": b, "do": do}


def seconds(text: str) -> int:
    minutes, secs = text.split(":")
    return int(minutes) * 60 + int(secs)


def test_the_countdown_follows_the_servers_clock_and_stops_while_paused(
    hall: dict, daphne_url: str, chromium
) -> None:
    base = f"http://{daphne_url}"
    path = f"/rooms/{hall['room'].pk}/"
    speaker_ctx, speaker, speaker_errors = open_as(chromium, base, "zhang", path)
    chair_ctx, chair, chair_errors = open_as(chromium, base, "chair", path)
    for page in (speaker, chair):
        page.wait_for_selector("body[data-live='on']")
    chair.click("[data-give-suggested]")
    speaker.locator("[data-floor-name]", has_text="张阿姨").wait_for(timeout=10_000)
    first = seconds(speaker.inner_text("[data-countdown]"))
    assert 24 <= first <= 30
    time.sleep(2.2)
    running = seconds(speaker.inner_text("[data-countdown]"))
    assert first - 3 <= running <= first - 1, (first, running)

    # The chair pauses: every page says so and the time left stands still.
    chair.click(".room-tools summary")
    chair.click("[data-room-action=pause] button")
    speaker.locator("[data-floor-paused]").wait_for(state="visible", timeout=10_000)
    assert speaker.locator("[data-paused-badge]").is_visible()
    frozen = speaker.inner_text("[data-countdown]")
    time.sleep(1.5)
    assert speaker.inner_text("[data-countdown]") == frozen
    assert speaker.inner_text("[data-notices] li") == "会议已暂停。"

    # Resumed: it runs on from where it stood.
    chair.click("[data-room-action=resume] button")
    speaker.locator("[data-floor-paused]").wait_for(state="hidden", timeout=10_000)
    time.sleep(1.5)
    after = seconds(speaker.inner_text("[data-countdown]"))
    assert seconds(frozen) - 3 <= after < seconds(frozen), (frozen, after)

    # A reaction without words shows for a moment on the others' pages, and is not kept.
    speaker.click(".reactions button[value='👍']")
    chair.locator("[data-reaction-strip] .bubble", has_text="赞 张阿姨").wait_for(timeout=10_000)
    chair.locator("[data-reaction-strip] .bubble").wait_for(state="detached", timeout=10_000)
    assert speaker_errors == [] and chair_errors == []
    speaker_ctx.close()
    chair_ctx.close()


def test_a_speech_out_of_turn_is_refused_on_the_page(hall: dict, daphne_url: str, chromium) -> None:
    base = f"http://{daphne_url}"
    path = f"/rooms/{hall['room'].pk}/"
    context, page, errors = open_as(chromium, base, "li", path)
    page.wait_for_selector("body[data-live='on']")
    status = page.locator("[data-speak-status]")
    assert status.inner_text() == "主持人给您发言权后才能发言。可以先把要说的话写好。"
    page.fill("#speech-text", "我也想说两句")
    page.click("[data-speak]")
    refusal = page.locator("[data-room-action=speak] [data-form-error]")
    refusal.wait_for(state="visible", timeout=10_000)
    assert refusal.inner_text() == "还没轮到您发言：请先举手，等主持人给您发言权。"
    assert page.input_value("#speech-text") == "我也想说两句"
    assert page.locator("[data-speeches] .speech").count() == 0
    assert off_the_loop(lambda: Speech.objects.count()) == 0
    assert page.url.endswith(path)  # answered over the socket, no page load
    assert errors == []
    context.close()


def test_without_javascript_every_command_is_a_plain_form(
    hall: dict, daphne_url: str, chromium
) -> None:
    """A phone whose socket (or script) does not work still takes part."""
    base = f"http://{daphne_url}"
    path = f"/rooms/{hall['room'].pk}/"
    context = chromium.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{base}/login/?next={path}")
    page.fill("#id_username", "li")
    page.fill("#id_password", factories.PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(f"{base}{path}")
    page.click("[data-room-action=raise_hand] .side-con")
    page.wait_for_url(f"{base}{path}#room")
    assert "李伯伯" in page.inner_text("[data-queue]")
    assert page.locator("[data-room-action=withdraw_hand]").is_visible()
    page.fill("#speech-text", "我反对")
    page.click("[data-speak]")
    assert "还没轮到您发言" in page.inner_text("[data-page-error]")
    assert page.input_value("#speech-text") == "我反对"  # what was typed is not lost
    context.close()


@pytest.fixture
def quiet_room(transactional_db: None):
    place = factories.neighborhood("昌里第五")
    chair = factories.staff(place, "chair", role="moderator")
    factories.resident(place, "zhang", name="张阿姨")
    factories.resident(place, "li", name="李伯伯")
    return services.room_create(actor=chair, neighborhood_id=place.pk, title="楼道堆物")


def test_an_amendment_live_reads_like_the_page_after_a_reload(
    quiet_room, daphne_url: str, chromium
) -> None:
    """The page applies the room's events itself (room.js): after an amendment is moved,
    seconded, voted and adopted, what it shows is what the server renders afresh."""
    room = quiet_room
    base = f"http://{daphne_url}"
    path = f"/rooms/{room.pk}/"
    opened = [open_as(chromium, base, name, path) for name in ("chair", "zhang", "li")]
    chair, a, b = (page for _ctx, page, _errors in opened)
    for page in (chair, a, b):
        page.wait_for_selector("body[data-live='on']")

    a.fill("#motion-text", "清理楼道堆物")
    a.click("[data-move]")
    b.locator("[data-second]").wait_for(timeout=10_000)
    b.click("[data-second]")
    b.locator(".amend summary").wait_for(timeout=10_000)
    b.click(".amend summary")
    b.fill("#amend-text", "先通知一周再清理")
    b.click("[data-room-action=amend] button")
    a.locator("[data-motions] .amendment", has_text="先通知一周").wait_for(timeout=10_000)
    a.click("[data-second]")
    chair.locator("[data-call-vote]").wait_for(timeout=10_000)
    chair.click("[data-call-vote]")
    for page in (a, b):
        page.locator("[data-vote] .vote-yes").wait_for(timeout=10_000)
        page.click("[data-vote] .vote-yes")
        page.locator("[data-vote] [data-voted]").wait_for(state="visible", timeout=10_000)
    chair.locator("[data-vote] [data-count='heads']", has_text="2").wait_for(timeout=10_000)
    chair.click("[data-announce]")
    b.locator("[data-notices] li", has_text="修正案表决：动议通过").wait_for(timeout=10_000)
    b.locator("[data-phase-label]", has_text="已附议·辩论中").wait_for(timeout=10_000)
    assert b.locator("[data-vote]").count() == 0  # the amendment's count is done with

    def parts(page) -> list[str]:
        return [
            " ".join(page.inner_text(selector).split())
            for selector in ("[data-phase-label]", "[data-motions]", "[data-floor]", "[data-queue]")
        ] + [str(page.locator("[data-vote]").count()), page.get_attribute("#room", "data-flags")]

    for page in (a, b, chair):
        # The flags follow the events by one read of the room's state: take them once read.
        page.locator("#room:not([data-refreshing])").wait_for(timeout=10_000)
        live = parts(page)
        page.reload()
        page.wait_for_selector("body[data-live='on']")
        # The chair's own reload drops their socket for a moment, which pauses the room
        # until the new socket is in (a real pause, shown live): compare after it. A
        # selector, not wait_for_function: the page's CSP forbids the eval its polling uses.
        page.locator("#room:not([data-flags~='paused'])").wait_for(timeout=10_000)
        page.locator("#room:not([data-refreshing])").wait_for(timeout=10_000)
        assert parts(page) == live
    for context, _page, errors in opened:
        assert errors == []
        context.close()
