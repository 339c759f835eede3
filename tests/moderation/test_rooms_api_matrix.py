"""Authorization matrix: every role × every rooms endpoint, with the exact status.

Non-members of the room's neighborhood get 404 (the room does not exist for them),
anonymous callers 403 (not_authenticated), members without the permission 403 (forbidden).
room.manage is the committee's and the moderators'; taking part (a command) is for verified
residents and room.manage; reading is for every member. A refused request writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from forum.models import Post, Topic
from moderation.models import Room, RoomEvent, Speech
from moderation.rooms import services
from tests import factories
from tests.accounts.conftest import ROLES, Cast, cast  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

MEMBERS = {"resident_here", "moderator_here", "staff_here", "secretary_here", "admin_above"}
MANAGERS = {"moderator_here", "staff_here", "secretary_here"}  # room.manage at `here`
PARTICIPANTS = MANAGERS | {"resident_here"}  # verified residents and room.manage


def _expect(who: str, allowed: set[str], success: int) -> int:
    if who == "anonymous":
        return 403
    if who in allowed:
        return success
    if who in MEMBERS:
        return 403
    return 404


def only(allowed: set[str], success: int) -> Callable[[str], int]:
    return lambda who: _expect(who, allowed, success)


def not_found_for_all(who: str) -> int:
    return 403 if who == "anonymous" else 404


class Setting:
    """A room at `here` chaired by someone outside the cast, with a seconded motion."""

    def __init__(self, cast: Cast) -> None:  # noqa: F811
        self.place = cast.here
        self.chair = factories.staff(self.place, "clerk", role="moderator")
        self.mover = factories.resident(self.place, "mover", name="老张")
        self.seconder = factories.resident(self.place, "seconder", name="李阿姨")
        factories.board(self.place, "议事公告")

    def room(self, *, debate: bool = False, closed: bool = False) -> Room:
        room = services.room_create(
            actor=self.chair, neighborhood_id=self.place.pk, title="停车议事", agenda=["停车"]
        )
        if debate:
            for user, action, data in (
                (self.mover, "move", {"text": "划车位"}),
                (self.seconder, "second", {}),
            ):
                services.room_command(user=user, room_id=room.pk, action=action, data=data)
        if closed:
            services.room_close(actor=self.chair, room_id=room.pk)
        return room


Built = tuple[str, str, Any]


def s_list(s: Setting) -> Built:
    s.room()
    return "get", f"/api/v1/neighborhoods/{s.place.pk}/rooms/", None


def s_create(s: Setting) -> Built:
    return "post", f"/api/v1/neighborhoods/{s.place.pk}/rooms/", {"title": "垃圾分类议事"}


def s_detail(s: Setting) -> Built:
    return "get", f"/api/v1/rooms/{s.room().pk}/", None


def s_command(s: Setting) -> Built:
    room = s.room(debate=True)
    return "post", f"/api/v1/rooms/{room.pk}/commands/raise_hand/", {"side": "con"}


def s_unknown_command(s: Setting) -> Built:
    return "post", f"/api/v1/rooms/{s.room().pk}/commands/filibuster/", {}


def s_react(s: Setting) -> Built:
    return "post", f"/api/v1/rooms/{s.room().pk}/react/", {"emoji": "👍"}


def s_close(s: Setting) -> Built:
    return "post", f"/api/v1/rooms/{s.room().pk}/close/", None


def s_minutes(s: Setting) -> Built:
    return "get", f"/api/v1/rooms/{s.room(debate=True).pk}/minutes/", None


def s_minutes_post(s: Setting) -> Built:
    return "post", f"/api/v1/rooms/{s.room(debate=True, closed=True).pk}/minutes/post/", {}


ENDPOINTS: dict[str, tuple[Callable[[Setting], Built], Callable[[str], int], bool]] = {
    # name: (build, expected status for a role, whether a success writes)
    "rooms.list": (s_list, only(MEMBERS, 200), False),
    "rooms.create": (s_create, only(MANAGERS, 201), True),
    "room.detail": (s_detail, only(MEMBERS, 200), False),
    "room.command": (s_command, only(PARTICIPANTS, 200), True),
    "room.command.unknown": (s_unknown_command, not_found_for_all, False),
    # A reaction is not stored, but it is taking part: participants only.
    "room.react": (s_react, only(PARTICIPANTS, 204), False),
    "room.close": (s_close, only(MANAGERS, 200), True),
    "room.minutes": (s_minutes, only(MEMBERS, 200), False),
    "room.minutes.post": (s_minutes_post, only(MANAGERS, 201), True),
}


def written() -> tuple[Any, ...]:
    return (
        Room.objects.count(),
        RoomEvent.objects.count(),
        Speech.objects.count(),
        Topic.objects.count(),
        Post.objects.count(),
        tuple(Room.objects.order_by("pk").values_list("status", "minutes_topic")),
    )


def call(client: Any, method: str, url: str, body: Any) -> Any:
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, body, format="json")


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
@pytest.mark.parametrize("who", ROLES)
def test_room_endpoints(cast: Cast, who: str, endpoint: str) -> None:  # noqa: F811
    build, expected_for, writes = ENDPOINTS[endpoint]
    method, url, body = build(Setting(cast))
    before = written()
    answer = call(cast.client(who), method, url, body)
    expected = expected_for(who)
    assert answer.status_code == expected, (who, endpoint, answer.content[:300])
    if expected >= 400:
        codes = {403: {"forbidden", "not_authenticated"}, 404: {"not_found"}}
        assert answer.json()["code"] in codes[expected], (who, endpoint, answer.json())
        assert written() == before  # a refusal writes nothing
    elif writes:
        assert written() != before  # and a success did write
    else:
        assert written() == before
