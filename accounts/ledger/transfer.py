"""Import the committee's spreadsheet into the ledger and export the ledger as one.

`ledger_import` reads CSV (UTF-8 with or without a BOM, or GB18030 as Excel in China saves
it) or .xlsx, validates every row (accounts.ledger.sheets) and plans what would change; a
dry run stops there and a real run writes all of it in one transaction or nothing at all.
Whatever the bytes, the only exception is a DomainError. `ledger_export` writes the same
columns, masked unless a secretary asks for the full file with a reason; both are audited.

Why a dry run does not look residents up by ID number: its answer would say, row by row,
whether a typed number is one the ledger holds. The ledger shows numbers masked
(31**************3X), which with a birth date leaves about nine candidates in a district;
one single-row dry run per candidate picked out the true number (residents_unchanged: 1),
unaudited. So a dry run checks the file and plans the buildings and households (which the
ledger shows anyway), and counts resident rows without matching them. A real run has to
match, so it is treated as a reveal: each one is recorded (DataAccess, who, when, how many
rows, whether it was written), before the matching and whatever its outcome, and a user may
run IMPORT_LIMIT of them in IMPORT_WINDOW.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import access, idcard, identity
from accounts import history as ledger_history
from accounts.ledger import filters, query, sheets
from accounts.ledger import services as ledger_services
from accounts.ledger.filters import LedgerFilter
from accounts.models import (
    AccessKind,
    Building,
    DataAccess,
    Household,
    LedgerAction,
    LedgerChange,
    LedgerEntity,
    Neighborhood,
    Residency,
    Resident,
    User,
)
from accounts.permissions import Perm
from core import uploads
from core.cleaning import cleaned
from core.errors import Invalid, RateLimited
from core.limits import blocked_until
from core.text import scrub

MAX_BYTES = 5 * 1024 * 1024
# What an .xlsx may unpack to. A sheet of MAX_ROWS rows written by Excel, WPS or our own
# export unpacks to 10-25 MB and inflates about ten times; a zip bomb inflates a thousand.
XLSX_BOUNDS = uploads.ZipBounds(members=256, total_bytes=64 * 1024 * 1024, ratio=100)
MAX_ROWS = 20_000
# Real imports (which match rows to residents by ID number) per user: a committee imports its
# sheet a few times a day at most; a guesser needs one per candidate number.
IMPORT_LIMIT = 10
IMPORT_WINDOW = dt.timedelta(hours=24)
STAGE_TTL = dt.timedelta(hours=1)
REASON_MAX = ledger_services.REASON_MAX
FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")

# The messages of the row codes (sheets.RowError.code); params are filled in by name.
MESSAGES = {
    "missing_column": _("The sheet lacks these columns: %(columns)s."),
    "required": _("This cell must not be empty."),
    "too_long": _("Too long: at most %(limit)s characters."),
    "malformed_id": _("This ID number is not valid: check its 18 characters."),
    "id_birth_mismatch": _("The birth date does not agree with the one in the ID number."),
    "invalid_birth_date": _("This is not a date: write it as 1950-03-21."),
    "invalid_phone": _("This is not a phone number: give a mobile (11 digits) or a landline."),
    "invalid_area": _("The floor area must be a number of m², more than 0, at most %(limit)s."),
    "invalid_tenure": _("Tenure must be 自有 (owner-occupied) or 租住 (rented)."),
    "unknown_tag": _("“%(tag)s” is not one of the ledger's tags."),
    "invalid_plate": _("“%(plate)s” is not a licence plate such as 沪A12345."),
    "too_many_vehicles": _("At most %(limit)s vehicles per resident."),
    "invalid_consent": _("Guardian consent must be 是 or 否."),
    "guardian_consent_required": _(
        "Under 14: a phone, vehicles or tags may be stored only with a guardian's consent."
    ),
    "duplicate_in_file": _("This ID number is already on row %(first)s."),
    "household_conflict": _(
        "Row %(first)s gives this address another floor area or tenure; one household has one."
    ),
    "verified_elsewhere": _(
        "This person is verified at another address of the ledger: end that residency first."
    ),
}


# The report -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportError:
    row: int
    column: str
    code: str
    message: str


@dataclass
class Plan:
    buildings: list[str] = field(default_factory=list)  # names of buildings to create
    households_created: int = 0
    households_updated: int = 0
    households_unchanged: int = 0
    residents: int = 0  # resident rows: each creates or updates one resident
    # Known only once a real run has matched the rows by ID number (None in a dry run).
    residents_created: int | None = None
    residents_updated: int | None = None
    residents_unchanged: int | None = None


@dataclass
class ImportReport:
    filename: str
    dry_run: bool
    rows: int = 0  # non-blank rows below the header
    errors: list[ReportError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    plan: Plan = field(default_factory=Plan)
    written: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def problem_rows(self) -> int:
        """Rows with at least one error: one row may hold several (a bad ID and a bad area)."""
        return len({error.row for error in self.errors})

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data


class ImportInvalid(Invalid):
    """A real run found errors: nothing was written; the report says why."""

    code = "import_invalid"

    def __init__(self, report: ImportReport) -> None:
        super().__init__(
            _("The spreadsheet has %(count)s problems; nothing was imported."),
            params={"count": len(report.errors)},
        )
        self.report = report


def _report_errors(errors: Iterable[sheets.RowError]) -> list[ReportError]:
    return [ReportError(e.row, e.column, e.code, _message(e)) for e in errors]


def _message(error: sheets.RowError) -> str:
    text = str(MESSAGES.get(error.code, _("This cell is not valid.")))
    try:
        return text % error.params if error.params else text
    except (KeyError, TypeError, ValueError):
        return text


# Reading the file ------------------------------------------------------------------------


def _unreadable() -> Invalid:
    return Invalid(
        _("This file cannot be read: save it as .xlsx or as CSV and try again."),
        code="unreadable_file",
    )


def _too_many_rows() -> Invalid:
    return Invalid(
        _("The sheet has more than %(limit)s rows: split it into smaller files."),
        code="too_many_rows",
        params={"limit": MAX_ROWS},
    )


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


_ROW_LIMIT = MAX_ROWS + sheets.HEADER_SCAN + 1


def _xlsx_rows(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    # The zip's directory first: openpyxl inflates whole members (shared strings, a cell's
    # text) into memory, so a member must be known to be small before it is opened.
    try:
        uploads.check_zip(content, XLSX_BOUNDS)
    except uploads.UploadRefused as refused:
        if refused.code == uploads.ARCHIVE_TOO_LARGE:
            raise Invalid(
                _("This spreadsheet unpacks to more than %(limit)s MB: split it into parts."),
                code="spreadsheet_too_large",
                params={"limit": XLSX_BOUNDS.total_bytes // (1024 * 1024)},
            ) from None
        raise _unreadable() from None
    # Any failure inside the parser (a truncated zip, broken XML, odd styles) means the
    # file is unreadable; which exception openpyxl raises for which damage is not stable.
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            rows: list[list[str]] = []
            for values in sheet.iter_rows(min_row=1, min_col=1, values_only=True):
                if len(rows) >= _ROW_LIMIT:
                    break
                rows.append([_cell_text(v) for v in values[:64]])
        finally:
            book.close()
    except Exception:  # noqa: BLE001 - see above
        raise _unreadable() from None
    return rows


def _decode(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        try:
            return content[3:].decode("utf-8")
        except UnicodeDecodeError:
            raise _unreadable() from None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError:
        raise _unreadable() from None


def _csv_rows(content: bytes) -> list[list[str]]:
    text = _decode(content)
    if "\x00" in text:
        raise _unreadable()
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    rows: list[list[str]] = []
    try:
        for cells in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if len(rows) >= _ROW_LIMIT:
                break
            rows.append(cells[:64])
    except csv.Error:
        raise _unreadable() from None
    return rows


def read_rows(content: bytes) -> list[list[str]]:
    """The cells of the file's first sheet as text; .xlsx is told by its zip signature."""
    if len(content) > MAX_BYTES:
        raise Invalid(
            _("The file is larger than %(limit)s MB."),
            code="file_too_large",
            params={"limit": MAX_BYTES // (1024 * 1024)},
        )
    if not content.strip():
        raise Invalid(_("The file is empty."), code="unreadable_file")
    if content.startswith(b"PK\x03\x04"):
        return _xlsx_rows(content)
    if content.startswith((b"PK", b"\xd0\xcf\x11\xe0")):  # other zips, old .xls
        raise _unreadable()
    return _csv_rows(content)


# Planning: what the rows would change ------------------------------------------------------


def _address(house: Household, building_name: str) -> tuple[str, str, str]:
    return (building_name, house.unit, house.room)


@dataclass
class _Work:
    """The plan in rows: what to create and update, and the history to write."""

    buildings: list[Building] = field(default_factory=list)
    houses_new: dict[tuple[str, str, str], Household] = field(default_factory=dict)
    houses_changed: list[tuple[Household, dict[str, Any], dict[str, Any]]] = field(
        default_factory=list
    )
    # (resident, address, full ID number) and (resident, address, before, after)
    people_new: list[tuple[Resident, tuple[str, str, str], str]] = field(default_factory=list)
    people_changed: list[tuple[Resident, tuple[str, str, str], dict[str, Any], dict[str, Any]]] = (
        field(default_factory=list)
    )
    # Rows that are valid alone but not against the ledger.
    errors: list[sheets.RowError] = field(default_factory=list)


RESIDENT_FIELDS = ("real_name", "birth_date", "phone", "vehicles", "tags", "guardian_consent")


def _wanted(row: sheets.Row) -> dict[str, Any]:
    """The resident fields the row sets; optional columns the file lacks are left out."""
    out: dict[str, Any] = {"real_name": row.name, "birth_date": row.birth_date}
    for name in ("phone", "vehicles", "tags", "guardian_consent"):
        value = getattr(row, name)
        if value is not None:
            out[name] = value
    return out


def _people(neighborhood_id: int) -> tuple[dict[str, Resident], set[int]]:
    """The neighborhood's residents by ID hash, and the ids of those verified."""
    # A verified person's residency names their household: the import must not move them
    # away from it (the account would stay behind at the old address).
    verified = set(
        Residency.objects.filter(
            ended_at__isnull=True, resident__household__building__neighborhood_id=neighborhood_id
        ).values_list("resident_id", flat=True)
    )
    people: dict[str, Resident] = {}
    for person in Resident.objects.filter(
        household__building__neighborhood_id=neighborhood_id
    ).order_by(F("left_at").desc(nulls_first=True), "pk"):
        # One person each: the current resident rather than one who left, the oldest row.
        people.setdefault(person.id_number_hash, person)
    return people, verified


def _plan(
    neighborhood_id: int,
    rows: Sequence[sheets.Row],
    plan: Plan,
    *,
    room_column: str = "",
    match_people: bool,
) -> _Work:
    """What the rows change. Without `match_people` (a dry run) residents are counted, not
    looked up by ID number: nothing in the plan depends on which numbers the ledger holds."""
    work = _Work()
    buildings = {b.name: b for b in Building.objects.filter(neighborhood_id=neighborhood_id)}
    names = {b.pk: b.name for b in buildings.values()}
    houses = {
        _address(h, names[h.building_id]): h
        for h in Household.objects.filter(building__neighborhood_id=neighborhood_id)
    }
    people, verified = _people(neighborhood_id) if match_people else ({}, set())
    created = updated = unchanged = 0
    # Several rows share a household; it is planned once, at its first row.
    seen: set[tuple[str, str, str]] = set()
    for row in rows:
        if row.building not in buildings:
            building = Building(neighborhood_id=neighborhood_id, name=row.building)
            buildings[row.building] = building
            work.buildings.append(building)
            plan.buildings.append(row.building)
        if row.address not in seen:
            seen.add(row.address)
            house = houses.get(row.address)
            if house is None:
                work.houses_new[row.address] = Household(
                    unit=row.unit, room=row.room, floor_area=row.floor_area, tenure=row.tenure
                )
                plan.households_created += 1
            else:
                before = {
                    k: getattr(house, k)
                    for k, v in (("floor_area", row.floor_area), ("tenure", row.tenure))
                    if getattr(house, k) != v
                }
                if before:
                    after = {k: getattr(row, k) for k in before}
                    work.houses_changed.append((house, before, after))
                    plan.households_updated += 1
                else:
                    plan.households_unchanged += 1
        plan.residents += 1
        if not match_people:
            continue
        known = people.get(identity.hash_id_number(row.id_number))
        wanted = _wanted(row)
        if known is None:
            work.people_new.append((Resident(**wanted), row.address, row.id_number))
            created += 1
            continue
        old = {k: getattr(known, k) for k in wanted}
        if "tags" in old:
            old["tags"] = sorted(set(old["tags"] or []))
        changed = [k for k in wanted if wanted[k] != old[k]]
        house = houses.get(row.address)
        moved = house is None or house.pk != known.household_id
        if moved and known.pk in verified:
            work.errors.append(sheets.RowError(row.row, room_column, "verified_elsewhere"))
            continue
        if changed or moved:
            before = {k: old[k] for k in changed}
            after = {k: wanted[k] for k in changed}
            if moved:
                before["household"] = known.household_id
                after["address"] = "".join(row.address)
            work.people_changed.append((known, row.address, before, after))
            updated += 1
        else:
            unchanged += 1
    if match_people:
        plan.residents_created, plan.residents_updated = created, updated
        plan.residents_unchanged = unchanged
    return work


def _write(*, actor: User, neighborhood_id: int, work: _Work, now: dt.datetime) -> None:
    Building.objects.bulk_create(work.buildings)
    by_name = {b.name: b.pk for b in Building.objects.filter(neighborhood_id=neighborhood_id)}
    for address, house in work.houses_new.items():
        house.building_id = by_name[address[0]]
    Household.objects.bulk_create(list(work.houses_new.values()), batch_size=1000)
    for house, _before, after in work.houses_changed:
        for name, value in after.items():
            setattr(house, name, value)
    Household.objects.bulk_update(
        [h for h, _b, _a in work.houses_changed], ["floor_area", "tenure"], batch_size=1000
    )
    house_ids = {
        (building, unit, room): pk
        for pk, building, unit, room in Household.objects.filter(
            building__neighborhood_id=neighborhood_id
        ).values_list("pk", "building__name", "unit", "room")
    }
    fresh: list[Resident] = []
    for person, address, number in work.people_new:
        person.household_id = house_ids[address]
        person.set_id_number(number)
        person.updated_at = now
        fresh.append(person)
    Resident.objects.bulk_create(fresh, batch_size=1000)
    changed: list[Resident] = []
    for person, address, _before, after in work.people_changed:
        for name, value in after.items():
            if name != "address":
                setattr(person, name, value)
        person.household_id = house_ids[address]
        person.updated_at = now
        changed.append(person)
    Resident.objects.bulk_update(
        changed, [*RESIDENT_FIELDS, "household", "updated_at"], batch_size=1000
    )

    def change(entity: str, pk: int, before: dict[str, Any], after: dict[str, Any]) -> LedgerChange:
        return ledger_history.change(
            actor=actor,
            neighborhood_id=neighborhood_id,
            entity=entity,
            entity_id=pk,
            action=LedgerAction.IMPORT,
            before=before,
            after=after,
            at=now,
        )

    history = [
        change(
            LedgerEntity.HOUSEHOLD,
            h.pk,
            {},
            {"address": "".join(a), "floor_area": h.floor_area, "tenure": h.tenure},
        )
        for a, h in work.houses_new.items()
    ]
    history += [change(LedgerEntity.HOUSEHOLD, h.pk, b, a) for h, b, a in work.houses_changed]
    history += [
        change(
            LedgerEntity.RESIDENT,
            p.pk,
            {},
            {
                "id_number": p.id_number_masked,
                **{k: getattr(p, k) for k in RESIDENT_FIELDS if getattr(p, k) not in ("", [])},
            },
        )
        for p in fresh
    ]
    history += [change(LedgerEntity.RESIDENT, p.pk, b, a) for p, _ad, b, a in work.people_changed]
    LedgerChange.objects.bulk_create(history, batch_size=1000)


def ledger_import(
    *,
    actor: User,
    neighborhood_id: int,
    filename: str,
    content: bytes,
    dry_run: bool,
    today: dt.date | None = None,
) -> ImportReport:
    """Validate the spreadsheet and plan the changes; unless `dry_run`, make them, all or
    none: any row error raises ImportInvalid (code import_invalid) carrying the report."""
    access.require(actor, Perm.LEDGER_IMPORT, neighborhood_id)
    started = time.monotonic()
    today = today or timezone.localdate()
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = scrub(name)[:120]  # a file's name: nobody typed it, so nothing is refused
    report = ImportReport(filename=name, dry_run=dry_run)
    rows = read_rows(content)
    if len(rows) >= _ROW_LIMIT:
        raise _too_many_rows()
    sheet = sheets.read(rows, today=today)
    if sheet.data_rows > MAX_ROWS:
        raise _too_many_rows()
    report.rows = sheet.data_rows
    report.ignored_columns = sheet.header.ignored if sheet.header else []
    report.errors = [ReportError(e.row, e.column, e.code, _message(e)) for e in sheet.errors]
    room_column = sheet.header.written.get("room", "") if sheet.header else ""
    if report.errors or dry_run:
        if not report.errors:
            report.plan = Plan()
            _plan(
                neighborhood_id,
                sheet.rows,
                report.plan,
                room_column=room_column,
                match_people=False,
            )
        report.seconds = round(time.monotonic() - started, 3)
        if report.errors and not dry_run:
            raise ImportInvalid(report)
        return report
    # Matching the rows by ID number starts here: recorded first, so a run that fails on
    # the ledger (verified_elsewhere) is on the record as much as one that writes.
    audit = _import_audit(actor=actor, neighborhood_id=neighborhood_id, name=name, rows=report.rows)
    now = timezone.now()
    with transaction.atomic():
        # One import (or add) at a time per neighborhood; the plan is made under the lock.
        Neighborhood.objects.select_for_update().filter(pk=neighborhood_id).first()
        work = _plan(
            neighborhood_id, sheet.rows, report.plan, room_column=room_column, match_people=True
        )
        if work.errors:
            report.errors = _report_errors(work.errors)
            report.seconds = round(time.monotonic() - started, 3)
            raise ImportInvalid(report)  # nothing is written yet; the lock is released
        _write(actor=actor, neighborhood_id=neighborhood_id, work=work, now=now)
        plan = report.plan
        audit.detail |= {
            "written": True,
            "created": (plan.residents_created or 0) + plan.households_created,
            "updated": (plan.residents_updated or 0) + plan.households_updated,
        }
        audit.save(update_fields=["detail"])
    report.written = True
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _too_many_imports(until: dt.datetime) -> RateLimited:
    return RateLimited(
        _(
            "You have run %(limit)s imports in the last 24 hours; "
            "the next one is possible after %(time)s."
        ),
        code="too_many_imports",
        params={
            "limit": IMPORT_LIMIT,
            "time": timezone.localtime(until).strftime("%Y-%m-%d %H:%M"),
        },
    )


def _import_audit(*, actor: User, neighborhood_id: int, name: str, rows: int) -> DataAccess:
    """Check the user's limit and record the run, in a transaction of its own so the row
    stays whatever the import does next. The user's row is locked so that two imports
    sent at once cannot both pass the last free place under the limit."""
    now = timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()
        recent = DataAccess.objects.filter(
            actor=actor, kind=AccessKind.IMPORT, at__gt=now - IMPORT_WINDOW
        ).values_list("at", flat=True)
        until = blocked_until(recent, limit=IMPORT_LIMIT, window=IMPORT_WINDOW, now=now)
        if until is not None:
            raise _too_many_imports(until)
        return DataAccess.objects.create(
            neighborhood_id=neighborhood_id,
            actor=actor,
            at=now,
            kind=AccessKind.IMPORT,
            reason="import",
            detail={"filename": name, "rows": rows, "written": False},
        )


# Staging an upload between the dry run and the confirmation -------------------------------


def _stage_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _expired_gone(folder: Path, now: float) -> None:
    for meta in folder.glob("*.json"):
        try:
            if json.loads(meta.read_text())["expires"] < now:
                meta.unlink(missing_ok=True)
                meta.with_suffix("").unlink(missing_ok=True)
        except (OSError, ValueError, KeyError, TypeError):
            continue


def import_stage(*, actor: User, neighborhood_id: int, filename: str, content: bytes) -> str:
    """Keep the checked file for an hour, bound to this user and place; return its token."""
    access.require(actor, Perm.LEDGER_IMPORT, neighborhood_id)
    folder = _stage_dir()
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    _expired_gone(folder, now)
    token = secrets.token_urlsafe(24)
    (folder / token).write_bytes(content)
    meta = {
        "user": actor.pk,
        "neighborhood": neighborhood_id,
        "filename": filename[:120],
        "expires": now + STAGE_TTL.total_seconds(),
    }
    (folder / f"{token}.json").write_text(json.dumps(meta))
    return token


def _stage_gone() -> Invalid:
    return Invalid(
        _("This upload has expired or was already used: please choose the file again."),
        code="import_expired",
    )


def import_take(*, actor: User, neighborhood_id: int, token: str) -> tuple[str, bytes]:
    """The staged file (filename, bytes), removed as it is taken: each token works once."""
    access.require(actor, Perm.LEDGER_IMPORT, neighborhood_id)
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise _stage_gone()
    data, meta_path = _stage_dir() / token, _stage_dir() / f"{token}.json"
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError):
        raise _stage_gone() from None
    if meta.get("user") != actor.pk or meta.get("neighborhood") != neighborhood_id:
        raise _stage_gone()  # another's upload looks like none at all
    try:
        content = data.read_bytes()
    except OSError:
        raise _stage_gone() from None
    finally:
        data.unlink(missing_ok=True)
        meta_path.unlink(missing_ok=True)
    if meta.get("expires", 0) < time.time():
        raise _stage_gone()
    return str(meta.get("filename", "")), content


