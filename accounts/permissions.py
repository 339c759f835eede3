"""What each role may do at the place it is granted. Pure: the table, not the lookup.

Roles are granted per place (accounts.models.RoleGrant). Committee roles act on their own
neighborhood; admins of a subdistrict or district act on the neighborhoods below it, and
see aggregates, never a resident's personal data. Residents hold no ledger permission:
they are members by verified residency (accounts.access.is_member).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Perm(StrEnum):
    LEDGER_VIEW = "ledger.view"  # households and residents, masked
    LEDGER_EDIT = "ledger.edit"
    LEDGER_REVEAL = "ledger.reveal"  # one ID number or phone, with a reason, audited
    LEDGER_IMPORT = "ledger.import"
    LEDGER_EXPORT = "ledger.export"  # masked spreadsheets, audited
    LEDGER_EXPORT_FULL = "ledger.export_full"  # unmasked spreadsheets, with a reason, audited
    CODES_ISSUE = "codes.issue"  # household codes: issue, print, revoke
    VERIFICATION_REVIEW = "verification.review"  # the review queue, conflicts, ending residencies
    REPRESENTATIVE_CHANGE = "representative.change"
    OUTREACH_SEND = "outreach.send"  # segments and notices, their reach, door-visit lists
    AGGREGATES_VIEW = "aggregates.view"  # counts only
    ROLES_MANAGE = "roles.manage"
    BALLOT_MANAGE = "ballot.manage"  # ballots: create, open, close, paper entry, objections
    ROOM_MANAGE = "room.manage"  # deliberation rooms: open, chair, close, post the minutes


_COMMITTEE = frozenset(
    {
        Perm.LEDGER_VIEW,
        Perm.LEDGER_EDIT,
        Perm.LEDGER_REVEAL,
        Perm.LEDGER_IMPORT,
        Perm.LEDGER_EXPORT,
        Perm.CODES_ISSUE,
        Perm.VERIFICATION_REVIEW,
        Perm.REPRESENTATIVE_CHANGE,
        Perm.OUTREACH_SEND,
        Perm.AGGREGATES_VIEW,
        Perm.BALLOT_MANAGE,
        Perm.ROOM_MANAGE,
    }
)

# Keys are the values of accounts.models.Role.
NEIGHBORHOOD_ROLES: dict[str, frozenset[Perm]] = {
    "staff": _COMMITTEE,
    "secretary": _COMMITTEE | {Perm.LEDGER_EXPORT_FULL, Perm.ROLES_MANAGE},
    "moderator": frozenset({Perm.ROOM_MANAGE}),  # chairs rooms; no ledger access
}
ABOVE_ROLES: dict[str, frozenset[Perm]] = {
    "admin": frozenset({Perm.AGGREGATES_VIEW, Perm.ROLES_MANAGE}),
}

# What reads residents' personal data (names, ID numbers, phones, addresses of people):
# the ledger, the verification queue and letters, outreach lists, paper ballots.
PERSONAL_DATA = frozenset(
    {
        Perm.LEDGER_VIEW,
        Perm.LEDGER_EDIT,
        Perm.LEDGER_REVEAL,
        Perm.LEDGER_IMPORT,
        Perm.LEDGER_EXPORT,
        Perm.LEDGER_EXPORT_FULL,
        Perm.CODES_ISSUE,
        Perm.VERIFICATION_REVIEW,
        Perm.REPRESENTATIVE_CHANGE,
        Perm.OUTREACH_SEND,
        Perm.BALLOT_MANAGE,  # electors by address, signed paper forms
    }
)
# The neighborhood roles that carry it: granting one is told to the place's secretaries and
# the admins above, and none is ever held by an admin above the place.
PERSONAL_DATA_ROLES = frozenset(
    role for role, perms in NEIGHBORHOOD_ROLES.items() if perms & PERSONAL_DATA
)


def perms_of(*, neighborhood_roles: Iterable[str], above_roles: Iterable[str]) -> frozenset[Perm]:
    """The permissions at a neighborhood from the roles held there and at places above it.

    Admins see aggregates only: an admin above the place gains nothing from a committee
    role that reads personal data, however that grant came about (an operator's edit, a
    grant older than the rule), so their own appointments can never open the ledger.
    """
    above = list(above_roles)
    admin_above = "admin" in above
    granted: set[Perm] = set()
    for role in neighborhood_roles:
        if admin_above and role in PERSONAL_DATA_ROLES:
            continue
        granted |= NEIGHBORHOOD_ROLES.get(role, frozenset())
    for role in above:
        granted |= ABOVE_ROLES.get(role, frozenset())
    return frozenset(granted)


def roles_with(perm: Perm) -> tuple[frozenset[str], frozenset[str]]:
    """(neighborhood roles, above roles) that carry `perm`: for querying places by perm."""
    return (
        frozenset(role for role, perms in NEIGHBORHOOD_ROLES.items() if perm in perms),
        frozenset(role for role, perms in ABOVE_ROLES.items() if perm in perms),
    )
