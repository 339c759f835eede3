"""Mark a staff actor as having passed the second factor, the way allauth does it.

A real TOTP authenticator is created through allauth's own API, and the session gets the
authentication record allauth writes when a code is accepted (method "mfa"), so the gate in
accounts/auth/mfa.py sees exactly what it sees after a real sign-in. Not a mock: the gate,
allauth's record reader and the session store all run."""

from __future__ import annotations

import time
from typing import Any

from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from allauth.mfa.utils import decrypt
from django.test import Client
from django.urls import reverse

from accounts.auth import mfa
from accounts.models import User

USER_KEY = "account_authentication_methods_user"  # allauth's, read by its record reader


def enable_totp(user: User) -> Authenticator:
    found = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return found or TOTP.activate(user, generate_totp_secret()).instance


def pass_second_factor(client: Client, user: User, *, ago: float = 0.0) -> Authenticator:
    """Log `user` in on `client` (if not already) with TOTP on and passed `ago` seconds ago."""
    authenticator = enable_totp(user)
    if client.session.get("_auth_user_id") != str(user.pk):
        client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "mfa", "at": time.time() - ago, "id": authenticator.pk, "type": "totp"}
    ]
    session[USER_KEY] = str(user.pk)
    session.save()
    return authenticator


def sign_in(client: Client, user: User) -> Client:
    """Log in as staff do: a role that needs the second factor has passed it just now.

    For the tests of everything else behind the gate (the permission matrices, the pages);
    the gate itself is tested in tests/accounts/test_mfa_gate.py."""
    client.force_login(user)
    if mfa.required_for(user):
        pass_second_factor(client, user)
    return client


def totp_now(secret: str, *, not_this: str = "") -> str:
    """The code an authenticator app shows now (RFC 6238, allauth's own HOTP); with
    `not_this`, waits for the next period, as allauth refuses a code used once."""
    while True:
        code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
        if code != not_this:
            return code
        time.sleep(1)


def totp_secret(user: User) -> str:
    """The secret of the user's authenticator app (made if none), as the app holds it."""
    return str(decrypt(enable_totp(user).data["secret"]))


def pass_second_factor_in_browser(page: Any, base: str, user: User) -> None:
    """In a logged-in browser page: type the app's code at allauth's reauthenticate step."""
    from tests.conftest import off_the_loop  # Playwright's loop runs in this thread

    secret = off_the_loop(totp_secret, user)
    page.goto(f"{base}{reverse('mfa_reauthenticate')}")
    page.fill("#id_code", totp_now(secret))
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
