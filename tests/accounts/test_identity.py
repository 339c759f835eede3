import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts import idcard, identity


def test_a_known_number_has_the_right_check_character() -> None:
    assert idcard.is_valid("11010519491231002X")
    assert not idcard.is_valid("110105194912310021")
    assert not idcard.is_valid("11010519491331002X")  # month 13
    assert not idcard.is_valid("1101051949123100")


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2026, 1, 1)), st.integers(0, 999))
def test_made_numbers_are_valid(birth: dt.date, serial: int) -> None:
    assert idcard.is_valid(idcard.make("310115", birth, serial))


def test_id_numbers_are_encrypted_hashed_and_masked(settings: pytest.FixtureRequest) -> None:
    raw = "31011519800501123x"
    token = identity.encrypt_id_number(raw)
    assert raw.upper() not in token
    assert identity.decrypt_id_number(token) == raw.upper()
    # The hash matches however the number was typed, and is keyed (not a bare SHA-256).
    assert identity.hash_id_number(" 31011519800501123X") == identity.hash_id_number(raw)
    import hashlib

    assert identity.hash_id_number(raw) != hashlib.sha256(raw.upper().encode()).hexdigest()
    assert identity.mask_id_number(raw) == "31**************3X"
    assert identity.mask_phone("13812345678") == "138****5678"
    assert identity.mask_name("王小明") == "王**"
