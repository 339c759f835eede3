"""Votes under concurrency on PostgreSQL: one vote per elector, close races, proxy limits."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connections

from core.errors import DomainError
from tests.voting.scene import ballot, scene
from voting import services
from voting.models import Ballot, Participation, Proxy, SecretVote, Vote, VoteRevision

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres")]

# Threads here each hold a PostgreSQL connection, and the server allows 100 less 3 reserved;
# the 100-way test goes through a real server's WebSocket (test_concurrency_ws.py).
THREADS = 64


def together(count: int, work: Callable[[int], Any]) -> list[str]:
    """Run work(i) in `count` threads released at once; each outcome ("ok" or the code)."""
    gate = threading.Barrier(count)

    def run(index: int) -> str:
        try:
            gate.wait()
            work(index)
            return "ok"
        except DomainError as error:
            return error.code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_simultaneous_secret_votes_of_one_household_store_one() -> None:
    s = scene(10)  # a secret ballot's smallest electorate
    b = ballot(s, secret=True)
    outcomes = together(
        THREADS, lambda i: services.ballot_cast(user=s.reps[0], ballot_id=b.pk, choice="yes")
    )
    assert Counter(outcomes) == {"ok": 1, "already_voted": THREADS - 1}
    assert SecretVote.objects.filter(ballot=b).count() == 1
    assert Participation.objects.filter(ballot=b).count() == 1


def test_simultaneous_open_votes_of_one_household_are_one_vote() -> None:
    s = scene(1)
    b = ballot(s)
    choices = ["yes", "no", "abstain"]
    outcomes = together(
        THREADS,
        lambda i: services.ballot_cast(user=s.reps[0], ballot_id=b.pk, choice=choices[i % 3]),
    )
    assert outcomes == ["ok"] * THREADS  # the first is a vote, the others change it
    vote = Vote.objects.get(ballot=b)
    assert Participation.objects.filter(ballot=b).count() == 1
    history = list(VoteRevision.objects.filter(vote=vote).order_by("at", "pk"))
    assert len(history) == THREADS
    assert vote.choice == history[-1].choice


@pytest.mark.parametrize("known", [False, True], ids=["first-votes", "one-statement-votes"])
def test_votes_racing_the_close_are_counted_or_refused_never_half_written(known: bool) -> None:
    s = scene(25)
    b = ballot(s, secret=True)
    if known:  # a vote already seen by this process: the racing votes are one statement each
        services.ballot_cast(user=s.reps[24], ballot_id=b.pk, choice="no")

    def work(index: int) -> None:
        if index == 12:
            services.ballot_close(actor=s.staff, ballot_id=b.pk, reason="test")
        else:
            rep = s.reps[index if index < 12 else index - 1]
            services.ballot_cast(user=rep, ballot_id=b.pk, choice="yes")

    outcomes = together(25, work)
    counted = Counter(outcomes)
    assert set(counted) <= {"ok", "ballot_closed"}
    closed = Ballot.objects.get(pk=b.pk)
    assert closed.status == "closed"
    voted = counted["ok"] - 1 + known  # minus the close itself, plus the earlier vote
    assert closed.result is not None
    assert closed.result["tally"]["participation"]["heads"] == voted
    assert SecretVote.objects.filter(ballot=b).count() == voted
    assert Participation.objects.filter(ballot=b).count() == voted


def test_simultaneous_proxies_to_one_delegate_respect_the_limit() -> None:
    s = scene(11)
    b = ballot(s, proxy_limit=1)
    delegate = s.reps[10]
    outcomes = together(
        10,
        lambda i: services.proxy_grant(
            user=s.reps[i], ballot_id=b.pk, delegate_id=delegate.pk, reason="出差在外"
        ),
    )
    assert Counter(outcomes) == {"ok": 1, "proxy_invalid": 9}
    assert Proxy.objects.filter(ballot=b, delegate=delegate).count() == 1
