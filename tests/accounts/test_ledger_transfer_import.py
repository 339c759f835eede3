"""ledger_import: a committee's spreadsheet, checked row by row in a dry run that writes
nothing, then imported in one transaction, or not at all; any bytes give a DomainError."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import identity
from accounts.ledger import sheets, transfer
from accounts.models import (
    AccessKind,
    Building,
    DataAccess,
    Household,
    LedgerAction,
    LedgerChange,
    Resident,
    ResidentTag,
)
from core.errors import DomainError, Forbidden, Invalid, NotFound
from tests import factories
from tests.accounts.ledger_transfer_helpers import (
    LI,
    TODAY,
    WANG,
    XIAO,
    counts,
    csv_bytes,
    person_id,
    rows,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    return factories.neighborhood("昌里第五")


@pytest.fixture
def clerk(place):
    return factories.staff(place, "clerk")


def run(clerk, place, content: bytes, *, dry_run: bool, filename: str = "台账.csv"):
    return transfer.ledger_import(
        actor=clerk,
        neighborhood_id=place.pk,
        filename=filename,
        content=content,
        dry_run=dry_run,
        today=TODAY,
    )


def test_the_tag_labels_are_the_ledgers_tags():
    assert set(sheets.TAG_LABELS) == set(ResidentTag.values)


def test_a_dry_run_plans_everything_and_writes_nothing(clerk, place):
    # given a clean sheet of 4 residents in 3 households of 2 new buildings
    before = counts()
    # when it is checked
    report = run(clerk, place, csv_bytes(rows()), dry_run=True)
    # then the report tells the plan and nothing at all was written
    assert report.ok and report.rows == 4 and report.ignored_columns == ["备注"]
    plan = report.plan
    assert sorted(plan.buildings) == ["12号楼", "3号楼"]
    assert (plan.households_created, plan.households_updated, plan.households_unchanged) == (
        3,
        0,
        0,
    )
    # residents are counted, not matched by ID number: a dry run confirms no number
    assert plan.residents == 4
    assert (plan.residents_created, plan.residents_updated, plan.residents_unchanged) == (
        None,
        None,
        None,
    )
    assert not report.written
    assert counts() == before


def test_a_real_run_writes_households_residents_history_and_one_audit_row(clerk, place):
    report = run(clerk, place, csv_bytes(rows()), dry_run=False)
    assert report.written and report.ok
    assert Building.objects.filter(neighborhood=place).count() == 2
    assert Household.objects.filter(building__neighborhood=place).count() == 3
    wang = Resident.objects.get(id_number_hash=identity.hash_id_number(WANG))
    assert wang.real_name == "王秀英" and wang.birth_date == dt.date(1950, 3, 21)
    assert wang.phone == "13812345678" and wang.vehicles == ["沪A12345"]
    assert wang.tags == ["living_alone", "party_member"]
    assert wang.household.floor_area == Decimal("72.50") and wang.household.tenure == "owner"
    assert identity.decrypt_id_number(wang.id_number_encrypted) == WANG
    li = Resident.objects.get(id_number_hash=identity.hash_id_number(LI))
    assert li.phone == "02158881234" and li.household.tenure == "tenant"
    xiao = Resident.objects.get(id_number_hash=identity.hash_id_number(XIAO))
    assert xiao.household_id == li.household_id and xiao.phone == ""
    # history: one import row per household and resident, masked
    changes = LedgerChange.objects.filter(neighborhood=place)
    assert changes.count() == 3 + 4
    assert set(changes.values_list("action", flat=True)) == {LedgerAction.IMPORT}
    text = str(list(changes.values_list("before", "after")))
    assert WANG not in text and "13812345678" not in text and "138****5678" in text
    (audit,) = DataAccess.objects.filter(neighborhood=place)
    assert audit.kind == AccessKind.IMPORT and audit.reason == "import" and audit.actor == clerk
    assert audit.detail == {
        "filename": "台账.csv",
        "rows": 4,
        "written": True,
        "created": 7,
        "updated": 0,
    }
    assert (report.plan.residents_created, report.plan.residents_updated) == (4, 0)


def test_a_second_import_matches_by_id_number_and_updates_only_what_changed(clerk, place):
    # given the sheet imported once
    run(clerk, place, csv_bytes(rows()), dry_run=False)
    # when it comes again with a new phone for 王, a larger flat for 李's household, and
    # 赵 moved into 12号楼 1单元 301 with 王
    table = rows()
    table[2][8] = "13900001111"
    table[3][3] = table[4][3] = "90"
    table[5][:5] = ["12号楼", "1", "301", "72.5", "自有"]
    dry = run(clerk, place, csv_bytes(table), dry_run=True)
    # then the dry run plans the households (residents are matched only by a real run)
    plan = dry.plan
    assert plan.buildings == []
    assert (plan.households_created, plan.households_updated, plan.households_unchanged) == (
        0,
        1,
        1,
    )
    assert plan.residents == 4 and plan.residents_updated is None
    # and a real run matches by ID number and makes it so
    history = LedgerChange.objects.count()
    real = run(clerk, place, csv_bytes(table), dry_run=False).plan
    assert (real.residents_created, real.residents_updated, real.residents_unchanged) == (0, 2, 2)
    wang = Resident.objects.get(id_number_hash=identity.hash_id_number(WANG))
    assert wang.phone == "13900001111"
    zhao = Resident.objects.get(real_name="赵桂兰")
    assert zhao.household_id == wang.household_id
    assert Household.objects.get(residents__real_name="李强").floor_area == Decimal("90.00")
    assert LedgerChange.objects.count() == history + 3
    change = LedgerChange.objects.filter(entity_id=wang.pk).latest("pk")
    assert change.before == {"phone": "138****5678"} and change.after == {"phone": "139****1111"}


def test_a_broken_sheet_reports_every_row_and_a_real_run_writes_nothing(clerk, place):
    table = rows()
    table[2][6] = WANG[:17] + ("0" if WANG[17] != "0" else "1")  # a wrong check character
    table[3][8] = "12345"
    table[5][4] = "借住"
    before = counts()
    report = run(clerk, place, csv_bytes(table), dry_run=True)
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (3, "身份证号", "malformed_id"),
        (4, "电话", "invalid_phone"),
        (6, "产权", "invalid_tenure"),
    ]
    assert report.errors[0].message == "身份证号无效：请核对 18 位号码。"
    assert WANG[:17] not in str(report.as_dict())
    with pytest.raises(transfer.ImportInvalid) as caught:
        run(clerk, place, csv_bytes(table), dry_run=False)
    assert caught.value.code == "import_invalid" and len(caught.value.report.errors) == 3
    assert counts() == before


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_every_encoding_excel_saves(clerk, place, encoding):
    report = run(clerk, place, csv_bytes(rows(), encoding), dry_run=True)
    assert report.ok and report.plan.residents == 4


def test_xlsx_with_numbers_and_dates_as_excel_stores_them(clerk, place):
    table: list[list[object]] = [list(r) for r in rows()]
    table[2][3] = 72.5
    table[2][2] = 301
    table[2][7] = dt.datetime(1950, 3, 21)  # noqa: DTZ001 - Excel cells hold no zone
    report = run(clerk, place, xlsx_bytes(table), dry_run=False, filename="ledger.xlsx")
    assert report.ok and report.written
    wang = Resident.objects.get(real_name="王秀英")
    assert wang.household.room == "301" and wang.household.floor_area == Decimal("72.50")


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "unreadable_file"),
        (b"PK\x03\x04" + b"\x00" * 100, "unreadable_file"),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "unreadable_file"),
        (b"a,b\n\x00\x00,c\n", "unreadable_file"),
        (b"name,phone\n", "missing_column"),
        (b"x" * (5 * 1024 * 1024 + 1), "file_too_large"),
    ],
)
def test_odd_files_get_a_code(clerk, place, content, code):
    with pytest.raises(Invalid) as caught:
        report = run(clerk, place, content, dry_run=True)
        if report.errors:
            raise transfer.ImportInvalid(report)
    got = caught.value
    assert got.code == code or (
        isinstance(got, transfer.ImportInvalid) and got.report.errors[0].code == code
    )


def test_a_truncated_xlsx_is_unreadable(clerk, place):
    whole = xlsx_bytes(rows())
    for cut in (len(whole) // 3, len(whole) // 2, len(whole) - 10):
        with pytest.raises(Invalid) as caught:
            run(clerk, place, whole[:cut], dry_run=True)
        assert caught.value.code == "unreadable_file"


def test_too_many_rows(clerk, place):
    table = [rows()[1]] + [["1号楼", "", str(i), "50", "自有", "某", "x"] for i in range(20_001)]
    with pytest.raises(Invalid) as caught:
        run(clerk, place, csv_bytes(table), dry_run=True)
    assert caught.value.code == "too_many_rows"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=600))
def test_random_bytes_give_a_domain_error_or_a_report(clerk, place, content):
    try:
        report = run(clerk, place, content, dry_run=True)
    except DomainError as exc:
        outcome = exc.code
    else:
        outcome = "report" if report.errors or report.rows == 0 else "clean rows?"
    assert outcome in {"unreadable_file", "missing_column", "report"}


def test_only_the_committee_may_import(place):
    outsider = factories.user("outsider")
    moderator = factories.staff(place, "mod", role="moderator")
    with pytest.raises(NotFound):
        run(outsider, place, csv_bytes(rows()), dry_run=True)
    with pytest.raises(Forbidden):
        run(moderator, place, csv_bytes(rows()), dry_run=True)


def test_a_resident_of_another_neighborhood_is_not_matched(clerk, place):
    elsewhere = factories.household(factories.neighborhood("云台第一"))
    factories.person(elsewhere, "王秀英", birth=dt.date(1950, 3, 21), id_number=WANG)
    report = run(clerk, place, csv_bytes(rows()), dry_run=False)
    assert report.plan.residents_created == 4


def test_a_thousand_households_import_in_a_few_seconds(clerk, place):
    # given 1,000 households of 3 residents (the 3,000/9,000 figure is measured by hand)
    table = [sheets.EXPORT_HEADERS[:7]]
    serial = 0
    for house in range(1000):
        for _member in range(3):
            serial += 1
            birth = dt.date(1940 + serial % 50, 1 + serial % 12, 1 + serial % 28)
            table.append(
                [f"{house % 40 + 1}号楼", str(house % 4 + 1), str(house), "70", "自有",
                 f"居民{serial}", person_id(birth, serial % 1000)]
            )  # fmt: skip
    started = time.monotonic()
    report = run(clerk, place, csv_bytes(table), dry_run=False)
    took = time.monotonic() - started
    assert report.ok, report.errors[:3]
    assert report.plan.residents_created == 3000 and report.plan.households_created == 1000
    assert took < 30
