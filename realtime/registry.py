"""The registries the apps fill: who may subscribe to a stream kind, and `do` actions.

Checks and actions are plain synchronous functions (they query the database); the consumer
runs them off the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _

from core.errors import NotFound

StreamCheck = Callable[[Any, int], bool]
ActionHandler = Callable[[Any, int, dict[str, Any]], dict[str, Any] | None]
# Told when sockets of this process start (+n) or stop (-n) following a stream of the
# kind; the last argument is the process's lease id (realtime/lease.py).
PresenceHook = Callable[[Any, int, int, str], None]
# Drops the counts held by processes whose lease is gone (run by every live process).
PresenceSweep = Callable[[], None]

_stream_checks: dict[str, StreamCheck] = {}
_actions: dict[tuple[str, str], ActionHandler] = {}
_presence: dict[str, PresenceHook] = {}
_presence_sweeps: list[PresenceSweep] = []

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


def register_presence(kind: str) -> Callable[[PresenceHook], PresenceHook]:
    """Be told when a user's socket joins or leaves a stream of this kind (e.g. the chair
    of a room). Called off the event loop, after the subscription is live, and when it
    ends by `unsub` or by the socket closing; with the id of the process that holds the
    socket, so that a dead process's counts can be told apart and dropped (a process
    killed with -9 never says -1). Register the sweep that drops them too."""

    def decorate(hook: PresenceHook) -> PresenceHook:
        _presence[kind] = hook
        return hook

    return decorate


def presence_hook(kind: str) -> PresenceHook | None:
    return _presence.get(kind)


def register_presence_sweep(sweep: PresenceSweep) -> PresenceSweep:
    """Run `sweep` every few seconds in each live process (and by `manage.py
    presence_sweep`): it drops the counts of processes with no live lease."""
    if sweep not in _presence_sweeps:
        _presence_sweeps.append(sweep)
    return sweep


def presence_sweeps() -> list[PresenceSweep]:
    return list(_presence_sweeps)


def may_subscribe(user: Any, kind: str, key: int) -> bool:
    check = _stream_checks.get(kind)
    if check is None:
        return False
    return bool(check(user or AnonymousUser(), key))


def action_for(kind: str, name: str) -> ActionHandler:
    handler = _actions.get((kind, name))
    if handler is None:
        raise NotFound(_("Not found."), code="not_found")
    return handler
