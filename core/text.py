"""The one text cleaner: which characters text from people may hold, decided once.

Why one module: four copies disagreed, and the one that forgot NUL turned a forum post into
a 500 (PostgreSQL cannot store U+0000). Every service that stores typed text calls `clean`
(through `core.cleaning.cleaned`, which turns a refusal into a translated `Invalid`); the
HTTP edge (`config.input_guard`) and the socket's frame decoder (`realtime/frames.py`) call
`refusal` on every string before a view or an action runs. The service-level call stays:
services are reached from three adapters, and from management commands and imports.

The rules:

- Refused with code `control_character`: NUL and the other C0 controls (U+0000-U+001F)
  except tab, line feed and carriage return; DEL (U+007F); the C1 controls
  (U+0080-U+009F); and the bidi embeddings, overrides and isolates (U+202A-U+202E,
  U+2066-U+2069). Refused rather than removed: silently changing what someone typed
  (a name that then matches another person, a post with a piece missing) is worse than
  asking them to fix it, and these characters come from paste accidents or attacks, not
  from typing. The bidi controls make text display differently from what it is ("Trojan
  source": a name or a file name shown reversed), and an unclosed override in a post would
  run on into the page around it; Chinese and English text never needs them, and the
  implicit marks that mixed-direction text may want (U+200E, U+200F, U+061C) stay allowed.
- Refused with code `invalid_text`: lone surrogates (U+D800-U+DFFF). JSON can spell them
  ("\\ud800") but UTF-8 cannot encode them, so they cannot be stored or sent back.
- Normalised: Unicode NFC, so one word has one spelling in the database (matching a name
  against the ledger, finding a login name, uniqueness). Line breaks: CRLF and CR become
  LF (browsers send a textarea's lines with CRLF). In single-line text (names, titles) tab,
  CR and LF become a space, since a value pasted from a spreadsheet cell or a PDF brings
  them and refusing would make no sense. Leading and trailing whitespace is stripped.
- Where refusing makes no sense at all, because nobody typed the text (a spreadsheet cell
  of an import, an uploaded file's name), `scrub` normalises the same way and drops the
  refused characters instead.
- Length limits stay per field: callers check `len()` of the cleaned text.

Pure: no Django import (mypy --strict).
"""

from __future__ import annotations

import re
import unicodedata

CONTROL_CHARACTER = "control_character"
INVALID_TEXT = "invalid_text"
CODES = (CONTROL_CHARACTER, INVALID_TEXT)

# Tab (09), LF (0A) and CR (0D) are allowed: multi-line text has them, single-line text
# turns them into spaces.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_REFUSED = re.compile(f"{_CONTROL.pattern}|{_SURROGATE.pattern}")
_LINE_BREAK = re.compile("\r\n?")
_SINGLE_LINE_SPACE = re.compile("[\t\r\n]")


class TextRefused(ValueError):
    """The text holds a character no field accepts; `code` is one of CODES."""

    def __init__(self, code: str, position: int) -> None:
        super().__init__(f"{code} at {position}")
        self.code = code
        self.position = position


def refusal(text: str) -> TextRefused | None:
    """Why the text cannot be accepted anywhere, or None: what the edge checks."""
    found = _REFUSED.search(text)
    if found is None:
        return None
    code = INVALID_TEXT if _SURROGATE.match(found.group()) else CONTROL_CHARACTER
    return TextRefused(code, found.start())


def clean(text: str, *, multiline: bool = False) -> str:
    """The text as it is stored: checked, NFC, line breaks normalised, stripped.

    Raises TextRefused. Multi-line text keeps its tabs and line breaks (as LF).
    """
    refused = refusal(text)
    if refused is not None:
        raise refused
    return _normalise(text, multiline=multiline)


def scrub(text: str, *, multiline: bool = False) -> str:
    """Like `clean`, but the refused characters are dropped: for text nobody typed."""
    return _normalise(_REFUSED.sub("", text), multiline=multiline)


def _normalise(text: str, *, multiline: bool) -> str:
    text = _LINE_BREAK.sub("\n", unicodedata.normalize("NFC", text))
    if not multiline:
        text = _SINGLE_LINE_SPACE.sub(" ", text)
    return text.strip()
