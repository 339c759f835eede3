"""The role table and "may this user do this here" for every role, here and elsewhere."""

from __future__ import annotations

import pytest

from accounts import access, permissions
from accounts.permissions import Perm
from core.errors import Forbidden, NotFound
from tests.accounts.conftest import ROLES, Cast

pytestmark = pytest.mark.django_db

COMMITTEE = {"staff_here", "secretary_here"}
EXPECTED: dict[Perm, set[str]] = {
    Perm.LEDGER_VIEW: COMMITTEE,
    Perm.LEDGER_EDIT: COMMITTEE,
    Perm.LEDGER_REVEAL: COMMITTEE,
    Perm.LEDGER_IMPORT: COMMITTEE,
    Perm.LEDGER_EXPORT: COMMITTEE,
    Perm.LEDGER_EXPORT_FULL: {"secretary_here"},
    Perm.CODES_ISSUE: COMMITTEE,
    Perm.VERIFICATION_REVIEW: COMMITTEE,
    Perm.REPRESENTATIVE_CHANGE: COMMITTEE,
    Perm.OUTREACH_SEND: COMMITTEE,
    Perm.AGGREGATES_VIEW: COMMITTEE | {"admin_above"},
    Perm.ROLES_MANAGE: {"secretary_here", "admin_above"},
    Perm.BALLOT_MANAGE: COMMITTEE,
    Perm.ROOM_MANAGE: COMMITTEE | {"moderator_here"},
}


def test_the_table_covers_every_permission() -> None:
    assert set(EXPECTED) == set(Perm)


@pytest.mark.parametrize("perm", list(Perm))
@pytest.mark.parametrize("who", ROLES)
def test_may_answers_per_role_and_place(cast: Cast, perm: Perm, who: str) -> None:
    user = cast.people[who]
    assert access.may(user, perm, cast.here.pk) is (who in EXPECTED[perm])
    # Nobody in the cast holds anything at the other neighborhood but its own staff.
    at_other = who == "staff_other" and perm in permissions.NEIGHBORHOOD_ROLES["staff"]
    at_other = at_other or (who == "admin_above" and perm in permissions.ABOVE_ROLES["admin"])
    assert access.may(user, perm, cast.other.pk) is at_other


def test_require_hides_the_place_from_non_members_and_forbids_members(cast: Cast) -> None:
    with pytest.raises(NotFound):
        access.require(cast.people["resident_other"], Perm.LEDGER_VIEW, cast.here.pk)
    with pytest.raises(Forbidden):
        access.require(cast.people["resident_here"], Perm.LEDGER_VIEW, cast.here.pk)
    with pytest.raises(NotFound):
        access.require(cast.people["staff_here"], Perm.LEDGER_VIEW, 10**9)
    access.require(cast.people["staff_here"], Perm.LEDGER_VIEW, cast.here.pk)


def test_places_by_permission(cast: Cast) -> None:
    assert access.neighborhoods_with(cast.people["staff_here"], Perm.LEDGER_VIEW) == [cast.here]
    assert access.neighborhoods_with(cast.people["admin_above"], Perm.LEDGER_VIEW) == []
    assert access.neighborhoods_with(cast.people["admin_above"], Perm.AGGREGATES_VIEW) == [
        cast.here,
        cast.other,
    ]
    assert access.neighborhoods_with(cast.people["resident_here"], Perm.LEDGER_VIEW) == []
