"""Bulk registration of workers from a CSV or XLSX file: check every row, then import all of it or nothing.

The approach is the licence import's (agencies.importing): every problem is
reported with the row and column a person sees in the spreadsheet (the header
is row 1, blank rows still count), and a file with any problem imports
nothing. The rules of each cell are the single-worker form's
(``workers.forms.date_of_birth_problem`` / ``passport_problems``,
``workers.models.validate_mobile``). A number already in the register is
refused with one neutral sentence that never says whose it is.

The file is read as a stream and checked in chunks of ``BATCH_SIZE`` rows, so
a 200,000-row file never sits whole in memory; the import re-reads and
re-checks it inside its one transaction and writes each clean chunk with
``bulk_create``.
"""

from __future__ import annotations

import csv
import datetime
import io
import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import phonenumbers
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from phonenumber_field.phonenumber import PhoneNumber

from agencies.importing import DISTRICT_NAMES, Problem, Row, parse_date, parse_district
from agencies.importing import _column_name as column_name
from core import access
from core.choices import Language
from core.lists import FORMULA_PREFIXES
from core.text import normalise_reference
from core.uploads import check_xlsx_archive, display_name
from workers.forms import date_of_birth_problem, passport_problems
from workers.models import (
    AgencyWorker,
    ConsentMethod,
    ImportStatus,
    Sex,
    Worker,
    WorkerImport,
    validate_mobile,
)

COLUMNS = (
    "first_name", "last_name", "sex", "date_of_birth", "national_id", "passport_number", "passport_expiry", "district",
    "village", "mobile", "preferred_language", "sms_consent", "next_of_kin_name", "next_of_kin_phone",
)
REQUIRED_VALUES = ("first_name", "last_name", "sex", "date_of_birth", "national_id", "district")
MAX_LENGTHS = {"first_name": 100, "last_name": 100, "national_id": 30, "passport_number": 30, "village": 100,
               "next_of_kin_name": 200}
PHONE_COLUMNS = ("mobile", "next_of_kin_phone")
MAX_ROWS = 200_000  # data rows (blank rows are not counted)
MAX_STORED_PROBLEMS = 1_000
BATCH_SIZE = 1_000
INLINE_BYTES = 100_000  # about 1,000 rows: files this small are checked during the upload itself
MAX_UPLOAD_BYTES = 60_000_000
HISTORY_NOTE = "registered by bulk import"
logger = logging.getLogger(__name__)

NUMBER_TAKEN = gettext_lazy("is already registered; claim this worker instead.")
SEXES = {"f": Sex.FEMALE, "female": Sex.FEMALE, "m": Sex.MALE, "male": Sex.MALE}
LANGUAGES = {"st": Language.SESOTHO, "sesotho": Language.SESOTHO, "en": Language.ENGLISH, "english": Language.ENGLISH}
YES_NO = {"yes": True, "y": True, "no": False, "n": False}
# A phone number written +266 5… is not a formula, though it starts with "+".
PHONE_TEXT = re.compile(r"^\+[\d ]+$")
XLSX_SIGNATURE = b"PK\x03\x04"


class FileRefused(Exception):
    """The file as a whole cannot be read (type, encoding, header, size); the message is for the person who uploaded it."""


@dataclass
class CheckResult:
    total_rows: int = 0
    problems: list[Problem] = field(default_factory=list)  # the first MAX_STORED_PROBLEMS
    problem_count: int = 0
    imported: int = 0
    # Every problem as CSV (row, column, problem), in a temporary file started once there are more than
    # MAX_STORED_PROBLEMS: a 200,000-row file can have a million problems, which never sit in memory.
    full_report: IO[bytes] | None = None
    _report_text: Any = None
    _report_writer: Any = None

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_STORED_PROBLEMS:
            self.problems.append(problem)
            return
        if self._report_writer is None:
            self.full_report = tempfile.TemporaryFile()
            self._report_text = io.TextIOWrapper(self.full_report, encoding="utf-8", newline="", write_through=True)
            self._report_writer = csv.writer(self._report_text)
            self._report_writer.writerows([p.row, p.column, p.message] for p in self.problems)
        self._report_writer.writerow([problem.row, problem.column, problem.message])

    def problems_as_json(self) -> list[dict[str, Any]]:
        return [{"row": p.row, "column": p.column, "message": p.message} for p in self.problems]

    def close(self) -> None:
        """Drop the temporary full report (after it was stored, or when it is not wanted)."""
        if self.full_report is not None:
            self._report_text.close()  # closes the temporary file too, which deletes it
            self.full_report = self._report_text = self._report_writer = None


