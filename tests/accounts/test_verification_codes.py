"""Household codes: issue, revoke, redeem with a real name; every refusal has its code,
is logged, and writes nothing else."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import (
    Building,
    Household,
    HouseholdCode,
    IdentityConflict,
    LedgerChange,
    Notification,
    Residency,
    VerificationAttempt,
)
from accounts.verification import codes, selectors, services
from core.errors import DomainError
from realtime.models import Event
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    return factories.neighborhood()


@pytest.fixture
def clerk(place):
    return factories.staff(place)


@pytest.fixture
def house(place):
    house = factories.household(place)
    factories.person(house, "李秀英", birth=dt.date(1950, 2, 3))
    factories.person(house, "张伟", birth=dt.date(1978, 9, 9))
    return house


def refused(expected: str, call, /, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == expected, caught.value.render()
    return caught.value


def outcomes(user) -> list[str]:
    return list(
        VerificationAttempt.objects.filter(user=user)
        .order_by("pk")
        .values_list("outcome", flat=True)
    )


def test_issuing_stores_only_a_hash_and_revokes_the_live_code(clerk, house):
    # given a household with a live code
    first = services.household_code_issue(actor=clerk, household_id=house.pk)
    # when staff issue another, having confirmed the 1 printed letter it voids
    second = services.household_code_issue(actor=clerk, household_id=house.pk, confirm=1)
    # then the first is revoked, the second live, and no code is stored in clear
    first.record.refresh_from_db()
    assert first.record.revoked_at is not None and first.record.revoked_by == clerk
    assert second.record.revoked_at is None
    assert codes.normalise(second.code) == second.code and len(second.code) == 10
    assert second.display == f"{second.code[:5]}-{second.code[5:]}"
    stored = HouseholdCode.objects.get(pk=second.record.pk)
    assert stored.code_hash == services.code_hash(second.code) != second.code
    expected = stored.issued_at + dt.timedelta(days=30)
    assert stored.expires_at == expected


def test_code_days_come_from_settings(clerk, house, settings):
    settings.LINLI_CODE_DAYS = 7
    issued = services.household_code_issue(actor=clerk, household_id=house.pk)
    assert issued.record.expires_at - issued.record.issued_at == dt.timedelta(days=7)


def test_a_building_batch_issues_one_code_per_household(clerk, place):
    building = Building.objects.create(neighborhood=place, name="7号楼")
    for room in ("101", "102", "201"):
        Household.objects.create(
            building=building, unit="", room=room, floor_area=Decimal("60"), tenure="owner"
        )
    factories.household(place)  # another building: not included
    issued = services.building_codes_issue(actor=clerk, building_id=building.pk, confirm=0)
    assert [i.record.household.room for i in issued] == ["101", "102", "201"]
    assert len({i.code for i in issued}) == 3
    assert HouseholdCode.objects.filter(household__building=building, revoked_at=None).count() == 3


def test_staff_elsewhere_cannot_issue_or_revoke(clerk, house):
    outsider = factories.staff(factories.neighborhood())
    refused("not_found", services.household_code_issue, actor=outsider, household_id=house.pk)
    issued = services.household_code_issue(actor=clerk, household_id=house.pk)
    refused("not_found", services.household_code_revoke, actor=outsider, code_id=issued.record.pk)
    moderator = factories.staff(house.building.neighborhood, role="moderator")
    refused("forbidden", services.household_code_issue, actor=moderator, household_id=house.pk)


def test_revoking_twice_is_refused(clerk, house):
    issued = services.household_code_issue(actor=clerk, household_id=house.pk)
    services.household_code_revoke(actor=clerk, code_id=issued.record.pk)
    refused("code_not_live", services.household_code_revoke, actor=clerk, code_id=issued.record.pk)


def test_redeeming_verifies_the_named_resident(clerk, house):
    # given a letter and a user who types the code sloppily
    issued = services.household_code_issue(actor=clerk, household_id=house.pk)
    user = factories.user()
    typed = issued.display.lower().replace("-", " ")
    # when they redeem it with their real name
    residency = services.household_code_redeem(user=user, code=typed, real_name=" 张伟 ")
    # then they are verified as that resident, the household's first representative
    resident = house.residents.get(real_name="张伟")
    assert residency.resident == resident and residency.household == house
    assert residency.is_representative
    user.refresh_from_db()
    assert user.identity_hash == resident.id_number_hash
    issued.record.refresh_from_db()
    assert issued.record.used_by == user and issued.record.used_at is not None
    assert outcomes(user) == ["verified"]
    change = LedgerChange.objects.get(entity="residency", entity_id=residency.pk)
    assert change.action == "verify" and change.actor == user
    assert Notification.objects.get(user=user).kind == "verification"
    assert Event.objects.filter(stream=f"user.{user.pk}", type="notification.created").count() == 1


def test_a_second_member_does_not_take_over_the_representative(clerk, house):
    services.household_code_redeem(
        user=factories.user(),
        code=services.household_code_issue(actor=clerk, household_id=house.pk).code,
        real_name="张伟",
    )
    second = services.household_code_redeem(
        user=factories.user(),
        code=services.household_code_issue(actor=clerk, household_id=house.pk).code,
        real_name="李秀英",
    )
    assert not second.is_representative


def test_unknown_used_and_revoked_codes_are_invalid(clerk, house):
    user = factories.user()
    refused(
        "invalid_code", services.household_code_redeem, user=user, code="nonsense", real_name="张伟"
    )
    refused(
        "invalid_code",
        services.household_code_redeem,
        user=user,
        code="K7QX2-MP4RT",
        real_name="张伟",
    )
    revoked = services.household_code_issue(actor=clerk, household_id=house.pk)
    services.household_code_revoke(actor=clerk, code_id=revoked.record.pk)
    refused(
        "invalid_code",
        services.household_code_redeem,
        user=user,
        code=revoked.code,
        real_name="张伟",
    )
    live = services.household_code_issue(actor=clerk, household_id=house.pk)
    services.household_code_redeem(user=factories.user(), code=live.code, real_name="张伟")
    refused(
        "invalid_code",
        services.household_code_redeem,
        user=user,
        code=live.code,
        real_name="李秀英",
    )
    assert outcomes(user) == ["bad_code", "bad_code", "code_spent", "code_spent"]
    assert not Residency.objects.filter(user=user).exists()


def test_an_expired_code_is_refused(clerk, house):
    issued = services.household_code_issue(actor=clerk, household_id=house.pk)
    HouseholdCode.objects.filter(pk=issued.record.pk).update(expires_at=timezone.now())
    user = factories.user()
    refused(
        "code_expired",
        services.household_code_redeem,
        user=user,
        code=issued.code,
        real_name="张伟",
    )
    assert outcomes(user) == ["code_expired"]


def test_a_wrong_name_is_refused_and_the_code_stays_live(clerk, house):
    issued = services.household_code_issue(actor=clerk, household_id=house.pk)
    user = factories.user()
    refused(
        "name_mismatch",
        services.household_code_redeem,
        user=user,
        code=issued.code,
        real_name="王五",
    )
    issued.record.refresh_from_db()
    assert issued.record.used_at is None
    attempt = VerificationAttempt.objects.get(user=user)
    assert (attempt.outcome, attempt.household_id, attempt.method) == (
        "name_mismatch",
        house.pk,
        "code",
    )


def test_a_name_that_left_the_household_does_not_match(clerk, house):
    house.residents.filter(real_name="张伟").update(left_at=timezone.now())
    issued = services.household_code_issue(actor=clerk, household_id=house.pk)
    refused(
        "name_mismatch",
        services.household_code_redeem,
        user=factories.user(),
        code=issued.code,
        real_name="张伟",
    )


def test_two_residents_of_one_name_are_ambiguous(clerk, house):
    factories.person(house, "张伟", birth=dt.date(2001, 1, 1))
    issued = services.household_code_issue(actor=clerk, household_id=house.pk)
    refused(
        "ambiguous_name",
        services.household_code_redeem,
        user=factories.user(),
        code=issued.code,
        real_name="张伟",
    )


def test_a_verified_user_cannot_redeem_again(clerk, house, place):
    someone = factories.resident(place)
    issued = services.household_code_issue(actor=clerk, household_id=house.pk)
    refused(
        "already_verified",
        services.household_code_redeem,
        user=someone,
        code=issued.code,
        real_name="张伟",
    )
    assert outcomes(someone) == ["already_verified"]


def test_a_second_account_for_one_person_is_refused_and_flagged(clerk, house, place):
    # given 张伟 verified with one account
    first = factories.user()
    services.household_code_redeem(
        user=first,
        code=services.household_code_issue(actor=clerk, household_id=house.pk).code,
        real_name="张伟",
    )
    # when a second account claims 张伟 with a new code
    second = factories.user()
    issued = services.household_code_issue(actor=clerk, household_id=house.pk)
    refused(
        "duplicate_identity",
        services.household_code_redeem,
        user=second,
        code=issued.code,
        real_name="张伟",
    )
    # then nothing changed but the log and a conflict for staff
    issued.record.refresh_from_db()
    assert issued.record.used_at is None
    second.refresh_from_db()
    assert second.identity_hash is None
    conflict = IdentityConflict.objects.get()
    assert (conflict.claimant, conflict.existing_user, conflict.neighborhood) == (
        second,
        first,
        place,
    )
    assert conflict.resident.real_name == "张伟" and conflict.method == "code"
    assert outcomes(second) == ["duplicate_identity"]


def test_an_account_verified_as_one_person_cannot_become_another(clerk, house):
    user = factories.user()
    residency = services.household_code_redeem(
        user=user,
        code=services.household_code_issue(actor=clerk, household_id=house.pk).code,
        real_name="张伟",
    )
    services.residency_end(actor=user, residency_id=residency.pk, reason="")
    issued = services.household_code_issue(actor=clerk, household_id=house.pk)
    refused(
        "identity_mismatch",
        services.household_code_redeem,
        user=user,
        code=issued.code,
        real_name="李秀英",
    )


def test_five_failures_lock_the_user_with_429(clerk, house):
    user = factories.user()
    issued = services.household_code_issue(actor=clerk, household_id=house.pk)
    for _ in range(5):
        refused(
            "name_mismatch",
            services.household_code_redeem,
            user=user,
            code=issued.code,
            real_name="王五",
        )
    # even the right name is refused now
    error = refused(
        "too_many_attempts",
        services.household_code_redeem,
        user=user,
        code=issued.code,
        real_name="张伟",
    )
    assert error.http_status == 429
    assert outcomes(user)[-1] == "locked"
    # a day later the window has passed
    VerificationAttempt.objects.filter(user=user).update(at=timezone.now() - dt.timedelta(hours=25))
    assert services.household_code_redeem(user=user, code=issued.code, real_name="张伟").pk


def test_ten_wrong_names_lock_the_household_for_everyone(clerk, house):
    issued = services.household_code_issue(actor=clerk, household_id=house.pk)
    for _ in range(2):
        guesser = factories.user()
        for _ in range(5):
            refused(
                "name_mismatch",
                services.household_code_redeem,
                user=guesser,
                code=issued.code,
                real_name="王五",
            )
    # a fresh user with the right name is refused while the household is locked
    fresh = factories.user()
    refused(
        "too_many_attempts",
        services.household_code_redeem,
        user=fresh,
        code=issued.code,
        real_name="张伟",
    )
    # other households are not affected
    other = factories.household(house.building.neighborhood)
    factories.person(other, "赵六")
    other_code = services.household_code_issue(actor=clerk, household_id=other.pk)
    assert services.household_code_redeem(user=fresh, code=other_code.code, real_name="赵六").pk


def test_bad_codes_count_against_the_user_but_not_a_household(clerk, house):
    user = factories.user()
    for _ in range(5):
        refused(
            "invalid_code",
            services.household_code_redeem,
            user=user,
            code="ZZZZZZZZZZ",
            real_name="张伟",
        )
    issued = services.household_code_issue(actor=clerk, household_id=house.pk)
    refused(
        "too_many_attempts",
        services.household_code_redeem,
        user=user,
        code=issued.code,
        real_name="张伟",
    )
    assert services.household_code_redeem(
        user=factories.user(), code=issued.code, real_name="张伟"
    ).pk


def test_a_building_reprint_voids_printed_letters_only_once_confirmed_with_their_number(
    clerk, place
):
    """Issue 17: "打印整栋楼的通知信" silently voided letters already printed."""
    building = Building.objects.create(neighborhood=place, name="8号楼")
    houses = [
        Household.objects.create(
            building=building, unit="1", room=room, floor_area=Decimal("60"), tenure="owner"
        )
        for room in ("101", "102", "201", "202")
    ]
    printed = [services.household_code_issue(actor=clerk, household_id=h.pk) for h in houses[:3]]
    HouseholdCode.objects.filter(pk=printed[0].record.pk).update(used_at=timezone.now())
    reprint = selectors.building_reprint(building)
    assert (reprint.households, reprint.voided) == (4, 2)  # the used code voids no letter

    def live() -> set[int]:
        return set(
            HouseholdCode.objects.filter(
                household__building=building, used_at=None, revoked_at=None
            ).values_list("pk", flat=True)
        )

    before = live()
    for confirm, code in ((None, "confirmation_required"), (3, "stale_confirmation")):
        with pytest.raises(DomainError) as caught:
            services.building_codes_issue(actor=clerk, building_id=building.pk, confirm=confirm)
        assert caught.value.code == code
        assert "2" in caught.value.render()  # the number it would void now
        assert live() == before  # nothing re-issued, nothing voided

    issued = services.building_codes_issue(actor=clerk, building_id=building.pk, confirm=2)
    assert len(issued) == 4 and live() == {i.record.pk for i in issued}
    assert selectors.building_reprint(building).voided == 4
