from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts import access
from accounts.models import Household, Neighborhood, Resident, User
from forum.models import Board, Topic

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_the_article_subdistrict_with_every_role() -> None:
    out = StringIO()
    call_command("seed_demo", "--households", "120", stdout=out, verbosity=0)
    names = set(Neighborhood.objects.values_list("name", flat=True))
    assert {"昌里第五", "云台第一"} <= names
    assert Household.objects.count() == 120
    today = timezone.localdate()
    births = list(Resident.objects.values_list("birth_date", flat=True))
    assert any((today - b).days > 90 * 365 for b in births)  # some over 90
    assert any((today - b).days < 14 * 365 for b in births)  # and children
    assert Resident.objects.exclude(vehicles=[]).exists()
    printed = out.getvalue()
    for username in ("resident", "neighbor", "rep", "staff", "secretary", "moderator", "admin"):
        assert username in printed
        assert authenticate(username=username, password="linli-demo-2026") is not None
    home = Neighborhood.objects.get(name="昌里第五")
    resident = User.objects.get(username="resident")
    assert access.may_speak_in(resident, home.pk)
    assert not access.is_member(resident, Neighborhood.objects.get(name="云台第一").pk)
    assert access.is_staff_of(User.objects.get(username="staff"), home.pk)
    assert access.is_member(User.objects.get(username="admin"), home.pk)
    assert Board.objects.filter(neighborhood=home).count() == 2
    assert Topic.objects.filter(title="谁家的狗丢了?").exists()
    # Every person has their own ID number (one person, one account depends on it).
    hashes = list(Resident.objects.values_list("id_number_hash", flat=True))
    assert len(set(hashes)) == len(hashes)
    # No ID number is stored in the clear.
    sample = Resident.objects.first()
    assert sample is not None and "*" in sample.id_number_masked
    assert sample.id_number_masked[:6] not in sample.id_number_encrypted


