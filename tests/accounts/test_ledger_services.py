"""Ledger writes: edits with history, new residents, audited reveals, and every error code."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from accounts import idcard, identity
from accounts.ledger import selectors, services
from accounts.models import DataAccess, LedgerChange, Resident
from core.errors import DomainError, Forbidden, NotFound
from tests import factories
from tests.accounts.ledger_scene import TODAY, WANG_ID, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    return build()


@pytest.fixture
def clerk(scene):
    return factories.staff(scene.here, "clerk")


def code_of(call) -> str:
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.render()  # a message for people, too
    return caught.value.code


def no_full_id_number_stored() -> None:
    """No full ID number of anyone in the ledger appears in history or audit rows."""
    numbers = [
        identity.decrypt_id_number(t)
        for t in Resident.objects.values_list("id_number_encrypted", flat=True)
    ]
    rows = json.dumps(
        [list(LedgerChange.objects.values()), list(DataAccess.objects.values())],
        default=str,
        ensure_ascii=False,
    )
    for number in numbers:
        assert number not in rows


# resident_update ---------------------------------------------------------------------------


def test_an_edit_records_only_the_changed_fields_with_the_phone_masked(scene, clerk):
    services.resident_update(
        actor=clerk,
        resident_id=scene.wang.pk,
        changes={
            "real_name": "王建国",  # unchanged
            "phone": "139 0000 2222",
            "vehicles": ["沪a 12345"],
            "tags": ["volunteer"],
        },
        today=TODAY,
    )
    wang = Resident.objects.get(pk=scene.wang.pk)
    assert wang.phone == "13900002222"
    assert wang.vehicles == ["沪A12345"]
    assert wang.tags == ["volunteer"]
    assert wang.updated_at is not None
    change = LedgerChange.objects.get(entity="resident", entity_id=wang.pk)
    assert change.actor == clerk and change.action == "update"
    assert change.neighborhood_id == scene.here.pk
    assert change.before == {
        "phone": "138****5678",
        "vehicles": ["沪A12345", "沪B22222"],
        "tags": [],
    }
    assert change.after == {"phone": "139****2222", "vehicles": ["沪A12345"], "tags": ["volunteer"]}
    assert "13900002222" not in json.dumps(change.after) + json.dumps(change.before)
    no_full_id_number_stored()


def test_nothing_changed_records_nothing(scene, clerk):
    services.resident_update(
        actor=clerk,
        resident_id=scene.wang.pk,
        changes={"real_name": " 王建国 ", "tags": [], "vehicles": ["沪B22222", "沪A12345"][::-1]},
        today=TODAY,
    )
    assert not LedgerChange.objects.exists()


def test_moving_away_is_recorded_as_leave_and_leaves_the_counts(scene, clerk):
    services.resident_update(
        actor=clerk, resident_id=scene.zhao.pk, changes={"left": True}, today=TODAY
    )
    change = LedgerChange.objects.get(entity_id=scene.zhao.pk)
    assert change.action == "leave" and change.before == {"left_at": None}
    assert change.after["left_at"]
    summary = selectors.ledger_summary(
        user=clerk, neighborhood_id=scene.here.pk, spec=selectors.filter_from({}), today=TODAY
    )
    assert summary.residents == 6 and summary.vehicles == 3


def test_coming_back_is_refused_when_the_same_person_lives_here_again(scene, clerk):
    again = factories.person(
        scene.old_alone,
        "孙磊",
        birth=dt.date(1970, 1, 1),
        id_number=identity.decrypt_id_number(scene.sun.id_number_encrypted),
    )
    assert again.id_number_hash == scene.sun.id_number_hash
    assert (
        code_of(
            lambda: services.resident_update(
                actor=clerk, resident_id=scene.sun.pk, changes={"left": False}, today=TODAY
            )
        )
        == "duplicate_resident"
    )
    assert Resident.objects.get(pk=scene.sun.pk).left_at is not None


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"id_number": "x"}, "unknown_field"),
        ({"household": 1}, "unknown_field"),
        ({"real_name": "  "}, "invalid_name"),
        ({"real_name": "王" * 33}, "invalid_name"),
        ({"real_name": 5}, "invalid_name"),
        ({"birth_date": "1980-13-01"}, "invalid_birth_date"),
        ({"birth_date": "1880-01-01"}, "invalid_birth_date"),
        ({"birth_date": 1980}, "invalid_birth_date"),
        ({"birth_date": "2024-06-11"}, "birth_date_in_future"),
        ({"birth_date": "1980-05-02"}, "id_birth_mismatch"),
        ({"phone": "12345"}, "invalid_phone"),
        ({"phone": 13812345678}, "invalid_phone"),
        ({"vehicles": ["A12345"]}, "invalid_plate"),
        ({"vehicles": 5}, "invalid_plate"),
        ({"vehicles": [f"沪A{n:05d}" for n in range(11)]}, "invalid_plate"),
        ({"tags": ["rich"]}, "unknown_tag"),
        ({"tags": 5}, "unknown_tag"),
        ({"guardian_consent": "maybe"}, "invalid"),
        ({"left": 3}, "invalid"),
    ],
)
def test_bad_values_are_refused_with_their_code_and_write_nothing(scene, clerk, changes, code):
    before = Resident.objects.filter(pk=scene.wang.pk).values().get()
    assert (
        code_of(
            lambda: services.resident_update(
                actor=clerk, resident_id=scene.wang.pk, changes=changes, today=TODAY
            )
        )
        == code
    )
    assert Resident.objects.filter(pk=scene.wang.pk).values().get() == before
    assert not LedgerChange.objects.exists()


def test_a_child_needs_consent_for_phone_vehicles_and_tags(scene, clerk):
    for changes in ({"phone": "13800001111"}, {"vehicles": ["沪A11111"]}, {"tags": ["volunteer"]}):
        assert (
            code_of(
                lambda changes=changes: services.resident_update(
                    actor=clerk, resident_id=scene.child.pk, changes=changes, today=TODAY
                )
            )
            == "guardian_consent_required"
        )
    assert not LedgerChange.objects.exists()
    services.resident_update(
        actor=clerk,
        resident_id=scene.child.pk,
        changes={"guardian_consent": True, "tags": ["volunteer"], "phone": "13800001111"},
        today=TODAY,
    )
    child = Resident.objects.get(pk=scene.child.pk)
    assert child.guardian_consent and child.tags == ["volunteer"] and child.phone == "13800001111"


def test_withdrawn_consent_clears_what_it_allowed(scene, clerk):
    Resident.objects.filter(pk=scene.child.pk).update(
        guardian_consent=True, phone="13800001111", tags=["volunteer"]
    )
    services.resident_update(
        actor=clerk, resident_id=scene.child.pk, changes={"guardian_consent": False}, today=TODAY
    )
    child = Resident.objects.get(pk=scene.child.pk)
    assert (child.guardian_consent, child.phone, child.vehicles, child.tags) == (False, "", [], [])
    change = LedgerChange.objects.get(entity_id=child.pk)
    assert change.before == {
        "phone": "138****1111",
        "tags": ["volunteer"],
        "guardian_consent": True,
    }
    assert change.after == {"phone": "", "tags": [], "guardian_consent": False}


def test_a_birth_date_that_makes_a_child_needs_consent_for_what_is_stored(scene, clerk):
    # 王建国's ID says 1980; a child's birth date would disagree with it anyway, so use an
    # adult whose ID number matches a child's date: none, hence the mismatch comes first.
    assert (
        code_of(
            lambda: services.resident_update(
                actor=clerk,
                resident_id=scene.wang.pk,
                changes={"birth_date": "2015-01-01"},
                today=TODAY,
            )
        )
        == "id_birth_mismatch"
    )


def test_adults_need_no_consent(scene, clerk):
    services.resident_update(
        actor=clerk, resident_id=scene.zhao.pk, changes={"tags": ["veteran"]}, today=TODAY
    )
    assert Resident.objects.get(pk=scene.zhao.pk).tags == ["veteran"]


def test_who_may_edit(scene):
    edit = lambda who: services.resident_update(  # noqa: E731
        actor=who, resident_id=scene.wang.pk, changes={"tags": ["veteran"]}, today=TODAY
    )
    with pytest.raises(Forbidden):
        edit(factories.staff(scene.here, role="moderator"))
    with pytest.raises(Forbidden):
        edit(factories.admin(scene.here.subdistrict))
    with pytest.raises(NotFound):
        edit(factories.staff(scene.other))
    with pytest.raises(NotFound):
        edit(factories.resident(scene.other))
    with pytest.raises(NotFound):
        services.resident_update(
            actor=factories.staff(scene.here), resident_id=10**9, changes={}, today=TODAY
        )
    assert Resident.objects.get(pk=scene.wang.pk).tags == []
    edit(factories.staff(scene.here, role="secretary"))
    assert Resident.objects.get(pk=scene.wang.pk).tags == ["veteran"]


# resident_add ------------------------------------------------------------------------------


def test_adding_takes_the_birth_date_from_the_id_number(scene, clerk):
    number = idcard.make("310115", dt.date(1950, 3, 21), 7)
    person = services.resident_add(
        actor=clerk,
        household_id=scene.old_alone.pk,
        real_name=" 张明 ",
        id_number=number.lower(),
        phone="13700001234",
        tags=["key_care"],
        today=TODAY,
    )
    assert person.birth_date == dt.date(1950, 3, 21)
    assert person.real_name == "张明"
    assert person.id_number_masked == identity.mask_id_number(number)
    assert identity.decrypt_id_number(person.id_number_encrypted) == number
    change = LedgerChange.objects.get(entity_id=person.pk)
    assert change.action == "create" and change.before == {}
    assert change.after == {
        "real_name": "张明",
        "id_number": identity.mask_id_number(number),
        "birth_date": "1950-03-21",
        "phone": "137****1234",
        "tags": ["key_care"],
    }
    no_full_id_number_stored()


def test_a_given_birth_date_must_agree_with_the_id_number(scene, clerk):
    number = idcard.make("310115", dt.date(1950, 3, 21), 7)
    add = lambda birth: services.resident_add(  # noqa: E731
        actor=clerk,
        household_id=scene.old_alone.pk,
        real_name="张明",
        id_number=number,
        birth_date=birth,
        today=TODAY,
    )
    assert code_of(lambda: add("1950-03-22")) == "id_birth_mismatch"
    assert code_of(lambda: add("21/03/1950")) == "invalid_birth_date"
    assert add("1950-03-21").birth_date == dt.date(1950, 3, 21)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"id_number": "310115195003210000"}, "malformed_id"),  # bad checksum
        ({"id_number": "31011519500321"}, "malformed_id"),
        ({"id_number": ""}, "malformed_id"),
        ({"id_number": idcard.make("310115", dt.date(2030, 1, 1), 1)}, "birth_date_in_future"),
        ({"real_name": ""}, "invalid_name"),
        ({"phone": "abc"}, "invalid_phone"),
        ({"vehicles": "沪A1"}, "invalid_plate"),
        ({"tags": ["nope"]}, "unknown_tag"),
        ({"id_number": WANG_ID}, "duplicate_resident"),
        (
            {"id_number": idcard.make("310115", dt.date(2016, 2, 29), 3), "phone": "13700001234"},
            "guardian_consent_required",
        ),
    ],
)
def test_adding_refuses_bad_input(scene, clerk, fields, code):
    base = {"real_name": "张明", "id_number": idcard.make("310115", dt.date(1950, 3, 21), 7)}
    count = Resident.objects.count()
    assert (
        code_of(
            lambda: services.resident_add(
                actor=clerk, household_id=scene.old_alone.pk, today=TODAY, **{**base, **fields}
            )
        )
        == code
    )
    assert Resident.objects.count() == count
    assert not LedgerChange.objects.exists()


def test_the_same_person_may_live_in_another_neighborhood_or_come_back(scene, clerk):
    """Duplicates are counted among current residents of this neighborhood only."""
    sun_number = identity.decrypt_id_number(scene.sun.id_number_encrypted)
    person = services.resident_add(
        actor=clerk,
        household_id=scene.old_alone.pk,
        real_name="孙磊",
        id_number=sun_number,
        today=TODAY,
    )
    assert person.id_number_hash == scene.sun.id_number_hash
    far = factories.staff(scene.other)
    services.resident_add(
        actor=far,
        household_id=factories.household(scene.other).pk,
        real_name="王建国",
        id_number=WANG_ID,
        today=TODAY,
    )


def test_a_child_with_consent_may_have_tags(scene, clerk):
    person = services.resident_add(
        actor=clerk,
        household_id=scene.family.pk,
        real_name="王小妹",
        id_number=idcard.make("310115", dt.date(2018, 8, 8), 5),
        tags=["disabled"],
        guardian_consent=True,
        today=TODAY,
    )
    assert person.tags == ["disabled"] and person.guardian_consent


def test_who_may_add(scene):
    add = lambda who: services.resident_add(  # noqa: E731
        actor=who,
        household_id=scene.old_alone.pk,
        real_name="张明",
        id_number=idcard.make("310115", dt.date(1950, 3, 21), 7),
        today=TODAY,
    )
    with pytest.raises(Forbidden):
        add(factories.resident(scene.here))
    with pytest.raises(NotFound):
        add(factories.staff(scene.other))
    with pytest.raises(NotFound):
        services.resident_add(
            actor=factories.staff(scene.here),
            household_id=10**9,
            real_name="张明",
            id_number="x",
        )


# household_update --------------------------------------------------------------------------


def test_household_edits_keep_history(scene, clerk):
    services.household_update(
        actor=clerk, household_id=scene.old_couple.pk, floor_area="52.5", tenure="owner"
    )
    house = type(scene.old_couple).objects.get(pk=scene.old_couple.pk)
    assert str(house.floor_area) == "52.50" and house.tenure == "owner"
    change = LedgerChange.objects.get(entity="household", entity_id=house.pk)
    assert change.before == {"floor_area": "45.00", "tenure": "tenant"}
    assert change.after == {"floor_area": "52.50", "tenure": "owner"}
    services.household_update(actor=clerk, household_id=house.pk, floor_area="52.50")
    assert LedgerChange.objects.count() == 1  # nothing changed the second time


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"floor_area": "0"}, "invalid_area"),
        ({"floor_area": "-5"}, "invalid_area"),
        ({"floor_area": "abc"}, "invalid_area"),
        ({"floor_area": "NaN"}, "invalid_area"),
        ({"floor_area": "10000.01"}, "invalid_area"),
        ({"tenure": "squatter"}, "invalid_tenure"),
        ({"tenure": ""}, "invalid_tenure"),
    ],
)
def test_household_edits_refuse_bad_input(scene, clerk, fields, code):
    assert (
        code_of(
            lambda: services.household_update(actor=clerk, household_id=scene.family.pk, **fields)
        )
        == code
    )
    assert not LedgerChange.objects.exists()


def test_who_may_edit_a_household(scene):
    with pytest.raises(Forbidden):
        services.household_update(
            actor=factories.admin(scene.here.subdistrict),
            household_id=scene.family.pk,
            tenure="owner",
        )
    with pytest.raises(NotFound):
        services.household_update(
            actor=factories.staff(scene.other), household_id=scene.family.pk, tenure="owner"
        )


# resident_reveal ---------------------------------------------------------------------------


def test_a_reveal_returns_the_value_and_writes_the_audit(scene, clerk):
    value = services.resident_reveal(
        actor=clerk, resident_id=scene.wang.pk, field="id_number", reason="  核对 低保  申请 "
    )
    assert value == WANG_ID
    phone = services.resident_reveal(
        actor=clerk, resident_id=scene.wang.pk, field="phone", reason="上门联系"
    )
    assert phone == "13812345678"
    rows = list(DataAccess.objects.order_by("pk"))
    assert [(r.kind, r.field, r.reason, r.actor_id, r.resident_id) for r in rows] == [
        ("reveal", "id_number", "核对 低保 申请", clerk.pk, scene.wang.pk),
        ("reveal", "phone", "上门联系", clerk.pk, scene.wang.pk),
    ]
    assert all(r.neighborhood_id == scene.here.pk for r in rows)
    no_full_id_number_stored()
    assert "13812345678" not in json.dumps(list(DataAccess.objects.values()), default=str)


@pytest.mark.parametrize(
    ("field", "reason", "code"),
    [
        ("id_number", "", "reason_required"),
        ("id_number", " 查 ", "reason_required"),
        ("id_number", None, "reason_required"),
        ("id_number", "很" * 201, "reason_too_long"),
        ("real_name", "核对信息", "invalid_field"),  # shown already; nothing to reveal
        ("id_number_encrypted", "核对信息", "invalid_field"),
    ],
)
def test_a_reveal_needs_a_field_and_a_reason(scene, clerk, field, reason, code):
    assert (
        code_of(
            lambda: services.resident_reveal(
                actor=clerk, resident_id=scene.wang.pk, field=field, reason=reason
            )
        )
        == code
    )
    assert not DataAccess.objects.exists()


def test_who_may_reveal(scene):
    reveal = lambda who: services.resident_reveal(  # noqa: E731
        actor=who, resident_id=scene.wang.pk, field="id_number", reason="核对信息"
    )
    with pytest.raises(Forbidden):
        reveal(factories.staff(scene.here, role="moderator"))
    with pytest.raises(Forbidden):
        reveal(factories.admin(scene.here.subdistrict))
    with pytest.raises(Forbidden):
        reveal(scene.wang_user)  # not even one's own, through the ledger
    with pytest.raises(NotFound):
        reveal(factories.staff(scene.other))
    assert not DataAccess.objects.exists()
    assert reveal(factories.staff(scene.here, role="secretary")) == WANG_ID


# Filters as a domain error -----------------------------------------------------------------


def test_a_bad_filter_is_invalid_filter_naming_the_field():
    from django.utils import translation

    with pytest.raises(DomainError) as caught:
        selectors.filter_from({"age_min": "abc"})
    assert caught.value.code == "invalid_filter" and caught.value.http_status == 400
    with translation.override("zh-hans"):
        assert "年龄" in caught.value.render()
    with translation.override("en"):
        assert caught.value.render() == "Filter “age from” is not a number."
