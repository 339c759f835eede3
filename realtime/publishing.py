"""publish(): store the event with the stream's next seq, fan it out after commit."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from realtime import fanout, frames
from realtime.models import Event, StreamHead

TRIM_EVERY = 100
# Streams per upsert statement in publish_many: two parameters each, far below the
# PostgreSQL (65,535) and SQLite (32,766) limits.
HEADS_PER_STATEMENT = 2000

log = logging.getLogger(__name__)


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


def _store_portable(stream: str, type_: str, data: dict[str, Any], at: datetime) -> int:
    """The event stored with the stream's next seq, one statement each (any database)."""
    seq = _next_seq(stream)
    Event.objects.create(stream=stream, seq=seq, type=type_, data=data, at=at)
    return seq


def _store_in_one(stream: str, type_: str, data: dict[str, Any], at: datetime) -> int:
    """PostgreSQL: the head's upsert feeds the event's insert, one round trip."""
    head, event = StreamHead._meta.db_table, Event._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH h AS (INSERT INTO {head} (stream, seq) VALUES (%s, 1) "  # noqa: S608 (fixed)
            f"ON CONFLICT (stream) DO UPDATE SET seq = {head}.seq + 1 RETURNING seq) "
            f"INSERT INTO {event} (stream, seq, type, data, at) "
            "SELECT %s, h.seq, %s, %s::jsonb, %s FROM h RETURNING seq",
            [stream, stream, type_, json.dumps(data, ensure_ascii=False), at],
        )
        (seq,) = cursor.fetchone()
    return int(seq)


@functools.cache
def _store() -> Callable[[str, str, dict[str, Any], datetime], int]:
    """How this process stores an event, chosen once by its database (one per process).
    Pinned by tests/realtime/test_publish.py (both, the one statement on PostgreSQL)."""
    return _store_in_one if connection.vendor == "postgresql" else _store_portable


def publish(
    stream: str,
    type: str,  # noqa: A002
    data: dict[str, Any],
    *,
    at: datetime | None = None,
) -> int:
    """Persist one event in the caller's transaction; send it only if that commits.

    `at` is the event's time, now unless the caller says as of when it is (a tally, the
    moment it counted)."""
    frames.parse_stream(stream)
    if not connection.in_atomic_block:
        raise RuntimeError("publish() belongs inside a service's transaction.atomic()")
    fanout.warm()
    # Round-trip now so a payload that cannot be sent fails at the line that built it.
    data = json.loads(json.dumps(data, ensure_ascii=False))
    at = at or timezone.now()
    seq = _store()(stream, type, data, at)
    frame = frames.event(stream, seq, type, at.isoformat().replace("+00:00", "Z"), data)
    transaction.on_commit(lambda: fanout.send_event(stream, seq, frame), robust=True)
    if seq % TRIM_EVERY == 0:
        _trim(stream, seq)
    return seq


def _advance_heads(counts: dict[str, int]) -> dict[str, int]:
    """Advance each stream's head by its count, in sorted stream order; the new heads.

    Rows are upserted (and so locked) in the order of the VALUES list, which is sorted:
    two batches touching the same streams lock them in the same order and cannot deadlock.
    """
    table = connection.ops.quote_name("realtime_streamhead")
    streams = sorted(counts)
    heads: dict[str, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(streams), HEADS_PER_STATEMENT):
            chunk = streams[start : start + HEADS_PER_STATEMENT]
            values = ", ".join(["(%s, %s)"] * len(chunk))
            params: list[str | int] = []
            for stream in chunk:
                params += [stream, counts[stream]]
            cursor.execute(
                f"INSERT INTO {table} (stream, seq) VALUES {values} "  # noqa: S608 (fixed)
                f"ON CONFLICT (stream) DO UPDATE SET seq = {table}.seq + EXCLUDED.seq "
                "RETURNING stream, seq",
                params,
            )
            heads.update((stream, int(seq)) for stream, seq in cursor.fetchall())
    return heads


