"""The committees' ledger spreadsheet: its columns and the rules of each row. Pure (no Django).

Cells come in as text (the reader in transfer.py turns CSV and .xlsx cells into strings);
out come typed rows and errors as codes with parameters. Messages are translated by the
caller, so this module never holds a sentence for people, and no error carries a full ID
number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from accounts import idcard
from accounts.ledger import filters, rules
from core.text import scrub

HEADER_SCAN = 10  # the header row is looked for within the first rows
AREA_MAX = Decimal("10000")
BUILDING_MAX = 32
UNIT_MAX = 8
ROOM_MAX = 8

# field -> the headers a committee may write for it; the first is the one exports use.
COLUMNS: dict[str, tuple[str, ...]] = {
    "building": ("楼号", "楼栋", "building"),
    "unit": ("单元", "unit"),
    "room": ("室号", "房号", "room"),
    "floor_area": ("建筑面积", "面积", "floor_area"),
    "tenure": ("产权", "tenure"),
    "name": ("姓名", "name"),
    "id_number": ("身份证号", "身份证号码", "id_number"),
    "birth_date": ("出生日期", "birth_date"),
    "phone": ("电话", "手机", "phone"),
    "vehicles": ("车牌", "vehicles"),
    "tags": ("标签", "tags"),
    "guardian_consent": ("监护人同意", "guardian_consent"),
}
FIELDS = tuple(COLUMNS)
REQUIRED = ("building", "room", "floor_area", "tenure", "name", "id_number")
EXPORT_HEADERS = tuple(names[0] for names in COLUMNS.values())

TENURES = {
    "自有": "owner",
    "自住": "owner",
    "产权": "owner",
    "owner": "owner",
    "租住": "tenant",
    "租赁": "tenant",
    "出租": "tenant",
    "tenant": "tenant",
}
TENURE_LABELS = {"owner": "自有", "tenant": "租住"}

# The Chinese labels of accounts.models.ResidentTag (a test keeps the two in step).
TAG_LABELS = {
    "living_alone": "独居",
    "disabled": "残疾",
    "low_income": "低保",
    "veteran": "退役军人",
    "key_care": "重点关注",
    "party_member": "党员",
    "volunteer": "志愿者",
}
_TAGS = {**{label: slug for slug, label in TAG_LABELS.items()}, **{s: s for s in TAG_LABELS}}
_YES = {"是", "y", "yes", "1", "true", "同意"}
_NO = {"否", "n", "no", "0", "false", "不同意", ""}
_LIST_SPLIT = re.compile(r"[、,，;；/\s]+")
_AREA_UNITS = re.compile(r"(m²|m2|㎡|平方米|平米)$", re.IGNORECASE)
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_TIMESTAMP = re.compile(r"(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(:\d{2})?")
FORMULA_START = ("=", "+", "-", "@")


@dataclass(frozen=True)
class RowError:
    row: int  # as Excel numbers it: 1-based, the header row counted
    column: str  # the header as written in the file ("" for the whole row)
    code: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    """One valid resident row. Optional columns missing from the file are None."""

    row: int
    building: str
    unit: str
    room: str
    floor_area: Decimal
    tenure: str
    name: str
    id_number: str  # normalized, valid
    birth_date: dt.date
    phone: str | None
    vehicles: list[str] | None
    tags: list[str] | None
    guardian_consent: bool | None

    @property
    def address(self) -> tuple[str, str, str]:
        return (self.building, self.unit, self.room)


@dataclass(frozen=True)
class Header:
    index: int  # 0-based position of the header row among the rows
    columns: dict[str, int]  # field -> column position
    written: dict[str, str]  # field -> the header as written
    ignored: list[str]  # headers of columns that are not the ledger's


@dataclass
class Sheet:
    header: Header | None
    rows: list[Row]
    errors: list[RowError]
    data_rows: int  # non-blank rows below the header


def _key(text: str) -> str:
    return re.sub(r"[\s\u3000*＊:：]", "", text).lower()


_ALIASES = {_key(alias): name for name, aliases in COLUMNS.items() for alias in aliases}


def clean(cell: str) -> str:
    """A cell's text: core.text's rule with refused characters dropped (nobody typed them
    into this form; a stray control character must not sink a 35,000-row import), one
    line, trimmed (ideographic spaces too), and without the quote an export puts before
    =+-@."""
    text = scrub(cell).replace("\u3000", " ").strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_START:
        return text[1:]
    return text


def defuse(text: str) -> str:
    """Keep a spreadsheet from reading a cell as a formula (formula injection)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def find_header(rows: Sequence[Sequence[str]]) -> Header | RowError:
    """The row within the first HEADER_SCAN that names the most ledger columns."""
    best: Header | None = None
    for index, cells in enumerate(rows[:HEADER_SCAN]):
        columns: dict[str, int] = {}
        written: dict[str, str] = {}
        ignored: list[str] = []
        for position, cell in enumerate(cells):
            text = clean(cell)
            name = _ALIASES.get(_key(text))
            if name is None or name in columns:
                if text:
                    ignored.append(text)
                continue
            columns[name] = position
            written[name] = text
        if columns and (best is None or len(columns) > len(best.columns)):
            best = Header(index, columns, written, ignored)
    if best is None:
        return RowError(
            1, "", "missing_column", {"columns": "、".join(COLUMNS[f][0] for f in REQUIRED)}
        )
    missing = [COLUMNS[f][0] for f in REQUIRED if f not in best.columns]
    if missing:
        return RowError(best.index + 1, "", "missing_column", {"columns": "、".join(missing)})
    return best


