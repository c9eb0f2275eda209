"""Import the ministry's spreadsheet register of licensed agencies (a CSV file), keeping its licence numbers and dates.

The rule: every row is checked first and every problem is reported with the
row and column a person sees in the spreadsheet; if there is any problem,
nothing is imported. A clean file is imported in one transaction, all or
nothing. The CSV format is described for the ministry's IT staff in
docs/licence-import.md; keep the two in step.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.models import Agency, Licence, LicenceStatus
from core.choices import District

REQUIRED_COLUMNS = ("legal_name", "registration_number", "district", "licence_number", "issued_on", "expires_on")
OPTIONAL_COLUMNS = ("trading_name", "phone", "email", "status")
AGENCY_COLUMNS = ("legal_name", "trading_name", "district", "phone", "email")
LICENCE_NUMBER = re.compile(r"^PEA-\d{4}-\d{4}$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
MAX_LENGTHS = {"legal_name": 200, "trading_name": 200, "registration_number": 50, "email": 254}
HISTORY_NOTE = "imported from the licence register"
DISTRICT_NAMES = "Berea, Butha-Buthe, Leribe, Mafeteng, Maseru, Mohale's Hoek, Mokhotlong, Qacha's Nek, Quthing, Thaba-Tseka"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


# "Butha-Buthe", "Butha Buthe", "Mohale's Hoek", "Mohales Hoek", "qachas_nek"... all reduce to the same letters.
DISTRICTS_BY_LETTERS = {_letters(value): value for value in District.values}


class LicenceImportError(Exception):
    """The file cannot be imported; nothing was written. The message is for the ministry's IT staff."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        self.problems = problems or []
        lines = [message] + [f"  {problem}" for problem in self.problems]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Problem:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}, column {self.column}: {self.message}"


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet numbers it: the header is row 1
    values: dict[str, str]  # column name (lower case) -> cell text, stripped
    extra_cells: int = 0  # non-empty cells beyond the header's columns


@dataclass
class AgencyPlan:
    registration_number: str
    legal_name: str
    district: str
    trading_name: str = ""
    phone: str = ""  # E.164
    email: str = ""
    existing: Agency | None = None  # already in the register: reused as it is, never overwritten
    first_row: int = 0


@dataclass
class LicencePlan:
    row: int
    agency: AgencyPlan
    number: str
    issued_on: datetime.date
    expires_on: datetime.date
    status: str
    expired_on_import: bool = False  # "active" (or "suspended") in the file, but its last valid day has passed


@dataclass
class ImportSummary:
    dry_run: bool
    agencies_created: list[AgencyPlan] = field(default_factory=list)
    agencies_reused: list[AgencyPlan] = field(default_factory=list)
    licences: list[LicencePlan] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def licences_by_status(self) -> Counter[str]:
        return Counter(plan.status for plan in self.licences)

    def licence_lines(self) -> list[str]:
        """One line per licence: what was (or would be) imported."""
        lines = []
        for plan in self.licences:
            agency = plan.agency
            whose = f"{agency.legal_name} ({agency.registration_number}, {'existing' if agency.existing else 'new'} agency)"
            note = " (past its expiry date)" if plan.expired_on_import else ""
            lines.append(
                f"Row {plan.row}: {plan.number} {plan.status}{note}, issued {plan.issued_on.isoformat()}, "
                f"expires {plan.expires_on.isoformat()}, {whose}"
            )
        return lines

    def lines(self) -> list[str]:
        """The summary printed after an import or a dry run."""
        by_status = self.licences_by_status
        statuses = ", ".join(f"{status} {by_status[status]}" for status in LicenceStatus.values if by_status[status])
        counted = _count(len(self.licences), "licence") + (f" ({statuses})" if statuses else "")
        if self.dry_run:
            lines = [
                "Dry run: nothing was written.",
                f"Would import {counted}.",
                f"Agencies that would be created: {len(self.agencies_created)}",
                f"Agencies that would be reused: {len(self.agencies_reused)}",
            ]
        else:
            lines = [
                f"Imported {counted}.",
                f"Agencies created: {len(self.agencies_created)}",
                f"Agencies reused: {len(self.agencies_reused)}",
            ]
        if self.agencies_reused:
            lines[-1] += " (already in the register: their details there are kept, not overwritten by the file)"
            lines += [f"  {plan.registration_number}: {plan.existing}" for plan in self.agencies_reused]
        expired = sum(plan.expired_on_import for plan in self.licences)
        if expired:
            lines.append(
                f"{_count(expired, 'licence')} listed as active or suspended had passed the expiry date: imported as expired."
            )
        if self.ignored_columns:
            lines.append(f"Columns ignored (not part of the format): {', '.join(self.ignored_columns)}")
        return lines


