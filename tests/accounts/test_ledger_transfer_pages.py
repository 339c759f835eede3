"""The import and export pages and API, through the Django test client, in Chinese."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import AccessKind, DataAccess, Resident
from tests import factories
from tests.accounts.ledger_transfer_helpers import WANG, counts, csv_bytes, rows
from tests.second_factor import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def place():
    return factories.neighborhood("昌里第五")


@pytest.fixture
def clerk(place):
    return factories.staff(place, "clerk")


@pytest.fixture
def browser(clerk) -> Client:
    client = Client()
    sign_in(client, clerk)
    return client


def html(response) -> str:
    text = response.content.decode()
    assert 'style="' not in text and "<script>" not in text  # strict CSP
    return text


def upload(content: bytes, name: str = "台账.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_the_upload_form_has_a_labelled_file_input_and_the_template_links(place, browser):
    text = html(browser.get(reverse("ledger_import", args=[place.pk])))
    assert '<label for="file">' in text and 'id="file" name="file" type="file"' in text
    assert reverse("ledger_import_template", args=[place.pk]) + "?format=xlsx" in text
    assert "导入台账" in text


def test_check_then_confirm_without_choosing_the_file_again(place, browser, media):
    url = reverse("ledger_import", args=[place.pk])
    before = counts()
    # when the clerk uploads a clean file
    response = browser.post(url, {"file": upload(csv_bytes(rows()))})
    text = html(response)
    # then the dry run shows the numbers, nothing is written, and the file waits staged
    assert response.status_code == 200 and counts() == before
    assert "确认导入" in text
    token = response.context["token"]
    staged = Path(media) / "imports" / token
    assert staged.exists()
    # when they confirm with the token alone
    done = browser.post(reverse("ledger_import_confirm", args=[place.pk]), {"token": token})
    # then the ledger holds the rows, the staged file is gone, and a link leads back
    assert done.status_code == 200
    assert Resident.objects.filter(household__building__neighborhood=place).count() == 4
    assert not staged.exists() and not staged.with_suffix(".json").exists()
    assert f'href="{reverse("ledger", args=[place.pk])}"' in html(done)
    # and the token works once
    again = browser.post(reverse("ledger_import_confirm", args=[place.pk]), {"token": token})
    assert again.status_code == 400 and "过期" in html(again)


def test_a_broken_file_shows_row_column_and_problem_and_offers_no_confirm(place, browser):
    table = rows()
    table[3][8] = "12345"
    response = browser.post(
        reverse("ledger_import", args=[place.pk]), {"file": upload(csv_bytes(table))}
    )
    text = html(response)
    assert response.status_code == 400
    assert "第 4 行" in text and "电话" in text and "这不是电话号码" in text
    assert "确认导入" not in text and "token" not in response.context


def test_odd_uploads_are_a_400_page_never_a_500(place, browser):
    url = reverse("ledger_import", args=[place.pk])
    assert browser.post(url, {}).status_code == 400
    assert browser.post(url, {"file": upload(b"PK\x03\x04broken", "x.xlsx")}).status_code == 400
    assert browser.post(url, {"file": upload(b"\xff\xfe\x00garbage")}).status_code == 400


def test_another_users_token_does_not_work(place, browser, clerk):
    response = browser.post(
        reverse("ledger_import", args=[place.pk]), {"file": upload(csv_bytes(rows()))}
    )
    token = response.context["token"]
    colleague = Client()
    sign_in(colleague, factories.staff(place, "colleague"))
    other = colleague.post(reverse("ledger_import_confirm", args=[place.pk]), {"token": token})
    assert other.status_code == 400 and counts()["Resident"] == 0
    bad = browser.post(
        reverse("ledger_import_confirm", args=[place.pk]), {"token": "../../etc/passwd"}
    )
    assert bad.status_code == 400


def test_the_template_downloads_and_imports_cleanly(place, browser, clerk):
    response = browser.get(reverse("ledger_import_template", args=[place.pk]) + "?format=csv")
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    content = response.content
    check = browser.post(reverse("ledger_import", args=[place.pk]), {"file": upload(content)})
    assert check.status_code == 200 and check.context["report"].plan.residents == 1
    xlsx = browser.get(reverse("ledger_import_template", args=[place.pk]) + "?format=xlsx")
    assert xlsx.content.startswith(b"PK")


def test_export_streams_the_masked_file_with_the_filter(place, browser, clerk):
    browser.post(reverse("ledger_import", args=[place.pk]), {"file": upload(csv_bytes(rows()))})
    token = browser.post(
        reverse("ledger_import", args=[place.pk]), {"file": upload(csv_bytes(rows()))}
    ).context["token"]
    browser.post(reverse("ledger_import_confirm", args=[place.pk]), {"token": token})
    url = reverse("ledger_export", args=[place.pk])
    response = browser.get(url + "?age_min=90&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    assert "filename*=UTF-8''%E5%8F%B0%E8%B4%A6" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    assert "赵桂兰" in text and "王秀英" not in text
    audit = DataAccess.objects.get(kind=AccessKind.EXPORT)
    assert audit.detail["filters"] == {"age_min": "90"}
    assert browser.get(url + "?format=pdf").status_code == 400
    assert browser.get(url + "?age_min=abc&format=csv").status_code == 400
    page = html(browser.get(url))
    assert "导出" in page and 'name="reason"' not in page  # staff: no full export


def test_a_secretary_exports_in_full_with_a_reason(place):
    secretary = factories.staff(place, "sec", role="secretary")
    client = Client()
    sign_in(client, secretary)
    api = APIClient()
    api.force_authenticate(secretary)
    sign_in(api, secretary)
    api.post(
        f"/api/v1/neighborhoods/{place.pk}/ledger/import/",
        {"file": io.BytesIO(csv_bytes(rows()))},
        format="multipart",
    )
    url = reverse("ledger_export", args=[place.pk])
    assert 'name="reason"' in html(client.get(url))
    refused = client.post(url, {"format": "csv", "reason": ""})
    assert refused.status_code == 400 and "原因" in html(refused)
    response = client.post(url, {"format": "xlsx", "reason": "街道核对"})
    assert response.status_code == 200 and response.content.startswith(b"PK")
    assert DataAccess.objects.get(kind=AccessKind.EXPORT, detail__full=True).reason == "街道核对"
    # staff may not
    clerk = Client()
    sign_in(clerk, factories.staff(place, "clerk2"))
    assert clerk.post(url, {"format": "csv", "reason": "看看"}).status_code == 403


def test_the_api_reports_a_dry_run_and_a_failing_real_run(place, clerk):
    api = APIClient()
    api.force_authenticate(clerk)
    sign_in(api, clerk)
    url = f"/api/v1/neighborhoods/{place.pk}/ledger/import/"
    dry = api.post(url + "?dry_run=1", {"file": io.BytesIO(csv_bytes(rows()))}, format="multipart")
    assert dry.status_code == 200
    body = dry.json()
    assert body["ok"] and body["dry_run"] and not body["written"]
    assert body["plan"]["residents"] == 4 and counts()["Resident"] == 0
    assert body["plan"]["residents_created"] is None  # matched by ID only in a real run
    table = rows()
    table[2][6] = "310115195003211111"
    bad = api.post(url, {"file": io.BytesIO(csv_bytes(table))}, format="multipart")
    assert bad.status_code == 400
    body = bad.json()
    assert body["code"] == "import_invalid"
    assert body["report"]["errors"][0] == {
        "row": 3,
        "column": "身份证号",
        "code": "malformed_id",
        "message": "身份证号无效：请核对 18 位号码。",
    }
    assert counts()["Resident"] == 0
    missing = api.post(url, {}, format="multipart")
    assert missing.status_code == 400 and missing.json()["code"] == "file_required"
    real = api.post(url, {"file": io.BytesIO(csv_bytes(rows()))}, format="multipart")
    assert real.status_code == 200 and real.json()["written"]


def test_the_api_exports_with_filters_and_refuses_full_to_staff(place, clerk):
    api = APIClient()
    api.force_authenticate(clerk)
    sign_in(api, clerk)
    api.post(
        f"/api/v1/neighborhoods/{place.pk}/ledger/import/",
        {"file": io.BytesIO(csv_bytes(rows()))},
        format="multipart",
    )
    url = f"/api/v1/neighborhoods/{place.pk}/ledger/export/"
    response = api.get(url + "?format=csv&tag=living_alone")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert "王秀英" in text and WANG not in text and "李强" not in text
    assert api.get(url + "?format=csv&full=1&reason=x1").status_code == 403
    bad = api.get(url + "?format=doc")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_format"
