"""The registries the apps fill: who may subscribe to a stream kind, and `do` actions.

Checks and actions are plain synchronous functions (they query the database); the consumer
runs them off the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser

from config.errors import NotFound

StreamCheck = Callable[[Any, int], bool]
ActionHandler = Callable[[Any, int, dict[str, Any]], dict[str, Any] | None]

_stream_checks: dict[str, StreamCheck] = {}
_actions: dict[tuple[str, str], ActionHandler] = {}

F = TypeVar("F", bound=Callable[..., Any])


def register_stream(kind: str) -> Callable[[StreamCheck], StreamCheck]:
    def decorate(check: StreamCheck) -> StreamCheck:
        _stream_checks[kind] = check
        return check

    return decorate


def register_action(kind: str, name: str) -> Callable[[F], F]:
    def decorate(handler: F) -> F:
        _actions[(kind, name)] = handler
        return handler

    return decorate


def may_subscribe(user: Any, kind: str, key: int) -> bool:
    check = _stream_checks.get(kind)
    if check is None:
        return False
    return bool(check(user or AnonymousUser(), key))


def action_for(kind: str, name: str) -> ActionHandler:
    handler = _actions.get((kind, name))
    if handler is None:
        raise NotFound("unknown action", code="not_found")
    return handler