# --- Reading the file -----------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    """An XLSX cell as the text a person would type: dates as YYYY-MM-DD, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _csv_records(stream: IO[bytes]) -> Iterator[list[str]]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        first = text.readline()
        delimiter = ";" if first.count(";") > first.count(",") else ","
        for record in csv.reader(_chain_line(first, text), delimiter=delimiter):
            if any("\x00" in cell for cell in record):
                raise FileRefused(_("The file contains binary data, so it is not a CSV file. Save the spreadsheet as "
                                    "“CSV UTF-8” or as an Excel workbook (.xlsx)."))
            yield record
    except UnicodeDecodeError:
        raise FileRefused(_("The file is not in UTF-8. In Excel, use Save As and choose “CSV UTF-8 (Comma delimited)”, "
                            "or upload the workbook itself (.xlsx).")) from None
    except csv.Error as error:
        raise FileRefused(_("The file is not a well-formed CSV file: %(error)s") % {"error": error}) from None


def _chain_line(first: str, rest: IO[str]) -> Iterator[str]:
    yield first
    yield from rest


def _xlsx_records(stream: IO[bytes]) -> Iterator[list[str]]:
    import openpyxl

    try:
        check_xlsx_archive(stream)  # before openpyxl inflates anything
    except ValidationError as error:
        raise FileRefused(" ".join(error.messages)) from None
    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
    except Exception:  # openpyxl raises many kinds for a damaged or disguised file
        raise FileRefused(_("The file cannot be read as an Excel workbook (.xlsx).")) from None
    try:
        rows = sheet.iter_rows(values_only=True)
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception:  # a sheet openpyxl opened but cannot read through (characters XML forbids, bad XML)
                raise FileRefused(_("The workbook is damaged: it cannot be read as an Excel workbook (.xlsx). Open it in "
                                    "Excel, save it again and upload the new file.")) from None
            yield [_cell_text(value) for value in values]
    finally:
        workbook.close()


def read_rows(stream: IO[bytes], name: str) -> Iterator[Row]:
    """The data rows of the file, numbered as the spreadsheet numbers them; blank rows are skipped.

    Raises FileRefused (possibly while iterating) when the file is not a UTF-8
    CSV or an XLSX workbook, its header is wrong, or it has more than MAX_ROWS rows.
    """
    signature = stream.read(4)
    stream.seek(0)
    lowered = name.lower()
    if lowered.endswith(".xlsx") and signature == XLSX_SIGNATURE:
        records = _xlsx_records(stream)
    elif lowered.endswith(".csv") and signature != XLSX_SIGNATURE:
        records = _csv_records(stream)
    else:
        raise FileRefused(_("Upload a CSV file (.csv, UTF-8) or an Excel workbook (.xlsx); this file is neither."))

    header: list[str] | None = None
    header_row = 0
    count = 0
    for number, cells in enumerate(records, start=1):
        if not any(str(cell).strip() for cell in cells):
            continue
        if header is None:
            header, header_row = [column_name(str(cell)) for cell in cells], number
            _check_header(header, header_row)
            continue
        count += 1
        if count > MAX_ROWS:
            raise FileRefused(_("The file has more than %(limit)s rows; split it into smaller files.")
                              % {"limit": f"{MAX_ROWS:,}"})
        values = {column: (cells[i] if i < len(cells) else "") for i, column in enumerate(header) if column}
        extra = sum(1 for cell in cells[len(header):] if str(cell).strip())
        yield Row(number=number, values=values, extra_cells=extra)
    if header is None:
        raise FileRefused(_("The file is empty: it needs a header row and one row per worker."))


