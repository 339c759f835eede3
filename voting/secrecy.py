"""What a secret ballot publishes, and which electorates are too small for one. Pure: no
Django.

Why this is a module of its own: every count a secret ballot shows is a sum over its
voters, and the ledger tells anyone in the neighborhood each household's floor area. A
count taken after a single vote, or an area by option that only one set of households can
add up to, pairs voters with choices (a subset sum). So what may be shown is decided here,
once, for the live tally, the snapshot, the certified result and the stored events:

- while open: turnout in heads only, and the quorum's progress by head (whether it is met
  counts every measure). No count by option, whatever the ballot's visibility, and no
  floor area: area steps name the households that voted, and together with any count by
  option they told what each chose;
- after close: the count by option in heads; floor area by option only where the rule
  approves by area (art. 278), and turnout by area only where the rule uses area at all
  (quorum or approval): those numbers are what the law's decision rests on;
- at close, the stored live tallies keep only their turnout in heads and the progress by
  head: everything else in them came from single votes;
- a secret ballot needs an electorate of at least `minimum` heads (LINLI_SECRET_MIN_ELECTORS,
  default 10): in a smaller one the totals alone too often tell choices (see
  docs/voting.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from voting.tally import Rule

DEFAULT_MIN_ELECTORS = 10


def open_participation(participation: Mapping[str, Any]) -> dict[str, Any]:
    """Turnout of an open secret ballot: heads only."""
    return {"heads": participation["heads"]}


def open_progress(progress: Mapping[str, Any]) -> dict[str, Any]:
    """Progress toward the quorum of an open secret ballot: the share by head, the bound
    and whether it is met (on every measure the rule counts); no share of area."""
    return {key: value for key, value in progress.items() if key != "area"}


def closed_participation(participation: Mapping[str, Any], rule: Rule) -> dict[str, Any]:
    if rule.uses_area:
        return dict(participation)
    return open_participation(participation)


def closed_progress(progress: Mapping[str, Any], rule: Rule) -> dict[str, Any]:
    if rule.uses_area:
        return dict(progress)
    return open_progress(progress)


def closed_tally(counted: Mapping[str, Any], rule: Rule) -> dict[str, Any]:
    """A closed secret ballot's tally (voting.tally.tally_to_data's shape) as published:
    heads by option; area by option only under a rule that approves by area."""
    options = counted.get("options") or {}
    return {
        **counted,
        "participation": closed_participation(counted.get("participation") or {"heads": 0}, rule),
        "options": {
            key: dict(count) if rule.by_area else {"heads": count["heads"]}
            for key, count in options.items()
        },
    }


def closed_result(result: Mapping[str, Any], rule: Rule) -> dict[str, Any]:
    """The certified result of a secret ballot as published. The outcome's checks stay:
    they carry only the measures the rule counts."""
    published = dict(result)
    if result.get("tally") is not None:
        published["tally"] = closed_tally(result["tally"], rule)
    if result.get("progress") is not None:
        published["progress"] = closed_progress(result["progress"], rule)
    return published


def stored_tally(data: Mapping[str, Any]) -> dict[str, Any]:
    """What a stored `ballot.tally` event of a secret ballot keeps after close: turnout in
    heads and the progress by head. Its counts by option and its areas go."""
    kept: dict[str, Any] = {}
    participation = data.get("participation")
    if isinstance(participation, Mapping) and "heads" in participation:
        kept["participation"] = open_participation(participation)
    progress = data.get("progress")
    if isinstance(progress, Mapping):
        kept["progress"] = open_progress(progress)
    return kept


def too_small(electorate_heads: int, minimum: int) -> bool:
    """Whether an electorate is too small for a secret ballot."""
    return electorate_heads < minimum
