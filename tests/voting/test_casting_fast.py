"""The one-statement vote (voting.store.PostgresVoteStore.cast_own) on PostgreSQL.

Once a process has seen a ballot open, a voter's own first vote with a valid choice is one
statement. Every other case falls back to the full path; these tests pin that the answers
and the stored rows are the same either way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import DomainError, NotFound
from tests import factories
from tests.voting.scene import ballot, scene
from voting import services, store
from voting.models import Participation, SecretVote, Vote, VoteRevision
from voting.services import casting

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgres")]


def code_of(call: object, **kwargs: object) -> str:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)  # type: ignore[operator]
    return caught.value.code


def cast_counting(**kwargs: object) -> tuple[casting.CastResult, int]:
    with CaptureQueriesContext(connection) as queries:
        result = services.ballot_cast(**kwargs)  # type: ignore[arg-type]
    return result, len(queries)


def test_after_the_first_vote_a_vote_is_one_statement_and_stores_what_the_full_path_does() -> None:
    s = scene(3)
    b = ballot(s)
    first, first_queries = cast_counting(user=s.reps[0], ballot_id=b.pk, choice="yes")
    second, second_queries = cast_counting(user=s.reps[1], ballot_id=b.pk, choice=["no"])
    assert first_queries > 1
    assert second_queries == 1
    for rep, result, picked in ((s.reps[0], first, ["yes"]), (s.reps[1], second, ["no"])):
        assert result.changed is False and result.receipt is None
        vote = Vote.objects.get(elector_id=result.elector_id)
        assert (vote.ballot_id, vote.choice, vote.area) == (b.pk, picked, vote.elector.area)
        assert vote.elector.household_id == rep.residencies.get().household_id
        part = Participation.objects.get(elector_id=result.elector_id)
        assert (part.cast_by_id, part.channel, part.proxy_id) == (rep.pk, "online", None)
        assert part.at == vote.updated_at
        history = list(VoteRevision.objects.filter(vote=vote).values_list("choice", "cast_by"))
        assert history == [(picked, rep.pk)]


def test_a_secret_vote_in_one_statement_keeps_no_link_and_answers_a_receipt() -> None:
    s = scene(10, area="88.20")  # a secret ballot's smallest electorate
    b = ballot(s, secret=True)
    services.ballot_cast(user=s.reps[0], ballot_id=b.pk, choice="yes")
    result, queries = cast_counting(user=s.reps[1], ballot_id=b.pk, choice="no")
    assert queries == 1
    assert result.receipt and len(result.receipt) == 11
    secret = SecretVote.objects.get(ballot=b, receipt=result.receipt)
    assert (secret.choice, str(secret.area)) == (["no"], "88.20")
    assert not Vote.objects.filter(ballot=b).exists()
    assert Participation.objects.filter(ballot=b).count() == 2
    assert code_of(services.ballot_cast, user=s.reps[1], ballot_id=b.pk, choice="yes") == (
        "already_voted"
    )


def test_every_refusal_is_the_full_paths_answer_once_the_ballot_is_known() -> None:
    s = scene(4)
    b = ballot(s, secret=False)
    services.ballot_cast(user=s.reps[0], ballot_id=b.pk, choice="yes")  # the process knows b
    assert b.pk in store.SHAPES
    assert code_of(services.ballot_cast, user=s.reps[1], ballot_id=b.pk, choice="maybe") == (
        "invalid_choice"
    )
    neighbour = factories.verified(factories.household_in(factories.building(s.place)))
    assert code_of(services.ballot_cast, user=neighbour, ballot_id=b.pk, choice="yes") == (
        "not_eligible"
    )
    elsewhere = factories.building(factories.neighborhood("别处"))
    stranger = factories.verified(factories.household_in(elsewhere))
    with pytest.raises(NotFound):
        services.ballot_cast(user=stranger, ballot_id=b.pk, choice="yes")
    services.proxy_grant(user=s.reps[2], ballot_id=b.pk, delegate_id=s.reps[3].pk, reason="出差")
    assert code_of(services.ballot_cast, user=s.reps[2], ballot_id=b.pk, choice="yes") == (
        "delegated"
    )
    again = services.ballot_cast(user=s.reps[0], ballot_id=b.pk, choice="no")
    assert again.changed is True
    assert Vote.objects.get(elector_id=again.elector_id).choice == ["no"]
    services.ballot_close(actor=s.staff, ballot_id=b.pk, reason="test")
    assert code_of(services.ballot_cast, user=s.reps[1], ballot_id=b.pk, choice="yes") == (
        "ballot_closed"
    )
    assert Participation.objects.filter(ballot=b).count() == 1


def test_a_ballot_past_its_time_is_closed_to_the_one_statement_too() -> None:
    s = scene(2)
    b = ballot(s)
    services.ballot_cast(user=s.reps[0], ballot_id=b.pk, choice="yes")
    type(b).objects.filter(pk=b.pk).update(closes_at=b.created_at - dt.timedelta(minutes=1))
    assert code_of(services.ballot_cast, user=s.reps[1], ballot_id=b.pk, choice="yes") == (
        "ballot_closed"
    )
    assert Participation.objects.filter(ballot=b).count() == 1


def test_a_remembered_shape_of_another_ballot_with_the_same_id_is_not_trusted() -> None:
    """A flushed database reuses ids: the statement checks the creation time it remembered,
    stores nothing on a mismatch, and the full path votes and remembers the new ballot."""
    s = scene(2)
    b = ballot(s)
    services.ballot_cast(user=s.reps[0], ballot_id=b.pk, choice="yes")
    known = store.SHAPES.get(b.pk)
    assert known is not None
    stale = dataclasses.replace(
        known, created_at=b.created_at - dt.timedelta(days=1), method="single"
    )
    store.SHAPES.put(b.pk, stale)
    result, queries = cast_counting(user=s.reps[1], ballot_id=b.pk, choice="no")
    assert queries > 1
    assert Vote.objects.get(elector_id=result.elector_id).choice == ["no"]
    assert shape_of(b.pk).created_at == b.created_at


def shape_of(ballot_id: int) -> store.Shape:
    known = store.SHAPES.get(ballot_id)
    assert known is not None
    return known


def prepared_votes() -> list[tuple[int, int]]:
    """(generic plans, custom plans) of this connection's prepared vote statements."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            ["WITH b AS (SELECT id FROM voting_ballot%"],
        )
        return [(int(g), int(c)) for g, c in cursor.fetchall()]