def parse_date(text: str) -> dt.date | None:
    """2010-03-05, 2010/3/5, 2010.3.5, 2010年3月5日 or 20100305."""
    value = text.strip()
    timed = _TIMESTAMP.fullmatch(value)  # an .xlsx date cell read as a timestamp
    if timed is not None:
        value = timed.group(1)
    match = _DATE.fullmatch(value)
    if match is None:
        if len(value) == 8 and value.isascii() and value.isdigit():
            parts = (value[:4], value[4:6], value[6:])
        else:
            return None
    else:
        parts = (match.group(1), match.group(2), match.group(3))
    try:
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


def parse_area(text: str) -> Decimal | None:
    value = _AREA_UNITS.sub("", text.strip()).strip().replace(",", "")
    if not value.isascii() or len(value) > 20:
        return None
    try:
        area = Decimal(value)
    except InvalidOperation:
        return None
    if not area.is_finite() or area > AREA_MAX:
        return None
    area = area.quantize(Decimal("0.01"))
    # Checked after rounding: 0.001 m² would be stored as 0.00, which the table refuses.
    return area if area > 0 else None


def split_list(text: str) -> list[str]:
    return [item for item in _LIST_SPLIT.split(text) if item]


def _flag(text: str) -> bool | None:
    value = text.strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    return None


class _RowCheck:
    """Collects the errors of one row, each under the header as written."""

    def __init__(self, number: int, header: Header, cells: Sequence[str]) -> None:
        self.number = number
        self.header = header
        self.cells = cells
        self.errors: list[RowError] = []

    def has(self, name: str) -> bool:
        return name in self.header.columns

    def value(self, name: str) -> str:
        position = self.header.columns.get(name)
        if position is None or position >= len(self.cells):
            return ""
        return clean(self.cells[position])

    def fail(self, name: str, code: str, **params: str) -> None:
        self.errors.append(RowError(self.number, self.header.written.get(name, ""), code, params))

    def text(self, name: str, limit: int) -> str:
        value = self.value(name)
        if not value and name in REQUIRED:
            self.fail(name, "required")
        elif len(value) > limit:
            self.fail(name, "too_long", limit=str(limit))
        return value