def _check_header(header: list[str], row: int) -> None:
    expected = _("Expected the columns: %(columns)s.") % {"columns": ", ".join(COLUMNS)}
    duplicated = sorted({name for name in header if name and header.count(name) > 1})
    if duplicated:
        raise FileRefused(_("The header (row %(row)d) names these columns more than once: %(columns)s.")
                          % {"row": row, "columns": ", ".join(duplicated)} + " " + expected)
    unknown = [name for name in header if name and name not in COLUMNS]
    missing = [name for name in COLUMNS if name not in header]
    if unknown or missing:
        parts = []
        if missing:
            parts.append(_("it lacks: %(columns)s") % {"columns": ", ".join(missing)})
        if unknown:
            parts.append(_("these columns are not part of the format: %(columns)s") % {"columns": ", ".join(unknown)})
        raise FileRefused(_("The header (row %(row)d) is not the expected one: %(details)s.")
                          % {"row": row, "details": "; ".join(parts)} + " " + expected)


# --- Checking rows --------------------------------------------------------------------------------


class CheckedNumber(PhoneNumber):
    """A phone number this module has already validated, so the model field does not check it again on every insert.

    (PhoneNumberField re-parses and re-validates each value it saves; for 50,000 workers and their history rows
    that doubled the import's time.)
    """

    def is_valid(self) -> bool:
        return True


def _phone(text: str, *, mobile: bool) -> PhoneNumber:
    """The parsed number (numbers without a country code are Lesotho's); ValidationError with the form's message."""
    try:
        number = phonenumbers.parse(text, "LS")
    except phonenumbers.NumberParseException:
        raise ValidationError(_("Enter a valid phone number.")) from None
    if mobile:
        validate_mobile(number)
    elif not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid phone number."))
    checked = CheckedNumber()
    checked.merge_from(number)
    return checked


def _is_formula(column: str, raw: str) -> bool:
    text = raw.lstrip(" ")
    if not text.startswith(FORMULA_PREFIXES):
        return False
    return not (column in PHONE_COLUMNS and PHONE_TEXT.match(text.strip()))


def _check_row(row: Row, today: datetime.date) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """The worker's fields from one row, or None, and the row's problems as (column, message)."""
    found: list[tuple[str, str]] = []
    if row.extra_cells:
        found.append((_("(beyond the last column)"), _("%(count)d filled cell(s) have no column heading; a comma or "
                                                         "semicolon inside a value must be in quotes.")
                      % {"count": row.extra_cells}))
    values: dict[str, str] = {}
    for column in COLUMNS:
        raw = row.values.get(column, "")
        if _is_formula(column, raw):
            found.append((column, _("starts with “%(sign)s”, which a spreadsheet reads as a formula; formulas are not "
                                    "accepted. Type the value itself.") % {"sign": raw.strip()[:1]}))
            raw = ""
        values[column] = raw.strip()
    formula_columns = {column for column, _message in found}
    for column in REQUIRED_VALUES:
        if not values[column] and column not in formula_columns:
            found.append((column, _("is empty; it is required.")))
    for column, limit in MAX_LENGTHS.items():
        if len(values[column]) > limit:
            found.append((column, _("is longer than %(limit)d characters.") % {"limit": limit}))

    data: dict[str, Any] = {
        "first_name": values["first_name"], "last_name": values["last_name"], "village": values["village"],
        "next_of_kin_name": values["next_of_kin_name"],
        "national_id": normalise_reference(values["national_id"]),
        "passport_number": normalise_reference(values["passport_number"]),
    }
    if values["sex"]:
        data["sex"] = SEXES.get(values["sex"].lower())
        if data["sex"] is None:
            found.append(("sex", _("“%(value)s” is not one of: female, male (or F, M).") % {"value": values["sex"]}))
    dates: dict[str, datetime.date | None] = {"date_of_birth": None, "passport_expiry": None}
    for column in dates:
        if values[column]:
            try:
                dates[column] = parse_date(values[column])
            except ValueError:
                found.append((column, _("“%(value)s” is not a date; write it as YYYY-MM-DD (1990-03-31) or DD/MM/YYYY "
                                        "(31/03/1990).") % {"value": values[column]}))
    if dates["date_of_birth"]:
        problem = date_of_birth_problem(dates["date_of_birth"], today)
        if problem:
            found.append(("date_of_birth", problem))
    if "passport_expiry" not in {column for column, _message in found}:
        renamed = {"passport_number": "passport_number", "passport_expires_on": "passport_expiry"}
        for name, problem in passport_problems(data["passport_number"], dates["passport_expiry"], today).items():
            found.append((renamed[name], problem))
    data["date_of_birth"], data["passport_expires_on"] = dates["date_of_birth"], dates["passport_expiry"]
    if values["district"]:
        data["district"] = parse_district(values["district"])
        if data["district"] is None:
            found.append(("district", _("“%(value)s” is not a district of Lesotho; use one of: %(districts)s.")
                          % {"value": values["district"], "districts": DISTRICT_NAMES}))
    for column in PHONE_COLUMNS:
        data[column] = ""
        if values[column]:
            try:
                data[column] = _phone(values[column], mobile=column == "mobile")
            except ValidationError as error:
                found.append((column, f"“{values[column]}”: " + " ".join(error.messages)))
    language = values["preferred_language"]
    data["preferred_language"] = LANGUAGES.get(language.lower(), None) if language else Language.SESOTHO
    if data["preferred_language"] is None:
        found.append(("preferred_language", _("“%(value)s” is not one of: st (Sesotho), en (English).")
                      % {"value": language}))
    consent = values["sms_consent"]
    data["sms_consent"] = YES_NO.get(consent.lower()) if consent else False
    if data["sms_consent"] is None:
        found.append(("sms_consent", _("“%(value)s” is not yes or no.") % {"value": consent}))
    return (None if found else data), found


