"""Issue 17's journey: a secretary turns on two-step verification and is asked for the code
before a reveal. In a real browser: the reveal sends them to set up an authenticator app
(the test reads the secret off the page and computes the code as the app would), they see
their recovery codes, the next reveal asks for a fresh code, then the number shows once and
the look is recorded."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from accounts.models import DataAccess
from tests import factories
from tests.a11y.axe import axe_findings, sideways_scroll
from tests.accounts.ledger_scene import WANG_ID, build
from tests.browser import open_as
from tests.conftest import off_the_loop
from tests.second_factor import totp_now

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_a_secretary_turns_on_totp_and_is_asked_for_it_before_a_reveal(
    transactional_db: None, daphne_url: str, chromium
):
    scene = off_the_loop(build)
    secretary = off_the_loop(factories.staff, scene.here, "mishu", role="secretary")
    base = f"http://{daphne_url}"
    resident_page = reverse("ledger_resident", args=[scene.here.pk, scene.wang.pk])
    context, page, errors = open_as(chromium, base, "mishu", resident_page)

    def reveal() -> None:
        page.fill("#reason-id", "办理高龄补贴")
        page.click("form.reveal:has(#reason-id) button[type=submit]")
        page.wait_for_load_state()

    def accessible() -> None:
        """Our two pages of the flow (not in the crawl: they need a fresh password step)."""
        assert axe_findings(page) == []
        page.set_viewport_size({"width": 320, "height": 640})
        assert sideways_scroll(page) == 0
        page.set_viewport_size({"width": 390, "height": 844})

    # First reveal: no second factor yet, so the page sends the secretary to set one up.
    reveal()
    assert "两步验证" in page.inner_text("body")  # why, said on the way
    # allauth asks for the password once more before adding an authenticator.
    assert page.url.startswith(f"{base}{reverse('account_reauthenticate')}")
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}{reverse('mfa_activate_totp')}*")
    assert off_the_loop(DataAccess.objects.count) == 0
    accessible()
    secret = page.input_value("#authenticator_secret")
    first_code = totp_now(secret)
    page.fill("#id_code", first_code)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}{reverse('mfa_view_recovery_codes')}")
    codes = page.input_value("#recovery_codes").split()
    assert len(codes) >= 5
    assert off_the_loop(Authenticator.objects.filter(user=secretary, type="totp").exists)

    # Back to the resident: turning it on is not passing it, so the code is asked for now.
    page.goto(f"{base}{resident_page}")
    reveal()
    assert page.url.startswith(f"{base}{reverse('mfa_reauthenticate')}")
    assert off_the_loop(DataAccess.objects.count) == 0
    accessible()
    page.fill("#id_code", totp_now(secret, not_this=first_code))
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}{resident_page}")

    # Now the reveal works, once, and is recorded with the reason.
    reveal()
    page.wait_for_selector(".revealed")
    assert page.inner_text(".revealed") == WANG_ID
    look = off_the_loop(DataAccess.objects.get)
    assert (look.actor_id, look.reason) == (secretary.pk, "办理高龄补贴")
    assert errors == []
    context.close()
