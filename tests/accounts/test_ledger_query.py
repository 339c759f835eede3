"""Ledger filters applied to the database (accounts/ledger/query.py), on a known ledger."""

from __future__ import annotations

import pytest

from accounts.ledger import filters, query
from accounts.ledger.filters import LedgerFilter
from accounts.models import Resident, ResidentTag, Tenure
from tests.accounts.ledger_scene import TODAY, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    return build()


def names(spec: LedgerFilter, scene) -> set[str]:
    return set(query.residents(scene.here.pk, spec, TODAY).values_list("real_name", flat=True))


def spec_of(**params: object) -> LedgerFilter:
    return filters.parse(params, known_tags=ResidentTag.values, tenures=Tenure.values)  # type: ignore[arg-type]


def test_everyone_here_but_not_who_moved_away_nor_the_other_place(scene):
    assert names(LedgerFilter(), scene) == {
        "张桂英",
        "李国强",
        "李秀兰",
        "王建国",
        "王丽",
        "王小宝",
        "赵军",
    }
    assert "孙磊" in names(LedgerFilter(include_left=True), scene)


def test_ninety_or_older_counts_the_birthday_itself(scene):
    assert names(spec_of(age_min="90"), scene) == {"张桂英", "李国强"}
    assert names(spec_of(age_min="89", age_max="89"), scene) == {"李秀兰"}


def test_children_and_not_children(scene):
    assert names(spec_of(child="yes"), scene) == {"王小宝"}
    assert "王小宝" not in names(spec_of(child="no"), scene)
    assert len(names(spec_of(child="no"), scene)) == 6


def test_tags_vehicles_and_names(scene):
    assert names(spec_of(tag="living_alone"), scene) == {"张桂英"}
    assert names(spec_of(tag=["living_alone", "disabled"]), scene) == set()
    assert names(spec_of(vehicle="yes"), scene) == {"王建国", "王丽", "赵军"}
    assert "王建国" not in names(spec_of(vehicle="no"), scene)
    assert names(spec_of(name="王"), scene) == {"王建国", "王丽", "王小宝"}


def test_household_conditions(scene):
    assert names(spec_of(building=str(scene.b1.pk)), scene) == {"张桂英", "李国强", "李秀兰"}
    assert names(spec_of(unit="2", tenure="owner"), scene) == {"王建国", "王丽", "王小宝", "赵军"}
    assert names(spec_of(tenure="tenant"), scene) == {"李国强", "李秀兰"}
    assert names(spec_of(area_min="60", area_max="72.5"), scene) == {"张桂英", "赵军"}
    # Bounds finer than the column's two decimals still compare correctly.
    assert names(spec_of(area_min="72.4999999", area_max="72.5000001"), scene) == {"张桂英"}
    assert names(spec_of(area_min="0"), scene) == names(LedgerFilter(), scene)


def test_a_building_of_another_place_finds_nothing_here(scene):
    elsewhere = Resident.objects.exclude(household__building__neighborhood=scene.here).first()
    assert names(spec_of(building=str(elsewhere.household.building_id)), scene) == set()


def test_verified_or_not(scene):
    assert names(spec_of(verified="yes"), scene) == {"王建国"}
    assert "王建国" not in names(spec_of(verified="no"), scene)
    assert len(names(spec_of(verified="no"), scene)) == 6


def test_households_with_a_matching_resident(scene):
    found = query.households(scene.here.pk, spec_of(age_min="90"), TODAY)
    assert set(found) == {scene.old_alone, scene.old_couple}
    assert query.households(scene.here.pk, LedgerFilter(), TODAY).count() == 4
    assert set(query.households(scene.here.pk, spec_of(vehicle="yes"), TODAY)) == {
        scene.family,
        scene.movers,
    }


def test_vehicle_total_counts_plates(scene):
    here = scene.here.pk
    assert query.vehicle_total(query.residents(here, spec_of(vehicle="yes"), TODAY)) == 4
    assert query.vehicle_total(query.residents(here, LedgerFilter(include_left=True), TODAY)) == 5
    assert query.vehicle_total(query.residents(here, spec_of(age_min="90"), TODAY)) == 0


def test_has_item_matches_whole_tags_only(scene):
    Resident.objects.filter(pk=scene.li.pk).update(tags=["living_alone_x"])
    assert set(Resident.objects.filter(tags__has_item="living_alone")) == {scene.zhang}
    assert set(Resident.objects.filter(tags__has_item="living_alone_x")) == {scene.li}


def test_the_ages_move_with_today(scene):
    from datetime import date

    later = date(2024, 6, 11)
    spec = spec_of(age_min="90")
    found = set(query.residents(scene.here.pk, spec, later).values_list("real_name", flat=True))
    assert found == {"张桂英", "李国强", "李秀兰"}  # 李秀兰 turns 90 on the 11th
