"""Rules for the ledger's fields: phones, plates, the birth date in an ID number, and what a
child's record may hold. Pure (no Django): values in, a normalized value or None out."""

from __future__ import annotations

import datetime as dt
import re

MAX_VEHICLES = 10
NAME_MAX = 32
EARLIEST_BIRTH = dt.date(1890, 1, 1)
# Fields that are not needed to keep the ledger: for a child under 14 they are stored only
# with a guardian's consent.
NON_ESSENTIAL = ("phone", "vehicles", "tags")

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0[1-9][0-9]{1,2}[2-9][0-9]{6,7}")  # area code and number
_LOCAL = re.compile(r"[2-9][0-9]{7}")  # a Shanghai number without its area code
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(
    rf"[{_PROVINCES}][A-Z](?:[A-Z0-9]{{5}}|[A-Z0-9]{{6}}|[A-Z0-9]{{4}}[挂学警港澳])"
)


def normalize_phone(raw: str) -> str | None:
    """A mainland mobile or landline number as digits, or None if it is not one."""
    value = re.sub(r"[\s\-()（）]", "", raw)
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("86") and len(value) == 13:
        value = value[2:]
    if not value.isascii():
        return None
    if _MOBILE.fullmatch(value) or _LANDLINE.fullmatch(value) or _LOCAL.fullmatch(value):
        return value
    return None


def normalize_plate(raw: str) -> str | None:
    """A licence plate such as 沪A12345 (or a new-energy 沪AD12345), or None."""
    value = re.sub(r"[\s·•\-.]", "", raw).upper()
    return value if _PLATE.fullmatch(value) else None


def birth_date_of(id_number: str) -> dt.date | None:
    """The birth date an 18-character ID number carries."""
    digits = id_number.strip()[6:14]
    if len(digits) != 8 or not (digits.isascii() and digits.isdigit()):
        return None
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def needs_consent(
    *, child: bool, consent: bool, phone: str, vehicles: list[str], tags: list[str]
) -> bool:
    """True when a child's record would hold a non-essential field without consent."""
    return child and not consent and bool(phone or vehicles or tags)
