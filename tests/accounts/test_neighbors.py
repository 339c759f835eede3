"""Picking a neighbor by name and address (accounts/neighbors.py, issue 17): only those a
form may choose, found by part of a name or the address as written on a door, shown with
the masked real name and the address, never a phone, an ID number or a login name."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import RoleGrant
from accounts.neighbors import LIMIT, eligible_neighbors
from tests import factories
from tests.second_factor import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def street():
    place = factories.neighborhood("昌里第五")
    three = factories.building(place, "3号楼")
    five = factories.building(place, "5号楼")
    wang = factories.verified(factories.household_in(three), "王秀英")
    li = factories.verified(factories.household_in(five), "李建国")
    # not offered: a child, one whose residency ended, a disabled account, one elsewhere
    child_home = factories.household_in(three)
    child = factories.user(display_name="王小宝")
    kid = factories.person(
        child_home, "王小宝", birth=timezone.localdate() - dt.timedelta(days=3650)
    )
    child.residencies.create(household=child_home, resident=kid, verified_at=timezone.now())
    gone = factories.verified(factories.household_in(three), "王离开")
    gone.residencies.update(ended_at=timezone.now())
    off = factories.verified(factories.household_in(three), "王停用")
    off.is_active = False
    off.save()
    factories.resident(factories.neighborhood("云台第一"), name="王别处")
    return place, wang, li


def names(found) -> list[str]:
    return [n.name for n in found]


def test_found_by_part_of_a_name_or_by_the_address(street) -> None:
    place, wang, li = street
    actor = factories.verified(factories.household_in(factories.building(place, "7号楼")), "赵")
    assert names(eligible_neighbors(actor, place.pk, "王")) == ["王秀英"]
    assert names(eligible_neighbors(actor, place.pk, "秀英")) == ["王秀英"]
    house = li.residencies.get().household
    assert names(eligible_neighbors(actor, place.pk, f"5号楼 {house.room}室")) == ["李建国"]
    assert names(eligible_neighbors(actor, place.pk, f"{house.unit}单元，{house.room}")) == [
        "李建国"
    ]
    assert names(eligible_neighbors(actor, place.pk, "3号楼")) == ["王秀英"]
    assert eligible_neighbors(actor, place.pk, "") == []  # nobody listed without a search
    assert eligible_neighbors(actor, place.pk, "   ") == []


def test_what_is_shown_is_masked(street) -> None:
    place, wang, _li = street
    actor = factories.verified(factories.household_in(factories.building(place, "7号楼")), "赵")
    (found,) = eligible_neighbors(actor, place.pk, "王")
    assert found.user_id == wang.pk
    assert found.masked_real_name == "王**"
    assert found.address == wang.residencies.get().household.address
    assert wang.username not in repr(found)


def test_oneself_and_outsiders(street) -> None:
    place, wang, _li = street
    assert eligible_neighbors(wang, place.pk, "王") == []  # not oneself
    stranger = factories.resident(factories.neighborhood("云台第二"), name="钱")
    assert eligible_neighbors(stranger, place.pk, "王") == []  # not a member here
    staff = factories.staff(place)
    assert names(eligible_neighbors(staff, place.pk, "王")) == ["王秀英"]


def test_a_search_lists_at_most_the_limit(street) -> None:
    place, _wang, _li = street
    building = factories.building(place, "9号楼")
    for n in range(LIMIT + 3):
        factories.verified(factories.household_in(building), f"孙{n}")
    assert len(eligible_neighbors(factories.staff(place), place.pk, "9号楼")) == LIMIT


def test_the_roles_page_grants_to_a_neighbor_picked_by_name(street) -> None:
    place, wang, _li = street
    secretary = factories.staff(place, role="secretary")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    sign_in(client, secretary)
    page = client.get(f"/committee/{place.pk}/roles/", {"who": "王"}).content.decode()
    assert f'name="user_id" value="{wang.pk}"' in page and "王**" in page
    assert wang.username not in page
    client.post(f"/committee/{place.pk}/roles/", {"user_id": str(wang.pk), "role": "moderator"})
    assert RoleGrant.objects.get(user=wang).role == "moderator"