# --- Reading the file -------------------------------------------------------------------------


def _column_name(header: str) -> str:
    return re.sub(r"[\s-]+", "_", header.strip().lower())


def read_rows(path: str | Path) -> tuple[list[Row], list[str]]:
    """Read the CSV file (UTF-8, with or without Excel's BOM; comma or semicolon) into rows and the ignored columns.

    Blank lines are skipped but still counted, so row numbers match the spreadsheet.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LicenceImportError(f"No such file: {path}") from None
    except IsADirectoryError:
        raise LicenceImportError(f"{path} is a folder, not a CSV file.") from None
    except OSError as error:
        raise LicenceImportError(f"Cannot read {path}: {error.strerror or error}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LicenceImportError(
            f'{path.name} is not a UTF-8 CSV file. In Excel, use Save As and choose "CSV UTF-8 (Comma delimited)".'
        ) from None
    if "\x00" in text:
        raise LicenceImportError(f"{path.name} contains binary data, so it is not a CSV file. Save the spreadsheet as CSV UTF-8.")
    if not text.strip():
        raise LicenceImportError(f"{path.name} is empty: it needs a header row and one row per licence.")

    header_line = next(line for line in text.splitlines() if line.strip())
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise LicenceImportError(f"{path.name} is not a well-formed CSV file: {error}") from None

    # Leading blank lines are not the header; a spreadsheet would still number them.
    offset = 0
    while offset < len(records) and not any(cell.strip() for cell in records[offset]):
        offset += 1
    header = [_column_name(cell) for cell in records[offset]]
    header_row = offset + 1
    duplicated = sorted({name for name in header if name and header.count(name) > 1})
    if duplicated:
        raise LicenceImportError(f"The header (row {header_row}) names these columns more than once: {', '.join(duplicated)}.")
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise LicenceImportError(
            f"The header (row {header_row}) lacks the required column(s): {', '.join(missing)}. "
            f"Required: {', '.join(REQUIRED_COLUMNS)}; optional: {', '.join(OPTIONAL_COLUMNS)}."
        )
    ignored = [name for name in header if name and name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]

    rows = []
    for index, cells in enumerate(records[offset + 1 :], start=header_row + 1):
        if not any(cell.strip() for cell in cells):
            continue
        values = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header) if name}
        extra = sum(1 for cell in cells[len(header) :] if cell.strip())
        rows.append(Row(number=index, values=values, extra_cells=extra))
    if not rows:
        raise LicenceImportError(f"{path.name} has a header but no licences below it.")
    return rows, ignored


# --- Checking every row -------------------------------------------------------------------------


def parse_date(text: str) -> datetime.date:
    """A date written YYYY-MM-DD or DD/MM/YYYY; ValueError otherwise."""
    if match := ISO_DATE.match(text):
        year, month, day = match.groups()
    elif match := DAY_MONTH_YEAR.match(text):
        day, month, year = match.groups()
    else:
        raise ValueError(text)
    return datetime.date(int(year), int(month), int(day))


def parse_district(text: str) -> str | None:
    """The District value for any usual spelling of a district's name, or None."""
    return DISTRICTS_BY_LETTERS.get(_letters(text))


