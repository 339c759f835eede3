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
