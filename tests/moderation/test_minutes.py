"""The minutes (会议纪要): built from a scripted room's log, shown as a printable page, posted
to the neighborhood board once.

The room runs through the real services; the services' clock is replaced by one the test
moves, so every duration in the minutes is known to the second.
"""

from __future__ import annotations

import html as html_module
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import User
from core.errors import DomainError, Forbidden, NotFound
from forum.models import Post, Topic
from moderation import minutes as minutes_module
from moderation.minutes import LogRow, build_minutes, chunks, compose, minutes_post, to_markdown
from moderation.models import Room, RoomBallot
from moderation.procedure import commands as cmd
from moderation.procedure import events as ev
from moderation.procedure.codes import RuleViolation
from moderation.procedure.engine import decide
from moderation.procedure.events import event_data
from moderation.procedure.presets import rules_for
from moderation.procedure.snapshot import state_from_data
from moderation.procedure.state import new_room
from moderation.rooms import services
from realtime.models import Event
from tests import factories
from voting import services as voting

pytestmark = pytest.mark.django_db

T0 = 1_700_000_000.0  # the scripted meeting's clock starts here (epoch seconds)


class Clock:
    """Stands in for the `time` module of moderation.rooms.services: `time()` is now."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def at(self, offset: float) -> None:
        self.now = T0 + offset


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock(T0)
    monkeypatch.setattr(services, "time", fake)
    return fake


def do(user: Any, room: Room, action: str, **data: Any) -> services.Outcome:
    return services.room_command(user=user, room_id=room.pk, action=action, data=data)


def rename(user: User, public: str) -> User:
    """Neighbors know this person by `public`; the ledger keeps their real name."""
    User.objects.filter(pk=user.pk).update(display_name=public)
    user.refresh_from_db()
    return user


@dataclass
class Meeting:
    place: Any
    chair: User
    second_chair: User
    a: User  # mover of the motion
    b: User  # seconder, moves the amendment
    c: User  # speaks against
    room: Room


REAL_NAMES = ("张三丰", "李四海", "王五岳")


def convene() -> Meeting:
    place = factories.neighborhood("昌里第五")
    chair = rename(factories.staff(place, "chair", role="moderator"), "主持人周")
    second = rename(factories.staff(place, "deputy"), "副主持钱")
    a, b, c = (
        rename(factories.resident(place, name=real), public)
        for real, public in zip(REAL_NAMES, ("三号楼老张", "李阿姨", "小王"), strict=True)
    )
    room = services.room_create(
        actor=chair,
        neighborhood_id=place.pk,
        title="小区停车议事",
        description="关于3号楼前停车的讨论",
        agenda=["停车方案", "垃圾分类时间"],
    )
    return Meeting(place, chair, second, a, b, c, room)


def vote(room: Room, motion: int, choices: dict[User, str]) -> None:
    ballot = RoomBallot.objects.get(room=room, motion=motion).ballot_id
    for person, choice in choices.items():
        voting.ballot_cast(user=person, ballot_id=ballot, choice=[choice])


def run_meeting(clock: Clock) -> Meeting:
    """One motion with one amendment, from moving to result, then the next item."""
    m = convene()
    room, chair, a, b, c = m.room, m.chair, m.a, m.b, m.c
    do(a, room, "move", text="在3号楼前划定临时车位")
    do(b, room, "second")
    do(a, room, "raise_hand", side="pro")
    do(c, room, "raise_hand", side="con")
    clock.at(10)
    do(chair, room, "give_floor", to=a.pk)
    clock.at(20)
    do(a, room, "speak", text="车位不够，先试行")
    clock.at(70)
    do(a, room, "yield_floor")  # 60 s on the floor
    clock.at(100)
    do(chair, room, "give_floor", to=c.pk)
    clock.at(110)
    off = do(c, room, "speak", text="说点别的：物业费太贵")
    do(chair, room, "rule_off_topic", speech=off.speech.number)  # type: ignore[union-attr]
    do(chair, room, "extend_time", seconds=30)
    services.room_tick(room.pk, now=T0 + 100 + 120 + 30 + 5)  # the clock ends it: 150 s
    clock.at(300)
    do(b, room, "point_of_order")
    do(chair, room, "give_floor", to=b.pk)
    clock.at(305)
    do(b, room, "speak", text="请回到议题")
    clock.at(320)
    do(chair, room, "end_speech")  # 20 s
    clock.at(400)
    do(b, room, "amend", text="试行三个月")
    do(c, room, "second")
    do(c, room, "raise_hand", side="con")
    clock.at(410)
    do(chair, room, "give_floor", to=c.pk)
    clock.at(440)
    do(chair, room, "pause")  # 30 s spoken, the clock stops
    clock.at(740)
    do(chair, room, "resume")
    clock.at(755)
    do(c, room, "speak", text="三个月太短")
    do(c, room, "yield_floor")  # 45 s on the floor, the 300 s pause not counted
    clock.at(800)
    do(chair, room, "call_vote")
    amendment = state_from_data(Room.objects.get(pk=room.pk).state).top
    assert amendment is not None
    vote(room, amendment.id, {a: "yes", b: "yes", c: "no"})
    do(chair, room, "announce_result")
    clock.at(900)
    do(chair, room, "call_vote")
    vote(room, 1, {a: "yes", b: "no", c: "abstain"})  # a tie fails
    do(chair, room, "announce_result")
    do(chair, room, "name_co_chair", to=m.second_chair.pk)
    do(chair, room, "hand_over_chair", to=m.second_chair.pk)
    do(m.second_chair, room, "next_item")
    m.room = Room.objects.get(pk=room.pk)
    return m


# The builder ---------------------------------------------------------------------------


def test_minutes_of_one_motion_with_an_amendment(clock: Clock) -> None:
    m = run_meeting(clock)
    minutes = build_minutes(m.room)
    assert (minutes.title, minutes.neighborhood, minutes.preset) == (
        "小区停车议事",
        "昌里第五",
        "nantang",
    )
    assert minutes.chair_name == "主持人周"
    first, second = minutes.items
    assert (first.number, first.title, first.reached) == (1, "停车方案", True)
    assert (second.title, second.reached) == ("垃圾分类时间", True)
    [motion] = first.motions
    assert (motion.id, motion.text, motion.mover_name, motion.seconder_name) == (
        1,
        "在3号楼前划定临时车位",
        "三号楼老张",
        "李阿姨",
    )
    # Who spoke on which side, for how long, and how each floor ended.
    turns = [(t.name, t.side, t.seconds, t.end_reason, t.extensions) for t in motion.turns]
    assert turns == [
        ("三号楼老张", "pro", 60, "yielded", []),
        ("小王", "con", 150, "time", [30]),
    ]
    assert motion.turns[0].allotted == 120
    assert [s.text for s in motion.turns[0].speeches] == ["车位不够，先试行"]
    assert motion.turns[1].speeches[0].off_topic
    assert motion.turns[1].off_topic
    [ruling] = motion.rulings
    assert (ruling.kind, ruling.name, ruling.speech, ruling.warnings) == ("off_topic", "小王", 2, 1)
    # The point of order, heard, and how long it took.
    [point] = motion.points_of_order
    assert (point.name, point.outcome) == ("李阿姨", "heard")
    assert point.turn is not None
    assert (point.turn.kind, point.turn.seconds, point.turn.end_reason) == ("order", 20, "chair")
    assert [s.text for s in point.turn.speeches] == ["请回到议题"]
    # The amendment: moved, seconded, debated with a pause that does not count, adopted.
    [amendment] = motion.amendments
    assert (amendment.amends, amendment.text, amendment.mover_name, amendment.seconder_name) == (
        1,
        "试行三个月",
        "李阿姨",
        "小王",
    )
    assert [(t.name, t.side, t.seconds) for t in amendment.turns] == [("小王", "con", 45)]
    assert [n.kind for n in amendment.notes] == ["paused", "resumed"]
    assert amendment.notes[0].reason == "chair"
    assert amendment.vote is not None
    assert (amendment.vote.ayes, amendment.vote.noes, amendment.vote.abstentions) == (2, 1, 0)
    assert (amendment.vote.passed, amendment.outcome) == (True, "passed")
    assert motion.adopted == [amendment.id]
    # The main motion's vote: a tie fails, abstentions not counted; the bound ballot.
    assert motion.vote is not None
    assert (motion.vote.ayes, motion.vote.noes, motion.vote.abstentions) == (1, 1, 1)
    assert (motion.vote.passed, motion.outcome) == (False, "failed")
    assert motion.vote.ballot == RoomBallot.objects.get(room=m.room, motion=1).ballot_id
    assert (
        amendment.vote.ballot == RoomBallot.objects.get(room=m.room, motion=amendment.id).ballot_id
    )
    # The chair's changes after the vote, on the item (no motion was pending).
    assert [(n.kind, n.name) for n in first.notes] == [
        ("co_chair_named", "副主持钱"),
        ("chair_changed", "副主持钱"),
    ]
    assert first.notes[1].previous_name == "主持人周"
    assert first.notes[1].reason == "handed_over"
    # In the order of the log: speech, speech, ruling, point of order.
    kinds = [e.entry for e in motion.proceedings]
    assert kinds == ["turn", "turn", "ruling", "point"]
    assert motion.sides == [("赞成", 1, "1分0秒"), ("反对", 1, "2分30秒")]


def test_minutes_show_public_names_never_real_ones(clock: Clock) -> None:
    m = run_meeting(clock)
    text = to_markdown(build_minutes(m.room))
    for public in ("三号楼老张", "李阿姨", "小王", "主持人周"):
        assert public in text
    for real in REAL_NAMES:
        assert real not in text


def test_a_free_room_lists_each_speech(clock: Clock) -> None:
    m = convene()
    room = services.room_create(
        actor=m.chair, neighborhood_id=m.place.pk, title="闲聊", preset="free"
    )
    do(m.a, room, "speak", text="大家好")
    clock.at(40)
    do(m.b, room, "speak", text="楼道灯坏了")
    do(m.chair, room, "rule_off_topic", speech=2)
    item = build_minutes(Room.objects.get(pk=room.pk)).items[0]
    assert item.title == ""
    assert [(t.kind, t.name, t.seconds, [s.text for s in t.speeches]) for t in item.turns] == [
        ("free", "三号楼老张", None, ["大家好"]),
        ("free", "李阿姨", None, ["楼道灯坏了"]),
    ]
    assert item.turns[1].off_topic
    assert [r.name for r in item.rulings] == ["李阿姨"]


def test_withdrawn_and_lapsed_motions_and_unheard_points(clock: Clock) -> None:
    m = convene()
    room = m.room
    do(m.a, room, "move", text="装一个快递柜")
    do(m.a, room, "withdraw_motion")
    do(m.b, room, "move", text="换掉物业")
    do(m.chair, room, "withdraw_motion")  # nobody seconded: the chair lets it lapse
    do(m.c, room, "point_of_order")
    do(m.a, room, "point_of_order")
    do(m.a, room, "withdraw_point")
    do(m.chair, room, "next_item")
    first, second = build_minutes(Room.objects.get(pk=room.pk)).items
    assert [(x.text, x.outcome, x.vote) for x in first.motions] == [
        ("装一个快递柜", "withdrawn", None),
        ("换掉物业", "lapsed", None),
    ]
    assert [(p.name, p.outcome) for p in first.points_of_order] == [
        ("小王", "not_heard"),
        ("三号楼老张", "withdrawn"),
    ]
    assert second.reached
    assert not second.motions


def test_an_agenda_item_not_reached_and_a_pending_motion(clock: Clock) -> None:
    m = convene()
    do(m.a, m.room, "move", text="划车位")
    do(m.b, m.room, "second")
    do(m.a, m.room, "raise_hand", side="pro")
    do(m.chair, m.room, "give_floor", to=m.a.pk)
    minutes = build_minutes(Room.objects.get(pk=m.room.pk))
    [motion] = minutes.items[0].motions
    assert motion.outcome == "pending"
    [turn] = motion.turns
    assert (turn.seconds, turn.end_reason, turn.ended_at) == (None, None, None)  # still speaking
    assert not minutes.items[1].reached
    assert "未讨论" in to_markdown(minutes)


def test_the_chair_away_pauses_and_the_speaker_keeps_time(clock: Clock) -> None:
    """The chair's last socket leaving pauses the room: that time is not the speaker's."""
    m = convene()
    do(m.a, m.room, "move", text="划车位")
    do(m.b, m.room, "second")
    do(m.a, m.room, "raise_hand", side="pro")
    services.presence(m.chair, m.room.pk, 1)
    do(m.chair, m.room, "give_floor", to=m.a.pk)
    clock.at(50)
    services.presence(m.chair, m.room.pk, -1)
    clock.at(650)
    services.presence(m.chair, m.room.pk, 1)
    clock.at(660)
    do(m.a, m.room, "yield_floor")
    minutes = build_minutes(Room.objects.get(pk=m.room.pk))
    [motion] = minutes.items[0].motions
    assert [t.seconds for t in motion.turns] == [60]
    assert [n.kind for n in motion.notes] == ["chair_away", "paused", "chair_back", "resumed"]
    assert minutes.present == ["主持人周"]


def test_compose_reads_only_its_arguments() -> None:
    """The builder as a function of the log: a hand-written log, no database."""
    at = timezone.now()
    log = [
        LogRow(1, "motion.moved", {"motion": 1, "user": 7, "text": "修车棚", "amends": None}, at),
        LogRow(2, "motion.seconded", {"motion": 1, "user": 8}, at),
        LogRow(3, "hand.raised", {"user": 8, "side": "con", "motion": 1}, at),
        LogRow(
            4,
            "floor.given",
            {
                "user": 8,
                "kind": "speech",
                "motion": 1,
                "side": "con",
                "at": 100.0,
                "ends_at": 220.0,
            },
            at,
        ),
        LogRow(
            5, "speech.posted", {"speech": 1, "user": 8, "motion": 1, "length": 4, "at": 110.0}, at
        ),
        LogRow(6, "speech.ended", {"user": 8, "reason": "yielded", "at": 130.4}, at),
        LogRow(7, "vote.called", {"motion": 1}, at),
        LogRow(
            8,
            "vote.result",
            {"motion": 1, "ayes": 3, "noes": 3, "abstentions": 5, "passed": False},
            at,
        ),
    ]
    [item] = compose(
        log=log,
        agenda=[],
        speeches={1: ("太贵了", False)},
        ballots={1: 42},
        names={7: "老李", 8: "老赵"},
    )
    [motion] = item.motions
    assert (motion.mover_name, motion.seconder_name, motion.outcome) == ("老李", "老赵", "failed")
    assert [(t.seconds, t.speeches[0].text) for t in motion.turns] == [(30, "太贵了")]
    assert motion.vote is not None
    assert (motion.vote.ballot, motion.vote.passed) == (42, False)


def test_long_minutes_are_cut_between_lines() -> None:
    text = "\n".join(f"- 第{i}行" + "字" * 90 for i in range(200))
    pieces = chunks(text, limit=1000)
    assert all(len(p) <= 1000 for p in pieces)
    assert "\n".join(pieces).split("\n") == text.split("\n")
    assert chunks("x" * 2500, limit=1000) == ["x" * 1000, "x" * 1000, "x" * 500]


# The page --------------------------------------------------------------------------------


def client_for(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def text_of(response: Any) -> str:
    html = response.content.decode()
    html = html[html.find("</header>") :]
    return html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_the_printable_page(clock: Clock) -> None:
    m = run_meeting(clock)
    services.room_close(actor=m.chair, room_id=m.room.pk)
    answer = client_for(m.a).get(f"/rooms/{m.room.pk}/minutes/")
    assert answer.status_code == 200
    page = text_of(answer)
    html = answer.content.decode()
    for words in (
        "会议纪要",
        "小区停车议事",
        "议程 1：停车方案",
        "动议 1",
        "在3号楼前划定临时车位",
        "三号楼老张",
        "李阿姨",
        "1分0秒",  # a's 60 s
        "2分30秒",  # c's 150 s with the extension
        "延时 30 秒",
        "被裁定离题",
        "秩序问题",
        "暂停",
        "修正案 2",
        "试行三个月",
        "2 票赞成，1 票反对，0 票弃权",
        "未通过",
        "副主持钱",
    ):
        assert words in page, words
    for real in REAL_NAMES:
        assert real not in page
    assert "data-print" in html
    assert "minutes.css" in html
    assert "<script>" not in html and "style=" not in html  # strict CSP
    # A resident sees no form to post to the board.
    assert f"/rooms/{m.room.pk}/minutes/post/" not in html


def test_the_page_is_for_members_only(clock: Clock) -> None:
    m = convene()
    outsider = factories.resident(factories.neighborhood("云台第一"), name="赵大海")
    assert client_for(outsider).get(f"/rooms/{m.room.pk}/minutes/").status_code == 404
    assert client_for(m.a).get("/rooms/99999999999999999999/minutes/").status_code == 404
    anonymous = Client().get(f"/rooms/{m.room.pk}/minutes/")
    assert anonymous.status_code == 302
    assert "/login/" in anonymous["Location"]


def test_the_page_of_an_open_room_says_so(clock: Clock) -> None:
    m = convene()
    page = text_of(client_for(m.chair).get(f"/rooms/{m.room.pk}/minutes/"))
    assert "议事厅仍在进行" in page
    assert "未讨论" in page  # no agenda item reached beyond the first


# Posting to the board -------------------------------------------------------------------


def test_post_the_minutes_once(clock: Clock) -> None:
    m = run_meeting(clock)
    board = factories.board(m.place, "议事公告")
    factories.board(m.place, "邻里互助")
    staff = factories.staff(m.place, "poster")
    services.room_close(actor=m.chair, room_id=m.room.pk)
    topic = minutes_post(actor=staff, room_id=m.room.pk)
    assert topic.board_id == board.pk  # the neighborhood's first board
    assert topic.title == "会议纪要：小区停车议事"
    body = "\n".join(p.body for p in Post.objects.filter(topic=topic).order_by("pk"))
    assert "在3号楼前划定临时车位" in body
    assert "三号楼老张" in body
    assert "说点别的" not in body  # the off-topic speech stays collapsed
    # On the board the Markdown is rendered (when posted): headings and lists, no raw "#".
    first = Post.objects.filter(topic=topic).order_by("pk")[0].body_html
    assert first.startswith("<h2>") and "<li>" in first and "# " not in first
    assert Room.objects.get(pk=m.room.pk).minutes_topic_id == topic.pk
    assert Event.objects.filter(stream=board.stream, type="topic.created").count() == 1
    with pytest.raises(DomainError) as again:
        minutes_post(actor=staff, room_id=m.room.pk)
    assert again.value.code == "minutes_posted"
    assert Topic.objects.count() == 1


def test_post_to_a_chosen_board_and_refusals(clock: Clock) -> None:
    m = convene()
    factories.board(m.place, "公告")
    chosen = factories.board(m.place, "议事")
    elsewhere = factories.board(factories.neighborhood("云台第一"), "别处")
    staff = factories.staff(m.place, "poster")

    def code(**kwargs: Any) -> str:
        with pytest.raises(DomainError) as caught:
            minutes_post(**kwargs)
        return caught.value.code

    assert code(actor=staff, room_id=m.room.pk) == "room_open"
    services.room_close(actor=m.chair, room_id=m.room.pk)
    assert code(actor=staff, room_id=m.room.pk, board_id=elsewhere.pk) == "not_found"
    assert code(actor=staff, room_id=m.room.pk, board_id=2**70) == "invalid_argument"
    assert code(actor=staff, room_id=m.room.pk, board_id="1") == "invalid_argument"
    with pytest.raises(Forbidden):
        minutes_post(actor=m.a, room_id=m.room.pk)  # a resident: no room.manage
    with pytest.raises(NotFound):
        minutes_post(actor=staff, room_id=10**9)
    assert Topic.objects.count() == 0
    topic = minutes_post(actor=staff, room_id=m.room.pk, board_id=chosen.pk)
    assert topic.board_id == chosen.pk


def test_no_board_to_post_to(clock: Clock) -> None:
    m = convene()
    services.room_close(actor=m.chair, room_id=m.room.pk)
    with pytest.raises(DomainError) as caught:
        minutes_post(actor=factories.staff(m.place), room_id=m.room.pk)
    assert caught.value.code == "no_board"


def test_a_moderator_chair_posts_the_minutes(clock: Clock) -> None:
    """A moderator has no voice on the boards of their own, but posting the minutes of a
    room they chaired is their role (room.manage) and the board takes it."""
    m = convene()
    factories.board(m.place)
    services.room_close(actor=m.chair, room_id=m.room.pk)
    topic = minutes_post(actor=m.chair, room_id=m.room.pk)
    assert Topic.objects.get() == topic
    assert Room.objects.get(pk=m.room.pk).minutes_topic_id == topic.pk


def test_long_minutes_go_on_in_replies(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    m = run_meeting(clock)
    factories.board(m.place)
    services.room_close(actor=m.chair, room_id=m.room.pk)
    real_chunks = minutes_module.chunks
    monkeypatch.setattr(minutes_module, "chunks", lambda text: real_chunks(text, limit=300))
    topic = minutes_post(actor=factories.staff(m.place), room_id=m.room.pk)
    posts = list(Post.objects.filter(topic=topic).order_by("pk"))
    assert len(posts) > 1
    assert all(len(p.body) <= 300 for p in posts)
    topic.refresh_from_db()
    assert topic.reply_count == len(posts) - 1


def test_the_post_button(clock: Clock) -> None:
    m = convene()
    board = factories.board(m.place)
    staff = factories.staff(m.place, "poster")
    services.room_close(actor=m.chair, room_id=m.room.pk)
    client = client_for(staff)
    page = client.get(f"/rooms/{m.room.pk}/minutes/").content.decode()
    assert f'action="/rooms/{m.room.pk}/minutes/post/"' in page
    answer = client.post(f"/rooms/{m.room.pk}/minutes/post/", {"board": str(board.pk)})
    topic = Topic.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/topics/{topic.pk}/"
    again = client.post(f"/rooms/{m.room.pk}/minutes/post/", {"board": str(board.pk)}, follow=True)
    assert "会议纪要已发布过" in text_of(again)
    assert Topic.objects.count() == 1
    page = client.get(f"/rooms/{m.room.pk}/minutes/").content.decode()
    assert f'href="/topics/{topic.pk}/"' in page
    # A resident's POST is refused with a message; a stranger's is a 404.
    refused = client_for(m.a).post(f"/rooms/{m.room.pk}/minutes/post/", follow=True)
    assert refused.status_code == 200
    stranger = factories.resident(factories.neighborhood(), name="路人")
    assert client_for(stranger).post(f"/rooms/{m.room.pk}/minutes/post/").status_code == 404
    assert client.get(f"/rooms/{m.room.pk}/minutes/post/").status_code == 405
    junk = client.post(f"/rooms/{m.room.pk}/minutes/post/", {"board": "x" * 40}, follow=True)
    assert junk.status_code == 200


# Any log the engine can write ------------------------------------------------------------

PEOPLE = (1, 2, 3, 4)  # 1 chairs first, 2 is the co-chair
# Commands by weight: the debate's often, the chair's interruptions now and then.
KINDS = (
    ["move"] * 3
    + ["second"] * 3
    + ["raise_hand"] * 5
    + ["give_floor"] * 5
    + ["speak"] * 4
    + ["yield_floor"] * 2
    + ["end_speech", "extend_time", "rule_off_topic", "amend", "amend"]
    + ["call_vote"] * 2
    + ["announce_result"] * 2
    + ["next_item", "withdraw_motion"]
    + ["withdraw_hand", "point_of_order", "withdraw_point", "pause", "resume", "tick"]
    + ["hand_over_chair", "take_chair", "chair_disconnected", "chair_returned"]
)


def _command(state: Any, kind: str, user: int, arg: int) -> Any:
    """A command of `kind`; the chair's commands come from whoever chairs now, and the
    floor goes to someone in the queue, so debates get somewhere."""
    chair = state.chair
    queue = [e.user for e in state.queue] or list(PEOPLE)
    make = {
        "move": lambda: cmd.Move(user, "动议"),
        "amend": lambda: cmd.Amend(user, "修正"),
        "second": lambda: cmd.Second(user),
        "withdraw_motion": lambda: cmd.WithdrawMotion(user if arg % 2 else chair),
        "raise_hand": lambda: cmd.RaiseHand(user, ("pro", "con", "neutral")[arg % 3]),
        "withdraw_hand": lambda: cmd.WithdrawHand(user),
        "point_of_order": lambda: cmd.PointOfOrder(user),
        "withdraw_point": lambda: cmd.WithdrawPoint(user),
        "give_floor": lambda: cmd.GiveFloor(chair, queue[arg % len(queue)]),
        "speak": lambda: cmd.Speak(state.floor.user if state.floor else user, 1 + arg),
        "yield_floor": lambda: cmd.YieldFloor(state.floor.user if state.floor else user),
        "end_speech": lambda: cmd.EndSpeech(chair),
        "extend_time": lambda: cmd.ExtendTime(chair, 1 + arg),
        "rule_off_topic": lambda: cmd.RuleOffTopic(chair, max(state.next_speech - 1 - arg % 3, 1)),
        "call_vote": lambda: cmd.CallVote(chair),
        "announce_result": lambda: cmd.AnnounceResult(chair, arg % 4, (arg // 4) % 4, arg % 2),
        "next_item": lambda: cmd.NextItem(chair),
        "pause": lambda: cmd.Pause(chair),
        "resume": lambda: cmd.Resume(chair),
        "hand_over_chair": lambda: cmd.HandOverChair(chair, PEOPLE[arg % len(PEOPLE)]),
        "take_chair": lambda: cmd.TakeChair(user),
        "chair_disconnected": lambda: cmd.ChairDisconnected(),
        "chair_returned": lambda: cmd.ChairReturned(),
        "tick": lambda: cmd.Tick(),
    }
    return make[kind]()


@settings(max_examples=150, deadline=None)
@given(
    preset=st.sampled_from(["nantang", "free"]),
    agenda=st.integers(0, 3),
    steps=st.lists(
        st.tuples(
            st.sampled_from(KINDS), st.sampled_from(PEOPLE), st.integers(0, 50), st.integers(0, 40)
        ),
        max_size=80,
    ),
)
def test_any_log_of_the_engine_makes_minutes(preset: str, agenda: int, steps: list[Any]) -> None:
    """Whatever the engine let happen, the minutes hold every motion, floor and speech once,
    decide each motion as its events did, and no turn outlasts its time."""
    state = new_room(
        rules_for(preset), 1, co_chair=2, agenda=tuple(f"议程{i}" for i in range(agenda))
    )
    now, log = T0, []
    for kind, user, arg, wait in steps:
        now += wait
        try:
            state, events = decide(state, _command(state, kind, user, arg), now)
        except RuleViolation:
            continue
        log += events
    at = timezone.now()
    rows = [LogRow(n, e.type, event_data(e), at) for n, e in enumerate(log, start=1)]
    items = compose(
        log=rows,
        agenda=list(state.agenda),
        speeches={e.speech: ("话", False) for e in log if isinstance(e, ev.SpeechPosted)},
        ballots={},
        names={p: f"邻居{p}" for p in PEOPLE},
    )
    motions = [m for item in items for m in item.motions]
    motions += [a for m in motions for a in m.amendments]
    holders = [*items, *motions]
    turns = [t for h in holders for t in h.turns]
    turns += [p.turn for h in holders for p in h.points_of_order if p.turn is not None]
    assert sorted(m.id for m in motions) == [e.motion for e in log if isinstance(e, ev.MotionMoved)]
    assert len(turns) == sum(isinstance(e, ev.FloorGiven) for e in log) + (
        sum(isinstance(e, ev.SpeechPosted) for e in log) if preset == "free" else 0
    )
    spoken = sorted(s.number for t in turns for s in t.speeches)
    assert spoken == [e.speech for e in log if isinstance(e, ev.SpeechPosted)]
    decided = {e.motion: e.passed for e in log if isinstance(e, ev.VoteResult)}
    withdrawn = {e.motion: e.reason for e in log if isinstance(e, ev.MotionWithdrawn)}
    for motion in motions:
        if motion.id in decided:
            assert motion.outcome == ("passed" if decided[motion.id] else "failed")
        elif motion.id in withdrawn:
            assert motion.outcome == withdrawn[motion.id]
        else:
            assert motion.outcome == "pending"
    for turn in turns:
        if turn.seconds is not None and turn.allotted is not None:
            assert 0 <= turn.seconds <= turn.allotted + sum(turn.extensions) + 1
    assert sum(i.reached for i in items) == 1 + sum(isinstance(e, ev.ItemBegan) for e in log)
