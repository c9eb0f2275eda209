"""The compliance figures as tidy tables for analysis: a zip of CSV files, or an Excel workbook.

One file (CSV) or sheet (XLSX) per figures table, named by the table's key, plus ``headline`` (the summary
figures with the previous period and the change) and ``about`` (what the figures cover). Numbers are written
raw (``formatting.plain_value``: no grouping, no unit), so they add up in a spreadsheet and match the PDF
digit for digit. Text that a spreadsheet would run as a formula (an employer's name typed as "=HYPERLINK(…)")
is neutralised as in every other export (``core.lists.neutralise_formula``).
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from core.lists import neutralise_formula
from reports.formatting import change, plain_value

HEADLINE = "headline"
ABOUT = "about"


def cell(value: Any) -> Any:
    """One cell as stored: numbers raw, dates as dates, text safe from formulas."""
    value = plain_value(value)
    if isinstance(value, datetime.datetime):
        # Spreadsheets know no time zones: write the Maseru time.
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else value
    if value is None or isinstance(value, int | Decimal | datetime.date):
        return value
    return neutralise_formula(str(value))  # text, including translated labels


def headline_rows(figures) -> Iterator[list[Any]]:
    yield [_("Key"), _("Figure"), _("This period"), _("Previous period"), _("Change"), _("Unit")]
    for figure in figures.headline:
        yield [figure.key, figure.label, figure.value, figure.previous, change(figure.value, figure.previous), figure.unit]


def table_rows(table) -> Iterator[list[Any]]:
    yield list(table.columns)
    yield from table.rows


def about_rows(figures, generated_at: datetime.datetime) -> Iterator[list[Any]]:
    """What the figures cover, and each table's note (no personal detail: not who asked)."""
    yield [_("Item"), _("Value")]
    yield [_("Agreement"), figures.agreement_label]
    yield [_("From"), figures.start]
    yield [_("To"), figures.end]
    yield [_("Previous period from"), figures.previous_start]
    yield [_("Previous period to"), figures.previous_end]
    yield [_("Generated (Maseru time)"), timezone.localtime(generated_at).strftime("%Y-%m-%d %H:%M")]
    if not figures.has_data:
        yield [_("Note"), _("Nothing was recorded under this agreement in this period: the figures are zeros.")]
    for table in figures.tables:
        if table.note:
            yield [_("Note on %(table)s") % {"table": table.key}, table.note]


def sheets(figures, generated_at: datetime.datetime) -> Iterator[tuple[str, Iterator[list[Any]]]]:
    """Every table in the order of the PDF: (key, rows with the header first)."""
    yield HEADLINE, headline_rows(figures)
    for table in figures.tables:
        yield table.key, table_rows(table)
    yield ABOUT, about_rows(figures, generated_at)


def render_csv_zip(figures, *, generated_at: datetime.datetime) -> bytes:
    """A zip holding one CSV file (UTF-8 with a byte-order mark, which Excel needs to read "š") per table."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for key, rows in sheets(figures, generated_at):
            text = io.StringIO()
            writer = csv.writer(text)
            for row in rows:
                writer.writerow([cell(value) for value in row])
            archive.writestr(f"{key}.csv", text.getvalue().encode("utf-8-sig"))
    return buffer.getvalue()


def render_xlsx(figures, *, generated_at: datetime.datetime) -> bytes:
    """An Excel workbook with one sheet per table, written row by row (write-only) to keep memory flat."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for key, rows in sheets(figures, generated_at):
        sheet = workbook.create_sheet(title=key[:31])
        for index, row in enumerate(rows):
            if index == 0:
                header = []
                for value in row:
                    heading = WriteOnlyCell(sheet, value=cell(value))
                    heading.font = bold
                    header.append(heading)
                sheet.append(header)
            else:
                sheet.append([cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