def check_file(
    stream: IO[bytes],
    name: str,
    *,
    write: Callable[[list[dict[str, Any]]], None] | None = None,
    progress: Callable[[int], None] | None = None,
    today: datetime.date | None = None,
) -> CheckResult:
    """Check every row of the file; with ``write``, hand each chunk of clean rows to it while no problem has been found.

    Raises FileRefused when the file as a whole is unreadable.
    """
    today = today or timezone.localdate()
    result = CheckResult()
    first_row_of: dict[tuple[str, str], int] = {}  # ("national_id" | "passport_number", number) -> first row
    chunk: list[Row] = []

    def flush() -> None:
        clean = _check_chunk(chunk, result, first_row_of, today)
        if write is not None and not result.problem_count:
            write(clean)
        chunk.clear()
        if progress is not None:
            progress(result.total_rows)

    for row in read_rows(stream, name):
        result.total_rows += 1
        chunk.append(row)
        if len(chunk) >= BATCH_SIZE:
            flush()
    if chunk or progress is not None:
        flush()
    if not result.total_rows:
        raise FileRefused(_("The file has a header but no workers below it."))
    return result


def _check_chunk(rows: list[Row], result: CheckResult, first_row_of: dict, today: datetime.date) -> list[dict[str, Any]]:
    checked = [(row, *_check_row(row, today)) for row in rows]
    # Every row's numbers, not only clean rows', so a taken number is reported alongside the row's other problems.
    ids = {normalise_reference(row.values.get("national_id", "")) for row in rows} - {""}
    passports = {normalise_reference(row.values.get("passport_number", "")) for row in rows} - {""}
    registered_ids = set(Worker.objects.filter(national_id__in=ids).values_list("national_id", flat=True)) if ids else set()
    registered_passports = (
        set(Worker.objects.filter(passport_number__in=passports).values_list("passport_number", flat=True))
        if passports else set()
    )
    clean = []
    for row, data, found in checked:
        numbers = [("national_id", normalise_reference(row.values.get("national_id", "")), registered_ids),
                   ("passport_number", normalise_reference(row.values.get("passport_number", "")),
                    registered_passports)]
        for column, number, registered in numbers:
            if not number or column in {c for c, _message in found}:
                continue
            first = first_row_of.setdefault((column, number), row.number)
            if first != row.number:
                found.append((column, _("%(number)s is also on row %(row)d; each worker appears once.")
                              % {"number": number, "row": first}))
            elif number in registered:
                found.append((column, str(NUMBER_TAKEN)))
        for column, message in found:
            result.add(Problem(row.number, column, str(message)))
        if not found:
            clean.append(data)
    return clean


