"""The PDF, CSV and XLSX renderers: each shows the same figures object, with the same numbers, safely."""

import csv
import datetime
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook
from pypdf import PdfReader

from reports.figures import ComplianceFigures, Figure, FigureTable
from reports.formatting import format_change, format_value, plain_value
from reports.pdf import CHUNK_ROWS, render_pdf
from reports.tabular import render_csv_zip, render_xlsx

GENERATED_AT = timezone.make_aware(datetime.datetime(2026, 4, 2, 9, 15))
EMPLOYER_ROWS = CHUNK_ROWS * 2 + 37  # three chunks, several pages


def _figures(**overrides) -> ComplianceFigures:
    values = dict(
        agreement_id=7,
        agreement_label="Lesotho–South Africa mining arrangement (LS-ZA-2024)",
        start=datetime.date(2026, 1, 1),
        end=datetime.date(2026, 3, 31),
        previous_start=datetime.date(2025, 10, 3),
        previous_end=datetime.date(2025, 12, 31),
        headline=[
            Figure("contracts_submitted", "Contracts submitted", 12345, 11000, "/contracts/?status=submitted"),
            Figure("contracts_approved", "Contracts approved", 987, 1002),
            Figure("wage_share", "Share paid at or above the floor", Decimal("93.456"), Decimal("95.1"), unit="%"),
            Figure("median_wage", "Median monthly wage, mining", Decimal("9876.5"), None, unit="ZAR"),
            Figure("fees", "Fees charged to workers", Decimal("0"), Decimal("1500.00"), unit="LSL"),
        ],
        tables=[
            FigureTable(
                "by_sex", "Deployed by sex", "breakdowns", ["Sex", "Workers"], [["Female", 312], ["Male", 2689]], chart="pie"
            ),
            FigureTable(
                "by_employer",
                "Contracts by destination employer",
                "breakdowns",
                ["Employer", "Contracts", "Median wage"],
                [
                    [f"Employer {index:03d} (Pty) Ltd — Ntšoana", 1000 + index, Decimal("9500.25") + index]
                    for index in range(EMPLOYER_ROWS)
                ]
                + [['=HYPERLINK("http://evil.example","x")', 3, None], ["@SUM(A1:A2)", 1, Decimal("-4.5")]],
                chart="bar",
            ),
            FigureTable(
                "monthly",
                "Contracts by month",
                "flows",
                ["Month", "Submitted"],
                [["2026-01", 4000], ["2026-02", 4100]],
                chart="bar",
            ),
            FigureTable(
                "complaints", "Complaints", "oversight", ["Category", "Received"], [], note="No complaint in this period."
            ),
        ],
        has_data=True,
    )
    values.update(overrides)
    return ComplianceFigures(**values)


def _pdf_text(content: bytes) -> tuple[list[str], str]:
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]
    return pages, "\n".join(pages)


def _csv_tables(content: bytes) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name.removesuffix(".csv"): list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
            for name in archive.namelist()
        }


def _number(text: str):
    """A CSV cell read back as the number it holds, or None when it is not a number."""
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return Decimal(text)
    return None


@pytest.fixture(scope="module")
def files():
    figures = _figures()
    with translation.override("en"):
        return {
            "figures": figures,
            "pdf": render_pdf(figures, generated_at=GENERATED_AT, generated_by="Nthabiseng Molapo"),
            "csv": render_csv_zip(figures, generated_at=GENERATED_AT),
            "xlsx": render_xlsx(figures, generated_at=GENERATED_AT),
        }


def test_pdf_cover_names_agreement_period_time_and_who(files):
    pages, _text = _pdf_text(files["pdf"])
    cover = pages[0]
    assert "Lesotho–South Africa mining arrangement (LS-ZA-2024)" in cover
    assert "1 January 2026 to 31 March 2026" in cover
    assert "3 October 2025 to 31 December 2025" in cover
    assert "2 April 2026 at 09:15, Maseru time" in cover
    assert "Nthabiseng Molapo" in cover


def test_every_page_says_page_x_of_y(files):
    pages, _text = _pdf_text(files["pdf"])
    assert len(pages) > 3
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page


def test_long_table_repeats_its_header_on_every_page_it_spans(files):
    pages, _text = _pdf_text(files["pdf"])
    # Pages holding rows of the employer table (its medians end in .25).
    spanned = [page for page in pages if re.search(r"\d,\d{3}\.25\n", page)]
    assert len(spanned) >= 3
    assert all("Median wage" in page for page in spanned)


def test_pdf_shows_every_headline_number_of_the_csv_with_its_change(files):
    _pages, text = _pdf_text(files["pdf"])
    headline = _csv_tables(files["csv"])["headline"]
    assert headline[0] == ["Key", "Figure", "This period", "Previous period", "Change", "Unit"]
    checked = 0
    for key, label, value, previous, change, unit in headline[1:]:
        assert label in text
        for cell in (value, previous):
            number = _number(cell)
            if number is not None:
                assert format_value(number, unit) in text, (key, cell)
                checked += 1
        if _number(change) is not None:
            assert format_change(_number(value), _number(previous), unit) in text
            assert _number(change) == _number(value) - _number(previous)
    assert checked == 9  # five figures, one with no previous value
    # Rounded once, the same everywhere: 93.456 is 93.46 in the CSV and "93.46%" in the PDF.
    assert ["wage_share", "Share paid at or above the floor", "93.46", "95.1", "-1.64", "%"] in headline
    assert "93.46%" in text and "-1.64%" in text and "+1,345" in text


