"""The staff pages of verification at the size of a real committee: the codes page lists
buildings (with counts) and one building's households at a time, the review queue pages by
50, and each page costs a fixed number of queries however many rows there are."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Building, Household, HouseholdCode, IdentityConflict, Neighborhood, User
from accounts.verification import selectors, services
from tests import factories

pytestmark = pytest.mark.django_db


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def building(place: Neighborhood, name: str) -> Building:
    return Building.objects.create(neighborhood=place, name=name)


def home(where: Building, room: str) -> Household:
    return Household.objects.create(
        building=where, unit="1", room=room, floor_area=Decimal("60.00"), tenure="owner"
    )


def grow(place: Neighborhood, clerk: User, buildings: int, per_building: int) -> None:
    """Buildings whose households have a live, a used (verified) and an expired code, and
    one pending request each."""
    for b in range(buildings):
        where = building(place, f"{100 + Building.objects.count()}号楼")
        for r in range(per_building):
            house = home(where, f"{b}{r:02d}")
            factories.person(house, "王五")
            issued = services.household_code_issue(actor=clerk, household_id=house.pk)
            if r % 3 == 1:
                services.household_code_redeem(
                    user=factories.user(), code=issued.code, real_name="王五"
                )
            elif r % 3 == 2:
                HouseholdCode.objects.filter(pk=issued.record.pk).update(
                    expires_at=timezone.now() - dt.timedelta(days=1)
                )
            services.verification_request_create(
                user=factories.user(),
                neighborhood_id=place.pk,
                building_id=where.pk,
                unit=house.unit,
                room=house.room,
                real_name="王五",
                id_fragment="000000",
            )


@pytest.fixture
def place():
    return factories.neighborhood()


@pytest.fixture
def clerk(place):
    return factories.staff(place)


def test_each_building_shows_its_households_and_codes_counted(place, clerk):
    # given a building with a live, a used and an expired code, a household whose member
    # moved out, and an empty building; and a household of another neighborhood
    tower = building(place, "8号楼")
    live, used, expired, left = (home(tower, room) for room in ("101", "102", "103", "104"))
    for house in (live, used, expired, left):
        factories.person(house, "李雷")
    services.household_code_issue(actor=clerk, household_id=live.pk)
    code = services.household_code_issue(actor=clerk, household_id=used.pk).code
    services.household_code_redeem(user=factories.user(), code=code, real_name="李雷")
    old = services.household_code_issue(actor=clerk, household_id=expired.pk)
    HouseholdCode.objects.filter(pk=old.record.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    mover = factories.user()
    code = services.household_code_issue(actor=clerk, household_id=left.pk).code
    residency = services.household_code_redeem(user=mover, code=code, real_name="李雷")
    services.residency_end(actor=mover, residency_id=residency.pk)
    empty = building(place, "9号楼")
    elsewhere = factories.neighborhood()
    services.household_code_issue(
        actor=factories.staff(elsewhere), household_id=factories.household(elsewhere).pk
    )

    # when the committee opens the codes page
    rows = {row.building.pk: row for row in selectors.codes_buildings(place.pk)}
    html = login(clerk).get(f"/committee/{place.pk}/codes/").content.decode()

    # then each building of this neighborhood is counted, and only those
    assert set(rows) == {tower.pk, empty.pk}
    counted = rows[tower.pk]
    assert (counted.households, counted.live_codes, counted.used_codes) == (4, 1, 2)
    assert counted.verified_households == 1  # the one who moved out no longer counts
    assert (rows[empty.pk].households, rows[empty.pk].live_codes) == (0, 0)
    assert '<dd data-count="households">4</dd>' in html
    assert '<dd data-count="verified">1</dd>' in html and "有效户码" in html  # Chinese
    # and the whole-building button is there for the building with households only
    assert f'data-building="{tower.pk}"' in html and f'data-building="{empty.pk}"' not in html


def test_the_selectors_cost_the_same_for_one_building_or_many(
    place, clerk, django_assert_num_queries
):
    grow(place, clerk, buildings=1, per_building=2)
    first = Building.objects.filter(neighborhood=place).get()
    with django_assert_num_queries(1):
        selectors.codes_buildings(place.pk)
    with django_assert_num_queries(3):  # the building, its households, their codes
        selectors.codes_of_building(place.pk, first.pk)
    with django_assert_num_queries(3):  # count, rows, the households' residents
        list(selectors.pending_page(place.pk, 1))

    grow(place, clerk, buildings=4, per_building=6)
    with django_assert_num_queries(1):
        assert len(selectors.codes_buildings(place.pk)) == 5
    biggest = Building.objects.filter(neighborhood=place).order_by("-pk").first()
    with django_assert_num_queries(3):
        row = selectors.codes_of_building(place.pk, biggest.pk)
    assert len(row.households) == 6
    assert [h.household.address for h in row.households]  # the address needs no query
    with django_assert_num_queries(3):
        assert len(list(selectors.pending_page(place.pk, 1))) == 26


def _cost(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_each_page_costs_a_fixed_number_of_queries(place, clerk, django_assert_num_queries):
    # given a small neighborhood, and what each staff page costs there
    grow(place, clerk, buildings=1, per_building=2)
    staff = login(clerk)
    first = Building.objects.filter(neighborhood=place).get()
    urls = [
        f"/committee/{place.pk}/codes/",
        f"/committee/{place.pk}/codes/?building={first.pk}",
        f"/committee/{place.pk}/verification/",
    ]
    small = [_cost(staff, url) for url in urls]

    # when it grows to more buildings, households, codes and requests
    grow(place, clerk, buildings=4, per_building=6)
    biggest = Building.objects.filter(neighborhood=place).order_by("-pk").first()
    urls[1] = f"/committee/{place.pk}/codes/?building={biggest.pk}"

    # then every page costs the same
    for url, expected in zip(urls, small, strict=True):
        with django_assert_num_queries(expected):
            assert staff.get(url).status_code == 200


def test_a_buildings_page_of_another_place_or_a_malformed_id_is_not_found(place, clerk):
    staff = login(clerk)
    foreign = factories.household(factories.neighborhood()).building_id
    for raw in (str(foreign), "abc", "1.5", "9" * 30, "-1"):
        response = staff.get(f"/committee/{place.pk}/codes/", {"building": raw})
        assert response.status_code == 404, raw


def test_revoking_on_a_buildings_page_comes_back_to_it(place, clerk):
    house = factories.household(place)
    issued = services.household_code_issue(actor=clerk, household_id=house.pk)
    response = login(clerk).post(
        f"/committee/{place.pk}/codes/{issued.record.pk}/revoke/",
        {"building": house.building_id},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/committee/{place.pk}/codes/?building={house.building_id}"
    assert HouseholdCode.objects.get(pk=issued.record.pk).revoked_at is not None


def _file(place: Neighborhood, house) -> None:
    services.verification_request_create(
        user=factories.user(),
        neighborhood_id=place.pk,
        building_id=house.building_id,
        unit=house.unit,
        room=house.room,
        real_name="王五",
        id_fragment="000000",
    )


def test_the_review_queue_pages_by_50_oldest_first(place, clerk):
    # given 51 pending requests
    house = factories.household(place)
    for _ in range(51):
        _file(place, house)
    staff = login(clerk)

    # when staff page through the queue
    first = staff.get(f"/committee/{place.pk}/verification/").content.decode()
    second = staff.get(f"/committee/{place.pk}/verification/?page=2").content.decode()

    # then the first page holds 50, the second the newest one, with links between them
    assert first.count("data-request=") == 50 and second.count("data-request=") == 1
    assert 'href="?page=2" rel="next"' in first and 'href="?page=1" rel="prev"' in second
    assert 'data-count="pending"' in first and "51 条申请待审核" in first
    # and a page number that is not one is the first or the last page, never an error
    for raw, expected in (("abc", 50), ("0", 1), ("999", 1), ("9" * 30, 1)):
        page = staff.get(f"/committee/{place.pk}/verification/", {"page": raw})
        assert page.status_code == 200 and page.content.decode().count("data-request=") == expected


def test_the_queue_api_pages_by_50(place, clerk):
    house = factories.household(place)
    for _ in range(51):
        _file(place, house)
    staff = api(clerk)
    url = f"/api/v1/neighborhoods/{place.pk}/verification-requests/"
    body = staff.get(url).json()
    assert body["count"] == 51 and len(body["results"]) == 50 and body["next"].endswith("page=2")
    assert len(staff.get(url, {"page": 2}).json()["results"]) == 1
    missing = staff.get(url, {"page": 3})
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_open_conflicts_show_the_oldest_50_and_the_total(place, clerk):
    house = factories.household(place)
    resident = factories.person(house, "王五")
    existing = factories.user()
    now = timezone.now()
    IdentityConflict.objects.bulk_create(
        IdentityConflict(
            neighborhood=place,
            claimant=factories.user(),
            existing_user=existing,
            resident=resident,
            method="code",
            created_at=now + dt.timedelta(seconds=i),
        )
        for i in range(52)
    )
    html = login(clerk).get(f"/committee/{place.pk}/verification/").content.decode()
    assert html.count("data-conflict=") == 50 and 'data-count="conflicts"' in html
    body = api(clerk).get(f"/api/v1/neighborhoods/{place.pk}/identity-conflicts/")
    assert body.json()["count"] == 52 and len(body.json()["results"]) == 50