# --- Importing ------------------------------------------------------------------------------------


class ImportFailed(Exception):
    """The import wrote nothing; the message says why."""


def import_file(stream: IO[bytes], name: str, *, agency_id: int, by_id: int | None,
                today: datetime.date | None = None, progress: Callable[[int], None] | None = None) -> CheckResult:
    """Re-check the file and register every worker, linked to the agency, in one transaction: all or nothing.

    ``progress`` is told the number of workers written so far after each chunk (inside the transaction, so it must
    not report through the database).
    """
    now = timezone.now()

    def write(rows: list[dict[str, Any]]) -> None:
        workers = [
            Worker(created_by_id=by_id, created_at=now,
                   consent_changed_at=now if data["sms_consent"] else None,
                   consent_method=ConsentMethod.ON_PAPER if data["sms_consent"] else "", **data)
            for data in rows
        ]
        Worker.objects.bulk_create(workers, batch_size=BATCH_SIZE)
        links = [AgencyWorker(agency_id=agency_id, worker_id=worker.pk, started_by_id=by_id, started_at=now)
                 for worker in workers]
        AgencyWorker.objects.bulk_create(links, batch_size=BATCH_SIZE)
        _copy_to_history(Worker, [worker.pk for worker in workers], user_id=by_id, when=now)
        _copy_to_history(AgencyWorker, [link.pk for link in links], user_id=by_id, when=now)
        result_box["imported"] += len(workers)
        if progress is not None:
            progress(result_box["imported"])

    result_box = {"imported": 0}
    try:
        with transaction.atomic():
            result = check_file(stream, name, write=write, today=today)
            result.close()  # the full report of a re-check is not kept: the message asks for a new upload
            if result.problem_count:
                raise ImportFailed(_("The register changed since the file was checked: %(count)d problem(s) found; "
                                     "nothing was imported.") % {"count": result.problem_count})
    except IntegrityError:
        # A number registered by someone else between our check and our write.
        raise ImportFailed(_("A worker in the file was registered meanwhile by someone else; nothing was imported. "
                             "Upload the file again to see which.")) from None
    result.imported = result_box["imported"]
    return result


def _copy_to_history(model, ids: list[int], *, user_id: int | None, when: datetime.datetime) -> None:
    """Write the "created" history rows (django-simple-history) of freshly inserted rows in one statement.

    The same rows ``bulk_create_with_history`` would write, copied by the database instead of built one by one
    in Python, which took as long as the import itself.
    """
    if not ids:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in model._meta.concrete_fields)
    history_table = quote(model.history.model._meta.db_table)
    placeholders = ", ".join(["%s"] * len(ids))
    sql = (
        f"INSERT INTO {history_table} ({columns}, history_date, history_type, history_user_id, history_change_reason) "
        f"SELECT {columns}, %s, %s, %s, %s FROM {quote(model._meta.db_table)} "
        f"WHERE {quote(model._meta.pk.column)} IN ({placeholders})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datetimefield_value(when), "+", user_id, HISTORY_NOTE, *ids])


def open_stream(stored_file) -> IO[bytes]:
    """The stored upload as a binary stream (seekable: openpyxl needs that)."""
    stored_file.open("rb")
    return stored_file



# --- Progress of the import step ------------------------------------------------------------------
#
# The import writes every worker in one transaction, all or nothing, so nothing it writes to the database can be
# seen before it commits, its progress included (and on SQLite the transaction holds the database's only write
# lock, so not even a second connection could write it). The number of workers written so far is therefore kept
# outside the database: in a small file in private storage, beside the uploads, which the web server and the task
# worker share already (the worker reads the upload from there). It is replaced whole after each chunk, so a reader
# sees the previous number or the next, and removed when the import ends; the record then holds the result.
# Object storage (STORAGE_BUCKET) has no files to replace in place: there the number goes to the cache, which a
# deployment with object storage shares between machines through REDIS_URL.

PROGRESS_CACHE_SECONDS = 24 * 60 * 60


def _progress_path(import_id: int) -> str | None:
    """The progress file on disk, or None when private storage is not a local folder (object storage)."""
    try:
        return WorkerImport._meta.get_field("file").storage.path(f"worker-imports/progress/{int(import_id)}")
    except NotImplementedError:
        return None


def _progress_key(import_id: int) -> str:
    return f"worker-import-progress:{int(import_id)}"


def record_progress(import_id: int, written: int) -> None:
    """Say how many workers of a running import are written so far (informative: a failure to say so is only logged)."""
    path = _progress_path(import_id)
    if path is None:
        cache.set(_progress_key(import_id), int(written), timeout=PROGRESS_CACHE_SECONDS)
        return
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temporary, "w", encoding="ascii") as out:
            out.write(str(int(written)))
        os.replace(temporary, path)
    except OSError:
        logger.warning("could not record the progress of worker import %s", import_id, exc_info=True)


