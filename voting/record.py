"""The certified record of a closed ballot as a CSV file, from selectors.result_data.

UTF-8 with a BOM, so Excel in China opens the Chinese text as text; CRLF line ends; one
section after another (the ballot, the electorate and participation, the count per
option, every check the decision rests on, the decision, paper ballots, the runoff rounds,
then the receipts of a secret ballot or who voted how on an open one). Labels are in the
active language. Text that people typed (titles, options, addresses) is defused so a
spreadsheet never runs it as a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from accounts.ledger.sheets import defuse
from voting.forms import PRESET_LABELS  # the labels the staff chose the rule by
from voting.models import Method, Scope, VoterUnit

Row = list[str]


def _when(iso: object) -> str:
    """An ISO timestamp of the record in local time, to the minute, as committees write it."""
    if not isinstance(iso, str) or not iso:
        return ""
    try:
        moment = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M")


def _label(choices: Any, value: object) -> str:
    labels = dict(choices.choices)
    return str(labels.get(value, value)) if value is not None else ""


def share_text(share: Mapping[str, Any] | None) -> str:
    """ "≥ 2/3" (以上: the bound counts) or "> 1/2" (过半数: it does not)."""
    if not share:
        return ""
    sign = "≥" if share.get("inclusive") else ">"
    return f"{sign} {share.get('num')}/{share.get('den')}"


def _measures(heads: object, area: object) -> str:
    parts = []
    if heads:
        parts.append(_("by head"))
    if area:
        parts.append(_("by floor area"))
    return _(" and ").join(parts)


# The same phrases as the new-ballot form (voting/forms.py), so they share a translation.
BASES = {
    "cast": N_("of the votes cast (abstentions not counted)"),
    "participants": N_("of those who vote"),
    "electorate": N_("of the whole electorate"),
}


def rule_text(rule: Mapping[str, Any]) -> str:
    """The rule in one line: the approval it needs and the quorum, if any."""
    approval = _("Approval: %(share)s %(base)s, %(measures)s.") % {
        "share": share_text(rule.get("approval")),
        "base": _(BASES.get(str(rule.get("base")), BASES["cast"])),
        "measures": _measures(rule.get("by_heads"), rule.get("by_area")),
    }
    if not rule.get("quorum"):
        return approval + " " + _("No quorum.")
    quorum = _("Quorum: participation %(share)s of the electorate, %(measures)s.") % {
        "share": share_text(rule.get("quorum")),
        "measures": _measures(rule.get("quorum_heads"), rule.get("quorum_area")),
    }
    return approval + " " + quorum


def _preset(key: object) -> str:
    return str(PRESET_LABELS.get(str(key), key)) if key else ""


def _yes_no(value: object) -> str:
    return _("yes") if value else _("no")


def _percent(part: int | str, whole: int | str) -> str:
    try:
        numerator, denominator = float(part), float(whole)
    except (TypeError, ValueError):
        return ""
    return f"{numerator / denominator:.2%}" if denominator else ""


def _ballot_section(data: Mapping[str, Any]) -> list[Row]:
    return [
        [_("Certified record of a ballot")],
        [_("Ballot number"), str(data.get("id", ""))],
        [_("Title"), defuse(str(data.get("title", "")))],
        [_("Neighborhood"), defuse(str(data.get("neighborhood", "")))],
        [_("Legal basis"), defuse(str(data.get("legal_basis") or ""))],
        [_("Method"), _label(Method, data.get("method"))],
        [_("Voter unit"), _label(VoterUnit, data.get("voter_unit"))],
        [_("Scope of the electorate"), _label(Scope, data.get("scope"))],
        [_("Building"), defuse(str(data.get("building") or ""))],
        [_("Secret ballot"), _yes_no(data.get("secret"))],
        [_("Rule"), _preset(data.get("preset")), rule_text(data.get("rule") or {})],
        [_("Opened at"), _when(data.get("opened_at"))],
        [_("Set to close at"), _when(data.get("closes_at"))],
        [_("Closed at"), _when(data.get("closed_at"))],
        [_("Why it was closed early"), defuse(str(data.get("close_reason") or ""))],
        [_("Public notice until"), _when(data.get("notice_until"))],
    ]


def _count_section(data: Mapping[str, Any]) -> list[Row]:
    counted = data.get("tally") or {}
    electorate = counted.get("electorate") or data.get("electorate") or {}
    participation = counted.get("participation") or {}
    return [
        [],
        ["", _("Heads"), _("Floor area (m²)"), _("Share by head"), _("Share by area")],
        [_("Electorate"), str(electorate.get("heads", "")), str(electorate.get("area", ""))],
        [
            _("Took part"),
            str(participation.get("heads", "")),
            str(participation.get("area", "")),
            _percent(participation.get("heads", 0), electorate.get("heads", 0)),
            # A closed secret ballot publishes no turnout by area under a rule by head.
            _percent(participation["area"], electorate.get("area", 0))
            if "area" in participation
            else "",
        ],
    ]


def _option_labels(data: Mapping[str, Any]) -> dict[str, str]:
    return {str(o["key"]): str(o["label"]) for o in data.get("options") or []}


def _options_section(data: Mapping[str, Any]) -> list[Row]:
    labels = _option_labels(data)
    counted = data.get("tally") or {}
    first = counted.get("method") == "ranked"
    header = [_("Option"), _("Option key"), _("Heads"), _("Floor area (m²)")]
    rows: list[Row] = [[], [*header, _("first preferences")] if first else header]
    for key, count in (counted.get("options") or {}).items():
        rows.append(
            [
                defuse(labels.get(key, key)),
                defuse(key),
                str(count.get("heads", "")),
                str(count.get("area", "")),
            ]
        )
    return rows


KINDS = {"quorum": N_("quorum"), "approval": N_("approval")}
MEASURES = {"heads": N_("by head"), "area": N_("by floor area")}


def _checks_section(data: Mapping[str, Any]) -> list[Row]:
    labels = _option_labels(data)
    outcome = data.get("outcome") or {}
    rows: list[Row] = [
        [],
        [
            _("Check kind"),
            _("Option"),
            _("Measure"),
            _("Part (counted)"),
            _("Whole (base)"),
            _("Required share"),
            _("Met?"),
        ],
    ]
    for check in outcome.get("checks") or []:
        option = check.get("option")
        rows.append(
            [
                _(KINDS.get(str(check.get("kind")), str(check.get("kind")))),
                defuse(labels.get(str(option), str(option))) if option else "",
                _(MEASURES.get(str(check.get("measure")), str(check.get("measure")))),
                str(check.get("part", "")),
                str(check.get("whole", "")),
                share_text(check.get("share")),
                _yes_no(check.get("met")),
            ]
        )
    return rows


def _decision_section(data: Mapping[str, Any]) -> list[Row]:
    labels = _option_labels(data)
    outcome = data.get("outcome") or {}
    winners = [defuse(labels.get(str(key), str(key))) for key in outcome.get("winners") or []]
    paper = data.get("paper") or {}
    return [
        [],
        [_("Quorum met"), _yes_no(outcome.get("quorum_met"))],
        [_("Passed"), _yes_no(outcome.get("passed"))],
        [_("Approved options"), *winners],
        [
            _("Paper ballots counted"),
            str(paper.get("counted", 0)),
            str(paper.get("counted_area", "")),
        ],
        [_("Paper ballots not checked (not counted)"), str(paper.get("pending_not_counted", 0))],
        [_("Objections filed"), str(data.get("objections", 0))],
    ]


def _rounds_section(data: Mapping[str, Any]) -> list[Row]:
    labels = _option_labels(data)
    counted = data.get("tally") or {}
    rounds = counted.get("rounds") or []
    if not rounds:
        return []
    rows: list[Row] = [[], [_("Runoff round"), _("Option"), _("Heads"), _("Eliminated")]]
    for number, one in enumerate(rounds, start=1):
        eliminated = set(one.get("eliminated") or [])
        for key, heads in (one.get("counts") or {}).items():
            rows.append(
                [str(number), defuse(labels.get(key, key)), str(heads), _yes_no(key in eliminated)]
            )
        rows.append([str(number), _("exhausted"), str(one.get("exhausted", 0)), ""])
    winner = counted.get("runoff_winner")
    rows.append([_("Runoff winner"), defuse(labels.get(winner, winner)) if winner else ""])
    return rows


CHANNELS = {"online": N_("online"), "paper": N_("paper (书面征询)")}


def _votes_section(data: Mapping[str, Any]) -> list[Row]:
    if data.get("secret"):
        receipts: Sequence[str] = data.get("receipts") or []
        return [[], [_("Receipts of the ballots cast")], *([r] for r in receipts)]
    labels = _option_labels(data)
    rows: list[Row] = [
        [],
        [_("Voter"), _("Choice"), _("Channel"), _("Floor area (m²)")],
    ]
    for vote in data.get("votes") or []:
        choice = "、".join(labels.get(str(key), str(key)) for key in vote.get("choice") or [])
        channel = str(vote.get("channel", ""))
        rows.append(
            [
                defuse(str(vote.get("elector", ""))),
                defuse(choice),
                _(CHANNELS.get(channel, channel)),
                str(vote.get("area", "")),
            ]
        )
    return rows


def rows(data: Mapping[str, Any]) -> list[Row]:
    """The record's cells, section after section."""
    sections: Iterable[list[Row]] = (
        _ballot_section(data),
        _count_section(data),
        _options_section(data),
        _checks_section(data),
        _decision_section(data),
        _rounds_section(data),
        _votes_section(data),
    )
    return [row for section in sections for row in section]


def csv_bytes(data: Mapping[str, Any]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows(data))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def filename(data: Mapping[str, Any]) -> str:
    return _("ballot-%(id)s-record.csv") % {"id": data.get("id", "")}
