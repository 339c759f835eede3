"""Ledger reads: the article's questions answered with exact numbers, in a fixed number of
queries, and only for those whose role allows it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from accounts.ledger import selectors, services
from accounts.ledger.filters import LedgerFilter
from accounts.models import Building, Household, Resident
from core.errors import Forbidden, Invalid, NotFound
from tests import factories
from tests.accounts.ledger_scene import TODAY, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    return build()


@pytest.fixture
def clerk(scene):
    return factories.staff(scene.here, "clerk")


def summary(user, scene, **params):
    return selectors.ledger_summary(
        user=user, neighborhood_id=scene.here.pk, spec=selectors.filter_from(params), today=TODAY
    )


def test_how_many_residents_are_90_or_older(scene, clerk):
    found = summary(clerk, scene, age_min="90")
    assert (found.residents, found.households) == (2, 2)
    page = selectors.resident_page(
        user=clerk,
        neighborhood_id=scene.here.pk,
        spec=selectors.filter_from({"age_min": "90"}),
        today=TODAY,
        page=1,
    )
    assert [row.real_name for row in page.rows] == ["张桂英", "李国强"]
    assert [row.age for row in page.rows] == [94, 90]


def test_how_many_parking_spaces_car_owners_need(scene, clerk):
    found = summary(clerk, scene, vehicle="yes")
    assert found.vehicles == 4
    assert found.vehicle_owners == 3
    assert found.households == 2
    assert summary(clerk, scene, vehicle="yes", include_left="yes").vehicles == 5


def test_the_whole_ledger_in_numbers(scene, clerk):
    assert summary(clerk, scene) == selectors.LedgerSummary(
        residents=7,
        households=4,
        verified_residents=1,
        verified_households=1,
        vehicles=4,
        vehicle_owners=3,
        children=1,
        aged_60_plus=3,
        aged_80_plus=3,
        aged_90_plus=2,
        living_alone=1,
    )
    # The household of a verified account counts as verified for all its members.
    family = summary(clerk, scene, name="王")
    assert (family.residents, family.verified_residents, family.verified_households) == (3, 1, 1)
    assert summary(clerk, scene, verified="no").verified_households == 1  # 王丽 and 王小宝
    assert summary(clerk, scene, verified="no").unverified_households == 3


def test_counts_cost_three_queries_whatever_the_filter(scene, clerk, django_assert_num_queries):
    for params in ({}, {"age_min": "90"}, {"tag": "living_alone", "verified": "no"}):
        with django_assert_num_queries(3):
            summary(clerk, scene, **params)


def test_a_page_costs_four_queries_for_one_row_or_fifty(scene, clerk, django_assert_num_queries):
    spec = LedgerFilter()
    with django_assert_num_queries(4):
        small = selectors.resident_page(
            user=clerk, neighborhood_id=scene.here.pk, spec=spec, today=TODAY, page=1
        )
    for n in range(60):
        factories.person(scene.family, f"新{n}", birth=dt.date(1990, 1, 1) + dt.timedelta(days=n))
    with django_assert_num_queries(4):
        big = selectors.resident_page(
            user=clerk, neighborhood_id=scene.here.pk, spec=spec, today=TODAY, page=1
        )
    assert (small.total, len(small.rows)) == (7, 7)
    assert (big.total, len(big.rows), big.pages, big.has_next) == (67, 50, 2, True)


def test_pages_are_in_address_order_with_masks_and_flags(scene, clerk):
    page = selectors.resident_page(
        user=clerk,
        neighborhood_id=scene.here.pk,
        spec=LedgerFilter(),
        today=TODAY,
        page=1,
        per_page=3,
    )
    assert [row.real_name for row in page.rows] == ["张桂英", "李国强", "李秀兰"]
    assert (page.total, page.pages, page.first_index, page.last_index) == (7, 3, 1, 3)
    second = selectors.resident_page(
        user=clerk,
        neighborhood_id=scene.here.pk,
        spec=LedgerFilter(),
        today=TODAY,
        page=2,
        per_page=3,
    )
    wang = next(row for row in second.rows if row.real_name == "王建国")
    assert wang.verified and not wang.child
    assert wang.phone_masked == "138****5678"
    assert wang.id_number_masked == scene.wang.id_number_masked and "*" in wang.id_number_masked
    assert wang.address == "2号楼2单元201室" and wang.building == "2号楼"
    child = next(row for row in second.rows if row.real_name == "王小宝")
    assert child.child and child.age == 9 and not child.verified
    beyond = selectors.resident_page(
        user=clerk, neighborhood_id=scene.here.pk, spec=LedgerFilter(), today=TODAY, page=9
    )
    assert beyond.rows == [] and beyond.total == 7
    with pytest.raises(Invalid):
        selectors.resident_page(
            user=clerk, neighborhood_id=scene.here.pk, spec=LedgerFilter(), today=TODAY, page=0
        )


@pytest.mark.parametrize(
    ("page", "pages", "shown"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (1, 10, [1, 2, 3, None, 10]),
        (5, 10, [1, 2, 3, 4, 5, 6, 7, None, 10]),
        (10, 10, [1, None, 8, 9, 10]),
    ],
)
def test_page_numbers_show_the_ends_and_the_neighbours(page, pages, shown):
    result = selectors.ResidentPage(rows=[], total=pages * 10, page=page, per_page=10)
    assert result.page_numbers == shown


def test_who_may_read_the_ledger(scene):
    here = scene.here
    for who in (factories.staff(here), factories.staff(here, role="secretary")):
        assert summary(who, scene).residents == 7
    for who in (
        factories.staff(here, role="moderator"),
        factories.admin(here.subdistrict),
        scene.wang_user,
    ):
        with pytest.raises(Forbidden):
            summary(who, scene)
    for who in (factories.staff(scene.other), factories.resident(scene.other), factories.user()):
        with pytest.raises(NotFound):
            summary(who, scene)


def test_a_household_in_detail(scene, clerk, django_assert_num_queries):
    services.household_update(actor=clerk, household_id=scene.movers.pk, tenure="tenant")
    with django_assert_num_queries(6):
        detail = selectors.household_detail(user=clerk, household_id=scene.movers.pk, today=TODAY)
    assert [row.real_name for row in detail.residents] == ["赵军", "孙磊"]  # the gone last
    assert detail.residents[1].left
    assert (detail.accounts, detail.tenure, str(detail.floor_area)) == (0, "tenant", "60.00")
    assert [(c.action, c.after) for c in detail.changes] == [("update", {"tenure": "tenant"})]
    assert (
        selectors.household_detail(user=clerk, household_id=scene.family.pk, today=TODAY).accounts
        == 1
    )
    with pytest.raises(NotFound):
        selectors.household_detail(user=clerk, household_id=10**9, today=TODAY)
    with pytest.raises(NotFound):
        selectors.household_detail(
            user=factories.staff(scene.other), household_id=scene.family.pk, today=TODAY
        )


def test_a_resident_and_their_history_newest_first(scene, clerk, django_assert_num_queries):
    services.resident_update(
        actor=clerk, resident_id=scene.li.pk, changes={"tags": ["veteran"]}, today=TODAY
    )
    services.resident_update(
        actor=clerk, resident_id=scene.li.pk, changes={"phone": ""}, today=TODAY
    )
    with django_assert_num_queries(4):
        detail = selectors.resident_detail(user=clerk, resident_id=scene.li.pk, today=TODAY)
    assert detail.row.real_name == "李国强" and detail.row.tags == ["veteran"]
    assert detail.row.phone_masked == ""
    with django_assert_num_queries(4):
        history = selectors.resident_history(user=clerk, resident_id=scene.li.pk)
    assert [c.after for c in history] == [{"phone": ""}, {"tags": ["veteran"]}]
    assert history[0].before == {"phone": "139****1111"}
    assert history[0].actor == clerk.public_name
    with translation.override("en"):
        assert [str(label) for label, _b, _a in history[1].fields] == ["tags"]
        assert history[1].fields[0][1:] == ("—", "veteran")
    with pytest.raises(Forbidden):
        selectors.resident_history(
            user=factories.admin(scene.here.subdistrict), resident_id=scene.li.pk
        )


def test_area_aggregates_are_numbers_per_neighborhood(scene, django_assert_num_queries):
    admin = factories.admin(scene.here.subdistrict)
    empty = factories.neighborhood("空白居委")
    with django_assert_num_queries(5):
        area = selectors.area_aggregates(
            user=admin, subdistrict_id=scene.here.subdistrict_id, today=TODAY
        )
    rows = {row.neighborhood_id: row for row in area.rows}
    assert set(rows) == {scene.here.pk, scene.other.pk, empty.pk}
    here = rows[scene.here.pk]
    assert (here.households, here.verified_households, here.residents) == (4, 1, 7)
    assert (here.aged_90_plus, here.aged_80_plus, here.aged_60_plus) == (2, 3, 3)
    assert (here.children, here.living_alone, here.vehicles) == (1, 1, 4)
    other = rows[scene.other.pk]
    assert (other.households, other.residents, other.aged_90_plus, other.vehicles) == (1, 1, 1, 1)
    assert rows[empty.pk].households == 0 and rows[empty.pk].residents == 0
    assert area.total.residents == 8
    fields = set(vars(here))
    assert not fields & {"real_name", "id_number_masked", "phone", "birth_date"}


def test_area_aggregates_permission(scene):
    subdistrict = scene.here.subdistrict_id
    staff = factories.staff(scene.here)
    area = selectors.area_aggregates(user=staff, subdistrict_id=subdistrict, today=TODAY)
    assert [row.neighborhood_id for row in area.rows] == [scene.here.pk]  # their own only
    with pytest.raises(Forbidden):
        selectors.area_aggregates(user=scene.wang_user, subdistrict_id=subdistrict)
    with pytest.raises(Forbidden):
        selectors.area_aggregates(
            user=factories.staff(scene.here, role="moderator"), subdistrict_id=subdistrict
        )
    with pytest.raises(NotFound):
        selectors.area_aggregates(user=factories.user(), subdistrict_id=subdistrict)
    with pytest.raises(NotFound):
        selectors.area_aggregates(
            user=factories.admin(scene.here.subdistrict), subdistrict_id=10**9
        )


def test_the_filter_counts_agree_with_the_page_totals(scene, clerk):
    """Whatever the filter, the summary's resident count is the page's total."""
    for params in (
        {},
        {"age_min": "60"},
        {"vehicle": "no"},
        {"building": str(scene.b2.pk), "unit": "2"},
        {"child": "yes", "verified": "no"},
        {"include_left": "yes"},
        {"tenure": "tenant", "age_max": "89"},
    ):
        spec = selectors.filter_from(params)
        found = selectors.ledger_summary(
            user=clerk, neighborhood_id=scene.here.pk, spec=spec, today=TODAY
        )
        page = selectors.resident_page(
            user=clerk, neighborhood_id=scene.here.pk, spec=spec, today=TODAY, page=1
        )
        assert found.residents == page.total == len(page.rows), params
        assert found.households == len({row.household_id for row in page.rows}), params


def test_buildings_are_listed_for_the_filter(scene):
    assert [b.name for b in selectors.buildings(neighborhood_id=scene.here.pk)] == [
        "1号楼",
        "2号楼",
    ]
    assert (
        Building.objects.count() >= 3 and Household.objects.exists() and Resident.objects.exists()
    )
