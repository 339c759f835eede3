from accounts.models.ledger import AccessKind, DataAccess, LedgerAction, LedgerChange, LedgerEntity
from accounts.models.notifications import Notification, NotificationKind
from accounts.models.outreach import (
    DoorVisit,
    Outreach,
    OutreachHousehold,
    Segment,
    VisitAssignment,
    VisitOutcome,
)
from accounts.models.owners import Owner, Ownership
from accounts.models.people import Residency, Resident, ResidentTag, Role, RoleGrant, User
from accounts.models.places import Building, District, Household, Neighborhood, Subdistrict, Tenure
from accounts.models.verification import (
    AttemptOutcome,
    HouseholdCode,
    IdentityConflict,
    LedgerMatch,
    RequestStatus,
    VerificationAttempt,
    VerificationMethod,
    VerificationRequest,
)

__all__ = [
    "AccessKind",
    "AttemptOutcome",
    "Building",
    "DataAccess",
    "District",
    "DoorVisit",
    "Household",
    "HouseholdCode",
    "IdentityConflict",
    "LedgerAction",
    "LedgerChange",
    "LedgerEntity",
    "LedgerMatch",
    "Neighborhood",
    "Notification",
    "NotificationKind",
    "Outreach",
    "Owner",
    "Ownership",
    "OutreachHousehold",
    "RequestStatus",
    "Resident",
    "ResidentTag",
    "Residency",
    "Role",
    "RoleGrant",
    "Segment",
    "Subdistrict",
    "Tenure",
    "User",
    "VerificationAttempt",
    "VerificationMethod",
    "VerificationRequest",
    "VisitAssignment",
    "VisitOutcome",
]
