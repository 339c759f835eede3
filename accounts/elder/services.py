"""The one write of elder mode: turning it on or off, which also answers the offer."""

from __future__ import annotations

from accounts.models import User


def elder_mode_set(*, user: User, on: bool) -> None:
    user.elder_mode = on
    user.elder_mode_offered = True
    user.save(update_fields=["elder_mode", "elder_mode_offered"])
