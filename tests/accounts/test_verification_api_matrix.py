"""The authorization matrix of the verification API: every role × endpoint × place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import IdentityConflict, Residency
from accounts.verification import services
from tests import factories
from tests.accounts.conftest import ROLES, Cast

ID_NUMBER = "310115197809090018"


@dataclass
class World:
    """What the endpoints act on, in one neighborhood."""

    place: Any
    household: Any
    code: Any  # IssuedCode
    request: Any
    conflict: Any
    residency: Any  # the cast's resident of this place


def world(place: Any, resident: Any) -> World:
    house = factories.household(place)
    factories.person(house, "张伟", id_number=ID_NUMBER)
    clerk = factories.staff(place)
    code = services.household_code_issue(actor=clerk, household_id=house.pk)
    request = services.verification_request_create(
        user=factories.user(),
        neighborhood_id=place.pk,
        building_id=house.building_id,
        unit=house.unit,
        room=house.room,
        real_name="张伟",
        id_fragment=ID_NUMBER[-6:],
    )
    residency = Residency.objects.get(user=resident, ended_at=None)
    conflict = IdentityConflict.objects.create(
        neighborhood=place,
        claimant=factories.user(),
        existing_user=resident,
        resident=residency.resident,
        method="code",
        created_at=timezone.now(),
    )
    return World(place, house, code, request, conflict, residency)


# (method, path, body) per endpoint, from the world it acts on.
ENDPOINTS = {
    "code_redeem": lambda w: (
        "post",
        "/api/v1/verification/code/",
        {"code": w.code.display, "real_name": "张伟"},
    ),
    "request_create": lambda w: (
        "post",
        "/api/v1/verification/requests/",
        {
            "neighborhood": w.place.pk,
            "building": w.household.building_id,
            "unit": w.household.unit,
            "room": w.household.room,
            "real_name": "张伟",
            "id_fragment": ID_NUMBER[-6:],
        },
    ),
    "requests_mine": lambda w: ("get", "/api/v1/verification/requests/mine/", None),
    "queue": lambda w: (
        "get",
        f"/api/v1/neighborhoods/{w.place.pk}/verification-requests/?status=pending",
        None,
    ),
    "approve": lambda w: ("post", f"/api/v1/verification-requests/{w.request.pk}/approve/", {}),
    "reject": lambda w: (
        "post",
        f"/api/v1/verification-requests/{w.request.pk}/reject/",
        {"reason": "地址不符"},
    ),
    "codes_issue": lambda w: (
        "post",
        f"/api/v1/neighborhoods/{w.place.pk}/codes/",
        {"household": w.household.pk, "confirm": 1},  # its live code's letter is voided
    ),
    "codes_issue_building": lambda w: (
        "post",
        f"/api/v1/neighborhoods/{w.place.pk}/codes/",
        {"building": w.household.building_id, "confirm": 1},  # w.code's letter is voided
    ),
    "code_revoke": lambda w: ("post", f"/api/v1/codes/{w.code.record.pk}/revoke/", None),
    "residency_end": lambda w: (
        "post",
        f"/api/v1/residencies/{w.residency.pk}/end/",
        {"reason": "已搬离"},
    ),
    "representative": lambda w: (
        "post",
        f"/api/v1/households/{w.residency.household_id}/representative/",
        {"user": w.residency.user_id},
    ),
    "conflicts": lambda w: ("get", f"/api/v1/neighborhoods/{w.place.pk}/identity-conflicts/", None),
    "conflict_resolve": lambda w: (
        "post",
        f"/api/v1/identity-conflicts/{w.conflict.pk}/resolve/",
        {"note": "已核实"},
    ),
}

ANON = 403  # DRF: not_authenticated (session auth first, so no WWW-Authenticate)

# Expected status for a place's own staff-only endpoint, by role, acting at `here`.
STAFF_ONLY_HERE = {
    "anonymous": ANON,
    "unverified": 404,
    "resident_here": 403,
    "resident_other": 404,
    "moderator_here": 403,
    "staff_here": "ok",
    "staff_other": 404,
    "secretary_here": "ok",
    "admin_above": 403,
    "admin_elsewhere": 404,
}
# The same endpoints acting at `other` (the admin above sits over both places).
STAFF_ONLY_OTHER = {
    "anonymous": ANON,
    "unverified": 404,
    "resident_here": 404,
    "resident_other": 403,
    "moderator_here": 404,
    "staff_here": 404,
    "staff_other": "ok",
    "secretary_here": 404,
    "admin_above": 403,
    "admin_elsewhere": 404,
}
# Resident endpoints: any signed-in account may verify itself, unless already verified.
SELF_SERVICE = {
    role: (ANON if role == "anonymous" else 400 if role.startswith("resident_") else "ok")
    for role in ROLES
}
SIGNED_IN = {role: (ANON if role == "anonymous" else "ok") for role in ROLES}


def _self_or_staff(staff_only: dict[str, Any], own: str) -> dict[str, Any]:
    """The resident may act on their own residency/household, like the place's staff."""
    return {**staff_only, own: "ok"}


EXPECTED: dict[str, dict[str, dict[str, Any]]] = {
    "code_redeem": {"here": SELF_SERVICE, "other": SELF_SERVICE},
    "request_create": {"here": SELF_SERVICE, "other": SELF_SERVICE},
    "requests_mine": {"here": SIGNED_IN, "other": SIGNED_IN},
    "residency_end": {
        "here": _self_or_staff(STAFF_ONLY_HERE, "resident_here"),
        "other": _self_or_staff(STAFF_ONLY_OTHER, "resident_other"),
    },
    "representative": {
        "here": _self_or_staff(STAFF_ONLY_HERE, "resident_here"),
        "other": _self_or_staff(STAFF_ONLY_OTHER, "resident_other"),
    },
}
for name in ENDPOINTS:
    EXPECTED.setdefault(name, {"here": STAFF_ONLY_HERE, "other": STAFF_ONLY_OTHER})

SUCCESS = {
    "get": 200,
    "code_redeem": 201,
    "request_create": 201,
    "codes_issue": 201,
    "codes_issue_building": 201,
}


@pytest.mark.parametrize("where", ["here", "other"])
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("role", ROLES)
def test_authorization_matrix(cast: Cast, role: str, endpoint: str, where: str):
    # given a world in each place
    worlds = {
        "here": world(cast.here, cast.people["resident_here"]),
        "other": world(cast.other, cast.people["resident_other"]),
    }
    method, path, body = ENDPOINTS[endpoint](worlds[where])
    # when the role calls the endpoint on that place's objects
    client = cast.client(role)
    response = client.get(path) if method == "get" else client.post(path, body or {}, format="json")
    # then the status is exactly the expected one
    expected = EXPECTED[endpoint][where][role]
    if expected == "ok":
        expected = SUCCESS.get(endpoint, SUCCESS["get"] if method == "get" else 200)
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert "code" in response.json()
