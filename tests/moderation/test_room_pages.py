"""Room pages through the Django test client (Chinese by default): who may see and open
rooms, what the room and the console show, and every command as a plain POST (the phone
whose socket is down): good input redirects back, bad input re-renders with the rule's
words and a 4xx, never a 500."""

from __future__ import annotations

import html as html_module
import re

import pytest
from django.test import Client

from moderation.models import Room, RoomBallot, Speech
from moderation.presenters import flags
from moderation.procedure.snapshot import state_from_data
from moderation.rooms import selectors, services
from tests import factories
from voting.models import Vote

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def text_of(response) -> str:
    """The page's words after the site's header, tags stripped, spaces squeezed."""
    html = response.content.decode()
    html = html[max(html.find("</header>"), 0) :]
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    html = re.sub(r"<template.*?</template>", " ", html, flags=re.S)
    return html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def shown(response, selector_attr: str) -> bool:
    """Whether the element carrying `selector_attr` (e.g. data-second) is rendered unhidden."""
    html = response.content.decode()
    for tag in re.findall(r"<[a-z]+\b[^>]*>", html):
        if selector_attr in tag:
            return " hidden" not in tag
    return False


def form_shown(response, action: str) -> bool:
    html = response.content.decode()
    match = re.search(rf'<[a-z]+[^>]*data-room-action="{action}"[^>]*>', html)
    return bool(match) and " hidden" not in match.group(0)


@pytest.fixture
def hall() -> dict:
    place = factories.neighborhood("昌里第五")
    chair = factories.staff(place, "chair", role="moderator")
    chair.display_name = "王主持"
    chair.save(update_fields=["display_name"])
    a, b, c = (
        factories.resident(place, "zhang", name="张阿姨"),
        factories.resident(place, "li", name="李伯伯"),
        factories.resident(place, "zhao", name="赵先生"),
    )
    room = services.room_create(
        actor=chair, neighborhood_id=place.pk, title="楼前停车", agenda=["停车方案", "垃圾箱"]
    )
    return {"place": place, "chair": chair, "a": a, "b": b, "c": c, "room": room}


@pytest.fixture
def outsider():
    return factories.resident(factories.neighborhood("云台第一"), "outsider", name="赵大海")


def do(user, room: Room, action: str, **data):
    return services.room_command(user=user, room_id=room.pk, action=action, data=data)


def state_of(room: Room):
    return state_from_data(Room.objects.get(pk=room.pk).state)


# The list and the new-room form -------------------------------------------------------------


def test_the_list_shows_open_rooms_first_and_the_new_button_to_moderators(hall, outsider) -> None:
    place, chair = hall["place"], hall["chair"]
    older = services.room_create(actor=chair, neighborhood_id=place.pk, title="旧的议事")
    services.room_close(actor=chair, room_id=older.pk)
    url = f"/neighborhoods/{place.pk}/rooms/"
    page = client_for(hall["a"]).get(url)
    assert page.status_code == 200
    words = text_of(page)
    assert words.index("楼前停车") < words.index("旧的议事")  # open before closed
    assert "进行中" in words and "已关闭" in words
    assert "新建议事厅" not in words
    assert "新建议事厅" in text_of(client_for(chair).get(url))
    assert client_for(outsider).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page


def test_my_rooms_leads_to_the_one_neighborhood(hall) -> None:
    response = client_for(hall["a"]).get("/rooms/")
    assert response.status_code == 302
    assert response["Location"] == f"/neighborhoods/{hall['place'].pk}/rooms/"
    nowhere = client_for(factories.user("nobody")).get("/rooms/")
    assert nowhere.status_code == 200
    assert "议事厅供实名认证的居民使用" in text_of(nowhere)


def test_residents_cannot_open_rooms_and_strangers_see_nothing(hall, outsider) -> None:
    url = f"/neighborhoods/{hall['place'].pk}/rooms/new/"
    assert client_for(hall["a"]).get(url).status_code == 403
    assert client_for(hall["a"]).post(url, {"title": "x", "preset": "nantang"}).status_code == 403
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(hall["chair"]).get("/neighborhoods/999999999/rooms/new/").status_code == 404
    assert Room.objects.count() == 1


