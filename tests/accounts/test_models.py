from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Household, Residency, RoleGrant
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_database_refuses_what_the_domain_forbids() -> None:
    place = factories.neighborhood()
    house = factories.household(place)
    with pytest.raises(IntegrityError), transaction.atomic():
        Household.objects.create(
            building=house.building,
            unit=house.unit,
            room=house.room,
            floor_area=Decimal("50"),
            tenure="owner",
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.household(place, area="0")
    account = factories.resident(place)
    with pytest.raises(IntegrityError), transaction.atomic():  # one active residency
        Residency.objects.create(user=account, household=house, verified_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():  # a role at exactly one place
        RoleGrant.objects.create(
            user=account, role="staff", neighborhood=place, subdistrict=place.subdistrict
        )
    with pytest.raises(IntegrityError), transaction.atomic():  # admins sit above neighborhoods
        RoleGrant.objects.create(user=account, role="admin", neighborhood=place)


def test_the_address_reads_like_a_shanghai_address() -> None:
    house = factories.household(factories.neighborhood())
    assert house.address == f"1号楼1单元{house.room}室"
