"""Ids in URLs and request bodies: digits that fit a BigAutoField, or no match at all.

Django's `int` converter takes any number of digits, and SQLite (the demo's database)
raises OverflowError on a 64-bit overflow instead of finding nothing: a 500 for a probe
like /committee/999999999999999999999999999999/. With `<id:...>` such a path is a 404.
"""

from __future__ import annotations

from typing import Any

MAX_ID = 2**63 - 1


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError("id out of range")  # Django then tries the next pattern: 404
        return number

    def to_url(self, value: int) -> str:
        return str(value)


def form_id(raw: object) -> int | None:
    """An id a form field sent (digits that fit a BigAutoField), else None."""
    if not isinstance(raw, str) or not (raw.isascii() and raw.isdigit()):
        return None
    number = int(raw[:20])
    return number if 1 <= number <= MAX_ID else None


def id_field(**options: Any) -> Any:
    """A DRF field for an id in a request body, bounded like the URL converter."""
    from rest_framework import serializers

    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **options)
