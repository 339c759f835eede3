"""The page's elder-mode state for base.html: the class on <html> and the one-time offer."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from django.utils import timezone

from accounts.elder.selectors import elder_offer_due
from accounts.models import User


def elder(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"elder_mode": False, "elder_offer": False}
    member = cast(User, user)
    return {
        "elder_mode": member.elder_mode,
        "elder_offer": elder_offer_due(member, timezone.localdate()),
    }
