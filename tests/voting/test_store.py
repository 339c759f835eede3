"""voting/store.py: the portable VoteStore and the PostgreSQL one, side by side.

Both run here on whatever database the suite has (PostgreSQL in CI), so the portable one,
which the PostgreSQL server never uses, stays pinned there too: same answers, same rows.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.utils import timezone

from core.errors import DomainError
from tests.voting.scene import ballot, scene
from voting import selectors, services, store
from voting.models import Ballot, Participation, SecretVote, TallyGate, Vote, VoteRevision

pytestmark = pytest.mark.django_db

STORES = {"portable": store.VoteStore, "postgresql": store.PostgresVoteStore}


@pytest.fixture(params=sorted(STORES))
def chosen(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "postgresql" and connection.vendor != "postgresql":
        request.getfixturevalue("postgres")  # skips, or fails in CI
    monkeypatch.setattr(store, "_chosen", STORES[request.param]())
    return request.param


def code_of(**kwargs: object) -> str:
    with pytest.raises(DomainError) as caught:
        services.ballot_cast(**kwargs)  # type: ignore[arg-type]
    return caught.value.code


def test_the_store_is_chosen_once_by_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "_chosen", None)
    first = store.vote_store()
    assert store.vote_store() is first
    expected = store.PostgresVoteStore if connection.vendor == "postgresql" else store.VoteStore
    assert type(first) is expected


def test_each_store_casts_changes_and_refuses_alike(chosen: str) -> None:
    s = scene(3)
    b = ballot(s)
    first = services.ballot_cast(user=s.reps[0], ballot_id=b.pk, choice=["yes"])
    second = services.ballot_cast(user=s.reps[1], ballot_id=b.pk, choice=["no"])
    assert (first.changed, second.changed, first.receipt) == (False, False, None)
    vote = Vote.objects.get(elector_id=first.elector_id)
    assert (vote.choice, vote.area, vote.elector.household_id) == (
        ["yes"],
        vote.elector.area,
        s.houses[0].pk,
    )
    part = Participation.objects.get(elector_id=first.elector_id)
    assert (part.cast_by_id, part.channel, part.proxy_id, part.at) == (
        s.reps[0].pk,
        "online",
        None,
        vote.updated_at,
    )
    again = services.ballot_cast(user=s.reps[0], ballot_id=b.pk, choice=["abstain"])
    assert again.changed is True
    history = VoteRevision.objects.filter(vote__elector_id=first.elector_id).order_by("at")
    assert [r.choice for r in history] == [["yes"], ["abstain"]]
    assert code_of(user=s.reps[2], ballot_id=b.pk, choice=["maybe"]) == "invalid_choice"
    services.ballot_close(actor=s.staff, ballot_id=b.pk, reason="test")
    assert code_of(user=s.reps[2], ballot_id=b.pk, choice=["yes"]) == "ballot_closed"
    assert Participation.objects.filter(ballot=b).count() == 2


def test_each_store_keeps_a_secret_vote_unlinked_with_a_receipt(chosen: str) -> None:
    s = scene(10, area="70.00")
    b = ballot(s, secret=True)
    results = [services.ballot_cast(user=rep, ballot_id=b.pk, choice=["yes"]) for rep in s.reps[:2]]
    receipts = {result.receipt for result in results}
    assert None not in receipts and len(receipts) == 2
    rows = SecretVote.objects.filter(ballot=b)
    assert {row.receipt for row in rows} == receipts
    assert {str(row.area) for row in rows} == {"70.00"}
    assert not Vote.objects.filter(ballot=b).exists()
    assert code_of(user=s.reps[0], ballot_id=b.pk, choice=["no"]) == "already_voted"


def test_only_the_postgresql_store_has_the_one_statement_vote(chosen: str) -> None:
    s = scene(2)
    b = ballot(s)
    kept = store.vote_store().shape(b.pk)
    assert (kept is not None) is (chosen == "postgresql")
    if kept is not None:
        assert kept.keys == ("yes", "no", "abstain")
        assert kept.check(["yes"]) == ("yes",)
        assert kept.check(["maybe"]) is None


def test_each_store_claims_the_tally_once_per_interval_and_counts_every_vote(
    chosen: str,
) -> None:
    s = scene(3)
    b = ballot(s)
    for rep, pick in zip(s.reps, ("yes", "yes", "no"), strict=True):
        services.ballot_cast(user=rep, ballot_id=b.pk, choice=[pick])
    TallyGate.objects.filter(ballot=b).update(sent_at=timezone.now() - dt.timedelta(seconds=1))
    interval = dt.timedelta(milliseconds=200)
    now = timezone.now()
    with transaction.atomic():
        claimed = store.vote_store().claim_tally(b.pk, now, interval)
    assert claimed is not None
    found, gate_at, counted = claimed
    assert found.pk == b.pk and counted is not None
    assert counted == selectors.counted_tally(Ballot.objects.get(pk=b.pk))
    assert counted.participation.heads == 3
    with transaction.atomic():
        again = store.vote_store().claim_tally(b.pk, now + dt.timedelta(milliseconds=50), interval)
    assert again is not None
    assert again[2] is None  # the gate is not free: nothing counted
    assert again[1] == now  # the gate's time, to wait from
    services.ballot_close(actor=s.staff, ballot_id=b.pk, reason="test")
    with transaction.atomic():
        assert store.vote_store().claim_tally(b.pk, now + interval * 2, interval) is None