def import_progress(import_id: int) -> int | None:
    """The number of workers a running import has written so far, or None when it has not said."""
    path = _progress_path(import_id)
    if path is None:
        return cache.get(_progress_key(import_id))
    try:
        with open(path, encoding="ascii") as progress_file:
            return int(progress_file.read())
    except (OSError, ValueError):
        return None


def _forget_progress(import_id: int) -> None:
    path = _progress_path(import_id)
    if path is None:
        cache.delete(_progress_key(import_id))
        return
    try:
        os.remove(path)
    except OSError:
        pass


# --- The stored import: status, progress, report --------------------------------------------------


def start_import(*, by, agency_id: int | None, upload) -> WorkerImport:
    """Store the upload and check it: inline when small, otherwise in the background. Returns the import."""
    from workers import services, tasks

    if not access.can(by, "workers.register"):
        raise PermissionDenied
    agency_id = services._agency_for(by, agency_id)
    if agency_id is None:
        raise ValidationError(_("Choose the agency whose workers these are."))
    worker_import = WorkerImport(agency_id=agency_id, uploaded_by=by, original_name=display_name(upload, "workers"))
    worker_import.file.save(upload.name, upload, save=False)
    worker_import.save()
    if upload.size <= INLINE_BYTES:
        validate_import(worker_import.pk)
    else:
        tasks.validate_worker_import.enqueue(worker_import.pk)
    worker_import.refresh_from_db()
    return worker_import


def _finish(import_id: int, **fields: Any) -> None:
    WorkerImport.objects.filter(pk=import_id).update(finished_at=timezone.now(), **fields)


def validate_import(import_id: int) -> str:
    """Check the stored file and record the report; the import becomes valid or invalid."""
    worker_import = WorkerImport.objects.get(pk=import_id)
    if worker_import.status != ImportStatus.VALIDATING:
        return worker_import.status

    def progress(rows: int) -> None:
        WorkerImport.objects.filter(pk=import_id).update(processed_rows=rows)

    try:
        with worker_import.file.open("rb") as stream:
            result = check_file(stream, worker_import.original_name, progress=progress)
    except FileRefused as refusal:
        _finish(import_id, status=ImportStatus.INVALID, message=str(refusal), problems=[], problem_count=0)
        return ImportStatus.INVALID
    except Exception as error:  # never leave an import "checking" for ever
        _finish(import_id, status=ImportStatus.FAILED, message=_("The file could not be checked (%(error)s).")
                % {"error": type(error).__name__})
        logger.exception("worker import %s failed", import_id)
        return ImportStatus.FAILED
    report = ""
    try:
        if result.full_report is not None:
            report = _store_problem_report(worker_import, result.full_report)
    finally:
        result.close()
    status = ImportStatus.INVALID if result.problem_count else ImportStatus.VALID
    _finish(import_id, status=status, total_rows=result.total_rows, processed_rows=result.total_rows,
            problems=result.problems_as_json(), problem_count=result.problem_count, problem_report=report, message="")
    return status


