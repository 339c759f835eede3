"""The realtime spine: persisted, sequenced events per stream, fanned out after commit.

`publish(stream, type, data)` is the one way an app emits an event (see docs/realtime.md).
"""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any


def publish(
    stream: str,
    type: str,  # noqa: A002
    data: dict[str, Any],
    *,
    at: datetime | None = None,
) -> int:
    """`at`: the event's time, now unless the caller says as of when it is."""
    from realtime.publishing import publish as _publish

    return _publish(stream, type, data, at=at)


def publish_many(events: list[tuple[str, str, dict[str, Any]]]) -> list[int]:
    """Publish a batch of (stream, type, data) with publish()'s guarantees, in one statement
    for the stream heads and one bulk insert; returns the seqs in the order given."""
    from realtime.publishing import publish_many as _publish_many

    return _publish_many(events)


def redact(stream: str, type: str, keys: list[str]) -> int:  # noqa: A002
    """Drop `keys` from the stored data of a stream's events of one type (in the caller's
    transaction); the events and their seqs stay. How many changed."""
    from realtime.publishing import redact as _redact

    return _redact(stream, type, keys)


def rewrite(
    stream: str,
    type: str,  # noqa: A002
    keep: Callable[[Mapping[str, Any]], dict[str, Any]],
) -> int:
    """Replace the stored data of a stream's events of one type by `keep(data)` (in the
    caller's transaction); the events and their seqs stay. How many changed."""
    from realtime.redaction import rewrite as _rewrite

    return _rewrite(stream, type, keep)


def publish_ephemeral(stream: str, type: str, data: dict[str, Any]) -> None:  # noqa: A002
    from realtime.publishing import publish_ephemeral as _publish_ephemeral

    _publish_ephemeral(stream, type, data)


def recheck_user(user_id: int) -> None:
    """Call after a change to what a user may see (residency ended, role revoked, account
    deactivated, token deleted): it takes effect on open sockets, after commit."""
    from django.db import transaction

    from realtime import fanout

    transaction.on_commit(lambda: fanout.recheck_user(user_id), robust=True)