def test_the_one_statement_is_prepared_so_postgresql_plans_it_once() -> None:
    """PostgreSQL plans a prepared statement's first five runs for their values, then
    keeps a generic plan: what the vote's statement stopped paying for on every vote."""
    s = scene(9)
    b = ballot(s)
    services.ballot_cast(user=s.reps[0], ballot_id=b.pk, choice="yes")
    for rep in s.reps[1:]:
        _, queries = cast_counting(user=rep, ballot_id=b.pk, choice="no")
        assert queries == 1
    # All nine votes ran it: the first learnt the ballot's shape first.
    assert prepared_votes() == [(4, 5)]
    assert Vote.objects.filter(ballot=b, choice=["no"]).count() == 8


def test_without_prepared_statements_the_same_statement_votes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """LINLI_DB_PREPARED=0 (a pooler that cannot keep them) leaves psycopg's threshold
    unset, which turns the request to prepare into a plain execution."""
    s = scene(3)
    b = ballot(s)
    connection.ensure_connection()
    monkeypatch.setattr(connection.connection, "prepare_threshold", None)
    services.ballot_cast(user=s.reps[0], ballot_id=b.pk, choice="yes")
    for rep in s.reps[1:]:
        _, queries = cast_counting(user=rep, ballot_id=b.pk, choice="abstain")
        assert queries == 1
    assert prepared_votes() == []
    assert Vote.objects.filter(ballot=b, choice=["abstain"]).count() == 2


def test_watching_a_ballot_writes_and_warms_nothing_the_first_vote_learns_its_shape() -> None:
    """The stream check is a check only; a process's first vote on a ballot reads its shape
    (two small reads, no lock) and is then the one statement, never the full path."""
    from voting.streams import may_watch_ballot

    s = scene(2)
    b = ballot(s)
    store.SHAPES.pop(b.pk)
    with CaptureQueriesContext(connection) as watched:
        assert may_watch_ballot(s.reps[0], b.pk) is True
    assert b.pk not in store.SHAPES
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in watched.captured_queries)
    with CaptureQueriesContext(connection) as queries:
        services.ballot_cast(user=s.reps[0], ballot_id=b.pk, choice=["yes"])
    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) <= 3
    assert "WITH b AS (SELECT id FROM voting_ballot" in statements[-1]  # the one statement
    assert shape_of(b.pk).created_at == b.created_at
    _, again = cast_counting(user=s.reps[1], ballot_id=b.pk, choice="no")
    assert again == 1


def test_the_first_vote_on_a_closed_ballot_learns_nothing() -> None:
    s = scene(1)
    b = ballot(s)
    store.SHAPES.pop(b.pk)
    services.ballot_close(actor=s.staff, ballot_id=b.pk, reason="test")
    assert code_of(services.ballot_cast, user=s.reps[0], ballot_id=b.pk, choice="yes") == (
        "ballot_closed"
    )
    assert b.pk not in store.SHAPES
