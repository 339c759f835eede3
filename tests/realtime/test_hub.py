"""The process-local fan-out keeps per-stream order even when the bus does not."""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from django.db import transaction

import realtime
from realtime.hub import Hub

pytestmark = pytest.mark.django_db(transaction=True)


class Socket:
    """A stand-in for a connection: records what the hub writes to it."""

    def __init__(self) -> None:
        self.user_id = None
        self.session_key = None
        self.last_seen = float("inf")
        self.sent: list[dict] = []
        self.closed: int | None = None
        self.direct = None

    async def send_frame(self, frame: str) -> None:
        self.sent.append(json.loads(frame))

    async def close_with(self, code: int) -> None:
        self.closed = code


def publish_many(stream: str, count: int) -> list[str]:
    from realtime.selectors import events_between

    with transaction.atomic():
        for i in range(count):
            realtime.publish(stream, "n", {"i": i})
    return [frame for _seq, frame in events_between(stream, 1, count)]


async def live_hub(stream: str, *sockets: Socket) -> Hub:
    hub = Hub()
    await hub.start()
    for socket in sockets:
        await hub.attach(socket, stream)
        await hub.go_live(socket, stream, 0)
    return hub


async def test_frames_arriving_out_of_order_are_delivered_in_order() -> None:
    frames = await database_sync_to_async(publish_many)("board.5", 3)
    a, b = Socket(), Socket()
    hub = await live_hub("board.5", a, b)
    for seq in (1, 3, 2):
        await hub.handle({"type": "ev", "stream": "board.5", "seq": seq, "frame": frames[seq - 1]})
    assert [f["seq"] for f in a.sent] == [1, 2, 3] == [f["seq"] for f in b.sent]


async def test_a_frame_lost_on_the_bus_is_filled_from_the_event_table() -> None:
    frames = await database_sync_to_async(publish_many)("board.6", 4)
    a = Socket()
    hub = await live_hub("board.6", a)
    for seq in (1, 4):  # 2 and 3 never arrive
        await hub.handle({"type": "ev", "stream": "board.6", "seq": seq, "frame": frames[seq - 1]})
    await asyncio.sleep(0.3)
    assert [f["seq"] for f in a.sent] == [1, 2, 3, 4]
    assert [f["data"]["i"] for f in a.sent] == [0, 1, 2, 3]


async def test_duplicates_are_dropped() -> None:
    frames = await database_sync_to_async(publish_many)("board.7", 2)
    a = Socket()
    hub = await live_hub("board.7", a)
    for seq in (1, 1, 2, 1, 2):
        await hub.handle({"type": "ev", "stream": "board.7", "seq": seq, "frame": frames[seq - 1]})
    assert [f["seq"] for f in a.sent] == [1, 2]


async def test_a_connection_reading_its_snapshot_gets_later_frames_after_it() -> None:
    frames = await database_sync_to_async(publish_many)("board.8", 3)
    early, late = Socket(), Socket()
    hub = await live_hub("board.8", early)
    await hub.attach(late, "board.8")  # now reading its snapshot...
    for seq in (1, 2, 3):
        await hub.handle({"type": "ev", "stream": "board.8", "seq": seq, "frame": frames[seq - 1]})
    assert late.sent == []
    await hub.go_live(late, "board.8", 2)  # ...which already held seq 1 and 2
    assert [f["seq"] for f in late.sent] == [3]
    assert [f["seq"] for f in early.sent] == [1, 2, 3]


async def test_ephemeral_frames_reach_live_watchers_only_once() -> None:
    a = Socket()
    hub = await live_hub("room.2", a)
    await hub.handle({"type": "eph", "stream": "room.2", "frame": '{"op":"ev","stream":"room.2"}'})
    await hub.handle({"type": "eph", "stream": "room.9", "frame": '{"op":"ev","stream":"room.9"}'})
    assert a.sent == [{"op": "ev", "stream": "room.2"}]


async def test_the_last_watcher_leaving_drops_the_subscription() -> None:
    a, b = Socket(), Socket()
    hub = await live_hub("board.9", a, b)
    hub.detach(a, "board.9")
    assert "board.9" in hub.feeds
    hub.forget(b, ["board.9"])
    assert "board.9" not in hub.feeds


async def test_catch_up_delivers_events_the_bus_never_brought() -> None:
    frames = await database_sync_to_async(publish_many)("board.10", 3)
    a = Socket()
    hub = await live_hub("board.10", a)
    await hub.handle({"type": "ev", "stream": "board.10", "seq": 1, "frame": frames[0]})
    await hub.catch_up()  # 2 and 3 were lost and nothing else is coming
    assert [f["seq"] for f in a.sent] == [1, 2, 3]
    await hub.catch_up()
    assert len(a.sent) == 3  # nothing twice


async def test_catch_up_covers_a_stream_that_never_delivered_anything() -> None:
    await database_sync_to_async(publish_many)("board.11", 2)
    a = Socket()
    hub = await live_hub("board.11", a)  # went live at seq 0; both frames lost
    await hub.catch_up()
    assert [f["seq"] for f in a.sent] == [1, 2]


async def test_the_first_two_frames_out_of_order_are_both_delivered() -> None:
    frames = await database_sync_to_async(publish_many)("board.12", 2)
    a = Socket()
    hub = await live_hub("board.12", a)
    for seq in (2, 1):
        await hub.handle({"type": "ev", "stream": "board.12", "seq": seq, "frame": frames[seq - 1]})
    await asyncio.sleep(0.3)
    assert [f["seq"] for f in a.sent] == [1, 2]


async def test_going_live_fills_what_the_feed_passed_before_this_snapshot() -> None:
    frames = await database_sync_to_async(publish_many)("board.13", 3)
    early, late = Socket(), Socket()
    hub = Hub()
    await hub.start()
    await hub.attach(early, "board.13")
    await hub.attach(late, "board.13")
    await hub.go_live(early, "board.13", 2)  # early read its snapshot at seq 2
    await hub.handle({"type": "ev", "stream": "board.13", "seq": 3, "frame": frames[2]})
    await hub.go_live(late, "board.13", 1)  # late read at seq 1: seq 2 never reached it
    assert [f["seq"] for f in late.sent] == [2, 3]
    assert [f["seq"] for f in early.sent] == [3]


async def test_catch_up_keeps_quiet_about_an_event_still_on_its_way(caplog) -> None:
    """Reconcile reads the head of a stream whose newest event is committed but whose
    after-commit send has not arrived yet: the normal race, not a loss."""
    frames = await database_sync_to_async(publish_many)("board.14", 1)
    a = Socket()
    hub = await live_hub("board.14", a)

    async def arrives_a_little_later() -> None:
        await asyncio.sleep(0.1)
        await hub.handle({"type": "ev", "stream": "board.14", "seq": 1, "frame": frames[0]})

    with caplog.at_level("WARNING", logger="realtime.hub"):
        await asyncio.gather(hub.catch_up(), arrives_a_little_later())
    assert [f["seq"] for f in a.sent] == [1]
    assert hub.stats["reconciled"] == 0
    assert not [r for r in caplog.records if "missed on the bus" in r.getMessage()]


async def test_catch_up_still_warns_about_a_real_loss(caplog) -> None:
    await database_sync_to_async(publish_many)("board.15", 2)
    a = Socket()
    hub = await live_hub("board.15", a)
    with caplog.at_level("WARNING", logger="realtime.hub"):
        await hub.catch_up()
    assert [f["seq"] for f in a.sent] == [1, 2]
    assert hub.stats["reconciled"] == 2
    assert len([r for r in caplog.records if "missed on the bus" in r.getMessage()]) == 1