def parse_phone(text: str) -> str:
    """The number in E.164; numbers without a country code are read as Lesotho numbers. ValueError if not a phone number."""
    try:
        number = phonenumbers.parse(text, "LS")
    except phonenumbers.NumberParseException:
        raise ValueError(text) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _same(column: str, a: str, b: str) -> bool:
    if column in ("legal_name", "trading_name"):
        return " ".join(a.lower().split()) == " ".join(b.lower().split())
    if column == "email":
        return a.lower() == b.lower()
    return a == b


def validate_rows(rows: Iterable[Row], today: datetime.date | None = None) -> tuple[list[LicencePlan], list[Problem]]:
    """Check every row and return what to import and every problem found; import only when there is no problem.

    Rules: required cells are filled; the district is one of the ten; phone and
    e-mail are valid; the licence number is PEA-YYYY-NNNN, once in the file and
    not yet in the register; dates are real and the licence does not expire
    before it is issued; the status is known (blank means active). A licence
    whose last valid day (Maseru time) has passed is imported as expired.
    Rows of one agency (same registration number) must not contradict each
    other; an agency already in the register is reused as it is.
    """
    today = today or timezone.localdate()
    rows = list(rows)
    problems: list[Problem] = []
    agencies: dict[str, AgencyPlan] = {}
    plans: list[LicencePlan] = []
    number_first_seen: dict[str, int] = {}

    numbers = {row.values.get("licence_number", "").upper() for row in rows}
    registration_numbers = {row.values.get("registration_number", "") for row in rows}
    numbers_in_register = set(Licence.objects.filter(number__in=numbers).values_list("number", flat=True))
    agencies_in_register = {
        agency.registration_number: agency for agency in Agency.objects.filter(registration_number__in=registration_numbers)
    }

    for row in rows:
        found: list[Problem] = []

        def problem(column: str, message: str, found=found, row=row) -> None:
            found.append(Problem(row.number, column, message))

        values = row.values
        if row.extra_cells:
            problem(
                "(beyond the last column)",
                f"{row.extra_cells} filled cell(s) have no column heading; "
                "a comma or semicolon inside a value must be in quotes.",
            )
        for column in REQUIRED_COLUMNS:
            if not values.get(column):
                problem(column, "is empty; it is required.")
        for column, limit in MAX_LENGTHS.items():
            if len(values.get(column, "")) > limit:
                problem(column, f"is longer than {limit} characters.")

        district = ""
        if values.get("district"):
            district = parse_district(values["district"]) or ""
            if not district:
                problem("district", f'"{values["district"]}" is not a district of Lesotho; use one of: {DISTRICT_NAMES}.')

        phone = ""
        if values.get("phone"):
            try:
                phone = parse_phone(values["phone"])
            except ValueError:
                problem(
                    "phone",
                    f'"{values["phone"]}" is not a valid phone number (Lesotho numbers have 8 digits; '
                    "give other countries' numbers with their code, e.g. +27...).",
                )

        email = values.get("email", "")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problem("email", f'"{email}" is not a valid e-mail address.')

        number = values.get("licence_number", "").upper()
        if number:
            if not LICENCE_NUMBER.match(number):
                problem("licence_number", f'"{values["licence_number"]}" is not a licence number like PEA-2024-0042.')
            elif number in number_first_seen:
                problem("licence_number", f"{number} is also on row {number_first_seen[number]}; each licence appears once.")
            elif number in numbers_in_register:
                problem("licence_number", f"{number} is already in the register.")
            number_first_seen.setdefault(number, row.number)

        dates: dict[str, datetime.date] = {}
        for column in ("issued_on", "expires_on"):
            if values.get(column):
                try:
                    dates[column] = parse_date(values[column])
                except ValueError:
                    problem(
                        column,
                        f'"{values[column]}" is not a date; write it as YYYY-MM-DD (2024-03-31) or DD/MM/YYYY (31/03/2024).',
                    )
        issued_on, expires_on = dates.get("issued_on"), dates.get("expires_on")
        if issued_on and expires_on and expires_on < issued_on:
            problem("expires_on", f"{expires_on.isoformat()} is before the issue date {issued_on.isoformat()}.")

        status = (values.get("status") or LicenceStatus.ACTIVE).lower()
        if status not in LicenceStatus.values:
            problem("status", f'"{values["status"]}" is not a licence status; use one of: {", ".join(LicenceStatus.values)}.')

        registration_number = values.get("registration_number", "")
        details = {
            "legal_name": values.get("legal_name", ""),
            "trading_name": values.get("trading_name", ""),
            "district": district,
            "phone": phone,
            "email": email,
        }
        agency = agencies.get(registration_number)
        if agency is not None:
            for column in AGENCY_COLUMNS:
                theirs, ours = getattr(agency, column), details[column]
                if theirs and ours and not _same(column, theirs, ours):
                    problem(
                        column,
                        f"differs from row {agency.first_row} for the same registration number "
                        f"{registration_number}; one agency's rows must agree.",
                    )
                elif ours and not theirs:
                    setattr(agency, column, ours)  # a later row may fill what an earlier one left blank

        problems += found
        if found:
            continue
        if agency is None:
            agency = AgencyPlan(
                registration_number=registration_number,
                first_row=row.number,
                existing=agencies_in_register.get(registration_number),
                **details,
            )
            agencies[registration_number] = agency
        expired_on_import = status in (LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED) and expires_on < today
        plans.append(
            LicencePlan(
                row=row.number,
                agency=agency,
                number=number,
                issued_on=issued_on,
                expires_on=expires_on,
                status=LicenceStatus.EXPIRED if expired_on_import else status,
                expired_on_import=expired_on_import,
            )
        )
    return plans, problems


