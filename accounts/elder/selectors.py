"""Who is offered elder mode: a signed-in user whose verified residency names a person of
60 or over in the ledger, who has not answered the offer yet."""

from __future__ import annotations

import datetime as dt

from accounts.ledger.filters import age_on
from accounts.models import Residency, User

OFFER_AGE = 60  # the MIIT norms' 老年人 and the ledger's own threshold of 老人


def elder_offer_due(user: User, today: dt.date) -> bool:
    if user.elder_mode or user.elder_mode_offered:
        return False
    births = Residency.objects.filter(user=user, ended_at__isnull=True).values_list(
        "resident__birth_date", flat=True
    )
    return any(birth is not None and age_on(birth, today) >= OFFER_AGE for birth in births)
