"""Property: whatever the bus does (reorder, duplicate, drop) and whenever sockets join,
every live socket ends up with each event after its snapshot exactly once, in order."""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import realtime
from realtime import fanout
from realtime import hub as hub_module
from realtime.hub import Hub
from realtime.selectors import events_between, stream_head
from tests.realtime.test_hub import Socket

pytestmark = pytest.mark.django_db(transaction=True)


def publish(stream: str) -> str:
    with transaction.atomic():
        seq = realtime.publish(stream, "n", {})
    return events_between(stream, seq, seq)[0][1]


# One step of a run: publish an event (its frame may reach the hub late, twice or never),
# deliver one frame waiting on the bus, or let a new socket join.
steps = st.lists(
    st.one_of(
        st.tuples(st.just("publish"), st.sampled_from(["now", "late", "twice", "lost"])),
        st.tuples(st.just("deliver"), st.integers(min_value=0, max_value=5)),
        st.tuples(st.just("join"), st.booleans()),
    ),
    min_size=1,
    max_size=25,
)

_run = iter(range(1, 10**9))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=steps)
# The cases that matter most, always run: the last event lost on a quiet stream; the
# first two frames of a new feed swapped; a socket joining while frames are in flight.
@example(plan=[("join", False), ("publish", "lost")])
@example(plan=[("join", False), ("publish", "late"), ("publish", "now"), ("deliver", 0)])
@example(plan=[("publish", "late"), ("join", True), ("publish", "twice"), ("join", False)])
def test_every_socket_gets_each_event_after_its_snapshot_once_in_order(plan, monkeypatch) -> None:
    # The bus is played by the plan, not by the channel layer.
    monkeypatch.setattr(fanout, "send_event", lambda *args: None)
    # Nothing is in flight when catch_up runs below: no need to wait for it.
    monkeypatch.setattr(hub_module, "RECONCILE_GRACE_SECONDS", 0.01)
    stream = f"board.{next(_run)}"

    async def run() -> list[tuple[int, list[int]]]:
        hub = Hub()
        await hub.start()
        sockets: list[tuple[int, Socket]] = []
        bus: list[tuple[int, str]] = []  # frames published but not yet delivered
        for step, arg in plan:
            if step == "publish":
                frame = await database_sync_to_async(publish)(stream)
                seq = json.loads(frame)["seq"]
                if arg in ("now", "twice"):
                    await hub.handle({"type": "ev", "stream": stream, "seq": seq, "frame": frame})
                if arg in ("late", "twice"):
                    bus.append((seq, frame))
            elif step == "deliver" and bus:
                seq, frame = bus.pop(arg % len(bus))
                await hub.handle({"type": "ev", "stream": stream, "seq": seq, "frame": frame})
            elif step == "join":
                socket = Socket()
                await hub.attach(socket, stream)
                head = await database_sync_to_async(stream_head)(stream)
                if arg and bus:  # a frame may land while the snapshot is being read
                    seq, frame = bus.pop(0)
                    await hub.handle({"type": "ev", "stream": stream, "seq": seq, "frame": frame})
                await hub.go_live(socket, stream, head)
                sockets.append((head, socket))
        for seq, frame in bus:  # whatever is still in flight arrives eventually
            await hub.handle({"type": "ev", "stream": stream, "seq": seq, "frame": frame})
        await asyncio.sleep(0.12)  # gap fills run
        await hub.catch_up()  # and the periodic reconcile covers what was lost
        for task in list(hub._tasks):
            task.cancel()
        return [(head, [f["seq"] for f in socket.sent]) for head, socket in sockets]

    results = asyncio.run(run())
    final = stream_head(stream)
    for snapshot, seqs in results:
        assert seqs == list(range(snapshot + 1, final + 1))