def test_pdf_shows_every_table_number_of_the_csv(files):
    _pages, text = _pdf_text(files["pdf"])
    tables = _csv_tables(files["csv"])
    for table in files["figures"].tables:
        for row in tables[table.key][1:]:
            for cell in row:
                number = _number(cell)
                if number is not None:
                    assert format_value(number) in text, (table.key, cell)


def test_csv_and_xlsx_hold_the_same_tables_and_numbers(files):
    tables = _csv_tables(files["csv"])
    workbook = load_workbook(io.BytesIO(files["xlsx"]), read_only=True)
    expected = ["headline", "by_sex", "by_employer", "monthly", "complaints", "about"]
    assert list(tables) == expected
    assert workbook.sheetnames == expected
    for key in expected:
        sheet_rows = [list(row) for row in workbook[key].iter_rows(values_only=True)]
        assert len(sheet_rows) == len(tables[key]), key
        for csv_row, sheet_row in zip(tables[key], sheet_rows, strict=True):
            for csv_cell, sheet_cell in zip(csv_row, sheet_row, strict=False):
                if _number(csv_cell) is not None:
                    assert Decimal(str(sheet_cell)) == _number(csv_cell), (key, csv_row)
                    assert isinstance(sheet_cell, int | float)  # a number a spreadsheet can add up, not text
                elif csv_cell:
                    assert str(sheet_cell) == csv_cell or sheet_cell == datetime.datetime.fromisoformat(csv_cell)
    assert tables["by_employer"][1] == ["Employer 000 (Pty) Ltd — Ntšoana", "1000", "9500.25"]
    assert len(tables["by_employer"]) == EMPLOYER_ROWS + 3
    assert tables["complaints"] == [["Category", "Received"]]


def test_numbers_are_written_raw_in_csv_and_grouped_in_pdf(files):
    tables = _csv_tables(files["csv"])
    submitted = next(row for row in tables["headline"] if row[0] == "contracts_submitted")
    assert submitted[2:5] == ["12345", "11000", "1345"]
    _pages, text = _pdf_text(files["pdf"])
    assert "12,345" in text


def test_spreadsheet_formulas_are_neutralised(files):
    tables = _csv_tables(files["csv"])
    names = [row[0] for row in tables["by_employer"]]
    assert '\'=HYPERLINK("http://evil.example","x")' in names
    assert "'@SUM(A1:A2)" in names
    # A negative number stays a number.
    assert tables["by_employer"][-1][2] == "-4.5"
    workbook = load_workbook(io.BytesIO(files["xlsx"]))
    cells = [row[0].value for row in workbook["by_employer"].iter_rows()]
    assert '\'=HYPERLINK("http://evil.example","x")' in cells
    assert all(cell.data_type != "f" for row in workbook["by_employer"].iter_rows() for cell in row)


def test_about_says_what_the_figures_cover_and_names_nobody(files):
    about = dict(tuple(row) for row in _csv_tables(files["csv"])["about"][1:])
    assert about["Agreement"] == "Lesotho–South Africa mining arrangement (LS-ZA-2024)"
    assert about["From"] == "2026-01-01" and about["To"] == "2026-03-31"
    assert about["Note on complaints"] == "No complaint in this period."
    assert "Nthabiseng" not in files["csv"].decode("latin-1")


def test_a_period_without_data_says_so_with_zeros():
    figures = _figures(
        headline=[Figure("contracts_submitted", "Contracts submitted", 0, 0)],
        tables=[FigureTable("by_sex", "Deployed by sex", "breakdowns", ["Sex", "Workers"], [], chart="pie")],
        has_data=False,
    )
    with translation.override("en"):
        _pages, text = _pdf_text(render_pdf(figures, generated_at=GENERATED_AT, generated_by="Analyst"))
        about = _csv_tables(render_csv_zip(figures, generated_at=GENERATED_AT))["about"]
    assert "Nothing was recorded under this agreement in this period" in text
    assert "No data in this period." in text
    assert any(row[0] == "Note" for row in about)


def test_pdf_is_written_in_the_language_asked_for():
    with translation.override("st"):
        sesotho = _pdf_text(render_pdf(_figures(), generated_at=GENERATED_AT, generated_by="Analyst"))[1]
    with translation.override("en"):
        english = _pdf_text(render_pdf(_figures(), generated_at=GENERATED_AT, generated_by="Analyst"))[1]
    # The numbers do not change with the language; the words may (once the catalogue has them).
    assert "12,345" in sesotho and "12,345" in english


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (1234567, "", "1,234,567"),
        (Decimal("56.7"), "%", "56.7%"),
        (Decimal("9500.505"), "ZAR", "9,500.51 ZAR"),
        (Decimal("12.00"), "", "12.00"),
        (Decimal("3"), "", "3"),
        (None, "%", "–"),
        (datetime.date(2026, 3, 31), "", "2026-03-31"),
        ("Maseru", "", "Maseru"),
    ],
)
def test_format_value(value, unit, expected):
    assert format_value(value, unit) == expected


def test_plain_value_rounds_half_up_to_the_cent_once():
    assert plain_value(Decimal("2.345")) == Decimal("2.35")
    assert plain_value(Decimal("7")) == 7 and isinstance(plain_value(Decimal("7")), int)
    assert plain_value(0.1) == Decimal("0.1")
