"""Markdown to safe HTML, once, at write time. Pure (no Django): the caller passes the
site's own hosts.

Two layers, each enough on its own for the common case and together for the odd one:
markdown-it-py with raw HTML off (typed HTML stays text) and its own link validation,
then bleach with an explicit allowlist, so whatever the parser lets through is cut to
the tags, attributes and URL schemes below.

Decisions:
- Images are not rendered: `![alt](url)` becomes a link to the URL. Photos reach the
  forum as uploads through the Pillow pipeline (stripped, resized, served by us); a hot
  link would let any server log who read a post, and when, and could change under us.
- Headings start below the page's: the page owns h1 (the topic title), so a post's `#`
  is h2 (`top`, a parameter) and deeper ones follow, never skipping a level (`##` alone is
  h2 too; `#` then `###` is h2, h3): screen readers navigate by level, and axe's
  heading-order flags a jump, which the first version (h3 and down) made on the topic page.
- Tables scroll inside their post on a phone, so each is a keyboard-focusable region
  (tabindex=0): a scrolling region a keyboard cannot reach fails WCAG 2.1.1.
- Bidi controls (the explicit embeddings, overrides and isolates) are removed before
  parsing: a right-to-left override can make a link or a file name read backwards.
- Bounded work: the input is at most MAX_TEXT characters and markdown-it's nesting
  limit stops deep quotes and lists; its inline scanners are linear on brackets.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any
from urllib.parse import urlsplit

import bleach  # type: ignore[import-untyped]  # no stubs published
from bleach.html5lib_shim import Filter  # type: ignore[import-untyped]
from markdown_it import MarkdownIt
from markdown_it.token import Token

MAX_TEXT = 20_000
# Deep enough for a quote in a list in a quote; deeper structure renders flat as text.
MAX_NESTING = 20

TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "s", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "h2", "h3", "h4", "h5", "h6",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ATTRIBUTES: dict[str, list[str]] = {"a": ["href", "title"], "ol": ["start"]}
PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener ugc"

# U+202A..U+202E embeddings and overrides, U+2066..U+2069 isolates, and the marks.
BIDI_CONTROLS = dict.fromkeys(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]
)


def _parser() -> MarkdownIt:
    md = MarkdownIt(
        "commonmark",
        {"html": False, "linkify": True, "typographer": False, "maxNesting": MAX_NESTING},
    )
    md.enable(["linkify", "table", "strikethrough"])
    md.disable("image")  # `![alt](url)` then reads as "!" and a link to the url
    return md


_MD = _parser()


def _finish(site_hosts: frozenset[str]) -> type[Filter]:
    class Finish(Filter):  # type: ignore[misc]
        """Every link gets rel; a link that leaves the site also opens a new tab. Tables
        are focusable (they may scroll). Runs after the allowlist, so only we add these."""

        def __iter__(self) -> Iterator[dict[str, Any]]:
            for token in super().__iter__():
                if token["type"] == "StartTag" and token["name"] == "table":
                    token["data"][(None, "tabindex")] = "0"
                if token["type"] == "StartTag" and token["name"] == "a":
                    attrs = token["data"]
                    attrs[(None, "rel")] = LINK_REL
                    attrs.pop((None, "target"), None)
                    if is_external(attrs.get((None, "href"), ""), site_hosts):
                        attrs[(None, "target")] = "_blank"
                yield token

    return Finish


def is_external(href: str, site_hosts: Collection[str]) -> bool:
    """A web link to another host. Relative links, our own hosts and mailto: stay."""
    try:
        parts = urlsplit(href.strip())
    except ValueError:
        return False
    if parts.scheme not in ("http", "https", ""):
        return False
    host = (parts.hostname or "").lower()
    return bool(host) and host not in site_hosts


def _levels(tokens: list[Token], top: int) -> None:
    previous = top - 1
    for token in tokens:
        if token.type == "heading_open":
            level = min(top - 1 + int(token.tag[1]), previous + 1, 6)
            previous = level
            token.tag = f"h{level}"
        elif token.type == "heading_close":  # a heading holds only inline: its own open
            token.tag = f"h{previous}"


def render(text: str, *, site_hosts: Collection[str] = (), top: int = 2) -> str:
    """The HTML for `text`; its headings start at h`top`. Raises ValueError past
    MAX_TEXT characters (callers check their own, smaller, limits first with a translated
    message)."""
    if len(text) > MAX_TEXT:
        raise ValueError(f"markup input longer than {MAX_TEXT} characters")
    source = text.translate(BIDI_CONTROLS)
    tokens = _MD.parse(source)
    _levels(tokens, max(2, min(top, 6)))
    html = _MD.renderer.render(tokens, _MD.options, {})
    hosts = frozenset(h.lower() for h in site_hosts)
    cleaner = bleach.Cleaner(
        tags=TAGS,
        attributes=ATTRIBUTES,
        protocols=PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[_finish(hosts)],
    )
    return str(cleaner.clean(html)).strip()
