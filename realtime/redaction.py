"""`realtime.rewrite`: taking data out of stored events after the fact (docs/realtime.md,
"Taking data out of stored events").

Why events are rewritten rather than deleted: a deleted event leaves a gap in its stream's
seqs that every replay would try to fill; a rewritten one replays as a client that was
never shown the data would have seen it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from realtime.models import Event


def rewrite(
    stream: str,
    type: str,  # noqa: A002
    keep: Callable[[Mapping[str, Any]], dict[str, Any]],
) -> int:
    """Replace the stored data of the stream's events of one type by `keep(data)`, in the
    caller's transaction; how many changed. The events and their seqs stay. Frames already
    delivered are not recalled."""
    changed: list[Event] = []
    for event in Event.objects.filter(stream=stream, type=type).only("id", "data"):
        if not isinstance(event.data, dict):
            continue
        kept = keep(event.data)
        if kept != event.data:
            event.data = kept
            changed.append(event)
    Event.objects.bulk_update(changed, ["data"], batch_size=500)
    return len(changed)
