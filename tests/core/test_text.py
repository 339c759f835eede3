"""core/text.py: the one rule for text from people (pure, no database)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import text
from core.text import CONTROL_CHARACTER, INVALID_TEXT, TextRefused

REFUSED_CONTROLS = [
    *(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"),
    "\x7f",
    *(chr(c) for c in range(0x80, 0xA0)),
    *(chr(c) for c in range(0x202A, 0x202F)),
    *(chr(c) for c in range(0x2066, 0x206A)),
]


@pytest.mark.parametrize("char", REFUSED_CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_control_characters_are_refused_with_their_code(char: str) -> None:
    # Given a name with a control character in the middle
    # When it is cleaned, in either mode
    for multiline in (False, True):
        with pytest.raises(TextRefused) as refused:
            text.clean(f"王{char}小明", multiline=multiline)
        # Then it is refused, saying where
        assert (refused.value.code, refused.value.position) == (CONTROL_CHARACTER, 1)
    assert text.refusal(f"王{char}") is not None


@pytest.mark.parametrize(
    "char", [chr(c) for c in (0xD800, 0xDBFF, 0xDC00, 0xDFFF)], ids=lambda c: f"U+{ord(c):04X}"
)
def test_a_lone_surrogate_is_invalid_text(char: str) -> None:
    with pytest.raises(TextRefused) as refused:
        text.clean(f"ab{char}")
    assert refused.value.code == INVALID_TEXT
    refusal = text.refusal(char)
    assert refusal is not None and refusal.code == INVALID_TEXT


def test_the_marks_mixed_text_needs_and_emoji_joiners_are_kept() -> None:
    for kept in ("a\u200eb", "a\u200fb", "a\u061cb", "👨\u200d👩\u200d👧", "全角\u3000空格"):
        assert text.clean(kept) == kept


def test_multiline_text_keeps_tabs_and_lines_with_lf_only() -> None:
    assert text.clean("  第一行\r\n第二行\r\t缩进\n  ", multiline=True) == "第一行\n第二行\n\t缩进"


def test_single_line_text_turns_tabs_and_line_breaks_into_spaces() -> None:
    assert text.clean(" 王\t小\r\n明 ") == "王 小 明"


def test_text_is_stored_in_nfc() -> None:
    decomposed = "Cafe\u0301 e\u0301"
    assert text.clean(decomposed) == "Café é"
    assert unicodedata.is_normalized("NFC", text.clean(decomposed))


def test_scrub_drops_what_clean_refuses() -> None:
    assert text.scrub("a\x00b\x07c\u202ed\ud800.csv") == "abcd.csv"
    assert text.scrub("第一行\r\n第二行", multiline=True) == "第一行\n第二行"


@given(st.text())
def test_clean_either_refuses_or_returns_text_with_nothing_it_refuses(raw: str) -> None:
    refused = text.refusal(raw)
    for multiline in (False, True):
        if refused is not None:
            assert refused.code in text.CODES
            with pytest.raises(TextRefused):
                text.clean(raw, multiline=multiline)
            continue
        cleaned = text.clean(raw, multiline=multiline)
        assert text.refusal(cleaned) is None
        assert "\r" not in cleaned
        assert cleaned == cleaned.strip()
        assert unicodedata.is_normalized("NFC", cleaned)
        assert text.clean(cleaned, multiline=multiline) == cleaned  # idempotent
        if not multiline:
            assert "\n" not in cleaned and "\t" not in cleaned


@given(st.text())
def test_scrub_always_gives_clean_text(raw: str) -> None:
    scrubbed = text.scrub(raw, multiline=True)
    assert text.clean(scrubbed, multiline=True) == scrubbed
    cleaned = text.scrub(raw)
    assert text.clean(cleaned) == cleaned
    cleaned.encode()  # storable and sendable as UTF-8
