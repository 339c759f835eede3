"""Spreadsheets for the transfer tests: a committee's ledger as CSV or .xlsx bytes."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence

from accounts import idcard
from accounts.models import (
    Building,
    DataAccess,
    Household,
    LedgerChange,
    Residency,
    Resident,
)

HEAD = ["楼号", "单元", "室号", "建筑面积", "产权", "姓名", "身份证号", "出生日期", "电话",
        "车牌", "标签", "监护人同意"]  # fmt: skip
TODAY = dt.date(2025, 6, 1)


def person_id(birth: dt.date, serial: int) -> str:
    return idcard.make("310115", birth, serial)


WANG = person_id(dt.date(1950, 3, 21), 501)
LI = person_id(dt.date(1978, 7, 9), 502)
XIAO = person_id(dt.date(2016, 2, 2), 503)
ZHAO = person_id(dt.date(1933, 1, 5), 504)


def rows() -> list[list[str]]:
    return [
        ["昌里第五居民区 台账"],
        HEAD + ["备注"],
        ["12号楼", "1", "301", "72.5", "自有", "王秀英", WANG, "1950-03-21", "13812345678",
         "沪A12345", "独居、党员", "否", "老党员"],
        ["12号楼", "1", "302", "88", "租住", "李强", LI, "", "021-58881234", "", "", "", ""],
        ["12号楼", "1", "302", "88", "租住", "李小宝", XIAO, "", "", "", "", "", ""],
        ["3号楼", "", "101", "45.3", "自住", "赵桂兰", ZHAO, "", "", "", "重点关注", "", ""],
    ]  # fmt: skip


def csv_bytes(table: Sequence[Sequence[str]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(table)
    return out.getvalue().encode(encoding)


def xlsx_bytes(table: Sequence[Sequence[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in table:
        sheet.append(list(line))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def counts() -> dict[str, int]:
    """Every table an import could touch."""
    return {
        model.__name__: model.objects.count()
        for model in (Building, Household, Resident, Residency, LedgerChange, DataAccess)
    }
