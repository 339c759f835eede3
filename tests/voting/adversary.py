"""An adversary against secret ballots: what a count says about who chose what.

Everything a non-staff member can observe of a ballot (events, snapshots, pages, the
record) is read into `Seen` counts: a group of the participants (not named: it is found by
its number of heads and its floor area, against the ledger's areas) and, where shown, how
many of them and how much area chose each option. `possible_choices` then enumerates every
assignment of choices to the participants and keeps those that every count allows: a
subset-sum search over the participants' areas. A choice is revealed when only one stays
possible for a participant.

The adversary knows who took part and their ledger areas (participation is not secret).
`ordered=True` also gives it the order in which they voted (someone who watched the lobby),
so a count of h heads is the first h voters.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

Interval = tuple[Decimal, Decimal]


@dataclass(frozen=True)
class Seen:
    """One observed count of a group of participants. None: not shown."""

    heads: int | None = None
    area: Interval | None = None
    # option key -> (heads, area) of the group's choices of it; either may be None
    options: Mapping[str, tuple[int | None, Decimal | None]] = field(default_factory=dict)

    def key(self) -> str:
        return json.dumps(
            [self.heads, self.area, sorted(self.options.items())], default=str, sort_keys=True
        )


def exact(area: Decimal) -> Interval:
    return (area, area)


def _area(value: object) -> Decimal | None:
    if value is None:
        return None
    text = str(value).replace("m²", "").replace(",", "").strip()
    try:
        return Decimal(text)
    except ArithmeticError:
        return None


def _share_interval(share: float, whole: Decimal, places: int) -> Interval:
    """The values a share rounded to `places` decimals may stand for (a little wider)."""
    slack = Decimal(6) / Decimal(10) ** (places + 1)
    middle = Decimal(str(share))
    return ((middle - slack) * whole, (middle + slack) * whole)


def _options(counts: Mapping[str, Any] | None) -> dict[str, tuple[int | None, Decimal | None]]:
    found: dict[str, tuple[int | None, Decimal | None]] = {}
    for key, count in (counts or {}).items():
        if isinstance(count, Mapping):
            heads = count.get("heads")
            found[key] = (int(heads) if heads is not None else None, _area(count.get("area")))
        elif isinstance(count, int):  # a runoff round: heads only
            found[key] = (count, None)
    return found


def from_tally_data(
    participation: Mapping[str, Any] | None,
    progress: Mapping[str, Any] | None,
    counted: Mapping[str, Any] | None,
    electorate: tuple[int, Decimal],
) -> list[Seen]:
    """The counts in a payload of the API, an event or the record: participation, the
    quorum progress (shares rounded to 4 places) and the tally by option."""
    heads_total, area_total = electorate
    heads: int | None = None
    area: Interval | None = None
    if participation:
        if participation.get("heads") is not None:
            heads = int(participation["heads"])
        if participation.get("area") is not None:
            area = exact(Decimal(str(participation["area"])))
    if progress:
        if heads is None and progress.get("heads") is not None:
            heads = round(float(progress["heads"]) * heads_total)
        if area is None and progress.get("area") is not None and area_total:
            area = _share_interval(float(progress["area"]), area_total, 4)
    seen = [Seen(heads, area)]
    if counted:
        inner = counted.get("participation") or {}
        inner_heads = inner.get("heads", heads)
        inner_area = _area(inner.get("area"))
        seen.append(
            Seen(
                int(inner_heads) if inner_heads is not None else None,
                exact(inner_area) if inner_area is not None else area,
                _options(counted.get("options")),
            )
        )
    return seen


def from_outcome(outcome: Mapping[str, Any] | None, heads: int | None) -> list[Seen]:
    """The checks of a certified outcome: an approval's part is an option's count."""
    seen = []
    for check in (outcome or {}).get("checks") or []:
        if check.get("kind") != "approval" or not check.get("option"):
            continue
        part = check.get("part")
        if check.get("measure") == "area":
            options = {check["option"]: (None, _area(part))}
        else:
            options = {check["option"]: (int(part), None)}
        seen.append(Seen(heads, None, options))
    return seen


def from_event(data: Mapping[str, Any], electorate: tuple[int, Decimal]) -> list[Seen]:
    if "result" in data:  # ballot.closed
        return from_result(data["result"] or {}, electorate)
    return from_tally_data(
        data.get("participation"), data.get("progress"), data.get("tally"), electorate
    )


def from_result(result: Mapping[str, Any], electorate: tuple[int, Decimal]) -> list[Seen]:
    counted = result.get("tally") or {}
    seen = from_tally_data(
        counted.get("participation"), result.get("progress"), counted, electorate
    )
    heads = next((s.heads for s in seen if s.heads is not None), None)
    seen += from_outcome(result.get("outcome"), heads)
    return seen


def from_snapshot(snap: Mapping[str, Any], electorate: tuple[int, Decimal]) -> list[Seen]:
    seen = from_tally_data(
        snap.get("participation"), snap.get("progress"), snap.get("tally"), electorate
    )
    if snap.get("result"):
        seen += from_result(snap["result"], electorate)
    return seen


def from_csv(content: bytes, keys: Sequence[str], heads: int | None) -> list[Seen]:
    """The record's CSV: its rows by option (label, key, heads, area)."""
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    options = {}
    for row in rows:
        if len(row) == 4 and row[1] in keys and row[2].isdigit():
            options[row[1]] = (int(row[2]), _area(row[3]) if row[3] else None)
    return [Seen(heads, None, options)] if options else []