# --- Importing ------------------------------------------------------------------------------------


def _summarise(plans: list[LicencePlan], *, dry_run: bool, ignored_columns: list[str]) -> ImportSummary:
    summary = ImportSummary(dry_run=dry_run, licences=plans, ignored_columns=ignored_columns)
    for agency in {id(plan.agency): plan.agency for plan in plans}.values():
        (summary.agencies_reused if agency.existing else summary.agencies_created).append(agency)
    return summary


def _write(plans: list[LicencePlan], source: str) -> None:
    saved: dict[str, Agency] = {}
    for plan in plans:
        details = plan.agency
        agency = saved.get(details.registration_number) or details.existing
        if agency is None:
            agency = Agency(
                registration_number=details.registration_number,
                legal_name=details.legal_name,
                trading_name=details.trading_name,
                district=details.district,
                phone=details.phone,
                email=details.email,
            )
            agency._change_reason = HISTORY_NOTE
            agency.save()
        saved[details.registration_number] = agency
        reason = ""
        if plan.expired_on_import:
            reason = "Its expiry date had passed when it was imported from the licence register."
        elif plan.status != LicenceStatus.ACTIVE:
            reason = f"Recorded as {plan.status} in the licence register imported from {source}."
        licence = Licence(
            agency=agency,
            number=plan.number,
            status=plan.status,
            issued_on=plan.issued_on,
            valid_from=plan.issued_on,
            expires_on=plan.expires_on,
            status_reason=reason,
        )
        licence._change_reason = HISTORY_NOTE
        licence.save()


def import_licences(path: str | Path, dry_run: bool = False, today: datetime.date | None = None) -> ImportSummary:
    """Import the register in ``path``: all of it in one transaction if every row is valid, otherwise none of it.

    Agencies already in the register (same registration number) are reused and
    not changed. With ``dry_run`` everything is checked and nothing is written.
    Raises LicenceImportError with every problem found.
    """
    rows, ignored_columns = read_rows(path)
    plans, problems = validate_rows(rows, today=today)
    if problems:
        found = _count(len(problems), "problem")
        message = f"Found {found} in {Path(path).name}; nothing was imported. Correct them and run again:"
        raise LicenceImportError(message, problems)
    summary = _summarise(plans, dry_run=dry_run, ignored_columns=ignored_columns)
    if dry_run:
        return summary
    try:
        with transaction.atomic():
            _write(plans, Path(path).name)
    except IntegrityError as error:
        # Most likely someone added one of these licence numbers or agencies between the check and the write.
        raise LicenceImportError(
            f"The database refused the import, probably because the register changed meanwhile; nothing was imported. "
            f"Run the import again. ({error})"
        ) from None
    return summary
