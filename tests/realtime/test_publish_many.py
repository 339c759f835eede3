"""publish_many(): publish()'s guarantees for a batch, in one upsert and one bulk insert."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import realtime
from realtime import fanout, publishing
from realtime.frames import FrameError
from realtime.models import Event, StreamHead
from realtime.publishing import TRIM_EVERY
from realtime.selectors import stream_head

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_batch_takes_the_next_seqs_of_each_stream_in_the_order_given() -> None:
    # Given a stream that already has two events
    with transaction.atomic():
        realtime.publish("user.1", "x", {})
        realtime.publish("user.1", "x", {})
    # When a batch repeats that stream and adds two new ones
    with transaction.atomic():
        seqs = realtime.publish_many(
            [
                ("user.2", "a", {"n": 1}),
                ("user.1", "b", {"n": 2}),
                ("user.2", "c", {"n": 3}),
                ("user.1", "d", {"n": 4}),
                ("user.3", "e", {"n": 5}),
            ]
        )
    # Then each stream continues without a gap, in the batch's order
    assert seqs == [1, 3, 2, 4, 1]
    assert list(
        Event.objects.filter(stream="user.1").order_by("seq").values_list("seq", "type")
    ) == [(1, "x"), (2, "x"), (3, "b"), (4, "d")]
    assert stream_head("user.1") == 4 and stream_head("user.2") == 2
    assert stream_head("user.3") == 1
    # And plain publish() carries on after it
    with transaction.atomic():
        assert realtime.publish("user.2", "f", {}) == 3


def test_a_batch_costs_one_statement_for_the_heads_and_one_for_the_events() -> None:
    events = [(f"user.{n % 40 + 1}", "x", {"n": n}) for n in range(500)]
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        realtime.publish_many(events)
    writes = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SAVEPOINT")]
    heads = [q for q in writes if "realtime_streamhead" in q]
    inserts = [q for q in writes if q.startswith('INSERT INTO "realtime_event"')]
    assert len(heads) == 1 and len(heads) + len(inserts) == len(writes)
    if connection.vendor == "postgresql":  # SQLite caps the parameters of one statement
        assert len(inserts) == 1
    assert Event.objects.count() == 500


def test_an_empty_batch_does_nothing() -> None:
    with transaction.atomic():
        assert realtime.publish_many([]) == []
    assert not StreamHead.objects.exists()


class RecordingLayer:
    """Stands in for the channel layer: records what would cross Redis."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int]] = []

    async def group_send(self, group: str, message: dict) -> None:
        assert group == f"s.{message['stream']}" and message["type"] == "ev"
        assert json.loads(message["frame"])["seq"] == message["seq"]
        self.sent.append((message["stream"], message["seq"]))


@pytest.fixture
def layer(monkeypatch) -> RecordingLayer:
    recording = RecordingLayer()
    monkeypatch.setattr(publishing, "get_channel_layer", lambda: recording)
    monkeypatch.setattr(
        fanout, "send_event", lambda stream, seq, frame: recording.sent.append((stream, seq))
    )
    return recording


def test_a_rollback_hands_every_seq_back_and_sends_nothing(layer) -> None:
    with pytest.raises(ValueError), transaction.atomic():
        realtime.publish_many([("user.1", "lost", {}), ("user.2", "lost", {})])
        raise ValueError
    assert not Event.objects.exists() and layer.sent == []
    with transaction.atomic():
        assert realtime.publish_many([("user.1", "kept", {}), ("user.2", "kept", {})]) == [1, 1]
        assert layer.sent == []  # not before commit
    assert sorted(layer.sent) == [("user.1", 1), ("user.2", 1)]


def test_sends_happen_after_commit_each_stream_in_seq_order(layer) -> None:
    events = [(f"user.{n % 7 + 1}", "x", {"n": n}) for n in range(200)]
    with transaction.atomic():
        realtime.publish_many(events)
        assert layer.sent == []
    assert len(layer.sent) == 200
    for stream in {s for s, _t, _d in events}:
        seqs = [seq for s, seq in layer.sent if s == stream]
        assert seqs == sorted(seqs) == list(range(1, len(seqs) + 1))


