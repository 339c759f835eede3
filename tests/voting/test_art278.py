"""Worked examples of Civil Code art. 278 para. 2, with concrete numbers.

业主共同决定事项，应当由专有部分面积占比三分之二以上的业主且人数占比三分之二以上的业主参与表决。
决定前款第六项至第八项规定的事项，应当经参与表决专有部分面积四分之三以上的业主且参与表决人数四分之三
以上的业主同意。决定前款其他事项，应当经参与表决专有部分面积过半数的业主且参与表决人数过半数的业主同意。

"art278_heavy" is items 6-8 (raising maintenance funds; rebuilding or altering buildings,
such as adding an elevator; changing the use of common parts); "art278_ordinary" the others.
以上 includes the bound, 过半数 does not. Abstaining owners took part (参与表决) but did not
agree. An owner of several units counts once by head with the area of all of them: the
caller (the electorate snapshot) gives one Cast with the summed area.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from voting.tally import PRESETS, Cast, Count, Outcome, decide, tally

D = Decimal
HEAVY = PRESETS["art278_heavy"]
ORDINARY = PRESETS["art278_ordinary"]


def owners_vote(
    rule,
    *,
    yes: Sequence[Decimal],
    no: Sequence[Decimal] = (),
    abstain: Sequence[Decimal] = (),
    absent: Sequence[Decimal] = (),
) -> Outcome:
    """Each list holds one floor area per owner; the electorate is all four lists."""
    casts = (
        [Cast(("yes",), area) for area in yes]
        + [Cast(("no",), area) for area in no]
        + [Cast(("abstain",), area) for area in abstain]
    )
    everyone = [*yes, *no, *abstain, *absent]
    electorate = Count(len(everyone), sum(everyone, D(0)))
    return decide(rule, tally("yes_no", (), casts, electorate))


def numbers(outcome: Outcome) -> dict[tuple[str, str], tuple[object, object, bool]]:
    return {(c.kind, c.measure): (c.part, c.whole, c.met) for c in outcome.checks}


def test_an_elevator_passes():
    """Building 3 has 24 units holding 1,800 m². Adding an elevator alters the building
    (item 7): a heavy matter. 18 owners holding 1,400 m² take part; 14 owners holding
    1,100 m² agree, 3 disagree and 1 abstains.
    Quorum: heads 18/24 = 75% >= 2/3, area 1,400/1,800 = 77.8% >= 2/3.
    Approval: heads 14/18 = 77.8% >= 3/4, area 1,100/1,400 = 78.6% >= 3/4. It passes."""
    outcome = owners_vote(
        HEAVY,
        yes=[D(80)] * 10 + [D(75)] * 4,  # 1,100 m²
        no=[D(75)] * 3,
        abstain=[D(75)],
        absent=[D(70)] * 4 + [D(60)] * 2,  # 400 m²
    )
    assert numbers(outcome) == {
        ("quorum", "heads"): (18, 24, True),
        ("quorum", "area"): (D(1400), D(1800), True),
        ("approval", "heads"): (14, 18, True),
        ("approval", "area"): (D(1100), D(1400), True),
    }
    assert outcome.passed
    assert outcome.winners == ("yes",)


def test_an_elevator_fails_on_area_only():
    """The same building and turnout, 14 of 18 owners agree again (77.8% by head), but they
    own the small flats: 1,000 of the 1,400 m² taking part, 71.4% < 3/4. The four owners
    against hold 400 m². Heads pass, area fails: the double majority fails."""
    outcome = owners_vote(
        HEAVY,
        yes=[D(70)] * 10 + [D(75)] * 4,  # 1,000 m²
        no=[D(100)] * 4,
        absent=[D(70)] * 4 + [D(60)] * 2,
    )
    got = numbers(outcome)
    assert got[("approval", "heads")] == (14, 18, True)
    assert got[("approval", "area")] == (D(1000), D(1400), False)
    assert outcome.quorum_met
    assert not outcome.passed


def test_an_elevator_fails_on_heads_only():
    """Now 13 of the 18 owners agree, holding the big flats: 1,100 of 1,400 m² (78.6%)
    passes by area, but 13/18 = 72.2% < 3/4 by head. It fails."""
    outcome = owners_vote(
        HEAVY,
        yes=[D(85)] * 12 + [D(80)],  # 1,100 m²
        no=[D(60)] * 5,
        absent=[D(70)] * 4 + [D(60)] * 2,
    )
    got = numbers(outcome)
    assert got[("approval", "heads")] == (13, 18, False)
    assert got[("approval", "area")] == (D(1100), D(1400), True)
    assert not outcome.passed


def test_the_quorum_fails_by_exactly_one_owner():
    """24 units of 75 m² each (1,800 m²): two thirds is 16 owners and 1,200 m².
    16 owners take part and all agree: 16/24 and 1,200/1,800 are exactly 2/3, which
    三分之二以上 includes: it passes. With one owner fewer, 15/24 = 62.5% and
    1,125/1,800 = 62.5%: no quorum, and unanimity does not help."""
    unit = D(75)
    met = owners_vote(HEAVY, yes=[unit] * 16, absent=[unit] * 8)
    assert numbers(met)[("quorum", "heads")] == (16, 24, True)
    assert numbers(met)[("quorum", "area")] == (D(1200), D(1800), True)
    assert met.passed
    short = owners_vote(HEAVY, yes=[unit] * 15, absent=[unit] * 9)
    assert numbers(short)[("quorum", "heads")] == (15, 24, False)
    assert numbers(short)[("quorum", "area")] == (D(1125), D(1800), False)
    assert not short.quorum_met
    assert not short.passed
    assert short.winners == ()


def test_the_quorum_by_head_fails_alone():
    """15 of 24 owners take part, but they hold the big flats: 1,395 of 1,800 m² (77.5%)
    is enough area; 15/24 by head is not. Both measures must reach 2/3."""
    outcome = owners_vote(HEAVY, yes=[D(93)] * 15, absent=[D(45)] * 9)
    assert numbers(outcome)[("quorum", "heads")] == (15, 24, False)
    assert numbers(outcome)[("quorum", "area")] == (D(1395), D(1800), True)
    assert not outcome.passed


def test_exactly_three_quarters_passes():
    """24 units of 75 m². 16 owners (1,200 m²) take part: exactly 2/3 of both. 12 of
    them (900 m²) agree: exactly 3/4 of the participants by head and by area, which
    四分之三以上 includes: it passes. If one of the 12 abstains instead, 11/16 = 68.75%
    fails, although nobody more voted against."""
    unit = D(75)
    exactly = owners_vote(HEAVY, yes=[unit] * 12, no=[unit] * 4, absent=[unit] * 8)
    assert numbers(exactly)[("approval", "heads")] == (12, 16, True)
    assert numbers(exactly)[("approval", "area")] == (D(900), D(1200), True)
    assert exactly.passed
    less = owners_vote(HEAVY, yes=[unit] * 11, no=[unit] * 4, abstain=[unit], absent=[unit] * 8)
    assert numbers(less)[("approval", "heads")] == (11, 16, False)
    assert not less.passed


def test_exactly_half_fails_an_ordinary_matter():
    """Using the maintenance fund (item 5) is an ordinary matter. An estate of 60 owners,
    90 m² each (5,400 m²); 40 owners (3,600 m², 2/3) take part. 20 agree (1,800 m²):
    exactly half by head and by area, and 过半数 needs more than half: it fails. One more
    owner agreeing (21/40, 1,890/3,600 m²) passes."""
    unit = D(90)
    half = owners_vote(ORDINARY, yes=[unit] * 20, no=[unit] * 20, absent=[unit] * 20)
    assert numbers(half)[("approval", "heads")] == (20, 40, False)
    assert numbers(half)[("approval", "area")] == (D(1800), D(3600), False)
    assert half.quorum_met and not half.passed
    more = owners_vote(ORDINARY, yes=[unit] * 21, no=[unit] * 19, absent=[unit] * 20)
    assert more.passed
    # Under the heavy rule the same 21 of 40 (52.5%) would be far from 3/4.
    assert not owners_vote(HEAVY, yes=[unit] * 21, no=[unit] * 19, absent=[unit] * 20).passed


def test_an_owner_of_several_units_counts_once_with_all_their_area():
    """Building 5 has 12 units of 90 m² (1,080 m²). Mr Wang owns three of them, so the
    building has 10 owners, not 12: he counts once by head and with 270 m² by area (one
    Cast carrying the summed area). 7 owners take part, Wang among them: 7/10 = 70% by
    head and 270 + 6 x 90 = 810/1,080 = 75% by area reach the quorum.
    Wang and 3 others agree on an ordinary matter: 4/7 = 57% by head, 540/810 = 66.7% by
    area: it passes. Wang and only 2 others: 450/810 = 55.6% by area would pass, but 3/7 =
    42.9% by head fails; counting him once per unit (5 of 9) would have passed it wrongly."""
    wang = D(270)
    unit = D(90)
    passes = owners_vote(ORDINARY, yes=[wang] + [unit] * 3, no=[unit] * 3, absent=[unit] * 3)
    assert numbers(passes) == {
        ("quorum", "heads"): (7, 10, True),
        ("quorum", "area"): (D(810), D(1080), True),
        ("approval", "heads"): (4, 7, True),
        ("approval", "area"): (D(540), D(810), True),
    }
    assert passes.passed
    fails = owners_vote(ORDINARY, yes=[wang] + [unit] * 2, no=[unit] * 4, absent=[unit] * 3)
    assert numbers(fails)[("approval", "heads")] == (3, 7, False)
    assert numbers(fails)[("approval", "area")] == (D(450), D(810), True)
    assert not fails.passed


def test_without_the_owner_of_three_units_the_quorum_fails():
    """The same building: if Wang stays away and 6 single-unit owners take part, that is
    6/10 = 60% by head and 540/1,080 = 50% by area: no quorum on either measure."""
    outcome = owners_vote(ORDINARY, yes=[D(90)] * 6, absent=[D(270)] + [D(90)] * 3)
    assert numbers(outcome)[("quorum", "heads")] == (6, 10, False)
    assert numbers(outcome)[("quorum", "area")] == (D(540), D(1080), False)
    assert not outcome.passed


def test_abstentions_count_as_taking_part_but_not_as_agreeing():
    """24 units of 75 m². 18 owners take part: 12 agree, 2 disagree, 4 abstain. More yes
    than no by far (12 to 2), but art. 278 counts agreement among all who took part:
    12/18 = 66.7% < 3/4 for an elevator. The 南塘 rule "more yes than no" would pass it."""
    unit = D(75)
    votes = {"yes": [unit] * 12, "no": [unit] * 2, "abstain": [unit] * 4, "absent": [unit] * 6}
    heavy = owners_vote(HEAVY, **votes)
    assert numbers(heavy)[("approval", "heads")] == (12, 18, False)
    assert heavy.quorum_met and not heavy.passed
    assert owners_vote(PRESETS["more_yes"], **votes).passed


def test_an_elevator_on_the_estates_common_land_goes_to_every_owner():
    """The elevator shaft would stand on the estate's green, a common part of all owners:
    all 300 owners of the estate (90 m² each, 27,000 m²) decide, under the ordinary rule.
    210 take part (70%, 18,900 m²), 120 agree (57.1%, 10,800 m²): it passes; the same
    votes would fail the heavy rule (57.1% < 75%)."""
    unit = D(90)
    votes = {"yes": [unit] * 120, "no": [unit] * 90, "absent": [unit] * 90}
    ordinary = owners_vote(ORDINARY, **votes)
    assert numbers(ordinary)[("quorum", "area")] == (D(18900), D(27000), True)
    assert numbers(ordinary)[("approval", "area")] == (D(10800), D(18900), True)
    assert ordinary.passed
    assert not owners_vote(HEAVY, **votes).passed


def test_floor_areas_with_fractions_of_a_square_metre():
    """Areas as the ledger holds them, to the hundredth: 3 owners of 4 take part with
    66.67 + 70.10 + 63.23 = 200.00 m² of 300.00 m², exactly 2/3 (met, 以上); had the last
    one 63.22 m², 199.99 m² would fall short by a hundredth of a square metre."""
    exact = owners_vote(
        ORDINARY, yes=[D("66.67"), D("70.10")], no=[D("63.23")], absent=[D("100.00")]
    )
    assert numbers(exact)[("quorum", "area")] == (D("200.00"), D("300.00"), True)
    short = owners_vote(
        ORDINARY, yes=[D("66.67"), D("70.10")], no=[D("63.22")], absent=[D("100.01")]
    )
    assert numbers(short)[("quorum", "area")] == (D("199.99"), D("300.00"), False)
