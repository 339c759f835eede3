"""Properties of the pure voting rules, over many generated ballots (hypothesis).

The bounds 2/3, 3/4 and 1/2 are hit exactly, and one vote either side of them; ties; adding
a yes vote; heads and area failing apart; Share against plain Fraction arithmetic; decide()
on any valid ballot; and the instant runoff's majority.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from voting.tally import (
    PRESETS,
    Cast,
    Count,
    Outcome,
    Rule,
    Share,
    check_choice,
    decide,
    instant_runoff,
    rule_from_data,
    rule_to_data,
    tally,
)

D = Decimal
ART278 = ("art278_ordinary", "art278_heavy")
NINETY = D(90)
areas = st.decimals(min_value=D("0.01"), max_value=D("500"), places=2)


def yes_no(yes: int, no: int, abstain: int, electorate: Count, area: Decimal = NINETY):
    casts = (
        [Cast(("yes",), area)] * yes
        + [Cast(("no",), area)] * no
        + [Cast(("abstain",), area)] * abstain
    )
    return tally("yes_no", (), casts, electorate)


# Boundaries ---------------------------------------------------------------------------


@given(k=st.integers(1, 400), area=areas)
def test_participation_of_exactly_two_thirds_meets_the_quorum(k, area):
    """3k owners of equal flats: 2k taking part is 三分之二以上; 2k - 1 is not."""
    electorate = Count(3 * k, area * 3 * k)
    met = decide(PRESETS["art278_ordinary"], yes_no(2 * k, 0, 0, electorate, area))
    short = decide(PRESETS["art278_ordinary"], yes_no(2 * k - 1, 0, 0, electorate, area))
    assert met.quorum_met and met.passed
    assert not short.quorum_met and not short.passed


@given(k=st.integers(1, 400))
def test_two_thirds_by_head_alone_is_not_a_quorum_without_the_area(k):
    """The same 2k of 3k owners, but they hold less than 2/3 of the floor area."""
    electorate = Count(3 * k, D(100) * 3 * k + D(1))
    outcome = decide(PRESETS["art278_ordinary"], yes_no(2 * k, 0, 0, electorate, D(100)))
    assert not outcome.quorum_met


@given(k=st.integers(1, 300), area=areas)
def test_exactly_half_is_not_a_majority(k, area):
    """过半数 excludes the half: k of 2k participants agreeing fails, k + 1 passes."""
    electorate = Count(2 * k, area * 2 * k)
    half = decide(PRESETS["art278_ordinary"], yes_no(k, k, 0, electorate, area))
    more = decide(PRESETS["art278_ordinary"], yes_no(k + 1, k - 1, 0, electorate, area))
    assert half.quorum_met and not half.passed
    assert more.passed
    assert not decide(PRESETS["majority_participants"], yes_no(k, k, 0, electorate)).passed


@given(k=st.integers(1, 300))
def test_exactly_half_with_abstentions_fails_art278(k):
    electorate = Count(2 * k, D(90) * 2 * k)
    outcome = decide(PRESETS["art278_ordinary"], yes_no(k, 0, k, electorate))
    assert outcome.quorum_met and not outcome.passed


@given(k=st.integers(1, 300), area=areas)
def test_exactly_three_quarters_passes_a_heavy_matter(k, area):
    """以上 includes the bound: 3k of 4k agreeing passes; 3k - 1 does not."""
    electorate = Count(4 * k, area * 4 * k)
    exactly = decide(PRESETS["art278_heavy"], yes_no(3 * k, k, 0, electorate, area))
    short = decide(PRESETS["art278_heavy"], yes_no(3 * k - 1, k + 1, 0, electorate, area))
    assert exactly.passed
    assert short.quorum_met and not short.passed


@given(k=st.integers(1, 300))
def test_exactly_two_thirds_and_three_quarters_presets(k):
    electorate = Count(12 * k)
    assert decide(PRESETS["two_thirds"], yes_no(8 * k, 4 * k, 0, electorate)).passed
    assert not decide(PRESETS["two_thirds"], yes_no(8 * k - 1, 4 * k + 1, 0, electorate)).passed
    assert decide(PRESETS["three_quarters"], yes_no(9 * k, 3 * k, 0, electorate)).passed
    assert not decide(PRESETS["three_quarters"], yes_no(9 * k - 1, 3 * k + 1, 0, electorate)).passed
    assert not decide(PRESETS["majority_participants"], yes_no(6 * k, 6 * k, 0, electorate)).passed
    assert decide(PRESETS["two_thirds_electorate"], yes_no(8 * k, 0, 0, electorate)).passed
    assert not decide(PRESETS["two_thirds_electorate"], yes_no(8 * k - 1, 0, 0, electorate)).passed
    assert decide(PRESETS["three_quarters_electorate"], yes_no(9 * k, 0, 0, electorate)).passed
    assert not decide(PRESETS["majority_electorate"], yes_no(6 * k, 0, 0, electorate)).passed


@given(n=st.integers(0, 500), abstain=st.integers(0, 500))
def test_a_tie_fails_more_yes(n, abstain):
    electorate = Count(2 * n + abstain)
    assert not decide(PRESETS["more_yes"], yes_no(n, n, abstain, electorate)).passed
    assert decide(PRESETS["more_yes"], yes_no(n + 1, n, abstain, electorate + Count(1))).passed


@given(yes=st.integers(0, 300), no=st.integers(0, 300), abstain=st.integers(0, 300))
def test_more_yes_is_yes_greater_than_no(yes, no, abstain):
    electorate = Count(yes + no + abstain)
    assert decide(PRESETS["more_yes"], yes_no(yes, no, abstain, electorate)).passed is (yes > no)


# Monotonicity -------------------------------------------------------------------------


@st.composite
def yes_no_ballots(draw):
    """Yes/no casts with areas, inside an electorate with at least one voter left over."""
    choices = draw(st.lists(st.sampled_from(["yes", "no", "abstain"]), max_size=40))
    casts = [Cast((choice,), draw(areas)) for choice in choices]
    extra_heads = draw(st.integers(1, 30))
    extra_area = draw(areas) * extra_heads
    voted = sum((cast.area for cast in casts), D(0))
    electorate = Count(len(casts) + extra_heads, voted + extra_area)
    return casts, electorate, extra_area


@given(ballot=yes_no_ballots(), preset=st.sampled_from(sorted(PRESETS)), data=st.data())
def test_a_new_yes_vote_never_turns_pass_into_fail(ballot, preset, data):
    casts, electorate, extra_area = ballot
    rule = PRESETS[preset]
    before = decide(rule, tally("yes_no", (), casts, electorate))
    area = data.draw(st.decimals(min_value=D(0), max_value=extra_area, places=2))
    after = decide(rule, tally("yes_no", (), [*casts, Cast(("yes",), area)], electorate))
    if before.passed:
        assert after.passed
    if before.quorum_met:
        assert after.quorum_met


@given(ballot=yes_no_ballots(), preset=st.sampled_from(sorted(PRESETS)), data=st.data())
def test_turning_a_vote_into_yes_never_turns_pass_into_fail(ballot, preset, data):
    casts, electorate, _ = ballot
    if not casts:
        return
    index = data.draw(st.integers(0, len(casts) - 1))
    changed = list(casts)
    changed[index] = Cast(("yes",), casts[index].area)
    rule = PRESETS[preset]
    if decide(rule, tally("yes_no", (), casts, electorate)).passed:
        assert decide(rule, tally("yes_no", (), changed, electorate)).passed


# Heads and area -----------------------------------------------------------------------


@given(
    yes=st.lists(areas, max_size=30),
    no=st.lists(areas, max_size=30),
    abstain=st.lists(areas, max_size=10),
    absent=st.lists(areas, max_size=30),
    preset=st.sampled_from(ART278),
)
def test_a_double_majority_is_both_majorities(yes, no, abstain, absent, preset):
    """art. 278 passes exactly when all four comparisons hold, each on its own measure."""
    rule = PRESETS[preset]
    casts = (
        [Cast(("yes",), a) for a in yes]
        + [Cast(("no",), a) for a in no]
        + [Cast(("abstain",), a) for a in abstain]
    )
    heads = len(casts) + len(absent)
    area = sum(yes + no + abstain + absent, D(0))
    outcome = decide(rule, tally("yes_no", (), casts, Count(heads, area)))

    def at_least(part, whole, bound):
        return whole > 0 and Fraction(part) / Fraction(whole) >= bound

    def more_than(part, whole, bound):
        return whole > 0 and Fraction(part) / Fraction(whole) > bound

    took_part, took_part_area = len(casts), sum(yes + no + abstain, D(0))
    quorum_heads = at_least(took_part, heads, Fraction(2, 3))
    quorum_area = at_least(took_part_area, area, Fraction(2, 3))
    if preset == "art278_heavy":
        agree_heads = at_least(len(yes), took_part, Fraction(3, 4))
        agree_area = at_least(sum(yes, D(0)), took_part_area, Fraction(3, 4))
    else:
        agree_heads = more_than(len(yes), took_part, Fraction(1, 2))
        agree_area = more_than(sum(yes, D(0)), took_part_area, Fraction(1, 2))
    assert outcome.quorum_met is (quorum_heads and quorum_area)
    assert outcome.passed is (quorum_heads and quorum_area and agree_heads and agree_area)
    by = {(c.kind, c.measure): c.met for c in outcome.checks}
    assert by == {
        ("quorum", "heads"): quorum_heads,
        ("quorum", "area"): quorum_area,
        ("approval", "heads"): agree_heads,
        ("approval", "area"): agree_area,
    }


@given(k=st.integers(1, 100), preset=st.sampled_from(ART278))
def test_heads_alone_or_area_alone_is_not_enough(k, preset):
    """Everyone takes part. Big flats vote yes (area passes, heads fail), or many small
    flats vote yes (heads pass, area fails): both fail."""
    small, big = D(50), D(500)
    few_big = [Cast(("yes",), big)] * k + [Cast(("no",), small)] * (3 * k)
    many_small = [Cast(("yes",), small)] * (3 * k) + [Cast(("no",), big)] * k
    electorate = Count(4 * k, (big + 3 * small) * k)
    for casts in (few_big, many_small):
        outcome = decide(PRESETS[preset], tally("yes_no", (), casts, electorate))
        assert outcome.quorum_met
        assert not outcome.passed
        assert sorted(c.met for c in outcome.checks if c.kind == "approval") == [False, True]


# Share --------------------------------------------------------------------------------


@given(
    den=st.integers(1, 100),
    data=st.data(),
    inclusive=st.booleans(),
    part=st.integers(0, 10_000),
    whole=st.integers(-5, 10_000),
)
def test_share_met_agrees_with_fractions(den, data, inclusive, part, whole):
    num = data.draw(st.integers(0, den))
    share = Share(num, den, inclusive)
    bound = Fraction(num, den)
    if whole <= 0:
        expected = False
    elif inclusive:
        expected = Fraction(part, whole) >= bound
    else:
        expected = Fraction(part, whole) > bound
    assert share.met(part, whole) is expected


@given(
    share=st.sampled_from([Share(1, 2, False), Share(2, 3, True), Share(3, 4, True)]),
    part=st.decimals(min_value=D(0), max_value=D("99999.99"), places=2),
    whole=st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2),
)
def test_share_met_on_areas_is_exact(share, part, whole):
    # Compare cross-multiplied Decimals: exact, no float or Fraction in the way.
    lhs, rhs = part * share.den, whole * share.num
    assert share.met(part, whole) is (lhs >= rhs if share.inclusive else lhs > rhs)


# decide() on anything valid -------------------------------------------------------------


def shares():
    return st.integers(1, 12).flatmap(
        lambda den: st.builds(Share, st.integers(0, den), st.just(den), st.booleans())
    )


@st.composite
def rules(draw, ranked: bool):
    by_heads = draw(st.booleans())
    by_area = False if ranked else draw(st.booleans())
    if not (by_heads or by_area):
        by_heads = True
    quorum = draw(st.none() | shares())
    quorum_heads = draw(st.booleans())
    quorum_area = draw(st.booleans())
    if not (quorum_heads or quorum_area):
        quorum_area = True
    return Rule(
        approval=draw(shares()),
        base=draw(st.sampled_from(["cast", "participants", "electorate"])),
        by_heads=by_heads,
        by_area=by_area,
        quorum=quorum,
        quorum_heads=quorum_heads,
        quorum_area=quorum_area,
    )


@st.composite
def ballots(draw):
    """A method, its options, and casts that check_choice accepts."""
    method = draw(st.sampled_from(["yes_no", "single", "multiple", "ranked"]))
    options = tuple(f"o{i}" for i in range(draw(st.integers(1, 6))))
    keys = ("yes", "no", "abstain") if method == "yes_no" else options
    low = draw(st.integers(1, len(keys)))
    high = draw(st.integers(low, len(keys) + 2))
    casts = []
    for _ in range(draw(st.integers(0, 40))):
        one = method in ("yes_no", "single")
        size = 1 if one else draw(st.integers(low, min(high, len(keys))))
        picked = draw(st.permutations(keys))[:size]
        choice = check_choice(method, options, list(picked), min_choices=low, max_choices=high)
        casts.append(Cast(choice, draw(st.decimals(min_value=D(0), max_value=D(300), places=2))))
    electorate = Count(
        len(casts) + draw(st.integers(0, 20)),
        sum((c.area for c in casts), D(0))
        + draw(st.decimals(min_value=D(0), max_value=D(900), places=2)),
    )
    return method, options, casts, electorate


@given(ballot=ballots(), data=st.data())
def test_decide_never_raises_for_valid_input(ballot, data):
    method, options, casts, electorate = ballot
    rule = data.draw(rules(ranked=method == "ranked") | st.sampled_from(list(PRESETS.values())))
    if method == "ranked" and rule.by_area:
        rule = PRESETS["more_yes"]
    result = tally(method, options, casts, electorate)
    outcome = decide(rule, result)
    assert isinstance(outcome, Outcome)
    assert result.participation.heads == len(casts)
    assert set(outcome.winners) <= set(result.options) - {"abstain"}
    assert outcome.passed is (outcome.quorum_met and bool(outcome.winners))
    if method != "multiple":
        assert len(outcome.winners) <= 1
    if method == "yes_no":
        assert outcome.winners in ((), ("yes",))
    assert all(c.met is c.share.met(c.part, c.whole) for c in outcome.checks)


@given(rule=rules(ranked=False))
def test_any_rule_survives_its_data(rule):
    assert rule_from_data(rule_to_data(rule)) == rule


# Instant runoff -----------------------------------------------------------------------


rankings = st.integers(1, 6).flatmap(
    lambda n: st.tuples(
        st.just(tuple(f"o{i}" for i in range(n))),
        st.lists(
            st.permutations([f"o{i}" for i in range(n)]).flatmap(
                lambda order: st.integers(1, len(order)).map(lambda k: tuple(order[:k]))
            ),
            max_size=60,
        ),
    )
)


@given(case=rankings)
def test_the_runoff_winner_has_a_majority_of_the_final_round(case):
    options, ballots_ = case
    rounds, winner = instant_runoff(options, ballots_)
    assert rounds
    final = rounds[-1]
    assert final.eliminated == ()
    if winner is not None:
        assert final.counts[winner] * 2 > sum(final.counts.values())
    else:
        # No winner only when nothing counts or everyone left is tied.
        assert len(set(final.counts.values())) <= 1
    continuing = set(options)
    for index, round_ in enumerate(rounds):
        assert set(round_.counts) == continuing
        assert sum(round_.counts.values()) + round_.exhausted == len(ballots_)
        if index:
            assert round_.exhausted >= rounds[index - 1].exhausted
        if round_.eliminated:
            fewest = min(round_.counts.values())
            assert {k for k, v in round_.counts.items() if v == fewest} == set(round_.eliminated)
            assert len(round_.eliminated) < len(continuing)
        continuing -= set(round_.eliminated)


@given(case=rankings)
def test_a_runoff_winner_passes_more_yes(case):
    options, ballots_ = case
    result = tally("ranked", options, [Cast(b) for b in ballots_], Count(len(ballots_)))
    outcome = decide(PRESETS["more_yes"], result)
    assert outcome.passed is (result.runoff_winner is not None)
