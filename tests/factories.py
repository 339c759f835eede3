"""Small builders for test data: real rows, no mocks."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts import idcard
from accounts.models import (
    Building,
    District,
    Household,
    Neighborhood,
    Owner,
    Ownership,
    Residency,
    Resident,
    RoleGrant,
    Subdistrict,
    User,
)
from forum.models import Board

PASSWORD = "test-pass-123"
_HASH: list[str] = []
_counter = itertools.count(1)


def neighborhood(name: str | None = None) -> Neighborhood:
    district, _ = District.objects.get_or_create(name="浦东新区")
    subdistrict, _ = Subdistrict.objects.get_or_create(district=district, name="周家渡街道")
    return Neighborhood.objects.create(
        subdistrict=subdistrict, name=name or f"居民区{next(_counter)}"
    )


def household(place: Neighborhood, *, area: str = "72.50", tenure: str = "owner") -> Household:
    building, _ = Building.objects.get_or_create(neighborhood=place, name="1号楼")
    return Household.objects.create(
        building=building,
        unit="1",
        room=str(next(_counter)),
        floor_area=Decimal(area),
        tenure=tenure,
    )


def user(username: str | None = None, **fields: object) -> User:
    if not _HASH:
        _HASH.append(make_password(PASSWORD))
    return User.objects.create(
        username=username or f"user{next(_counter)}", password=_HASH[0], **fields
    )


def resident(place: Neighborhood, username: str | None = None, *, name: str = "王小明") -> User:
    """A user verified as living in a new household of `place`."""
    account = user(username, display_name=name)
    house = household(place)
    person = Resident(household=house, real_name=name, birth_date=dt.date(1980, 5, 1))
    person.set_id_number(idcard.make("310115", person.birth_date, next(_counter)))
    person.save()
    Residency.objects.create(
        user=account, household=house, resident=person, verified_at=timezone.now()
    )
    return account


def staff(place: Neighborhood, username: str | None = None, role: str = "staff") -> User:
    account = user(username)
    RoleGrant.objects.create(user=account, role=role, neighborhood=place)
    return account


def board(place: Neighborhood, name: str = "邻里互助") -> Board:
    return Board.objects.create(neighborhood=place, name=name)


def person(
    house: Household,
    name: str = "王小明",
    *,
    birth: dt.date = dt.date(1980, 5, 1),
    id_number: str | None = None,
    **fields: object,
) -> Resident:
    """A resident of the ledger (no account). The ID number is valid unless given."""
    someone = Resident(household=house, real_name=name, birth_date=birth, **fields)
    someone.set_id_number(id_number or idcard.make("310115", birth, next(_counter)))
    someone.save()
    return someone


def admin(subdistrict: Subdistrict, username: str | None = None) -> User:
    account = user(username)
    RoleGrant.objects.create(user=account, role="admin", subdistrict=subdistrict)
    return account


def owner(
    house: Household,
    name: str = "李业主",
    *,
    of: Owner | None = None,
    birth: dt.date = dt.date(1970, 3, 1),
) -> Owner:
    """Make `house` owned by a new owner (or by `of`, who then owns several units)."""
    if of is None:
        of = Owner(neighborhood=house.building.neighborhood, real_name=name)
        of.set_id_number(idcard.make("310115", birth, next(_counter)))
        of.save()
    Ownership.objects.create(household=house, owner=of)
    return of


def building(place: Neighborhood, name: str | None = None) -> Building:
    return Building.objects.create(neighborhood=place, name=name or f"{next(_counter)}号楼")


def household_in(bldg: Building, *, area: str = "72.50", tenure: str = "owner") -> Household:
    return Household.objects.create(
        building=bldg, unit="1", room=str(next(_counter)), floor_area=Decimal(area), tenure=tenure
    )


def verified(house: Household, name: str = "王小明", *, representative: bool = True) -> User:
    """A verified adult account living in `house` (its representative unless told)."""
    account = user(display_name=name)
    someone = person(house, name)
    Residency.objects.create(
        user=account,
        household=house,
        resident=someone,
        is_representative=representative,
        verified_at=timezone.now(),
    )
    account.identity_hash = someone.id_number_hash
    account.save(update_fields=["identity_hash"])
    return account
