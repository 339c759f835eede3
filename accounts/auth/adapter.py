"""What allauth leaves to the project: where a phone number lives (User.phone, E.164,
unique), how a code is texted (accounts.auth.sms), where a new account goes next
(verification), and which address a rate limit counts."""

from __future__ import annotations

import secrets
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.fields import PhoneField
from django import forms
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.auth import phones, sms
from accounts.models import User


def e164(text: str) -> str | None:
    return phones.e164(text, settings.LINLI_PHONE_REGION)


class MobileField(PhoneField):
    """A mainland mobile number as people type it, cleaned to E.164."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Mobile number"))
        kwargs["validators"] = []
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"placeholder": _("e.g. 138 0013 8000"), "inputmode": "tel", "maxlength": "32"}
        )

    def clean(self, value: Any) -> str:
        value = forms.CharField.clean(self, value)
        if not value:
            return str(value or "")
        number = e164(str(value))
        if number is None:
            raise forms.ValidationError(
                _("Enter a mobile number, e.g. 138 0013 8000."), code="invalid_phone"
            )
        return number


def notify_number_changed(old: str, new: str) -> None:
    text = gettext(
        "[Linli] The mobile number of your account was changed to %(number)s. If this was"
        " not you, call your neighborhood committee."
    ) % {"number": phones.masked(new)}
    sms.send(old, text)


class AccountAdapter(DefaultAccountAdapter):
    def phone_form_field(self, **kwargs: Any) -> Any:
        return MobileField(**kwargs)

    def set_phone(self, user: AbstractBaseUser, phone: str, verified: bool) -> None:
        assert isinstance(user, User)
        number = e164(phone) or phone
        before = User.objects.filter(pk=user.pk).values_list("phone", flat=True).first()
        user.phone = number
        user.phone_verified = verified
        user.save(update_fields=["phone", "phone_verified"])
        if before and before != number:
            # A change of number (allauth's /accounts/phone/change/: reauthentication
            # first, then a code to the new number). The old number is told rather than
            # asked to confirm: the common reason to change is a lost or given-up SIM,
            # and a confirmation there would lock that person out; the notice still lets
            # the real owner of a hijacked account react (and call the committee).
            transaction.on_commit(lambda: notify_number_changed(before, number))

    def get_phone(self, user: AbstractBaseUser) -> tuple[str, bool] | None:
        assert isinstance(user, User)
        return (user.phone, user.phone_verified) if user.phone else None

    def set_phone_verified(self, user: AbstractBaseUser, phone: str) -> None:
        self.set_phone(user, phone, True)

    def get_user_by_phone(self, phone: str) -> AbstractBaseUser | None:
        number = e164(phone)
        if number is None:
            return None
        return User.objects.filter(phone=number, is_active=True).first()

    def send_verification_code_sms(
        self, user: AbstractBaseUser, phone: str, code: str, **kwargs: Any
    ) -> None:
        text = gettext(
            "[Linli] Your code is %(code)s. It is valid for %(minutes)s minutes;"
            " never tell it to anyone."
        ) % {"code": code, "minutes": 15}
        sms.send(e164(phone) or phone, text)

    def populate_username(self, request: HttpRequest, user: AbstractBaseUser) -> None:
        """A random login name: never the phone number, which neighbors must not see."""
        assert isinstance(user, User)
        if not user.username:
            user.username = "r" + secrets.token_hex(6)

    def get_login_stages(self) -> list[str]:
        return [
            "accounts.auth.stages.PhoneVerificationStage"
            if stage == "allauth.account.stages.PhoneVerificationStage"
            else stage
            for stage in super().get_login_stages()
        ]

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        # A new account can do little before it is verified as a resident.
        return reverse("verify")

    def get_client_ip(self, request: HttpRequest) -> str:
        """REMOTE_ADDR as config/forwarded.py resolved it: X-Forwarded-For counts only
        from LINLI_TRUSTED_PROXIES, so a client cannot reset its own limits."""
        address = request.META.get("REMOTE_ADDR")
        if not address:
            raise PermissionDenied("Unable to determine client IP address")
        return str(address)