def test_a_moderator_opens_a_room_with_its_own_limits(hall) -> None:
    place, chair = hall["place"], hall["chair"]
    other = factories.staff(place, "colleague", role="moderator")
    other.display_name = "陈主持"
    other.save(update_fields=["display_name"])
    url = f"/neighborhoods/{place.pk}/rooms/new/"
    form = client_for(chair).get(url)
    assert form.status_code == 200
    assert "陈主持" in text_of(form)  # a co-chair to choose
    assert "10 到 3600" in text_of(form)  # the bounds of a speech, in words
    response = client_for(chair).post(
        url,
        {
            "title": "垃圾箱搬到哪里",
            "description": "",
            "preset": "nantang",
            "speech_seconds": "45",
            "speeches_per_motion": "1",
            "off_topic_warnings": "3",
            "slow_mode_seconds": "",
            "agenda": "搬迁地点\n\n  费用  \n",
            "co_chair": str(other.pk),
        },
    )
    room = Room.objects.get(title="垃圾箱搬到哪里")
    assert response.status_code == 302
    assert response["Location"] == f"/rooms/{room.pk}/"
    state = state_of(room)
    assert (state.rules.speech_seconds, state.rules.speeches_per_motion) == (45, 1)
    assert state.rules.off_topic_warnings == 3
    assert state.rules.slow_mode_seconds == 0  # the preset's default
    assert state.agenda == ("搬迁地点", "费用")
    assert (state.chair, state.co_chair) == (chair.pk, other.pk)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"title": ""}, "该字段是必填项"),
        ({"speech_seconds": "5"}, "10"),
        ({"speech_seconds": "abc"}, "整数"),
        ({"preset": "anarchy"}, "选择"),
        ({"co_chair": "999999"}, "选择"),
        ({"agenda": "\n".join(f"第{i}项" for i in range(25))}, "议程最多 20 项"),
        ({"title": "\x00"}, ""),
    ],
)
def test_a_bad_new_room_form_is_shown_again_with_why(hall, fields: dict, words: str) -> None:
    data = {"title": "议事", "preset": "nantang", **fields}
    response = client_for(hall["chair"]).post(f"/neighborhoods/{hall['place'].pk}/rooms/new/", data)
    assert response.status_code == 400
    assert words in text_of(response)
    assert Room.objects.count() == 1


def test_a_free_discussion_room(hall) -> None:
    response = client_for(hall["chair"]).post(
        f"/neighborhoods/{hall['place'].pk}/rooms/new/",
        {"title": "随便聊聊", "preset": "free"},
    )
    room = Room.objects.get(title="随便聊聊")
    assert response.status_code == 302
    page = client_for(hall["a"]).get(f"/rooms/{room.pk}/")
    words = text_of(page)
    assert "自由讨论：人人可以发言，不需要发言权。" in words
    assert "慢速模式：每人每 30 秒最多发言一次。" in words
    assert not form_shown(page, "raise_hand")
    said = client_for(hall["a"]).post(f"/rooms/{room.pk}/do/speak/", {"text": "大家好"})
    assert said.status_code == 302
    again = client_for(hall["a"]).post(f"/rooms/{room.pk}/do/speak/", {"text": "再说一句"})
    assert again.status_code == 400
    assert "慢速模式：请稍等一会儿再发言。" in text_of(again)


# The room and the console -----------------------------------------------------------------------


def test_the_room_reads_its_rules_and_state_in_chinese(hall, outsider) -> None:
    room, a, b = hall["room"], hall["a"], hall["b"]
    do(a, room, "move", text="在3号楼前划出临时车位")
    page = client_for(b).get(f"/rooms/{room.pk}/")
    assert page.status_code == 200
    words = text_of(page)
    assert "每次发言不超过 120 秒。" in words
    assert "同意票多于反对票即通过；弃权不计；票数相同不通过。" in words
    assert "已动议，待附议" in words
    assert "在3号楼前划出临时车位" in words
    assert "第 1 项（共 2 项） 停车方案" in words
    assert 'id="console"' not in page.content.decode()
    assert f'data-stream="room.{room.pk}"' in page.content.decode()
    assert form_shown(page, "second")  # B may second
    mover = client_for(a).get(f"/rooms/{room.pk}/")
    assert not form_shown(mover, "second")  # not one's own motion
    assert form_shown(mover, "withdraw_motion")
    assert client_for(outsider).get(f"/rooms/{room.pk}/").status_code == 404
    assert client_for(a).get("/rooms/99999999999999999999999/").status_code == 404
    assert client_for(a).get("/rooms/424242/").status_code == 404