def _store_problem_report(worker_import: WorkerImport, report: IO[bytes]) -> str:
    """Keep every problem in private storage, beside the upload; returns the stored name."""
    from django.core.files import File

    field = WorkerImport._meta.get_field("problem_report")
    name = field.generate_filename(worker_import, "problems.csv")
    return field.storage.save(name, File(report, name="problems.csv"))


def problem_rows(worker_import: WorkerImport) -> Iterator[list[Any]]:
    """Every problem of a checked file as (row, column, problem): from the full report when one was stored,
    else from the problems kept on the record (all of them, unless the import was checked before reports were kept)."""
    if not worker_import.file:
        yield ["", "", _("The file and its problems were removed after the retention period.")]
        return
    stored = worker_import.problem_report
    if stored and stored.storage.exists(stored.name):
        with stored.storage.open(stored.name, "rb") as binary:
            yield from csv.reader(io.TextIOWrapper(binary, encoding="utf-8", newline=""))
        return
    for problem in worker_import.problems:
        yield [problem["row"], problem["column"], problem["message"]]
    missing = worker_import.problem_count - len(worker_import.problems)
    if missing > 0:
        yield ["", "", ngettext("…and %(count)d more problem that was not kept; upload the file again to see it.",
                                "…and %(count)d more problems that were not kept; upload the file again to see them all.",
                                missing) % {"count": missing}]


def confirm_import(*, by, import_id: int) -> bool:
    """The user confirms a valid import: it is queued to run. False when it is not (or no longer) valid."""
    from workers import tasks

    if not access.can(by, "workers.register"):
        raise PermissionDenied
    # A file removed after the retention period (workers/retention.py) can no longer be imported.
    started = WorkerImport.objects.visible_to(by).filter(pk=import_id, status=ImportStatus.VALID).exclude(file="").update(
        status=ImportStatus.IMPORTING, processed_rows=0, finished_at=None
    )
    if started:
        tasks.run_worker_import.enqueue(import_id)
    return bool(started)


def run_import(import_id: int) -> str:
    """Import a confirmed file, whole or not at all; a failure is recorded with its reason and writes nothing."""
    worker_import = WorkerImport.objects.select_related("uploaded_by").get(pk=import_id)
    if worker_import.status != ImportStatus.IMPORTING:
        return worker_import.status
    try:
        return _run_import(worker_import)
    finally:
        _forget_progress(import_id)


def _run_import(worker_import: WorkerImport) -> str:
    from workers import services

    import_id = worker_import.pk
    record_progress(import_id, 0)
    try:
        if worker_import.uploaded_by is None:
            raise ImportFailed(_("The person who uploaded the file no longer has an account."))
        try:
            services._agency_for(worker_import.uploaded_by, worker_import.agency_id)
        except (PermissionDenied, ValidationError) as refusal:
            reason = " ".join(refusal.messages) if isinstance(refusal, ValidationError) else ""
            raise ImportFailed(reason or _("You may no longer register workers for this agency.")) from None
        with worker_import.file.open("rb") as stream:
            result = import_file(stream, worker_import.original_name, agency_id=worker_import.agency_id,
                                 by_id=worker_import.uploaded_by_id,
                                 progress=lambda written: record_progress(import_id, written))
    except (ImportFailed, FileRefused) as failure:
        _finish(import_id, status=ImportStatus.FAILED, message=str(failure))
        return ImportStatus.FAILED
    except Exception as error:
        _finish(import_id, status=ImportStatus.FAILED, message=_("The import failed (%(error)s); nothing was imported.")
                % {"error": type(error).__name__})
        logger.exception("worker import %s failed", import_id)
        return ImportStatus.FAILED
    _finish(import_id, status=ImportStatus.IMPORTED, processed_rows=result.total_rows, imported_rows=result.imported,
            message="")
    return ImportStatus.IMPORTED
