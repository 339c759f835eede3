"""The confirmation every irreversible or mass action asks for, in numbers.

The page (or client) first shows what the action will do, counted by a selector: "voids 24
printed letters", "sends to 130 households". The request then carries that number back, and
the service counts again under its lock: no number, nothing done (`confirmation_required`);
a number that no longer holds, nothing done either (`stale_confirmation`), because the
people agreed to something else than what would happen now.
"""

from __future__ import annotations

from django.utils.functional import Promise

from core.errors import Invalid


def require_confirmed(
    count: int,
    confirm: int | None,
    *,
    required: str | Promise,
    stale: str | Promise,
    params: dict[str, object],
) -> None:
    """Raise unless `confirm` is the `count` the service just found; the messages are
    formatted with `params` (which carry today's numbers, so the person can look again)."""
    if confirm is None:
        raise Invalid(required, code="confirmation_required", params=params)
    if confirm != count:
        raise Invalid(stale, code="stale_confirmation", params=params)
