"""A server going away (SIGTERM: close 1001) sends the page straight back, after a random
moment of up to a second, instead of the backoff that failed reconnects built up."""

from __future__ import annotations

import signal
import time
from typing import Any

import pytest

from tests.browser import open_as
from tests.conftest import World, free_port, start_daphne, stop

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

# Recorded in the page: the delay of every reconnect it schedules, and each close code.
WATCH = """
window.reconnectDelays = [];
window.closeCodes = [];
const realSetTimeout = window.setTimeout;
window.setTimeout = function (fn, delay, ...rest) {
  if (fn && fn.name === "connect") window.reconnectDelays.push(delay);
  return realSetTimeout.call(this, fn, delay, ...rest);
};
const RealWebSocket = window.WebSocket;
window.WebSocket = class extends RealWebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener("close", (event) => window.closeCodes.push(event.code));
  }
};
"""


def wait_until(page: Any, expression: str) -> None:
    """Poll from here: the page's CSP refuses wait_for_function's eval."""
    deadline = time.monotonic() + 30
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still waiting for {expression}"
        time.sleep(0.05)


def test_a_page_reconnects_at_once_when_its_server_goes_away(world: World, chromium) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_daphne(port)
    try:
        context, page, errors = open_as(chromium, base, "bob")
        page.wait_for_url(f"{base}/boards/**")
        page.add_init_script(WATCH)
        page.reload()
        page.wait_for_selector("body[data-live='on']")

        # The server dies without a word (1006): reconnects back off, failing...
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        wait_until(page, "window.reconnectDelays.length >= 4")
        server = start_daphne(port)
        page.wait_for_selector("body[data-live='on']", timeout=30_000)
        backed_off = page.evaluate("window.reconnectDelays")
        assert backed_off[-1] >= 2000  # the backoff the page has built up

        # ...then the new server is shut down cleanly while the page is on it.
        server.send_signal(signal.SIGTERM)
        wait_until(page, "window.closeCodes.at(-1) === 1001")
        wait_until(page, f"window.reconnectDelays.length > {len(backed_off)}")
        assert server.wait(30) == 0
        delay = page.evaluate("window.reconnectDelays.at(-1)")
        assert 0 <= delay < 1000  # at once, spread over a second: no backoff

        server = start_daphne(port)  # "another server": the page is back on it
        page.wait_for_selector("body[data-live='on']", timeout=30_000)
        assert [e for e in errors if "ERR_CONNECTION_REFUSED" not in e] == []
        context.close()
    finally:
        stop(server)