def _check_row(check: _RowCheck, today: dt.date) -> Row | None:
    building = check.text("building", BUILDING_MAX)
    unit = check.text("unit", UNIT_MAX)
    room = check.text("room", ROOM_MAX)
    name = check.text("name", rules.NAME_MAX)

    area_text = check.value("floor_area")
    area = parse_area(area_text) if area_text else None
    if not area_text:
        check.fail("floor_area", "required")
    elif area is None:
        check.fail("floor_area", "invalid_area", limit=str(AREA_MAX))

    tenure_text = check.value("tenure")
    tenure = TENURES.get(tenure_text.lower())
    if not tenure_text:
        check.fail("tenure", "required")
    elif tenure is None:
        check.fail("tenure", "invalid_tenure")

    number = check.value("id_number").replace(" ", "").upper()
    birth: dt.date | None = None
    if not number:
        check.fail("id_number", "required")
    elif not idcard.is_valid(number):
        check.fail("id_number", "malformed_id")
    else:
        birth = rules.birth_date_of(number)
        if birth is None or birth < rules.EARLIEST_BIRTH or birth > today:
            check.fail("id_number", "malformed_id")
            birth = None
    birth_text = check.value("birth_date")
    if birth_text and birth is not None:
        given = parse_date(birth_text)
        if given is None:
            check.fail("birth_date", "invalid_birth_date")
        elif given != birth:
            check.fail("birth_date", "id_birth_mismatch")

    phone: str | None = None
    if check.has("phone"):
        phone_text = check.value("phone")
        phone = rules.normalize_phone(phone_text) if phone_text else ""
        if phone is None:
            check.fail("phone", "invalid_phone")

    vehicles: list[str] | None = None
    if check.has("vehicles"):
        vehicles = []
        for raw in split_list(check.value("vehicles")):
            plate = rules.normalize_plate(raw)
            if plate is None:
                check.fail("vehicles", "invalid_plate", plate=raw[:16])
            elif plate not in vehicles:
                vehicles.append(plate)
        if len(vehicles) > rules.MAX_VEHICLES:
            check.fail("vehicles", "too_many_vehicles", limit=str(rules.MAX_VEHICLES))

    tags: list[str] | None = None
    if check.has("tags"):
        found: set[str] = set()
        for raw in split_list(check.value("tags")):
            slug = _TAGS.get(raw) or _TAGS.get(raw.lower())
            if slug is None:
                check.fail("tags", "unknown_tag", tag=raw[:16])
            else:
                found.add(slug)
        tags = sorted(found)

    consent: bool | None = None
    if check.has("guardian_consent"):
        consent = _flag(check.value("guardian_consent"))
        if consent is None:
            check.fail("guardian_consent", "invalid_consent")

    if birth is not None and rules.needs_consent(
        child=filters.is_child(birth, today),
        consent=bool(consent),
        phone=phone or "",
        vehicles=vehicles or [],
        tags=tags or [],
    ):
        column = "guardian_consent" if check.has("guardian_consent") else "id_number"
        check.fail(column, "guardian_consent_required")

    if check.errors or area is None or tenure is None or birth is None:
        return None
    return Row(
        row=check.number,
        building=building,
        unit=unit,
        room=room,
        floor_area=area,
        tenure=tenure,
        name=name,
        id_number=number,
        birth_date=birth,
        phone=phone,
        vehicles=vehicles,
        tags=tags,
        guardian_consent=consent,
    )


def read(rows: Sequence[Sequence[str]], *, today: dt.date) -> Sheet:
    """Validate a sheet's rows (as text). Blank rows are skipped; each error names the row
    as Excel numbers it and the column as the file writes it."""
    header = find_header(rows)
    if isinstance(header, RowError):
        return Sheet(None, [], [header], 0)
    valid: list[Row] = []
    errors: list[RowError] = []
    data_rows = 0
    first_of_id: dict[str, int] = {}
    first_of_address: dict[tuple[str, str, str], Row] = {}
    for index in range(header.index + 1, len(rows)):
        cells = rows[index]
        if not any(clean(cell) for cell in cells):
            continue
        data_rows += 1
        check = _RowCheck(index + 1, header, cells)
        row = _check_row(check, today)
        number = check.value("id_number").replace(" ", "").upper()
        if number and number in first_of_id:
            check.fail("id_number", "duplicate_in_file", first=str(first_of_id[number]))
            row = None
        elif number:
            first_of_id[number] = index + 1
        if row is not None:
            first = first_of_address.get(row.address)
            if first is None:
                first_of_address[row.address] = row
            elif (first.floor_area, first.tenure) != (row.floor_area, row.tenure):
                name = "floor_area" if first.floor_area != row.floor_area else "tenure"
                check.fail(name, "household_conflict", first=str(first.row))
                row = None
        errors.extend(check.errors)
        if row is not None:
            valid.append(row)
    return Sheet(header, valid, errors, data_rows)


def export_row(
    *,
    building: str,
    unit: str,
    room: str,
    floor_area: Decimal,
    tenure: str,
    name: str,
    id_number: str,
    birth_date: dt.date,
    phone: str,
    vehicles: Sequence[str],
    tags: Sequence[str],
    guardian_consent: bool,
    birth_year_only: bool = False,
) -> list[str]:
    """One resident as the cells of EXPORT_HEADERS, safe from formula injection.

    `birth_year_only` goes with a masked ID number: the mask hides exactly the eight digits
    of the birth date, so the full date beside it would give the whole number away."""
    cells = [
        building,
        unit,
        room,
        f"{floor_area:.2f}",
        TENURE_LABELS.get(tenure, tenure),
        name,
        id_number,
        f"{birth_date.year:04d}-**-**" if birth_year_only else birth_date.isoformat(),
        phone,
        "、".join(vehicles),
        "、".join(TAG_LABELS.get(tag, tag) for tag in tags),
        "是" if guardian_consent else "否",
    ]
    return [defuse(cell) for cell in cells]
