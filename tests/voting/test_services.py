"""The voting services: electorate snapshot, casting, changes, secrecy, close, notice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Notification
from core.errors import DomainError, Forbidden, NotFound
from realtime.models import Event
from tests import factories
from tests.voting.scene import (
    ballot,
    later,
    owner_living_elsewhere,
    scene,
    stored_as_before_secrecy,
)
from voting import live, selectors, services
from voting.models import Ballot, Elector, Participation, SecretVote, Vote, VoteRevision
from voting.services.ballots import certify

pytestmark = pytest.mark.django_db


def code_of(call: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return caught.value.code


def test_opening_freezes_the_electorate_of_the_building() -> None:
    s = scene(3, area="80.50")
    elsewhere = factories.household_in(factories.building(s.place), area="60.00")
    factories.verified(elsewhere)
    b = ballot(s)
    assert b.status == "open"
    assert (b.electorate_heads, b.electorate_area) == (3, Decimal("241.50"))
    # A later ledger edit does not move the denominators.
    s.houses[0].floor_area = Decimal("500")
    s.houses[0].save()
    b.refresh_from_db()
    assert Elector.objects.filter(ballot=b).count() == 3
    assert b.electorate_area == Decimal("241.50")


def test_owners_ballot_counts_an_owner_of_several_units_once_with_all_their_area() -> None:
    s = scene(2, area="90.00")
    landlord_units = [factories.household_in(s.building, area="50.00") for _ in range(3)]
    landlord = factories.owner(landlord_units[0], "房东")
    for unit in landlord_units[1:]:
        factories.owner(unit, of=landlord)
    b = ballot(s, voter_unit="owner", preset="art278_ordinary")
    assert (b.electorate_heads, b.electorate_area) == (3, Decimal("330.00"))
    mine = Elector.objects.get(ballot=b, owner=landlord)
    assert mine.area == Decimal("150.00")
    # The landlord's tenants are no owners: a tenant household rep cannot vote here.
    tenant = factories.verified(landlord_units[0], "租客")
    assert code_of(services.ballot_cast, user=tenant, ballot_id=b.pk, choice="yes") == (
        "not_eligible"
    )


def test_person_ballot_takes_verified_adults_only() -> None:
    s = scene(2)
    child = factories.user()
    kid = factories.person(
        s.houses[0], "小朋友", birth=timezone.localdate() - dt.timedelta(days=3000)
    )
    from accounts.models import Residency

    Residency.objects.create(
        user=child, household=s.houses[0], resident=kid, verified_at=timezone.now()
    )
    b = ballot(s, voter_unit="person", matter="custom")
    assert b.electorate_heads == 2
    assert code_of(services.ballot_cast, user=child, ballot_id=b.pk, choice="yes") == "not_eligible"


@pytest.mark.parametrize(("min_age", "heads"), [(16, 3), (17, 2)])
def test_a_person_ballot_takes_its_own_minimum_age(min_age: int, heads: int) -> None:
    """A youth ballot (a playground, say) lets 16-year-olds vote: the 16-year-old is in at
    16 and out at 17; the two adults are in either way."""
    from accounts.models import Residency

    s = scene(2)
    teen = factories.user()
    from accounts.ledger.filters import years_before

    born = years_before(timezone.localdate(), 16) - dt.timedelta(days=30)
    person = factories.person(s.houses[1], "少年", birth=born)
    Residency.objects.create(
        user=teen, household=s.houses[1], resident=person, verified_at=timezone.now()
    )
    b = ballot(s, voter_unit="person", matter="custom", min_age=min_age)
    assert b.electorate_heads == heads
    if heads == 3:
        assert services.ballot_cast(user=teen, ballot_id=b.pk, choice="yes").elector_id
    else:
        assert code_of(services.ballot_cast, user=teen, ballot_id=b.pk, choice="yes") == (
            "not_eligible"
        )


def test_a_person_ballot_cannot_be_weighed_by_area() -> None:
    s = scene(1)
    assert code_of(ballot, s, voter_unit="person", preset="art278_heavy") == "invalid_rule"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"title": "  "}, "title_required"),
        ({"title": "x" * 121}, "too_long"),
        ({"method": "lottery"}, "invalid_method"),
        ({"voter_unit": "dog"}, "invalid_voter_unit"),
        ({"scope": "moon"}, "invalid_scope"),
        ({"building_id": 10**9}, "invalid_scope"),
        ({"building_id": "1"}, "invalid_scope"),
        ({"scope": "units", "unit_ids": []}, "invalid_scope"),
        ({"scope": "units", "unit_ids": [10**9]}, "invalid_scope"),
        ({"visibility": "sometimes"}, "invalid_visibility"),
        ({"preset": "whatever"}, "invalid_rule"),
        ({"preset": "custom", "rule": {"approval": {"num": 5, "den": 4}}}, "invalid_rule"),
        ({"preset": "custom", "rule": "no"}, "invalid_rule"),
        ({"method": "single", "options": ["only one"]}, "invalid_options"),
        ({"method": "single", "options": ["a", "a"]}, "invalid_options"),
        ({"method": "multiple", "options": ["a", "b"], "max_choices": 3}, "invalid_choices"),
        ({"closes_at": timezone.now() - dt.timedelta(minutes=1)}, "invalid_closes_at"),
        ({"closes_at": "tomorrow"}, "invalid_closes_at"),
        ({"notice_days": 999}, "invalid_notice_days"),
        ({"proxy_limit": -1}, "invalid_proxy_limit"),
        ({"secret": "yes"}, "invalid_secret"),
        ({"matter": "nonsense"}, "invalid_matter"),
    ],
)
def test_bad_ballots_are_refused_with_a_code_and_nothing_written(
    fields: dict[str, object], code: str
) -> None:
    s = scene(1)
    assert code_of(ballot, s, **fields) == code
    assert not Ballot.objects.exists()


def test_only_the_committee_creates_ballots() -> None:
    s = scene(1)
    with pytest.raises(Forbidden):
        ballot(s, actor=s.reps[0])
    outsider = factories.staff(factories.neighborhood())
    with pytest.raises(NotFound):
        ballot(s, actor=outsider)


def test_an_open_vote_can_be_changed_until_close_with_history() -> None:
    s = scene(2)
    b = ballot(s)
    first = services.ballot_cast(user=s.reps[0], ballot_id=b.pk, choice=["yes"])
    assert (first.changed, first.receipt) == (False, None)
    again = services.ballot_cast(user=s.reps[0], ballot_id=b.pk, choice="no")
    assert again.changed
    vote = Vote.objects.get(ballot=b)
    assert vote.choice == ["no"]
    assert list(VoteRevision.objects.filter(vote=vote).values_list("choice", flat=True)) == [
        ["yes"],
        ["no"],
    ]
    counted = selectors.current_tally(b)
    assert (counted.participation.heads, counted.options["no"].heads) == (1, 1)


def test_a_secret_vote_gets_a_receipt_and_no_link_to_the_voter() -> None:
    s = scene(10)  # a secret ballot's smallest electorate
    b = ballot(s, secret=True)
    cast = services.ballot_cast(user=s.reps[0], ballot_id=b.pk, choice="yes")
    assert cast.receipt and len(cast.receipt) == 11
    assert code_of(services.ballot_cast, user=s.reps[0], ballot_id=b.pk, choice="no") == (
        "already_voted"
    )
    row = SecretVote.objects.get(ballot=b)
    assert row.receipt == cast.receipt
    field_names = {f.name for f in SecretVote._meta.get_fields()}
    assert field_names == {"id", "ballot", "choice", "area", "receipt"}
    assert not Vote.objects.exists()
    assert Participation.objects.filter(ballot=b).count() == 1
    services.ballot_close(actor=s.staff, ballot_id=b.pk, reason="test")
    b.refresh_from_db()
    assert selectors.receipts(b) == [cast.receipt]


@pytest.mark.django_db(transaction=True)  # each vote its own transaction, as in production
@pytest.mark.usefixtures("postgres")
def test_closing_a_secret_ballot_leaves_no_transaction_id_pairing_choices_with_voters() -> None:
    from django.db import connection

    s = scene(10)  # a secret ballot's smallest electorate; 6 vote
    b = ballot(s, secret=True)
    choices = ["yes", "no", "yes", "abstain", "yes", "no"]
    receipts = [
        services.ballot_cast(user=rep, ballot_id=b.pk, choice=choice).receipt
        for rep, choice in zip(s.reps[:6], choices, strict=True)
    ]

    def xmins(table: str) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT xmin::text FROM {table} WHERE ballot_id = %s", [b.pk])  # noqa: S608
            return [row[0] for row in cursor.fetchall()]

    voters = set(xmins(Participation._meta.db_table))
    # While open, the link is there: each choice was written in its voter's transaction.
    assert set(xmins(SecretVote._meta.db_table)) == voters and len(voters) == 6
    assert live.wait_idle(10)
    services.ballot_close(actor=s.staff, ballot_id=b.pk, reason="test")
    after = xmins(SecretVote._meta.db_table)
    assert len(after) == 6 and len(set(after)) == 1 and not set(after) & voters
    b.refresh_from_db()
    assert selectors.receipts(b) == sorted(receipts)
    assert b.result["tally"]["options"]["yes"]["heads"] == 3
    assert b.result["tally"]["options"]["no"]["heads"] == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgres")
def test_the_migration_unlinks_secret_ballots_closed_before() -> None:
    import importlib

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("voting.migrations.0003_unlink_closed_secret_votes")
    s = scene(10)  # a secret ballot's smallest electorate; 3 vote
    b = ballot(s, secret=True)
    for rep, choice in zip(s.reps[:3], ["yes", "no", "yes"], strict=True):
        services.ballot_cast(user=rep, ballot_id=b.pk, choice=choice)
    assert live.wait_idle(10)
    stored_as_before_secrecy(b)
    Ballot.objects.filter(pk=b.pk).update(status="closed")  # as the old close left it
    other = ballot(s, secret=True, title="还开着的")  # open: left as it is
    services.ballot_cast(user=s.reps[0], ballot_id=other.pk, choice="no")

    def xmins(ballot_id: int) -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT xmin::text FROM voting_secretvote WHERE ballot_id = %s", [ballot_id]
            )
            return {row[0] for row in cursor.fetchall()}

    assert len(xmins(b.pk)) == 3
    stored = Event.objects.filter(stream=b.stream, type="ballot.tally")
    assert any("tally" in event.data for event in stored)
    kept = xmins(other.pk)
    migration.unlink(apps, None)
    assert len(xmins(b.pk)) == 1 and xmins(other.pk) == kept
    assert sorted(SecretVote.objects.filter(ballot=b).values_list("choice", flat=True)) == [
        ["no"],
        ["yes"],
        ["yes"],
    ]
    tallies = list(Event.objects.filter(stream=b.stream, type="ballot.tally"))
    assert tallies and all("tally" not in event.data for event in tallies)


@pytest.mark.parametrize("choice", [[], ["yes", "no"], ["maybe"], 3, None, [1], {"a": 1}])
def test_wrong_choices_are_invalid(choice: object) -> None:
    s = scene(1)
    b = ballot(s)
    assert code_of(services.ballot_cast, user=s.reps[0], ballot_id=b.pk, choice=choice) == (
        "invalid_choice"
    )
    assert not Participation.objects.exists()


def test_multiple_and_ranked_choice_counts() -> None:
    s = scene(5)
    multi = ballot(
        s, method="multiple", options=["花园", "车位", "充电桩"], min_choices=1, max_choices=2
    )
    assert (
        code_of(services.ballot_cast, user=s.reps[0], ballot_id=multi.pk, choice=["1", "2", "3"])
        == "invalid_choice"
    )
    services.ballot_cast(user=s.reps[0], ballot_id=multi.pk, choice=["1", "2"])
    assert selectors.current_tally(multi).options["2"].heads == 1
    ranked = ballot(s, method="ranked", options=["甲", "乙", "丙"])
    for rep, order in zip(
        s.reps, [["1", "2"], ["1", "3"], ["2", "1"], ["2", "3"], ["3", "2"]], strict=True
    ):
        services.ballot_cast(user=rep, ballot_id=ranked.pk, choice=order)
    counted = selectors.current_tally(ranked)
    assert counted.runoff_winner == "2"
    assert len(counted.rounds) == 2


def test_outsiders_and_other_buildings_are_not_eligible() -> None:
    s = scene(1)
    b = ballot(s)
    neighbor = factories.verified(factories.household_in(factories.building(s.place)))
    assert code_of(services.ballot_cast, user=neighbor, ballot_id=b.pk, choice="yes") == (
        "not_eligible"
    )
    stranger = factories.resident(factories.neighborhood())
    assert code_of(services.ballot_cast, user=stranger, ballot_id=b.pk, choice="yes") == (
        "not_found"
    )


def test_closed_draft_and_late_ballots_refuse_votes() -> None:
    s = scene(2)
    draft = ballot(s, open_now=False)
    assert code_of(services.ballot_cast, user=s.reps[0], ballot_id=draft.pk, choice="yes") == (
        "ballot_not_open"
    )
    b = ballot(s)
    Ballot.objects.filter(pk=b.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    assert code_of(services.ballot_cast, user=s.reps[0], ballot_id=b.pk, choice="yes") == (
        "ballot_closed"
    )
    assert services.close_due() == [b.pk]
    assert code_of(services.ballot_cast, user=s.reps[0], ballot_id=b.pk, choice="yes") == (
        "ballot_closed"
    )
    assert (
        code_of(services.ballot_close, actor=s.staff, ballot_id=b.pk, reason="test")
        == "ballot_closed"
    )


def test_close_certifies_the_result_and_puts_it_on_notice() -> None:
    s = scene(4)
    b = ballot(s, preset="art278_heavy", voter_unit="owner", notice_days=7)
    for rep, choice in zip(s.reps, ["yes", "yes", "yes", "no"], strict=True):
        services.ballot_cast(user=rep, ballot_id=b.pk, choice=choice)
    closed = services.ballot_close(actor=s.staff, ballot_id=b.pk, reason="test")
    assert closed.result is not None
    assert closed.result["outcome"]["passed"] is True  # 3/4 of heads and area: 以上
    assert closed.result == certify(closed)
    assert closed.notice_until is not None
    assert closed.closed_at is not None
    assert (closed.notice_until - closed.closed_at) == dt.timedelta(days=7)
    record = selectors.result_data(closed)
    assert [v["choice"] for v in record["votes"]].count(["yes"]) == 3


def test_objections_during_notice_and_answers() -> None:
    s = scene(1)
    b = ballot(s)
    assert code_of(services.objection_file, user=s.reps[0], ballot_id=b.pk, text="不同意") == (
        "not_on_notice"
    )
    services.ballot_close(actor=s.staff, ballot_id=b.pk, reason="test")
    objection = services.objection_file(user=s.reps[0], ballot_id=b.pk, text="计票有误")
    assert code_of(services.objection_file, user=s.reps[0], ballot_id=b.pk, text=" ") == (
        "text_required"
    )
    with pytest.raises(Forbidden):
        services.objection_answer(actor=s.reps[0], objection_id=objection.pk, answer="no")
    services.objection_answer(actor=s.staff, objection_id=objection.pk, answer="已复核，无误")
    assert Notification.objects.filter(user=s.reps[0], kind="ballot").count() == 1
    Ballot.objects.filter(pk=b.pk).update(notice_until=timezone.now() - dt.timedelta(seconds=1))
    assert code_of(services.objection_file, user=s.reps[0], ballot_id=b.pk, text="晚了") == (
        "notice_over"
    )


def test_a_ballot_shown_after_its_time_is_closed_first_by_the_service_not_the_read() -> None:
    s = scene(1)
    b = ballot(s)
    Ballot.objects.filter(pk=b.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    read = selectors.ballot_for_viewer(s.reps[0], b.pk)
    assert read.status == "open"  # a read writes nothing
    assert Ballot.objects.get(pk=b.pk).status == "open"
    seen = services.ballot_close_if_due(read)
    assert seen.status == "closed"
    assert seen.result is not None
    assert services.ballot_close_if_due(seen) is seen  # nothing to do once closed


def test_a_ballot_page_and_api_after_its_time_show_it_closed(client) -> None:
    """The adapters call ballot_close_if_due before they read (voting/views.py, api.py)."""
    s = scene(1)
    b = ballot(s)
    Ballot.objects.filter(pk=b.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    client.force_login(s.reps[0])
    assert client.get(f"/api/v1/ballots/{b.pk}/").json()["status"] == "closed"
    assert Ballot.objects.get(pk=b.pk).result is not None


def test_drafts_are_hidden_from_residents() -> None:
    s = scene(1)
    draft = ballot(s, open_now=False)
    with pytest.raises(NotFound):
        selectors.ballot_for_viewer(s.reps[0], draft.pk)
    assert selectors.ballot_for_viewer(s.staff, draft.pk) == draft
    assert selectors.ballots_for(s.reps[0], s.place.pk) == []


def test_snapshot_follows_visibility() -> None:
    s = scene(2)
    b = ballot(s, visibility="after_vote")
    assert selectors.snapshot(s.reps[0], b)["tally"] is None
    services.ballot_cast(user=s.reps[0], ballot_id=b.pk, choice="yes")
    mine = selectors.snapshot(s.reps[0], b)
    assert mine["tally"]["options"]["yes"]["heads"] == 1
    assert mine["slots"][0]["voted"] is True
    assert selectors.snapshot(s.reps[1], b)["tally"] is None
    hidden = ballot(s, visibility="after_close")
    services.ballot_cast(user=s.reps[0], ballot_id=hidden.pk, choice="yes")
    assert selectors.snapshot(s.reps[0], hidden)["tally"] is None
    assert selectors.snapshot(s.reps[0], hidden)["participation"]["heads"] == 1
    payload = live.payload(hidden)
    assert "tally" not in payload
    assert payload["participation"]["heads"] == 1


def test_a_ballot_opens_with_its_open_event_and_the_later_times() -> None:
    s = scene(1)
    draft = ballot(s, open_now=False, closes_at=later(1))
    opened = services.ballot_open(actor=s.staff, ballot_id=draft.pk)
    assert opened.status == "open"
    assert code_of(services.ballot_open, actor=s.staff, ballot_id=draft.pk) == "ballot_not_draft"


def test_an_owner_living_elsewhere_sees_and_votes_in_the_owners_ballot() -> None:
    s = scene(1)
    landlord, owner = owner_living_elsewhere(s)
    owners_ballot = ballot(s, voter_unit="owner", preset="art278_ordinary")
    assert selectors.ballot_for_viewer(landlord, owners_ballot.pk) == owners_ballot
    cast = services.ballot_cast(user=landlord, ballot_id=owners_ballot.pk, choice="yes")
    assert Elector.objects.get(pk=cast.elector_id).owner == owner
    # A residents' ballot of the same building is not theirs to see.
    households_ballot = ballot(s)
    with pytest.raises(NotFound):
        selectors.ballot_for_viewer(landlord, households_ballot.pk)
    assert (
        code_of(services.ballot_cast, user=landlord, ballot_id=households_ballot.pk, choice="yes")
        == "not_found"
    )


@pytest.mark.parametrize("secret", [False, True])
def test_the_grouped_tally_counts_like_vote_by_vote(secret: bool) -> None:
    from voting import tally

    s = scene(10)  # a secret ballot's smallest electorate; 7 vote
    for number, house in enumerate(s.houses):
        house.floor_area = Decimal(f"{50 + number}.25")
        house.save()
    b = ballot(s, secret=secret, method="ranked", options=["甲", "乙", "丙"])
    orders = [["1", "2"], ["1", "2"], ["2"], ["3", "1"], ["2", "3"], ["3", "2", "1"], ["1"]]
    for rep, order in zip(s.reps[:7], orders, strict=True):
        services.ballot_cast(user=rep, ballot_id=b.pk, choice=order)
    one_by_one = tally.tally(
        "ranked",
        ["1", "2", "3"],
        [
            tally.Cast(tuple(order), house.floor_area)
            for order, house in zip(orders, s.houses[:7], strict=True)
        ],
        tally.Count(b.electorate_heads, b.electorate_area),
    )
    grouped = selectors.current_tally(b)
    assert grouped.participation == one_by_one.participation
    assert grouped.options == one_by_one.options
    assert grouped.rounds == one_by_one.rounds
    assert grouped.runoff_winner == one_by_one.runoff_winner
