"""Hostile inputs through core.markup.render: (a) the output holds only allowlisted tags,
attributes and URL schemes, read by a real HTML parser; (b) Chromium loads all of them and
runs none: no dialog, no console word from a payload, no `window.__pwned` canary set, and
every link the browser's own URL parser reads is http, https or mailto."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest

from core import markup

SITE = "linli.test"

NESTED = 10_000
_RAW: list[str] = [
    # raw HTML: must stay text
    "<script>alert(1)</script>",
    "<script>window.__pwned=1</script>",
    "<img src=x onerror=alert(1)>",
    "<img src=x onerror=window.__pwned=1>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<math><annotation-xml encoding='text/html'><img src=x onerror=alert(1)></annotation-xml>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<iframe src=javascript:alert(1)></iframe>",
    "<iframe srcdoc='<script>parent.__pwned=1</script>'></iframe>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "<a href=javascript:alert(1)>x</a>",
    "<form><button formaction=javascript:alert(1)>x</button></form>",
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<style>@import 'javascript:alert(1)';</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<base href=javascript:alert(1)//>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<img src=x onerror=alert(1)>]]>",
    "<template><img src=x onerror=alert(1)></template>",
    "<select><style></select><img src=x onerror=alert(1)>",
    "<textarea></textarea><img src=x onerror=alert(1)>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    # attribute breaking through Markdown's own attributes
    '[x](https://a.example/" onmouseover="alert(1))',
    "[x](https://a.example/'onmouseover='alert(1))",
    '[x](https://a.example/ "title\\" onmouseover=\\"alert(1)")',
    '[x](<https://a.example/"onfocus=alert(1) autofocus=">)',
    '![x" onerror="alert(1)](https://a.example/x.png)',
    "`<img src=x onerror=alert(1)>`",
    "```\n</code></pre><img src=x onerror=alert(1)>\n```",
    "```html onload=alert(1)\n<b>x</b>\n```",
    # javascript: links in every Markdown form
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;&#x61;vascript:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](java&#9;script:alert(1))",
    "[x](java&#x0A;script:alert(1))",
    "[x](java&NewLine;script:alert(1))",
    "[x](\u0001javascript:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](javascript://%0aalert(1))",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "[x][r]\n\n[r]: <javascript:alert(1)>",
    "[r]\n\n[r]: java&#x09;script:alert(1)",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "javascript:alert(1)",
    "see javascript:alert(1) and www.javascript:alert(1).com",
    "![x](javascript:alert(1))",
    # other schemes
    "[x](vbscript:msgbox(1))",
    "<vbscript:msgbox(1)>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](data:text/html,<script>alert(1)</script>)",
    "<data:text/html,<script>alert(1)</script>>",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[x](file:///etc/passwd)",
    "[x](blob:https://a.example/uuid)",
    "[x](//evil.example/)",
    "[x](\\\\evil.example/)",
    # entity tricks
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "&#x3C;img src=x onerror=alert(1)&#x3E;",
    "&amp;lt;script&amp;gt;",
    # bidi and invisible characters
    "\u202ejs.exe",
    "[txt.exe\u202e](https://a.example/\u202egpj.exe)",
    "\u2066\u2067\u2068x\u2069\u200f",
    # deep structure
    "[" * NESTED,
    "]" * NESTED,
    "(" * NESTED,
    "[](" * NESTED,
    ">" * NESTED + " x",
    "> " * NESTED + "x",
    "- " * NESTED + "x",
    "*" * NESTED + "x" + "*" * NESTED,
    "`" * NESTED,
    "<" * NESTED,
    "&" * NESTED,
    "|" * NESTED + "\n" + "|-" * NESTED,
    "[x](" + "(" * NESTED + ")",
    "\n".join(["1. x"] * 2000),
]
# The longest pieces are cut to what render accepts at all (writers allow far less).
CORPUS = [text[: markup.MAX_TEXT] for text in _RAW]


class Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


ALLOWED_ATTRS = {
    "a": {"href", "title", "rel", "target"},
    "ol": {"start"},
    "table": {"tabindex"},
}


def check_allowlist(html: str) -> None:
    parser = Collect()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.tags:
        assert tag in markup.TAGS, (tag, html[:200])
        for name, value in attrs:
            assert name in ALLOWED_ATTRS.get(tag, set()), (tag, name, html[:200])
            if name == "href":
                assert value is not None
                href = "".join(value.split()).lower()
                scheme = urlsplit(href).scheme
                assert scheme in ("http", "https", "mailto", ""), (value, html[:200])
                assert "javascript" not in href.split("/")[0]
        if tag == "a":
            assert ("rel", markup.LINK_REL) in attrs


def test_the_corpus_is_big_enough() -> None:
    assert len(CORPUS) >= 60
    assert len(set(CORPUS)) == len(CORPUS)


@pytest.mark.parametrize("text", CORPUS, ids=[str(i) for i in range(len(CORPUS))])
def test_only_allowlisted_markup_remains(text: str) -> None:
    html = markup.render(text, site_hosts=[SITE])
    check_allowlist(html)
    for control in ("\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200f"):
        assert control not in html


PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>corpus</title></head>
<body>{items}</body></html>"""


