"""Tallies, quorum and pass rules, and the Civil Code art. 278 presets. Pure: no Django.

Counts are exact: heads are ints, floor areas Decimals, and every comparison with a share
("more than 1/2", "at least 2/3") is done in fractions, so 2/3 is never 0.6666.

Vocabulary:
- the electorate: every voter unit of the snapshot taken at open (heads and floor area);
- participants: those who voted, abstentions included;
- votes cast ("cast"): participants minus abstentions, the base of "more yes than no";
- a Share is a bound such as > 1/2 (过半数, exclusive) or >= 2/3 (三分之二以上, inclusive).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

Method = Literal["yes_no", "single", "multiple", "ranked"]
Base = Literal["cast", "participants", "electorate"]
Measure = Literal["heads", "area"]

YES, NO, ABSTAIN = "yes", "no", "abstain"
YES_NO_OPTIONS: tuple[str, ...] = (YES, NO, ABSTAIN)
ZERO = Decimal(0)


class InvalidChoice(ValueError):
    """A choice the ballot's method does not allow; `code` is stable."""

    def __init__(self, code: str = "invalid_choice") -> None:
        super().__init__(code)
        self.code = code


class InvalidRule(ValueError):
    """A rule that cannot be applied as given (e.g. a share above 1, area on ranked)."""


@dataclass(frozen=True)
class Share:
    """A bound on part / whole: > num/den, or >= num/den when inclusive (以上)."""

    num: int
    den: int
    inclusive: bool

    def __post_init__(self) -> None:
        if self.den <= 0 or self.num < 0 or self.num > self.den:
            raise InvalidRule(f"share {self.num}/{self.den} is not between 0 and 1")

    @property
    def fraction(self) -> Fraction:
        return Fraction(self.num, self.den)

    def met(self, part: int | Decimal, whole: int | Decimal) -> bool:
        """Whether part / whole meets the bound. Nothing out of nothing meets no bound."""
        if whole <= 0:
            return False
        ratio = Fraction(part) / Fraction(whole)
        return ratio >= self.fraction if self.inclusive else ratio > self.fraction


MORE_THAN_HALF = Share(1, 2, inclusive=False)  # 过半数
TWO_THIRDS = Share(2, 3, inclusive=True)  # 三分之二以上
THREE_QUARTERS = Share(3, 4, inclusive=True)  # 四分之三以上
ANY = Share(0, 1, inclusive=False)  # more than nothing: a plurality suffices


@dataclass(frozen=True)
class Rule:
    """When a ballot is valid (quorum) and when an option is approved.

    `quorum` is participation as a share of the electorate, checked by heads and/or area;
    `approval` is an option's votes as a share of `base`, by heads and/or area. Where both
    measures are on, both must hold (the double majorities of art. 278).
    """

    approval: Share
    base: Base = "cast"
    by_heads: bool = True
    by_area: bool = False
    quorum: Share | None = None
    quorum_heads: bool = True
    quorum_area: bool = False

    def __post_init__(self) -> None:
        if not (self.by_heads or self.by_area):
            raise InvalidRule("approval needs heads, area or both")
        if self.quorum is not None and not (self.quorum_heads or self.quorum_area):
            raise InvalidRule("a quorum needs heads, area or both")

    @property
    def uses_area(self) -> bool:
        return self.by_area or (self.quorum is not None and self.quorum_area)


PRESETS: dict[str, Rule] = {
    # 南塘十三条 rule 13: more yes than no, abstentions not counted, a tie fails.
    "more_yes": Rule(approval=MORE_THAN_HALF, base="cast"),
    "majority_participants": Rule(approval=MORE_THAN_HALF, base="participants"),
    "two_thirds": Rule(approval=TWO_THIRDS, base="participants"),
    "three_quarters": Rule(approval=THREE_QUARTERS, base="participants"),
    "majority_electorate": Rule(approval=MORE_THAN_HALF, base="electorate"),
    "two_thirds_electorate": Rule(approval=TWO_THIRDS, base="electorate"),
    "three_quarters_electorate": Rule(approval=THREE_QUARTERS, base="electorate"),
    "plurality": Rule(approval=ANY, base="cast"),
    # Civil Code art. 278 para. 2: owners holding >= 2/3 of the area AND >= 2/3 by head
    # take part; ordinary matters pass with > 1/2 of the participating area AND heads ...
    "art278_ordinary": Rule(
        approval=MORE_THAN_HALF,
        base="participants",
        by_heads=True,
        by_area=True,
        quorum=TWO_THIRDS,
        quorum_heads=True,
        quorum_area=True,
    ),
    # ... and items 6-8 (raising maintenance funds; rebuilding or altering buildings and
    # facilities; changing the use of common parts or running a business on them) with
    # >= 3/4 of both.
    "art278_heavy": Rule(
        approval=THREE_QUARTERS,
        base="participants",
        by_heads=True,
        by_area=True,
        quorum=TWO_THIRDS,
        quorum_heads=True,
        quorum_area=True,
    ),
}


