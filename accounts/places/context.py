"""What the header and the tab bar need on every page: the committee places a user serves,
whether they are verified, and which tab the page belongs to (marked aria-current)."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest

from accounts import access
from accounts.models import Residency, User
from accounts.permissions import Perm

# The tab of each page, by URL name; a page not listed marks no tab.
TABS = {
    "home": "home",
    "board": "home",
    "topic": "home",
    "topic_new": "home",
    "my_rooms": "rooms",
    "room": "rooms",
    "room_minutes": "rooms",
    "my_ballots": "ballots",
    "ballot": "ballots",
    "ballot_record": "ballots",
    "notifications": "notifications",
    "me": "me",
    "household": "me",
    "verify": "me",
    "verify_request": "me",
}


def current_tab(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return TABS.get(match.url_name or "", "") if match is not None else ""


def nav(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "committee_places": access.neighborhoods_with(cast(User, user), Perm.LEDGER_VIEW),
        "verified": Residency.objects.filter(user=user, ended_at__isnull=True).exists(),
        "nav_tab": current_tab(request),
    }
