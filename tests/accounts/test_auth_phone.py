"""Accounts a resident makes alone: sign-up and sign-in by mobile number and SMS code
(django-allauth through accounts/auth), the E.164 number, the rate limits per account
and per client address, argon2."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.test import Client

from accounts.auth import phones
from accounts.auth.sms import ConsoleBackend
from accounts.models import User
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh() -> None:
    ConsoleBackend.outbox.clear()
    cache.clear()  # rate limit counters and the per-number SMS cap


def last_code(number: str) -> str:
    texts = [m.text for m in ConsoleBackend.outbox if m.to == number]
    assert texts, f"no SMS to {number}"
    found = re.search(r"\b(\d{6})\b", texts[-1])
    assert found, texts[-1]
    return found.group(1)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("138 0013 8000", "+8613800138000"),
        ("+86 138-0013-8000", "+8613800138000"),
        ("008613800138000", "+8613800138000"),
        ("+8613800138000", "+8613800138000"),
    ],
)
def test_a_mainland_mobile_number_is_read_to_e164_however_typed(typed: str, stored: str) -> None:
    assert phones.e164(typed) == stored


@pytest.mark.parametrize("typed", ["", "12345", "021 6234 5678", "138001380001234", "电话"])
def test_a_landline_or_nonsense_is_no_mobile_number(typed: str) -> None:
    assert phones.e164(typed) is None


def test_a_resident_signs_up_with_a_mobile_number_and_the_sms_code_then_lands_on_verification():
    client = Client()
    # given a new resident who types the number with spaces and no password
    signup = client.post("/accounts/signup/", {"phone": "138 0013 8000", "password1": ""})
    # then a code is texted to the number in E.164 and the page asks for it
    assert signup.status_code == 302 and signup["Location"] == "/accounts/phone/verify/"
    code = last_code("+8613800138000")
    user = User.objects.get(phone="+8613800138000")
    assert not user.phone_verified and not user.has_usable_password()
    assert user.username != user.phone and "138" not in user.username  # never shown
    # when the code is typed
    verified = client.post("/accounts/phone/verify/", {"code": code})
    # then the number is verified and the resident lands on household verification
    assert verified.status_code == 302 and verified["Location"] == "/verify/"
    user.refresh_from_db()
    assert user.phone_verified
    assert client.get("/verify/").status_code == 200


def test_a_wrong_code_does_not_verify_the_number():
    client = Client()
    client.post("/accounts/signup/", {"phone": "13800138001"})
    code = last_code("+8613800138001")
    wrong = "000000" if code != "000000" else "111111"
    answer = client.post("/accounts/phone/verify/", {"code": wrong})
    assert answer.status_code == 200
    assert not User.objects.get(phone="+8613800138001").phone_verified


def test_one_number_is_one_account_whatever_its_spelling():
    factories.user("taken", phone="+8613800138002", phone_verified=True)
    answer = Client().post("/accounts/signup/", {"phone": "+86 138 0013 8002"})
    # enumeration is prevented: the page moves on, but no second account exists
    assert User.objects.filter(phone="+8613800138002").count() == 1
    assert answer.status_code in (200, 302)


def test_sign_in_by_phone_and_sms_code():
    factories.user("linda", phone="+8613800138003", phone_verified=True)
    client = Client()
    asked = client.post("/accounts/login/code/", {"phone": "138 0013 8003"})
    assert asked.status_code == 302 and "/accounts/login/code/confirm/" in asked["Location"]
    code = last_code("+8613800138003")
    signed_in = client.post("/accounts/login/code/confirm/", {"code": code})
    assert signed_in.status_code == 302
    assert client.get("/notifications/").status_code == 200


def test_sign_in_by_phone_and_password_and_by_user_name_on_the_same_form():
    factories.user("mei", phone="+8613800138004", phone_verified=True)
    by_phone = Client()
    answer = by_phone.post("/login/", {"login": "138-0013-8004", "password": factories.PASSWORD})
    assert answer.status_code == 302 and "_auth_user_id" in by_phone.session
    # the demo's and staff's user names, and scripts that post `username`, still work
    by_name = Client()
    answer = by_name.post("/login/", {"username": "mei", "password": factories.PASSWORD})
    assert answer.status_code == 302 and "_auth_user_id" in by_name.session


def test_failed_sign_ins_lock_the_account_for_every_address():
    factories.user("ming", phone="+8613800138005", phone_verified=True)
    for n in range(5):
        Client(REMOTE_ADDR=f"10.0.0.{n}").post(
            "/login/", {"login": "13800138005", "password": "wrong"}
        )
    # the sixth try, right password, from yet another address: refused for the account
    late = Client(REMOTE_ADDR="10.0.0.99")
    answer = late.post("/login/", {"login": "13800138005", "password": factories.PASSWORD})
    assert answer.status_code in (200, 429) and "_auth_user_id" not in late.session


def test_a_spoofed_x_forwarded_for_does_not_reset_the_limit_per_address(settings):
    settings.LINLI_TRUSTED_PROXIES = []  # the peer itself is the client
    codes = [
        Client(REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        .post("/accounts/signup/", {"phone": f"1390013{n:04d}"})
        .status_code
        for n in range(12)
    ]
    # signup is 10/m per address: the eleventh from the same peer is refused whatever
    # the header claims
    assert codes[:10] == [302] * 10 and 429 in codes[10:]


def test_new_passwords_are_hashed_with_argon2_and_old_pbkdf2_hashes_still_verify():
    assert make_password("s3cret-pass").startswith("argon2$")
    old = make_password("s3cret-pass", hasher="pbkdf2_sha256")
    user = factories.user("old")
    User.objects.filter(pk=user.pk).update(password=old)
    client = Client()
    client.post("/login/", {"login": "old", "password": "s3cret-pass"})
    assert "_auth_user_id" in client.session
    user.refresh_from_db()
    assert user.password.startswith("argon2$")  # upgraded on sign-in
    assert check_password("s3cret-pass", user.password)
