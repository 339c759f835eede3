"""docs/protocol.md is the WebSocket contract: every stream kind, `do` action, close code
and event type the code has must be written there (an addition without its line fails)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from moderation.procedure.events import EVENT_TYPES
from realtime import registry

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = (ROOT / "docs/protocol.md").read_text(encoding="utf-8")
# Modules whose string constants name event types (`OPENED = "ballot.opened"`).
EVENT_MODULES = (
    "voting/events.py",
    "accounts/outreach/events.py",
    "accounts/verification/events.py",
)
PUBLISHERS = {"publish", "publish_many", "publish_ephemeral"}
APPS = ("accounts", "forum", "moderation", "voting")


def written(name: str) -> bool:
    return f"`{name}`" in CONTRACT


def published_literals() -> set[str]:
    """Event types given as a literal to realtime.publish*(…) anywhere in the apps, and the
    type element of the tuples handed to publish_many."""
    found: set[str] = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in PUBLISHERS and len(node.args) >= 2:
                    kind = node.args[1]
                    if isinstance(kind, ast.Constant) and isinstance(kind.value, str):
                        found.add(kind.value)
    return found


def constants() -> set[str]:
    found: set[str] = set()
    for name in EVENT_MODULES:
        for node in ast.parse((ROOT / name).read_text(encoding="utf-8")).body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
                and re.fullmatch(r"[a-z_]+\.[a-z_.]+", node.value.value)
            ):
                found.add(node.value.value)
    return found


def test_every_event_type_is_in_the_contract() -> None:
    types = set(EVENT_TYPES) | published_literals() | constants()
    # The parse found the forum's, the rooms' and the voting types at least.
    assert {"topic.created", "room.closed", "floor.given", "ballot.tally"} <= types
    assert sorted(t for t in types if not written(t)) == []


def test_every_stream_kind_and_action_is_in_the_contract() -> None:
    kinds = set(registry._stream_checks)
    actions = {name for _kind, name in registry._actions}
    assert {"ballot", "room", "user"} <= kinds and "ballot.cast" in actions
    assert sorted(k for k in kinds if f"`{k}.<id>`" not in CONTRACT) == []
    missing = []
    for action in actions:
        if action.startswith("room.") and action != "room.react":
            # Room commands are listed by name under `do room.<command>`.
            ok = written(action.removeprefix("room."))
        else:
            ok = written(action) or f"`do {action}`" in CONTRACT
        if not ok:
            missing.append(action)
    assert sorted(missing) == []


def test_every_close_code_is_in_the_contract() -> None:
    codes: set[int] = set()
    for name in ("realtime/consumers.py", "realtime/hub.py", "realtime/serve.py"):
        source = (ROOT / name).read_text(encoding="utf-8")
        codes |= {int(c) for c in re.findall(r"CLOSE_[A-Z_]+ = (\d{4})", source)}
        codes |= {int(c) for c in re.findall(r"close_with\((\d{4})\)", source)}
    assert {1001, 4009, 4401, 4408, 4429} <= codes
    assert sorted(c for c in codes if f"`{c}`" not in CONTRACT) == []