class _PageParser(HTMLParser):
    """The numbers a ballot page shows: turnout (data-count, data-pct) and, per option row
    (data-option), its data-heads and data-area."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, str] = {}
        self.percents: dict[str, str] = {}
        self.options: dict[str, dict[str, str]] = {}
        self._option: str | None = None
        self._field: tuple[str, str] | None = None  # (where, name)
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if "data-option" in found and tag == "li":
            self._option = found["data-option"]
            self.options[self._option or ""] = {}
        for name, where in (("data-count", "count"), ("data-pct", "pct")):
            if found.get(name):
                self._field = (where, str(found[name]))
                self._text = []
        if self._option is not None:
            for name in ("data-heads", "data-area"):
                if name in found:
                    self._field = ("option", name[5:])
                    self._text = []

    def handle_data(self, data: str) -> None:
        if self._field is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._field is not None and tag in ("span", "strong"):
            where, name = self._field
            text = "".join(self._text).strip()
            if where == "count":
                self.counts[name] = text
            elif where == "pct":
                self.percents[name] = text
            elif self._option is not None:
                self.options[self._option][name] = text
            self._field = None
        if tag == "li":
            self._option = None


def from_page(html: str, electorate: tuple[int, Decimal], tally_shown: bool) -> list[Seen]:
    """The ballot page: turnout always; the rows by option where its tally is shown."""
    parser = _PageParser()
    parser.feed(html)
    heads_total, area_total = electorate
    heads = int(parser.counts["heads"]) if parser.counts.get("heads", "").isdigit() else None
    area: Interval | None = None
    if parser.counts.get("area"):
        found = _area(parser.counts["area"])
        area = exact(found) if found is not None else None
    elif parser.percents.get("area"):
        share = float(parser.percents["area"].rstrip("%")) / 100
        area = _share_interval(share, area_total, 3)
    seen = [Seen(heads, area)]
    if tally_shown:
        options = {
            key: (
                int(values["heads"]) if values.get("heads", "").isdigit() else None,
                _area(values.get("area")),
            )
            for key, values in parser.options.items()
        }
        seen.append(Seen(heads, area, options))
    del heads_total
    return seen


# The solver --------------------------------------------------------------------------


def _groups(seen: Seen, areas: Sequence[Decimal], ordered: bool) -> list[tuple[int, ...]]:
    """The groups of participants (indexes) this count can be of."""
    everyone = range(len(areas))
    if ordered and seen.heads is not None:
        candidates: Iterable[tuple[int, ...]] = [tuple(range(seen.heads))]
    elif seen.heads is not None:
        candidates = itertools.combinations(everyone, seen.heads)
    else:
        candidates = (
            group
            for size in range(len(areas) + 1)
            for group in itertools.combinations(everyone, size)
        )
    groups = []
    for group in candidates:
        if seen.area is not None:
            total = sum((areas[i] for i in group), Decimal(0))
            if not seen.area[0] <= total <= seen.area[1]:
                continue
        groups.append(group)
    return groups


def _fits(
    seen: Seen, group: tuple[int, ...], choices: Sequence[str], areas: Sequence[Decimal]
) -> bool:
    for key, (heads, area) in seen.options.items():
        chose = [i for i in group if choices[i] == key]
        if heads is not None and len(chose) != heads:
            return False
        if area is not None and sum((areas[i] for i in chose), Decimal(0)) != area:
            return False
    return True


def possible_choices(
    areas: Sequence[Decimal], options: Sequence[str], seen: Iterable[Seen], *, ordered: bool = False
) -> list[set[str]]:
    """For each participant, every choice some assignment consistent with all counts gives
    them. Empty sets everywhere mean the counts contradict each other."""
    unique = {s.key(): s for s in seen}.values()
    checks = [(s, _groups(s, areas, ordered)) for s in unique]
    possible: list[set[str]] = [set() for _ in areas]
    for choices in itertools.product(options, repeat=len(areas)):
        if all(any(_fits(s, group, choices, areas) for group in groups) for s, groups in checks):
            for index, choice in enumerate(choices):
                possible[index].add(choice)
    return possible
