"""The spreadsheet's rules, pure: headers found anywhere in the first rows, in any order and
language; every error code, on the row and under the column the committee wrote."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts import idcard
from accounts.ledger import sheets

TODAY = dt.date(2025, 6, 1)
ADULT = idcard.make("310115", dt.date(1950, 3, 21), 11)
ADULT2 = idcard.make("310115", dt.date(1960, 1, 2), 12)
CHILD = idcard.make("310115", dt.date(2015, 8, 1), 13)
HEAD = ["楼号", "单元", "室号", "建筑面积", "产权", "姓名", "身份证号", "出生日期", "电话",
        "车牌", "标签", "监护人同意"]  # fmt: skip


def line(**over: str) -> list[str]:
    cells = {
        "楼号": "12号楼", "单元": "1", "室号": "301", "建筑面积": "72.5", "产权": "自有",
        "姓名": "王秀英", "身份证号": ADULT, "出生日期": "1950-03-21", "电话": "13812345678",
        "车牌": "沪A12345", "标签": "独居、党员", "监护人同意": "否",
    }  # fmt: skip
    cells.update(over)
    return [cells[name] for name in HEAD]


def codes(sheet: sheets.Sheet) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.code) for e in sheet.errors]


def test_a_clean_row_is_read_with_every_field():
    # given a header row and one resident
    sheet = sheets.read([HEAD, line()], today=TODAY)
    # then the row is typed and normalized
    assert sheet.errors == []
    (row,) = sheet.rows
    assert row.row == 2 and row.address == ("12号楼", "1", "301")
    assert row.floor_area == Decimal("72.50") and row.tenure == "owner"
    assert row.birth_date == dt.date(1950, 3, 21)
    assert row.phone == "13812345678" and row.vehicles == ["沪A12345"]
    assert row.tags == ["living_alone", "party_member"] and row.guardian_consent is False


def test_the_header_is_found_below_a_title_in_any_order_with_english_aliases_and_extras():
    # given a title, a blank row, then English headers in another order plus a note column
    rows = [
        ["昌里第五居民区台账 2025"],
        [],
        ["Name", "备注", "ID_Number", "room", "building", "floor_area", "tenure", "手机"],
        ["王秀英", "老党员", ADULT, "301", "12号楼", "72.5㎡", "owner", "021-58881234"],
    ]
    sheet = sheets.read(rows, today=TODAY)
    assert sheet.errors == []
    assert sheet.header is not None and sheet.header.index == 2
    assert sheet.header.ignored == ["备注"]
    (row,) = sheet.rows
    assert row.row == 4 and row.unit == "" and row.phone == "02158881234"
    # columns the file does not have are left alone (None), not cleared
    assert row.vehicles is None and row.tags is None and row.guardian_consent is None


def test_a_header_beyond_the_tenth_row_is_not_found():
    rows = [["title"]] * 10 + [HEAD, line()]
    sheet = sheets.read(rows, today=TODAY)
    assert codes(sheet) == [(1, "", "missing_column")]


def test_missing_required_columns_are_named():
    sheet = sheets.read([["姓名", "电话"], ["王秀英", ""]], today=TODAY)
    (error,) = sheet.errors
    assert error.code == "missing_column"
    assert error.params["columns"] == "楼号、室号、建筑面积、产权、身份证号"


@pytest.mark.parametrize(
    ("over", "column", "code"),
    [
        ({"楼号": ""}, "楼号", "required"),
        ({"姓名": " "}, "姓名", "required"),
        ({"身份证号": ""}, "身份证号", "required"),
        ({"室号": "1234567890"}, "室号", "too_long"),
        ({"身份证号": ADULT[:-1] + ("0" if ADULT[-1] != "0" else "1")}, "身份证号", "malformed_id"),
        ({"身份证号": "310115********0011"}, "身份证号", "malformed_id"),
        ({"出生日期": "1960-01-03"}, "出生日期", "id_birth_mismatch"),
        ({"出生日期": "三月"}, "出生日期", "invalid_birth_date"),
        ({"电话": "138****5678"}, "电话", "invalid_phone"),
        ({"建筑面积": "0"}, "建筑面积", "invalid_area"),
        ({"建筑面积": "10000.01"}, "建筑面积", "invalid_area"),
        ({"建筑面积": "七十"}, "建筑面积", "invalid_area"),
        ({"建筑面积": ""}, "建筑面积", "required"),
        ({"产权": "借住"}, "产权", "invalid_tenure"),
        ({"产权": ""}, "产权", "required"),
        ({"标签": "独居、富豪"}, "标签", "unknown_tag"),
        ({"车牌": "沪A12345、AB"}, "车牌", "invalid_plate"),
        ({"车牌": " ".join(f"沪A1234{i}" for i in range(10)) + " 沪B11111"}, "车牌",
         "too_many_vehicles"),
        ({"监护人同意": "也许"}, "监护人同意", "invalid_consent"),
        ({"身份证号": CHILD, "出生日期": ""}, "监护人同意", "guardian_consent_required"),
    ],
)  # fmt: skip
def test_each_rule_reports_its_code_on_the_row_and_the_column_as_written(over, column, code):
    # given a clean row and a row that breaks one rule
    second = line(**{"室号": "302", "身份证号": ADULT2, "出生日期": "1960-01-02", **over})
    sheet = sheets.read([HEAD, line(), second], today=TODAY)
    # then that row alone fails, with its code, under the header as the file writes it
    assert codes(sheet) == [(3, column, code)]
    assert [r.row for r in sheet.rows] == [2]
    assert all(ADULT2 not in str(e.params) for e in sheet.errors)


def test_a_child_with_consent_may_have_a_phone_and_without_one_needs_none():
    rows = [
        HEAD,
        line(身份证号=CHILD, 出生日期="2015/8/1", 监护人同意="是", 室号="1"),
        line(身份证号=idcard.make("310115", dt.date(2016, 1, 1), 1), 出生日期="", 电话="",
             车牌="", 标签="", 室号="2"),
    ]  # fmt: skip
    sheet = sheets.read(rows, today=TODAY)
    assert sheet.errors == [] and len(sheet.rows) == 2


def test_a_child_without_the_consent_column_is_asked_for_it_on_the_id_column():
    rows = [["楼号", "室号", "面积", "产权", "姓名", "身份证号", "电话"],
            ["1号楼", "101", "50", "租住", "小明", CHILD, "13812345678"]]  # fmt: skip
    assert codes(sheets.read(rows, today=TODAY)) == [(2, "身份证号", "guardian_consent_required")]


def test_a_duplicate_id_number_names_the_first_row():
    sheet = sheets.read([HEAD, line(), line(室号="302")], today=TODAY)
    (error,) = sheet.errors
    assert (error.row, error.column, error.code) == (3, "身份证号", "duplicate_in_file")
    assert error.params == {"first": "2"}


def test_rows_of_one_address_must_agree_on_area_and_tenure():
    rows = [
        HEAD,
        line(),
        line(身份证号=ADULT2, 出生日期="", 建筑面积="80"),
        line(身份证号=idcard.make("310115", dt.date(1970, 1, 1), 3), 出生日期="", 产权="租住"),
    ]
    sheet = sheets.read(rows, today=TODAY)  # fmt: skip
    assert codes(sheet) == [
        (3, "建筑面积", "household_conflict"),
        (4, "产权", "household_conflict"),
    ]
    assert sheet.errors[0].params == {"first": "2"}


def test_blank_rows_are_skipped_and_not_counted():
    sheet = sheets.read([HEAD, [""] * 12, line(), ["  "]], today=TODAY)
    assert sheet.data_rows == 1 and [r.row for r in sheet.rows] == [3]


@pytest.mark.parametrize(
    ("text", "day"),
    [("2010-03-05", dt.date(2010, 3, 5)), ("2010/3/5", dt.date(2010, 3, 5)),
     ("2010.03.05", dt.date(2010, 3, 5)), ("2010年3月5日", dt.date(2010, 3, 5)),
     ("20100305", dt.date(2010, 3, 5)), ("2010-03-05 00:00:00", dt.date(2010, 3, 5)),
     ("2010-02-30", None), ("yesterday", None), ("", None)],
)  # fmt: skip
def test_dates_in_the_forms_committees_write(text, day):
    assert sheets.parse_date(text) == day


@pytest.mark.parametrize(
    ("text", "tenure"),
    [("自有", "owner"), ("自住", "owner"), ("产权", "owner"), ("Owner", "owner"),
     ("租住", "tenant"), ("租赁", "tenant"), ("出租", "tenant"), ("tenant", "tenant")],
)  # fmt: skip
def test_tenure_words(text, tenure):
    (row,) = sheets.read([HEAD, line(产权=text)], today=TODAY).rows
    assert row.tenure == tenure


@pytest.mark.parametrize(
    ("text", "consent"), [("是", True), ("Y", True), ("1", True), ("否", False), ("N", False),
                          ("0", False), ("", False)]
)  # fmt: skip
def test_consent_words(text, consent):
    (row,) = sheets.read([HEAD, line(监护人同意=text)], today=TODAY).rows
    assert row.guardian_consent is consent


def test_lists_split_on_every_separator_committees_use():
    assert sheets.split_list("沪A12345、沪B2,沪C3，沪D4;沪E5；沪F6/沪G7 沪H8") == [
        "沪A12345", "沪B2", "沪C3", "沪D4", "沪E5", "沪F6", "沪G7", "沪H8"]  # fmt: skip
    (row,) = sheets.read([HEAD, line(标签="volunteer；退役军人")], today=TODAY).rows
    assert row.tags == ["veteran", "volunteer"]


def test_export_cells_are_defused_and_read_back_as_written():
    cells = sheets.export_row(
        building="=HYPERLINK(1)", unit="", room="+1", floor_area=Decimal("72.5"), tenure="tenant",
        name="@王", id_number=ADULT, birth_date=dt.date(1950, 3, 21), phone="", vehicles=[],
        tags=["key_care", "disabled"], guardian_consent=True,
    )  # fmt: skip
    assert cells[:3] == ["'=HYPERLINK(1)", "", "'+1"] and cells[3] == "72.50"
    assert cells[4] == "租住" and cells[5] == "'@王" and cells[10] == "重点关注、残疾"
    assert cells[11] == "是"
    assert [sheets.clean(c) for c in cells[:3]] == ["=HYPERLINK(1)", "", "+1"]
    assert sheets.clean("'hello") == "'hello"


@given(st.lists(st.lists(st.text(max_size=20), max_size=14), max_size=14))
def test_any_cells_give_rows_or_errors_never_an_exception(rows):
    sheet = sheets.read(rows, today=TODAY)
    assert sheet.errors or sheet.header is not None
    for error in sheet.errors:
        assert error.row >= 1 and error.code
