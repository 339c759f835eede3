"""Payloads the verification slice publishes.

`verification.decided` on `user.<id>`: staff approved or rejected the user's request.
It carries no ID number and no code.
"""

from __future__ import annotations

from typing import TypedDict

from accounts.models import VerificationRequest

DECIDED = "verification.decided"


class DecidedPayload(TypedDict):
    request: int
    status: str  # "approved" | "rejected"
    reason: str
    neighborhood: str
    household_address: str


def decided(request: VerificationRequest) -> DecidedPayload:
    household = request.household
    return {
        "request": request.pk,
        "status": request.status,
        "reason": request.reason,
        "neighborhood": request.neighborhood.name,
        "household_address": household.address if household is not None else request.address_text,
    }
