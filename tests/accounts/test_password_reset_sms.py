"""Issue 17 item 2 and 3: a forgotten password is reset with a code by SMS (allauth's
login-by-code machinery, then /accounts/password/new/), and a change of number is told
to the old number."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.auth.sms import ConsoleBackend
from accounts.models import User
from tests import factories

pytestmark = pytest.mark.django_db

NUMBER = "+8613800138100"


@pytest.fixture(autouse=True)
def _fresh() -> None:
    ConsoleBackend.outbox.clear()
    cache.clear()


def texts_to(number: str) -> list[str]:
    return [m.text for m in ConsoleBackend.outbox if m.to == number]


def last_code(number: str) -> str:
    texts = texts_to(number)
    assert texts, f"no SMS to {number}"
    found = re.search(r"\b(\d{6})\b", texts[-1])
    assert found, texts[-1]
    return found.group(1)


def signed_in_by_code(number: str, typed: str, next_url: str = "") -> Client:
    client = Client()
    data = {"phone": typed}
    query = f"?next={next_url}" if next_url else ""
    asked = client.post(f"/accounts/login/code/{query}", data)
    assert asked.status_code == 302
    confirmed = client.post(f"/accounts/login/code/confirm/{query}", {"code": last_code(number)})
    assert confirmed.status_code == 302
    if next_url:
        assert confirmed["Location"] == next_url
    return client


def test_forgotten_password_is_reset_after_an_sms_code_and_other_sessions_end(
    django_capture_on_commit_callbacks: object,
) -> None:
    user = factories.user("lao_li", phone=NUMBER, phone_verified=True)
    elsewhere = Client()
    elsewhere.force_login(user)
    # Not signed in: the page sends one to get a code first, and back.
    start = Client().get("/accounts/password/new/")
    assert start.status_code == 302
    assert start["Location"] == "/accounts/login/code/?next=%2Faccounts%2Fpassword%2Fnew%2F"

    client = signed_in_by_code(NUMBER, "138 0013 8100", "/accounts/password/new/")
    assert client.get("/accounts/password/new/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        saved = client.post(
            "/accounts/password/new/", {"password1": "梅花三弄-2026", "password2": "梅花三弄-2026"}
        )

    assert saved.status_code == 302 and saved["Location"] == "/me/"
    user.refresh_from_db()
    assert user.check_password("梅花三弄-2026") and not user.check_password(factories.PASSWORD)
    assert client.get("/me/").status_code == 200  # this session stays
    assert elsewhere.get("/me/").status_code == 302  # the others are logged out
    assert "password" in texts_to(NUMBER)[-1] or "密码" in texts_to(NUMBER)[-1]


def test_signed_in_by_password_the_old_password_is_needed() -> None:
    user = factories.user("lao_zhao", phone="+8613800138101", phone_verified=True)
    client = Client()
    client.post("/login/", {"login": "lao_zhao", "password": factories.PASSWORD})
    answer = client.get("/accounts/password/new/")
    assert answer.status_code == 302 and answer["Location"] == "/accounts/password/change/"
    client.post(
        "/accounts/password/new/", {"password1": "x-New-pass-9", "password2": "x-New-pass-9"}
    )
    user.refresh_from_db()
    assert user.check_password(factories.PASSWORD)


@pytest.mark.parametrize(
    ("first", "second", "code"),
    [("梅花三弄-2026", "梅花三弄-2027", "password_mismatch"), ("123", "123", "weak_password")],
)
def test_a_refused_new_password_is_a_400_with_its_code(first: str, second: str, code: str) -> None:
    user = factories.user("lao_wu", phone="+8613800138102", phone_verified=True)
    client = signed_in_by_code("+8613800138102", "13800138102", "/accounts/password/new/")
    answer = client.post("/accounts/password/new/", {"password1": first, "password2": second})
    assert answer.status_code == 400
    assert f'data-error-code="{code}"' in answer.content.decode()
    user.refresh_from_db()
    assert user.check_password(factories.PASSWORD)


def test_an_unknown_number_gets_the_same_answer_and_no_code() -> None:
    known = Client().post("/accounts/login/code/", {"phone": "13800138103"})
    assert known.status_code == 302
    assert not any(re.search(r"\d{6}", text) for text in texts_to("+8613800138103"))
    factories.user("lao_he", phone="+8613800138104", phone_verified=True)
    existing = Client().post("/accounts/login/code/", {"phone": "13800138104"})
    assert existing.status_code == known.status_code
    assert existing["Location"].split("?")[0] == known["Location"].split("?")[0]


def test_asking_for_codes_is_limited_per_number() -> None:
    factories.user("lao_qian", phone="+8613800138105", phone_verified=True)
    answers = [
        Client(REMOTE_ADDR=f"10.0.0.{n}").post("/accounts/login/code/", {"phone": "13800138105"})
        for n in range(1, 6)
    ]
    # From five addresses: "3/m/key" counts the number, whatever the address. The
    # fourth is refused on the form (no redirect to the code page) and texts nothing.
    assert [a.status_code for a in answers] == [302, 302, 302, 200, 200]
    assert len(texts_to("+8613800138105")) == 3


def test_a_change_of_number_is_told_to_the_old_number(
    django_capture_on_commit_callbacks: object,
) -> None:
    old, new = "+8613800138106", "+8613900139106"
    user = factories.user("lao_sun", phone=old, phone_verified=True)
    # Signed in by code just now: allauth asks no reauthentication.
    client = signed_in_by_code(old, "13800138106")
    asked = client.post("/accounts/phone/change/", {"phone": "139 0013 9106"})
    assert asked.status_code == 302 and asked["Location"] == "/accounts/phone/verify/"
    assert texts_to(new), "the new number gets a code"
    user.refresh_from_db()
    assert user.phone == old  # nothing changes before the new number is proved
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        client.post("/accounts/phone/verify/", {"code": last_code(new)})

    user.refresh_from_db()
    assert user.phone == new and user.phone_verified
    notice = texts_to(old)[-1]
    assert "9106" in notice and new not in notice  # the new number, masked
    assert User.objects.filter(phone=old).count() == 0
