"""Keyboard only, in the deliberation room: a resident raises a hand with Tab and Enter,
the chair gives the floor with Tab and Space, and every stop on the way shows the focus
ring (tab_to fails on a stop without one)."""

from __future__ import annotations

import pytest

from tests.a11y.test_keyboard import tab_to
from tests.browser import open_as
from tests.conftest import off_the_loop

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_a_hand_is_raised_and_the_floor_given_with_the_keyboard_only(
    transactional_db: None, daphne_url: str, chromium
) -> None:
    from moderation.rooms import services as rooms
    from tests import factories

    def hall() -> int:
        place = factories.neighborhood("昌里第五")
        chair = factories.staff(place, "chair", role="moderator")
        zhang = factories.resident(place, "zhang", name="张阿姨")
        li = factories.resident(place, "li", name="李伯伯")
        room = rooms.room_create(actor=chair, neighborhood_id=place.pk, title="楼道堆物")
        rooms.room_command(user=zhang, room_id=room.pk, action="move", data={"text": "清理"})
        rooms.room_command(user=li, room_id=room.pk, action="second", data={})
        return room.pk

    room_id = off_the_loop(hall)
    base = f"http://{daphne_url}"
    path = f"/rooms/{room_id}/"
    resident_ctx, resident, errors = open_as(chromium, base, "zhang", path)
    chair_ctx, chair, chair_errors = open_as(chromium, base, "chair", path)
    for each in (resident, chair):
        each.wait_for_selector("body[data-live='on']")

    # The resident Tabs to the first side of "ask for the floor" and presses Enter
    tab_to(resident, "form[data-room-action='raise_hand'] button[name=side]")
    resident.keyboard.press("Enter")
    resident.locator("form[data-room-action='withdraw_hand']").wait_for(
        state="visible", timeout=10_000
    )

    # The chair's page suggests her; the chair Tabs to "give the floor" and presses Space
    chair.locator("[data-suggested]", has_text="张阿姨").wait_for(state="visible", timeout=10_000)
    tab_to(chair, "[data-give-suggested]")
    chair.keyboard.press("Space")
    resident.locator("[data-speak-status].go").wait_for(timeout=10_000)
    assert errors == [] and chair_errors == []
    chair_ctx.close()
    resident_ctx.close()
