"""axe-core in a page (bundled by axe-playwright-python: no network at test time), with
no rule disabled, and the sideways-scroll measure: shared by the crawl of every page
(test_axe_crawl.py) and the tests of single pages that check themselves from birth."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe

_axe = Axe()
# Every rule axe runs by default, plus WCAG 2.2 AA's target size (24 px), which axe leaves
# off by default: the issue found 29 px header targets and elder mode promises 48 px.
AXE_EXTRA = {"target-size": {"enabled": True}}


def axe_findings(page: Any) -> list[str]:
    """axe's violations on the page as it is now, bounded in time (axe.run waits for the
    page's frames; a page that never settles fails here rather than hanging the suite)."""
    page.evaluate(_axe.axe_script)
    response = page.evaluate(
        """(AXE_EXTRA) => Promise.race([
            axe.run(document, { resultTypes: ["violations"], rules: AXE_EXTRA }),
            new Promise((_, no) => setTimeout(() => no(new Error("axe took 60 s")), 60000)),
        ])""",
        AXE_EXTRA,
    )
    found = []
    for violation in response["violations"]:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
        found.append(f"{violation['id']} ({violation['impact']}, {len(targets)}x): {targets[:3]}")
    return found


def sideways_scroll(page: Any) -> int:
    """How many CSS px the page is wider than the window (0 = no horizontal scrolling)."""
    return int(
        page.evaluate(
            "() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
        )
    )