def publish_many(events: list[tuple[str, str, dict[str, Any]]]) -> list[int]:
    """Persist a batch of (stream, type, data) in the caller's transaction, as publish()
    would one by one, in one upsert of the stream heads and one bulk insert of the events;
    send them after commit. Returns each event's seq, in the order given."""
    if not events:
        return []
    for stream, _type, _data in events:
        frames.parse_stream(stream)
    if not connection.in_atomic_block:
        raise RuntimeError("publish_many() belongs inside a service's transaction.atomic()")
    fanout.warm()
    payloads = [json.loads(json.dumps(data, ensure_ascii=False)) for _s, _t, data in events]
    counts = Counter(stream for stream, _type, _data in events)
    heads = _advance_heads(dict(counts))
    # The batch's events of one stream take its new seqs in the order they were given.
    next_seq = {stream: heads[stream] - count + 1 for stream, count in counts.items()}
    at = timezone.now()
    stamp = at.isoformat().replace("+00:00", "Z")
    rows: list[Event] = []
    seqs: list[int] = []
    outgoing: list[tuple[str, int, str]] = []
    for (stream, type_, _data), data in zip(events, payloads, strict=True):
        seq = next_seq[stream]
        next_seq[stream] = seq + 1
        seqs.append(seq)
        rows.append(Event(stream=stream, seq=seq, type=type_, data=data, at=at))
        outgoing.append((stream, seq, frames.event(stream, seq, type_, stamp, data)))
    Event.objects.bulk_create(rows, batch_size=1000)
    transaction.on_commit(lambda: _send_all(outgoing), robust=True)
    for stream, count in counts.items():
        # Trim where this batch passed a multiple of TRIM_EVERY, as publish() would.
        if heads[stream] // TRIM_EVERY != (heads[stream] - count) // TRIM_EVERY:
            _trim(stream, heads[stream])
    return seqs


SEND_CONCURRENCY = 32  # streams sent at once; each stream's own events stay in order


def _send_all(outgoing: list[tuple[str, int, str]]) -> None:
    """Send a committed batch: the streams concurrently (a fan-out of thousands of user
    streams would otherwise wait a Redis round trip per event), each stream's events in
    seq order. Every event is stored, so a failed send is left to the hubs' gap fill and
    reconcile and does not stop the others; after a send that timed out (Redis is not
    answering) the rest are not tried, so the batch holds its caller for one timeout at
    most. Failures are logged once per outage (fanout.run)."""
    if len(outgoing) == 1:
        fanout.send_event(*outgoing[0])
        return
    layer = get_channel_layer()
    if layer is None:  # pragma: no cover - settings always configure one
        return
    by_stream: dict[str, list[tuple[int, str]]] = {}
    for stream, seq, frame in outgoing:
        by_stream.setdefault(stream, []).append((seq, frame))

    async def send_batch() -> None:
        gate = asyncio.Semaphore(SEND_CONCURRENCY)
        failures: list[BaseException] = []

        async def send_stream(stream: str, items: list[tuple[int, str]]) -> None:
            async with gate:
                for seq, frame in items:
                    if any(isinstance(exc, TimeoutError) for exc in failures):
                        return
                    try:
                        # The message fanout.send_event sends, which the hubs read.
                        await fanout.bounded_send(
                            layer,
                            fanout.group_for(stream),
                            {"type": "ev", "stream": stream, "seq": seq, "frame": frame},
                        )
                    except Exception as exc:
                        failures.append(exc)
                        return

        await asyncio.gather(*(send_stream(s, items) for s, items in by_stream.items()))
        if failures:
            raise failures[0]

    fanout.run(send_batch)


def _trim(stream: str, seq: int) -> None:
    """Keep at least the last LINLI_BACKLOG_EVENTS events or LINLI_BACKLOG_DAYS days."""
    Event.objects.filter(
        stream=stream,
        seq__lte=seq - settings.LINLI_BACKLOG_EVENTS,
        at__lt=timezone.now() - timedelta(days=settings.LINLI_BACKLOG_DAYS),
    ).delete()


def redact(stream: str, type: str, keys: list[str]) -> int:  # noqa: A002
    """Drop `keys` from the stored data of the stream's events of one type; how many
    events changed. The seqs stay (no gap for a replay to fill): a later replay gets the
    events without those keys, as a client that was never shown them would."""
    changed: list[Event] = []
    for event in Event.objects.filter(stream=stream, type=type).only("id", "data"):
        if isinstance(event.data, dict) and any(key in event.data for key in keys):
            event.data = {k: v for k, v in event.data.items() if k not in keys}
            changed.append(event)
    Event.objects.bulk_update(changed, ["data"], batch_size=500)
    return len(changed)


def publish_ephemeral(stream: str, type: str, data: dict[str, Any]) -> None:  # noqa: A002
    """Presence, typing, ticks: not stored, no seq, sent at once (or after commit)."""
    frames.parse_stream(stream)
    frame = frames.ephemeral(stream, type, data)
    transaction.on_commit(lambda: fanout.send_ephemeral(stream, frame), robust=True)
