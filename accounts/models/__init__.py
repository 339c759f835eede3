from accounts.models.people import Residency, Resident, RoleGrant, User
from accounts.models.places import Building, District, Household, Neighborhood, Subdistrict

__all__ = [
    "Building",
    "District",
    "Household",
    "Neighborhood",
    "Resident",
    "Residency",
    "RoleGrant",
    "Subdistrict",
    "User",
]
