"""The certified record as CSV (voting/record.py): UTF-8 with a BOM for Excel, Chinese by
default, every number the decision rests on, receipts for secret ballots, who voted how for
open ones, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from tests import factories
from tests.voting.scene import neighbors_enough_for_secret
from tests.voting.test_api import make_ballot, photo
from voting import record, selectors, services
from voting.models import Elector

pytestmark = pytest.mark.django_db


def cells(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    text = content.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text)))


def row(table: list[list[str]], first: str) -> list[str]:
    found = [r for r in table if r and r[0] == first]
    assert len(found) == 1, (first, found)
    return found[0]


@pytest.fixture
def estate(settings, tmp_path) -> dict[str, Any]:
    """Three owner-occupied households of 80, 100 and 60 m² with their representatives."""
    settings.MEDIA_ROOT = tmp_path
    place = factories.neighborhood("昌里第五")
    voters = [
        factories.verified(factories.household(place, area=area), name)
        for area, name in (("80.00", "王小明"), ("100.00", "李阿姨"), ("60.00", "赵大海"))
    ]
    return {
        "place": place,
        "staff": factories.staff(place, "staff"),
        "clerk": factories.staff(place, "clerk"),
        "voters": voters,
    }


def test_an_open_art278_ballot_record_in_chinese(estate: dict[str, Any]) -> None:
    staff, (a, b, c) = estate["staff"], estate["voters"]
    with translation.override("zh-hans"):
        ballot = make_ballot(
            staff, estate["place"], voter_unit="household", preset="art278_ordinary"
        )
    services.ballot_cast(user=a, ballot_id=ballot.pk, choice=["yes"])
    services.ballot_cast(user=b, ballot_id=ballot.pk, choice=["no"])
    # c's vote comes on paper, entered by one staff member and confirmed by another
    paper = services.paper_enter(
        actor=staff,
        ballot_id=ballot.pk,
        elector_id=Elector.objects.get(ballot=ballot, household=c.residencies.get().household).pk,
        choice=["yes"],
        photo=photo(),
    )
    services.paper_confirm(actor=estate["clerk"], paper_id=paper.pk)
    services.ballot_close(actor=staff, ballot_id=ballot.pk, reason="test")
    data = selectors.result_data(ballot.__class__.objects.get(pk=ballot.pk))
    with translation.override("zh-hans"):
        table = cells(record.csv_bytes(data))
        name = record.filename(data)
    assert name == f"表决-{ballot.pk}-结果记录.csv"
    assert table[0] == ["表决结果正式记录"]
    assert row(table, "表决编号")[1] == str(ballot.pk)
    assert row(table, "标题")[1] == "是否加装电梯"
    assert row(table, "无记名投票")[1] == "否"
    rule = row(table, "表决规则")
    assert "> 1/2" in rule[2] and "≥ 2/3" in rule[2] and "按建筑面积" in rule[2]
    # 3 of 3 households and all 240 m² took part
    assert row(table, "全体投票人")[1:3] == ["3", "240.00"]
    assert row(table, "参与投票") == ["参与投票", "3", "240.00", "100.00%", "100.00%"]
    # yes: 2 households, 140 m² (of 240): more than half by head and by area
    by_key = {r[1]: r for r in table if len(r) == 4 and r[1] in ("yes", "no", "abstain")}
    assert by_key["yes"][2:] == ["2", "140.00"] and by_key["no"][2:] == ["1", "100.00"]
    checks = [r for r in table if r and r[0] in ("参与人数", "通过票数")]
    assert len(checks) == len(data["outcome"]["checks"]) == 4  # quorum and approval, ×2
    assert all(r[-1] == "是" for r in checks)
    assert ["通过票数", by_key["yes"][0], "按建筑面积", "140.00", "240.00", "> 1/2", "是"] in checks
    assert row(table, "是否通过")[1] == "是"
    counted, area = row(table, "计入的纸质表决票")[1:]
    assert counted == "1" and Decimal(area) == Decimal("60")  # SQLite's Sum drops the .00
    assert row(table, "未复核的纸质表决票（不计入）")[1] == "0"
    # Who voted how: masked names, the channel, the area
    votes = [r for r in table if len(r) == 4 and r[2] in ("网上", "书面征询")]
    assert sorted(r[2] for r in votes) == ["书面征询", "网上", "网上"]
    assert not any("王小明" in r[0] for r in votes)  # the elector labels are masked
    assert "回执" not in "".join(sum(table, []))


def test_a_secret_ballot_record_lists_the_receipts_and_no_voter(estate: dict[str, Any]) -> None:
    staff, voters = estate["staff"], estate["voters"]
    neighbors_enough_for_secret(estate["place"])
    ballot = make_ballot(staff, estate["place"], voter_unit="household", secret=True)
    receipts = sorted(
        services.ballot_cast(user=v, ballot_id=ballot.pk, choice=["yes"]).receipt or ""
        for v in voters[:2]
    )
    services.ballot_close(actor=staff, ballot_id=ballot.pk, reason="test")
    data = selectors.result_data(ballot.__class__.objects.get(pk=ballot.pk))
    with translation.override("zh-hans"):
        table = cells(record.csv_bytes(data))
    start = table.index(["已投表决票的回执码"])
    assert table[start + 1 :] == [[r] for r in receipts]
    assert row(table, "无记名投票")[1] == "是"
    assert not [r for r in table if "网上" in r]  # nothing about who voted


def test_a_ranked_ballot_record_shows_the_rounds(estate: dict[str, Any]) -> None:
    place, staff = estate["place"], estate["staff"]
    people = [factories.resident(place, f"r{i}") for i in range(5)]
    ballot = make_ballot(
        staff,
        place,
        method="ranked",
        options=["周六上午", "周日上午", "周三晚上"],
        preset="plurality",
    )
    for person, ranking in zip(
        people,
        (["1", "2"], ["1", "3"], ["2", "1"], ["2", "1"], ["3", "2"]),
        strict=True,
    ):
        services.ballot_cast(user=person, ballot_id=ballot.pk, choice=ranking)
    services.ballot_close(actor=staff, ballot_id=ballot.pk, reason="test")
    data = selectors.result_data(ballot.__class__.objects.get(pk=ballot.pk))
    with translation.override("en"):
        table = cells(record.csv_bytes(data))
    assert table[0] == ["Certified record of a ballot"]
    rounds = [r for r in table if r and r[0] in ("1", "2") and len(r) == 4]
    # Round 1: 2 / 2 / 1, the third eliminated; round 2: its voter goes to 周日上午
    assert ["1", "周三晚上", "1", "yes"] in rounds
    assert ["2", "周日上午", "3", "no"] in rounds
    assert row(table, "Runoff winner")[1] == "周日上午"
    assert row(table, "Approved options")[1:] == ["周日上午"]


def test_text_people_typed_never_runs_as_a_formula(estate: dict[str, Any]) -> None:
    staff, (a, _b, _c) = estate["staff"], estate["voters"]
    ballot = make_ballot(
        staff,
        estate["place"],
        title='=HYPERLINK("http://evil.example","点这里")',
        method="single",
        options=["+1 同意", "@SUM(A1)"],
        voter_unit="household",
    )
    services.ballot_cast(user=a, ballot_id=ballot.pk, choice=["1"])
    services.ballot_close(actor=staff, ballot_id=ballot.pk, reason="test")
    data = selectors.result_data(ballot.__class__.objects.get(pk=ballot.pk))
    with translation.override("en"):
        table = cells(record.csv_bytes(data))
    assert row(table, "Title")[1] == '\'=HYPERLINK("http://evil.example","点这里")'
    every = [cell for r in table for cell in r]
    assert "'+1 同意" in every and "'@SUM(A1)" in every
    assert not any(cell.startswith(("=", "+", "@")) for cell in every)


def test_the_rule_in_words() -> None:
    more_than_half = {"num": 1, "den": 2, "inclusive": False}
    two_thirds = {"num": 2, "den": 3, "inclusive": True}
    assert record.share_text(more_than_half) == "> 1/2"
    assert record.share_text(two_thirds) == "≥ 2/3"
    assert record.share_text(None) == ""
    simple = {"approval": more_than_half, "base": "cast", "by_heads": True, "quorum": None}
    art278 = {
        "approval": more_than_half,
        "base": "participants",
        "by_heads": True,
        "by_area": True,
        "quorum": two_thirds,
        "quorum_heads": True,
        "quorum_area": True,
    }
    with translation.override("en"):
        assert record.rule_text(simple) == (
            "Approval: > 1/2 of the votes cast (abstentions not counted), by head. No quorum."
        )
        assert record.rule_text(art278) == (
            "Approval: > 1/2 of those who vote, by head and by floor area. "
            "Quorum: participation ≥ 2/3 of the electorate, by head and by floor area."
        )
    with translation.override("zh-hans"):
        assert record.rule_text(art278) == (
            "通过：赞成票占参与投票者 > 1/2，按人数和按建筑面积。"
            " 参与要求：参与者占全体投票人 ≥ 2/3，按人数和按建筑面积。"
        )
