"""The 400/403/404 pages are translated and inside the site's layout, with a way back; the
500 (and any page whose layout cannot be rendered) stays standalone; the API keeps JSON."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import transaction
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.utils import translation

from config import error_pages
from tests import factories

pytestmark = pytest.mark.django_db

LAYOUT = 'class="site"'  # the header of frontend/base.html and of the standalone page
TABS = 'nav class="tabs"'  # only in the full layout, for a signed-in user


def signed_in_request(path: str) -> HttpRequest:
    request = RequestFactory().get(path)
    request.user = factories.resident(factories.neighborhood())
    return request


@pytest.mark.parametrize(
    ("language", "title", "back"),
    [("zh-hans", "未找到。", "返回首页"), ("en", "Not found.", "Back to the home page")],
)
def test_a_missing_page_is_translated_in_the_layout_with_a_way_back(
    language: str, title: str, back: str
) -> None:
    client = Client(headers={"accept-language": language})
    client.force_login(factories.resident(factories.neighborhood()))
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert f"<h1>{title}</h1>" in page and back in page and 'href="/"' in page
    assert TABS in page  # the layout, not a bare page


@pytest.mark.parametrize(
    ("language", "status", "handler", "exception", "title"),
    [
        ("zh-hans", 400, error_pages.bad_request, SuspiciousOperation(), "无法理解该请求。"),
        ("en", 400, error_pages.bad_request, SuspiciousOperation(), "The request could not"),
        ("zh-hans", 403, error_pages.permission_denied, PermissionDenied(), "您无权进行此操作。"),
        ("en", 403, error_pages.permission_denied, PermissionDenied(), "You may not do this."),
    ],
)
def test_400_and_403_are_translated_in_the_layout(
    language: str, status: int, handler, exception: Exception, title: str
) -> None:
    with translation.override(language):
        response = handler(signed_in_request("/boards/1/"), exception)
    page = response.content.decode()
    assert response.status_code == status
    assert title in page and TABS in page
    assert f'lang="{"zh-CN" if language == "zh-hans" else "en"}"' in page


@pytest.mark.parametrize(
    ("language", "words"), [("zh-hans", "系统出了点问题"), ("en", "Something")]
)
def test_a_500_is_standalone_and_translated(language: str, words: str) -> None:
    with translation.override(language):
        response = error_pages.server_error(signed_in_request("/boards/1/"))
    page = response.content.decode()
    assert response.status_code == 500 and words in page
    assert LAYOUT in page and TABS not in page  # no context processors, no database


def test_a_404_whose_layout_cannot_read_the_database_is_answered_standalone() -> None:
    request = signed_in_request("/boards/1/")
    # The database refuses every query until the end of the transaction (as when it failed
    # mid-request): the layout's context processors cannot run.
    transaction.set_rollback(True)
    try:
        with translation.override("zh-hans"):
            response = error_pages.page_not_found(request, Exception())
    finally:
        transaction.set_rollback(False)
    page = response.content.decode()
    assert response.status_code == 404 and "未找到。" in page and "返回首页" in page
    assert TABS not in page


def test_a_visitor_not_signed_in_gets_the_layout_without_tabs() -> None:
    response = Client().get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404 and "未找到。" in page and "登录" in page
    assert TABS not in page


def test_the_api_keeps_its_json() -> None:
    response = Client().get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert json.loads(response.content) == {"code": "not_found", "message": "未找到。"}


@pytest.mark.parametrize(
    ("language", "words"), [("zh-hans", "表单已过期"), ("en", "This form has expired")]
)
def test_a_refused_form_says_what_to_do_in_the_layout(language: str, words: str) -> None:
    client = Client(enforce_csrf_checks=True, headers={"accept-language": language})
    response = client.post("/login/", {"username": "x", "password": "y"})
    page = response.content.decode()
    assert response.status_code == 403 and words in page and LAYOUT in page


@pytest.mark.parametrize(
    ("language", "title"),
    [("zh-hans", "这是表单提交的地址"), ("en", "This address is the target of a form")],
)
def test_a_get_of_a_form_address_is_a_translated_405_page_with_its_allow_header(
    language: str, title: str
) -> None:
    """Django's 405 is an empty body, which a browser replaces with its own error screen."""
    place = factories.neighborhood()
    client = Client(headers={"accept-language": language})
    client.force_login(factories.staff(place))
    response = client.get(f"/committee/{place.pk}/ledger/households/1/edit/")
    page = response.content.decode()
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert title in page and 'href="/"' in page and TABS in page


def test_an_api_405_stays_json() -> None:
    client = Client()
    client.force_login(factories.resident(factories.neighborhood()))
    response = client.delete("/api/v1/notifications/")
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    assert "code" in response.json()