def test_the_console_is_the_chairs(hall) -> None:
    room, chair, a, b, c = hall["room"], hall["chair"], hall["a"], hall["b"], hall["c"]
    do(a, room, "move", text="划车位")
    do(b, room, "second")
    do(c, room, "raise_hand", side="con")
    do(a, room, "raise_hand", side="pro")
    page = client_for(chair).get(f"/rooms/{room.pk}/")
    html = page.content.decode()
    words = text_of(page)
    assert 'id="console"' in html
    assert "主持台" in words
    # The rules suggest C (the first to ask; neither has spoken yet).
    assert re.search(r"按规则下一位： 赵先生 反对", words)
    assert form_shown(page, "call_vote")
    assert "您是主持人，要保持中立" in words  # no move or speak box for a neutral chair
    assert not form_shown(page, "speak")
    assert client_for(chair).get(f"/rooms/{room.pk}/chair/")["Location"].endswith("#console")
    assert client_for(a).get(f"/rooms/{room.pk}/chair/").status_code == 403


def test_the_floor_shows_the_speaker_and_the_clock_frozen_while_paused(hall) -> None:
    room, chair, a, b = hall["room"], hall["chair"], hall["a"], hall["b"]
    do(a, room, "move", text="划车位")
    do(b, room, "second")
    do(a, room, "raise_hand", side="pro")
    do(chair, room, "give_floor", to=a.pk)
    page = client_for(a).get(f"/rooms/{room.pk}/")
    words = text_of(page)
    assert "张阿姨 赞成" in words
    assert re.search(r"data-countdown[^>]*>(2:00|1:59)<", page.content.decode())
    assert "您有发言权了，请发言。" in words
    do(chair, room, "pause")
    paused = client_for(b).get(f"/rooms/{room.pk}/")
    assert shown(paused, "data-floor-paused")
    assert shown(paused, "data-paused-badge")
    assert "主持人给您发言权后才能发言。" in text_of(paused)
    snap = selectors.snapshot(b, Room.objects.get(pk=room.pk))
    assert flags(snap) >= {"paused", "floor", "phase-debate", "hand-none", "point-none"}
    assert "my-floor" not in flags(snap)


def test_the_state_as_json_for_the_console(hall, outsider) -> None:
    room = hall["room"]
    response = client_for(hall["chair"]).get(f"/rooms/{room.pk}/state/")
    assert response.status_code == 200
    body = response.json()
    assert body["is_chair"] is True
    assert body["stream"] == f"room.{room.pk}"
    assert "seq" in body and "server_now" in body
    assert client_for(outsider).get(f"/rooms/{room.pk}/state/").status_code == 404


def test_the_state_carries_each_readers_flags_as_the_page_draws_them(hall) -> None:
    """room.js shows and hides controls by the server's flags only: the state URL answers
    the same flags as the page's data-flags, for each reader."""
    room, chair, a, b = hall["room"], hall["chair"], hall["a"], hall["b"]
    do(a, room, "move", text="划车位")
    for user in (chair, a, b):
        body = client_for(user).get(f"/rooms/{room.pk}/state/").json()
        page = client_for(user).get(f"/rooms/{room.pk}/").content.decode()
        drawn = re.search(r'id="room"[^>]*data-flags="([^"]*)"', page)
        assert drawn is not None
        assert body["flags"] == drawn.group(1).split()
    mover = client_for(a).get(f"/rooms/{room.pk}/state/").json()["flags"]
    other = client_for(b).get(f"/rooms/{room.pk}/state/").json()["flags"]
    assert "mover-moved" in mover and "can-second" not in mover
    assert "can-second" in other and "mover-moved" not in other


# Commands as plain POSTs ------------------------------------------------------------------------


def post(user, room: Room, action: str, data: dict | None = None):
    return client_for(user).post(f"/rooms/{room.pk}/do/{action}/", data or {})


