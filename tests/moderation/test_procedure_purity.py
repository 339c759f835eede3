"""The procedure is pure: no Django, no clock, no randomness, nothing read from outside.
Checked on the source (ast), so an import hidden in a function is caught too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import moderation.procedure

PACKAGE = Path(moderation.procedure.__file__).parent
MODULES = sorted(PACKAGE.glob("*.py"))
FORBIDDEN_MODULES = {"django", "time", "datetime", "random", "secrets", "uuid", "os", "sys"}
# `now` is the engine's parameter; reading a clock is `x.now()` or a call of such a name.
FORBIDDEN_ATTRIBUTES = {"now", "today", "utcnow", "monotonic", "perf_counter", "time_ns"}
FORBIDDEN_CALLS = {"now", "today", "random", "open", "input", "getenv"}


def imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_package_has_the_modules_this_test_reads() -> None:
    assert {m.name for m in MODULES} >= {"__init__.py", "engine.py", "replay.py", "state.py"}


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_no_forbidden_import(module: Path) -> None:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    assert imported(tree) & FORBIDDEN_MODULES == set()


def clock_reads(tree: ast.AST) -> set[str]:
    attributes = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    calls = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    return (attributes & FORBIDDEN_ATTRIBUTES) | (calls & FORBIDDEN_CALLS)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_no_clock_or_randomness_is_read(module: Path) -> None:
    assert clock_reads(ast.parse(module.read_text(encoding="utf-8"))) == set()


def test_the_checks_catch_what_they_look_for() -> None:
    tree = ast.parse("def f():\n    import django.db\n    from datetime import datetime\n")
    assert imported(tree) == {"django", "datetime"}
    tree = ast.parse("def f(now):\n    return dt.datetime.now(), random(), now + 1\n")
    assert clock_reads(tree) == {"now", "random"}
