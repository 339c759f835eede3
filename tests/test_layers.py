"""The layer rules of the house, as tests that parse the imports (ast), like the purity tests.

(a) pure modules (the Makefile's PURE list, read from the Makefile so it has one home) import
    no Django, DRF, Channels or psycopg, and of the project only other pure modules;
(b) selectors (a selectors.py, or a module in a selectors/ package) import no services module
    and call no write;
(c) models modules import no realtime;
(d) realtime/ imports no app;
(e) adapters (views.py, api.py, *_views.py, *_api.py, consumers.py, actions.py) call no write;
(f) core/ imports no app;
(g) no import cycle between the modules of the project, counting imports inside functions
    (they still run, only later); imports under `if TYPE_CHECKING:` never run and are left out.

A violation is reported as `path:line  what`, all of them at once, so a failing run is the list
of what to move. There is no allow-list: a rule that needs an exception is a rule to change here,
in the open.
"""

from __future__ import annotations

import ast
import glob
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The packages of the application (bench/, chaos/ and tests/ drive it from outside).
PROJECT = (
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
# What the floor and the realtime spine must not reach up into.
APPS = frozenset(
    {"accounts", "voting", "moderation", "forum", "realtime", "frontend", "config", "demo"}
)
REALTIME_MUST_NOT = frozenset({"accounts", "voting", "moderation", "forum", "frontend", "demo"})
FRAMEWORKS = frozenset({"django", "rest_framework", "channels", "psycopg"})

# Calls that write: the ORM's writes, row locks, transactions and the realtime publisher.
WRITE_METHODS = frozenset(
    {
        "save",
        "create",
        "update",
        "delete",
        "bulk_create",
        "bulk_update",
        "get_or_create",
        "update_or_create",
        "select_for_update",
    }
)


@dataclass(frozen=True)
class Import:
    module: str  # absolute dotted name, relative imports resolved
    names: tuple[str, ...]  # the names of `from module import a, b`; () for `import module`
    line: int
    type_checking: bool  # under `if TYPE_CHECKING:`: typing only, never run


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}  {self.what}"


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_files(root: Path = ROOT) -> list[Path]:
    files: list[Path] = []
    for package in PROJECT:
        if (root / package).is_dir():
            files.extend(
                path
                for path in sorted((root / package).rglob("*.py"))
                if "migrations" not in path.parts
            )
    return files


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.as_posix()


