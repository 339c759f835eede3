"""Live changes are said politely to screen readers: the page's one aria-live="polite"
region (base.html [data-announce]) speaks the turnout when another household votes, and a
new notification on any page. The room's floor changes and queue calls are said by its own
polite notices list (moderation/templates/moderation/room.html [data-notices])."""

from __future__ import annotations

import pytest
from django.db import transaction

from accounts.models import NotificationKind
from accounts.notifications.services import notify
from tests.browser import open_as
from tests.conftest import off_the_loop
from tests.voting.scene import ballot, scene
from voting import services

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

ANNOUNCER = "[data-announce][aria-live='polite']"


def test_the_turnout_and_a_new_notification_are_announced_politely(
    transactional_db: None, daphne_url: str, chromium
) -> None:
    base = f"http://{daphne_url}"
    s = off_the_loop(scene, 4)
    b = off_the_loop(ballot, s)
    context, page, errors = open_as(chromium, base, s.reps[0].username, f"/ballots/{b.pk}/")
    page.wait_for_selector("body[data-live='on']")
    assert page.locator(ANNOUNCER).inner_text() == ""  # nothing said on arrival

    # When another household votes, the turnout is said in the page's own words
    off_the_loop(services.ballot_cast, user=s.reps[1], ballot_id=b.pk, choice=["yes"])
    page.locator(ANNOUNCER, has_text="25%").wait_for(state="attached", timeout=10_000)
    assert "已参与" in page.locator(ANNOUNCER).inner_text()  # the turnout line, as rendered

    # When a notification arrives (here the ballot's kind), it is said on any page
    def notify_ballot() -> None:
        with transaction.atomic():
            notify(user=s.reps[0], kind=NotificationKind.BALLOT, title="明天停水")

    off_the_loop(notify_ballot)
    page.locator(ANNOUNCER, has_text="新通知： 明天停水").wait_for(state="attached", timeout=10_000)
    assert errors == []
    context.close()


def test_a_floor_change_is_said_by_the_rooms_polite_notices(
    transactional_db: None, daphne_url: str, chromium
) -> None:
    """Someone in the room who cannot see the floor panel hears who has the floor."""
    from moderation.rooms import services as rooms
    from tests import factories

    def hall() -> tuple[int, str]:
        place = factories.neighborhood("昌里第五")
        chair = factories.staff(place, "chair", role="moderator")
        zhang = factories.resident(place, "zhang", name="张阿姨")
        li = factories.resident(place, "li", name="李伯伯")
        room = rooms.room_create(actor=chair, neighborhood_id=place.pk, title="楼道堆物")
        rooms.room_command(user=zhang, room_id=room.pk, action="move", data={"text": "清理"})
        rooms.room_command(user=li, room_id=room.pk, action="second", data={})
        rooms.room_command(user=zhang, room_id=room.pk, action="raise_hand", data={"side": "pro"})
        return room.pk, zhang.username

    room_id, listener = off_the_loop(hall)
    base = f"http://{daphne_url}"
    path = f"/rooms/{room_id}/"
    listener_ctx, page, errors = open_as(chromium, base, listener, path)
    chair_ctx, chair, chair_errors = open_as(chromium, base, "chair", path)
    for each in (page, chair):
        each.wait_for_selector("body[data-live='on']")
    notices = page.locator("[data-notices][aria-live='polite']")
    assert notices.count() == 1

    chair.click("[data-give-suggested]")  # from the chair's page, as a chair does
    notices.locator("li", has_text="张阿姨 发言").wait_for(timeout=10_000)
    assert errors == [] and chair_errors == []
    chair_ctx.close()
    listener_ctx.close()
