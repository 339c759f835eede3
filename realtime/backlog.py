"""What a subscriber with `since` receives: the events it missed, or `resync`. Pure."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Replay:
    first: int  # inclusive; empty when first > last
    last: int


@dataclass(frozen=True)
class Resync:
    pass


def plan(since: int | None, head: int, oldest_kept: int | None, max_replay: int) -> Replay | Resync:
    """Decide how to bring a subscriber from `since` to `head`.

    `oldest_kept` is the lowest seq still stored for the stream (None if none is);
    `max_replay` bounds one replay so a client far behind reloads a snapshot instead.
    """
    if since is None or since == head:
        return Replay(head + 1, head)
    if since > head:
        # The client saw events this server never wrote (a restored database): start over.
        return Resync()
    missing_first = since + 1
    if oldest_kept is None or missing_first < oldest_kept or head - since > max_replay:
        return Resync()
    return Replay(missing_first, head)
