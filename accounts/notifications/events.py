"""Payloads on `user.<id>`, the user's own stream (pure: no Django).

- `notification.created`: NotificationPayload
  {id, kind, title, body, url, created_at, outreach, acknowledged}.
- `notification.acknowledged`: {id, outreach} — the member said 收到 (another tab updates).
"""

from __future__ import annotations

from typing import TypedDict

NOTIFICATION_CREATED = "notification.created"
NOTIFICATION_ACKNOWLEDGED = "notification.acknowledged"


class NotificationPayload(TypedDict):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: str
    outreach: int | None
    acknowledged: bool


class AcknowledgedPayload(TypedDict):
    id: int
    outreach: int | None


def user_stream(user_id: int) -> str:
    return f"user.{user_id}"
