"""The ledger's history rows (LedgerChange): one way to write them, for every area.

Values are stored as people should see them later: phones and ID numbers masked whoever
passes them in, dates as ISO text, decimals as strings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from accounts import identity
from accounts.models import LedgerChange, User


def _shown_value(name: str, value: Any) -> Any:
    if name == "phone":
        return identity.mask_phone(value) if value else ""
    if name == "id_number" and isinstance(value, str) and value and "*" not in value:
        return identity.mask_id_number(value)  # a full number never reaches history
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, list):
        return list(value)
    if isinstance(value, bool | int | str) or value is None:
        return value
    return str(value)  # Decimal and the like


def shown(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _shown_value(name, value) for name, value in values.items()}


def change(
    *,
    actor: User | None,
    neighborhood_id: int,
    entity: str,
    entity_id: int,
    action: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    at: dt.datetime | None = None,
) -> LedgerChange:
    """An unsaved row (for bulk_create)."""
    return LedgerChange(
        neighborhood_id=neighborhood_id,
        actor=actor,
        at=at or timezone.now(),
        entity=entity,
        entity_id=entity_id,
        action=action,
        before=shown(before),
        after=shown(after),
    )


def record(**fields: Any) -> LedgerChange:
    """Write one row; takes the arguments of change()."""
    row = change(**fields)
    row.save()
    return row


__all__ = ["change", "record", "shown"]
