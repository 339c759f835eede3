"""The rooms' REST API: shapes, one motion end to end over HTTP, and error codes. Every bad
input is a 400 with a stable code (a 404 for what the viewer may not see), never a 500, and
a refused request writes nothing."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from forum.models import Post, Topic
from moderation.models import Room, RoomBallot, RoomEvent, Speech
from moderation.rooms import services
from tests import factories
from tests.moderation.test_minutes import Clock, clock, run_meeting  # noqa: F401 (fixture)
from voting import services as voting

pytestmark = pytest.mark.django_db

HUGE = 10**30


def client_for(user: User) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def written() -> tuple[int, ...]:
    """Counts of every row a rooms API write could leave behind."""
    return (
        Room.objects.count(),
        RoomEvent.objects.count(),
        Speech.objects.count(),
        RoomBallot.objects.count(),
        Topic.objects.count(),
        Post.objects.count(),
        Room.objects.filter(status="closed").count(),
    )


@pytest.fixture
def hall() -> dict[str, Any]:
    place = factories.neighborhood("昌里第五")
    chair = factories.staff(place, "chair", role="moderator")
    people = [factories.resident(place, name=n) for n in ("老张", "李阿姨", "小王")]
    room = services.room_create(
        actor=chair, neighborhood_id=place.pk, title="小区停车议事", agenda=["停车方案"]
    )
    return {"place": place, "chair": chair, "people": people, "room": room}


def command(user: User, room: Room, action: str, body: Any = None) -> Any:
    return client_for(user).post(
        f"/api/v1/rooms/{room.pk}/commands/{action}/", body or {}, format="json"
    )


# Shapes ---------------------------------------------------------------------------------


def test_create_list_and_read_a_room(hall: dict[str, Any]) -> None:
    chair, place = hall["chair"], hall["place"]
    answer = client_for(chair).post(
        f"/api/v1/neighborhoods/{place.pk}/rooms/",
        {
            "title": "垃圾分类议事",
            "description": "定时定点",
            "preset": "nantang",
            "limits": {"speech_seconds": 90, "speeches_per_motion": 3},
            "agenda": ["投放时间", "督导员"],
        },
        format="json",
    )
    assert answer.status_code == 201, answer.content
    room = answer.json()
    assert room["title"] == "垃圾分类议事"
    assert room["stream"] == f"room.{room['id']}"
    assert room["state"]["agenda"] == ["投放时间", "督导员"]
    assert room["state"]["rules"]["speech_seconds"] == 90
    assert room["is_chair"] is True
    assert any("90" in line for line in room["rules"])
    listed = client_for(hall["people"][0]).get(f"/api/v1/neighborhoods/{place.pk}/rooms/").json()
    assert {r["title"] for r in listed} == {"垃圾分类议事", "小区停车议事"}
    first = next(r for r in listed if r["id"] == room["id"])
    assert set(first) == {
        "id",
        "neighborhood",
        "title",
        "description",
        "preset",
        "status",
        "phase",
        "stream",
        "created_at",
        "closed_at",
        "minutes_topic",
    }
    assert (first["status"], first["phase"], first["minutes_topic"]) == ("open", "waiting", None)
    detail = client_for(hall["people"][0]).get(f"/api/v1/rooms/{room['id']}/").json()
    assert detail["seq"] >= 0
    assert detail["is_chair"] is False
    assert isinstance(detail["server_now"], float)


def test_one_motion_over_http(hall: dict[str, Any]) -> None:
    chair, (a, b, c), room = hall["chair"], hall["people"], hall["room"]
    moved = command(a, room, "move", {"text": "在3号楼前划定临时车位"})
    assert moved.status_code == 200, moved.content
    body = moved.json()
    assert [e["type"] for e in body["events"]] == ["motion.moved"]
    assert body["events"][0]["text"] == "在3号楼前划定临时车位"
    assert (body["phase"], body["speech"]) == ("motion_moved", None)
    assert command(b, room, "second").json()["phase"] == "debate"
    command(a, room, "raise_hand", {"side": "pro"})
    command(c, room, "raise_hand", {"side": "con"})
    given = command(chair, room, "give_floor", {"to": a.pk}).json()
    assert given["events"][0]["type"] == "floor.given"
    assert given["state"]["floor"]["user"] == a.pk
    out_of_turn = command(c, room, "speak", {"text": "我反对"})
    assert (out_of_turn.status_code, out_of_turn.json()["code"]) == (400, "not_your_turn")
    assert out_of_turn.json()["message"].startswith("It is not your turn")
    spoken = command(a, room, "speak", {"text": "车位不够"}).json()
    assert spoken["speech"] == 1
    assert [e["type"] for e in spoken["events"]] == ["speech.posted"]
    command(a, room, "yield_floor")
    assert command(chair, room, "call_vote").json()["phase"] == "voting"
    ballot = RoomBallot.objects.get(room=room).ballot_id
    for person, choice in ((a, "yes"), (b, "no"), (c, "no")):
        voting.ballot_cast(user=person, ballot_id=ballot, choice=[choice])
    result = command(chair, room, "announce_result").json()
    assert result["events"][-1] == {
        "type": "vote.result",
        "motion": 1,
        "ayes": 1,
        "noes": 2,
        "abstentions": 0,
        "passed": False,
    }
    snapshot = client_for(a).get(f"/api/v1/rooms/{room.pk}/").json()
    assert snapshot["ballots"] == {"1": ballot}
    assert snapshot["state"]["result"]["passed"] is False
    react = client_for(b).post(f"/api/v1/rooms/{room.pk}/react/", {"emoji": "👏"}, format="json")
    assert react.status_code == 204
    closed = client_for(chair).post(f"/api/v1/rooms/{room.pk}/close/")
    assert (closed.status_code, closed.json()["status"]) == (200, "closed")


def test_reading_a_room_ends_an_overdue_speech_first(hall: dict[str, Any]) -> None:
    # Given a speech whose time ran out with no timer alive, when the room is read over
    # HTTP, then the adapter ends it before the (read-only) snapshot is taken.
    chair, (a, b, _c), room = hall["chair"], hall["people"], hall["room"]
    command(a, room, "move", {"text": "动议"})
    command(b, room, "second")
    command(a, room, "raise_hand", {"side": "pro"})
    command(chair, room, "give_floor", {"to": a.pk})
    data = Room.objects.get(pk=room.pk).state
    data["floor"]["ends_at"] = time.time() - 1
    Room.objects.filter(pk=room.pk).update(state=data)
    shown = client_for(b).get(f"/api/v1/rooms/{room.pk}/").json()
    assert shown["state"]["floor"] is None
    assert shown["seq"] == Room.objects.get(pk=room.pk).seq
    assert RoomEvent.objects.filter(room=room).order_by("-number")[0].type == "speech.ended"


def test_minutes_as_json(clock: Clock) -> None:  # noqa: F811
    m = run_meeting(clock)
    answer = client_for(m.a).get(f"/api/v1/rooms/{m.room.pk}/minutes/")
    assert answer.status_code == 200
    data = answer.json()
    assert (data["room"], data["title"], data["preset"]) == (m.room.pk, "小区停车议事", "nantang")
    [motion] = data["items"][0]["motions"]
    assert (motion["mover_name"], motion["seconder_name"], motion["outcome"]) == (
        "三号楼老张",
        "李阿姨",
        "failed",
    )
    assert [(t["name"], t["side"], t["seconds"]) for t in motion["turns"]] == [
        ("三号楼老张", "pro", 60),
        ("小王", "con", 150),
    ]
    assert motion["turns"][1]["extensions"] == [30]
    assert motion["vote"]["ayes"] == 1
    assert motion["vote"]["ballot"] == RoomBallot.objects.get(room=m.room, motion=1).ballot_id
    assert motion["amendments"][0]["vote"]["passed"] is True
    assert motion["turns"][0]["started_at"].endswith("Z") or "+" in motion["turns"][0]["started_at"]
    assert "张三丰" not in answer.content.decode()


def test_post_the_minutes_over_http(clock: Clock) -> None:  # noqa: F811
    m = run_meeting(clock)
    board = factories.board(m.place, "议事公告")
    staff = factories.staff(m.place, "poster")
    url = f"/api/v1/rooms/{m.room.pk}/minutes/post/"
    assert client_for(staff).post(url, {}, format="json").json()["code"] == "room_open"
    services.room_close(actor=m.chair, room_id=m.room.pk)
    posted = client_for(staff).post(url, {"board": board.pk}, format="json")
    assert posted.status_code == 201, posted.content
    assert posted.json() == {
        "topic": Topic.objects.get().pk,
        "board": board.pk,
        "title": "Minutes: 小区停车议事",  # in the poster's language
    }
    again = client_for(staff).post(url, {}, format="json")
    assert (again.status_code, again.json()["code"]) == (400, "minutes_posted")
    listed = client_for(m.a).get(f"/api/v1/neighborhoods/{m.place.pk}/rooms/").json()
    assert listed[0]["minutes_topic"] == Topic.objects.get().pk


# Error codes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "body", "code"),
    [
        ("move", {"text": ""}, "invalid_argument"),
        ("move", {"text": 5}, "invalid_argument"),
        ("move", {"text": "x" * 501}, "too_long"),
        ("speak", {"text": ["a"]}, "invalid_argument"),
        ("speak", {"text": "x" * 2001}, "too_long"),
        ("raise_hand", {}, "invalid_argument"),
        ("raise_hand", {"side": ["pro"]}, "invalid_argument"),
        ("give_floor", {"to": "5"}, "invalid_argument"),
        ("give_floor", {"to": HUGE}, "invalid_argument"),
        ("give_floor", {"to": -1}, "invalid_argument"),
        ("give_floor", {"to": True}, "invalid_argument"),
        ("hand_over_chair", {"to": HUGE}, "invalid_argument"),
        ("name_co_chair", {"to": 2**63}, "invalid_argument"),
        ("extend_time", {"seconds": HUGE}, "invalid_argument"),
        ("extend_time", {"seconds": 1.5}, "invalid_argument"),
        ("rule_off_topic", {"speech": HUGE}, "invalid_argument"),
        ("rule_off_topic", {"speech": "1"}, "invalid_argument"),
    ],
)
def test_bad_command_data(hall: dict[str, Any], action: str, body: Any, code: str) -> None:
    before = written()
    answer = command(hall["chair"], hall["room"], action, body)
    assert (answer.status_code, answer.json()["code"]) == (400, code), answer.content
    assert written() == before


@pytest.mark.parametrize(
    ("who", "action", "body", "code"),
    [
        ("a", "second", {}, "no_motion"),
        ("a", "speak", {"text": "我先说"}, "not_your_turn"),
        ("a", "give_floor", {"to": 1}, "not_chair"),
        ("chair", "move", {"text": "主持人的动议"}, "chair_must_stay_neutral"),
        ("chair", "next_item", {}, "agenda_finished"),
        ("chair", "resume", {}, "room_not_paused"),
        ("a", "take_chair", {}, "not_co_chair"),
        ("a", "withdraw_hand", {}, "not_in_queue"),
    ],
)
def test_the_engine_codes_pass_through(
    hall: dict[str, Any], who: str, action: str, body: Any, code: str
) -> None:
    user = hall["chair"] if who == "chair" else hall["people"][0]
    before = written()
    answer = command(user, hall["room"], action, body)
    assert (answer.status_code, answer.json()["code"]) == (400, code), answer.content
    assert answer.json()["message"]
    assert written() == before


def test_unknown_actions_and_rooms_are_not_found(hall: dict[str, Any]) -> None:
    resident, room = hall["people"][0], hall["room"]
    for action in ("dance", "apply", "Move", "speak_"):
        answer = command(resident, room, action)
        assert (answer.status_code, answer.json()["code"]) == (404, "not_found"), action
    client = client_for(resident)
    for url in (
        "/api/v1/rooms/99999999999999999999/",
        f"/api/v1/rooms/{room.pk + 1000}/",
        f"/api/v1/rooms/{room.pk + 1000}/commands/move/",
        "/api/v1/neighborhoods/99999999999999999999/rooms/",
        f"/api/v1/rooms/{room.pk}/commands/a%20b/",
    ):
        answer = client.get(url) if "commands" not in url else client.post(url, {}, format="json")
        assert answer.status_code == 404, url


@pytest.mark.parametrize(
    "body",
    [[], ["move"], "move", 5, None],
)
def test_a_body_must_be_an_object(hall: dict[str, Any], body: Any) -> None:
    client = client_for(hall["people"][0])
    answer = client.post(
        f"/api/v1/rooms/{hall['room'].pk}/commands/move/",
        data=json.dumps(body),
        content_type="application/json",
    )
    assert (answer.status_code, answer.json()["code"]) == (400, "invalid_argument")


def test_malformed_bodies(hall: dict[str, Any]) -> None:
    client = client_for(hall["chair"])
    room = hall["room"]
    broken = client.post(
        f"/api/v1/rooms/{room.pk}/commands/move/", data="{", content_type="application/json"
    )
    assert (broken.status_code, broken.json()["code"]) == (400, "invalid")
    form = client.post(f"/api/v1/rooms/{room.pk}/commands/move/", {"text": "x"})
    assert form.status_code == 415
    assert form.json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "title_required"),
        ({"title": 5}, "title_required"),
        ({"title": "  "}, "title_required"),
        ({"title": "x" * 121}, "too_long"),
        ({"title": "议事", "preset": "anarchy"}, "invalid_rules"),
        ({"title": "议事", "preset": ["nantang"]}, "invalid_rules"),
        ({"title": "议事", "limits": [1]}, "invalid_rules"),
        ({"title": "议事", "limits": {"speech_seconds": 1}}, "invalid_rules"),
        ({"title": "议事", "limits": {"speech_seconds": HUGE}}, "invalid_rules"),
        ({"title": "议事", "limits": {"speech_seconds": "120"}}, "invalid_rules"),
        ({"title": "议事", "limits": {"gavel": 3}}, "invalid_rules"),
        ({"title": "议事", "agenda": "停车"}, "invalid_agenda"),
        ({"title": "议事", "agenda": ["x"] * 21}, "invalid_agenda"),
        ({"title": "议事", "agenda": ["x" * 501]}, "too_long"),
        ({"title": "议事", "co_chair": HUGE}, "invalid_co_chair"),
        ({"title": "议事", "co_chair": 0}, "invalid_co_chair"),
        ({"title": "议事", "co_chair": "3"}, "invalid_argument"),
        ({"title": "议事", "co_chair": 10**9}, "invalid_co_chair"),
    ],
)
def test_bad_rooms(hall: dict[str, Any], body: dict[str, Any], code: str) -> None:
    before = written()
    answer = client_for(hall["chair"]).post(
        f"/api/v1/neighborhoods/{hall['place'].pk}/rooms/", body, format="json"
    )
    assert (answer.status_code, answer.json()["code"]) == (400, code), answer.content
    assert written() == before


def test_bad_reactions_closing_twice_and_commands_after_closing(hall: dict[str, Any]) -> None:
    a, room = hall["people"][0], hall["room"]
    url = f"/api/v1/rooms/{room.pk}/react/"
    for body in ({"emoji": "💩"}, {}, {"emoji": ["👍"]}):
        answer = client_for(a).post(url, body, format="json")
        assert (answer.status_code, answer.json()["code"]) == (400, "invalid_argument"), body
    close = f"/api/v1/rooms/{room.pk}/close/"
    assert client_for(hall["chair"]).post(close).status_code == 200
    again = client_for(hall["chair"]).post(close)
    assert (again.status_code, again.json()["code"]) == (400, "room_closed")
    late = command(a, room, "move", {"text": "还有一件事"})
    assert (late.status_code, late.json()["code"]) == (400, "room_closed")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"board": HUGE}, "invalid_argument"),
        ({"board": "1"}, "invalid_argument"),
        ({"board": True}, "invalid_argument"),
        ({"board": 10**9}, "not_found"),
        ([], "invalid_argument"),
    ],
)
def test_bad_minutes_posts(hall: dict[str, Any], body: Any, code: str) -> None:
    factories.board(hall["place"])
    services.room_close(actor=hall["chair"], room_id=hall["room"].pk)
    staff = factories.staff(hall["place"], "poster")
    before = written()
    answer = client_for(staff).post(
        f"/api/v1/rooms/{hall['room'].pk}/minutes/post/", body, format="json"
    )
    assert answer.json()["code"] == code, answer.content
    assert answer.status_code == (404 if code == "not_found" else 400)
    assert written() == before


def test_the_schema_documents_the_rooms(hall: dict[str, Any]) -> None:
    schema = client_for(hall["chair"]).get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/neighborhoods/{neighborhood_id}/rooms/",
        "/api/v1/rooms/{room_id}/",
        "/api/v1/rooms/{room_id}/commands/{action}/",
        "/api/v1/rooms/{room_id}/react/",
        "/api/v1/rooms/{room_id}/close/",
        "/api/v1/rooms/{room_id}/minutes/",
        "/api/v1/rooms/{room_id}/minutes/post/",
    ):
        assert path in paths, path
