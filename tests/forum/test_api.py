"""The REST API: a snapshot that carries its seq, the same service for writes, coded errors."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests import factories

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_board_snapshot_carries_the_stream_seq() -> None:
    place = factories.neighborhood()
    board = factories.board(place)
    client = api_for(factories.resident(place))
    created = client.post(f"/api/v1/boards/{board.pk}/topics/", {"body": "社区花园"}, format="json")
    assert created.status_code == 201 and created.json()["title"] == "社区花园"
    snapshot = client.get(f"/api/v1/boards/{board.pk}/").json()
    assert snapshot["stream"] == f"board.{board.pk}" and snapshot["seq"] == 1
    assert [t["title"] for t in snapshot["topics"]] == ["社区花园"]


def test_errors_have_stable_codes() -> None:
    place = factories.neighborhood()
    board = factories.board(place)
    outsider = api_for(factories.resident(factories.neighborhood()))
    assert outsider.get(f"/api/v1/boards/{board.pk}/").json()["code"] == "not_found"
    member = api_for(factories.resident(place))
    bad = member.post(f"/api/v1/boards/{board.pk}/topics/", {"body": ""}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    blank = member.post(f"/api/v1/boards/{board.pk}/topics/", {"body": "   "}, format="json")
    assert blank.status_code == 400 and blank.json()["code"] == "invalid"
    anonymous = APIClient().get(f"/api/v1/boards/{board.pk}/")
    assert anonymous.status_code in (401, 403) and anonymous.json()["code"] == "not_authenticated"


def test_the_openapi_schema_is_served() -> None:
    response = APIClient().get("/api/schema/")
    assert response.status_code == 200 and b"/api/v1/boards/" in response.content
