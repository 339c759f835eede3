"""What the ballot pages show, in words: the rule, the electorate, turnout, the tally and the
certified result, from what voting.selectors read. The ballot page, its live panel (the
fragment live/ballot.js fetches after an event), the printable record and a room's vote box
all render from here, so a figure that arrives live reads like a reloaded one: the browser
computes none of them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from voting import matters, tally
from voting.models import Ballot, Method, Objection, Scope, Status, Visibility, VoterUnit
from voting.slots import Slot

# Words: rules, progress, checks ---------------------------------------------------------


def percent(part: float | Fraction | Decimal | int, whole: float | Decimal | int = 1) -> str:
    """62%, 66.7%: one decimal, none when it is whole; half up."""
    if not whole:
        return "0%"
    value = math.floor(float(part) / float(whole) * 1000 + 0.5) / 10
    return f"{value:.1f}".removesuffix(".0") + "%"


def share_text(share: Mapping[str, Any] | None) -> str:
    if not share:
        return ""
    if not share.get("num"):
        return _("the most votes")
    sign = "≥" if share.get("inclusive") else ">"
    return f"{sign}\u00a0{share['num']}/{share['den']}"  # never broken across lines


def heads_word(voter_unit: str) -> str:
    return _("number of households") if voter_unit == VoterUnit.HOUSEHOLD else _("head count")


def heads_unit(voter_unit: str) -> str:
    """The counting word after a number: 3 户, 3 人."""
    return _("households") if voter_unit == VoterUnit.HOUSEHOLD else _("people")


def area_text(value: object) -> str:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"{number:.2f} m²"


def both(parts: list[str]) -> str:
    """Two conditions that must both hold (且), or the one there is."""
    if len(parts) == 2:
        return _("%(one)s and %(other)s") % {"one": parts[0], "other": parts[1]}
    return "".join(parts)


def _measures(heads: bool, area: bool) -> list[str]:
    # Area first, as the Civil Code puts it (专有部分面积 … 且 人数 …).
    return [m for m, on in (("area", area), ("heads", heads)) if on]


def rule_lines(ballot: Ballot) -> list[str]:
    """The rule in plain words, e.g. 参与表决：专有部分面积占比 ≥ 2/3 且 人数占比 ≥ 2/3."""
    rule = ballot.rule or {}
    lines: list[str] = []
    heads = heads_word(ballot.voter_unit)
    quorum = rule.get("quorum")
    if quorum:
        parts = [
            (
                _("share of the floor area %(share)s")
                if m == "area"
                else _("share of %(what)s %(share)s")
            )
            % {"share": share_text(quorum), "what": heads}
            for m in _measures(rule.get("quorum_heads", True), rule.get("quorum_area", False))
        ]
        lines.append(_("Turnout needed: %(parts)s") % {"parts": both(parts)})
    approval = rule.get("approval") or {}
    base = rule.get("base", "cast")
    by_heads, by_area = rule.get("by_heads", True), rule.get("by_area", False)
    if not approval.get("num"):
        lines.append(_("The option with the most votes wins (a tie decides nothing)."))
    elif (
        base == "cast"
        and approval.get("num") == 1
        and approval.get("den") == 2
        and not approval.get("inclusive")
        and not by_area
        and ballot.method == Method.YES_NO
    ):
        lines.append(_("To pass: more yes than no (abstentions not counted; a tie fails)."))
    else:
        base_word = {
            "participants": _("participating"),
            "electorate": _("of the whole electorate:"),
            "cast": _("of the votes cast:"),
        }.get(base, "")
        parts = []
        for index, m in enumerate(_measures(by_heads, by_area)):
            parts.append(
                _("%(base)s %(measure)s %(share)s")
                % {
                    "base": base_word if index == 0 else "",
                    "measure": _("floor area") if m == "area" else heads,
                    "share": share_text(approval),
                }
            )
        joined = both([part.strip() for part in parts])
        if ballot.method == Method.YES_NO:
            lines.append(_("To pass: %(parts)s") % {"parts": joined})
        else:
            lines.append(_("An option is chosen with: %(parts)s") % {"parts": joined})
    if ballot.method == Method.MULTIPLE:
        lines.append(_("Each option is counted on its own."))
    if ballot.method == Method.RANKED:
        lines.append(
            _(
                "Ranked choice: round by round the option with the fewest first choices "
                "drops out, until one has more than half."
            )
        )
    return lines


def electorate_line(ballot: Ballot) -> str:
    if ballot.scope == Scope.BUILDING and ballot.building is not None:
        where = ballot.building.name
    elif ballot.scope == Scope.UNITS:
        where = _("%(count)s flats") % {"count": len(ballot.unit_ids or [])}
    else:
        where = ballot.neighborhood.name
    words: dict[str, str] = {
        VoterUnit.PERSON: _("verified residents aged %(age)s or over, one vote each"),
        VoterUnit.HOUSEHOLD: _("one vote per household, cast by its representative"),
        VoterUnit.OWNER: _(
            "the owners (业主), one vote each; an owner of several flats counts once, "
            "with the floor area of them all"
        ),
    }
    who = words.get(ballot.voter_unit, "")
    return _("Who votes: %(where)s, %(who)s") % {
        "where": where,
        "who": who % {"age": ballot.min_age} if "%(age)s" in who else who,
    }


def uses_area(ballot: Ballot) -> bool:
    rule = ballot.rule or {}
    return bool(rule.get("by_area") or (rule.get("quorum") and rule.get("quorum_area")))


def turnout_area_shown(ballot: Ballot) -> bool:
    """Turnout by area: where the rule uses area, and not while a secret ballot is open
    (voting/secrecy.py)."""
    return uses_area(ballot) and not (ballot.secret and ballot.status == Status.OPEN)


def option_area_shown(ballot: Ballot) -> bool:
    """Area by option: where the rule uses area; a secret ballot's only where the rule
    approves by area (voting/secrecy.py)."""
    return uses_area(ballot) and (not ballot.secret or bool((ballot.rule or {}).get("by_area")))


def check_line(check: Mapping[str, Any], labels: Mapping[str, str], voter_unit: str) -> str:
    """One check of the certified result with its numbers."""
    is_area = check.get("measure") == "area"
    part, whole = check.get("part", 0), check.get("whole", 0)
    what = (
        _("Turnout,")
        if check.get("kind") == "quorum"
        else labels.get(str(check.get("option")), str(check.get("option")))
    )
    try:
        ratio = (
            percent(Fraction(str(part)) / Fraction(str(whole))) if Fraction(str(whole)) else "0%"
        )
    except (ValueError, ZeroDivisionError):
        ratio = "0%"
    return _("%(what)s %(measure)s: %(part)s of %(whole)s (%(percent)s), needed %(share)s") % {
        "what": what,
        "measure": _("floor area") if is_area else heads_word(voter_unit),
        "part": area_text(part) if is_area else part,
        "whole": area_text(whole) if is_area else whole,
        "percent": ratio,
        "share": share_text(check.get("share")),
    }


def shown_options(ballot: Ballot, options: Iterable[Mapping[str, str]]) -> list[dict[str, str]]:
    """The options as this reader sees them: yes / no / abstain in the reader's language and
    in a ballot's words (同意 / 反对 / 弃权), whatever language the ballot was made in."""
    words = {
        tally.YES: _("I agree"),
        tally.NO: _("I disagree"),
        tally.ABSTAIN: _("I abstain"),
    }
    if ballot.method != Method.YES_NO:
        return [dict(option) for option in options]
    return [{**option, "label": words.get(option["key"], option["label"])} for option in options]


