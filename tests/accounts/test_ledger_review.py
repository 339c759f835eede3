"""The ledger under odd input: NUL characters, CSRF on every POST page."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import DataAccess, LedgerChange, Resident
from tests import factories
from tests.accounts.ledger_scene import WANG_ID, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    return build()


@pytest.fixture
def clerk(scene):
    return factories.staff(scene.here, "clerk", role="secretary")


def _api(user) -> APIClient:
    client = APIClient()
    client.raise_request_exception = False
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("query", ["unit=%00", "name=%00", "name=%E5%BC%A0%00"])
def test_a_nul_in_a_filter_is_400_control_character_not_a_500(scene, clerk, query):
    # Given the ledger's pages and API
    api = _api(clerk)
    page = Client(raise_request_exception=False)
    page.force_login(clerk)
    nid = scene.here.pk
    # When a filter value carries a NUL (PostgreSQL cannot compare text with it)
    answers = [
        api.get(f"/api/v1/neighborhoods/{nid}/ledger/summary/?{query}"),
        api.get(f"/api/v1/neighborhoods/{nid}/ledger/residents/?{query}"),
        page.get(f"/committee/{nid}/ledger/?{query}"),
    ]
    # Then each refuses it at the edge, before the filter is read
    assert [a.status_code for a in answers] == [400, 400, 400]
    assert answers[0].json()["code"] == "control_character"


def test_a_nul_in_a_name_is_refused_and_writes_nothing(scene, clerk):
    api = _api(clerk)
    patched = api.patch(
        f"/api/v1/ledger/residents/{scene.wang.pk}/", {"real_name": "王\x00"}, format="json"
    )
    page = Client(raise_request_exception=False)
    page.force_login(clerk)
    edited = page.post(
        f"/committee/{scene.here.pk}/ledger/residents/{scene.wang.pk}/edit/",
        {"real_name": "王\x00", "birth_date": "1980-05-01"},
    )
    assert (patched.status_code, patched.json()["code"]) == (400, "control_character")
    assert edited.status_code == 400
    assert Resident.objects.get(pk=scene.wang.pk).real_name == "王建国"
    assert not LedgerChange.objects.exists()


def test_a_nul_in_a_reveal_reason_is_refused_and_reveals_nothing(scene, clerk):
    response = _api(clerk).post(
        f"/api/v1/ledger/residents/{scene.wang.pk}/reveal/",
        {"field": "phone", "reason": "上门\x00核对"},
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (400, "control_character")
    assert not DataAccess.objects.exists()


def test_every_ledger_post_page_needs_the_csrf_token(scene, clerk):
    # Given a clerk whose browser sends no CSRF token
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(clerk)
    base = f"/committee/{scene.here.pk}/ledger"
    # When each POST page is posted
    answers = [
        strict.post(
            f"{base}/residents/{scene.wang.pk}/edit/",
            {"real_name": "王二", "birth_date": "1980-05-01"},
        ),
        strict.post(
            f"{base}/residents/{scene.wang.pk}/reveal/", {"field": "phone", "reason": "核对"}
        ),
        strict.post(
            f"{base}/households/{scene.family.pk}/edit/", {"floor_area": "99", "tenure": "owner"}
        ),
        strict.post(
            f"{base}/households/{scene.family.pk}/residents/new/",
            {"real_name": "新人", "id_number": "x"},
        ),
    ]
    # Then each is refused, and no reveal was audited, nothing recorded
    assert [a.status_code for a in answers] == [403, 403, 403, 403]
    assert not DataAccess.objects.exists()
    assert not LedgerChange.objects.exists()


def test_rooms_are_listed_by_number_as_on_paper(clerk, scene):
    # Given rooms 1001, 201 and 101 of one unit (entered in that order)
    from accounts.models import Household

    rooms = ["1001", "201", "101"]
    for room in rooms:
        house = Household.objects.create(
            building=scene.b1, unit="3", room=room, floor_area="60", tenure="owner"
        )
        factories.person(house, f"住户{room}", birth=scene.zhang.birth_date)
    # When the ledger lists that unit
    response = _api(clerk).get(f"/api/v1/neighborhoods/{scene.here.pk}/ledger/residents/?unit=3")
    # Then 201 comes before 1001 (text order put 1001 first)
    assert [row["room"] for row in response.json()["results"]] == ["101", "201", "1001"]


def test_a_resident_with_vehicles_and_no_tags_shows_no_dash_before_the_cars(scene, clerk):
    page = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page.force_login(clerk)
    html = page.get(f"/committee/{scene.here.pk}/ledger/?name=赵").content.decode()
    assert "1 辆车" in html
    assert "—" not in html.split("1 辆车")[0].rsplit("<td", 1)[-1]


def test_an_id_number_posted_to_add_a_resident_is_masked_in_error_reports(scene, clerk):
    from django.views.debug import SafeExceptionReporterFilter

    page = Client()
    page.force_login(clerk)
    response = page.post(
        f"/committee/{scene.here.pk}/ledger/households/{scene.family.pk}/residents/new/",
        {"real_name": "新人", "id_number": WANG_ID[:-1] + "0"},
    )
    shown = SafeExceptionReporterFilter().get_post_parameters(response.wsgi_request)
    assert shown["id_number"] != WANG_ID[:-1] + "0" and set(shown["id_number"]) == {"*"}
    assert shown["real_name"] == "新人"


def _locals_in_report(call, function: str) -> dict[str, str]:
    """The locals of `function` as Django's error report (mail to admins, the debug page)
    shows them, from a real exception raised inside it."""
    import sys

    from django.views.debug import ExceptionReporter

    try:
        call()
    except Exception:
        report = ExceptionReporter(None, *sys.exc_info())
    else:
        raise AssertionError("the call was meant to fail inside the service")
    frames = [f for f in report.get_traceback_frames() if f["function"] == function]
    assert frames, f"{function} is not in the traceback"
    return {name: str(value) for name, value in frames[0]["vars"]}


def test_the_services_hide_id_numbers_from_traceback_locals(scene):
    """Checked on a real traceback: the decorator only marks a function when it is called,
    so reading its attribute passed or failed by which test ran first."""
    from accounts.ledger import services

    place = scene.here
    outsider = factories.resident(factories.neighborhood("别处"), "outsider")
    house = factories.household(place)
    person = factories.person(house, "王某")
    hidden = "********************"

    added = _locals_in_report(
        lambda: services.resident_add(
            actor=outsider, household_id=house.pk, real_name="李某", id_number=WANG_ID
        ),
        "resident_add",
    )
    assert WANG_ID not in "".join(added.values())
    assert hidden in added["id_number"]

    revealed = _locals_in_report(
        lambda: services.resident_reveal(
            actor=outsider, resident_id=person.pk, field="id_number", reason="查看"
        ),
        "resident_reveal",
    )
    assert revealed and all(hidden in value for value in revealed.values())