def test_a_failed_send_does_not_stop_the_others(layer, monkeypatch) -> None:
    real = layer.group_send

    async def flaky(group: str, message: dict) -> None:
        if message["stream"] == "user.2":
            raise ConnectionError("redis went away")
        await real(group, message)

    monkeypatch.setattr(layer, "group_send", flaky)
    with transaction.atomic():
        realtime.publish_many([("user.1", "a", {}), ("user.2", "b", {}), ("user.3", "c", {})])
    assert sorted(layer.sent) == [("user.1", 1), ("user.3", 1)]
    assert Event.objects.count() == 3  # stored: the hubs' reconcile delivers user.2 anyway


def test_publish_many_outside_a_transaction_is_a_programming_error() -> None:
    with pytest.raises(RuntimeError):
        realtime.publish_many([("user.1", "x", {})])


def test_a_payload_that_cannot_be_sent_fails_before_anything_is_written() -> None:
    with pytest.raises(TypeError), transaction.atomic():
        realtime.publish_many([("user.1", "ok", {}), ("user.2", "x", {"when": timezone.now()})])
    assert not StreamHead.objects.exists() and not Event.objects.exists()


def test_a_bad_stream_name_is_refused() -> None:
    with pytest.raises(FrameError), transaction.atomic():
        realtime.publish_many([("user.1", "x", {}), ("User 2", "x", {})])


def test_a_batch_that_passes_a_trim_point_trims(settings) -> None:
    settings.LINLI_BACKLOG_EVENTS = 150
    with transaction.atomic():
        realtime.publish_many([("board.1", "x", {})] * (TRIM_EVERY - 1))
    Event.objects.update(at=timezone.now() - timedelta(days=8))
    with transaction.atomic():
        realtime.publish_many([("board.1", "x", {})] * (TRIM_EVERY + 1))
    # The batch reached seq 200: what is old and at or below 50 went.
    seqs = list(Event.objects.filter(stream="board.1").values_list("seq", flat=True))
    assert min(seqs) == 51 and max(seqs) == 200


def test_concurrent_batches_and_publish_writers_never_share_or_skip_a_seq(
    postgres: None,
) -> None:
    """Batches over the same streams in different orders, and plain publish() writers on
    those streams: every stream ends with 1..N, no deadlock, per-writer order kept."""
    streams = [f"user.{n}" for n in range(1, 11)]
    rounds = 15
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def batch_writer(w: int) -> None:
        try:
            barrier.wait()
            for i in range(rounds):
                order = streams if (w + i) % 2 else list(reversed(streams))
                with transaction.atomic():
                    realtime.publish_many(
                        [(s, "batch", {"w": w, "i": i}) for s in order for _ in range(2)]
                    )
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    def single_writer(w: int) -> None:
        try:
            barrier.wait()
            for i in range(rounds):
                with transaction.atomic():
                    realtime.publish(streams[(w + i) % len(streams)], "one", {"w": w, "i": i})
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=batch_writer, args=(w,)) for w in range(3)]
    threads += [threading.Thread(target=single_writer, args=(w,)) for w in range(3, 6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for stream in streams:
        seqs = sorted(Event.objects.filter(stream=stream).values_list("seq", flat=True))
        assert seqs == list(range(1, len(seqs) + 1)), stream
        assert stream_head(stream) == len(seqs)
    assert Event.objects.filter(type="batch").count() == 3 * rounds * len(streams) * 2
    assert Event.objects.filter(type="one").count() == 3 * rounds
    for w in range(3):  # a writer's later batch got later seqs on every stream
        for stream in streams:
            rounds_seen = list(
                Event.objects.filter(stream=stream, type="batch", data__w=w)
                .order_by("seq")
                .values_list("data__i", flat=True)
            )
            assert rounds_seen == sorted(rounds_seen)
