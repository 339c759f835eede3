"""Two people racing one household code on PostgreSQL: exactly one wins."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from accounts.models import HouseholdCode, Residency, VerificationAttempt
from accounts.verification import services
from config.errors import DomainError
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
