"""A logged-in phone-sized page in Debian's chromium, recording script and CSP errors."""

from __future__ import annotations

from typing import Any

from tests import factories


def open_as(browser: Any, base: str, username: str, path: str = "") -> tuple[Any, Any, list[str]]:
    """(context, page, errors): logged in as `username`, on `path` when given (else where
    the login lands). `errors` collects console errors and uncaught exceptions."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/login/" + (f"?next={path}" if path else ""))
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("form.login button[type=submit]")
    if path:
        page.wait_for_url(f"{base}{path}")
    page.wait_for_load_state()
    return context, page, errors
