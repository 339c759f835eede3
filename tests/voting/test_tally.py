"""The pure voting rules (voting/tally.py), table by table, with no database.

Given casts and an electorate, when they are tallied and decided under a rule, then the
outcome (and every number it rests on) is the one the rule's words say.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from voting.tally import (
    ANY,
    MORE_THAN_HALF,
    PRESETS,
    THREE_QUARTERS,
    TWO_THIRDS,
    Cast,
    Count,
    InvalidChoice,
    InvalidRule,
    Rule,
    Share,
    check_choice,
    decide,
    instant_runoff,
    outcome_to_data,
    quorum_progress,
    rule_from_data,
    rule_to_data,
    share_from_data,
    tally,
    tally_to_data,
)

D = Decimal
ABC = ("a", "b", "c")


def yes_no(yes: int, no: int, abstain: int = 0, *, electorate: int | None = None):
    """A yes/no tally of voters with no area; the electorate defaults to the voters."""
    casts = [Cast(("yes",))] * yes + [Cast(("no",))] * no + [Cast(("abstain",))] * abstain
    heads = yes + no + abstain if electorate is None else electorate
    return tally("yes_no", (), casts, Count(heads, D(0)))


def single(counts: dict[str, int], areas: dict[str, Decimal] | None = None):
    """A single-choice tally: counts[key] voters chose key, sharing areas[key] equally."""
    casts = []
    for key, many in counts.items():
        each = (areas or {}).get(key, D(0)) / many if many else D(0)
        casts += [Cast((key,), each)] * many
    total = sum(counts.values())
    return tally("single", tuple(counts), casts, Count(total, sum((c.area for c in casts), D(0))))


# check_choice ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "options", "choice", "low", "high", "expected"),
    [
        ("yes_no", (), ["yes"], 1, 1, ("yes",)),
        ("yes_no", (), ["no"], 1, 1, ("no",)),
        ("yes_no", (), ["abstain"], 1, 1, ("abstain",)),
        ("yes_no", (), ("no",), 1, 1, ("no",)),  # a tuple is a sequence too
        ("yes_no", (), "yes", 1, 1, ("yes",)),  # one bare key is one choice, not 3 letters
        ("yes_no", ABC, ["yes"], 1, 3, ("yes",)),  # yes/no ignores options and the range
        ("single", ABC, ["b"], 1, 1, ("b",)),
        ("single", ABC, ["c"], 1, 3, ("c",)),  # single takes one whatever the range says
        ("single", ABC, "a", 1, 1, ("a",)),
        ("multiple", ABC, ["a"], 1, 2, ("a",)),
        ("multiple", ABC, ["c", "a"], 1, 2, ("c", "a")),
        ("multiple", ABC, ["a", "b", "c"], 1, 9, ("a", "b", "c")),  # max capped at 3 options
        ("multiple", ABC, ["b", "c"], 2, 2, ("b", "c")),
        ("multiple", ABC, ["b"], 0, 2, ("b",)),  # min below 1 still means one
        ("ranked", ABC, ["c", "a", "b"], 1, 3, ("c", "a", "b")),  # order is preference
        ("ranked", ABC, ["b"], 1, 3, ("b",)),
        ("ranked", ABC, ["b", "a"], 2, 3, ("b", "a")),
    ],
)
def test_valid_choices_come_back_as_tuples_of_keys(method, options, choice, low, high, expected):
    assert check_choice(method, options, choice, min_choices=low, max_choices=high) == expected


@pytest.mark.parametrize(
    ("method", "options", "choice", "low", "high"),
    [
        # wrong counts
        ("yes_no", (), [], 1, 1),
        ("yes_no", (), ["yes", "no"], 1, 1),
        ("single", ABC, [], 1, 1),
        ("single", ABC, ["a", "b"], 1, 3),
        ("multiple", ABC, [], 0, 3),
        ("multiple", ABC, ["a"], 2, 3),
        ("multiple", ABC, ["a", "b", "c"], 1, 2),
        ("multiple", ABC, ["a"], 1, 0),  # a range nothing fits
        ("ranked", ABC, [], 1, 3),
        ("ranked", ABC, ["a"], 2, 3),
        ("ranked", ABC, ["a", "b", "c"], 1, 2),
        # duplicates
        ("yes_no", (), ["yes", "yes"], 1, 1),
        ("multiple", ABC, ["a", "a"], 1, 3),
        ("ranked", ABC, ["a", "b", "a"], 1, 3),
        ("multiple", ABC, ["a"] * 1_000_000, 1, 3),  # a flood is refused by its length
        # unknown keys
        ("yes_no", (), ["maybe"], 1, 1),
        ("yes_no", (), ["YES"], 1, 1),
        ("yes_no", (), [" yes"], 1, 1),
        ("yes_no", ABC, ["a"], 1, 1),  # yes/no never takes the ballot's option list
        ("single", ABC, ["d"], 1, 1),
        ("single", ABC, ["abstain"], 1, 1),  # abstain is a yes/no answer only
        ("single", ABC, [""], 1, 1),
        ("single", (), ["a"], 1, 1),
        ("multiple", ABC, ["a", "z"], 1, 3),
        ("ranked", ABC, ["a", "yes"], 1, 3),
        # non-strings
        ("yes_no", (), [1], 1, 1),
        ("yes_no", (), [None], 1, 1),
        ("yes_no", (), [True], 1, 1),
        ("single", ABC, [["a"]], 1, 1),
        ("multiple", ABC, ["a", 2], 1, 3),
        ("ranked", ABC, [{"a": 1}], 1, 3),
        ("yes_no", (), [b"yes"], 1, 1),
        # not a list at all
        ("yes_no", (), None, 1, 1),
        ("yes_no", (), 1, 1, 1),
        ("yes_no", (), True, 1, 1),
        ("yes_no", (), {"yes": True}, 1, 1),
        ("yes_no", (), {"yes"}, 1, 1),  # a set has no order (and no place in JSON)
        ("yes_no", (), b"yes", 1, 1),
        ("single", ABC, iter(["a"]), 1, 1),
        ("ranked", ABC, frozenset(["a"]), 1, 3),
    ],
)
def test_invalid_choices_raise_invalid_choice(method, options, choice, low, high):
    with pytest.raises(InvalidChoice) as caught:
        check_choice(method, options, choice, min_choices=low, max_choices=high)
    assert caught.value.code == "invalid_choice"
    assert isinstance(caught.value, ValueError)


def test_tally_refuses_a_cast_for_an_option_the_ballot_lacks():
    with pytest.raises(InvalidChoice):
        tally("single", ABC, [Cast(("z",))], Count(1))


# Share --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("share", "part", "whole", "met"),
    [
        (MORE_THAN_HALF, 1, 2, False),  # 过半数 excludes exactly half
        (MORE_THAN_HALF, 6, 11, True),
        (Share(1, 2, inclusive=True), 1, 2, True),  # 半数以上 includes it
        (TWO_THIRDS, 2, 3, True),  # 三分之二以上 includes the bound
        (TWO_THIRDS, 199, 300, False),
        (TWO_THIRDS, D("1200.00"), D("1800.00"), True),
        (TWO_THIRDS, D("1199.99"), D("1800"), False),
        (THREE_QUARTERS, 3, 4, True),
        (THREE_QUARTERS, D("74.99"), 100, False),
        (ANY, 1, 1000, True),
        (ANY, 0, 1000, False),
        (MORE_THAN_HALF, 0, 0, False),  # nothing out of nothing meets no bound
        (Share(0, 1, inclusive=True), 0, 0, False),
    ],
)
def test_a_share_is_met_exactly(share, part, whole, met):
    assert share.met(part, whole) is met


@pytest.mark.parametrize(("num", "den"), [(1, 0), (-1, 2), (3, 2), (0, -1)])
def test_a_share_outside_zero_to_one_is_refused(num, den):
    with pytest.raises(InvalidRule):
        Share(num, den, inclusive=True)


def test_a_rule_must_count_something():
    with pytest.raises(InvalidRule):
        Rule(approval=MORE_THAN_HALF, by_heads=False, by_area=False)
    with pytest.raises(InvalidRule):
        Rule(approval=MORE_THAN_HALF, quorum=TWO_THIRDS, quorum_heads=False, quorum_area=False)


# Presets ------------------------------------------------------------------------------

# (preset, yes, no, abstain, electorate, passes): each preset at and around its bound.
PRESET_CASES = {
    "more_yes": [
        (3, 2, 5, None, True),  # 3 > 2; five abstentions do not count
        (2, 2, 6, None, False),  # a tie fails (南塘十三条 rule 13)
        (1, 0, 9, None, True),
        (0, 0, 10, None, False),  # only abstentions: nothing was cast
        (0, 0, 0, 10, False),
    ],
    "majority_participants": [
        (4, 2, 1, None, True),  # 4 of 7 participants
        (3, 2, 1, None, False),  # 3 of 6 is half, not more
        (3, 0, 3, None, False),  # abstentions count as participants here
    ],
    "two_thirds": [
        (4, 2, 0, None, True),  # exactly 2/3
        (4, 2, 1, None, False),  # 4 of 7
        (6, 2, 1, None, True),  # 6 of 9 = 2/3
    ],
    "three_quarters": [
        (3, 1, 0, None, True),  # exactly 3/4
        (3, 1, 1, None, False),
        (11, 4, 0, None, False),  # 11/15 < 3/4
    ],
    "majority_electorate": [
        (6, 0, 0, 10, True),
        (5, 0, 0, 10, False),  # half the electorate is not a majority of it
        (6, 4, 0, 12, False),  # more yes than no, but not more than 6 of 12
    ],
    "two_thirds_electorate": [
        (6, 0, 0, 9, True),
        (5, 0, 0, 9, False),
        (6, 3, 0, 12, False),
    ],
    "three_quarters_electorate": [
        (6, 0, 0, 8, True),
        (5, 1, 0, 8, False),
    ],
    "plurality": [
        (2, 1, 0, None, True),
        (1, 1, 3, None, False),  # yes and no tie: yes does not lead
        (1, 5, 0, None, False),  # a share of zero still needs more yes than no
    ],
    # art. 278 on voters of equal area, so heads and area tell the same story.
    "art278_ordinary": [
        (5, 3, 0, 12, True),  # 8/12 take part (2/3), 5/8 agree
        (4, 4, 0, 12, False),  # half of participants is not 过半数
        (5, 2, 0, 12, False),  # 7/12 take part: no quorum
        (5, 2, 1, 12, True),  # abstentions count toward the quorum and the base
    ],
    "art278_heavy": [
        (6, 2, 0, 12, True),  # exactly 3/4 of 8 participants
        (5, 3, 0, 12, False),
        (6, 1, 1, 12, True),  # 6/8 again: abstaining is not agreeing, but 3/4 holds
        (9, 0, 0, 14, False),  # 9/14 < 2/3: no quorum however unanimous
    ],
}


def test_every_preset_has_a_table():
    assert set(PRESET_CASES) == set(PRESETS)


@pytest.mark.parametrize(
    ("preset", "yes", "no", "abstain", "electorate", "passes"),
    [(preset, *case) for preset, cases in PRESET_CASES.items() for case in cases],
)
def test_presets_on_yes_no(preset, yes, no, abstain, electorate, passes):
    total = electorate if electorate is not None else yes + no + abstain
    casts = (
        [Cast(("yes",), D(80))] * yes
        + [Cast(("no",), D(80))] * no
        + [Cast(("abstain",), D(80))] * abstain
    )
    result = tally("yes_no", (), casts, Count(total, D(80) * total))
    outcome = decide(PRESETS[preset], result)
    assert outcome.passed is passes
    assert outcome.winners == (("yes",) if passes else ())


def test_more_yes_counts_heads_only():
    """A preset without area ignores it: two big flats against three small ones lose."""
    casts = [Cast(("yes",), D(200))] * 2 + [Cast(("no",), D(40))] * 3
    outcome = decide(PRESETS["more_yes"], tally("yes_no", (), casts, Count(5, D(520))))
    assert not outcome.passed
    assert {check.measure for check in outcome.checks} == {"heads"}


def test_art278_checks_are_recorded_with_their_numbers():
    casts = [Cast(("yes",), D(100))] * 6 + [Cast(("no",), D(50))] * 2
    result = tally("yes_no", (), casts, Count(12, D(1000)))
    outcome = decide(PRESETS["art278_ordinary"], result)
    got = {(c.kind, c.measure): (c.part, c.whole, c.met) for c in outcome.checks}
    assert got == {
        ("quorum", "heads"): (8, 12, True),
        ("quorum", "area"): (D(700), D(1000), True),
        ("approval", "heads"): (6, 8, True),
        ("approval", "area"): (D(600), D(700), True),
    }
    assert outcome.passed


def test_no_winner_when_the_quorum_fails_even_if_the_option_is_approved():
    outcome = decide(PRESETS["art278_ordinary"], yes_no(3, 0, electorate=10))
    assert not outcome.quorum_met
    assert not outcome.passed
    assert outcome.winners == ()
    assert any(c.kind == "approval" and c.met for c in outcome.checks)


def test_the_bases_of_a_tally():
    casts = [Cast(("yes",), D(90)), Cast(("no",), D(60)), Cast(("abstain",), D(50))]
    result = tally("yes_no", (), casts, Count(5, D(400)))
    assert result.base("electorate") == Count(5, D(400))
    assert result.base("participants") == Count(3, D(200))
    assert result.base("cast") == Count(2, D(150))
    assert result.abstained == Count(1, D(50))


# Single choice --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "counts", "winners"),
    [
        ("more_yes", {"a": 4, "b": 2, "c": 1}, ("a",)),  # 4 of 7
        ("more_yes", {"a": 3, "b": 2, "c": 2}, ()),  # first, but not more than half
        ("plurality", {"a": 3, "b": 2, "c": 2}, ("a",)),
        ("plurality", {"a": 3, "b": 3, "c": 1}, ()),  # a tie for first passes nothing
        ("plurality", {"a": 2, "b": 2, "c": 2}, ()),
        ("plurality", {"a": 1, "b": 0, "c": 0}, ("a",)),
        ("plurality", {"a": 0, "b": 0, "c": 0}, ()),
        ("two_thirds", {"a": 6, "b": 3}, ("a",)),
        ("two_thirds", {"a": 5, "b": 3}, ()),
    ],
)
def test_single_choice(preset, counts, winners):
    outcome = decide(PRESETS[preset], single(counts))
    assert outcome.winners == winners
    assert outcome.passed is bool(winners)


def test_a_head_tie_is_not_broken_by_area_under_a_heads_only_rule():
    result = single({"a": 3, "b": 3, "c": 1}, {"a": D(300), "b": D(200), "c": D(90)})
    assert decide(PRESETS["plurality"], result).winners == ()


def test_a_rule_counting_area_needs_a_leader_on_both():
    by_both = Rule(approval=ANY, by_heads=True, by_area=True)
    ahead = single({"a": 3, "b": 2}, {"a": D(300), "b": D(200)})
    split = single({"a": 3, "b": 2}, {"a": D(200), "b": D(300)})  # a by head, b by area
    assert decide(by_both, ahead).winners == ("a",)
    assert decide(by_both, split).winners == ()
    by_area = Rule(approval=ANY, by_heads=False, by_area=True)
    assert decide(by_area, split).winners == ("b",)


def test_single_choice_with_one_option():
    assert decide(PRESETS["more_yes"], single({"a": 2})).winners == ("a",)
    assert decide(PRESETS["more_yes"], single({"a": 0})).winners == ()


# Multiple choice ------------------------------------------------------------------------


def _approvals(electorate: int = 10):
    """10 voters approve of up to 3 of a-d: a 6 times, b 6, c 8, d never."""
    picks = [
        ("a", "b", "c"),
        ("a", "b", "c"),
        ("a", "b", "c"),
        ("a", "c"),
        ("a", "c"),
        ("a", "b"),
        ("b", "c"),
        ("c",),
        ("c",),
        ("b",),
    ]
    casts = [Cast(choice, D(50)) for choice in picks]
    return tally("multiple", ("a", "b", "c", "d"), casts, Count(electorate, D(50) * electorate))


def test_multiple_choice_counts_each_approval_and_each_voter_once():
    result = _approvals()
    assert {key: count.heads for key, count in result.options.items()} == {
        "a": 6,
        "b": 6,
        "c": 8,
        "d": 0,
    }
    assert result.participation == Count(10, D(500))


@pytest.mark.parametrize(
    ("preset", "winners"),
    [
        ("majority_participants", ("a", "b", "c")),  # 6, 6, 8 of 10
        ("two_thirds", ("c",)),  # only 8/10 reaches 2/3
        ("three_quarters", ("c",)),
        ("plurality", ("a", "b", "c")),  # every option with a vote; d has none
    ],
)
def test_multiple_choice_approves_every_option_meeting_the_rule(preset, winners):
    assert decide(PRESETS[preset], _approvals()).winners == winners


def test_multiple_choice_at_exactly_half_fails_a_majority():
    casts = [Cast(("a", "b"))] * 5 + [Cast(("b",))] * 5
    result = tally("multiple", ("a", "b"), casts, Count(10))
    assert decide(PRESETS["majority_participants"], result).winners == ("b",)


def test_multiple_choice_of_the_electorate():
    assert decide(PRESETS["two_thirds_electorate"], _approvals(electorate=12)).winners == ("c",)
    assert decide(PRESETS["three_quarters_electorate"], _approvals(electorate=12)).winners == ()


# Instant runoff -------------------------------------------------------------------------


def _rounds(rankings, options=ABC):
    rounds, winner = instant_runoff(options, rankings)
    return [(dict(r.counts), r.eliminated, r.exhausted) for r in rounds], winner


def test_a_first_round_majority_wins_at_once():
    rounds, winner = _rounds([("a",)] * 3 + [("b",), ("c",)])
    assert rounds == [({"a": 3, "b": 1, "c": 1}, (), 0)]
    assert winner == "a"


def test_the_last_is_eliminated_and_its_votes_move_on():
    rankings = [("a",)] * 4 + [("b",)] * 3 + [("c", "b")] * 2
    rounds, winner = _rounds(rankings)
    assert rounds == [
        ({"a": 4, "b": 3, "c": 2}, ("c",), 0),
        ({"a": 4, "b": 5}, (), 0),
    ]
    assert winner == "b"


def test_a_tie_for_last_is_eliminated_together():
    options = ("a", "b", "c", "d")
    rankings = [("a",)] * 3 + [("b",)] * 2 + [("c", "b"), ("d", "b")]
    rounds, winner = _rounds(rankings, options)
    assert rounds == [
        ({"a": 3, "b": 2, "c": 1, "d": 1}, ("c", "d"), 0),
        ({"a": 3, "b": 4}, (), 0),
    ]
    assert winner == "b"


def test_options_nobody_ranked_first_go_first():
    options = ("a", "b", "c", "d")
    rankings = [("a", "b")] * 2 + [("b", "a")] * 2 + [("c", "a")]
    rounds, winner = _rounds(rankings, options)
    assert rounds == [
        ({"a": 2, "b": 2, "c": 1, "d": 0}, ("d",), 0),
        ({"a": 2, "b": 2, "c": 1}, ("c",), 0),
        ({"a": 3, "b": 2}, (), 0),
    ]
    assert winner == "a"


def test_exhausted_ballots_are_shown_and_leave_the_count():
    rankings = [("a",)] * 4 + [("b",)] * 3 + [("c",)] * 2  # c's voters rank nothing else
    rounds, winner = _rounds(rankings)
    assert rounds == [
        ({"a": 4, "b": 3, "c": 2}, ("c",), 0),
        ({"a": 4, "b": 3}, (), 2),
    ]
    assert winner == "a"  # 4 of the 7 still counting


def test_a_final_tie_has_no_winner():
    rankings = [("a",)] * 2 + [("b",)] * 2 + [("c",)]
    rounds, winner = _rounds(rankings)
    assert rounds == [
        ({"a": 2, "b": 2, "c": 1}, ("c",), 0),
        ({"a": 2, "b": 2}, (), 1),
    ]
    assert winner is None


def test_a_tie_of_all_at_once_has_no_winner():
    rounds, winner = _rounds([("a",), ("b",), ("c",)])
    assert rounds == [({"a": 1, "b": 1, "c": 1}, (), 0)]
    assert winner is None


def test_no_rankings_no_winner():
    rounds, winner = _rounds([])
    assert rounds == [({"a": 0, "b": 0, "c": 0}, (), 0)]
    assert winner is None


def test_every_ranking_exhausted_no_winner():
    rankings = [("a",)] * 2 + [("b",)] * 2 + [("c",)] * 3
    # a and b tie for last, go together; c then holds all 3 live rankings.
    rounds, winner = _rounds(rankings)
    assert rounds[0] == ({"a": 2, "b": 2, "c": 3}, ("a", "b"), 0)
    assert rounds[1] == ({"c": 3}, (), 4)
    assert winner == "c"


def test_ranked_decide_uses_the_final_round():
    rankings = [("a",)] * 4 + [("b",)] * 3 + [("c",)] * 2
    result = tally("ranked", ABC, [Cast(r) for r in rankings], Count(9))
    assert result.runoff_winner == "a"
    assert {key: count.heads for key, count in result.options.items()} == {
        "a": 4,
        "b": 3,
        "c": 2,
    }
    # Votes cast are the 7 still counting: 4 of 7 is more than half.
    more_yes = decide(PRESETS["more_yes"], result)
    assert more_yes.winners == ("a",)
    assert [(c.part, c.whole) for c in more_yes.checks] == [(4, 7)]
    # Participants are all 9, exhausted included: 4 of 9 is not.
    assert decide(PRESETS["majority_participants"], result).winners == ()


def test_ranked_with_a_final_tie_passes_nothing():
    rankings = [("a",)] * 2 + [("b",)] * 2 + [("c",)]
    outcome = decide(
        PRESETS["more_yes"], tally("ranked", ABC, [Cast(r) for r in rankings], Count(5))
    )
    assert not outcome.passed
    assert outcome.winners == ()


def test_ranked_is_never_counted_by_area():
    result = tally("ranked", ABC, [Cast(("a",), D(80))], Count(1, D(80)))
    with pytest.raises(InvalidRule):
        decide(PRESETS["art278_ordinary"], result)


# Data round trips -----------------------------------------------------------------------


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_survives_json(preset):
    rule = PRESETS[preset]
    assert rule_from_data(json.loads(json.dumps(rule_to_data(rule)))) == rule


def test_a_custom_rule_round_trip():
    rule = Rule(
        approval=Share(3, 5, inclusive=False),
        base="electorate",
        by_heads=False,
        by_area=True,
        quorum=Share(1, 3, inclusive=True),
        quorum_heads=True,
        quorum_area=False,
    )
    assert rule_from_data(json.loads(json.dumps(rule_to_data(rule)))) == rule


def test_defaults_of_rule_data():
    rule = rule_from_data({"approval": {"num": 1, "den": 2, "inclusive": False}})
    assert rule == Rule(approval=MORE_THAN_HALF)
    assert rule_from_data(
        {"approval": {"num": "2", "den": "3", "inclusive": True}, "quorum": None}
    ) == Rule(approval=TWO_THIRDS)


GOOD_SHARE = {"num": 1, "den": 2, "inclusive": False}


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        "more_yes",
        {},
        {"approval": None},
        {"approval": []},
        {"approval": {"num": 1, "den": 2}},  # inclusive may not be guessed
        {"approval": {"den": 2, "inclusive": True}},
        {"approval": {"num": 1, "den": 0, "inclusive": True}},
        {"approval": {"num": 3, "den": 2, "inclusive": True}},
        {"approval": {"num": -1, "den": 2, "inclusive": True}},
        {"approval": {"num": "-1", "den": 2, "inclusive": True}},
        {"approval": {"num": "x", "den": 2, "inclusive": True}},
        {"approval": {"num": "１", "den": 2, "inclusive": True}},  # full-width digit
        {"approval": {"num": 0.5, "den": 1, "inclusive": True}},
        {"approval": {"num": True, "den": 2, "inclusive": True}},
        {"approval": {"num": None, "den": 2, "inclusive": True}},
        {"approval": {"num": 1, "den": 2, "inclusive": "false"}},
        {"approval": {"num": 1, "den": 2, "inclusive": 1}},
        {"approval": GOOD_SHARE, "base": "everyone"},
        {"approval": GOOD_SHARE, "base": ["cast"]},
        {"approval": GOOD_SHARE, "by_heads": "yes"},
        {"approval": GOOD_SHARE, "by_area": None},
        {"approval": GOOD_SHARE, "by_heads": False},  # counts nothing
        {"approval": GOOD_SHARE, "quorum": {}},
        {"approval": GOOD_SHARE, "quorum": "2/3"},
        {"approval": GOOD_SHARE, "quorum": GOOD_SHARE, "quorum_heads": False},
        {"approval": GOOD_SHARE, "quorum": GOOD_SHARE, "quorum_area": "no"},
    ],
)
def test_malformed_rule_data_raises_invalid_rule_only(data):
    with pytest.raises(InvalidRule):
        rule_from_data(data)


def test_share_from_data_on_its_own():
    assert share_from_data({"num": 3, "den": 4, "inclusive": True}) == THREE_QUARTERS
    with pytest.raises(InvalidRule):
        share_from_data({"num": 3, "den": 4})


def test_tally_and_outcome_data_are_json():
    casts = [Cast(("yes",), D("90.50")), Cast(("no",), D("60.25"))]
    result = tally("yes_no", (), casts, Count(3, D("220.00")))
    data = json.loads(json.dumps(tally_to_data(result)))
    assert data["electorate"] == {"heads": 3, "area": "220.00"}
    assert data["participation"] == {"heads": 2, "area": "150.75"}
    assert data["options"]["yes"] == {"heads": 1, "area": "90.50"}
    assert data["rounds"] == []
    outcome = json.loads(json.dumps(outcome_to_data(decide(PRESETS["art278_ordinary"], result))))
    assert outcome["quorum_met"] is True  # 2/3 by head, 150.75/220 by area
    assert outcome["passed"] is False  # 1 of 2 participants agree: half is not 过半数
    assert outcome["checks"][1] == {
        "kind": "quorum",
        "measure": "area",
        "part": "150.75",
        "whole": "220.00",
        "share": {"num": 2, "den": 3, "inclusive": True},
        "met": True,
        "option": None,
    }


def test_ranked_tally_data_shows_the_rounds():
    rankings = [("a",)] * 4 + [("b",)] * 3 + [("c", "b")] * 2
    result = tally("ranked", ABC, [Cast(r) for r in rankings], Count(9))
    data = json.loads(json.dumps(tally_to_data(result)))
    assert data["rounds"] == [
        {"counts": {"a": 4, "b": 3, "c": 2}, "eliminated": ["c"], "exhausted": 0},
        {"counts": {"a": 4, "b": 5}, "eliminated": [], "exhausted": 0},
    ]
    assert data["runoff_winner"] == "b"


# Quorum progress ------------------------------------------------------------------------


def test_quorum_progress_as_the_page_shows_it():
    """已参与 62% 户数 / 58% 面积, 需 66.7%."""
    casts = [Cast(("yes",), D(5800) / 62)] * 62
    result = tally("yes_no", (), casts, Count(100, D(10000)))
    progress = quorum_progress(PRESETS["art278_ordinary"], result)
    assert progress == {
        "heads": 0.62,
        "area": 0.58,
        "needed": 0.6667,
        "inclusive": True,
        "met": False,
    }


def test_quorum_progress_when_met():
    casts = [Cast(("no",), D(1400) / 18)] * 18
    progress = quorum_progress(
        PRESETS["art278_heavy"], tally("yes_no", (), casts, Count(24, D(1800)))
    )
    assert progress["heads"] == 0.75
    assert progress["area"] == 0.7778
    assert progress["met"] is True


def test_quorum_progress_met_by_heads_but_not_area():
    casts = [Cast(("yes",), D(10))] * 8
    progress = quorum_progress(
        PRESETS["art278_ordinary"], tally("yes_no", (), casts, Count(12, D(1000)))
    )
    assert progress["heads"] == 0.6667
    assert progress["area"] == 0.08
    assert progress["met"] is False


def test_quorum_progress_without_a_quorum():
    progress = quorum_progress(PRESETS["more_yes"], yes_no(1, 0, electorate=40))
    assert progress == {"heads": 0.025, "area": 0.0, "needed": None, "inclusive": None, "met": True}


def test_quorum_progress_of_an_empty_electorate():
    result = tally("yes_no", (), [], Count(0, D(0)))
    progress = quorum_progress(PRESETS["art278_ordinary"], result)
    assert progress == {
        "heads": 0.0,
        "area": 0.0,
        "needed": 0.6667,
        "inclusive": True,
        "met": False,
    }
