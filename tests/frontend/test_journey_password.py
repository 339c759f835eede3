"""Issue 17 item 2 in a real browser: a resident who forgot the password follows the log-in
page's link, gets a code by SMS (read from the console backend's outbox file), types it,
sets a new password on an accessible page, and logs in with it next time."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from accounts.models import User
from tests import factories
from tests.a11y.axe import axe_findings, sideways_scroll
from tests.conftest import off_the_loop
from tests.frontend.test_journey_signup import server, sms_code

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
__all__ = ["server"]  # the daphne with an SMS outbox file, shared with the sign-up journey

E164 = "+8613900139001"
NEW = "梅花三弄-2026"


@pytest.fixture
def forgetful(transactional_db: None) -> User:
    return factories.user("laozhou", phone=E164, phone_verified=True)


def test_forgotten_password_by_sms_code(forgetful: User, server: Any, chromium: Any) -> None:
    base, outbox = server
    context = chromium.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{base}/login/")
    page.click("a[href='/accounts/password/new/']")
    page.wait_for_url(re.compile(r"/accounts/login/code/\?next="))
    page.fill("input[name=phone]", "139 0013 9001")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/accounts/login/code/confirm/"))
    page.fill("input[name=code]", sms_code(outbox, E164))
    page.locator("main form button[type=submit]").first.click()

    page.wait_for_url(f"{base}/accounts/password/new/")
    page.set_viewport_size({"width": 320, "height": 640})
    assert axe_findings(page) == []
    assert sideways_scroll(page) == 0
    page.fill("#id_password1", NEW)
    page.fill("#id_password2", NEW)
    page.click("form.password-new button[type=submit]")
    page.wait_for_url(f"{base}/me/")
    context.close()

    # Next time, the new password works on the ordinary form.
    again = chromium.new_context(locale="zh-CN")
    login = again.new_page()
    login.goto(f"{base}/login/")
    login.fill("#id_username", "13900139001")
    login.fill("#id_password", NEW)
    login.click("form.login button[type=submit]")
    login.wait_for_url(f"{base}/")
    again.close()
    assert off_the_loop(lambda: User.objects.get(pk=forgetful.pk).check_password(NEW))
    texts = Path(outbox).read_text()
    assert "密码已修改" in texts  # the notice to the number
    assert errors == []
