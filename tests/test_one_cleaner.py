"""One text cleaner for the whole project (core/text.py): every service that stores typed
text refuses control characters with the same code, and no module keeps a copy of its own.

The HTTP edge and the socket refuse them first (tests/test_bad_input.py); these call the
services' cleaners directly, as a management command or an import would.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.utils import translation

from accounts.ledger import services as ledger_services
from accounts.ledger import sheets
from accounts.verification import services as verification_services
from core.cleaning import required_text
from core.errors import DomainError, Invalid
from moderation.rooms import services as room_services
from voting.services import common as voting_common

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "config", "demo", "forum", "frontend", "moderation", "realtime", "voting")
# Not text from people: a CSV upload with NUL bytes is a binary file, said unreadable;
# idempotency keys are hashed with NUL as the separator of their parts.
ALLOWED = {("accounts/ledger/transfer.py", "\x00"), ("realtime/idempotency.py", "\x00")}
HOME_MADE = ("\x00", "\x7f", "\u202e")

CLEANERS: dict[str, Callable[[str], object]] = {
    "voting": lambda raw: voting_common.clean_text(raw, limit=50, code="c", required="r"),
    "outreach (core required_text)": lambda raw: required_text(
        raw, limit=50, code="c", required="r"
    ),
    "rooms": lambda raw: room_services._text(raw, limit=50, code="c", required="r"),
    "ledger name": ledger_services._real_name,
    "ledger reason": ledger_services.reason_clean,
    "verification reason": verification_services._reason,
}


@pytest.fixture(autouse=True)
def _in_chinese() -> Iterator[None]:
    with translation.override("zh-hans"):
        yield


@pytest.mark.parametrize("cleaner", CLEANERS.values(), ids=CLEANERS.keys())
@pytest.mark.parametrize("raw", ["上门\x00核对", "上门\x07核对", "\u202e上门核对", "上门\x85核对"])
def test_each_service_cleaner_refuses_control_characters_with_one_code(
    cleaner: Callable[[str], object], raw: str
) -> None:
    with pytest.raises(Invalid) as refused:
        cleaner(raw)
    assert refused.value.code == "control_character"
    assert "控制字符" in refused.value.render()


@pytest.mark.parametrize("cleaner", CLEANERS.values(), ids=CLEANERS.keys())
def test_each_service_cleaner_stores_nfc(cleaner: Callable[[str], object]) -> None:
    assert cleaner("Jose\u0301 核对") == "José 核对"


def test_a_name_in_verification_is_refused_as_an_invalid_attempt() -> None:
    with pytest.raises(verification_services._Refusal) as refused:
        verification_services._clean_name("王\x00小明")
    assert isinstance(refused.value.error, DomainError)
    assert refused.value.error.code == "control_character"


def test_spreadsheet_cells_drop_what_nobody_typed() -> None:
    # A stray control character in one cell must not sink an import of thousands of rows.
    assert sheets.clean(" 王\x00小\x0b明\u3000") == "王小明"
    assert sheets.clean("'=1+1") == "=1+1"


@pytest.mark.django_db
def test_a_proxy_form_naming_a_login_with_a_nul_finds_nobody() -> None:
    from tests import factories
    from voting.selectors import delegate_named

    account = factories.user("ab")
    assert delegate_named("ab") == account.pk
    # Before, the NUL was dropped and "a\x00b" found the account "ab".
    assert delegate_named("a\x00b") is None


def _string_constants(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_no_module_keeps_a_copy_of_the_cleaner() -> None:
    # Given every Python module of the apps
    copies = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            for constant in _string_constants(path):
                for char in HOME_MADE:
                    if char in constant and (relative, char) not in ALLOWED:
                        copies.append((relative, repr(char)))
            if "isprintable" in path.read_text(encoding="utf-8"):
                copies.append((relative, "isprintable"))
    # Then none handles control characters itself: they all call core/text.py
    assert copies == []
