"""Replay or resync: the decision a `sub` with `since` gets. Pure."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from realtime.backlog import Replay, Resync, plan

MAX = 1000


@pytest.mark.parametrize(
    ("since", "head", "oldest", "expected"),
    [
        (None, 0, None, Replay(1, 0)),  # a new stream: nothing to send
        (None, 50, 1, Replay(51, 50)),  # no since: live from the snapshot's seq
        (50, 50, 1, Replay(51, 50)),  # up to date
        (40, 50, 1, Replay(41, 50)),  # missed ten
        (0, 5, 1, Replay(1, 5)),  # missed everything, all kept
        (10, 2000, 1001, Resync()),  # older than the backlog keeps
        (1000, 2000, 1001, Replay(1001, 2000)),  # exactly at the edge of the backlog
        (60, 50, 1, Resync()),  # ahead of the server: a restored database
        (0, 5, None, Resync()),  # events trimmed away entirely
        (0, 1500, 1, Resync()),  # kept, but too many to replay: reload instead
    ],
)
def test_plan(since: int | None, head: int, oldest: int | None, expected: object) -> None:
    assert plan(since, head, oldest, MAX) == expected


@given(
    since=st.integers(min_value=0, max_value=5000),
    head=st.integers(min_value=0, max_value=5000),
    kept=st.integers(min_value=0, max_value=5000),
)
def test_a_replay_is_exactly_the_missing_events(since: int, head: int, kept: int) -> None:
    oldest = max(1, head - kept + 1) if kept and head else None
    decision = plan(since, head, oldest, MAX)
    if isinstance(decision, Replay):
        # Never sends what the client has, never leaves a hole, never reaches past head.
        assert decision.first == since + 1
        assert decision.last == head
        assert decision.last - decision.first + 1 <= MAX
        if decision.first <= decision.last:
            assert oldest is not None and decision.first >= oldest
    else:
        assert since > head or oldest is None or since + 1 < oldest or head - since > MAX
