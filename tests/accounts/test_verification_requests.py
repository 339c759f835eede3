"""Requests reviewed by staff: the ledger match at submission, approve, reject, conflicts."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import (
    IdentityConflict,
    LedgerChange,
    Notification,
    Residency,
    VerificationAttempt,
    VerificationRequest,
)
from accounts.verification import services
from core.errors import DomainError
from realtime.models import Event
from tests import factories

pytestmark = pytest.mark.django_db

ID_LI = "31011519500203002X"  # 李秀英: a valid-looking number ending in 002X
ID_ZHANG = "310115197809090018"


@pytest.fixture
def place():
    return factories.neighborhood()


@pytest.fixture
def clerk(place):
    return factories.staff(place)


@pytest.fixture
def house(place):
    house = factories.household(place)
    factories.person(house, "李秀英", birth=dt.date(1950, 2, 3), id_number=ID_LI)
    factories.person(house, "张伟", birth=dt.date(1978, 9, 9), id_number=ID_ZHANG)
    return house


def refused(expected: str, call, /, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == expected, caught.value.render()
    return caught.value


def file(user, house, *, name="李秀英", fragment="03002x", room=None, unit=None, building=None):
    return services.verification_request_create(
        user=user,
        neighborhood_id=house.building.neighborhood_id,
        building_id=building or house.building_id,
        unit=unit if unit is not None else f"{house.unit}单元",
        room=room or house.room,
        real_name=name,
        id_fragment=fragment,
    )


@pytest.mark.parametrize(
    ("name", "fragment", "match", "resident"),
    [
        ("李秀英", "03002x", "full", "李秀英"),
        ("李秀英", "123456", "name_only", "李秀英"),
        ("王五", "03002X", "none", None),
    ],
)
def test_the_ledger_match_is_computed_at_submission(house, name, fragment, match, resident):
    user = factories.user()
    filed = file(user, house, name=name, fragment=fragment)
    assert filed.match == match
    assert (filed.matched_resident.real_name if filed.matched_resident else None) == resident
    assert filed.household == house and filed.status == "pending"
    assert filed.id_fragment_masked == "****" + fragment[-2:].upper()
    assert VerificationAttempt.objects.get(user=user).outcome == "requested"


def test_an_address_outside_the_ledger_has_no_household(house):
    filed = file(factories.user(), house, room="9999")
    assert filed.match == "no_household" and filed.household is None
    assert filed.address_text == "1号楼1单元9999室"


def test_malformed_id_fragments_are_refused_and_logged(house):
    user = factories.user()
    refused("malformed_id", file, user=user, house=house, fragment="12345")
    assert not VerificationRequest.objects.exists()
    assert VerificationAttempt.objects.get(user=user).outcome == "invalid"


def test_a_building_of_another_neighborhood_is_an_invalid_address(house):
    elsewhere = factories.household(factories.neighborhood())
    refused(
        "invalid_address", file, user=factories.user(), house=house, building=elsewhere.building_id
    )


def test_one_pending_request_per_user(house):
    user = factories.user()
    file(user, house)
    refused("already_pending", file, user=user, house=house)
    assert VerificationRequest.objects.count() == 1


def test_a_verified_user_cannot_file(house, place):
    refused("already_verified", file, user=factories.resident(place), house=house)


def test_approving_a_full_match_verifies_and_tells_the_user(clerk, house):
    user = factories.user()
    filed = file(user, house)
    residency = services.verification_request_approve(actor=clerk, request_id=filed.pk)
    assert residency.resident.real_name == "李秀英" and residency.is_representative
    filed.refresh_from_db()
    assert (filed.status, filed.reviewed_by) == ("approved", clerk)
    user.refresh_from_db()
    assert user.identity_hash == residency.resident.id_number_hash
    event = Event.objects.get(stream=f"user.{user.pk}", type="verification.decided")
    assert event.data == {
        "request": filed.pk,
        "status": "approved",
        "reason": "",
        "neighborhood": house.building.neighborhood.name,
        "household_address": house.address,
    }
    assert Notification.objects.filter(user=user, kind="verification").count() == 1
    assert LedgerChange.objects.get(entity="residency", entity_id=residency.pk).actor == clerk


def test_without_a_full_match_staff_must_choose_a_resident_of_that_household(clerk, house, place):
    filed = file(factories.user(), house, fragment="999999")
    refused(
        "resident_required", services.verification_request_approve, actor=clerk, request_id=filed.pk
    )
    stranger = factories.person(factories.household(place), "王五")
    refused(
        "invalid_resident",
        services.verification_request_approve,
        actor=clerk,
        request_id=filed.pk,
        resident_id=stranger.pk,
    )
    li = house.residents.get(real_name="李秀英")
    residency = services.verification_request_approve(
        actor=clerk, request_id=filed.pk, resident_id=li.pk
    )
    assert residency.resident == li


def test_a_request_without_a_household_cannot_be_approved(clerk, house):
    filed = file(factories.user(), house, room="9999")
    refused(
        "no_household",
        services.verification_request_approve,
        actor=clerk,
        request_id=filed.pk,
        resident_id=house.residents.first().pk,
    )
    assert not Residency.objects.filter(user=filed.user).exists()


def test_a_decided_request_cannot_be_decided_again(clerk, house):
    filed = file(factories.user(), house)
    services.verification_request_reject(actor=clerk, request_id=filed.pk, reason="请到居委会核实")
    refused("not_pending", services.verification_request_approve, actor=clerk, request_id=filed.pk)


def test_rejecting_needs_a_reason_and_tells_the_user(clerk, house):
    user = factories.user()
    filed = file(user, house)
    refused(
        "reason_required",
        services.verification_request_reject,
        actor=clerk,
        request_id=filed.pk,
        reason="  ",
    )
    services.verification_request_reject(actor=clerk, request_id=filed.pk, reason="地址不符")
    filed.refresh_from_db()
    assert (filed.status, filed.reason) == ("rejected", "地址不符")
    event = Event.objects.get(stream=f"user.{user.pk}", type="verification.decided")
    assert event.data["status"] == "rejected" and event.data["reason"] == "地址不符"
    # and they may file again
    assert file(user, house).status == "pending"


def test_staff_of_another_place_do_not_see_the_request(clerk, house):
    filed = file(factories.user(), house)
    outsider = factories.staff(factories.neighborhood())
    refused("not_found", services.verification_request_approve, actor=outsider, request_id=filed.pk)
    moderator = factories.staff(house.building.neighborhood, role="moderator")
    refused(
        "forbidden",
        services.verification_request_reject,
        actor=moderator,
        request_id=filed.pk,
        reason="x",
    )


def test_approving_a_person_who_has_an_account_raises_a_conflict(clerk, house, place):
    first = factories.user()
    services.verification_request_approve(actor=clerk, request_id=file(first, house).pk)
    second = factories.user()
    filed = file(second, house)
    refused(
        "duplicate_identity",
        services.verification_request_approve,
        actor=clerk,
        request_id=filed.pk,
    )
    filed.refresh_from_db()
    assert filed.status == "pending"
    conflict = IdentityConflict.objects.get()
    assert (conflict.claimant, conflict.existing_user, conflict.method) == (
        second,
        first,
        "request",
    )
    # staff resolve it with a note
    refused(
        "reason_required",
        services.identity_conflict_resolve,
        actor=clerk,
        conflict_id=conflict.pk,
        note="",
    )
    services.identity_conflict_resolve(actor=clerk, conflict_id=conflict.pk, note="本人换了手机")
    conflict.refresh_from_db()
    assert conflict.resolved_by == clerk and conflict.note == "本人换了手机"
    refused(
        "already_resolved",
        services.identity_conflict_resolve,
        actor=clerk,
        conflict_id=conflict.pk,
        note="x",
    )
    outsider = factories.staff(factories.neighborhood())
    refused(
        "not_found",
        services.identity_conflict_resolve,
        actor=outsider,
        conflict_id=conflict.pk,
        note="x",
    )