def test_one_motion_to_its_result_without_javascript(hall) -> None:
    room, chair, a, b, c = hall["room"], hall["chair"], hall["a"], hall["b"], hall["c"]
    moved = post(a, room, "move", {"text": "划出5个临时车位"})
    assert moved.status_code == 302
    assert moved["Location"] == f"/rooms/{room.pk}/#room"
    assert post(b, room, "second").status_code == 302
    assert post(a, room, "raise_hand", {"side": "pro"}).status_code == 302
    assert post(c, room, "raise_hand", {"side": "con"}).status_code == 302
    given = post(chair, room, "give_floor", {"to": str(a.pk)})
    assert given["Location"].endswith("#console")
    refused = post(c, room, "speak", {"text": "我反对"})
    assert refused.status_code == 400
    assert "还没轮到您发言：请先举手，等主持人给您发言权。" in text_of(refused)
    assert ">我反对</textarea>" in refused.content.decode()  # what was typed is kept
    assert post(a, room, "speak", {"text": "先试行三个月"}).status_code == 302
    assert post(chair, room, "extend_time", {"seconds": "30"}).status_code == 302
    assert post(a, room, "yield_floor").status_code == 302
    assert post(chair, room, "give_floor", {"to": str(c.pk)}).status_code == 302
    assert post(c, room, "speak", {"text": "物业费太贵"}).status_code == 302
    number = Speech.objects.get(room=room, text="物业费太贵").number
    assert post(chair, room, "rule_off_topic", {"speech": str(number)}).status_code == 302
    ruled = client_for(a).get(f"/rooms/{room.pk}/")
    assert re.search(
        r'class="speech off-topic"[^>]*>.*?主持人裁定离题', ruled.content.decode(), re.S
    )
    assert post(chair, room, "end_speech").status_code == 302
    assert client_for(a).get(f"/rooms/{room.pk}/vote/").status_code == 204  # no vote yet
    assert post(chair, room, "call_vote").status_code == 302
    box = client_for(a).get(f"/rooms/{room.pk}/vote/")
    assert box.status_code == 200
    assert "同意" in text_of(box) and 'data-stream="ballot.' in box.content.decode()
    for person, choice in ((a, "yes"), (b, "yes"), (c, "no")):
        voted = client_for(person).post(f"/rooms/{room.pk}/vote/", {"choice": choice})
        assert voted.status_code == 302
    binding = RoomBallot.objects.get(room=room)
    assert Vote.objects.filter(ballot_id=binding.ballot_id).count() == 3
    assert post(chair, room, "announce_result").status_code == 302
    page = client_for(b).get(f"/rooms/{room.pk}/")
    words = text_of(page)
    assert "动议通过 ✓" in words
    assert "同意 2 · 反对 1 · 弃权 0" in words
    assert "已表决" in words
    assert "划出5个临时车位" in words  # what was decided, from its ballot
    assert post(chair, room, "next_item").status_code == 302
    assert state_of(room).item == 1


@pytest.mark.parametrize(
    ("who", "action", "data", "status", "words"),
    [
        ("a", "second", {}, 400, "没有动议不讨论：请先提出动议。"),
        ("a", "move", {"text": "   "}, 400, "请写下动议内容。"),
        ("a", "move", {"text": "x" * 501}, 400, "500"),
        ("a", "speak", {}, 400, "请写下您的发言。"),
        ("a", "raise_hand", {"side": "left"}, 400, "请选择赞成、反对或中立。"),
        ("chair", "give_floor", {"to": "abc"}, 400, "请选择一个人。"),
        ("chair", "give_floor", {}, 400, "请选择一个人。"),
        ("chair", "give_floor", {"to": "99999999999999999999999"}, 400, "请选择一个人。"),
        ("chair", "extend_time", {"seconds": ""}, 400, "请填写整数。"),
        ("chair", "rule_off_topic", {"speech": "-1"}, 400, "请填写整数。"),
        ("chair", "rule_off_topic", {"speech": "7"}, 400, "当前议题下没有这条发言。"),
        ("a", "give_floor", {"to": "1"}, 400, "只有主持人可以这样做。"),
        ("chair", "move", {"text": "主持人也想动议"}, 400, "主持人保持中立"),
        ("chair", "name_co_chair", {"to": ""}, 302, ""),
        ("a", "react", {"emoji": "💩"}, 400, "没有这个表情。"),
        ("a", "react", {"emoji": "👍"}, 302, ""),
        ("a", "react", {}, 400, "没有这个表情。"),
        ("a", "close", {}, 403, "您在此处的角色无权进行此操作"),
    ],
)
def test_bad_commands_come_back_with_the_rules_words(
    hall, who, action, data, status, words
) -> None:
    response = post(hall[who], hall["room"], action, data)
    assert response.status_code == status
    if words:
        assert words in text_of(response)
    if status >= 400:
        assert "data-page-error>" in response.content.decode()


