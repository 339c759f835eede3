"""Resident ID numbers (GB 11643-1999): structure and checksum. Pure."""

from __future__ import annotations

import datetime as dt

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


def check_char(body17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(body17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def make(region: str, birth: dt.date, serial: int) -> str:
    """Build a valid 18-character number; `serial` is the 3-digit order code."""
    body = f"{region}{birth:%Y%m%d}{serial % 1000:03d}"
    return body + check_char(body)


def is_valid(number: str) -> bool:
    value = number.strip().upper()
    # ASCII digits only: str.isdigit() also accepts '²' (int() refuses it) and '１'.
    if len(value) != 18 or not (value[:17].isascii() and value[:17].isdigit()):
        return False
    if check_char(value[:17]) != value[17]:
        return False
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return True
