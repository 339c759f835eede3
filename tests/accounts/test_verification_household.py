"""Moving out and the household representative."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import LedgerChange, Residency
from accounts.verification import services
from core.errors import DomainError
from tests import factories

pytestmark = pytest.mark.django_db


def refused(expected: str, call, /, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == expected, caught.value.render()
    return caught.value


@pytest.fixture
def place():
    return factories.neighborhood()


@pytest.fixture
def clerk(place):
    return factories.staff(place)


def verified(clerk, house, name: str, birth: dt.date = dt.date(1970, 1, 1)):
    factories.person(house, name, birth=birth)
    user = factories.user(display_name=name[0] + "先生")
    code = services.household_code_issue(actor=clerk, household_id=house.pk).code
    services.household_code_redeem(user=user, code=code, real_name=name)
    return user, Residency.objects.get(user=user, ended_at=None)


@pytest.fixture
def family(clerk, place):
    house = factories.household(place)
    mother, mother_res = verified(clerk, house, "李秀英", dt.date(1950, 2, 3))
    son, son_res = verified(clerk, house, "张伟", dt.date(1978, 9, 9))
    today = timezone.localdate()
    child, child_res = verified(clerk, house, "张小宝", today.replace(year=today.year - 12))
    return house, {"mother": mother_res, "son": son_res, "child": child_res}


def test_moving_out_ends_the_residency_and_the_person_may_verify_elsewhere(clerk, place, family):
    house, members = family
    son = members["son"]
    ended = services.residency_end(actor=son.user, residency_id=son.pk, reason="")
    assert ended.ended_at is not None and not ended.is_representative
    change = LedgerChange.objects.get(entity="residency", entity_id=son.pk, action="end")
    assert change.after["by_self"] is True and change.before["ended_at"] is None
    refused("already_ended", services.residency_end, actor=son.user, residency_id=son.pk, reason="")
    # the account keeps its identity, and verifies in a new home as the same person
    son.user.refresh_from_db()
    identity = son.user.identity_hash
    assert identity
    new_place = factories.neighborhood()
    new_home = factories.household(new_place)
    resident = factories.person(new_home, "张伟")
    resident.id_number_hash = identity
    resident.save(update_fields=["id_number_hash"])
    new_clerk = factories.staff(new_place)
    code = services.household_code_issue(actor=new_clerk, household_id=new_home.pk).code
    again = services.household_code_redeem(user=son.user, code=code, real_name="张伟")
    assert again.household == new_home and again.is_representative


def test_when_the_representative_moves_out_the_longest_verified_member_takes_over(clerk, family):
    _house, members = family
    mother = members["mother"]
    assert mother.is_representative
    services.residency_end(actor=mother.user, residency_id=mother.pk, reason="搬走了")
    assert Residency.objects.get(pk=members["son"].pk).is_representative


def test_staff_end_a_residency_with_a_reason(clerk, family):
    _house, members = family
    son = members["son"]
    refused("reason_required", services.residency_end, actor=clerk, residency_id=son.pk, reason="")
    services.residency_end(actor=clerk, residency_id=son.pk, reason="已搬离")
    assert LedgerChange.objects.get(entity_id=son.pk, action="end").actor == clerk


def test_neighbors_and_outsiders_cannot_end_a_residency(family, place):
    _house, members = family
    neighbor = factories.resident(place)
    refused(
        "forbidden",
        services.residency_end,
        actor=neighbor,
        residency_id=members["son"].pk,
        reason="x",
    )
    outsider = factories.staff(factories.neighborhood())
    refused(
        "not_found",
        services.residency_end,
        actor=outsider,
        residency_id=members["son"].pk,
        reason="x",
    )


def test_an_adult_member_changes_the_representative(family):
    house, members = family
    son = members["son"]
    services.representative_change(actor=son.user, household_id=house.pk, user_id=son.user_id)
    assert Residency.objects.get(pk=son.pk).is_representative
    assert not Residency.objects.get(pk=members["mother"].pk).is_representative
    change = LedgerChange.objects.get(
        entity="household", entity_id=house.pk, action="representative"
    )
    assert change.before == {"representative": members["mother"].user_id}
    assert change.after == {"representative": son.user_id}


def test_a_child_cannot_change_the_representative(family):
    house, members = family
    child = members["child"]
    refused(
        "forbidden",
        services.representative_change,
        actor=child.user,
        household_id=house.pk,
        user_id=child.user_id,
    )


def test_staff_change_the_representative_but_only_to_an_active_member(clerk, family, place):
    house, members = family
    services.representative_change(
        actor=clerk, household_id=house.pk, user_id=members["child"].user_id
    )
    assert Residency.objects.get(pk=members["child"].pk).is_representative
    stranger = factories.resident(place)
    refused(
        "not_a_member",
        services.representative_change,
        actor=clerk,
        household_id=house.pk,
        user_id=stranger.pk,
    )
    services.residency_end(actor=clerk, residency_id=members["son"].pk, reason="搬走")
    refused(
        "not_a_member",
        services.representative_change,
        actor=clerk,
        household_id=house.pk,
        user_id=members["son"].user_id,
    )


def test_adults_of_another_household_cannot_change_it(family, place):
    house, members = family
    neighbor = factories.resident(place)
    refused(
        "forbidden",
        services.representative_change,
        actor=neighbor,
        household_id=house.pk,
        user_id=members["son"].user_id,
    )
    outsider = factories.resident(factories.neighborhood())
    refused(
        "not_found",
        services.representative_change,
        actor=outsider,
        household_id=house.pk,
        user_id=members["son"].user_id,
    )
