"""publish(): one seq per event, no gaps, no repeats, nothing sent unless committed."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

import realtime
from realtime.models import Event, StreamHead
from realtime.publishing import TRIM_EVERY
from realtime.selectors import stream_head

pytestmark = pytest.mark.django_db(transaction=True)


def test_each_event_gets_the_next_seq_of_its_stream() -> None:
    with transaction.atomic():
        assert realtime.publish("board.1", "a", {}) == 1
        assert realtime.publish("board.1", "b", {}) == 2
        assert realtime.publish("board.2", "c", {}) == 1
    assert list(Event.objects.filter(stream="board.1").values_list("seq", "type")) == [
        (1, "a"),
        (2, "b"),
    ]
    assert stream_head("board.1") == 2 and stream_head("board.3") == 0


def test_a_rollback_hands_the_seq_back_and_stores_nothing() -> None:
    with pytest.raises(ValueError), transaction.atomic():
        realtime.publish("board.1", "lost", {})
        raise ValueError
    assert not Event.objects.exists()
    with transaction.atomic():
        assert realtime.publish("board.1", "kept", {}) == 1


def test_publish_outside_a_transaction_is_a_programming_error() -> None:
    with pytest.raises(RuntimeError):
        realtime.publish("board.1", "x", {})


def test_a_payload_that_cannot_be_sent_fails_where_it_is_built() -> None:
    with pytest.raises(TypeError), transaction.atomic():
        realtime.publish("board.1", "x", {"when": timezone.now()})
    assert not StreamHead.objects.exists()


def test_a_bad_stream_name_is_refused() -> None:
    from realtime.frames import FrameError

    with pytest.raises(FrameError), transaction.atomic():
        realtime.publish("Board 1", "x", {})


def test_old_events_are_trimmed_but_the_last_thousand_stay(settings) -> None:
    settings.LINLI_BACKLOG_EVENTS = 150
    with transaction.atomic():
        for _ in range(TRIM_EVERY - 1):
            realtime.publish("board.1", "x", {})
    Event.objects.update(at=timezone.now() - timedelta(days=8))
    with transaction.atomic():
        for _ in range(TRIM_EVERY + 1):
            realtime.publish("board.1", "x", {})
    # At seq 200 everything at or below 50 and older than 7 days went; 51..200 stayed.
    seqs = list(Event.objects.filter(stream="board.1").values_list("seq", flat=True))
    assert min(seqs) == 51 and max(seqs) == 200 and len(seqs) == 150


def test_concurrent_writers_never_share_or_skip_a_seq(postgres: None) -> None:
    writers, each = 8, 25
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            barrier.wait()
            for i in range(each):
                with transaction.atomic():
                    realtime.publish("room.1", "said", {"writer": n, "i": i})
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seqs = sorted(Event.objects.filter(stream="room.1").values_list("seq", flat=True))
    assert seqs == list(range(1, writers * each + 1))
    # Within each writer, later writes got later seqs: commit order is seq order.
    for n in range(writers):
        mine = list(
            Event.objects.filter(stream="room.1", data__writer=n)
            .order_by("seq")
            .values_list("data__i", flat=True)
        )
        assert mine == list(range(each))


def test_an_event_keeps_the_time_its_publisher_gives_and_its_data_as_sent() -> None:
    as_of = timezone.now() - timedelta(milliseconds=150)
    data = {"名": "三号楼", "n": [1, 2.5, None], "ok": True}
    with transaction.atomic():
        seq = realtime.publish("board.1", "t", data, at=as_of)
    stored = Event.objects.get(stream="board.1", seq=seq)
    assert stored.at == as_of and stored.data == data


def test_on_postgresql_an_event_is_stored_in_one_statement(postgres: None) -> None:
    from django.test.utils import CaptureQueriesContext

    with transaction.atomic(), CaptureQueriesContext(connection) as ran:
        realtime.publish("board.1", "a", {})
        realtime.publish("board.1", "b", {})
    assert len(ran.captured_queries) == 2
    assert list(Event.objects.values_list("seq", "type").order_by("seq")) == [(1, "a"), (2, "b")]
    assert StreamHead.objects.get(stream="board.1").seq == 2


def test_redact_drops_keys_of_one_type_and_keeps_the_events_and_seqs() -> None:
    with transaction.atomic():
        realtime.publish("ballot.7", "ballot.tally", {"participation": 1, "tally": {"yes": 1}})
        realtime.publish("ballot.7", "ballot.opened", {"id": 7, "tally": "kept"})
        realtime.publish("ballot.7", "ballot.tally", {"participation": 2})
        realtime.publish("ballot.8", "ballot.tally", {"participation": 1, "tally": {"no": 1}})
    with transaction.atomic():
        assert realtime.redact("ballot.7", "ballot.tally", ["tally"]) == 1
    rows = Event.objects.filter(stream="ballot.7").order_by("seq").values_list("seq", "data")
    assert list(rows) == [
        (1, {"participation": 1}),
        (2, {"id": 7, "tally": "kept"}),
        (3, {"participation": 2}),
    ]
    assert Event.objects.get(stream="ballot.8").data["tally"] == {"no": 1}


def test_the_portable_event_store_stores_what_the_one_statement_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both ways of storing an event (realtime/publishing.py), whatever the database: the
    portable one runs here on PostgreSQL too, after the chosen one."""
    from realtime import publishing

    as_of = timezone.now()
    with transaction.atomic():
        realtime.publish("board.2", "a", {"n": 1}, at=as_of)
    monkeypatch.setattr(publishing, "_store", lambda: publishing._store_portable)
    with transaction.atomic():
        realtime.publish("board.2", "b", {"名": "二"}, at=as_of)
    rows = Event.objects.filter(stream="board.2").order_by("seq")
    assert [(e.seq, e.type, e.data, e.at) for e in rows] == [
        (1, "a", {"n": 1}, as_of),
        (2, "b", {"名": "二"}, as_of),
    ]
    assert StreamHead.objects.get(stream="board.2").seq == 2
