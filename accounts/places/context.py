"""What the header needs on every page: the committee places a user serves."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest

from accounts import access
from accounts.models import Residency, User
from accounts.permissions import Perm


def nav(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "committee_places": access.neighborhoods_with(cast(User, user), Perm.LEDGER_VIEW),
        "verified": Residency.objects.filter(user=user, ended_at__isnull=True).exists(),
    }
