"""publish(): store the event with the stream's next seq, fan it out after commit."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from realtime import fanout, frames
from realtime.models import Event

TRIM_EVERY = 100


def _next_seq(stream: str) -> int:
    table = connection.ops.quote_name("realtime_streamhead")
    with connection.cursor() as cursor:
        # One statement on PostgreSQL and SQLite alike; the row lock it takes is held to
        # commit, so concurrent writers of one stream queue here and never share a seq.
        cursor.execute(
            f"INSERT INTO {table} (stream, seq) VALUES (%s, 1) "  # noqa: S608 (fixed name)
            f"ON CONFLICT (stream) DO UPDATE SET seq = {table}.seq + 1 RETURNING seq",
            [stream],
        )
        (seq,) = cursor.fetchone()
    return int(seq)


def publish(stream: str, type: str, data: dict[str, Any]) -> int:  # noqa: A002
    """Persist one event in the caller's transaction; send it only if that commits."""
    frames.parse_stream(stream)
    if not connection.in_atomic_block:
        raise RuntimeError("publish() belongs inside a service's transaction.atomic()")
    # Round-trip now so a payload that cannot be sent fails at the line that built it.
    data = json.loads(json.dumps(data, ensure_ascii=False))
    seq = _next_seq(stream)
    at = timezone.now()
    Event.objects.create(stream=stream, seq=seq, type=type, data=data, at=at)
    frame = frames.event(stream, seq, type, at.isoformat().replace("+00:00", "Z"), data)
    transaction.on_commit(lambda: fanout.send_event(stream, seq, frame), robust=True)
    if seq % TRIM_EVERY == 0:
        _trim(stream, seq)
    return seq


def _trim(stream: str, seq: int) -> None:
    """Keep at least the last LINLI_BACKLOG_EVENTS events or LINLI_BACKLOG_DAYS days."""
    Event.objects.filter(
        stream=stream,
        seq__lte=seq - settings.LINLI_BACKLOG_EVENTS,
        at__lt=timezone.now() - timedelta(days=settings.LINLI_BACKLOG_DAYS),
    ).delete()


def publish_ephemeral(stream: str, type: str, data: dict[str, Any]) -> None:  # noqa: A002
    """Presence, typing, ticks: not stored, no seq, sent at once (or after commit)."""
    frames.parse_stream(stream)
    frame = frames.ephemeral(stream, type, data)
    transaction.on_commit(lambda: fanout.send_ephemeral(stream, frame), robust=True)
