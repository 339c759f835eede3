"""The verification pages as plain HTML forms (Django test client, no JavaScript)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from accounts.models import HouseholdCode, Residency, VerificationRequest
from accounts.verification import services
from tests import factories

pytestmark = pytest.mark.django_db

ID_NUMBER = "310115197809090018"


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def csp_clean(html: str) -> None:
    assert 'style="' not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


@pytest.fixture
def scene():
    place = factories.neighborhood()
    house = factories.household(place)
    factories.person(house, "张伟", birth=dt.date(1978, 9, 9), id_number=ID_NUMBER)
    return place, house, factories.staff(place)


def test_the_codes_page_lists_buildings_then_a_buildings_households(scene):
    place, house, clerk = scene
    staff = login(clerk)
    # the first page lists the buildings, not the households
    page = staff.get(f"/committee/{place.pk}/codes/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-building-row="{house.building_id}"' in html
    assert f'href="?building={house.building_id}"' in html
    assert f'data-household="{house.pk}"' not in html and house.address not in html
    csp_clean(html)
    # the building's page lists its households with an issue button each
    page = staff.get(f"/committee/{place.pk}/codes/?building={house.building_id}")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-household="{house.pk}"' in html and house.address in html
    assert 'data-code-status="none"' in html
    csp_clean(html)


def test_issuing_shows_the_printable_letter_with_a_qr_code_once(scene):
    place, house, clerk = scene
    staff = login(clerk)
    letter = staff.post(f"/committee/{place.pk}/codes/issue/", {"household": house.pk})
    html = letter.content.decode()
    assert letter.status_code == 200 and letter["Cache-Control"] == "no-store"
    assert '<img class="qr" src="data:image/svg+xml' in html
    code = re.search(r'class="household-code">([^<]+)<', html).group(1)
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}", code)
    assert house.address in html and "@media print" not in html  # styles come from the CSS file
    # in the fragment, which no browser sends: the code reaches no access log
    assert f"http://testserver/verify/#code={code}" in html and "?code=" not in html
    csp_clean(html)
    assert f'href="/committee/{place.pk}/codes/?building={house.building_id}"' in html
    # the building's page now shows it live, but never the code itself
    overview = staff.get(f"/committee/{place.pk}/codes/?building={house.building_id}")
    assert 'data-code-status="live"' in overview.content.decode()
    assert code not in overview.content.decode()
    # and the code redeems
    assert services.household_code_redeem(user=factories.user(), code=code, real_name="张伟").pk


def test_a_building_batch_prints_one_letter_per_household_once_confirmed(scene):
    place, house, clerk = scene
    factories.household_in(house.building)
    printed = services.household_code_issue(actor=clerk, household_id=house.pk)
    staff = login(clerk)
    url = f"/committee/{place.pk}/codes/issue/"
    # the building's button first says what it does, in numbers, and issues nothing
    confirm = staff.post(url, {"building": house.building_id})
    html = confirm.content.decode()
    assert confirm.status_code == 200 and 'class="household-code"' not in html
    assert "将为 2 户生成新户码" in html and "将作废已打印的 1 封通知信" in html
    assert 'name="confirm" value="1"' in html
    csp_clean(html)
    assert HouseholdCode.objects.get(pk=printed.record.pk).revoked_at is None
    # a count that no longer holds is refused and shown again with today's numbers
    stale = staff.post(url, {"building": house.building_id, "confirm": "0"})
    assert stale.status_code == 409 and 'data-error-code="stale_confirmation"' in (
        stale.content.decode()
    )
    assert HouseholdCode.objects.get(pk=printed.record.pk).revoked_at is None
    letters = staff.post(url, {"building": house.building_id, "confirm": "1"}).content.decode()
    assert letters.count('class="household-code"') == 2
    assert letters.count('<article class="letter"') == 2
    assert HouseholdCode.objects.get(pk=printed.record.pk).revoked_at is not None


def test_codes_pages_are_hidden_from_outsiders_and_forbidden_to_moderators(scene):
    place, house, _clerk = scene
    assert (
        login(factories.staff(factories.neighborhood()))
        .get(f"/committee/{place.pk}/codes/")
        .status_code
        == 404
    )
    assert (
        login(factories.user())
        .post(f"/committee/{place.pk}/codes/issue/", {"household": house.pk})
        .status_code
        == 404
    )
    moderator = factories.staff(place, role="moderator")
    assert login(moderator).get(f"/committee/{place.pk}/codes/").status_code == 403
    assert Client().get(f"/committee/{place.pk}/codes/").status_code == 302


def test_verify_works_as_a_plain_form(scene):
    place, house, clerk = scene
    issued = services.household_code_issue(actor=clerk, household_id=house.pk)
    user = factories.user()
    browser = login(user)
    # the QR link fills in the code
    form = browser.get(f"/verify/?code={issued.display}").content.decode()
    assert 'id="verify-code"' in form and 'id="verify-name"' in form
    assert f'value="{issued.display}"' in form
    assert re.search(r'<form class="verify[^"]*"[^>]*>.*?<button type="submit"', form, re.S)
    assert '<label for="verify-code">户码</label>' in form and '<label for="verify-name">' in form
    csp_clean(form)
    # a wrong name is told, with the form kept
    wrong = browser.post("/verify/", {"code": issued.display, "real_name": "王五"})
    assert wrong.status_code == 400 and 'data-error-code="name_mismatch"' in wrong.content.decode()
    # the right name verifies and leads to the household page
    done = browser.post("/verify/", {"code": issued.display, "real_name": "张伟"}, follow=True)
    assert done.redirect_chain[-1][0] == "/household/"
    html = done.content.decode()
    assert house.address in html and 'class="badge live"' in html
    # and /verify/ now shows the household
    again = browser.get("/verify/").content.decode()
    assert 'href="/household/"' in again and 'id="verify-code"' not in again


def test_too_many_attempts_is_a_429_page(scene):
    browser = login(factories.user())
    for _ in range(5):
        browser.post("/verify/", {"code": "ZZZZZZZZZZ", "real_name": "张伟"})
    locked = browser.post("/verify/", {"code": "ZZZZZZZZZZ", "real_name": "张伟"})
    assert (
        locked.status_code == 429
        and 'data-error-code="too_many_attempts"' in locked.content.decode()
    )


def test_the_request_form_then_the_review_queue(scene):
    place, house, clerk = scene
    user = factories.user()
    browser = login(user)
    # step 1: neighborhoods grouped by subdistrict
    first = browser.get("/verify/request/").content.decode()
    assert "<optgroup" in first and place.name in first and 'id="request-building"' not in first
    # step 2: the buildings of the chosen neighborhood
    second = browser.get(f"/verify/request/?neighborhood={place.pk}").content.decode()
    assert house.building.name in second and 'id="request-building"' in second
    csp_clean(second)
    bad = browser.post(
        "/verify/request/",
        {
            "neighborhood": place.pk,
            "building": house.building_id,
            "unit": "1",
            "room": house.room,
            "real_name": "张伟",
            "id_fragment": "09001",
        },
    )
    assert bad.status_code == 400 and 'data-error-code="malformed_id"' in bad.content.decode()
    sent = browser.post(
        "/verify/request/",
        {
            "neighborhood": place.pk,
            "building": house.building_id,
            "unit": "1单元",
            "room": f"{house.room}室",
            "real_name": "张伟",
            "id_fragment": "090018",
        },
        follow=True,
    )
    assert sent.redirect_chain[-1][0] == "/verify/"
    mine = sent.content.decode()
    assert f'data-stream="user.{user.pk}"' in mine and "data-verification-status" in mine
    assert re.search(r'data-seq="\d+"', mine) and 'data-status="pending"' in mine
    # staff see it with the ledger match, masked
    staff = login(clerk)
    queue = staff.get(f"/committee/{place.pk}/verification/").content.decode()
    filed = VerificationRequest.objects.get(user=user)
    assert f'data-request="{filed.pk}"' in queue and 'data-match="full"' in queue
    assert "****18" in queue and ID_NUMBER not in queue
    csp_clean(queue)
    resident = house.residents.get()
    staff.post(f"/committee/{place.pk}/verification/{filed.pk}/approve/", {"resident": resident.pk})
    assert Residency.objects.get(user=user).resident == resident
    outcome = browser.get("/verify/").content.decode()
    assert 'data-status="approved"' in outcome


def test_rejecting_without_a_reason_is_told_on_the_queue(scene):
    place, house, clerk = scene
    filed = services.verification_request_create(
        user=factories.user(),
        neighborhood_id=place.pk,
        building_id=house.building_id,
        unit=house.unit,
        room=house.room,
        real_name="张伟",
        id_fragment="000000",
    )
    staff = login(clerk)
    page = staff.post(
        f"/committee/{place.pk}/verification/{filed.pk}/reject/", {"reason": ""}, follow=True
    )
    assert (
        page.status_code == 200 and VerificationRequest.objects.get(pk=filed.pk).status == "pending"
    )
    assert 'role="alert"' in page.content.decode()
    staff.post(f"/committee/{place.pk}/verification/{filed.pk}/reject/", {"reason": "查无此人"})
    assert VerificationRequest.objects.get(pk=filed.pk).status == "rejected"


def test_household_page_changes_the_representative_and_moves_out(scene):
    place, house, clerk = scene
    factories.person(house, "李秀英", birth=dt.date(1950, 2, 3))
    son, mother = factories.user(display_name="小张"), factories.user(display_name="李阿姨")
    for user, name in ((son, "张伟"), (mother, "李秀英")):
        code = services.household_code_issue(actor=clerk, household_id=house.pk).code
        services.household_code_redeem(user=user, code=code, real_name=name)
    browser = login(son)
    html = browser.get("/household/").content.decode()
    assert "小张" in html and "李阿姨" in html and "李秀英" not in html  # display names only
    assert f'name="user" value="{mother.pk}"' in html
    csp_clean(html)
    browser.post("/household/representative/", {"user": mother.pk})
    assert Residency.objects.get(user=mother).is_representative
    confirm = browser.get("/household/leave/")
    assert confirm.status_code == 200 and Residency.objects.get(user=son).ended_at is None
    browser.post("/household/leave/", {"reason": ""})
    assert Residency.objects.get(user=son).ended_at is not None
    assert browser.get("/household/")["Location"] == "/verify/"
    # staff see the remaining member on the members page and may end the residency
    staff = login(clerk)
    members = staff.get(f"/committee/{place.pk}/households/{house.pk}/members/").content.decode()
    assert "李阿姨" in members and "小张" not in members
    residency = Residency.objects.get(user=mother)
    staff.post(
        f"/committee/{place.pk}/households/{house.pk}/residencies/{residency.pk}/end/",
        {"reason": "去世"},
    )
    assert Residency.objects.get(pk=residency.pk).ended_at is not None


def test_a_new_code_for_a_household_with_a_live_letter_is_confirmed_first(scene):
    place, house, clerk = scene
    staff = login(clerk)
    url = f"/committee/{place.pk}/codes/issue/"
    # the first letter voids nothing: it is printed at once
    first = staff.post(url, {"household": house.pk}).content.decode()
    assert first.count('class="household-code"') == 1
    printed = HouseholdCode.objects.get(household=house, revoked_at__isnull=True)
    # the second says first what it voids, and issues nothing
    confirm = staff.post(url, {"household": house.pk})
    html = confirm.content.decode()
    assert confirm.status_code == 200 and 'class="household-code"' not in html
    assert "将作废已打印的 1 封通知信" in html and 'name="confirm" value="1"' in html
    csp_clean(html)
    assert HouseholdCode.objects.get(pk=printed.pk).revoked_at is None
    stale = staff.post(url, {"household": house.pk, "confirm": "0"})
    assert stale.status_code == 409 and 'data-error-code="stale_confirmation"' in (
        stale.content.decode()
    )
    assert HouseholdCode.objects.get(pk=printed.pk).revoked_at is None
    done = staff.post(url, {"household": house.pk, "confirm": "1"}).content.decode()
    assert done.count('class="household-code"') == 1
    assert HouseholdCode.objects.get(pk=printed.pk).revoked_at is not None
