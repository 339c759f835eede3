"""Ballot pages through the Django test client (Chinese by default): who sees what, the
plain-POST paths that work without JavaScript, and the words of rules and results."""

from __future__ import annotations

import html as html_module
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from realtime.selectors import stream_head
from tests import factories
from tests.voting.scene import Scene, ballot, later, owner_living_elsewhere, scene
from voting import presenters, services, views
from voting.models import Ballot, Objection, PaperBallot, Proxy, SecretVote, Vote

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def text_of(response) -> str:
    """The page's visible words, tags stripped and whitespace squeezed."""
    html = response.content.decode()
    html = html[html.find("</header>") :]  # the messages and the page, not the nav
    return html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def elevator(s: Scene, **fields) -> Ballot:
    return ballot(s, matter="elevator", **fields)


def photo() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, format="JPEG")
    return SimpleUploadedFile("form.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def s() -> Scene:
    return scene(4)


@pytest.fixture
def secret_s() -> Scene:
    return scene(10)  # a secret ballot's smallest electorate


@pytest.fixture
def outsider():
    return factories.resident(factories.neighborhood("云台第一"), "outsider", name="赵大海")


# Helpers of words ------------------------------------------------------------------------


def test_percentages_read_like_the_issue_asks() -> None:
    assert presenters.percent(0.62) == "62%"
    assert presenters.percent(0.6667) == "66.7%"
    assert presenters.percent(2, 3) == "66.7%"
    assert presenters.percent(1, 0) == "0%"
    # A non-breaking space: a narrow phone never breaks "≥ 2/3" across two lines.
    assert presenters.share_text({"num": 2, "den": 3, "inclusive": True}) == "≥\u00a02/3"
    assert presenters.share_text({"num": 1, "den": 2, "inclusive": False}) == ">\u00a01/2"


# The list ----------------------------------------------------------------------------------


def test_the_list_shows_open_ballots_first_and_drafts_to_staff_only(s: Scene, outsider) -> None:
    closed = ballot(s, title="楼道灯改造")
    services.ballot_close(actor=s.staff, ballot_id=closed.pk, reason="test")
    opened = elevator(s)
    draft = ballot(s, title="草稿里的表决", open_now=False)
    url = f"/neighborhoods/{s.place.pk}/ballots/"

    staff_page = client_for(s.staff).get(url)
    assert staff_page.status_code == 200
    words = text_of(staff_page)
    assert "新建表决" in words and "草稿里的表决" in words
    assert words.index(opened.title) < words.index(closed.title)
    assert "进行中" in words and "已结束" in words

    resident_page = client_for(s.reps[0]).get(url)
    assert resident_page.status_code == 200
    words = text_of(resident_page)
    assert opened.title in words and "新建表决" not in words and draft.title not in words
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(outsider).get(f"/ballots/{opened.pk}/").status_code == 404
    assert client_for(s.reps[0]).get(f"/ballots/{draft.pk}/").status_code == 404


def test_the_header_and_the_committee_dashboard_lead_to_the_ballots(s: Scene) -> None:
    page = client_for(s.reps[0]).get("/ballots/", follow=True)
    assert page.redirect_chain[-1][0] == f"/neighborhoods/{s.place.pk}/ballots/"
    assert 'href="/ballots/"' in page.content.decode()
    dashboard = client_for(s.staff).get(f"/committee/{s.place.pk}/")
    assert f'href="/neighborhoods/{s.place.pk}/ballots/"' in dashboard.content.decode()
    assert "投票表决" in text_of(dashboard)


# The new-ballot form -------------------------------------------------------------------


def test_the_new_ballot_form_is_for_staff_and_prefills_from_the_matter(s: Scene, outsider) -> None:
    url = f"/neighborhoods/{s.place.pk}/ballots/new/"
    assert client_for(s.reps[0]).get(url).status_code == 404
    assert client_for(outsider).get(url).status_code == 404
    page = client_for(s.staff).get(url + "?matter=elevator")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<option value="owner" selected>' in html
    assert '<option value="art278_heavy" selected>' in html
    assert '<option value="building" selected>' in html
    assert "法律依据" in html and "第二百七十八条" in html
    assert "立即开始投票" in html and "保存为草稿" in html


def form_data(s: Scene, **changes) -> dict:
    data = {
        "matter": "elevator",
        "title": "3号楼加装电梯",
        "description": "加装一部电梯，费用按楼层分摊。",
        "method": "yes_no",
        "options": "",
        "min_choices": "1",
        "max_choices": "1",
        "voter_unit": "owner",
        "scope": "building",
        "building": str(s.building.pk),
        "units": "",
        "min_age": "18",
        "preset": "art278_heavy",
        "approval": "gt_1_2",
        "base": "cast",
        "measure": "heads",
        "quorum": "none",
        "quorum_measure": "heads",
        "visibility": "live",
        "proxy_limit": "1",
        "notice_days": "7",
        "closes_at": later(48).astimezone().strftime("%Y-%m-%dT%H:%M"),
        "open_now": "1",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_staff_open_an_elevator_ballot_for_one_building_from_the_form(s: Scene) -> None:
    staff = client_for(s.staff)
    response = staff.post(f"/neighborhoods/{s.place.pk}/ballots/new/", form_data(s))
    created = Ballot.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ballots/{created.pk}/"
    assert (created.status, created.matter, created.voter_unit) == ("open", "elevator", "owner")
    assert (created.building_id, created.preset) == (s.building.pk, "art278_heavy")
    assert created.electorate_heads == 4
    page = staff.get(response["Location"])
    assert "表决已开始" in text_of(page)


def test_a_draft_is_saved_then_opened_by_staff(s: Scene) -> None:
    staff = client_for(s.staff)
    data = form_data(s, matter="custom", voter_unit="household", preset="more_yes", open_now=None)
    data["draft"] = "1"
    response = staff.post(f"/neighborhoods/{s.place.pk}/ballots/new/", data)
    draft = Ballot.objects.get()
    assert response.status_code == 302 and draft.status == "draft"
    assert "立即开始投票" in text_of(staff.get(f"/ballots/{draft.pk}/"))
    assert client_for(s.reps[0]).post(f"/ballots/{draft.pk}/open/").status_code == 404
    staff.post(f"/ballots/{draft.pk}/open/")
    draft.refresh_from_db()
    assert draft.status == "open"


def test_a_custom_rule_and_a_list_of_flats_from_the_form(s: Scene) -> None:
    rooms = " ".join(f"{h.unit}-{h.room}" for h in s.houses[:2])
    data = form_data(
        s,
        matter="custom",
        method="single",
        options="方案一\n\n方案二\n方案三",
        voter_unit="household",
        scope="units",
        units=rooms,
        preset="custom",
        approval="ge_2_3",
        base="participants",
        measure="both",
        quorum="gt_1_2",
        quorum_measure="area",
    )
    response = client_for(s.staff).post(f"/neighborhoods/{s.place.pk}/ballots/new/", data)
    assert response.status_code == 302
    created = Ballot.objects.get()
    assert sorted(created.unit_ids) == sorted(h.pk for h in s.houses[:2])
    assert list(created.options.values_list("label", flat=True)) == ["方案一", "方案二", "方案三"]
    assert created.rule["approval"] == {"num": 2, "den": 3, "inclusive": True}
    assert (
        created.rule["by_area"] and created.rule["quorum_area"] and not created.rule["quorum_heads"]
    )
    words = text_of(client_for(s.reps[0]).get(f"/ballots/{created.pk}/"))
    assert "参与表决：专有部分面积占比 > 1/2" in words
    assert "选项当选：参与表决面积 ≥ 2/3 且 户数 ≥ 2/3" in words


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "该字段是必填项"),
        ({"matter": "custom", "method": "single", "options": "只有一个"}, "请至少填写两个选项"),
        ({"matter": "custom", "scope": "units", "units": "9-999"}, "不是这栋楼里的某一套房屋"),
        ({"closes_at": "2020-01-01T10:00"}, "截止时间已经过去"),
        ({"closes_at": "明天"}, "输入一个有效的日期/时间"),
    ],
)
def test_a_bad_form_says_why_in_chinese_and_creates_nothing(s: Scene, changes, message) -> None:
    response = client_for(s.staff).post(
        f"/neighborhoods/{s.place.pk}/ballots/new/", form_data(s, **changes)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Ballot.objects.exists()


# The ballot page -------------------------------------------------------------------------


def test_the_ballot_page_states_the_rule_the_turnout_and_carries_its_seq(s: Scene) -> None:
    b = elevator(s)
    services.ballot_cast(user=s.reps[1], ballot_id=b.pk, choice=["yes"])
    page = client_for(s.reps[0]).get(f"/ballots/{b.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-live-list data-stream="ballot.{b.pk}" data-seq="{stream_head(b.stream)}"' in html
    words = text_of(page)
    assert "参与表决：专有部分面积占比 ≥ 2/3 且 人数占比 ≥ 2/3" in words
    assert "通过：参与表决面积 ≥ 3/4 且 人数 ≥ 3/4" in words
    assert "投票人：3号楼，业主" in words
    assert "已参与 25% 人数 / 25% 面积，需 66.7%" in words
    assert "法律依据" in words and "第二百七十八条" in words
    # The voter's own slot: a radio per option and the plain-POST fallback of ballot.cast.
    assert 'data-action="ballot.cast"' in html and f'action="/ballots/{b.pk}/cast/"' in html
    assert html.count('type="radio" name="choice"') == 3
    assert "同意" in words and "反对" in words and "弃权" in words
    assert "委托他人代投" in words


def test_the_live_panel_is_the_pages_own_markup_as_the_reader_may_see_it(s: Scene) -> None:
    """live/ballot.js fetches the turnout, the tally and the result after an event: the same
    parts (data-part) the page renders, worded on the server."""

    def words(response) -> str:
        return html_module.unescape(
            re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
        )

    b = elevator(s, visibility="after_vote")
    services.ballot_cast(user=s.reps[1], ballot_id=b.pk, choice=["yes"])
    page = client_for(s.reps[0]).get(f"/ballots/{b.pk}/").content.decode()
    assert f'data-live-url="/ballots/{b.pk}/live/"' in page
    panel = client_for(s.reps[0]).get(f"/ballots/{b.pk}/live/")
    assert panel.status_code == 200
    html = panel.content.decode()
    assert f'data-stream="ballot.{b.pk}"' in html
    for part in ("result", "turnout", "tally", "tally-note"):
        assert f'data-part="{part}"' in html and f'data-part="{part}"' in page
    assert "25%" in words(panel)
    assert re.search(r'data-part="tally" hidden', html)  # not before one has voted
    services.ballot_cast(user=s.reps[0], ballot_id=b.pk, choice=["no"])
    voted = client_for(s.reps[0]).get(f"/ballots/{b.pk}/live/").content.decode()
    assert not re.search(r'data-part="tally" hidden', voted)
    assert 'data-part="tally-note"' not in voted
    assert "50%" in words(client_for(s.reps[0]).get(f"/ballots/{b.pk}/live/"))
    services.ballot_close(actor=s.staff, ballot_id=b.pk, reason="test")
    closed = words(client_for(s.reps[2]).get(f"/ballots/{b.pk}/live/"))
    assert "未通过" in closed and "公示至" in closed
    outsider = factories.resident(factories.neighborhood("云台第一"), "far", name="赵远")
    assert client_for(outsider).get(f"/ballots/{b.pk}/live/").status_code == 404


def test_someone_outside_the_electorate_reads_but_has_no_vote_form(s: Scene) -> None:
    b = elevator(s)
    tenant = factories.verified(factories.household_in(s.building, tenure="tenant"), "租客")
    page = client_for(tenant).get(f"/ballots/{b.pk}/")
    assert page.status_code == 200
    assert "您不在本次表决的投票人名单中" in text_of(page)
    assert 'name="choice"' not in page.content.decode()


def test_voting_by_plain_post_and_changing_it(s: Scene) -> None:
    b = elevator(s)
    voter = client_for(s.reps[0])
    response = voter.post(f"/ballots/{b.pk}/cast/", {"choice": "yes"})
    assert response.status_code == 302 and response["Location"].endswith("#my-vote")
    vote = Vote.objects.get(ballot=b)
    assert vote.choice == ["yes"]
    page = voter.get(f"/ballots/{b.pk}/")
    words = text_of(page)
    # Issue 17: a reload says which option was chosen, and the form has it ticked
    assert "您的投票已记录" in words and "您已投票： 同意 。 截止前可以修改。" in words
    assert 'value="yes" checked' in page.content.decode()
    assert "修改我的投票" in words
    voter.post(f"/ballots/{b.pk}/cast/", {"choice": "no"})
    vote.refresh_from_db()
    assert vote.choice == ["no"] and vote.revisions.count() == 2
    again = voter.get(f"/ballots/{b.pk}/")
    assert "您已投票： 反对 。" in text_of(again)
    assert 'value="no" checked' in again.content.decode()
    assert 'value="yes" checked' not in again.content.decode()


def test_a_refused_vote_says_why_and_writes_nothing(s: Scene) -> None:
    b = elevator(s)
    voter = client_for(s.reps[0])
    response = voter.post(f"/ballots/{b.pk}/cast/", {"choice": "maybe"})
    assert response.status_code == 400 and "不允许" in text_of(response)
    response = voter.post(f"/ballots/{b.pk}/cast/", {"choice": "yes", "elector": "x1"})
    assert response.status_code == 400
    assert not Vote.objects.exists()
    services.ballot_close(actor=s.staff, ballot_id=b.pk, reason="test")
    response = voter.post(f"/ballots/{b.pk}/cast/", {"choice": "yes"})
    assert response.status_code == 400 and "已结束" in text_of(response)
    assert not Vote.objects.exists()


def test_a_secret_vote_shows_its_receipt_once_and_prominently(secret_s: Scene) -> None:
    s = secret_s
    b = ballot(s, secret=True, title="楼组长选举")
    voter = client_for(s.reps[0])
    page = voter.post(f"/ballots/{b.pk}/cast/", {"choice": "yes"}, follow=True)
    receipt = SecretVote.objects.get().receipt
    words = text_of(page)
    assert "请记下您的回执码" in words and receipt in words
    assert 'class="code" data-receipt-code>' + receipt in page.content.decode()
    again = voter.get(f"/ballots/{b.pk}/")
    assert receipt not in again.content.decode()  # shown once only
    assert "您已投票" in text_of(again) and 'name="choice"' not in again.content.decode()
    # nothing can show a secret choice: the page says the receipt is the check
    assert (
        "您记下的回执码就是核对凭证" in text_of(again)
        and "同意" not in text_of(again).split("您的投票")[1].split("参与情况")[0]
    )


def test_a_secret_receipt_waits_in_the_voters_browser_not_in_their_session(secret_s: Scene) -> None:
    """The session row names the user: a receipt there would link them to their choice."""
    s = secret_s
    from django.contrib.sessions.models import Session

    b = ballot(s, secret=True)
    voter = client_for(s.reps[0])
    response = voter.post(f"/ballots/{b.pk}/cast/", {"choice": "yes"})
    receipt = SecretVote.objects.get().receipt
    assert response.status_code == 302
    cookie = response.cookies[views.RECEIPT_COOKIE % b.pk]
    assert cookie["httponly"] and cookie["path"] == f"/ballots/{b.pk}/"
    assert all(receipt not in str(row.get_decoded()) for row in Session.objects.all())
    # A forged cookie shows nothing; the real one is shown once and then deleted.
    other = client_for(s.reps[1])
    other.cookies[views.RECEIPT_COOKIE % b.pk] = "ABCDE-FGHJK"
    assert "ABCDE-FGHJK" not in other.get(f"/ballots/{b.pk}/").content.decode()
    # Someone else logging in on the same phone within the five minutes sees nothing.
    shared = client_for(s.reps[2])
    shared.cookies[views.RECEIPT_COOKIE % b.pk] = cookie.value
    assert receipt not in shared.get(f"/ballots/{b.pk}/").content.decode()
    page = voter.get(f"/ballots/{b.pk}/")
    assert receipt in page.content.decode()
    assert page.cookies[views.RECEIPT_COOKIE % b.pk].value == ""


def test_a_proxy_is_granted_used_by_the_delegate_and_revoked_by_plain_posts(s: Scene) -> None:
    b = ballot(s)
    a, d = s.reps[0], s.reps[1]
    # Issue 17: the delegate is found by name or address, not by their login name
    found = client_for(a).get(f"/ballots/{b.pk}/", {"who": d.display_name})
    html = found.content.decode()
    assert f'name="delegate_id" value="{d.pk}"' in html and d.username not in html
    assert d.residencies.get().household.address in text_of(found)
    response = client_for(a).post(
        f"/ballots/{b.pk}/proxy/", {"delegate_id": str(d.pk), "reason": "住院，不会用手机"}
    )
    assert response.status_code == 302
    proxy = Proxy.objects.get()
    assert proxy.delegate == d
    a_page = text_of(client_for(a).get(f"/ballots/{b.pk}/"))
    assert "您已委托" in a_page and "收回委托" in a_page
    d_page = client_for(d).get(f"/ballots/{b.pk}/")
    assert "受委托" in text_of(d_page)
    assert d_page.content.decode().count('name="elector" value=') >= 2
    client_for(a).post(f"/ballots/{b.pk}/proxy/{proxy.pk}/revoke/")
    proxy.refresh_from_db()
    assert proxy.revoked_at is not None
    # A name that is nobody's is refused with the service's message.
    bad = client_for(a).post(
        f"/ballots/{b.pk}/proxy/", {"delegate": "nobody-here", "reason": "出差"}, follow=True
    )
    assert "成年" in text_of(bad)
    assert Proxy.objects.count() == 1
    # The login name still works for a client that sends one (deprecated)
    client_for(s.reps[2]).post(
        f"/ballots/{b.pk}/proxy/", {"delegate": s.reps[3].username, "reason": "出差"}
    )
    assert Proxy.objects.filter(delegator=s.reps[2], delegate=s.reps[3]).exists()


# Close, result, 公示 and objections -------------------------------------------------------


def test_staff_close_and_the_result_and_its_notice_appear(s: Scene, outsider) -> None:
    b = elevator(s)
    for rep in s.reps[:3]:
        services.ballot_cast(user=rep, ballot_id=b.pk, choice=["yes"])
    assert client_for(s.reps[0]).post(f"/ballots/{b.pk}/close/").status_code == 404
    response = client_for(s.staff).post(f"/ballots/{b.pk}/close/", {"reason": "业主大会提前"})
    assert response.status_code == 302
    b.refresh_from_db()
    assert b.status == "closed"
    words = text_of(client_for(s.reps[3]).get(f"/ballots/{b.pk}/"))
    assert "表决通过 ✓" in words
    assert "✓ 达到 参与表决人数：3 / 4（75%），需 ≥ 2/3" in words
    assert "✓ 达到 参与表决面积：300.00 m² / 400.00 m²（75%），需 ≥ 2/3" in words
    assert "✓ 达到 同意人数：3 / 3（100%），需 ≥ 3/4" in words
    assert "公示至" in words and "提出异议" in words
    assert "投票明细" in words  # an open ballot shows who voted how after close
    assert 'name="choice"' not in words
    assert (
        "打印公示" in words
        and "/record.csv" in client_for(s.staff).get(f"/ballots/{b.pk}/").content.decode()
    )


def test_an_owner_living_elsewhere_reads_the_closed_ballot_and_its_notice(s: Scene) -> None:
    landlord, owner = owner_living_elsewhere(s)
    b = ballot(s, voter_unit="owner", preset="art278_ordinary")
    services.ballot_cast(user=landlord, ballot_id=b.pk, choice="yes")
    services.ballot_close(actor=s.staff, ballot_id=b.pk, reason="test")
    response = client_for(landlord).get(f"/ballots/{b.pk}/")
    assert response.status_code == 200
    assert "公示至" in text_of(response)


def test_a_ballot_that_misses_its_quorum_says_so(s: Scene) -> None:
    b = elevator(s)
    services.ballot_cast(user=s.reps[0], ballot_id=b.pk, choice=["yes"])
    services.ballot_close(actor=s.staff, ballot_id=b.pk, reason="test")
    words = text_of(client_for(s.reps[1]).get(f"/ballots/{b.pk}/"))
    assert "未通过" in words and "表决无效" in words
    assert "✗ 未达到 参与表决人数：1 / 4（25%），需 ≥ 2/3" in words


def test_objections_are_filed_by_residents_and_answered_by_staff(s: Scene) -> None:
    b = ballot(s)
    services.ballot_cast(user=s.reps[0], ballot_id=b.pk, choice=["yes"])
    services.ballot_close(actor=s.staff, ballot_id=b.pk, reason="test")
    resident = client_for(s.reps[1])
    response = resident.post(f"/ballots/{b.pk}/objections/", {"text": "我家没有收到通知。"})
    assert response.status_code == 302 and response["Location"].endswith("#objections")
    objection = Objection.objects.get()
    assert (
        client_for(s.reps[2])
        .post(f"/ballots/{b.pk}/objections/{objection.pk}/answer/", {"answer": "x"})
        .status_code
        == 404
    )
    staff = client_for(s.staff)
    assert "发布答复" in text_of(staff.get(f"/ballots/{b.pk}/"))
    staff.post(f"/ballots/{b.pk}/objections/{objection.pk}/answer/", {"answer": "已补发通知。"})
    words = text_of(resident.get(f"/ballots/{b.pk}/"))
    assert "我家没有收到通知。" in words and "已补发通知。" in words and "居委会答复" in words
    empty = resident.post(f"/ballots/{b.pk}/objections/", {"text": "   "}, follow=True)
    assert "请写下您的异议" in text_of(empty)
    assert Objection.objects.count() == 1


def test_the_printable_record_after_close_only(s: Scene, outsider) -> None:
    b = elevator(s)
    url = f"/ballots/{b.pk}/record/"
    assert client_for(s.reps[0]).get(url).status_code == 404
    for rep in s.reps[:3]:
        services.ballot_cast(user=rep, ballot_id=b.pk, choice=["yes"])
    services.ballot_cast(user=s.reps[3], ballot_id=b.pk, choice=["no"])
    services.ballot_close(actor=s.staff, ballot_id=b.pk, reason="test")
    assert client_for(outsider).get(url).status_code == 404
    page = client_for(s.reps[0]).get(url)
    assert page.status_code == 200
    words = text_of(page)
    assert "表决结果公示" in words and "3号楼加装电梯" in words
    assert "同意 3 (75%) 300.00 m²" in words and "反对 1 (25%) 100.00 m²" in words
    assert "同意人数：3 / 4（75%），需 ≥ 3/4 ✓" not in words  # the record has no ticks
    assert "同意人数：3 / 4（75%），需 ≥ 3/4 — 达到" in words
    assert "结果：表决通过" in words
    assert "data-print" in page.content.decode()


def test_receipts_of_a_secret_ballot_are_listed_after_close(secret_s: Scene) -> None:
    s = secret_s
    b = ballot(s, secret=True)
    codes = [
        services.ballot_cast(user=rep, ballot_id=b.pk, choice=["yes"]).receipt for rep in s.reps[:2]
    ]
    services.ballot_close(actor=s.staff, ballot_id=b.pk, reason="test")
    words = text_of(client_for(s.reps[3]).get(f"/ballots/{b.pk}/"))
    assert "全部回执码" in words and all(code in words for code in codes)
    assert "投票明细" not in words
    record = text_of(client_for(s.reps[3]).get(f"/ballots/{b.pk}/record/"))
    assert "无记名投票" in record and all(code in record for code in codes)
    assert "投票明细" not in record


# Paper ballots ---------------------------------------------------------------------------


def test_paper_ballots_are_entered_by_one_staff_member_and_confirmed_by_another(
    s: Scene,
) -> None:
    b = elevator(s)
    url = f"/ballots/{b.pk}/paper/"
    assert client_for(s.reps[0]).get(url).status_code == 404
    staff = client_for(s.staff)
    found = staff.get(url, {"q": s.houses[2].room})
    assert found.status_code == 200
    elector = b.electors.get(owner__ownerships__household=s.houses[2])
    assert f"elector={elector.pk}" in found.content.decode()
    chosen = staff.get(url, {"q": s.houses[2].room, "elector": elector.pk})
    assert "录入这张表决票" in text_of(chosen)
    entered = staff.post(url, {"elector": elector.pk, "choice": "yes", "photo": photo()})
    assert entered.status_code == 302
    paper = PaperBallot.objects.get()
    assert paper.status == "pending" and not Vote.objects.exists()
    # The one who entered it cannot confirm it; a colleague can, and then it counts.
    own = staff.post(f"/ballots/{b.pk}/paper/{paper.pk}/confirm/", follow=True)
    assert "纸质表决票需要由另一位工作人员复核确认" in text_of(own)
    paper.refresh_from_db()
    assert paper.status == "pending"
    colleague = client_for(s.staff2)
    queue = colleague.get(url)
    assert "等待复核" in text_of(queue) and "确认：与表决票一致" in text_of(queue)
    assert colleague.get(f"/ballots/{b.pk}/paper/{paper.pk}/photo/").status_code == 200
    assert client_for(s.reps[0]).get(f"/ballots/{b.pk}/paper/{paper.pk}/photo/").status_code == 404
    colleague.post(f"/ballots/{b.pk}/paper/{paper.pk}/confirm/")
    paper.refresh_from_db()
    assert paper.status == "confirmed"
    assert Vote.objects.get(elector=elector).area == Decimal("100.00")
    # The elector has voted on paper: online is refused and the list says so.
    assert "已纸质投票" in text_of(staff.get(url, {"q": s.houses[2].room}))


def test_a_paper_entry_without_a_photo_is_refused(s: Scene) -> None:
    b = elevator(s)
    elector = b.electors.first()
    response = client_for(s.staff).post(
        f"/ballots/{b.pk}/paper/", {"elector": elector.pk, "choice": "yes"}
    )
    assert response.status_code == 400 and "照片" in text_of(response)
    assert not PaperBallot.objects.exists()


# Bad input and forged requests ---------------------------------------------------------


def test_odd_input_is_a_clear_answer_never_a_500(s: Scene) -> None:
    b = elevator(s)
    voter, staff = client_for(s.reps[0]), client_for(s.staff)
    huge = "9" * 30
    cases = [
        (voter, "post", f"/ballots/{b.pk}/cast/", {"choice": "yes", "elector": huge}, 400),
        (voter, "post", f"/ballots/{b.pk}/cast/", {"choice": ["yes", "no"]}, 400),
        (voter, "post", f"/ballots/{b.pk}/cast/", {}, 400),
        (voter, "post", f"/ballots/{b.pk}/cast/", {"choice": "yes\x00"}, 400),
        (voter, "get", f"/ballots/{b.pk}/cast/", {}, 405),
        (voter, "get", f"/ballots/{huge}/", {}, 404),
        (voter, "get", "/ballots/99999/", {}, 404),
        (voter, "post", f"/ballots/{b.pk}/proxy/", {"delegate": "\x00", "reason": "\x00"}, 400),
        (voter, "post", f"/ballots/{b.pk}/proxy/999/revoke/", {}, 404),
        (voter, "post", f"/ballots/{b.pk}/objections/", {"text": "x"}, 302),
        (staff, "get", f"/ballots/{b.pk}/paper/", {"q": "\x00楼", "page": "abc"}, 400),
        (staff, "get", f"/ballots/{b.pk}/paper/", {"page": "9" * 40, "elector": huge}, 200),
        (staff, "post", f"/ballots/{b.pk}/paper/", {"elector": "abc", "choice": "yes"}, 400),
        (staff, "post", f"/ballots/{b.pk}/paper/999/confirm/", {}, 404),
        (staff, "post", f"/ballots/{b.pk}/objections/999/answer/", {"answer": "x"}, 404),
        (staff, "get", f"/ballots/{b.pk}/paper/999/photo/", {}, 404),
        (staff, "post", f"/ballots/{b.pk}/open/", {}, 302),  # open already: a message
        (
            staff,
            "post",
            f"/neighborhoods/{s.place.pk}/ballots/new/",
            {**form_data(s), "building": "abc", "title": "x\x00"},
            400,
        ),
        (
            staff,
            "post",
            f"/neighborhoods/{s.place.pk}/ballots/new/",
            {**form_data(s, matter="nope")},
            400,
        ),
        (staff, "get", f"/neighborhoods/{s.place.pk}/ballots/new/", {"matter": "\x00"}, 400),
    ]
    for client, method, url, data, status in cases:
        response = getattr(client, method)(url, data)
        assert response.status_code == status, (method, url, data, response.status_code)
    assert Ballot.objects.count() == 1 and not Vote.objects.exists()


def test_a_building_of_another_neighborhood_is_not_offered(s: Scene) -> None:
    other = factories.building(factories.neighborhood("云台第一"), "9号楼")
    page = client_for(s.staff).get(f"/neighborhoods/{s.place.pk}/ballots/new/")
    assert "9号楼" not in page.content.decode()
    response = client_for(s.staff).post(
        f"/neighborhoods/{s.place.pk}/ballots/new/", form_data(s, building=str(other.pk))
    )
    assert response.status_code == 400 and not Ballot.objects.exists()


def test_every_ballot_post_needs_the_csrf_token(s: Scene) -> None:
    b = elevator(s)
    for user, url in (
        (s.reps[0], f"/ballots/{b.pk}/cast/"),
        (s.reps[0], f"/ballots/{b.pk}/proxy/"),
        (s.reps[0], f"/ballots/{b.pk}/proxy/1/revoke/"),
        (s.reps[0], f"/ballots/{b.pk}/objections/"),
        (s.staff, f"/ballots/{b.pk}/objections/1/answer/"),
        (s.staff, f"/ballots/{b.pk}/close/"),
        (s.staff, f"/ballots/{b.pk}/open/"),
        (s.staff, f"/ballots/{b.pk}/paper/"),
        (s.staff, f"/ballots/{b.pk}/paper/1/confirm/"),
        (s.staff, f"/ballots/{b.pk}/paper/1/reject/"),
        (s.staff, f"/neighborhoods/{s.place.pk}/ballots/new/"),
    ):
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        assert client.post(url, {"choice": "yes"}).status_code == 403, url
    b.refresh_from_db()
    assert b.status == "open" and not Vote.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(s: Scene) -> None:
    b = elevator(s)
    for url in (f"/ballots/{b.pk}/", f"/neighborhoods/{s.place.pk}/ballots/", "/ballots/"):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
