"""长辈模式 (elder mode): remembered per account (not per browser), set by a POST, applied
as class="elder" on <html>, and offered once, on sign-in, to residents over 60 in the ledger."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Residency, User
from tests import factories

pytestmark = pytest.mark.django_db

OFFER = "elder-offer"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def resident_born(years_ago: int) -> User:
    """A verified resident whose ledger person is `years_ago` years old today."""
    place = factories.neighborhood()
    house = factories.household(place)
    today = timezone.localdate()
    person = factories.person(house, "张阿婆", birth=today.replace(year=today.year - years_ago))
    account = factories.user(display_name="张阿婆")
    Residency.objects.create(
        user=account, household=house, resident=person, verified_at=timezone.now()
    )
    return account


def test_a_resident_over_60_is_offered_elder_mode_once() -> None:
    # Given a resident who turned 60 today, signed in
    old = signed_in(resident_born(60))
    # Then the first page offers elder mode
    page = old.get("/").content.decode()
    assert OFFER in page and "开启长辈模式" in page and 'class="elder"' not in page
    # When they say "not now"
    answer = old.post("/settings/elder-mode/", {"on": "0", "next": "/notifications/"})
    # Then they go back where they were, and are not asked again
    assert answer.status_code == 302 and answer["Location"] == "/notifications/"
    assert OFFER not in old.get("/").content.decode()


def test_a_younger_resident_and_an_unverified_user_are_not_offered_it() -> None:
    assert OFFER not in signed_in(resident_born(59)).get("/").content.decode()
    assert OFFER not in signed_in(factories.user()).get("/").content.decode()
    assert OFFER not in Client().get("/").content.decode()


def test_elder_mode_is_remembered_per_account_in_every_browser() -> None:
    account = resident_born(72)
    # When it is turned on from one browser (the offer's "yes")
    signed_in(account).post("/settings/elder-mode/", {"on": "1"})
    # Then another browser, with no local storage of its own, shows the page in elder mode
    page = signed_in(account).get("/").content.decode()
    assert '<html lang="zh-CN" class="elder">' in page
    assert 'aria-pressed="true"' in page and OFFER not in page
    # And it can be turned off again
    signed_in(account).post("/settings/elder-mode/", {"on": "0"})
    assert 'class="elder"' not in signed_in(account).get("/").content.decode()


def test_the_setting_takes_a_post_from_a_signed_in_user_and_no_foreign_redirect() -> None:
    account = factories.user()
    assert signed_in(account).get("/settings/elder-mode/").status_code == 405
    anonymous = Client().post("/settings/elder-mode/", {"on": "1"})
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    away = signed_in(account).post(
        "/settings/elder-mode/", {"on": "1", "next": "https://evil.example/"}
    )
    assert away["Location"] == "/"
    account.refresh_from_db()
    assert account.elder_mode and account.elder_mode_offered
