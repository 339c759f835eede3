"""Builders shared by the outreach tests: households of the ledger with or without accounts."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.models import Household, Neighborhood, Residency, Resident, User
from tests import factories

OLD = dt.date(1930, 3, 1)  # 90+ in any year these tests run
YOUNG = dt.date(1990, 3, 1)


def member(house: Household, person: Resident, username: str | None = None) -> User:
    """A verified account for a resident of the ledger."""
    account = factories.user(username, display_name=person.real_name)
    Residency.objects.create(
        user=account, household=house, resident=person, verified_at=timezone.now()
    )
    return account


def house_with(
    place: Neighborhood, *, births: tuple[dt.date, ...], accounts: int = 0, phone: str = ""
) -> tuple[Household, list[User]]:
    """A household with residents born on `births`; the first `accounts` of them verified."""
    house = factories.household(place)
    users = []
    for i, birth in enumerate(births):
        person = factories.person(house, f"居民{house.pk}-{i}", birth=birth, phone=phone)
        if i < accounts:
            users.append(member(house, person))
    return house, users


def many_households(
    place: Neighborhood, count: int, *, members: int = 2, silent_every: int = 10
) -> int:
    """`count` households of 90-year-olds in bulk; every `silent_every`th has no account,
    the others `members` verified members. Returns the number of members."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import Building

    building = Building.objects.create(neighborhood=place, name=f"{place.pk}号楼")
    houses = Household.objects.bulk_create(
        [
            Household(building=building, unit="1", room=str(n), floor_area="60", tenure="owner")
            for n in range(count)
        ]
    )
    people = Resident.objects.bulk_create(
        [
            Resident(
                household=house,
                real_name=f"老人{house.pk}-{i}",
                birth_date=OLD,
                id_number_encrypted="x",
                id_number_hash=f"h{house.pk}-{i}",
                id_number_masked="3101**********0000",
            )
            for house in houses
            for i in range(members)
        ]
    )
    password = make_password("x")
    verified = [p for n, p in enumerate(people) if (n // members) % silent_every != 0]
    users = User.objects.bulk_create(
        [User(username=f"m{place.pk}-{p.pk}", password=password) for p in verified]
    )
    now = timezone.now()
    Residency.objects.bulk_create(
        [
            Residency(user=u, household_id=p.household_id, resident=p, verified_at=now)
            for u, p in zip(users, verified, strict=True)
        ]
    )
    return len(users)
