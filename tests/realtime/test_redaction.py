"""realtime.rewrite(): stored events of one type on one stream get new data, in the
caller's transaction; the events, their seqs and everything else stay."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from django.db import transaction

import realtime
from realtime.models import Event

pytestmark = pytest.mark.django_db(transaction=True)


def heads_only(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"participation": {"heads": data["participation"]["heads"]}}


def test_rewrite_replaces_the_data_of_one_type_on_one_stream_and_keeps_the_seqs() -> None:
    with transaction.atomic():
        realtime.publish(
            "ballot.7", "ballot.tally", {"participation": {"heads": 1, "area": "61.37"}}
        )
        realtime.publish("ballot.7", "ballot.opened", {"participation": {"heads": 0, "area": "1"}})
        realtime.publish("ballot.7", "ballot.tally", {"participation": {"heads": 2}})
        realtime.publish("ballot.8", "ballot.tally", {"participation": {"heads": 1, "area": "9"}})
    with transaction.atomic():
        # The one already as kept is not counted as changed
        assert realtime.rewrite("ballot.7", "ballot.tally", heads_only) == 1
    rows = Event.objects.filter(stream="ballot.7").order_by("seq").values_list("seq", "data")
    assert list(rows) == [
        (1, {"participation": {"heads": 1}}),
        (2, {"participation": {"heads": 0, "area": "1"}}),
        (3, {"participation": {"heads": 2}}),
    ]
    assert Event.objects.get(stream="ballot.8").data["participation"]["area"] == "9"


def test_a_rewrite_rolled_back_changes_nothing() -> None:
    with transaction.atomic():
        realtime.publish("ballot.9", "ballot.tally", {"participation": {"heads": 1, "area": "5"}})
    with pytest.raises(RuntimeError), transaction.atomic():
        realtime.rewrite("ballot.9", "ballot.tally", heads_only)
        raise RuntimeError
    assert Event.objects.get(stream="ballot.9").data["participation"]["area"] == "5"
