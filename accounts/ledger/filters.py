"""Ledger filters: query parameters in, a typed filter out, or a FilterError with a code.

Pure (no Django): the same filter drives the ledger page, the API, saved segments and
outreach, and its JSON form (`to_params`) is what a segment stores.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation

AGE_LIMIT = 130
CHILD_AGE = 14  # under this age a guardian's consent is needed for non-essential fields
ADULT_AGE = 18  # of age (民法典 art. 17): may vote, act as a proxy, change a household
MAX_BUILDINGS = 200
MAX_ID = 2**63 - 1  # a primary key (bigint)


class FilterError(ValueError):
    """`code` is stable (invalid_filter); `field` names the parameter at fault."""

    code = "invalid_filter"

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"{field_name}: {problem}")
        self.field = field_name
        self.problem = problem  # "not_a_number", "out_of_range", "unknown_value", "min_above_max"


@dataclass(frozen=True)
class LedgerFilter:
    buildings: tuple[int, ...] = ()
    unit: str = ""
    age_min: int | None = None
    age_max: int | None = None
    tags: tuple[str, ...] = ()  # every one must apply
    vehicle: bool | None = None  # owns at least one vehicle
    tenure: str = ""
    area_min: Decimal | None = None
    area_max: Decimal | None = None
    verified: bool | None = None  # has a verified account
    child: bool | None = None  # under CHILD_AGE
    name: str = ""  # the start of a real name
    include_left: bool = False  # people marked as moved away

    @property
    def is_empty(self) -> bool:
        return self == LedgerFilter()


Params = Mapping[str, str | Sequence[str]]


def _values(params: Params, name: str) -> list[str]:
    raw = params.get(name)
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else list(raw)
    return [item.strip() for item in items if isinstance(item, str) and item.strip()]


def _is_number(text: str) -> bool:
    """ASCII digits only: str.isdigit() also admits "²", which int() refuses."""
    return text.isascii() and text.isdigit()


def _one(params: Params, name: str) -> str:
    values = _values(params, name)
    return values[-1] if values else ""


def _int(params: Params, name: str, low: int, high: int) -> int | None:
    text = _one(params, name)
    if not text:
        return None
    if not _is_number(text):
        raise FilterError(name, "not_a_number")
    if len(text.lstrip("0")) > 6:  # int() of thousands of digits refuses, too
        raise FilterError(name, "out_of_range")
    value = int(text)
    if not low <= value <= high:
        raise FilterError(name, "out_of_range")
    return value


def _decimal(params: Params, name: str) -> Decimal | None:
    text = _one(params, name)
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise FilterError(name, "not_a_number") from None
    if not value.is_finite() or value < 0 or value > Decimal("100000"):
        raise FilterError(name, "out_of_range")
    return value


def _yes_no(params: Params, name: str) -> bool | None:
    text = _one(params, name).lower()
    if not text:
        return None
    if text in {"yes", "1", "true"}:
        return True
    if text in {"no", "0", "false"}:
        return False
    raise FilterError(name, "unknown_value")


def parse(params: Params, *, known_tags: Collection[str], tenures: Collection[str]) -> LedgerFilter:
    """Read a filter from query parameters; unknown parameters are ignored (paging etc.)."""
    buildings: list[int] = []
    for text in _values(params, "building"):
        if not _is_number(text):
            raise FilterError("building", "not_a_number")
        if len(text) > 19 or int(text) > MAX_ID:
            raise FilterError("building", "out_of_range")
        buildings.append(int(text))
    if len(buildings) > MAX_BUILDINGS:
        raise FilterError("building", "out_of_range")
    tags = _values(params, "tag")
    for tag in tags:
        if tag not in known_tags:
            raise FilterError("tag", "unknown_value")
    tenure = _one(params, "tenure")
    if tenure and tenure not in tenures:
        raise FilterError("tenure", "unknown_value")
    age_min = _int(params, "age_min", 0, AGE_LIMIT)
    age_max = _int(params, "age_max", 0, AGE_LIMIT)
    if age_min is not None and age_max is not None and age_min > age_max:
        raise FilterError("age_max", "min_above_max")
    area_min = _decimal(params, "area_min")
    area_max = _decimal(params, "area_max")
    if area_min is not None and area_max is not None and area_min > area_max:
        raise FilterError("area_max", "min_above_max")
    unit = _one(params, "unit")
    name = _one(params, "name")
    if len(unit) > 8:
        raise FilterError("unit", "out_of_range")
    if len(name) > 32:
        raise FilterError("name", "out_of_range")
    return LedgerFilter(
        buildings=tuple(sorted(set(buildings))),
        unit=unit,
        age_min=age_min,
        age_max=age_max,
        tags=tuple(sorted(set(tags))),
        vehicle=_yes_no(params, "vehicle"),
        tenure=tenure,
        area_min=area_min,
        area_max=area_max,
        verified=_yes_no(params, "verified"),
        child=_yes_no(params, "child"),
        name=name,
        include_left=_yes_no(params, "include_left") is True,
    )


def to_params(spec: LedgerFilter) -> dict[str, str | list[str]]:
    """The filter as query parameters (and as the JSON a segment stores); parse() inverts it."""
    out: dict[str, str | list[str]] = {}
    for item in fields(spec):
        value = getattr(spec, item.name)
        if value in (None, "", ()) or (item.name == "include_left" and not value):
            continue
        if item.name == "buildings":
            out["building"] = [str(v) for v in value]
        elif item.name == "tags":
            out["tag"] = list(value)
        elif isinstance(value, bool):
            out[item.name] = "yes" if value else "no"
        else:
            out[item.name] = str(value)
    return out


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier; 29 February falls back to the 28th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def birth_date_bounds(
    age_min: int | None, age_max: int | None, today: dt.date
) -> tuple[dt.date | None, dt.date | None]:
    """(born after, born on or before) for ages in [age_min, age_max] on `today`.

    Someone is N years old from their Nth birthday up to the day before their N+1th.
    """
    on_or_before = years_before(today, age_min) if age_min is not None else None
    after = years_before(today, age_max + 1) if age_max is not None else None
    return after, on_or_before


def age_on(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def is_child(birth: dt.date, today: dt.date) -> bool:
    return age_on(birth, today) < CHILD_AGE
