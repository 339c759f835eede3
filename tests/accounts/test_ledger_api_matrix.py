"""The authorization matrix of the ledger API: every role × every endpoint × own place and
another place, with the exact status. Full ID numbers appear in no answer but a reveal's."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

import pytest

from accounts import idcard, identity
from accounts.models import Neighborhood, Resident, Subdistrict
from tests import factories
from tests.accounts.conftest import ROLES, Cast

_serial = itertools.count(100)


@dataclass
class Place:
    neighborhood: Any
    household: Any
    resident: Any
    subdistrict_id: int


def place_world(neighborhood: Any) -> Place:
    house = factories.household(neighborhood)
    person = factories.person(house, "张桂英", birth=dt.date(1930, 1, 1), phone="13812345678")
    return Place(neighborhood, house, person, neighborhood.subdistrict_id)


def new_id() -> str:
    return idcard.make("310115", dt.date(1960, 1, 1), next(_serial))


ENDPOINTS = {
    "summary": lambda p: (
        "get",
        f"/api/v1/neighborhoods/{p.neighborhood.pk}/ledger/summary/?age_min=90",
        None,
    ),
    "residents": lambda p: (
        "get",
        f"/api/v1/neighborhoods/{p.neighborhood.pk}/ledger/residents/?page=1",
        None,
    ),
    "resident": lambda p: ("get", f"/api/v1/ledger/residents/{p.resident.pk}/", None),
    "resident_patch": lambda p: (
        "patch",
        f"/api/v1/ledger/residents/{p.resident.pk}/",
        {"tags": ["veteran"]},
    ),
    "reveal": lambda p: (
        "post",
        f"/api/v1/ledger/residents/{p.resident.pk}/reveal/",
        {"field": "id_number", "reason": "核对高龄补贴"},
    ),
    "history": lambda p: ("get", f"/api/v1/ledger/residents/{p.resident.pk}/history/", None),
    "household": lambda p: ("get", f"/api/v1/ledger/households/{p.household.pk}/", None),
    "household_patch": lambda p: (
        "patch",
        f"/api/v1/ledger/households/{p.household.pk}/",
        {"tenure": "tenant"},
    ),
    "resident_add": lambda p: (
        "post",
        f"/api/v1/ledger/households/{p.household.pk}/residents/",
        {"real_name": "张明", "id_number": new_id()},
    ),
}

ANON = 403  # DRF: not authenticated (session auth first, so no WWW-Authenticate)

# Personal data of a neighborhood: only its committee staff and secretary.
PERSONAL_HERE = {
    "anonymous": ANON,
    "unverified": 404,
    "resident_here": 403,
    "resident_other": 404,
    "moderator_here": 403,
    "staff_here": 200,
    "staff_other": 404,
    "secretary_here": 200,
    "admin_above": 403,
    "admin_elsewhere": 404,
}
PERSONAL_OTHER = {
    "anonymous": ANON,
    "unverified": 404,
    "resident_here": 404,
    "resident_other": 403,
    "moderator_here": 404,
    "staff_here": 404,
    "staff_other": 200,
    "secretary_here": 404,
    "admin_above": 403,  # the other place is in the admin's subdistrict too
    "admin_elsewhere": 404,
}
# Aggregates of a subdistrict: its admins, and committee staff for their own place.
AGGREGATES_HERE = {
    "anonymous": ANON,
    "unverified": 404,
    "resident_here": 403,
    "resident_other": 403,
    "moderator_here": 403,
    "staff_here": 200,
    "staff_other": 200,
    "secretary_here": 200,
    "admin_above": 200,
    "admin_elsewhere": 404,
}
AGGREGATES_FAR = dict.fromkeys(ROLES, 404) | {"anonymous": ANON, "admin_elsewhere": 200}


@pytest.fixture
def worlds(cast: Cast) -> dict[str, Place]:
    far = Subdistrict.objects.get(name="外滩街道")
    Neighborhood.objects.create(subdistrict=far, name="外滩第一")
    return {"here": place_world(cast.here), "other": place_world(cast.other)}


def full_numbers() -> list[str]:
    return [
        identity.decrypt_id_number(t)
        for t in Resident.objects.values_list("id_number_encrypted", flat=True)
    ]


def call(cast: Cast, who: str, method: str, path: str, body: Any) -> Any:
    client = cast.client(who)
    if body is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, body, format="json")


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("where", ["here", "other"])
def test_personal_data_endpoints(cast, worlds, endpoint, where):
    expected = PERSONAL_HERE if where == "here" else PERSONAL_OTHER
    got: dict[str, int] = {}
    for who in ROLES:
        method, path, body = ENDPOINTS[endpoint](worlds[where])
        response = call(cast, who, method, path, body)
        status = response.status_code
        got[who] = 200 if status == 201 and endpoint == "resident_add" else status
        if status >= 400:
            assert response.json()["code"] in {"not_found", "forbidden", "not_authenticated"}
        if endpoint != "reveal":
            text = response.content.decode()
            assert not any(number in text for number in full_numbers()), (endpoint, who)
    assert got == expected


@pytest.mark.django_db
@pytest.mark.parametrize("where", ["here", "far"])
def test_aggregates_endpoint(cast, worlds, where):
    subdistrict = (
        cast.here.subdistrict_id if where == "here" else Subdistrict.objects.get(name="外滩街道").pk
    )
    expected = AGGREGATES_HERE if where == "here" else AGGREGATES_FAR
    got = {}
    for who in ROLES:
        response = call(cast, who, "get", f"/api/v1/subdistricts/{subdistrict}/aggregates/", None)
        got[who] = response.status_code
        if response.status_code == 200:
            text = response.content.decode()
            assert "张桂英" not in text and "13812345678" not in text
    assert got == expected


@pytest.mark.django_db
def test_staff_see_only_their_own_place_in_the_aggregates(cast, worlds):
    rows = (
        cast.client("staff_here")
        .get(f"/api/v1/subdistricts/{cast.here.subdistrict_id}/aggregates/")
        .json()
    )
    assert [row["neighborhood"] for row in rows["neighborhoods"]] == [cast.here.pk]
    rows = (
        cast.client("admin_above")
        .get(f"/api/v1/subdistricts/{cast.here.subdistrict_id}/aggregates/")
        .json()
    )
    assert {row["neighborhood"] for row in rows["neighborhoods"]} == {cast.here.pk, cast.other.pk}
