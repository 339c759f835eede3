"""core.markup: what a post's Markdown becomes."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from core import markup

SITE = ["linli.example"]


def render(text: str) -> str:
    return markup.render(text, site_hosts=SITE)


def test_headings_start_below_the_pages_own() -> None:
    html = render("# a\n\n## b\n\n### c\n\n#### d\n\n###### e")
    assert html == "<h2>a</h2>\n<h3>b</h3>\n<h4>c</h4>\n<h5>d</h5>\n<h6>e</h6>"
    assert markup.render("# a", top=3) == "<h3>a</h3>"
    assert markup.render("# a", top=1) == "<h2>a</h2>"  # never the page's h1


def test_heading_levels_never_skip() -> None:
    assert render("## a\n\n#### b") == "<h2>a</h2>\n<h3>b</h3>"
    assert render("# a\n\n### b\n\n# c\n\n## d") == (
        "<h2>a</h2>\n<h3>b</h3>\n<h2>c</h2>\n<h3>d</h3>"
    )


def test_tables_are_focusable_and_typed_attributes_are_not() -> None:
    assert render("|a|\n|-|\n|1|").startswith('<table tabindex="0">')
    assert 'tabindex="' not in render('<p tabindex="1">x</p> [x](/y "t")')


def test_tables_lists_strikethrough_and_code() -> None:
    html = render("| a | b |\n|---|--:|\n| 1 | 2 |\n\n- x\n- y\n\n~~old~~ `k`\n\n```\n<b>\n```")
    for piece in ('<table tabindex="0">', "<th>a</th>", "<td>2</td>", "<li>x</li>", "<s>old</s>"):
        assert piece in html
    assert "<code>k</code>" in html
    assert "<pre><code>&lt;b&gt;\n</code></pre>" in html


def test_raw_html_stays_text() -> None:
    assert render("<b>hi</b>") == "<p>&lt;b&gt;hi&lt;/b&gt;</p>"


def test_links_get_rel_and_only_external_ones_a_new_tab() -> None:
    html = render(
        "[me](/me/) [home](https://linli.example/x) [out](https://other.example/) "
        "<mail@example.org>"
    )
    rel = 'rel="nofollow noopener ugc"'
    assert f'<a href="/me/" {rel}>me</a>' in html
    assert f'<a href="https://linli.example/x" {rel}>home</a>' in html
    assert f'<a href="https://other.example/" {rel} target="_blank">out</a>' in html
    assert f'<a href="mailto:mail@example.org" {rel}>mail@example.org</a>' in html


def test_bare_addresses_are_linked() -> None:
    html = render("见 www.example.org 和 https://linli.example/topics/1/")
    assert '<a href="http://www.example.org" rel="nofollow noopener ugc" target="_blank">' in html
    assert '<a href="https://linli.example/topics/1/" rel="nofollow noopener ugc">' in html


def test_images_become_links_never_hot_links() -> None:
    html = render("![狗](https://other.example/dog.png)")
    assert "<img" not in html
    assert 'href="https://other.example/dog.png"' in html and ">狗</a>" in html


def test_javascript_links_are_not_links() -> None:
    for text in ("[x](javascript:alert(1))", "<javascript:alert(1)>", "[x](vbscript:x)"):
        assert "<a" not in render(text)


@pytest.mark.parametrize("control", ["\u202e", "\u202a", "\u2066", "\u2069", "\u200f"])
def test_bidi_controls_are_removed(control: str) -> None:
    assert render(f"abc{control}def") == "<p>abcdef</p>"


def test_input_is_bounded() -> None:
    assert render("x" * markup.MAX_TEXT)
    with pytest.raises(ValueError):
        render("x" * (markup.MAX_TEXT + 1))


def test_is_external() -> None:
    assert markup.is_external("https://other.example/", SITE)
    assert markup.is_external("//other.example/", SITE)
    assert not markup.is_external("https://LINLI.example/", ["linli.example"])
    assert not markup.is_external("/topics/1/", SITE)
    assert not markup.is_external("mailto:a@b.c", SITE)


NESTED = [
    "[" * 10_000,
    ">" * 10_000 + " x",
    "- " * 10_000,
    "*" * 10_000,
    "[](" * 6_000,
    "(" * 10_000,
]


@pytest.mark.parametrize(
    "text", NESTED, ids=["brackets", "quotes", "lists", "stars", "links", "parens"]
)
def test_deep_nesting_renders_fast(text: str) -> None:
    started = time.monotonic()
    assert render(text)
    assert time.monotonic() - started < 5


def test_deep_nesting_in_a_fresh_process_neither_recurses_nor_hangs() -> None:
    # A fresh interpreter with a small recursion limit: render must not depend on the depth.
    code = (
        "import sys; sys.setrecursionlimit(300); from core import markup; "
        "[markup.render(t) for t in ('[' * 10000, '>' * 10000, '> ' * 10000, '- ' * 10000)]"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
