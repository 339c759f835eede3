"""What people type to verify: household codes, the ID number's last six, an address.

Pure: no Django. A code is 10 characters from an alphabet without the look-alikes 0/O and
1/I/L, printed in two groups of five ("K7QX2-MP4RT"). Whatever a person types is
normalised first: case, spaces, dashes and full-width characters (from a Chinese input
method) do not matter.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 10
GROUP = 5

# Everything that may separate the groups when a person types or pastes a code.
_SEPARATORS = re.compile(r"[\s\-_.·・‐‑‒–—―−]+")
_FRAGMENT = re.compile(r"\d{5}[\dX]")


def generate(randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    """A new code, canonical form (no separator). `randbelow` is injectable for tests."""
    return "".join(ALPHABET[randbelow(len(ALPHABET))] for _ in range(LENGTH))


def _fold(raw: str) -> str:
    # NFKC turns full-width letters, digits and dashes into their ASCII forms.
    return unicodedata.normalize("NFKC", raw).upper()


def normalise(raw: str) -> str | None:
    """The canonical code, or None when it cannot be one (wrong length or characters)."""
    value = _SEPARATORS.sub("", _fold(raw))
    if len(value) != LENGTH or any(char not in ALPHABET for char in value):
        return None
    return value


def display(code: str) -> str:
    """The printed form: K7QX2MP4RT -> K7QX2-MP4RT."""
    value = normalise(code) or code
    return "-".join(value[i : i + GROUP] for i in range(0, len(value), GROUP))


def normalise_id_fragment(raw: str) -> str | None:
    """The last six characters of an ID number: five digits and a digit or X, else None."""
    value = _SEPARATORS.sub("", _fold(raw))
    return value if _FRAGMENT.fullmatch(value) else None


def mask_id_fragment(fragment: str) -> str:
    """Keep only the last two characters: 12343X -> ****3X."""
    return "****" + fragment[-2:]


def fragment_matches(id_number: str, fragment: str) -> bool:
    return _fold(id_number).strip().endswith(fragment)


def normalise_address_part(raw: str, suffix: str = "") -> str:
    """ "3单元" -> "3", "502室" -> "502", full-width digits folded, spaces dropped."""
    value = re.sub(r"\s+", "", _fold(raw))
    if suffix and value.endswith(suffix):
        value = value[: -len(suffix)]
    return value


def normalise_name(raw: str) -> str:
    """Real names compare after folding width and dropping spaces (王 小明 = 王小明)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw))