@dataclass(frozen=True)
class OptionRow:
    key: str
    label: str
    heads: int
    area: str
    value: int  # for the bar: heads, out of the participants' heads
    percent: str


def option_rows(
    options: Iterable[Mapping[str, str]], counts: Mapping[str, Any] | None, participation: int
) -> list[OptionRow]:
    counts = counts or {}
    rows = []
    for option in options:
        count = counts.get(option["key"]) or {"heads": 0, "area": "0"}
        heads = int(count.get("heads", 0))
        rows.append(
            OptionRow(
                key=option["key"],
                label=option["label"],
                heads=heads,
                area=area_text(count.get("area", "0")),
                value=heads,
                percent=percent(heads, participation),
            )
        )
    return rows


def result_view(ballot: Ballot, labels: Mapping[str, str]) -> dict[str, Any] | None:
    """The certified result in words, for the page and the printable record."""
    result = ballot.result
    if not result:
        return None
    outcome = result.get("outcome") or {}
    counted = result.get("tally") or {}
    rounds = [
        _("Round %(number)s: %(counts)s")
        % {
            "number": number,
            "counts": _(", ").join(
                f"{labels.get(key, key)} {value}" for key, value in r.get("counts", {}).items()
            ),
        }
        + (
            " "
            + _("(out: %(names)s)")
            % {"names": _(", ").join(labels.get(k, k) for k in r["eliminated"])}
            if r.get("eliminated")
            else ""
        )
        for number, r in enumerate(counted.get("rounds") or [], start=1)
    ]
    return {
        "passed": bool(outcome.get("passed")),
        "quorum_met": bool(outcome.get("quorum_met")),
        "winners": [labels.get(key, key) for key in outcome.get("winners") or []],
        "checks": [
            (check_line(check, labels, ballot.voter_unit), bool(check.get("met")))
            for check in outcome.get("checks") or []
        ],
        "rounds": rounds,
        "paper": result.get("paper") or {},
    }


