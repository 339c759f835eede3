"""The live tally: coalesced to one event per 200 ms per ballot, the last one complete."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from realtime.models import Event
from tests.voting.scene import ballot, scene
from voting import live, services
from voting.models import Ballot, TallyGate

pytestmark = pytest.mark.django_db(transaction=True)


def tallies(stream: str) -> list[Event]:
    return list(Event.objects.filter(stream=stream, type="ballot.tally").order_by("seq"))


def test_a_burst_of_votes_gives_few_tallies_and_the_last_counts_them_all() -> None:
    s = scene(30)
    b = ballot(s)
    started = time.monotonic()
    for rep in s.reps:
        services.ballot_cast(user=rep, ballot_id=b.pk, choice="yes")
    assert live.wait_idle(10)
    took = time.monotonic() - started
    sent = tallies(b.stream)
    assert sent, "no tally was sent"
    assert sent[-1].data["participation"]["heads"] == 30
    assert sent[-1].data["tally"]["options"]["yes"]["heads"] == 30
    # At most one per 200 ms (plus the first, sent at once).
    assert len(sent) <= int(took / 0.2) + 2
    gaps = [(b2.at - a2.at).total_seconds() for a2, b2 in zip(sent, sent[1:], strict=False)]
    # Each interval runs from the last event's own time, so none is shorter.
    assert all(gap >= 0.2 for gap in gaps), gaps
    assert TallyGate.objects.get(ballot=b).sent_at == sent[-1].at


def test_no_tally_counts_shown_when_results_are_hidden_until_close() -> None:
    s = scene(2)
    b = ballot(s, visibility="after_close")
    services.ballot_cast(user=s.reps[0], ballot_id=b.pk, choice="no")
    assert live.wait_idle(10)
    sent = tallies(b.stream)
    assert [e.data["participation"]["heads"] for e in sent] == [1]
    assert "tally" not in sent[0].data


def test_a_closed_ballot_gets_no_more_tallies() -> None:
    s = scene(1)
    b = ballot(s)
    services.ballot_close(actor=s.staff, ballot_id=b.pk, reason="test")
    assert b.opened_at is not None
    TallyGate.objects.filter(ballot=b).update(sent_at=b.opened_at - dt.timedelta(seconds=5))
    assert live.send(b.pk) is None
    assert tallies(b.stream) == []


def test_a_tally_is_read_as_of_its_claim_and_its_event_says_so() -> None:
    s = scene(3)
    b = ballot(s)
    for rep, choice in zip(s.reps, ["yes", "no", "yes"], strict=True):
        services.ballot_cast(user=rep, ballot_id=b.pk, choice=choice)
    assert live.wait_idle(10)
    TallyGate.objects.filter(ballot=b).update(sent_at=b.opened_at - dt.timedelta(seconds=5))
    before = timezone.now()
    assert live.send(b.pk) is None
    last = tallies(b.stream)[-1]
    assert before <= last.at <= timezone.now()
    assert TallyGate.objects.get(ballot=b).sent_at == last.at
    options = last.data["tally"]["options"]
    assert (options["yes"]["heads"], options["no"]["heads"]) == (2, 1)
    assert last.data["participation"] == {"heads": 3, "area": "300.00"}


def test_a_tally_too_soon_waits_out_the_rest_of_the_interval() -> None:
    s = scene(1)
    b = ballot(s)
    TallyGate.objects.filter(ballot=b).update(sent_at=timezone.now())
    wait = live.send(b.pk)
    assert wait is not None and 0.15 < wait <= 0.202
    assert tallies(b.stream) == []


def test_a_secret_ballots_live_tally_is_its_turnout_in_heads_and_nothing_else() -> None:
    # Given a secret ballot under a rule that counts area, whatever visibility is stored
    s = scene(10, area="88.20")
    b = ballot(s, secret=True, preset="art278_ordinary")
    Ballot.objects.filter(pk=b.pk).update(visibility="live")  # as before secrecy.py
    # When three vote
    for rep, choice in zip(s.reps[:3], ["no", "no", "abstain"], strict=True):
        services.ballot_cast(user=rep, ballot_id=b.pk, choice=choice)
    assert live.wait_idle(10)
    TallyGate.objects.filter(ballot=b).update(sent_at=b.opened_at - dt.timedelta(seconds=5))
    assert live.send(b.pk) is None
    # Then the tally counts their unlinked votes, in heads, with no area and no option
    last = tallies(b.stream)[-1]
    assert last.data == {
        "participation": {"heads": 3},
        "progress": {"heads": 0.3, "needed": 0.6667, "inclusive": True, "met": False},
    }


def test_a_tally_before_any_vote_counts_nothing() -> None:
    s = scene(2)
    b = ballot(s)
    TallyGate.objects.filter(ballot=b).update(sent_at=b.opened_at - dt.timedelta(seconds=5))
    assert live.send(b.pk) is None
    (first,) = tallies(b.stream)
    assert first.data["participation"]["heads"] == 0
    assert Decimal(first.data["participation"]["area"]) == 0


def test_a_vote_soon_after_a_tally_waits_for_the_interval_instead_of_trying_a_claim(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only one claim per tally: the process knows when its own last tally frees the gate."""
    s = scene(3)
    b = ballot(s)
    tries: list[float | None] = []
    real_send = live.send

    def counted(ballot_id: int) -> float | None:
        retry = real_send(ballot_id)
        tries.append(retry)
        return retry

    monkeypatch.setattr(live, "send", counted)
    services.ballot_cast(user=s.reps[0], ballot_id=b.pk, choice="yes")
    assert live.wait_idle(10)
    for rep in s.reps[1:]:  # within the interval of the first tally
        services.ballot_cast(user=rep, ballot_id=b.pk, choice="no")
    assert live.wait_idle(10)
    sent = tallies(b.stream)
    assert [e.data["participation"]["heads"] for e in sent] == [1, 3]
    assert (sent[1].at - sent[0].at).total_seconds() >= 0.2
    assert tries == [None, None]  # two claims, both won: none tried too early
