"""The ledger's field rules, pure: phones, plates, the birth date an ID number carries."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts import idcard
from accounts.ledger import rules


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("021-58881234", "02158881234"),
        ("58881234", "58881234"),
        ("0571-8888123", "05718888123"),
    ],
)
def test_phones_are_normalized(raw, normalized):
    assert rules.normalize_phone(raw) == normalized


@pytest.mark.parametrize(
    "raw", ["", "12345", "23812345678", "138123456789", "１３８１２３４５６７８", "abc", "10086"]
)
def test_what_is_not_a_phone(raw):
    assert rules.normalize_phone(raw) is None


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("沪A12345", "沪A12345"),
        ("沪a 12345", "沪A12345"),
        ("沪A·12345", "沪A12345"),
        ("沪AD12345", "沪AD12345"),  # new energy
        ("苏E1234学", "苏E1234学"),
    ],
)
def test_plates_are_normalized(raw, normalized):
    assert rules.normalize_plate(raw) == normalized


@pytest.mark.parametrize("raw", ["", "A12345", "沪12345", "沪A123", "沪A1234567", "X沪A12345"])
def test_what_is_not_a_plate(raw):
    assert rules.normalize_plate(raw) is None


@given(
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)),
    serial=st.integers(0, 999),
)
def test_the_birth_date_comes_out_of_a_valid_id_number(birth, serial):
    assert rules.birth_date_of(idcard.make("310115", birth, serial)) == birth


def test_no_birth_date_in_a_broken_number():
    assert rules.birth_date_of("31011519801399001X") is None
    assert rules.birth_date_of("310115") is None


def test_a_child_needs_consent_only_for_non_essential_fields():
    assert rules.needs_consent(child=True, consent=False, phone="1", vehicles=[], tags=[])
    assert rules.needs_consent(child=True, consent=False, phone="", vehicles=["x"], tags=[])
    assert rules.needs_consent(child=True, consent=False, phone="", vehicles=[], tags=["x"])
    assert not rules.needs_consent(child=True, consent=False, phone="", vehicles=[], tags=[])
    assert not rules.needs_consent(child=True, consent=True, phone="1", vehicles=[], tags=[])
    assert not rules.needs_consent(child=False, consent=False, phone="1", vehicles=["x"], tags=[])
