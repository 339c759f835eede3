"""Matter templates (voting/matters.py): each kind of matter picks its electorate, rule and
legal basis, and the basis cites the right item of Civil Code art. 278."""

from __future__ import annotations

import dataclasses

import pytest
from django.utils import translation

from voting import matters, tally
from voting.models import Method, Scope, VoterUnit

EXPECTED = {
    # key: (voter unit, scope, preset)
    "elevator": ("owner", "building", "art278_heavy"),
    "elevator_common": ("owner", "neighborhood", "art278_ordinary"),
    "maintenance_fund": ("owner", "building", "art278_ordinary"),
    "maintenance_fund_raise": ("owner", "building", "art278_heavy"),
    "garden": ("person", "neighborhood", "more_yes"),
    "parking": ("household", "neighborhood", "more_yes"),
    "custom": ("household", "neighborhood", "more_yes"),
}


def test_the_templates_on_offer():
    assert set(matters.MATTERS) == set(EXPECTED)
    assert [key for key, _label in matters.choices()] == list(matters.MATTERS)


@pytest.mark.parametrize(("key", "expected"), EXPECTED.items())
def test_each_template_picks_electorate_and_rule(key, expected):
    matter = matters.matter_for(key)
    assert matter.key == key
    assert (matter.voter_unit, matter.scope, matter.preset) == expected
    assert matter.method == "yes_no"
    # Every value is one the ballot's fields and the rules know.
    assert matter.voter_unit in VoterUnit.values
    assert matter.scope in Scope.values
    assert matter.method in Method.values
    assert matter.preset in tally.PRESETS


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_a_rule_weighed_by_area_is_never_put_to_persons(key):
    """Persons have no floor area: an area rule must go to owners or households."""
    matter = matters.matter_for(key)
    if tally.PRESETS[matter.preset].uses_area:
        assert matter.voter_unit == "owner"


def test_owners_decisions_use_the_art278_presets():
    for matter in matters.MATTERS.values():
        assert (matter.voter_unit == "owner") is matter.preset.startswith("art278_")


def test_an_unknown_matter_is_a_key_error():
    with pytest.raises(KeyError):
        matters.matter_for("demolition")


def test_templates_are_frozen_and_check_their_preset():
    with pytest.raises(dataclasses.FrozenInstanceError):
        matters.MATTERS["elevator"].preset = "more_yes"  # type: ignore[misc]
    with pytest.raises(ValueError, match="unknown preset"):
        matters.Matter("x", "x", "owner", "building", "art278_huge", "yes_no", "")


# (key, fragments the Chinese basis must contain, fragments it must not)
BASIS = [
    (
        "elevator",
        [
            "第二百七十八条",
            "第（七）项",
            "改建、重建建筑物及其附属设施",
            "三分之二以上",
            "四分之三以上",
        ],
        ["过半数", "第（八）项"],
    ),
    (
        "elevator_common",
        ["第二百七十八条", "第（九）项", "共有部分", "全体业主", "三分之二以上", "过半数"],
        ["四分之三"],
    ),
    (
        "maintenance_fund",
        ["第二百七十八条", "第（五）项", "使用建筑物及其附属设施的维修资金", "过半数"],
        ["四分之三", "筹集"],
    ),
    (
        "maintenance_fund_raise",
        ["第二百七十八条", "第（六）项", "筹集建筑物及其附属设施的维修资金", "四分之三以上"],
        ["过半数"],
    ),
    ("garden", ["南塘", "赞成票多于反对票", "平局", "弃权"], ["四分之三"]),
    ("parking", ["每户一票", "南塘", "平局", "第二百七十五条"], ["四分之三"]),
]


@pytest.mark.parametrize(("key", "present", "absent"), BASIS)
def test_the_basis_shown_on_the_ballot_in_chinese(key, present, absent):
    with translation.override("zh-hans"):
        basis = str(matters.matter_for(key).basis)
    for fragment in present:
        assert fragment in basis, fragment
    for fragment in absent:
        assert fragment not in basis, fragment


@pytest.mark.parametrize(
    ("key", "item"),
    [
        ("elevator", "(7)"),
        ("elevator_common", "(9)"),
        ("maintenance_fund", "(5)"),
        ("maintenance_fund_raise", "(6)"),
    ],
)
def test_the_basis_in_english_names_the_same_item(key, item):
    with translation.override("en"):
        basis = str(matters.matter_for(key).basis)
    assert f"art. 278 para. 1 item {item}" in basis
    with translation.override("zh-hans"):
        chinese = str(matters.matter_for(key).basis)
    assert f"第（{'一二三四五六七八九'[int(item[1]) - 1]}）项" in chinese


def test_labels_are_translated():
    for matter in matters.MATTERS.values():
        with translation.override("en"):
            english = str(matter.label)
        with translation.override("zh-hans"):
            chinese = str(matter.label)
        assert english != chinese
        assert all(ord(ch) < 128 for ch in english)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese)
    with translation.override("zh-hans"):
        assert str(matters.matter_for("elevator").label) == "既有住宅加装电梯"


def test_custom_has_no_basis_of_its_own():
    """Staff describe a free-form matter; an empty basis is "", not the catalogue header."""
    assert matters.matter_for("custom").basis == ""


def test_the_basis_quotes_art_278_para_2_for_the_presets_it_names():
    """The thresholds in the text are the thresholds of the rule applied."""
    with translation.override("zh-hans"):
        for matter in matters.MATTERS.values():
            rule = tally.PRESETS[matter.preset]
            basis = str(matter.basis)
            if rule.quorum == tally.TWO_THIRDS:
                assert "人数占比三分之二以上的业主参与表决" in basis
            if rule.approval == tally.THREE_QUARTERS:
                assert "参与表决人数四分之三以上的业主同意" in basis
            if matter.preset == "art278_ordinary":
                assert "参与表决人数过半数的业主同意" in basis