# Choices ------------------------------------------------------------------------------


def check_choice(
    method: Method,
    options: Sequence[str],
    choice: object,
    *,
    min_choices: int = 1,
    max_choices: int = 1,
) -> tuple[str, ...]:
    """The choice as a tuple of option keys, or InvalidChoice.

    yes_no and single take exactly one option; multiple takes min..max distinct options;
    ranked takes min..max distinct options in order of preference. A bare string is one
    key (a form's single value), never a sequence of letters; anything else that is not a
    list or tuple of strings is refused.
    """
    if isinstance(choice, str):
        choice = [choice]
    allowed = YES_NO_OPTIONS if method == "yes_no" else tuple(options)
    # The length first: a flood of keys is refused before anything walks through it.
    if not isinstance(choice, list | tuple) or len(choice) > len(allowed):
        raise InvalidChoice()
    if not all(isinstance(c, str) for c in choice):
        raise InvalidChoice()
    keys = tuple(choice)
    if len(set(keys)) != len(keys) or any(key not in allowed for key in keys):
        raise InvalidChoice()
    if method in ("yes_no", "single"):
        low, high = 1, 1
    else:
        low, high = max(1, min_choices), min(max_choices, len(allowed))
    if not low <= len(keys) <= high:
        raise InvalidChoice()
    return keys


# Tallies ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    heads: int = 0
    area: Decimal = ZERO

    def __add__(self, other: Count) -> Count:
        return Count(self.heads + other.heads, self.area + other.area)

    def measure(self, which: Measure) -> int | Decimal:
        return self.heads if which == "heads" else self.area


@dataclass(frozen=True)
class Cast:
    """One voter unit's vote: its choice and the floor area it weighs; or `heads` voter
    units who made the same choice, with their total area (a tally read grouped by choice
    counts the same as one read vote by vote)."""

    choice: tuple[str, ...]
    area: Decimal = ZERO
    heads: int = 1


@dataclass(frozen=True)
class Round:
    """One round of an instant runoff: first preferences among the continuing options."""

    counts: Mapping[str, int]
    eliminated: tuple[str, ...]
    exhausted: int


@dataclass(frozen=True)
class Tally:
    method: Method
    electorate: Count
    participation: Count
    options: Mapping[str, Count]  # for ranked: first preferences
    rounds: tuple[Round, ...] = ()
    runoff_winner: str | None = None

    @property
    def abstained(self) -> Count:
        return self.options.get(ABSTAIN, Count())

    def base(self, base: Base) -> Count:
        if base == "electorate":
            return self.electorate
        if base == "participants":
            return self.participation
        return Count(
            self.participation.heads - self.abstained.heads,
            self.participation.area - self.abstained.area,
        )


def tally(
    method: Method, options: Sequence[str], casts: Iterable[Cast], electorate: Count
) -> Tally:
    """Count the casts by head and by area; for ranked choice, run the instant runoff.

    The casts are expected to have passed check_choice; one naming an option the ballot does
    not have raises InvalidChoice rather than a bare KeyError.
    """
    keys = YES_NO_OPTIONS if method == "yes_no" else tuple(options)
    counts = {key: Count() for key in keys}
    participation = Count()
    rankings: list[tuple[str, ...]] = []
    for cast in casts:
        weight = Count(cast.heads, cast.area)
        participation = participation + weight
        picked = cast.choice[:1] if method == "ranked" else cast.choice
        for key in picked:
            if key not in counts:  # a choice check_choice would have refused
                raise InvalidChoice()
            counts[key] = counts[key] + weight
        if method == "ranked":
            rankings.extend([cast.choice] * cast.heads)
    rounds: tuple[Round, ...] = ()
    winner: str | None = None
    if method == "ranked":
        rounds, winner = instant_runoff(keys, rankings)
    return Tally(method, electorate, participation, counts, rounds, winner)


