"""Payloads the outreach slice publishes.

The member's `notification.created` and `notification.acknowledged` on `user.<id>`:
accounts/notifications/events.py.

On `outreach.<id>` (staff of its neighborhood):
- `outreach.progress`: {published, total} — live notifications sent so far.
- `outreach.delivered`: {published, total, delivered_at}.
- `outreach.counts`: OutreachCounts — after a member read or acknowledged the notice.
"""

from __future__ import annotations

from typing import TypedDict

PROGRESS = "outreach.progress"
DELIVERED = "outreach.delivered"
COUNTS = "outreach.counts"


class OutreachCounts(TypedDict):
    households: int  # matched by the selection
    reached: int  # with at least one verified member, so notified (覆盖)
    read: int  # a member opened the notice
    acknowledged: int  # a member said 收到 (已收到)
    not_reached: int  # no verified account: a door visit is needed (未触达)
    members: int  # verified members notified
    members_acknowledged: int
    published: int  # live notifications sent so far


class ProgressPayload(TypedDict):
    published: int
    total: int


class DeliveredPayload(TypedDict):
    published: int
    total: int
    delivered_at: str


def outreach_stream(outreach_id: int) -> str:
    return f"outreach.{outreach_id}"
