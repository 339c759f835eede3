"""ledger_export: the import's columns, masked by default, full only for a secretary with a
reason, always audited; a full export re-imports with zero changes."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from accounts.ledger import sheets, transfer
from accounts.ledger.filters import LedgerFilter
from accounts.models import AccessKind, DataAccess, Resident
from core.errors import Forbidden, Invalid
from tests import factories
from tests.accounts.ledger_transfer_helpers import TODAY, WANG, counts, csv_bytes, rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    return factories.neighborhood("昌里第五")


@pytest.fixture
def secretary(place):
    clerk = factories.staff(place, "secretary", role="secretary")
    transfer.ledger_import(
        actor=clerk,
        neighborhood_id=place.pk,
        filename="a.csv",
        content=csv_bytes(rows()),
        dry_run=False,
        today=TODAY,
    )
    return clerk


@pytest.fixture
def clerk(place, secretary):
    return factories.staff(place, "clerk")


def export(who, place, *, fmt="csv", full=False, reason="", spec=None):
    return transfer.ledger_export(
        actor=who,
        neighborhood_id=place.pk,
        spec=spec or LedgerFilter(),
        fmt=fmt,
        full=full,
        reason=reason,
        today=TODAY,
    )


def table_of(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_a_masked_csv_export_has_the_import_headers_and_an_audit_row(clerk, place):
    filename, content_type, content = export(clerk, place)
    assert filename.endswith(".csv") and content_type.startswith("text/csv")
    table = table_of(content)
    assert table[0] == list(sheets.EXPORT_HEADERS)
    assert len(table) == 5
    assert [r[0] for r in table[1:]] == ["12号楼", "12号楼", "12号楼", "3号楼"]  # ordered
    wang = next(r for r in table if r[5] == "王秀英")
    assert wang[6] == Resident.objects.get(real_name="王秀英").id_number_masked
    assert wang[8] == "138****5678" and WANG not in content.decode("utf-8-sig")
    assert wang[9] == "沪A12345" and wang[10] == "独居、党员" and wang[4] == "自有"
    audit = DataAccess.objects.filter(kind=AccessKind.EXPORT).get()
    assert audit.actor == clerk and audit.detail == {
        "filters": {},
        "format": "csv",
        "rows": 4,
        "full": False,
    }


def test_the_filter_selects_and_is_recorded(clerk, place):
    spec = LedgerFilter(age_min=90)
    _name, _type, content = export(clerk, place, spec=spec, fmt="xlsx")
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == list(sheets.EXPORT_HEADERS)
    assert [v[5] for v in values[1:]] == ["赵桂兰"]
    assert DataAccess.objects.get(kind=AccessKind.EXPORT).detail["filters"] == {"age_min": "90"}


def test_a_full_export_needs_a_secretary_and_a_reason(clerk, secretary, place):
    with pytest.raises(Forbidden):
        export(clerk, place, full=True, reason="核对")
    with pytest.raises(Invalid) as caught:
        export(secretary, place, full=True, reason=" ")
    assert caught.value.code == "reason_required"
    assert not DataAccess.objects.filter(kind=AccessKind.EXPORT).exists()
    _name, _type, content = export(secretary, place, full=True, reason="街道核对高龄补贴")
    assert WANG in content.decode("utf-8-sig") and "13812345678" in content.decode("utf-8-sig")
    audit = DataAccess.objects.get(kind=AccessKind.EXPORT)
    assert audit.reason == "街道核对高龄补贴" and audit.detail["full"] is True


def test_a_bad_format_is_refused(clerk, place):
    with pytest.raises(Invalid) as caught:
        export(clerk, place, fmt="pdf")
    assert caught.value.code == "invalid_format"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_full_export_reimports_with_zero_changes(secretary, place, fmt):
    _name, _type, content = export(secretary, place, fmt=fmt, full=True, reason="备份")
    before = counts()
    report = transfer.ledger_import(
        actor=secretary,
        neighborhood_id=place.pk,
        filename=f"back.{fmt}",
        content=content,
        dry_run=False,
        today=TODAY,
    )
    assert report.ok, report.errors
    plan = report.plan
    assert plan.buildings == []
    assert (plan.households_created, plan.households_updated, plan.households_unchanged) == (
        0,
        0,
        3,
    )
    assert (plan.residents_created, plan.residents_updated, plan.residents_unchanged) == (0, 0, 4)
    after = counts()
    assert after == {**before, "DataAccess": before["DataAccess"] + 1}


def test_a_masked_export_does_not_reimport(clerk, place):
    _name, _type, content = export(clerk, place)
    report = transfer.ledger_import(
        actor=clerk,
        neighborhood_id=place.pk,
        filename="m.csv",
        content=content,
        dry_run=True,
        today=TODAY,
    )
    assert {e.code for e in report.errors} >= {"malformed_id"}


def test_cells_that_look_like_formulas_are_defused(clerk, place):
    person = Resident.objects.get(real_name="王秀英")
    person.real_name = "=HYPERLINK(1)"
    person.save()
    _name, _type, content = export(clerk, place)
    assert "'=HYPERLINK(1)" in content.decode("utf-8-sig")
