"""Issue 17's done-when journey in a real browser against a real daphne: a new resident
scans the household letter's QR code (/verify/#code=...), has no account, so is sent to log
in, goes on to sign up with a mobile number, types the code the SMS brought (read here from
the console backend's outbox file), lands back on verification with the household code
filled in, and is verified. The household code rides in the URL fragment and this tab's
sessionStorage only: no request the server sees carries it in a path or query."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from accounts.models import Building, Household, Residency, User
from accounts.verification import services as verification
from tests import factories
from tests.conftest import database_env, free_port, off_the_loop, start_daphne, stop

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

NUMBER = "13900139000"
E164 = "+8613900139000"


def sms_code(outbox: Path, to: str, *, timeout: float = 10) -> str:
    """The six digits of the last text to `to` in the console backend's outbox file."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if outbox.exists():
            texts = [
                line["text"]
                for line in map(json.loads, outbox.read_text().splitlines())
                if line["to"] == to
            ]
            found = re.search(r"\b(\d{6})\b", texts[-1]) if texts else None
            if found:
                return found.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no SMS to {to} in {outbox}")


@pytest.fixture
def server(transactional_db: None, tmp_path: Path) -> Any:
    """A daphne whose console SMS backend writes each text to an outbox file."""
    outbox = tmp_path / "outbox.jsonl"
    env = {
        **database_env(),
        "LINLI_SMS_BACKEND": "accounts.auth.sms.ConsoleBackend",
        "LINLI_SMS_OUTBOX": str(outbox),
    }
    port = free_port()
    process = start_daphne(port, env)
    yield f"http://127.0.0.1:{port}", outbox
    stop(process)


@pytest.fixture
def letter(transactional_db: None) -> tuple[Household, verification.IssuedCode]:
    """A household in the ledger and the code printed on its letter. (A fixture: once
    Playwright's loop runs in this thread, the ORM refuses to run here.)"""
    place = factories.neighborhood("云台第二")
    building = Building.objects.create(neighborhood=place, name="5号楼")
    house = Household.objects.create(
        building=building, unit="2", room="301", floor_area="80.00", tenure="owner"
    )
    factories.person(house, "陈小芳")
    issued = verification.household_code_issue(
        actor=factories.staff(place, "xiaochen"), household_id=house.pk
    )
    return house, issued


def test_letter_link_sign_up_by_sms_then_verified(
    letter: tuple[Household, verification.IssuedCode], server: Any, chromium: Any
) -> None:
    base, outbox = server
    house, issued = letter

    context = chromium.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url))

    # The QR code on the letter: the code in the fragment, which browsers never send.
    page.goto(f"{base}/verify/#code={issued.display}")
    page.wait_for_url(re.compile(r"/login/"))
    page.click("a[data-keeps-household-code]")  # 没有账号？用手机号注册
    page.wait_for_url(re.compile(r"/accounts/signup/"))
    page.fill("#id_phone", NUMBER)
    page.click("form.signup button[type=submit]")

    page.wait_for_url(re.compile(r"/accounts/phone/verify/"))
    page.fill("input[name=code]", sms_code(outbox, E164))
    page.locator("main form button[type=submit]").first.click()

    # Back on verification, the household code filled in from this tab's memory.
    page.wait_for_url(f"{base}/verify/")
    assert page.input_value("#verify-code") == issued.display
    page.fill("#verify-name", "陈小芳")
    page.click("form.verify button[type=submit]")
    page.wait_for_url(f"{base}/household/")
    assert "5号楼2单元301室" in page.content()
    assert page.locator("h1").inner_text() == "我的家庭"

    def account() -> tuple[bool, bool]:
        user = User.objects.get(phone=E164)
        lives = Residency.objects.filter(user=user, household=house, ended_at__isnull=True)
        return user.phone_verified, lives.exists()

    assert off_the_loop(account) == (True, True)
    # The code never reached the server in a path or a query string.
    canonical = issued.code
    for url in sent:
        bare = url.upper().replace("-", "")
        assert canonical not in bare, url
    assert not errors, errors
    context.close()