@dataclass
class Loaded:
    dialogs: list[str]
    console: list[str]
    pwned: object
    elements: int
    protocols: list[str]


def load(browser: Any, page_html: str) -> Loaded:
    """The page at https://linli.test/corpus in a fresh context, hovered and focused all
    over; nothing else is fetched (every other request is aborted)."""
    from playwright.sync_api import ConsoleMessage, Dialog, Route

    dialogs: list[str] = []
    console: list[str] = []
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script("window.__pwned = 0;")

    def dialog(d: Dialog) -> None:
        dialogs.append(d.message)
        d.dismiss()

    def log(message: ConsoleMessage) -> None:
        console.append(message.text)

    def serve(route: Route) -> None:
        if route.request.url == f"https://{SITE}/corpus":
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=page_html)
        else:  # nothing leaves the test: no image, frame or script fetch anywhere
            route.abort()

    page.on("dialog", dialog)
    page.on("console", log)
    context.route("**/*", serve)
    page.goto(f"https://{SITE}/corpus")
    page.wait_for_timeout(300)  # animations and onbegin/ontoggle handlers get their turn
    # Focus and hover every element, as a reader's pointer and keyboard would.
    page.evaluate(
        """() => { for (const el of document.querySelectorAll('body *')) {
            el.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
            el.dispatchEvent(new FocusEvent('focus'));
        } }"""
    )
    page.wait_for_timeout(100)
    loaded = Loaded(
        dialogs=dialogs,
        console=console,
        pwned=page.evaluate("() => window.__pwned"),
        elements=page.evaluate(
            "() => document.querySelectorAll('script,iframe,object,embed,svg,math,img').length"
        ),
        protocols=page.evaluate(
            "() => [...document.querySelectorAll('[href],[src],[action],[formaction],[data]')]"
            ".map(e => e.tagName + ' ' + (e.href !== undefined ? new URL(e.href).protocol : 'x'))"
        ),
    )
    context.close()
    return loaded


@pytest.mark.browser
def test_the_harness_sees_a_payload_that_runs(chromium: object) -> None:
    # The control: the same page with one payload left unsanitized is caught three ways.
    payload = "<img src=x onerror=\"window.__pwned=1;console.log('pwned');alert(1)\">"
    loaded = load(chromium, PAGE.format(items=payload))
    assert loaded.pwned == 1
    assert loaded.dialogs == ["1"]
    assert "pwned" in loaded.console


@pytest.mark.browser
def test_chromium_runs_none_of_the_corpus(chromium: object) -> None:
    items = "".join(
        f'<section id="c{i}">{markup.render(text, site_hosts=[SITE])}</section>'
        for i, text in enumerate(CORPUS)
    )
    loaded = load(chromium, PAGE.format(items=items))
    assert loaded.dialogs == []
    assert [line for line in loaded.console if "pwned" in line or line == "1"] == []
    assert loaded.pwned == 0
    assert loaded.elements == 0
    assert loaded.protocols, "the corpus has links; none were seen"
    assert all(p in ("A https:", "A http:", "A mailto:") for p in loaded.protocols), (
        loaded.protocols
    )
