"""Simplified Chinese is the default UI language: every text the code or a template marks
for translation has a Chinese entry, and the compiled catalogue Django loads is the .po's.

Python sources are read with `ast` (calls of the gettext family with literal text), templates
with Django's own `templatize` (what `makemessages` runs), so {% translate %} and
{% blocktranslate %} are read exactly as the catalogue tools read them.
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "accounts",
    "config",
    "core",
    "demo",
    "forum",
    "frontend",
    "moderation",
    "realtime",
    "voting",
)
CATALOGUE = ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"
SINGULAR = {"_", "gettext", "gettext_lazy", "gettext_noop"}
PLURAL = {"ngettext", "ngettext_lazy"}
CONTEXT = {"pgettext", "pgettext_lazy"}
# A call of templatize's output: gettext(u'...'), ngettext(u'...', u'...', n), pgettext(...).
TEMPLATE_CALL = re.compile(
    r"\b(npgettext|pgettext|ngettext|gettext)\(((?:u'(?:[^'\\]|\\.)*',?\s*)+)"
)
TEMPLATE_TEXT = re.compile(r"u'(?:[^'\\]|\\.)*'")

Key = str | tuple[str, int]  # the .mo catalogue's keys: a text, or (a plural's text, 0)


def _python_keys(path: Path) -> Iterator[Key]:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        texts = [a.value for a in node.args if isinstance(a, ast.Constant)]
        texts = [text for text in texts if isinstance(text, str)]
        name = node.func.id
        if name in SINGULAR and texts:
            yield texts[0]
        elif name in PLURAL and texts:
            yield (texts[0], 0)
        elif name in CONTEXT and len(texts) >= 2:
            yield f"{texts[0]}\x04{texts[1]}"


def _template_keys(path: Path) -> Iterator[Key]:
    for call in TEMPLATE_CALL.finditer(templatize(path.read_text(), origin=str(path))):
        texts = [ast.literal_eval(text) for text in TEMPLATE_TEXT.findall(call.group(2))]
        name = call.group(1)
        if name == "gettext":
            yield texts[0]
        elif name == "ngettext":
            yield (texts[0], 0)
        elif name == "pgettext":
            yield f"{texts[0]}\x04{texts[1]}"
        else:  # npgettext
            yield (f"{texts[0]}\x04{texts[1]}", 0)


def marked() -> dict[Key, str]:
    """Every text marked for translation, with the first place it is marked."""
    found: dict[Key, str] = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*")):
            if "migrations" in path.parts:
                continue
            if path.suffix == ".py":
                keys = _python_keys(path)
            elif path.suffix in (".html", ".txt"):
                keys = _template_keys(path)
            else:
                continue
            for key in keys:
                if key:
                    found.setdefault(key, str(path.relative_to(ROOT)))
    return found


def compiled(mo: Path) -> dict[Key, str]:
    with mo.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)  # type: ignore[attr-defined]


def test_every_marked_text_has_a_chinese_translation() -> None:
    catalogue = compiled(CATALOGUE.with_suffix(".mo"))
    found = marked()
    assert len(found) > 500  # the reading works: the project marks far more than this
    missing = sorted(f"{place}: {key!r}" for key, place in found.items() if key not in catalogue)
    assert missing == []
    untranslated = sorted(repr(key) for key in found if not catalogue.get(key))
    assert untranslated == []


def _domain_errors() -> set[str]:
    """core.errors.DomainError and every subclass defined in the apps, by name."""
    names = {"DomainError"}
    bases: dict[str, set[str]] = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.ClassDef):
                    bases.setdefault(node.name, set()).update(
                        b.id for b in node.bases if isinstance(b, ast.Name)
                    )
    grown = True
    while grown:  # subclasses of subclasses
        more = {name for name, of in bases.items() if of & names} - names
        names |= more
        grown = bool(more)
    return names


def _plain_text(node: ast.expr) -> bool:
    """A message written as bare text: a literal, an f-string, or text glued to one."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _plain_text(node.left) or _plain_text(node.right)
    return False


def test_every_error_code_has_a_translated_message() -> None:
    # An error's code is for programs, its message for people: a message raised as bare
    # text reaches a Chinese user in English. Each one must go through gettext (and then
    # the test above checks its Chinese entry).
    errors = _domain_errors()
    assert {"Invalid", "Forbidden", "NotFound", "RateLimited"} <= errors
    bare = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name not in errors:
                    continue
                message = node.args[0] if node.args else None
                for keyword in node.keywords:
                    if keyword.arg == "message":
                        message = keyword.value
                if message is not None and _plain_text(message):
                    bare.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(message)}")
    assert bare == []


def test_the_compiled_catalogue_is_the_po_file(tmp_path: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.fail("needs msgfmt (Debian's gettext), as .ci/run installs it")
    fresh = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(CATALOGUE)], check=True)
    assert compiled(fresh) == compiled(CATALOGUE.with_suffix(".mo"))
