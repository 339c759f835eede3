"""Ledger filters, pure: parsing, its errors, the round trip, and ages at their boundaries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.ledger import filters
from accounts.ledger.filters import FilterError, LedgerFilter

TAGS = ("living_alone", "disabled", "low_income", "veteran")
TENURES = ("owner", "tenant")


def parse(params: dict[str, object]) -> LedgerFilter:
    return filters.parse(params, known_tags=TAGS, tenures=TENURES)  # type: ignore[arg-type]


# Parsing -----------------------------------------------------------------------------------


def test_no_parameters_is_the_empty_filter_and_paging_is_ignored():
    spec = parse({"page": "3", "per_page": "50"})
    assert spec == LedgerFilter() and spec.is_empty


def test_every_parameter_is_read():
    spec = parse(
        {
            "building": ["12", "3", "12"],
            "unit": " 2 ",
            "age_min": "60",
            "age_max": "90",
            "tag": ["living_alone", "disabled"],
            "vehicle": "yes",
            "tenure": "tenant",
            "area_min": "40.5",
            "area_max": "90",
            "verified": "no",
            "child": "0",
            "name": "王",
            "include_left": "true",
        }
    )
    assert spec == LedgerFilter(
        buildings=(3, 12),
        unit="2",
        age_min=60,
        age_max=90,
        tags=("disabled", "living_alone"),
        vehicle=True,
        tenure="tenant",
        area_min=Decimal("40.5"),
        area_max=Decimal("90"),
        verified=False,
        child=False,
        name="王",
        include_left=True,
    )
    assert not spec.is_empty


@pytest.mark.parametrize(
    ("params", "field", "problem"),
    [
        ({"building": "x"}, "building", "not_a_number"),
        ({"building": "²"}, "building", "not_a_number"),  # isdigit() but not int()
        ({"building": "9" * 5000}, "building", "out_of_range"),  # int() refuses it
        ({"building": str(2**63)}, "building", "out_of_range"),
        ({"building": [str(n) for n in range(201)]}, "building", "out_of_range"),
        ({"age_min": "-1"}, "age_min", "not_a_number"),
        ({"age_min": "１２"}, "age_min", "not_a_number"),  # full-width digits
        ({"age_max": "131"}, "age_max", "out_of_range"),
        ({"age_max": "9" * 5000}, "age_max", "out_of_range"),
        ({"age_min": "90", "age_max": "60"}, "age_max", "min_above_max"),
        ({"tag": "rich"}, "tag", "unknown_value"),
        ({"tenure": "squatter"}, "tenure", "unknown_value"),
        ({"area_min": "abc"}, "area_min", "not_a_number"),
        ({"area_min": "NaN"}, "area_min", "out_of_range"),
        ({"area_max": "-3"}, "area_max", "out_of_range"),
        ({"area_max": "1e9"}, "area_max", "out_of_range"),
        ({"area_min": "80", "area_max": "40"}, "area_max", "min_above_max"),
        ({"vehicle": "maybe"}, "vehicle", "unknown_value"),
        ({"verified": "perhaps"}, "verified", "unknown_value"),
        ({"unit": "123456789"}, "unit", "out_of_range"),
        ({"name": "王" * 33}, "name", "out_of_range"),
    ],
)
def test_bad_parameters_name_the_field_and_the_problem(params, field, problem):
    with pytest.raises(FilterError) as caught:
        parse(params)
    assert caught.value.field == field
    assert caught.value.problem == problem
    assert caught.value.code == "invalid_filter"


def test_leading_zeros_are_still_a_number():
    assert parse({"age_min": "0090"}).age_min == 90


def test_blank_values_are_absent():
    assert parse({"age_min": " ", "tag": ["", " "], "vehicle": ""}) == LedgerFilter()


# The round trip: what to_params writes, parse reads back --------------------------------

_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
    max_size=8,
).map(str.strip)
_ages = st.one_of(st.none(), st.integers(0, filters.AGE_LIMIT))
_areas = st.one_of(
    st.none(),
    st.decimals(min_value=0, max_value=100000, allow_nan=False, allow_infinity=False, places=2),
)
_flags = st.one_of(st.none(), st.booleans())


@st.composite
def specs(draw: st.DrawFn) -> LedgerFilter:
    low, high = draw(_ages), draw(_ages)
    if low is not None and high is not None and low > high:
        low, high = high, low
    area_low, area_high = draw(_areas), draw(_areas)
    if area_low is not None and area_high is not None and area_low > area_high:
        area_low, area_high = area_high, area_low
    return LedgerFilter(
        buildings=tuple(sorted(draw(st.sets(st.integers(1, 2**63 - 1), max_size=5)))),
        unit=draw(_text),
        age_min=low,
        age_max=high,
        tags=tuple(sorted(draw(st.sets(st.sampled_from(TAGS))))),
        vehicle=draw(_flags),
        tenure=draw(st.sampled_from(("", *TENURES))),
        area_min=area_low,
        area_max=area_high,
        verified=draw(_flags),
        child=draw(_flags),
        name=draw(_text.map(lambda s: s[:32])),
        include_left=draw(st.booleans()),
    )


@given(specs())
def test_parse_inverts_to_params(spec):
    assert parse(filters.to_params(spec)) == spec


@given(specs())
def test_to_params_writes_only_what_is_set(spec):
    params = filters.to_params(spec)
    assert (params == {}) == spec.is_empty
    assert all(value not in ("", [], None) for value in params.values())


# Ages and their boundaries -----------------------------------------------------------------


def in_bounds(birth: dt.date, low: int | None, high: int | None, today: dt.date) -> bool:
    after, on_or_before = filters.birth_date_bounds(low, high, today)
    return (after is None or birth > after) and (on_or_before is None or birth <= on_or_before)


def test_a_birthday_makes_the_age():
    today = dt.date(2024, 6, 10)
    assert filters.age_on(dt.date(1934, 6, 10), today) == 90
    assert filters.age_on(dt.date(1934, 6, 11), today) == 89
    assert in_bounds(dt.date(1934, 6, 10), 90, None, today)
    assert not in_bounds(dt.date(1934, 6, 11), 90, None, today)
    assert in_bounds(dt.date(1934, 6, 11), None, 89, today)
    assert not in_bounds(dt.date(1934, 6, 10), None, 89, today)


def test_born_on_29_february():
    leapling = dt.date(2020, 2, 29)
    # In a year without 29 February the birthday counts from 1 March.
    assert filters.age_on(leapling, dt.date(2023, 2, 28)) == 2
    assert filters.age_on(leapling, dt.date(2023, 3, 1)) == 3
    assert not in_bounds(leapling, 3, None, dt.date(2023, 2, 28))
    assert in_bounds(leapling, 3, None, dt.date(2023, 3, 1))
    assert filters.age_on(leapling, dt.date(2024, 2, 29)) == 4
    assert in_bounds(leapling, 4, 4, dt.date(2024, 2, 29))
    assert filters.years_before(dt.date(2024, 2, 29), 1) == dt.date(2023, 2, 28)


def test_today_is_29_february():
    today = dt.date(2024, 2, 29)
    assert in_bounds(dt.date(2010, 2, 28), 14, None, today)  # 14 since yesterday
    assert not in_bounds(dt.date(2010, 3, 1), 14, None, today)  # 14 tomorrow
    assert filters.is_child(dt.date(2010, 3, 1), today)
    assert not filters.is_child(dt.date(2010, 2, 28), today)


_days = st.dates(min_value=dt.date(1890, 1, 1), max_value=dt.date(2100, 12, 31))
_leap_days = (
    st.integers(1892, 2096)
    .filter(lambda y: y % 4 == 0 and y != 1900)
    .map(lambda y: dt.date(y, 2, 29))
)


@given(
    birth=st.one_of(_days, _leap_days),
    today=st.one_of(_days, _leap_days),
    low=_ages,
    high=_ages,
)
def test_the_birth_date_bounds_are_exactly_the_ages(birth, today, low, high):
    if birth > today:
        return
    age = filters.age_on(birth, today)
    expected = (low is None or age >= low) and (high is None or age <= high)
    assert in_bounds(birth, low, high, today) == expected


@given(birth=st.one_of(_days, _leap_days), today=st.one_of(_days, _leap_days))
def test_a_child_is_under_14(birth, today):
    if birth > today:
        return
    assert filters.is_child(birth, today) == (filters.age_on(birth, today) < filters.CHILD_AGE)
    assert filters.is_child(birth, today) == in_bounds(birth, None, filters.CHILD_AGE - 1, today)