# Export -----------------------------------------------------------------------------------


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Invalid(_("The format must be csv or xlsx."), code="invalid_format")
    return fmt


def _csv_bytes(rows: Iterable[Sequence[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(sheets.EXPORT_HEADERS)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx_bytes(rows: Iterable[Sequence[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账")
    sheet.append(list(sheets.EXPORT_HEADERS))
    for row in rows:
        sheet.append(list(row))  # every cell a string: an ID number must not become a float
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def spreadsheet(fmt: str, rows: Iterable[Sequence[str]]) -> bytes:
    return _csv_bytes(rows) if fmt == "csv" else _xlsx_bytes(rows)


def template_file(*, actor: User, neighborhood_id: int, fmt: str) -> tuple[str, str, bytes]:
    """An empty ledger with the headers and one example row, to fill in and import."""
    access.require(actor, Perm.LEDGER_IMPORT, neighborhood_id)
    check_format(fmt)
    example = sheets.export_row(
        building="12号楼",
        unit="1",
        room="301",
        floor_area=sheets.parse_area("72.5") or sheets.AREA_MAX,
        tenure="owner",
        name="王秀英",
        id_number=idcard.make("310115", dt.date(1950, 3, 21), 2),
        birth_date=dt.date(1950, 3, 21),
        phone="13812345678",
        vehicles=["沪A12345"],
        tags=["living_alone"],
        guardian_consent=False,
    )
    return f"台账模板.{fmt}", CONTENT_TYPES[fmt], spreadsheet(fmt, [example])


def ledger_export(
    *,
    actor: User,
    neighborhood_id: int,
    spec: LedgerFilter,
    fmt: str,
    full: bool = False,
    reason: str = "",
    today: dt.date | None = None,
) -> tuple[str, str, bytes]:
    """(filename, content type, bytes) of the residents the filter selects, in the import's
    columns. ID numbers and phones are masked unless `full` (secretaries, with a reason).
    Every export writes a DataAccess row, in the same transaction as it is read."""
    access.require(actor, Perm.LEDGER_EXPORT, neighborhood_id)
    if full:
        access.require(actor, Perm.LEDGER_EXPORT_FULL, neighborhood_id)
        why = ledger_services.reason_clean(
            reason,
            asking=_("Please say why you need the full numbers (at least %(limit)s characters)."),
        )
    else:
        why = " ".join(cleaned(reason).split())[:REASON_MAX]
    check_format(fmt)
    today = today or timezone.localdate()
    found = (
        query.residents(neighborhood_id, spec, today)
        .select_related("household__building")
        .order_by("household__building__name", "household__unit", "household__room", "pk")
    )
    with transaction.atomic():
        rows = []
        for person in found:
            house = person.household
            rows.append(
                sheets.export_row(
                    building=house.building.name,
                    unit=house.unit,
                    room=house.room,
                    floor_area=house.floor_area,
                    tenure=house.tenure,
                    name=person.real_name,
                    id_number=(
                        identity.decrypt_id_number(person.id_number_encrypted)
                        if full
                        else person.id_number_masked
                    ),
                    birth_date=person.birth_date,
                    birth_year_only=not full,
                    phone=person.phone if full else identity.mask_phone(person.phone),
                    vehicles=person.vehicles or [],
                    tags=person.tags or [],
                    guardian_consent=person.guardian_consent,
                )
            )
        DataAccess.objects.create(
            neighborhood_id=neighborhood_id,
            actor=actor,
            at=timezone.now(),
            kind=AccessKind.EXPORT,
            reason=why or "export",
            detail={
                "filters": filters.to_params(spec),
                "format": fmt,
                "rows": len(rows),
                "full": full,
            },
        )
    stamp = timezone.localdate().strftime("%Y%m%d")
    kind = "完整" if full else "脱敏"
    return f"台账-{kind}-{stamp}.{fmt}", CONTENT_TYPES[fmt], spreadsheet(fmt, rows)