@cache
def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(path: Path, node: ast.ImportFrom, root: Path) -> str:
    if not node.level:
        return node.module or ""
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports_of(path: Path, root: Path = ROOT) -> list[Import]:
    """Every import of the module, wherever it stands (functions included), and the
    dynamic imports of a literal name. `import_module(settings.SESSION_ENGINE)` (Django's
    way of loading a configured backend) names no module the parse can know."""
    found: list[Import] = []

    def visit(node: ast.AST, typing_only: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, True)
            for child in node.orelse:
                visit(child, typing_only)
            return
        if isinstance(node, ast.Import):
            found.extend(Import(a.name, (), node.lineno, typing_only) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names = tuple(a.name for a in node.names)
            found.append(Import(_resolve(path, node, root), names, node.lineno, typing_only))
        elif isinstance(node, ast.Call) and (named := _literal_import(node)):
            # import_module("voting.services") imports as surely as the statement does.
            found.append(Import(named, (), node.lineno, typing_only))
        for child in ast.iter_child_nodes(node):
            visit(child, typing_only)

    visit(parse(path), False)
    return found


def _literal_import(node: ast.Call) -> str | None:
    """The module named by `import_module("x")`, `importlib.import_module("x")` or
    `__import__("x")` when it is a literal string; None for anything else."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name not in ("import_module", "__import__") or not node.args:
        return None
    first = node.args[0]
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None


def dodges(path: Path, root: Path = ROOT) -> Iterator[Violation]:
    """For pure modules: `__import__` or importlib would slip past an import walk, and pure
    code has no reason to load modules by name. Refuse both outright."""
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Name) and node.id == "__import__":
            yield Violation(rel(path), node.lineno, "calls __import__")
    for found in imports_of(path, root):
        if found.module == "importlib" or found.module.startswith("importlib."):
            yield Violation(rel(path), found.line, "imports importlib")


def top(module: str) -> str:
    return module.split(".")[0]


def targets(found: Import) -> Iterator[str]:
    """The modules an import names: `from voting import services` names voting.services."""
    yield found.module
    for name in found.names:
        yield f"{found.module}.{name}"


def resolved(found: Import, modules: Iterable[str]) -> list[str]:
    """The project modules an import loads: `from a.b import c` loads the submodule a.b.c
    when there is one, else (c is a name) a.b itself."""
    known = set(modules)
    subs = [f"{found.module}.{name}" for name in found.names if f"{found.module}.{name}" in known]
    return subs or ([found.module] if found.module in known else [])


def _publish_names(path: Path) -> set[str]:
    """Local names bound to the realtime publisher (`from realtime import publish as p`)."""
    names: set[str] = set()
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("realtime"):
            names.update(a.asname or a.name for a in node.names if a.name == "publish")
    return names


def _is_dict(node: ast.expr | None) -> bool:
    if isinstance(node, (ast.Dict, ast.DictComp)):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id == "dict"
    if isinstance(node, ast.Subscript):  # an annotation: dict[str, Any]
        node = node.value
    return isinstance(node, ast.Name) and node.id in ("dict", "Dict")


def _dict_names(path: Path) -> set[str]:
    """Names the module binds to a dict (`context: dict[str, Any] = {...}`): their
    `.update(` fills a template context, it writes no row. Read per module, not per scope:
    a name that is a dict in one function and a QuerySet in another would be missed."""
    names: set[str] = set()
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if _is_dict(node.annotation) or _is_dict(node.value):
                names.add(node.target.id)
        elif isinstance(node, ast.Assign) and _is_dict(node.value):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def writes_in(path: Path) -> Iterator[Violation]:
    """Calls that write, by their shape: `.save(`, `.create(`, ..., `transaction.atomic`
    (as a call, a decorator or a `with`), and `realtime.publish`."""
    publish = _publish_names(path)
    dicts = _dict_names(path)
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Attribute) and node.attr == "atomic":
            yield Violation(rel(path), node.lineno, "transaction.atomic")
        elif isinstance(node, ast.ImportFrom) and node.module == "django.db.transaction":
            for alias in node.names:
                if alias.name == "atomic":
                    yield Violation(rel(path), node.lineno, "imports transaction.atomic")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in WRITE_METHODS:
                name = func.value.id if isinstance(func.value, ast.Name) else None
                if func.attr == "update" and name in dicts:
                    continue
                yield Violation(rel(path), node.lineno, f"calls .{func.attr}(")
            elif (
                isinstance(func, ast.Attribute)
                and func.attr == "publish"
                and isinstance(func.value, ast.Name)
                and func.value.id == "realtime"
            ):
                yield Violation(rel(path), node.lineno, "calls realtime.publish(")
            elif isinstance(func, ast.Name) and func.id in publish:
                yield Violation(rel(path), node.lineno, f"calls {func.id}( (realtime.publish)")


# -- which files each rule reads ----------------------------------------------------------


def pure_modules() -> list[Path]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^PURE\s*:=\s*(.+)$", makefile, re.M)
    assert match, "the Makefile has no PURE list"
    paths: list[Path] = []
    for pattern in match.group(1).split():
        expanded = sorted(glob.glob(pattern, root_dir=ROOT))
        assert expanded, f"the Makefile's PURE names {pattern}, which is not there"
        paths.extend(ROOT / name for name in expanded)
    return paths


def is_selector(path: Path) -> bool:
    return path.name == "selectors.py" or "selectors" in path.parent.parts[-1:]


def is_models(path: Path) -> bool:
    return path.name == "models.py" or path.parent.name == "models"


# actions.py: the socket `do` actions, the third adapter beside pages and the REST API.
ADAPTER_NAMES = ("views.py", "api.py", "consumers.py", "actions.py")


def is_adapter(path: Path) -> bool:
    return path.name in ADAPTER_NAMES or path.name.endswith(("_views.py", "_api.py"))


def selected(rule: str) -> list[Path]:
    files = project_files()
    chosen = {
        "pure": pure_modules,
        "selectors": lambda: [p for p in files if is_selector(p)],
        "models": lambda: [p for p in files if is_models(p) and top(module_name(p)) != "realtime"],
        "realtime": lambda: [p for p in files if top(module_name(p)) == "realtime"],
        "adapters": lambda: [p for p in files if is_adapter(p)],
        "core": lambda: [p for p in files if top(module_name(p)) == "core"],
    }[rule]()
    # A rule that reads no file cannot fail: say so instead of passing.
    assert chosen, f"rule {rule!r} found no module to check"
    return chosen


# -- the rules ----------------------------------------------------------------------------


def pure_violations(paths: Iterable[Path], root: Path = ROOT) -> list[Violation]:
    """No framework, and of the project only other pure modules (anything else would bring
    Django along when imported)."""
    paths = list(paths)
    pure = {module_name(path, root) for path in paths}
    modules = {module_name(path, root) for path in project_files(root)}
    out: list[Violation] = []
    for path in paths:
        out.extend(dodges(path, root))
        for found in imports_of(path, root):
            if top(found.module) in FRAMEWORKS:
                out.append(Violation(rel(path), found.line, f"imports {found.module}"))
            elif top(found.module) in PROJECT:
                for target in resolved(found, modules):
                    if target not in pure:
                        out.append(Violation(rel(path), found.line, f"imports {target} (not pure)"))
    return out


def selector_violations(paths: Iterable[Path], root: Path = ROOT) -> list[Violation]:
    out: list[Violation] = []
    for path in paths:
        for found in imports_of(path, root):
            services = [t for t in targets(found) if "services" in t.split(".")]
            if services:
                out.append(Violation(rel(path), found.line, f"imports {services[0]}"))
        out.extend(writes_in(path))
    return out


def imports_from(paths: Iterable[Path], forbidden: frozenset[str]) -> list[Violation]:
    out: list[Violation] = []
    for path in paths:
        for found in imports_of(path):
            if top(found.module) in forbidden:
                out.append(Violation(rel(path), found.line, f"imports {found.module}"))
    return out


def adapter_violations(paths: Iterable[Path]) -> list[Violation]:
    return [v for path in paths for v in writes_in(path)]


RULES = {
    "a: pure modules import no Django, DRF or Channels": lambda: pure_violations(selected("pure")),
    "b: selectors import no services and call no write": lambda: selector_violations(
        selected("selectors")
    ),
    "c: models import no realtime": lambda: imports_from(
        selected("models"), frozenset({"realtime"})
    ),
    "d: realtime imports no app": lambda: imports_from(selected("realtime"), REALTIME_MUST_NOT),
    "e: adapters write nothing": lambda: adapter_violations(selected("adapters")),
    "f: core imports no app": lambda: imports_from(selected("core"), APPS),
}


@pytest.mark.parametrize("rule", RULES, ids=[name.split(":")[0] for name in RULES])
def test_layer_rule(rule: str) -> None:
    violations = RULES[rule]()
    assert not violations, f"{rule}:\n" + "\n".join(map(str, sorted(violations, key=str)))


# -- (g) the import graph -----------------------------------------------------------------


def import_graph(root: Path = ROOT) -> dict[str, dict[str, tuple[str, int]]]:
    """module -> {imported module: (path, line) of the import}, within the project, with
    the imports of functions and without those under TYPE_CHECKING."""
    files = {module_name(path, root): path for path in project_files(root)}
    graph: dict[str, dict[str, tuple[str, int]]] = {name: {} for name in files}
    for name, path in files.items():
        for found in imports_of(path, root):
            if found.type_checking:
                continue
            for target in resolved(found, files):
                if target != name:
                    graph[name].setdefault(target, (rel(path), found.line))
    return graph


def cycles(graph: dict[str, dict[str, tuple[str, int]]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def describe(component: list[str], graph: dict[str, dict[str, tuple[str, int]]]) -> str:
    members = set(component)
    edges = [
        f"    {graph[a][b][0]}:{graph[a][b][1]}  {a} -> {b}"
        for a in component
        for b in sorted(graph[a])
        if b in members
    ]
    return "cycle among " + ", ".join(component) + ":\n" + "\n".join(edges)


def test_g_no_import_cycle() -> None:
    graph = import_graph()
    assert sum(map(len, graph.values())) > 100, "the import graph is implausibly small"
    found = cycles(graph)
    assert not found, "\n".join(describe(c, graph) for c in found)


# -- the checkers themselves can fail -----------------------------------------------------


def _write(root: Path, name: str, source: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    return path


def test_the_checkers_see_what_they_are_for(tmp_path: Path) -> None:
    """Each checker flags modules written to break its rule, in a scratch tree."""
    selector = _write(
        tmp_path,
        "voting/probe/selectors.py",
        "from django.db import transaction\n"
        "from realtime import publish\n"
        "def read(ballot):\n"
        "    from ..services import ballots\n"
        "    ballot.save()\n"
        "    with transaction.atomic():\n"
        "        publish('x', {})\n",
    )
    found = {(v.line, v.what) for v in selector_violations([selector], tmp_path)}
    assert found == {
        (4, "imports voting.services"),
        (5, "calls .save("),
        (6, "transaction.atomic"),
        (7, "calls publish( (realtime.publish)"),
    }

    pure = _write(
        tmp_path,
        "voting/probe/pure.py",
        "def f():\n    from django.utils import timezone\n    return __import__('channels')\n",
    )
    assert {(v.line, v.what) for v in pure_violations([pure], tmp_path)} == {
        (2, "imports django.utils"),
        (3, "calls __import__"),
        (3, "imports channels"),
    }

    view = _write(
        tmp_path,
        "voting/probe/views.py",
        "def page(request, ballots):\n"
        "    context: dict[str, object] = {}\n"
        "    context.update(a=1)\n"
        "    ballots.update(status='closed')\n"
        "    Ballot.objects.filter(pk=1).delete()\n",
    )
    assert {(v.line, v.what) for v in adapter_violations([view])} == {
        (4, "calls .update("),
        (5, "calls .delete("),
    }

    spine = _write(
        tmp_path,
        "realtime/probe.py",
        "from importlib import import_module\nfrom django.conf import settings\n"
        "engine = import_module(settings.SESSION_ENGINE)\n"
        "casting = import_module('voting.casting')\n",
    )
    assert [str(v) for v in imports_from([spine], REALTIME_MUST_NOT)] == [
        f"{spine.as_posix()}:4  imports voting.casting"
    ]

    _write(tmp_path, "voting/probe/first.py", "def f():\n    from . import second\n")
    _write(
        tmp_path,
        "voting/probe/second.py",
        "from typing import TYPE_CHECKING\nfrom voting.probe import first\n"
        "if TYPE_CHECKING:\n    from voting.probe import pure\n",
    )
    graph = import_graph(tmp_path)
    assert cycles(graph) == [["voting.probe.first", "voting.probe.second"]]
    assert "voting.probe.pure" not in graph["voting.probe.second"]

    # A pure module may import another pure one, not the rest of the project.
    calm = _write(tmp_path, "voting/probe/calm.py", "from voting.probe import pure, first\n")
    assert [v.what for v in pure_violations([calm, pure], tmp_path) if v.path == rel(calm)] == [
        "imports voting.probe.first (not pure)"
    ]
