"""One word per thing (docs/glossary.md): the variants the glossary lists as not used appear
in no template, no source and no Chinese translation; and three pages that said the wrong
thing with numbers (a button reading "户数", "31 31 位车主", two errors counted as two rows)
say the right thing.

The forbidden variants are read from the glossary's table itself, so adding a variant there
is all it takes to hold every page to it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.accounts.ledger_transfer_helpers import csv_bytes, rows
from tests.test_layers import PROJECT  # the application's packages, named once

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "docs/glossary.md"
CATALOGUE = ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"
SOURCES = ("*.html", "*.py", "*.js", "*.txt")


def glossary() -> dict[str, list[str]]:
    """The table under "Terms": the chosen Chinese term -> its variants not used."""
    text = GLOSSARY.read_text()
    table = text.split("## 术语 Terms", 1)[1]
    found: dict[str, list[str]] = {}
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("中文", "") or set(cells[0]) == {"-"}:
            continue
        found[cells[0]] = re.findall(r"`([^`]+)`", cells[3])
    return found


def forbidden() -> dict[str, str]:
    """Each variant not used -> the term to use instead."""
    return {variant: term for term, variants in glossary().items() for variant in variants}


def sources() -> list[Path]:
    found = []
    for app in PROJECT:
        for pattern in SOURCES:
            for path in (ROOT / app).rglob(pattern):
                if "migrations" not in path.parts:
                    found.append(path)
    return sorted(found)


def translations() -> list[tuple[int, str]]:
    """(line, text) of every msgstr of the Chinese catalogue, continuation lines joined."""
    found: list[tuple[int, str]] = []
    lines = CATALOGUE.read_text().splitlines()
    for number, line in enumerate(lines, 1):
        if line.startswith("msgstr"):
            parts = [line.split(" ", 1)[1]]
            for following in lines[number:]:
                if not following.startswith('"'):
                    break
                parts.append(following)
            found.append((number, "".join(part.strip().strip('"') for part in parts)))
    return found


def test_the_glossary_names_the_terms_the_issue_found_drifting() -> None:
    terms = glossary()
    # the household code and the letter: one term each, the others listed as not used
    assert {"认证码", "住户认证码"} <= set(terms["户码"])
    assert "告知书" in terms["通知信"]
    assert {"户码", "通知信", "认证", "委托", "公示", "议事厅", "居委会", "业主", "建筑面积",
            "书面征询"} <= set(terms)  # fmt: skip
    # a chosen term is never another term's variant
    assert not set(terms) & set(forbidden())


def test_no_template_or_source_uses_a_variant() -> None:
    variants = forbidden()
    drift = [
        f"{path.relative_to(ROOT)}:{number}: {variant} (use {term})"
        for path in sources()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        for variant, term in variants.items()
        if variant in line
    ]
    assert not drift, "\n".join(drift)


def test_no_chinese_translation_uses_a_variant() -> None:
    variants = forbidden()
    drift = [
        f"django.po:{number}: {text} — {variant} (use {term})"
        for number, text in translations()
        for variant, term in variants.items()
        if variant in text
    ]
    assert translations(), "the catalogue's msgstr lines were not found"
    assert not drift, "\n".join(drift)


# The three wrong numbers ------------------------------------------------------------------


def visible(html: str) -> str:
    """The page's text as read: tags dropped, whitespace collapsed."""
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_codes_page_button_names_what_it_opens_not_a_count() -> None:
    place = factories.neighborhood()
    house = factories.household(place)
    factories.person(house, "张伟")
    page = login(factories.staff(place)).get(reverse("codes", args=[place.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    labels = [
        visible(label).strip()
        for label in re.findall(r'<(?:a class="button"|button)[^>]*>(.*?)</(?:a|button)>', html)
    ]
    assert labels, "the buildings list has its buttons"
    assert "户数" not in labels and "查看各户" in labels
    # the count keeps its label
    assert re.search(r"<dt>户数</dt>\s*<dd[^>]*>1</dd>", html)


@pytest.mark.django_db
def test_the_ledger_prints_each_number_once_with_its_unit() -> None:
    # given one resident with one car: vehicles and owners are the same number
    place = factories.neighborhood()
    factories.person(factories.household(place), "王秀英", vehicles=["沪A12345"])
    page = login(factories.staff(place)).get(reverse("ledger", args=[place.pk]))
    text = visible(page.content.decode())
    assert page.status_code == 200
    # then each figure reads with its unit, and no number stands twice in a row
    assert "1 辆车 （1 位车主）" in text
    assert not re.search(r"(?<![\d.:/-])(\d+) \1 ?(位|户|人|辆)", text), text


@pytest.mark.django_db
def test_the_import_report_counts_rows_and_problems_apart(tmp_path, settings) -> None:
    settings.MEDIA_ROOT = tmp_path
    place = factories.neighborhood()
    table = rows()
    table[3][8] = "12345"  # a bad phone
    table[3][3] = "八十八"  # and a bad floor area, on the same row
    upload = SimpleUploadedFile("台账.csv", csv_bytes(table), content_type="text/csv")
    page = login(factories.staff(place)).post(
        reverse("ledger_import", args=[place.pk]), {"file": upload}
    )
    html = page.content.decode()
    assert page.status_code == 400
    assert len(page.context["report"].errors) == 2
    assert re.search(r'<dt>有问题的行</dt><dd data-count="problem-rows">1</dd>', html)
    assert re.search(r'<dt>发现的问题</dt><dd data-count="problems">2</dd>', html)
