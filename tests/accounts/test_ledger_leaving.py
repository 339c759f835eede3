"""Marking someone as moved away in the ledger ends their account's residency too."""

from __future__ import annotations

import pytest

from accounts import access
from accounts.ledger import services
from accounts.models import LedgerChange, Residency
from accounts.verification.services import household_code_issue, household_code_redeem
from tests import factories

pytestmark = pytest.mark.django_db


def test_moved_away_in_the_ledger_means_no_longer_verified_here() -> None:
    place = factories.neighborhood()
    staff = factories.staff(place)
    account = factories.resident(place, "leaving")
    residency = Residency.objects.get(user=account)
    person = residency.resident
    assert access.is_verified_resident(account, place.pk)

    services.resident_update(actor=staff, resident_id=person.pk, changes={"left": True})

    residency.refresh_from_db()
    assert residency.ended_at is not None and not residency.is_representative
    assert not access.is_verified_resident(account, place.pk)
    actions = set(LedgerChange.objects.values_list("entity", "action"))
    assert {("resident", "leave"), ("residency", "end")} <= actions

    # The same person verifies at the new address with the same account.
    new_home = factories.household(place)
    moved = factories.person(new_home, person.real_name, birth=person.birth_date)
    moved.id_number_hash = person.id_number_hash
    moved.save(update_fields=["id_number_hash"])
    code = household_code_issue(actor=staff, household_id=new_home.pk).code
    again = household_code_redeem(user=account, code=code, real_name=person.real_name)
    assert again.household_id == new_home.pk


def test_a_resident_without_an_account_just_leaves() -> None:
    place = factories.neighborhood()
    staff = factories.staff(place)
    person = factories.person(factories.household(place), "王奶奶")
    services.resident_update(actor=staff, resident_id=person.pk, changes={"left": True})
    person.refresh_from_db()
    assert person.left_at is not None
    assert not LedgerChange.objects.filter(entity="residency").exists()
