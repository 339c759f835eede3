"""Password reset by SMS code, on allauth's login-by-code machinery.

allauth 65 resets passwords by email only (ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED sends the
code to an email address; our accounts have a mobile number and no email). So the reset is
the smallest flow on what already guards sign-in by code: "forgot your password?" asks for
a login code (/accounts/login/code/: rate limits per number and per address, the same
answer whether or not the number has an account, a random six-digit code kept server-side,
used once, a few attempts, 15 minutes), and a session that has just proved the number that
way may set a new password here without the old one. Any other session changes its
password with the old one (allauth's /accounts/password/change/).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.auth import phones, sms
from accounts.models import User
from core.errors import Forbidden, Invalid

# How long after typing the SMS code a new password may be set without the old one.
FRESH_CODE = dt.timedelta(minutes=10)


def code_proof_is_fresh(
    records: Iterable[Mapping[str, object]], user: User, now: dt.datetime
) -> bool:
    """Whether this session proved `user`'s current number by SMS code within FRESH_CODE
    (allauth's authentication records of the session)."""
    for record in records:
        at, phone = record.get("at"), record.get("phone")
        if (
            record.get("method") == "code"
            and isinstance(phone, str)
            and user.phone is not None
            and phones.e164(phone) == user.phone
            and isinstance(at, int | float)
            and now - dt.datetime.fromtimestamp(at, dt.UTC) <= FRESH_CODE
        ):
            return True
    return False


def password_reset_by_code(*, user: User, fresh: bool, password: object, again: object) -> None:
    """Set a new password for a session that just proved the number by SMS code.

    Raises Forbidden code_required; Invalid password_required, password_mismatch,
    weak_password (Django's validators' own messages)."""
    if not fresh or not user.phone:
        raise Forbidden(
            _("Please confirm your mobile number with a code first."), code="code_required"
        )
    if not isinstance(password, str) or not password:
        raise Invalid(_("Please type a new password."), code="password_required")
    if password != again:
        raise Invalid(_("The two passwords are not the same."), code="password_mismatch")
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise Invalid(" ".join(exc.messages), code="weak_password") from None
    number = user.phone
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        # Other sessions end by themselves: their auth hash no longer matches.
        text = gettext(
            "[Linli] The password of your account was changed. If this was not you, log in"
            " with a code by SMS and change it, or call your neighborhood committee."
        )
        transaction.on_commit(lambda: sms.send(number, text))
