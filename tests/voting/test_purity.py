"""voting/tally.py stays pure: no Django import, and strictly typed by `make lint`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
    # __import__("django") or importlib would dodge the walk above: refuse them too.
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert "__import__" not in names
    assert "importlib" not in found
    return found


def test_tally_imports_nothing_from_django():
    modules = imported_modules(ROOT / "voting/tally.py")
    assert modules, "the parse found no imports at all"
    assert not {m for m in modules if m.split(".")[0] in ("django", "rest_framework", "channels")}
    # Nor anything of the project, which would bring Django along.
    assert not {
        m
        for m in modules
        if m.startswith(".")
        or m.split(".")[0]
        in ("accounts", "config", "forum", "moderation", "realtime", "voting", "frontend")
    }


def test_tally_is_in_the_strict_mypy_list():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^PURE\s*:=\s*(.+)$", makefile, re.M)
    assert match, "the Makefile has no PURE list"
    assert "voting/tally.py" in match.group(1).split()
    assert re.search(r"mypy --strict \$\(PURE\)", makefile)


def test_matters_imports_only_translation_from_django():
    tree = ast.parse((ROOT / "voting/matters.py").read_text(encoding="utf-8"))
    runtime: set[str] = set()
    for node in tree.body:  # top level only: the TYPE_CHECKING block is typing, not run
        if isinstance(node, ast.ImportFrom):
            runtime.add(node.module or "")
        elif isinstance(node, ast.Import):
            runtime.update(alias.name for alias in node.names)
    assert {m for m in runtime if m.startswith("django")} == {"django.utils.translation"}


def test_secrecy_imports_nothing_but_the_pure_tally():
    """voting/secrecy.py decides what secret ballots publish from data alone: no Django,
    and of the project only voting.tally (itself pure)."""
    modules = imported_modules(ROOT / "voting/secrecy.py")
    project = ("accounts", "config", "forum", "moderation", "realtime", "voting", "frontend")
    outside = {m for m in modules if m.split(".")[0] in ("django", "rest_framework", "channels")}
    assert not outside
    assert {m for m in modules if m.startswith(".") or m.split(".")[0] in project} == {
        "voting.tally"
    }