def instant_runoff(
    options: Sequence[str], rankings: Sequence[Sequence[str]]
) -> tuple[tuple[Round, ...], str | None]:
    """Instant runoff by head: the rounds and the winner (None on a final tie or no votes).

    Each round counts every ranking for its highest continuing option; an option with more
    than half of the rankings still counting wins; otherwise the options with the fewest
    are eliminated together (a tie for last is never broken by chance).
    """
    continuing = list(options)
    rounds: list[Round] = []
    while continuing:
        counts = dict.fromkeys(continuing, 0)
        exhausted = 0
        for ranking in rankings:
            top = next((key for key in ranking if key in counts), None)
            if top is None:
                exhausted += 1
            else:
                counts[top] += 1
        live = sum(counts.values())
        leader = max(continuing, key=lambda key: counts[key])
        if live and counts[leader] * 2 > live:
            rounds.append(Round(counts, (), exhausted))
            return tuple(rounds), leader
        fewest = min(counts.values())
        last = tuple(key for key in continuing if counts[key] == fewest)
        if not live or len(last) == len(continuing):
            rounds.append(Round(counts, (), exhausted))
            return tuple(rounds), None
        rounds.append(Round(counts, last, exhausted))
        continuing = [key for key in continuing if key not in last]
    return tuple(rounds), None  # pragma: no cover - the loop always returns


# Decisions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One comparison the decision rests on, with its numbers, for the certified record."""

    kind: Literal["quorum", "approval"]
    measure: Measure
    part: int | Decimal
    whole: int | Decimal
    share: Share
    met: bool
    option: str | None = None


@dataclass(frozen=True)
class Outcome:
    quorum_met: bool
    passed: bool
    winners: tuple[str, ...]
    checks: tuple[Check, ...] = field(default=())


def _measures(heads: bool, area: bool) -> tuple[Measure, ...]:
    chosen: list[Measure] = []
    if heads:
        chosen.append("heads")
    if area:
        chosen.append("area")
    return tuple(chosen)


def quorum_checks(rule: Rule, result: Tally) -> tuple[Check, ...]:
    if rule.quorum is None:
        return ()
    return tuple(
        Check(
            "quorum",
            measure,
            result.participation.measure(measure),
            result.electorate.measure(measure),
            rule.quorum,
            rule.quorum.met(
                result.participation.measure(measure), result.electorate.measure(measure)
            ),
        )
        for measure in _measures(rule.quorum_heads, rule.quorum_area)
    )


def _approval_checks(
    share: Share, measures: tuple[Measure, ...], option: str, votes: Count, whole: Count
) -> tuple[Check, ...]:
    return tuple(
        Check(
            "approval",
            measure,
            votes.measure(measure),
            whole.measure(measure),
            share,
            share.met(votes.measure(measure), whole.measure(measure)),
            option,
        )
        for measure in measures
    )


def decide(rule: Rule, result: Tally) -> Outcome:
    """Whether the ballot passed, and which options won, with every check it rests on.

    yes_no: "yes" must meet the approval; under a share below one half (plurality, or a
    custom "a third of the electorate agree") it must also have more votes than "no", so a
    proposal more people rejected than accepted never passes.
    single: the option with strictly the most votes on every measure the rule counts must
    meet it; a tie for first (or one option first by head and another by area) passes
    nothing, and area never breaks a tie of a rule counted by head only.
    multiple: every option that meets it is approved.
    ranked: the runoff winner must meet it with its final-round votes; "votes cast" are then
    the rankings still counting in the final round (exhausted ones are not), so a runoff
    winner always has more than half of them; "participants" and "electorate" keep their
    meaning.
    """
    if result.method == "ranked" and rule.by_area:
        raise InvalidRule("ranked choice is counted by head only")
    quorum = quorum_checks(rule, result)
    quorum_met = all(check.met for check in quorum)
    checks: list[Check] = list(quorum)
    winners: list[str] = []
    measures = _measures(rule.by_heads, rule.by_area)
    if result.method == "yes_no":
        candidates = [YES]
    elif result.method == "single":
        candidates = _single_leader(result, measures)
    elif result.method == "multiple":
        candidates = [key for key in result.options if key != ABSTAIN]
    else:
        candidates = [result.runoff_winner] if result.runoff_winner else []
    whole = result.base(rule.base)
    for option in candidates:
        votes = result.options[option]
        if result.method == "ranked" and result.rounds:
            final = result.rounds[-1].counts
            votes = Count(final.get(option, 0), ZERO)
            if rule.base == "cast":
                whole = Count(sum(final.values()), ZERO)
        option_checks = _approval_checks(rule.approval, measures, option, votes, whole)
        if result.method == "yes_no" and rule.approval.fraction < Fraction(1, 2):
            # More yes than no is yes over more than half of yes + no.
            option_checks += _approval_checks(
                MORE_THAN_HALF, measures, option, votes, result.base("cast")
            )
        checks.extend(option_checks)
        if all(check.met for check in option_checks):
            winners.append(option)
    passed = quorum_met and bool(winners)
    return Outcome(quorum_met, passed, tuple(winners) if quorum_met else (), tuple(checks))


