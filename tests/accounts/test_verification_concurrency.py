"""Two people racing one household code on PostgreSQL: exactly one wins."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from accounts.models import HouseholdCode, IdentityConflict, Residency, VerificationAttempt
from accounts.verification import services
from core.errors import DomainError
from tests import factories

THREADS = 4


@pytest.mark.usefixtures("postgres", "transactional_db")
def test_threads_redeeming_one_code_at_once_make_exactly_one_residency():
    # given one household with one live code, and several accounts that hold the letter
    place = factories.neighborhood()
    house = factories.household(place)
    factories.person(house, "张伟")
    issued = services.household_code_issue(actor=factories.staff(place), household_id=house.pk)
    users = [factories.user() for _ in range(THREADS)]
    start = threading.Barrier(THREADS)
    results: dict[int, str] = {}

    def redeem(user) -> None:
        try:
            start.wait()
            services.household_code_redeem(user=user, code=issued.code, real_name="张伟")
            results[user.pk] = "verified"
        except DomainError as exc:
            results[user.pk] = exc.code
        finally:
            connections.close_all()

    # when they all redeem it at the same moment
    threads = [threading.Thread(target=redeem, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    # then one is verified and the others are told the code is used
    assert sorted(results.values()) == ["invalid_code"] * (THREADS - 1) + ["verified"]
    winner = next(pk for pk, outcome in results.items() if outcome == "verified")
    assert list(Residency.objects.values_list("user_id", flat=True)) == [winner]
    assert HouseholdCode.objects.get(pk=issued.record.pk).used_by_id == winner
    # and every attempt is in the log
    assert VerificationAttempt.objects.filter(outcome="code_spent").count() == THREADS - 1
    assert VerificationAttempt.objects.filter(outcome="verified").count() == 1


def _race(calls: list) -> list[str]:
    """Run the calls at the same moment, each on its own connection; their outcomes."""
    start = threading.Barrier(len(calls))
    results: list[str] = ["?"] * len(calls)

    def run(i: int) -> None:
        try:
            start.wait()
            calls[i]()
            results[i] = "verified"
        except DomainError as exc:
            results[i] = exc.code
        except Exception as exc:  # a 500 in the making: report it, do not hide it
            results[i] = f"crash: {exc!r}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.usefixtures("postgres", "transactional_db")
def test_one_user_guessing_in_parallel_gets_no_more_than_the_limit():
    # given one account firing 12 wrong codes at the same moment
    user = factories.user()
    attempts = 12

    # when they all arrive together
    results = _race(
        [
            lambda: services.household_code_redeem(user=user, code="ZZZZZZZZZZ", real_name="张伟")
            for _ in range(attempts)
        ]
    )

    # then exactly the limit (5) is tried and the rest are refused as too many
    assert sorted(results) == ["invalid_code"] * 5 + ["too_many_attempts"] * (attempts - 5)
    assert VerificationAttempt.objects.filter(user=user, outcome="bad_code").count() == 5
    assert VerificationAttempt.objects.filter(user=user, outcome="locked").count() == attempts - 5


@pytest.mark.usefixtures("postgres", "transactional_db")
def test_many_accounts_guessing_one_households_names_in_parallel_get_no_more_than_the_limit():
    # given a household's letter in the hands of 12 accounts that guess names at once
    place = factories.neighborhood()
    house = factories.household(place)
    factories.person(house, "张伟")
    code = services.household_code_issue(actor=factories.staff(place), household_id=house.pk).code
    guessers = [factories.user() for _ in range(12)]

    results = _race(
        [
            lambda u=u: services.household_code_redeem(user=u, code=code, real_name="李四")
            for u in guessers
        ]
    )

    # then the household's limit (10) holds
    assert sorted(results) == ["name_mismatch"] * 10 + ["too_many_attempts"] * 2
    assert (
        VerificationAttempt.objects.filter(household=house, outcome="name_mismatch").count() == 10
    )


@pytest.mark.usefixtures("postgres", "transactional_db")
def test_two_accounts_claiming_one_person_at_once_make_one_success_and_one_conflict():
    # given one person listed in two households (moved, the old row not yet cleared), a
    # live code for each, and two accounts, one holding each letter
    place = factories.neighborhood()
    clerk = factories.staff(place)
    old, new = factories.household(place), factories.household(place)
    for house in (old, new):
        factories.person(house, "张伟", id_number="310115197809090018")
    letters = [services.household_code_issue(actor=clerk, household_id=h.pk) for h in (old, new)]
    first, second = factories.user(), factories.user()

    # when both redeem at the same moment
    results = _race(
        [
            lambda: services.household_code_redeem(
                user=first, code=letters[0].code, real_name="张伟"
            ),
            lambda: services.household_code_redeem(
                user=second, code=letters[1].code, real_name="张伟"
            ),
        ]
    )

    # then one is verified, the other refused as a duplicate, flagged to staff; no crash
    assert sorted(results) == ["duplicate_identity", "verified"]
    assert Residency.objects.filter(ended_at__isnull=True).count() == 1
    winner = Residency.objects.get().user
    loser = second if winner == first else first
    loser.refresh_from_db()
    assert loser.identity_hash is None
    conflict = IdentityConflict.objects.get()
    assert (conflict.claimant, conflict.existing_user) == (loser, winner)
    assert VerificationAttempt.objects.filter(user=loser, outcome="duplicate_identity").count() == 1