def test_seed_demo_runs_once() -> None:
    call_command("seed_demo", "--households", "12", verbosity=0, stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("seed_demo", verbosity=0, stdout=StringIO())
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert Household.objects.count() == 12 and "linli-demo-2026" in out.getvalue()


def test_the_newcomer_verifies_with_the_printed_demo_code() -> None:
    from accounts.ledger.filters import is_child
    from accounts.verification.services import household_code_redeem
    from demo import seed as demo

    out = StringIO()
    call_command("seed_demo", "--households", "60", stdout=out, verbosity=0)
    hint = demo.demo_code_hint()
    assert hint is not None and hint in out.getvalue()
    real_name = hint.rsplit("real name ", 1)[1]
    newcomer = User.objects.get(username="newcomer")
    assert not access.member_neighborhoods(newcomer)
    residency = household_code_redeem(user=newcomer, code=demo.DEMO_CODE, real_name=real_name)
    assert residency.household.building.neighborhood.name == "昌里第五"
    assert demo.demo_code_hint() is None  # spent: no longer printed
    # The demo keeps children's non-essential data empty (no guardian consent on file).
    today = timezone.localdate()
    for person in Resident.objects.all():
        if is_child(person.birth_date, today):
            assert person.phone == "" and person.tags == [] and person.vehicles == []


def test_seed_demo_records_owners_apart_from_residents() -> None:
    """Every flat has a registered owner: the head of an owner-occupied household (linked to
    their account by the ID hash), someone living elsewhere for a rented one, and one
    landlord who owns three rented flats."""
    from django.db.models import Count

    from accounts.models import Owner, Ownership, Tenure
    from demo import seed as demo

    call_command("seed_demo", "--households", "120", verbosity=0, stdout=StringIO())
    assert Ownership.objects.count() == Household.objects.count() == 120
    for ownership in Ownership.objects.select_related("household", "owner"):
        house, owner = ownership.household, ownership.owner
        assert owner.neighborhood_id == house.building.neighborhood_id
        living_here = house.residents.filter(id_number_hash=owner.id_number_hash).exists()
        if house.tenure == Tenure.OWNER:
            head = house.residents.order_by("birth_date").first()
            assert head is not None and head.id_number_hash == owner.id_number_hash
            assert owner.real_name == head.real_name
        else:
            assert not living_here
            assert not Resident.objects.filter(id_number_hash=owner.id_number_hash).exists()
    several = Owner.objects.annotate(units=Count("ownerships")).filter(units__gt=1)
    assert [owner.units for owner in several] == [3]
    landlord = several.get()
    assert set(landlord.ownerships.values_list("household__tenure", flat=True)) == {Tenure.TENANT}
    assert not Owner.objects.filter(ownerships__isnull=True).exists()  # no orphan owners
    # The demo users live in the elevator building's owner-occupied flats and are its owners.
    home = Neighborhood.objects.get(name="昌里第五")
    building = demo.elevator_building(home)
    for username in ("resident", "neighbor", "rep"):
        user = User.objects.get(username=username)
        residency = user.residencies.get()
        assert residency.household.building == building
        assert residency.household.tenure == Tenure.OWNER
        assert user.identity_hash == residency.resident.id_number_hash
        assert residency.household.ownership.owner.id_number_hash == user.identity_hash


def test_seed_demo_has_an_open_elevator_ballot_and_a_closed_garden_ballot_on_notice() -> None:
    from accounts.models import Ownership
    from demo import seed as demo
    from voting import selectors
    from voting.models import Ballot

    call_command("seed_demo", "--households", "120", verbosity=0, stdout=StringIO())
    home = Neighborhood.objects.get(name="昌里第五")
    building = demo.elevator_building(home)
    elevator = Ballot.objects.get(matter="elevator")
    assert (elevator.status, elevator.building_id, elevator.voter_unit) == (
        "open",
        building.pk,
        "owner",
    )
    assert elevator.title == f"{building.name}加装电梯"
    # Its electorate: the building's owners, the landlord of several flats counted once.
    owners = set(
        Ownership.objects.filter(household__building=building).values_list("owner_id", flat=True)
    )
    assert elevator.electorate_heads == len(owners)
    rep = User.objects.get(username="rep")
    assert [slot.voted for slot in selectors.voter_slots(rep, elevator)] == [False]
    neighbor = User.objects.get(username="neighbor")
    assert [slot.voted for slot in selectors.voter_slots(neighbor, elevator)] == [True]

    garden = Ballot.objects.get(matter="garden")
    assert garden.status == "closed" and garden.notice_until is not None
    assert garden.notice_until > timezone.now()  # on public notice (公示)
    assert garden.result is not None and garden.result["outcome"]["passed"] is True
    assert garden.result["tally"]["participation"]["heads"] == 3
    objection = garden.objections.get()
    assert objection.answer and objection.answered_by == User.objects.get(username="staff")


# flush truncates: in the test's open transaction PostgreSQL refuses it (pending deferred
# checks), as a real `make demo-reset` never has one.
@pytest.mark.django_db(transaction=True)
def test_reset_seeds_the_demo_again_from_nothing() -> None:
    # given a demo someone has changed: a household gone, a resident renamed
    call_command("seed_demo", "--households", "12", verbosity=0, stdout=StringIO())
    Household.objects.filter(residents__isnull=True).delete()
    User.objects.filter(username="resident").update(display_name="改过的名字")
    # when it is reset
    call_command("seed_demo", "--households", "12", "--reset", verbosity=0, stdout=StringIO())
    # then it is the demo as first seeded, once
    assert Household.objects.count() == 12
    assert User.objects.filter(username="resident").get().display_name != "改过的名字"
    assert User.objects.filter(username="resident").count() == 1


def test_reset_refuses_a_database_that_is_not_the_demos() -> None:
    # given places but no demo logins (a real neighborhood's database)
    call_command("seed_demo", "--households", "12", verbosity=0, stdout=StringIO())
    User.objects.filter(username="newcomer").delete()
    households = Household.objects.count()
    # when a reset is asked for, then it refuses and nothing is emptied
    with pytest.raises(CommandError, match="not the demo users"):
        call_command("seed_demo", "--reset", verbosity=0, stdout=StringIO())
    assert Household.objects.count() == households
