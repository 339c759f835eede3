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

from tests.test_layers import PROJECT

ROOT = Path(__file__).resolve().parent.parent
APPS = PROJECT  # every package of the application, as the layer rules read them
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


def _sources() -> Iterator[tuple[Path, ast.Module]]:
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text(), str(path))


def domain_errors(trees: list[tuple[Path, ast.Module]]) -> set[str]:
    """The names of core.errors.DomainError and every class of ours built on it."""
    names = {"DomainError"}
    grew = True
    while grew:
        grew = False
        for _path, tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    bases = {
                        b.id if isinstance(b, ast.Name) else getattr(b, "attr", "")
                        for b in node.bases
                    }
                    if bases & names:
                        names.add(node.name)
                        grew = True
    return names


def untranslatable_errors() -> list[str]:
    """Domain errors raised with a message that no catalogue can hold: a plain or formatted
    string instead of a gettext call. Their text reaches people as the `message` of an API
    answer or a socket `err`, so it would stay English whatever the language."""
    trees = list(_sources())
    errors = domain_errors(trees)
    found = []
    for path, tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            called = node.func.id if isinstance(node.func, ast.Name) else None
            if called is None and isinstance(node.func, ast.Attribute):
                called = node.func.attr
            if called not in errors:
                continue
            message = node.args[0] if node.args else None
            for keyword in node.keywords:
                if keyword.arg == "message":
                    message = keyword.value
            if isinstance(message, (ast.Constant, ast.JoinedStr, ast.BinOp)):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {called}")
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


def test_every_domain_error_is_raised_with_a_translatable_message() -> None:
    assert len(domain_errors(list(_sources()))) >= 8  # the reading finds the classes
    assert untranslatable_errors() == []


def test_the_compiled_catalogue_is_the_po_file(tmp_path: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.fail("needs msgfmt (Debian's gettext), as .ci/run installs it")
    fresh = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(CATALOGUE)], check=True)
    assert compiled(fresh) == compiled(CATALOGUE.with_suffix(".mo"))
