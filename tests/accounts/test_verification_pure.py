"""Pure rules of verification: household codes, ID fragments, attempt limits. No database."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.verification import codes, limits

NOW = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
canonical = st.text(alphabet=codes.ALPHABET, min_size=codes.LENGTH, max_size=codes.LENGTH)
FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


def test_generated_codes_use_only_the_unambiguous_alphabet():
    for _ in range(200):
        code = codes.generate()
        assert len(code) == 10
        assert not set(code) & set("0O1IL")
        assert codes.normalise(code) == code


def test_generate_draws_from_the_given_source():
    assert codes.generate(lambda n: 0) == "2" * 10
    assert codes.generate(lambda n: n - 1) == "Z" * 10


def test_display_groups_in_fives():
    assert codes.display("K7QX2MP4RT") == "K7QX2-MP4RT"


@pytest.mark.parametrize(
    "typed",
    [
        "K7QX2-MP4RT",
        "k7qx2mp4rt",
        " K7QX2 MP4RT ",
        "ｋ７ｑｘ２－ＭＰ４ＲＴ",
        "K7QX2—MP4RT",
        "k7q x2-mp4 rt",
    ],
)
def test_what_people_type_normalises_to_the_code(typed: str):
    assert codes.normalise(typed) == "K7QX2MP4RT"


@pytest.mark.parametrize(
    "typed", ["", "K7QX2-MP4R", "K7QX2-MP4RTT", "K7QX2-MP4R0", "O7QX2MP4RT", "K7QX2MP4RL"]
)
def test_malformed_codes_are_none(typed: str):
    assert codes.normalise(typed) is None


@given(canonical, st.sampled_from(["", " ", "-", " - ", "－", "　"]), st.booleans(), st.booleans())
def test_normalisation_round_trips(code: str, separator: str, lower: bool, wide: bool):
    # given a code written the way a person might type it
    typed = code[:5] + separator + code[5:]
    typed = typed.lower() if lower else typed
    typed = "".join(FULL_WIDTH.get(c, c) for c in typed) if wide else typed
    # then it normalises back, and its display form does too
    assert codes.normalise(typed) == code
    assert codes.normalise(codes.display(code)) == code


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("12343x", "12343X"),
        ("123456", "123456"),
        (" 12345 6", "123456"),
        ("１２３４５Ｘ", "12345X"),
    ],
)
def test_id_fragments_normalise(typed: str, fragment: str):
    assert codes.normalise_id_fragment(typed) == fragment


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "X23456", "1234X6", "12345Y"])
def test_malformed_id_fragments_are_none(typed: str):
    assert codes.normalise_id_fragment(typed) is None


def test_fragment_mask_keeps_two_characters():
    assert codes.mask_id_fragment("12343X") == "****3X"
    assert codes.fragment_matches("31011519800501123X", "01123X")
    assert not codes.fragment_matches("310115198005011234", "011235")


def test_address_parts_drop_their_suffix():
    assert codes.normalise_address_part(" 3单元", "单元") == "3"
    assert codes.normalise_address_part("５０２室", "室") == "502"
    assert codes.normalise_name("王 小明") == "王小明"


def _ago(hours: float) -> dt.datetime:
    return NOW - dt.timedelta(hours=hours)


def test_four_user_failures_still_allow_a_fifth_attempt():
    assert limits.check(user_failures=[_ago(h) for h in (1, 2, 3, 4)], now=NOW) is None


def test_five_user_failures_lock_until_the_oldest_leaves_the_window():
    locked = limits.check(user_failures=[_ago(h) for h in (1, 2, 3, 4, 5)], now=NOW)
    assert locked == limits.Locked("user", _ago(5) + limits.WINDOW)


def test_failures_older_than_a_day_do_not_count():
    assert limits.check(user_failures=[_ago(h) for h in (1, 2, 3, 4, 24, 30)], now=NOW) is None


def test_more_failures_than_the_limit_lock_until_enough_have_left():
    failures = [_ago(h) for h in (1, 2, 3, 4, 5, 6, 7)]
    locked = limits.check(user_failures=failures, now=NOW)
    # 7 failures, limit 5: allowed again when the third-oldest (5 h ago) is 24 h old
    assert locked is not None and locked.until == _ago(5) + limits.WINDOW


def test_ten_household_failures_lock_the_household():
    assert limits.check(user_failures=[], household_failures=[_ago(1)] * 9, now=NOW) is None
    locked = limits.check(user_failures=[], household_failures=[_ago(1)] * 10, now=NOW)
    assert locked is not None and locked.scope == "household"


@given(st.lists(st.floats(min_value=0, max_value=48), max_size=12))
def test_locked_exactly_when_the_window_holds_five_failures(hours: list[float]):
    failures = [_ago(h) for h in hours]
    in_window = [f for f in failures if NOW - limits.WINDOW < f <= NOW]
    locked = limits.check(user_failures=failures, now=NOW)
    assert (locked is not None) == (len(in_window) >= limits.USER_FAILURES)
    if locked is not None:
        # at the moment it unlocks, fewer than five remain in the window
        later = [f for f in failures if locked.until - limits.WINDOW < f <= locked.until]
        assert len(later) < limits.USER_FAILURES
