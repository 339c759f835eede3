"""Edges of the ledger spreadsheet found in review: each was a 500, a wrong write or a leak."""

from __future__ import annotations

import csv
import io

import pytest

from accounts import idcard, identity
from accounts.ledger import sheets, transfer
from accounts.ledger.filters import LedgerFilter
from accounts.models import Residency
from core.errors import Invalid
from tests import factories
from tests.accounts.ledger_transfer_helpers import HEAD, TODAY, WANG, counts, csv_bytes


@pytest.fixture
def place(db):
    return factories.neighborhood("昌里第五")


@pytest.fixture
def clerk(place):
    return factories.staff(place, "clerk")


def row(**over: str) -> list[str]:
    values = ["12号楼", "1", "301", "72.5", "自有", "王秀英", WANG, "", "", "", "", ""]
    cells = dict(zip(HEAD, values, strict=True))
    cells.update(over)
    return list(cells.values())


def run(clerk, place, table, *, dry_run, filename="台账.csv"):
    return transfer.ledger_import(
        actor=clerk,
        neighborhood_id=place.pk,
        filename=filename,
        content=csv_bytes(table),
        dry_run=dry_run,
        today=TODAY,
    )


@pytest.mark.parametrize("number", ["²" * 18, "³" * 17 + "X", "٣" * 18])
def test_non_ascii_digits_are_not_an_id_number(number):
    # given digits str.isdigit() accepts but int() refuses or the ledger does not store
    # then the checksum says no instead of raising
    assert idcard.is_valid(number) is False


def test_a_superscript_id_number_is_a_row_error_not_a_crash(clerk, place):
    report = run(clerk, place, [HEAD, row(身份证号="²" * 18)], dry_run=True)
    assert [(e.row, e.column, e.code) for e in report.errors] == [(2, "身份证号", "malformed_id")]


@pytest.mark.parametrize("area", ["0.001", "0.004", "0.00"])
def test_an_area_that_rounds_to_zero_is_invalid(area):
    assert sheets.parse_area(area) is None


def test_an_area_that_rounds_to_zero_fails_the_import_and_writes_nothing(clerk, place):
    before = counts()
    with pytest.raises(Invalid) as caught:
        run(clerk, place, [HEAD, row(建筑面积="0.001")], dry_run=False)
    assert caught.value.code == "import_invalid"
    assert [e.code for e in caught.value.report.errors] == ["invalid_area"]
    assert counts() == before


def test_a_filename_with_control_characters_is_cleaned_for_the_audit_row(clerk, place):
    report = run(clerk, place, [HEAD, row()], dry_run=False, filename="a\x00b\x07.csv")
    assert report.written and report.filename == "ab.csv"


def test_a_masked_export_does_not_give_the_id_number_away(clerk, place):
    # given a resident imported with the birth date
    run(clerk, place, [HEAD, row(出生日期="1950-03-21")], dry_run=False)
    # when the committee exports the masked ledger
    _name, _type, body = transfer.ledger_export(
        actor=clerk, neighborhood_id=place.pk, spec=LedgerFilter(), fmt="csv"
    )
    cells = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[1]
    # then the mask and the birth date together are not the number (the mask hides the date)
    masked, birth = cells[6], cells[7]
    assert masked == identity.mask_id_number(WANG)
    assert birth == "1950-**-**"
    assert WANG[6:14] not in body.decode("utf-8-sig")


def test_a_verified_person_is_not_moved_away_from_their_residency(clerk, place):
    # given a verified resident of 1号楼
    account = factories.resident(place, "r1", name="王秀英")
    person = Residency.objects.get(user=account).resident
    number = identity.decrypt_id_number(person.id_number_encrypted)
    table = [HEAD, row(身份证号=number)]
    # when a spreadsheet puts the same person at 12号楼
    before = counts()
    with pytest.raises(Invalid) as caught:
        run(clerk, place, table, dry_run=False)
    # then the real run (the one that matches by ID number) says why, on the row and the
    # room column, and writes nothing but the record of the attempt
    assert caught.value.code == "import_invalid"
    errors = caught.value.report.errors
    assert [(e.row, e.column, e.code) for e in errors] == [(2, "室号", "verified_elsewhere")]
    assert counts() == {**before, "DataAccess": before["DataAccess"] + 1}
    person.refresh_from_db()
    assert person.household_id == Residency.objects.get(user=account).household_id


def test_a_verified_person_at_their_own_address_is_updated(clerk, place):
    # given a verified resident, and a sheet at their address with a new phone
    account = factories.resident(place, "r1", name="王秀英")
    person = Residency.objects.get(user=account).resident
    house = person.household
    number = identity.decrypt_id_number(person.id_number_encrypted)
    cells = row(
        楼号=house.building.name,
        单元=house.unit,
        室号=house.room,
        建筑面积=str(house.floor_area),
        身份证号=number,
        电话="13812345678",
    )
    table = [HEAD, cells]
    # when it is imported
    report = run(clerk, place, table, dry_run=False)
    # then the person is updated in place
    assert report.ok and report.plan.residents_updated == 1
    person.refresh_from_db()
    assert person.phone == "13812345678" and person.household_id == house.pk
