"""A reply in Markdown reaches the other reader live, rendered from the server's HTML, and a
wide table scrolls inside the post, never the page, on a 320 px phone."""

from __future__ import annotations

import pytest

from forum import services
from tests.a11y.axe import axe_findings, sideways_scroll
from tests.browser import open_as
from tests.conftest import World, off_the_loop

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

WIDE = "| " + " | ".join(f"列{i}" for i in range(30)) + " |\n" + "|---" * 30 + "|\n"
WIDE += "| " + " | ".join("很长很长的单元格内容" for _ in range(30)) + " |"
CODE = "```\n" + "x" * 300 + "\n```"
REPLY = f"## 结果\n\n- 一楼\n- 二楼\n\n{WIDE}\n\n{CODE}\n\n<script>window.__pwned=1</script>"


def test_a_markdown_reply_arrives_live_rendered_and_fits_a_phone(
    world: World, daphne_url: str, chromium
) -> None:
    base = f"http://{daphne_url}"
    topic = off_the_loop(
        services.topic_create, user=world.alice, board=world.board, title="停车", body="好"
    )
    path = f"/topics/{topic.pk}/"
    alice_ctx, alice, alice_errors = open_as(chromium, base, "alice", path)
    bob_ctx, bob, bob_errors = open_as(chromium, base, "bob", path)
    for page in (alice, bob):
        page.wait_for_selector("body[data-live='on']")

    alice.fill("#post-body", REPLY)
    alice.click("form.compose button[type=submit]")
    fresh = bob.locator(".posts .post .rich", has_text="结果")
    fresh.wait_for(timeout=10_000)
    assert fresh.locator("h2").inner_text() == "结果"
    assert fresh.locator("li").count() == 2
    assert fresh.locator("table th").count() == 30
    assert bob.evaluate("() => window.__pwned") is None
    assert "&lt;script&gt;" in fresh.inner_html()

    bob.set_viewport_size({"width": 320, "height": 640})
    assert sideways_scroll(bob) == 0
    bob.reload()  # the stored HTML, as the page renders it
    bob.locator(".posts .post .rich table").wait_for()
    assert sideways_scroll(bob) == 0
    assert axe_findings(bob) == []
    assert alice_errors == [] and bob_errors == []
    alice_ctx.close()
    bob_ctx.close()
