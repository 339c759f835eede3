"""Screenshots of the main pages at phone size, for the README (docs/screenshots/*.png).

    make run                                  # in one terminal: the demo, seeded
    .venv/bin/python scripts/screenshots.py   # in another; --base http://host:port, --only home

Why a script and not PNGs taken by hand: the pages change (the header and the navigation
are being redesigned as this is written), and the README's pictures should follow with one
command. It drives Debian's chromium (/usr/bin/chromium, with fonts-noto-cjk for the Chinese)
through Playwright, in Chinese, at 390x844 like a common phone, as the demo users. Pages that
need an id (a ballot, the committee's place) are reached by following links from a
list, as a person would, so the script needs no ids and works on any seeded demo.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs/screenshots"
CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
# demo/seed.py DEMO_PASSWORD, printed by `make run` (not imported: that would need Django).
DEMO_PASSWORD = "linli-demo-2026"


def follow(selector: str) -> Callable[[Any], None]:
    """A step that opens the first link matching `selector` on the current page."""

    def step(page: Any) -> None:
        page.locator(selector).first.click()
        page.wait_for_load_state("networkidle")

    return step


@dataclass(frozen=True)
class Shot:
    name: str  # docs/screenshots/<name>.png
    user: str | None  # a demo login (demo/seed.py DEMO_USERS); None for a visitor
    path: str
    then: Callable[[Any], None] | None = None


SHOTS = [
    Shot("home", "resident", "/"),
    Shot("ballots", "resident", "/ballots/"),
    Shot("ballot", "resident", "/ballots/", follow("a[href^='/ballots/']:has-text('电梯')")),
    Shot("rooms", "moderator", "/rooms/"),
    Shot("notifications", "resident", "/notifications/"),
    Shot("household", "resident", "/household/"),
    Shot("verify", "newcomer", "/verify/"),
    Shot("committee", "staff", "/committee/"),
    Shot("ledger", "staff", "/committee/", follow("a[href$='/ledger/']")),
    Shot("codes", "staff", "/committee/", follow("a[href$='/codes/']")),
    Shot("me", "resident", "/me/"),
    Shot("signup", None, "/accounts/signup/"),
]


def log_in(page: Any, base: str, user: str) -> None:
    """The login form by its field names: Django's `username` or allauth's `login`."""
    page.goto(f"{base}/login/")
    page.locator("input[name=username], input[name=login]").first.fill(user)
    page.locator("input[type=password]").first.fill(DEMO_PASSWORD)
    page.locator("input[type=password]").first.press("Enter")
    page.wait_for_load_state("networkidle")
    if "/login/" in page.url:
        raise SystemExit(f"could not log in as {user} at {base}/login/ (is the demo seeded?)")


def decline_elder_mode(page: Any) -> None:
    """A demo resident over 60 is offered elder mode once; the pictures show the pages
    themselves, so the offer is answered "not now" (it is then not offered again)."""
    offer = page.locator(".elder-offer button[name=on][value='0']")
    if offer.count():
        offer.first.click()
        page.wait_for_load_state("networkidle")


def take(browser: Any, base: str, shot: Shot, out: Path) -> Path:
    context = browser.new_context(locale="zh-CN", viewport=PHONE, device_scale_factor=1)
    try:
        page = context.new_page()
        if shot.user is not None:
            log_in(page, base, shot.user)
            decline_elder_mode(page)
        page.goto(f"{base}{shot.path}")
        page.wait_for_load_state("networkidle")
        if shot.then:
            shot.then(page)
        target = out / f"{shot.name}.png"
        page.screenshot(path=str(target), animations="disabled", caret="hide")
        return target
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000", help="where make run serves")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--only", nargs="*", help="names of the shots to take (default: all)")
    args = parser.parse_args(argv)
    shots = [s for s in SHOTS if not args.only or s.name in args.only]
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            for shot in shots:
                print(take(browser, args.base.rstrip("/"), shot, args.out))
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