def test_unknown_commands_strangers_and_gets_are_refused(hall, outsider) -> None:
    room = hall["room"]
    assert post(hall["a"], room, "dance").status_code == 404
    assert post(outsider, room, "move", {"text": "x"}).status_code == 404
    assert client_for(hall["a"]).get(f"/rooms/{room.pk}/do/move/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(hall["a"])
    assert strict.post(f"/rooms/{room.pk}/do/move/", {"text": "x"}).status_code == 403
    assert state_of(room).motions == ()


def test_a_member_who_may_not_take_part_reads_only(hall) -> None:
    admin = factories.admin(hall["place"].subdistrict, "district_admin")
    page = client_for(admin).get(f"/rooms/{hall['room'].pk}/")
    assert page.status_code == 200
    assert not form_shown(page, "move")
    assert not form_shown(page, "speak")
    refused = post(admin, hall["room"], "move", {"text": "我来动议"})
    assert refused.status_code == 403
    assert "只有实名认证的居民和居委会可以参加议事。" in text_of(refused)


def test_closing_a_room(hall) -> None:
    room, chair, a = hall["room"], hall["chair"], hall["a"]
    closed = post(chair, room, "close")
    assert closed.status_code == 302
    assert Room.objects.get(pk=room.pk).status == "closed"
    page = client_for(a).get(f"/rooms/{room.pk}/")
    assert page.status_code == 200
    assert shown(page, "data-closed-note")
    assert not form_shown(page, "move")
    late = post(a, room, "move", {"text": "还想动议"})
    assert late.status_code == 400
    assert "本议事厅已关闭。" in text_of(late)
    assert post(chair, room, "close").status_code == 400


def test_a_vote_without_javascript_refuses_what_is_not_a_choice(hall) -> None:
    room, chair, a, b = hall["room"], hall["chair"], hall["a"], hall["b"]
    nothing = client_for(a).post(f"/rooms/{room.pk}/vote/", {"choice": "yes"})
    assert nothing.status_code == 400
    assert "现在没有表决。" in text_of(nothing)
    do(a, room, "move", text="划车位")
    do(b, room, "second")
    do(chair, room, "call_vote")
    odd = client_for(a).post(f"/rooms/{room.pk}/vote/", {"choice": "maybe"})
    assert odd.status_code == 400
    assert client_for(a).post(f"/rooms/{room.pk}/vote/", {}).status_code == 400
    # The chair (a moderator, not a resident) sees the count but has no vote.
    box = client_for(chair).get(f"/rooms/{room.pk}/vote/")
    assert box.status_code == 200
    assert "vote-yes" not in box.content.decode()
    assert "vote-button" not in box.content.decode()


def test_an_amendment_has_its_own_vote_and_then_the_motion_goes_on(hall) -> None:
    room, chair, a, b = hall["room"], hall["chair"], hall["a"], hall["b"]
    do(a, room, "move", text="清理楼道堆物")
    do(b, room, "second")
    page = client_for(b).get(f"/rooms/{room.pk}/")
    assert shown(page, 'data-need="amendable"')
    assert post(b, room, "amend", {"text": "先通知一周"}).status_code == 302
    do(a, room, "second")
    do(chair, room, "call_vote")
    box = client_for(a).get(f"/rooms/{room.pk}/vote/")
    amendment_ballot = RoomBallot.objects.get(room=room, motion=2).ballot
    assert f'data-stream="ballot.{amendment_ballot.pk}"' in box.content.decode()
    client_for(a).post(f"/rooms/{room.pk}/vote/", {"choice": "yes"})
    do(chair, room, "announce_result")
    assert client_for(a).get(f"/rooms/{room.pk}/vote/").status_code == 204
    words = text_of(client_for(a).get(f"/rooms/{room.pk}/"))
    assert "已附议·辩论中" in words
    html = client_for(a).get(f"/rooms/{room.pk}/").content.decode()
    motions = html[html.index("data-motions") : html.index("data-result-box")]
    assert "清理楼道堆物" in motions
    assert "先通知一周" not in motions  # decided: it is no longer on the floor
