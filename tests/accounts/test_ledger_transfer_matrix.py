"""The authorization matrix of import, export and template, pages and API: every role × every
endpoint × own place and another place, with the exact status."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import DataAccess
from tests.accounts.conftest import ROLES, Cast
from tests.accounts.ledger_transfer_helpers import counts, csv_bytes, rows
from tests.second_factor import sign_in

SHEET = csv_bytes(rows())


def committee(anon: int, ok: int, *, secretary_only: bool = False) -> dict[str, dict[str, int]]:
    """Expected statuses at `here` and at `other` for a committee-only endpoint."""
    here = {
        "anonymous": anon,
        "unverified": 404,
        "resident_here": 403,
        "resident_other": 404,
        "moderator_here": 403,
        "staff_here": 403 if secretary_only else ok,
        "staff_other": 404,
        "secretary_here": ok,
        "admin_above": 403,
        "admin_elsewhere": 404,
    }
    other = {
        "anonymous": anon,
        "unverified": 404,
        "resident_here": 404,
        "resident_other": 403,
        "moderator_here": 404,
        "staff_here": 404,
        "staff_other": 403 if secretary_only else ok,
        "secretary_here": 404,
        "admin_above": 403,
        "admin_elsewhere": 404,
    }
    return {"here": here, "other": other}


def page_client(cast: Cast, who: str) -> Client:
    client = Client()
    if who != "anonymous":
        sign_in(client, cast.people[who])
    return client


def sheet_file() -> SimpleUploadedFile:
    return SimpleUploadedFile("台账.csv", SHEET, content_type="text/csv")


Call = Callable[[Cast, str, int], Any]
ENDPOINTS: dict[str, tuple[Call, dict[str, dict[str, int]]]] = {
    "page_import_form": (
        lambda c, who, nid: page_client(c, who).get(f"/committee/{nid}/ledger/import/"),
        committee(302, 200),
    ),
    "page_import_check": (
        lambda c, who, nid: page_client(c, who).post(
            f"/committee/{nid}/ledger/import/", {"file": sheet_file()}
        ),
        committee(302, 200),
    ),
    "page_import_confirm": (  # a token that is not theirs: 400 once past the permission
        lambda c, who, nid: page_client(c, who).post(
            f"/committee/{nid}/ledger/import/confirm/", {"token": "x" * 32}
        ),
        committee(302, 400),
    ),
    "page_template": (
        lambda c, who, nid: page_client(c, who).get(
            f"/committee/{nid}/ledger/import/template/?format=xlsx"
        ),
        committee(302, 200),
    ),
    "page_export_form": (
        lambda c, who, nid: page_client(c, who).get(f"/committee/{nid}/ledger/export/"),
        committee(302, 200),
    ),
    "page_export_masked": (
        lambda c, who, nid: page_client(c, who).get(
            f"/committee/{nid}/ledger/export/?format=csv&age_min=60"
        ),
        committee(302, 200),
    ),
    "page_export_full": (
        lambda c, who, nid: page_client(c, who).post(
            f"/committee/{nid}/ledger/export/", {"format": "csv", "reason": "街道核对"}
        ),
        committee(302, 200, secretary_only=True),
    ),
    "api_import_dry_run": (
        lambda c, who, nid: c.client(who).post(
            f"/api/v1/neighborhoods/{nid}/ledger/import/?dry_run=1",
            {"file": io.BytesIO(SHEET)},
            format="multipart",
        ),
        committee(403, 200),
    ),
    "api_export": (
        lambda c, who, nid: c.client(who).get(
            f"/api/v1/neighborhoods/{nid}/ledger/export/?format=xlsx"
        ),
        committee(403, 200),
    ),
    "api_export_full": (
        lambda c, who, nid: c.client(who).get(
            f"/api/v1/neighborhoods/{nid}/ledger/export/?format=csv&full=1&reason=核对补贴"
        ),
        committee(403, 200, secretary_only=True),
    ),
}


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("where", ["here", "other"])
def test_every_role_gets_the_exact_status(cast: Cast, endpoint: str, where: str):
    call, expected = ENDPOINTS[endpoint]
    place = cast.here if where == "here" else cast.other
    got = {}
    for who in ROLES:
        before = counts()
        response = call(cast, who, place.pk)
        got[who] = response.status_code
        after = counts()
        # nobody but the committee leaves a trace; a dry run writes nothing at all
        if got[who] != 200 or "import" in endpoint:
            assert after == before, (who, endpoint)
        else:
            writes = endpoint in {"page_export_masked", "page_export_full"} or (
                endpoint.startswith("api_export")
            )
            assert after["DataAccess"] == before["DataAccess"] + int(writes)
    assert got == expected[where]
    assert DataAccess.objects.exclude(kind="export").count() == 0
