"""The ledger's pages, in Chinese by default: the list with its numbers and links, a
resident with the audited reveal and the edit form, a household, the admins' aggregates."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts import idcard
from accounts.models import DataAccess, LedgerChange, Resident
from tests import factories
from tests.accounts.ledger_scene import WANG_ID, build
from tests.second_factor import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    return build()


@pytest.fixture
def clerk(scene):
    return factories.staff(scene.here, "clerk")


@pytest.fixture
def browser(clerk) -> Client:
    client = Client()
    sign_in(client, clerk)
    return client


def html(response) -> str:
    text = response.content.decode()
    assert 'style="' not in text and "<script>" not in text  # strict CSP
    return text


def test_the_ledger_page_shows_numbers_links_and_rows(scene, browser):
    url = reverse("ledger", args=[scene.here.pk])
    text = html(browser.get(url))
    assert "台账" in text
    assert "共 7 人 / 4 户" in text
    for question in ("90岁以上老人", "车主车位需求", "独居老人", "未认证住户"):
        assert question in text
    assert f'href="{url}?age_min=90"' in text
    assert f'href="{url}?tag=living_alone&amp;age_min=60"' in text
    assert reverse("ledger_export", args=[scene.here.pk]) + "?&amp;format=csv" in text
    assert reverse("ledger_import", args=[scene.here.pk]) in text
    assert reverse("outreach_new", args=[scene.here.pk]) + "?" in text
    assert text.count("<tr data-id=") == 7
    assert scene.wang.id_number_masked in text and WANG_ID not in text
    assert "138****5678" in text and "13812345678" not in text
    assert reverse("ledger_resident", args=[scene.here.pk, scene.wang.pk]) in text


def test_a_filter_keeps_itself_in_every_link(scene, browser):
    url = reverse("ledger", args=[scene.here.pk])
    text = html(browser.get(url, {"vehicle": "yes"}))
    assert "共 3 人 / 2 户" in text
    assert "4" in re.search(r"车位[^<]*</dt><dd>(\d+)", text).group(1)
    export = reverse("ledger_export", args=[scene.here.pk])
    assert f'href="{export}?vehicle=yes&amp;format=xlsx"' in text
    assert f'href="{reverse("outreach_new", args=[scene.here.pk])}?vehicle=yes"' in text
    assert '<option value="yes" selected>' in text


def test_pagination_keeps_the_filter(scene, browser):
    for n in range(55):
        factories.person(scene.family, f"邻{n:02d}", birth=dt.date(1990, 1, 1))
    url = reverse("ledger", args=[scene.here.pk])
    text = html(browser.get(url, {"age_max": "60"}))
    assert text.count("<tr data-id=") == 50
    assert 'href="?age_max=60&amp;page=2"' in text
    second = html(browser.get(url, {"age_max": "60", "page": "2"}))
    assert second.count("<tr data-id=") == 59 - 50  # 55 + 王建国, 王丽, 王小宝 and 赵军
    assert 'aria-current="page">2<' in second


def test_a_bad_filter_says_which_field(scene, browser):
    response = browser.get(reverse("ledger", args=[scene.here.pk]), {"age_min": "老"})
    assert response.status_code == 400
    assert "年龄" in html(response) and "不是数字" in html(response)


def test_the_resident_page_masks_and_reveals_with_a_reason(scene, browser):
    url = reverse("ledger_resident", args=[scene.here.pk, scene.wang.pk])
    text = html(browser.get(url))
    assert scene.wang.id_number_masked in text and WANG_ID not in text
    assert "13812345678" not in text
    reveal = reverse("ledger_resident_reveal", args=[scene.here.pk, scene.wang.pk])
    refused = browser.post(reveal, {"field": "id_number", "reason": " "})
    assert refused.status_code == 400 and WANG_ID not in html(refused)
    assert "原因" in html(refused)
    assert not DataAccess.objects.exists()
    shown = browser.post(reveal, {"field": "id_number", "reason": "核对高龄补贴"})
    assert shown.status_code == 200 and shown["Cache-Control"] == "no-store"
    assert WANG_ID in html(shown)
    assert DataAccess.objects.get().reason == "核对高龄补贴"
    assert WANG_ID not in browser.get(url).content.decode()  # once, on that response only


def test_the_edit_form_saves_and_keeps_history(scene, browser):
    edit = reverse("ledger_resident_edit", args=[scene.here.pk, scene.wang.pk])
    form = {
        "real_name": "王建国",
        "birth_date": "1980-05-01",
        "phone": "",
        "vehicles": "沪A12345",
        "tags": ["volunteer"],
    }
    response = browser.post(edit, form)
    assert response.status_code == 302
    wang = Resident.objects.get(pk=scene.wang.pk)
    assert wang.phone == "13812345678"  # an empty phone box keeps the phone
    assert wang.vehicles == ["沪A12345"] and wang.tags == ["volunteer"]
    page = html(browser.get(response["Location"]))
    assert "已保存" in page and "志愿者" in page
    bad = browser.post(edit, {**form, "phone": "12"})
    assert bad.status_code == 400 and "电话" in html(bad)
    assert LedgerChange.objects.count() == 1
    cleared = browser.post(edit, {**form, "clear_phone": "1"})
    assert cleared.status_code == 302 and Resident.objects.get(pk=scene.wang.pk).phone == ""


def test_the_household_page_edits_and_adds(scene, browser):
    url = reverse("ledger_household", args=[scene.here.pk, scene.family.pk])
    text = html(browser.get(url))
    assert "2号楼2单元201室" in text and "98.00" in text
    assert reverse("household_members", args=[scene.here.pk, scene.family.pk]) in text
    assert "王小宝" in text and "未满14岁" in text
    edit = reverse("ledger_household_edit", args=[scene.here.pk, scene.family.pk])
    assert browser.post(edit, {"floor_area": "100", "tenure": "tenant"}).status_code == 302
    bad = browser.post(edit, {"floor_area": "-1", "tenure": "tenant"})
    assert bad.status_code == 400 and "面积" in html(bad)
    add = reverse("ledger_resident_add", args=[scene.here.pk, scene.family.pk])
    number = idcard.make("310115", dt.date(1955, 5, 5), 42)
    duplicate = browser.post(add, {"real_name": "王建国", "id_number": WANG_ID})
    assert duplicate.status_code == 400
    assert WANG_ID not in html(duplicate)  # the number typed is not sent back
    added = browser.post(add, {"real_name": "王奶奶", "id_number": number, "tags": ["key_care"]})
    assert added.status_code == 302
    person = Resident.objects.get(real_name="王奶奶")
    assert person.birth_date == dt.date(1955, 5, 5) and person.tags == ["key_care"]


def test_the_area_page_shows_numbers_only(scene):
    admin = factories.admin(scene.here.subdistrict)
    client = Client()
    sign_in(client, admin)
    response = client.get(reverse("area_aggregates", args=[scene.here.subdistrict_id]))
    text = html(response)
    assert response.status_code == 200
    assert scene.here.name in text and scene.other.name in text
    assert "张桂英" not in text and "王建国" not in text and "138" not in text
    assert "90岁及以上" in text
    assert client.get(reverse("ledger", args=[scene.here.pk])).status_code == 403


def test_who_sees_the_pages(scene):
    url = reverse("ledger", args=[scene.here.pk])
    resident_url = reverse("ledger_resident", args=[scene.here.pk, scene.wang.pk])
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    for who, status in (
        (factories.staff(scene.here, role="moderator"), 403),
        (scene.wang_user, 403),
        (factories.staff(scene.other), 404),
        (factories.resident(scene.other), 404),
        (factories.staff(scene.here, role="secretary"), 200),
    ):
        client = Client()
        sign_in(client, who)
        assert client.get(url).status_code == status
        assert client.get(resident_url).status_code == status
    # A resident id of another place under this place's URL is not found.
    clerk = Client()
    sign_in(clerk, factories.staff(scene.other))
    elsewhere = Resident.objects.get(real_name="钱老")
    assert (
        clerk.get(reverse("ledger_resident", args=[scene.other.pk, scene.wang.pk])).status_code
        == 404
    )
    assert (
        clerk.get(reverse("ledger_resident", args=[scene.other.pk, elsewhere.pk])).status_code
        == 200
    )