def progress_view(ballot: Ballot, progress: Mapping[str, Any] | None) -> dict[str, Any]:
    progress = progress or {}
    needed = progress.get("needed")
    return {
        "heads": progress.get("heads") or 0,
        "area": progress.get("area") or 0,
        "heads_percent": percent(progress.get("heads") or 0),
        "area_percent": percent(progress.get("area") or 0),
        "needed": needed,
        "needed_percent": percent(needed) if needed else "",
        # The bar's mark at the quorum: a class per common bound (no inline styles under CSP).
        "mark": {0.5: "mark-half", 0.6667: "mark-two-thirds", 0.75: "mark-three-quarters"}.get(
            needed or 0, ""
        ),
        "met": bool(progress.get("met")),
        "show_area": turnout_area_shown(ballot),
    }


def matter_data() -> list[dict[str, str]]:
    """What each matter template sets, for the form's pre-fill (live/page.js) and its notes."""
    return [
        {
            "key": m.key,
            "label": str(m.label),
            "voter_unit": m.voter_unit,
            "scope": m.scope,
            "preset": m.preset,
            "method": m.method,
            "basis": str(m.basis),
        }
        for m in matters.MATTERS.values()
    ]


@dataclass(frozen=True)
class SlotView:
    elector_id: int
    label: str
    own: bool
    voted: bool
    from_name: str  # the delegator's name, when voted for by proxy
    delegated_to: str  # the proxy's name, when an own vote was given to someone
    delegated_id: int | None
    # An open ballot's current choice, so a reload shows what was chosen: its option labels
    # in words (in order of preference when ranked) and its keys (to tick the form).
    choice_text: str = ""
    choice: tuple[str, ...] = ()


def choice_words(choice: Iterable[str], labels: Mapping[str, str]) -> str:
    return _(", ").join(labels.get(key, key) for key in choice)


def slot_view(slot: Slot, labels: Mapping[str, str]) -> SlotView:
    choice = tuple(slot.choice or ())
    return SlotView(
        elector_id=slot.elector.pk,
        label=slot.elector.label,
        own=slot.own,
        voted=slot.voted,
        from_name=slot.proxy.delegator.public_name if slot.proxy else "",
        delegated_to=slot.delegated.delegate.public_name if slot.delegated else "",
        delegated_id=slot.delegated.pk if slot.delegated else None,
        choice_text=choice_words(choice, labels),
        choice=choice,
    )


def votes_view(rows: list[dict[str, Any]], labels: Mapping[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "elector": row["elector"],
            "choice": choice_words(row["choice"], labels),
            "paper": row.get("channel") == "paper",
        }
        for row in rows
    ]


# The page and its live panel -------------------------------------------------------------


@dataclass(frozen=True)
class BallotReads:
    """What the ballot page reads through voting.selectors, beside the snapshot."""

    snap: dict[str, Any]
    slots: list[Slot] = field(default_factory=list)
    objections: list[Objection] = field(default_factory=list)
    receipts: list[str] = field(default_factory=list)
    votes: list[dict[str, Any]] = field(default_factory=list)
    paper_waiting: int = 0
    now: dt.datetime = field(default_factory=timezone.now)


def shown_tally(ballot: Ballot, snap: Mapping[str, Any]) -> dict[str, Any] | None:
    """The tally this reader sees: the certified one once closed, else the snapshot's (None
    when they may not see it yet)."""
    shown: dict[str, Any] | None = snap.get("tally")
    if ballot.status == Status.CLOSED and ballot.result:
        shown = ballot.result.get("tally") or shown
    return shown


def live_panel(ballot: Ballot, snap: Mapping[str, Any]) -> dict[str, Any]:
    """The parts that change while the ballot runs and at its close: turnout, the tally and
    the result (voting/_live.html), for the page and for the fragment fetched after an
    event. `snap` is selectors.snapshot's, so the tally is there only if this reader may
    see it."""
    options = shown_options(ballot, snap["options"])
    labels = {o["key"]: o["label"] for o in options}
    participation = snap.get("participation") or {"heads": 0, "area": "0"}
    shown = shown_tally(ballot, snap)
    closed = ballot.status == Status.CLOSED
    return {
        "ballot": ballot,
        "closed": closed,
        "heads_word": heads_word(ballot.voter_unit),
        "heads_unit": heads_unit(ballot.voter_unit),
        "progress": progress_view(
            ballot, (ballot.result or {}).get("progress") if closed else snap.get("progress")
        ),
        "participation": participation,
        "participation_area": area_text(participation.get("area", "0")),
        "electorate_area": area_text(ballot.electorate_area),
        "tally_visible": shown is not None,
        # A count the reader may not see yet is not in the page at all, not even as zeros:
        # the rows come with the fragment that shows them (live/ballot.js).
        "tally_rows": (
            option_rows(
                options, shown.get("options"), int(shown.get("participation", {}).get("heads", 0))
            )
            if shown is not None
            else []
        ),
        "show_area": option_area_shown(ballot),
        "result": result_view(ballot, labels) if closed else None,
    }


