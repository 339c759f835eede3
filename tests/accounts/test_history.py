"""History rows keep personal data masked, whichever area writes them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accounts import history, idcard
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_full_id_number_or_phone_never_reaches_a_history_row() -> None:
    place = factories.neighborhood()
    full = idcard.make("310115", dt.date(1950, 5, 1), 12)
    row = history.record(
        actor=None,
        neighborhood_id=place.pk,
        entity="resident",
        entity_id=1,
        action="update",
        before={"id_number": full, "phone": "13812345678", "floor_area": Decimal("72.50")},
        after={"id_number": "31**************2X", "phone": "", "birth_date": dt.date(1950, 5, 1)},
    )
    row.refresh_from_db()
    assert full not in str(row.before) and row.before["id_number"].count("*") == 14
    assert row.before["phone"] == "138****5678" and row.before["floor_area"] == "72.50"
    assert row.after == {"id_number": "31**************2X", "phone": "", "birth_date": "1950-05-01"}
