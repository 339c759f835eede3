from __future__ import annotations

from django.conf import settings
from django.db.models import Min

from realtime import backlog, frames
from realtime.models import Event, StreamHead


def _frame(event: Event) -> str:
    return frames.event(
        event.stream, event.seq, event.type, event.at.isoformat().replace("+00:00", "Z"), event.data
    )


def events_between(stream: str, first: int, last: int) -> list[tuple[int, str]]:
    """Encoded frames of seqs first..last (inclusive), in order."""
    events = Event.objects.filter(stream=stream, seq__gte=first, seq__lte=last).order_by("seq")
    return [(event.seq, _frame(event)) for event in events]


def stream_head(stream: str) -> int:
    """The stream's current seq: what an HTTP snapshot read now must carry."""
    head = StreamHead.objects.filter(stream=stream).values_list("seq", flat=True).first()
    return int(head or 0)


def stream_heads(streams: list[str]) -> dict[str, int]:
    """Current seq of each stream, in one query."""
    rows = StreamHead.objects.filter(stream__in=streams).values_list("stream", "seq")
    return {stream: int(seq) for stream, seq in rows}


def stream_bounds(stream: str) -> tuple[int, int | None]:
    """(head, oldest seq still stored)."""
    oldest = Event.objects.filter(stream=stream).aggregate(low=Min("seq"))["low"]
    return stream_head(stream), oldest


REPLAY_PAGE = 100  # events read (and held in memory) at a time during a replay


def plan_backlog(stream: str, since: int | None) -> tuple[bool, int, int]:
    """(resync?, head, first seq to replay) for a subscriber at `since`; read after the hub
    joined the stream, so nothing committed in between is missed. Replays nothing when
    first > head."""
    head, oldest = stream_bounds(stream)
    plan = backlog.plan(since, head, oldest, settings.LINLI_BACKLOG_EVENTS)
    if isinstance(plan, backlog.Resync):
        return True, head, head + 1
    return False, head, plan.first


def replay_page(stream: str, first: int, last: int) -> list[str] | None:
    """The frames of seqs first..last, or None if some were trimmed meanwhile (resync)."""
    replay = events_between(stream, first, last)
    if len(replay) != last - first + 1:
        return None
    return [frame for _seq, frame in replay]