def _single_leader(result: Tally, measures: tuple[Measure, ...]) -> list[str]:
    """The option ahead of every other on each measure, or none (a tie or a split)."""
    keys = [key for key in result.options if key != ABSTAIN]
    for key in keys:
        mine = result.options[key]
        if all(
            mine.measure(measure) > result.options[other].measure(measure)
            for other in keys
            if other != key
            for measure in measures
        ):
            return [key]
    return []


# Progress and data ---------------------------------------------------------------------


def quorum_progress(rule: Rule, result: Tally) -> dict[str, Any]:
    """Participation toward the quorum, as the ballot page and the live tally show it:
    {"heads": 0.62, "area": 0.58, "needed": 0.667, "met": false} (floats for display
    only; the decision itself never uses them)."""
    heads = Fraction(result.participation.heads, result.electorate.heads or 1)
    area = (
        Fraction(result.participation.area) / Fraction(result.electorate.area)
        if result.electorate.area
        else Fraction(0)
    )
    checks = quorum_checks(rule, result)
    return {
        "heads": round(float(heads), 4),
        "area": round(float(area), 4),
        "needed": round(float(rule.quorum.fraction), 4) if rule.quorum else None,
        "inclusive": rule.quorum.inclusive if rule.quorum else None,
        "met": all(check.met for check in checks),
    }


def share_to_data(share: Share) -> dict[str, Any]:
    return {"num": share.num, "den": share.den, "inclusive": share.inclusive}


def _whole_number(value: object) -> int:
    # bool is an int to Python, but True/False is never a meant numerator.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise InvalidRule(f"{value!r} is not a whole number")


def _flag(data: Mapping[str, Any], key: str, default: bool) -> bool:
    # bool("false") is True: only real booleans are taken, anything else is refused.
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise InvalidRule(f"{key} must be true or false")
    return value


def share_from_data(data: object) -> Share:
    """A Share from its stored form; InvalidRule if malformed.

    `inclusive` has no default: a missing one silently read as "more than" would turn a
    三分之二以上 rule into a stricter one.
    """
    if not isinstance(data, Mapping) or not {"num", "den", "inclusive"} <= data.keys():
        raise InvalidRule("a share needs num, den and inclusive")
    return Share(
        _whole_number(data["num"]), _whole_number(data["den"]), _flag(data, "inclusive", False)
    )


def rule_to_data(rule: Rule) -> dict[str, Any]:
    return {
        "approval": share_to_data(rule.approval),
        "base": rule.base,
        "by_heads": rule.by_heads,
        "by_area": rule.by_area,
        "quorum": share_to_data(rule.quorum) if rule.quorum else None,
        "quorum_heads": rule.quorum_heads,
        "quorum_area": rule.quorum_area,
    }


def rule_from_data(data: object) -> Rule:
    """A Rule from its stored form (rule_to_data's, or a custom rule sent by staff).

    Anything malformed raises InvalidRule and nothing else, so a caller maps one exception
    to its error code.
    """
    if not isinstance(data, Mapping) or "approval" not in data:
        raise InvalidRule("a rule needs an approval share")
    base = data.get("base", "cast")
    if base not in ("cast", "participants", "electorate"):
        raise InvalidRule(f"unknown base {base!r}")
    quorum = data.get("quorum")
    return Rule(
        approval=share_from_data(data["approval"]),
        base=base,
        by_heads=_flag(data, "by_heads", True),
        by_area=_flag(data, "by_area", False),
        quorum=share_from_data(quorum) if quorum is not None else None,
        quorum_heads=_flag(data, "quorum_heads", True),
        quorum_area=_flag(data, "quorum_area", False),
    )


def _number(value: int | Decimal) -> int | str:
    return value if isinstance(value, int) else str(value)


def count_to_data(count: Count) -> dict[str, Any]:
    return {"heads": count.heads, "area": str(count.area)}


def tally_to_data(result: Tally) -> dict[str, Any]:
    return {
        "method": result.method,
        "electorate": count_to_data(result.electorate),
        "participation": count_to_data(result.participation),
        "options": {key: count_to_data(count) for key, count in result.options.items()},
        "rounds": [
            {"counts": dict(r.counts), "eliminated": list(r.eliminated), "exhausted": r.exhausted}
            for r in result.rounds
        ],
        "runoff_winner": result.runoff_winner,
    }


def outcome_to_data(outcome: Outcome) -> dict[str, Any]:
    return {
        "quorum_met": outcome.quorum_met,
        "passed": outcome.passed,
        "winners": list(outcome.winners),
        "checks": [
            {
                "kind": check.kind,
                "measure": check.measure,
                "part": _number(check.part),
                "whole": _number(check.whole),
                "share": share_to_data(check.share),
                "met": check.met,
                "option": check.option,
            }
            for check in outcome.checks
        ],
    }
