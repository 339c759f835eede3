"""Door visits (上门走访): assigning visitors, the audited reveal of the list's phones,
recording what a visit found, and the reach counts it moves."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.ledger.filters import LedgerFilter
from accounts.models import DataAccess, DoorVisit, VisitAssignment
from accounts.outreach import selectors, services, visits, visits_selectors
from core.errors import DomainError, Forbidden, Invalid, NotFound
from realtime.models import Event
from tests import factories
from tests.accounts.outreach_helpers import OLD, house_with

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


@pytest.fixture
def place():
    return factories.neighborhood("昌里第五")


@pytest.fixture
def staff(place):
    return factories.staff(place, "staff")


@pytest.fixture
def scene(place, staff):
    """An outreach to the 90+ with two silent households (one with a phone) and one reached."""
    reached, _ = house_with(place, births=(OLD,), accounts=1)
    silent, _ = house_with(place, births=(OLD,), phone=PHONE)
    quiet = factories.household_in(factories.building(place, "2号楼"))
    factories.person(quiet, "老人乙", birth=OLD)
    outreach = services.outreach_send(
        actor=staff, neighborhood_id=place.pk, spec=LedgerFilter(age_min=90), title="牛奶", body="b"
    )
    return outreach, silent, quiet, reached


def record(actor, outreach, house, **given):
    fields = {"visited_on": timezone.localdate().isoformat(), "outcome": "informed", **given}
    return visits.door_visit_record(
        actor=actor, outreach_id=outreach.pk, household_id=house.pk, **fields
    )


# Recording and the counts -------------------------------------------------------------


def test_an_informed_visit_counts_the_household_as_reached_and_publishes(scene, staff):
    # Given an outreach with two households nobody could reach online
    outreach, silent, _quiet, _ = scene
    assert selectors.outreach_counts(outreach)["not_reached"] == 2
    # When staff record that the visit informed one of them
    visit = record(staff, outreach, silent, note="  老人已知晓  ", follow_up="1")
    # Then the household counts as reached, and staff following the outreach are told
    assert visit.note == "老人已知晓" and visit.follow_up and visit.visitor_id == staff.pk
    counts = selectors.outreach_counts(outreach)
    assert (counts["reached"], counts["not_reached"]) == (2, 1)
    event = Event.objects.filter(stream=outreach.stream, type="outreach.counts").last()
    assert event is not None and event.data["not_reached"] == 1


def test_a_visit_that_found_nobody_leaves_the_household_not_reached(scene, staff):
    outreach, silent, _quiet, _ = scene
    record(staff, outreach, silent, outcome="not_home", follow_up_on=timezone.localdate())
    assert selectors.outreach_counts(outreach)["not_reached"] == 2
    # Every visit is kept: not home first, informed later
    record(staff, outreach, silent, outcome="informed")
    assert DoorVisit.objects.filter(household=silent).count() == 2
    assert selectors.outreach_counts(outreach)["not_reached"] == 1
    # A second informed visit does not count the household twice
    record(staff, outreach, silent, outcome="informed")
    assert selectors.outreach_counts(outreach)["reached"] == 2


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ({"outcome": "maybe"}, "invalid_outcome"),
        ({"outcome": ""}, "invalid_outcome"),
        ({"visited_on": "yesterday"}, "invalid_date"),
        ({"visited_on": ""}, "invalid_date"),
        ({"visited_on": "2000-01-01"}, "invalid_date"),  # before the notice was sent
        ({"visited_on": (timezone.localdate() + dt.timedelta(days=1)).isoformat()}, "invalid_date"),
        ({"note": "x" * 501}, "too_long"),
        ({"note": "bad\x00"}, "control_character"),
        ({"note": "\u202eevil"}, "control_character"),
        ({"follow_up_on": "soon"}, "invalid_follow_up"),
        ({"follow_up_on": "2000-01-01"}, "invalid_follow_up"),
    ],
)
def test_bad_input_is_refused_with_a_code_and_nothing_written(scene, staff, given, code):
    outreach, silent, _quiet, _ = scene
    with pytest.raises(Invalid) as refused:
        record(staff, outreach, silent, **given)
    assert refused.value.code == code and refused.value.render()
    assert not DoorVisit.objects.exists()
    assert not Event.objects.filter(type="outreach.counts").exists()


def test_a_household_outside_the_outreach_is_refused_with_a_stable_code(scene, staff, place):
    outreach, *_ = scene
    elsewhere = factories.household(place)  # in the neighborhood, not matched
    with pytest.raises(Invalid) as refused:
        record(staff, outreach, elsewhere)
    assert refused.value.code == "not_in_outreach"
    assert not DoorVisit.objects.exists()


# Who may ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("staff_here", None),
        ("secretary_here", None),
        ("assigned_visitor", None),
        ("other_visitor", Forbidden),  # assigned, but to another household
        ("moderator_here", Forbidden),  # a role here, nothing assigned
        ("resident_here", Forbidden),
        ("staff_other", NotFound),
        ("admin_above", Forbidden),
        ("stranger", NotFound),
    ],
)
def test_who_may_record_a_visit(scene, staff, place, who, error):
    outreach, silent, quiet, _ = scene
    visitor = factories.staff(place, "visitor", role="moderator")
    other = factories.staff(place, "other", role="moderator")
    visits.door_visit_assign(
        actor=staff, outreach_id=outreach.pk, visitor_id=visitor.pk, household_ids=[silent.pk]
    )
    visits.door_visit_assign(
        actor=staff, outreach_id=outreach.pk, visitor_id=other.pk, household_ids=[quiet.pk]
    )
    people = {
        "staff_here": staff,
        "secretary_here": factories.staff(place, "sec", role="secretary"),
        "assigned_visitor": visitor,
        "other_visitor": other,
        "moderator_here": factories.staff(place, "mod", role="moderator"),
        "resident_here": factories.resident(place, "res"),
        "staff_other": factories.staff(factories.neighborhood(), "far"),
        "admin_above": factories.admin(place.subdistrict, "adm"),
        "stranger": factories.user("stranger"),
    }
    if error is None:
        visit = record(people[who], outreach, silent)
        assert visit.visitor_id == visitor.pk  # the assigned visitor, whoever typed it
        assert visit.recorded_by_id == people[who].pk
        return
    with pytest.raises(error):
        record(people[who], outreach, silent)
    assert not DoorVisit.objects.exists()


def test_a_visitor_who_lost_their_role_loses_the_list(scene, staff, place):
    outreach, silent, *_ = scene
    visitor = factories.staff(place, "visitor", role="moderator")
    visits.door_visit_assign(
        actor=staff, outreach_id=outreach.pk, visitor_id=visitor.pk, household_ids=[silent.pk]
    )
    visitor.role_grants.all().delete()
    with pytest.raises(NotFound):
        record(visitor, outreach, silent)


# Assigning -----------------------------------------------------------------------------


def test_staff_assign_the_whole_list_a_building_or_one_household(scene, staff, place):
    outreach, silent, quiet, reached = scene
    visitor = factories.staff(place, "visitor", role="moderator")
    # The whole list: the two silent households, not the one reached online
    assert (
        visits.door_visit_assign(actor=staff, outreach_id=outreach.pk, visitor_id=visitor.pk) == 2
    )
    assert set(VisitAssignment.objects.values_list("household_id", flat=True)) == {
        silent.pk,
        quiet.pk,
    }
    # Taken back for one building
    taken = visits.door_visit_assign(
        actor=staff, outreach_id=outreach.pk, visitor_id=None, building_id=silent.building_id
    )
    assert taken == 1
    assert list(VisitAssignment.objects.values_list("household_id", flat=True)) == [quiet.pk]
    # One household moves to another visitor
    colleague = factories.staff(place, "colleague")
    visits.door_visit_assign(
        actor=staff, outreach_id=outreach.pk, visitor_id=colleague.pk, household_ids=[quiet.pk]
    )
    assert VisitAssignment.objects.get().visitor == colleague


def test_assigning_refuses_strangers_and_households_off_the_list(scene, staff, place):
    outreach, silent, _quiet, reached = scene
    resident = factories.resident(place, "res")
    with pytest.raises(Invalid) as refused:
        visits.door_visit_assign(
            actor=staff, outreach_id=outreach.pk, visitor_id=resident.pk
        )  # a resident holds no role here
    assert refused.value.code == "invalid_visitor"
    for houses in ([reached.pk], [silent.pk, factories.household(place).pk], []):
        with pytest.raises(Invalid) as refused:
            visits.door_visit_assign(
                actor=staff, outreach_id=outreach.pk, visitor_id=staff.pk, household_ids=houses
            )
        assert refused.value.code == "not_in_outreach"
    far = factories.building(factories.neighborhood())
    with pytest.raises(Invalid) as refused:
        visits.door_visit_assign(
            actor=staff, outreach_id=outreach.pk, visitor_id=staff.pk, building_id=far.pk
        )
    assert refused.value.code == "invalid_building"
    moderator = factories.staff(place, "mod", role="moderator")
    with pytest.raises(Forbidden):
        visits.door_visit_assign(actor=moderator, outreach_id=outreach.pk, visitor_id=moderator.pk)
    assert not VisitAssignment.objects.exists()


# Revealing the phones ---------------------------------------------------------------------


def test_the_assigned_visitor_reveals_their_phones_once_for_the_list(scene, staff, place):
    outreach, silent, quiet, _ = scene
    visitor = factories.staff(place, "visitor", role="moderator")
    visits.door_visit_assign(
        actor=staff, outreach_id=outreach.pk, visitor_id=visitor.pk, household_ids=[silent.pk]
    )
    _outreach, scope = visits_selectors.visit_access(actor=visitor, outreach_id=outreach.pk)
    now = timezone.now()
    # Masked before the reveal; the visitor sees only their own household
    listing = visits_selectors.visit_list(actor=visitor, outreach=outreach, scope=scope, now=now)
    assert [c.household_id for c in listing.cards] == [silent.pk]
    assert [r.phone for r in listing.cards[0].residents] == ["138****5678"]
    assert listing.phones_until is None
    # When they press 显示电话
    shown = visits.door_visit_reveal(actor=visitor, outreach_id=outreach.pk)
    # Then one audit row says who, when, which outreach and how many
    assert (shown.households, shown.phones) == (1, 1)
    log = DataAccess.objects.get()
    assert (log.actor, log.kind, log.field, log.neighborhood_id) == (
        visitor,
        "reveal",
        "visit_phones",
        place.pk,
    )
    assert log.detail == {"outreach": outreach.pk, "households": 1, "phones": 1}
    listing = visits_selectors.visit_list(
        actor=visitor, outreach=outreach, scope=scope, now=timezone.now()
    )
    assert [(r.phone, r.dial) for r in listing.cards[0].residents] == [(PHONE, PHONE)]
    # Later that day the reveal has lapsed
    later = timezone.now() + visits_selectors.REVEAL_FOR + dt.timedelta(minutes=1)
    listing = visits_selectors.visit_list(actor=visitor, outreach=outreach, scope=scope, now=later)
    assert listing.phones_until is None
    assert listing.cards[0].residents[0].phone == "138****5678"


def test_the_secretary_reveals_the_whole_list_and_staff_not_assigned_may_not(scene, place, staff):
    outreach, *_ = scene
    secretary = factories.staff(place, "sec", role="secretary")
    shown = visits.door_visit_reveal(actor=secretary, outreach_id=outreach.pk)
    assert (shown.households, shown.phones) == (2, 1)
    with pytest.raises(Forbidden) as refused:
        visits.door_visit_reveal(actor=staff, outreach_id=outreach.pk)
    assert refused.value.code == "not_assigned"
    # The staff member still sees masked phones, even after the secretary's reveal
    _o, scope = visits_selectors.visit_access(actor=staff, outreach_id=outreach.pk)
    listing = visits_selectors.visit_list(
        actor=staff, outreach=outreach, scope=scope, now=timezone.now()
    )
    phones = [r.phone for c in listing.cards for r in c.residents if r.phone]
    assert phones == ["138****5678"]
    assert DataAccess.objects.count() == 1
    for nobody in (factories.resident(place, "res"), factories.user("stranger")):
        with pytest.raises(DomainError):
            visits.door_visit_reveal(actor=nobody, outreach_id=outreach.pk)
    assert DataAccess.objects.count() == 1


def test_the_outreach_list_counts_households_informed_at_the_door(scene, staff, place):
    outreach, silent, _quiet, _ = scene
    record(staff, outreach, silent, outcome="not_home")
    (listed,) = selectors.outreaches_of(actor=staff, neighborhood_id=place.pk)
    assert listed.reached_count == 1
    record(staff, outreach, silent, outcome="informed")
    record(staff, outreach, silent, outcome="informed")
    (listed,) = selectors.outreaches_of(actor=staff, neighborhood_id=place.pk)
    assert listed.reached_count == selectors.outreach_counts(outreach)["reached"] == 2
