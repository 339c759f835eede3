"""allauth's login stages, with one change: an account that has no phone number (staff
and demo accounts made by the committee or `seed_demo`) signs in with its user name and
password as before. allauth would stop it, since sign-up requires a phone."""

from __future__ import annotations

from typing import Any

from allauth.account import stages
from allauth.account.adapter import get_adapter


class PhoneVerificationStage(stages.PhoneVerificationStage):
    def handle(self) -> Any:
        user = self.login.user
        if user is not None and get_adapter().get_phone(user) is None:
            return None, True
        return super().handle()