def ballot_page(
    ballot: Ballot,
    reads: BallotReads,
    *,
    manage: bool,
    may_object: bool,
    receipt: str | None,
    error: str,
) -> dict[str, Any]:
    """The whole ballot page: its live panel, the rule in words, the voter's slots, the
    objections and, once closed, the receipts or who voted how."""
    snap = reads.snap
    options = shown_options(ballot, snap["options"])
    labels = {o["key"]: o["label"] for o in options}
    return {
        **live_panel(ballot, snap),
        "snap": snap,
        "seq": snap["seq"],
        "manage": manage,
        "is_open": ballot.status == Status.OPEN,
        "rule_lines": rule_lines(ballot),
        "electorate_line": electorate_line(ballot),
        "options": options,
        "rank_positions": list(range(1, len(options) + 1)),
        "slots": [slot_view(s, labels) for s in reads.slots],
        "receipt": receipt,
        "on_notice": bool(snap.get("on_notice")),
        "objections": reads.objections,
        "may_object": may_object,
        "receipts": reads.receipts,
        "votes": votes_view(reads.votes, labels),
        "paper_waiting": reads.paper_waiting,
        "error": error,
        "live_tally": ballot.visibility == Visibility.LIVE,
        "early_close": early_close_notice(ballot, reads.now) if manage else "",
    }


def time_left(left: dt.timedelta) -> str:
    """A span in its two largest units, the smaller left out when zero: "14 days",
    "9 days 23 hours", "3 hours 10 minutes", "1 minute" (at least one)."""
    hours, minutes = left.seconds // 3600, left.seconds % 3600 // 60
    parts = []
    if left.days >= 1:
        parts.append(ngettext("%(count)d day", "%(count)d days", left.days) % {"count": left.days})
    if hours and len(parts) < 2:
        parts.append(ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours})
    if not left.days and (minutes or not parts):
        minutes = max(1, minutes)
        parts.append(
            ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
        )
    return " ".join(parts)


def early_close_notice(ballot: Ballot, now: dt.datetime) -> str:
    """What closing now does, in numbers, for the staff's confirmation ("" when the closing
    time has passed: then a close is no longer early)."""
    if ballot.status != Status.OPEN or ballot.closes_at <= now:
        return ""
    return _("Voting will end %(span)s early, and the result is published at once.") % {
        "span": time_left(ballot.closes_at - now)
    }


def record_page(ballot: Ballot, record: dict[str, Any]) -> dict[str, Any]:
    """The printable record (公示) from selectors.result_data."""
    record["options"] = shown_options(ballot, record["options"])
    labels = {o["key"]: o["label"] for o in record["options"]}
    counted = record.get("tally") or {}
    participation = counted.get("participation") or {"heads": 0, "area": "0"}
    return {
        "ballot": ballot,
        "record": record,
        "result": result_view(ballot, labels),
        "rule_lines": rule_lines(ballot),
        "electorate_line": electorate_line(ballot),
        "heads_word": heads_word(ballot.voter_unit),
        "heads_unit": heads_unit(ballot.voter_unit),
        "show_area": uses_area(ballot),
        "show_option_area": option_area_shown(ballot),
        "electorate_area": area_text(ballot.electorate_area),
        "participation": participation,
        "participation_area": area_text(participation.get("area", "0")),
        "tally_rows": option_rows(
            record["options"], counted.get("options"), int(participation.get("heads", 0))
        ),
        "votes": votes_view(record.get("votes") or [], labels),
        "closed_early_by": closed_early_by(record),
    }


def closed_early_by(record: Mapping[str, Any]) -> str:
    """How long before its set time a ballot was closed ("" when on time)."""
    closes_at, closed_at = record.get("closes_at"), record.get("closed_at")
    if not closes_at or not closed_at:
        return ""
    left = dt.datetime.fromisoformat(closes_at) - dt.datetime.fromisoformat(closed_at)
    return time_left(left) if left > dt.timedelta(0) else ""
