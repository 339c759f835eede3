"""Two residents in two real browsers on one board: each sees the other's post live."""

from __future__ import annotations

import pytest

from forum import services
from tests.browser import open_as
from tests.conftest import World, database_env, free_port, off_the_loop, start_daphne, stop

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def log_in(browser, base: str, username: str):
    context, page, errors = open_as(browser, base, username)
    page.wait_for_url(f"{base}/boards/**")
    page.wait_for_selector("body[data-live='on']")
    return context, page, errors


def test_two_residents_see_each_others_posts_live(
    world: World, daphne_url: str, chromium, tmp_path
) -> None:
    base = f"http://{daphne_url}"
    alice_ctx, alice, alice_errors = log_in(chromium, base, "alice")
    bob_ctx, bob, bob_errors = log_in(chromium, base, "bob")
    assert "邻里互助" in bob.title()

    alice.fill("#topic-body", "谁家的狗丢了?\n棕色小狗,红项圈")
    alice.click("form.compose button[type=submit]")
    bob.locator(".topics .topic .title", has_text="谁家的狗丢了?").wait_for(timeout=10_000)
    assert bob.url.endswith(f"/boards/{world.board.pk}/")  # no reload, no navigation
    assert bob.locator(".topics .topic .author").first.inner_text() == "王小明"
    alice.locator(".topics .topic .title", has_text="谁家的狗丢了?").wait_for(timeout=10_000)
    assert alice.input_value("#topic-body") == ""

    bob.fill("#topic-body", "我看到了,在12号楼下")
    bob.click("form.compose button[type=submit]")
    alice.locator(".topics .topic .title", has_text="我看到了").wait_for(timeout=10_000)
    assert alice.locator(".topics .topic").count() == 2

    # A refused post shows its translated message and sends nothing.
    bob.fill("#topic-title", "")
    bob.evaluate("document.querySelector('#topic-body').removeAttribute('required')")
    bob.fill("#topic-body", "   ")
    bob.click("form.compose button[type=submit]")
    bob.locator("[data-form-error]", has_text="请").wait_for(timeout=10_000)
    assert alice.locator(".topics .topic").count() == 2

    bob.screenshot(path=str(tmp_path / "board.png"), full_page=True)
    assert alice_errors == [] and bob_errors == []  # no CSP violation, no script error
    alice_ctx.close()
    bob_ctx.close()


def test_after_a_server_restart_the_page_catches_up_on_what_it_missed(
    world: World, chromium
) -> None:
    port = free_port()
    server = start_daphne(port)
    try:
        bob_ctx, bob, bob_errors = log_in(chromium, f"http://127.0.0.1:{port}", "bob")
        stop(server)
        bob.wait_for_selector("body[data-live='off']", timeout=15_000)
        assert bob.locator("[data-live-status]").is_visible()  # tells the reader it is offline
        # Written while the page had no connection: it must arrive after the reconnect.
        off_the_loop(
            services.topic_create, user=world.alice, board=world.board, title="", body="断线时发的"
        )
        server = start_daphne(port)
        bob.locator(".topics .topic .title", has_text="断线时发的").wait_for(timeout=30_000)
        bob.wait_for_selector("body[data-live='on']")
        assert bob.locator(".topics .topic").count() == 1
        bob_ctx.close()
    finally:
        stop(server)


def test_a_page_too_far_behind_reloads_and_keeps_the_draft(world: World, chromium) -> None:
    """Beyond the backlog the server answers resync: the page reloads its snapshot, and
    what the resident was typing survives the reload."""
    port = free_port()
    env = {**database_env(), "LINLI_BACKLOG_EVENTS": "2"}
    server = start_daphne(port, env=env)
    try:
        bob_ctx, bob, bob_errors = log_in(chromium, f"http://127.0.0.1:{port}", "bob")
        bob.fill("#topic-body", "我还没写完")
        bob.evaluate("window.beforeResync = true")  # gone only if the page reloads
        stop(server)
        bob.wait_for_selector("body[data-live='off']", timeout=15_000)
        for i in range(4):  # more than the backlog the restarted server will replay
            off_the_loop(
                services.topic_create,
                user=world.alice,
                board=world.board,
                title="",
                body=f"第{i}条",
            )
        server = start_daphne(port, env=env)
        bob.locator(".topics .topic .title", has_text="第3条").wait_for(timeout=30_000)
        assert bob.locator(".topics .topic").count() == 4
        assert bob.evaluate("window.beforeResync === undefined")  # it was a resync reload
        assert bob.input_value("#topic-body") == "我还没写完"
        # Only the reconnect attempts made while the server was down may have failed.
        assert [e for e in bob_errors if "ERR_CONNECTION_REFUSED" not in e] == []
        bob_ctx.close()
    finally:
        stop(server)
