"""English dates read as sentences do: no "2:38 a.m.." when a full stop follows a date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import engines
from django.utils import translation

AFTERNOON = dt.datetime(2026, 12, 8, 14, 38, tzinfo=dt.UTC)
SENTENCE = (
    '{% load tz %}{% timezone "UTC" %}Open until {{ at|date:"DATETIME_FORMAT" }}.{% endtimezone %}'
)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Open until December 8, 2026, 14:38."), ("zh-hans", "Open until 2026年12月8日 14:38.")],
)
def test_a_sentence_ending_on_a_date_has_one_full_stop(language: str, expected: str) -> None:
    with translation.override(language):
        text = engines["django"].from_string(SENTENCE).render({"at": AFTERNOON})
    assert text == expected
    assert "m.." not in text


@pytest.mark.parametrize("name", ["DATETIME_FORMAT", "SHORT_DATETIME_FORMAT", "TIME_FORMAT"])
def test_english_times_are_on_a_24_hour_clock(name: str) -> None:
    with translation.override("en"):
        template = f'{{% load tz %}}{{{{ at|utc|date:"{name}" }}}}'
        text = engines["django"].from_string(template).render({"at": AFTERNOON})
    assert "14:38" in text and "p.m." not in text
