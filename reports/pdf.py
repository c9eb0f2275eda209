"""The compliance report as a PDF for the record (reportlab platypus), in the active language.

A4 portrait: a cover (agreement, period, when and by whom it was generated), a summary page of the headline
figures against the previous period, then one section per kind of figure, each table with its header row
repeated on every page and a bar or pie chart where the figures layer hints that a picture reads faster.
Every page carries a header and a "page X of Y" footer, drawn once the page count is known (a canvas that
keeps its pages until it is saved).

Printed in grey it stays readable: charts are told apart by shade and carry their numbers, table rows
alternate white and light grey, and nothing is said by colour alone. It uses the shipped DejaVu fonts of
the licence certificate (Sesotho letters such as "š" and any name print correctly).

Long tables are built in chunks of ``CHUNK_ROWS`` rows with fixed row heights: one huge reportlab table
costs super-linear time (shared/DESIGN.md, "Known traps"). Every value goes through
``reports.formatting.format_value``, as on screen, so the PDF and the CSV agree digit for digit.
"""

from __future__ import annotations

import datetime
import functools
import io
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from agencies.certificate import BLUE, BOLD, MUTED, REGULAR, long_date, register_fonts
from reports.formatting import format_change, format_value, is_number

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
CHUNK_ROWS = 200
ROW_HEIGHT = 12.5
CELL_FONT_SIZE = 8
CELL_PADDING = 3
NUMBER_COLUMN = 25 * mm
BAR_CHART_ROWS = 15  # more bars than this stop reading faster than the table
PIE_CHART_ROWS = 6

INK = colors.HexColor("#1b1b1b")
HEADER_FILL = colors.HexColor("#dcdcdc")
ZEBRA = colors.HexColor("#f2f2f2")
GRID = colors.HexColor("#8c8c8c")
# Shades that stay apart when printed in grey (the flag's blue first: it prints as near black).
CHART_FILLS = [colors.HexColor(shade) for shade in ("#00209f", "#a8a8a8", "#4d4d4d", "#e0e0e0", "#7a7a7a", "#ffffff")]

SECTION_TITLES = {
    "flows": gettext_lazy("Flows of workers and contracts"),
    "breakdowns": gettext_lazy("Who went, where and through whom"),
    "compliance": gettext_lazy("Compliance with the agreement"),
    "predeparture": gettext_lazy("Pre-departure training"),
    "oversight": gettext_lazy("Oversight of agencies"),
    "reach": gettext_lazy("Reaching workers by SMS"),
}


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=REGULAR, fontSize=9.5, leading=12.5, textColor=INK)
    return {
        "body": base,
        "country": ParagraphStyle("country", parent=base, fontSize=10, textColor=MUTED, alignment=1),
        "ministry": ParagraphStyle("ministry", parent=base, fontName=BOLD, fontSize=14, leading=18, alignment=1),
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=20, leading=25, alignment=1, textColor=BLUE),
        "agreement": ParagraphStyle("agreement", parent=base, fontName=BOLD, fontSize=13, leading=17, alignment=1),
        "section": ParagraphStyle(
            "section", parent=base, fontName=BOLD, fontSize=14, leading=18, textColor=BLUE, spaceBefore=4 * mm, spaceAfter=2 * mm
        ),
        "table_title": ParagraphStyle(
            "table_title", parent=base, fontName=BOLD, fontSize=10.5, leading=14, spaceBefore=4 * mm, spaceAfter=1.5 * mm
        ),
        "note": ParagraphStyle("note", parent=base, fontSize=8.5, leading=11, textColor=MUTED, spaceAfter=1.5 * mm),
        "label": ParagraphStyle("label", parent=base, textColor=MUTED),
        "value": ParagraphStyle("value", parent=base, fontName=BOLD),
        "head": ParagraphStyle("head", parent=base, fontName=BOLD, fontSize=CELL_FONT_SIZE, leading=CELL_FONT_SIZE + 1.5),
        "head_right": ParagraphStyle(
            "head_right", parent=base, fontName=BOLD, fontSize=CELL_FONT_SIZE, leading=CELL_FONT_SIZE + 1.5, alignment=2
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=11.5),
        "notice": ParagraphStyle(
            "notice",
            parent=base,
            fontName=BOLD,
            fontSize=11,
            leading=15,
            borderColor=INK,
            borderWidth=1,
            borderPadding=3 * mm,
            spaceBefore=6 * mm,
        ),
    }


def _text(value: Any) -> str:
    """Text from the register (an employer's name) escaped for reportlab's paragraph markup."""
    return escape(str(value))


def _period(start: datetime.date, end: datetime.date) -> str:
    return _("%(start)s to %(end)s") % {"start": long_date(start), "end": long_date(end)}


# --- Page furniture: header, and "page X of Y" once the count is known -------------------------------------


class _NumberedCanvas(Canvas):
    """Keeps every page until saved, then draws the header and footer knowing how many pages there are."""

    def __init__(self, *args: Any, header: str = "", footer: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header, self._footer = header, footer
        self._pages: list[dict] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._furniture(total)
            super().showPage()
        super().save()

    def _furniture(self, total: int) -> None:
        number = self._pageNumber
        self.saveState()
        self.setFillColor(MUTED)
        self.setStrokeColor(GRID)
        self.setLineWidth(0.5)
        if number > 1:  # the cover carries its own heading
            self.setFont(REGULAR, 8)
            self.drawString(MARGIN, PAGE_HEIGHT - 11 * mm, _fit(self._header, REGULAR, 8, TEXT_WIDTH))
            self.line(MARGIN, PAGE_HEIGHT - 12.5 * mm, PAGE_WIDTH - MARGIN, PAGE_HEIGHT - 12.5 * mm)
        self.line(MARGIN, 13 * mm, PAGE_WIDTH - MARGIN, 13 * mm)
        self.setFont(REGULAR, 8)
        page_text = _("Page %(page)d of %(pages)d") % {"page": number, "pages": total}
        self.drawRightString(PAGE_WIDTH - MARGIN, 9 * mm, page_text)
        self.drawString(MARGIN, 9 * mm, _fit(self._footer, REGULAR, 8, TEXT_WIDTH - stringWidth(page_text, REGULAR, 8) - 6 * mm))
        self.restoreState()


def _fit(text: str, font: str, size: float, width: float) -> str:
    """The text cut with "…" to fit ``width``; fixed row heights leave no room to wrap."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[: max(len(text) - max(len(text) // 8, 1), 0)]
    return text + "…"


# --- Tables ---------------------------------------------------------------------------------------------------


def _numeric_columns(table) -> list[bool]:
    count = len(table.columns)
    numeric = [False] * count
    for row in table.rows:
        for index, value in enumerate(row[:count]):
            if not numeric[index] and is_number(value):
                numeric[index] = True
    return numeric


def _column_widths(numeric: list[bool]) -> list[float]:
    count = len(numeric)
    text_columns = count - sum(numeric)
    if text_columns == 0:
        return [TEXT_WIDTH / count] * count
    number_width = min(NUMBER_COLUMN, TEXT_WIDTH * 0.6 / max(sum(numeric), 1))
    # The first text column names the row (a rule, an employer): it gets twice the room of the others.
    first_text = numeric.index(False)
    shares = [0 if is_numeric else (2 if index == first_text else 1) for index, is_numeric in enumerate(numeric)]
    text_width = (TEXT_WIDTH - number_width * sum(numeric)) / sum(shares)
    return [number_width if is_numeric else text_width * share for is_numeric, share in zip(numeric, shares, strict=True)]


def _header_row(columns: list, numeric: list[bool], widths: list[float], styles: dict) -> tuple[list, float]:
    cells, lines = [], 1
    for title, is_numeric, width in zip(columns, numeric, widths, strict=True):
        inner = width - 2 * CELL_PADDING
        lines = max(lines, len(simpleSplit(str(title), BOLD, CELL_FONT_SIZE, inner)))
        cells.append(Paragraph(_text(title), styles["head_right" if is_numeric else "head"]))
    return cells, lines * (CELL_FONT_SIZE + 1.5) + 2 * CELL_PADDING + 1


def _table_style(numeric: list[bool]) -> TableStyle:
    commands = [
        ("FONT", (0, 0), (-1, -1), REGULAR, CELL_FONT_SIZE),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    commands += [("ALIGN", (index, 1), (index, -1), "RIGHT") for index, is_numeric in enumerate(numeric) if is_numeric]
    return TableStyle(commands)


def _cell_text(value: Any, width: float) -> str:
    text = format_value(value)
    return text if is_number(value) else _fit(text, REGULAR, CELL_FONT_SIZE, width - 2 * CELL_PADDING)


def _table_chunks(table, styles: dict) -> list[Table]:
    """The table in chunks of ``CHUNK_ROWS`` rows, each with the header row, which also repeats on a new page."""
    numeric = _numeric_columns(table)
    widths = _column_widths(numeric)
    header, header_height = _header_row(table.columns, numeric, widths, styles)
    style = _table_style(numeric)
    count = len(table.columns)
    chunks = []
    for begin in range(0, len(table.rows), CHUNK_ROWS):
        rows = table.rows[begin : begin + CHUNK_ROWS]
        data = [header] + [[_cell_text(value, width) for value, width in zip(row[:count], widths, strict=False)] for row in rows]
        chunk = Table(data, colWidths=widths, rowHeights=[header_height] + [ROW_HEIGHT] * len(rows), repeatRows=1, hAlign="LEFT")
        chunk.setStyle(style)
        chunks.append(chunk)
    return chunks


# --- Charts ---------------------------------------------------------------------------------------------------


def _chart_series(table) -> tuple[list[str], list[Any], str] | None:
    """Labels (first column) and values (first numeric column, as in the table) worth drawing, or None."""
    numeric = _numeric_columns(table)
    if len(table.rows) < 2 or len(numeric) < 2 or numeric[0]:
        return None
    for column in range(1, len(numeric)):
        if not numeric[column]:
            continue
        values = [row[column] if column < len(row) and is_number(row[column]) else 0 for row in table.rows]
        # A column that is the same on every row (the year of a quota) has nothing to draw.
        if len(set(values)) < 2 or any(value < 0 for value in values):
            continue
        return [format_value(row[0]) for row in table.rows], values, str(table.columns[column])
    return None


def _pie(labels: list[str], values: list[Any]) -> Drawing:
    size = 45 * mm
    drawing = Drawing(TEXT_WIDTH, size + 12 * mm)
    pie = Pie()
    pie.x, pie.y, pie.width, pie.height = 8 * mm, 6 * mm, size, size
    pie.data = [float(value) for value in values]
    pie.labels = None
    pie.slices.strokeColor = INK
    pie.slices.strokeWidth = 0.5
    for index in range(len(values)):
        pie.slices[index].fillColor = CHART_FILLS[index % len(CHART_FILLS)]
    drawing.add(pie)
    # A legend with the numbers: the shades help, the words and figures say it.
    top = 6 * mm + size - 3 * mm
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top - index * 5.5 * mm
        drawing.add(
            Rect(
                62 * mm, y, 3.5 * mm, 3.5 * mm, fillColor=CHART_FILLS[index % len(CHART_FILLS)], strokeColor=INK, strokeWidth=0.5
            )
        )
        text = f"{label}: {format_value(value)}"
        drawing.add(
            String(
                68 * mm, y + 0.6 * mm, _fit(text, REGULAR, 8, TEXT_WIDTH - 70 * mm), fontName=REGULAR, fontSize=8, fillColor=INK
            )
        )
    return drawing


def _bars(labels: list[str], values: list[Any]) -> Drawing:
    bar_height = 5 * mm
    height = bar_height * len(values)
    label_width = 55 * mm
    drawing = Drawing(TEXT_WIDTH, height + 10 * mm)
    chart = HorizontalBarChart()
    chart.x, chart.y = label_width, 6 * mm
    chart.width, chart.height = TEXT_WIDTH - label_width - 20 * mm, height
    # The first row at the top, as in the table.
    chart.data = [[float(value) for value in reversed(values)]]
    chart.categoryAxis.categoryNames = [_fit(label, REGULAR, 7.5, label_width - 4 * mm) for label in reversed(labels)]
    chart.categoryAxis.labels.fontName = REGULAR
    chart.categoryAxis.labels.fontSize = 7.5
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -2
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = REGULAR
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = lambda value: format_value(int(value) if value == int(value) else value)
    chart.bars[0].fillColor = CHART_FILLS[0]
    chart.bars[0].strokeColor = None
    chart.barLabels.fontName = REGULAR
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 2
    chart.barLabelFormat = lambda value: format_value(int(value) if value == int(value) else value)
    drawing.add(chart)
    return drawing


def _chart(table, styles: dict) -> list:
    series = _chart_series(table)
    if series is None:
        return []
    labels, values, measure = series
    flowables = []
    if table.chart == "pie" and len(values) <= PIE_CHART_ROWS:
        flowables.append(_pie(labels, values))
    else:
        shown = min(len(values), BAR_CHART_ROWS)
        flowables.append(_bars(labels[:shown], values[:shown]))
        if shown < len(values):
            flowables.append(
                Paragraph(
                    _text(_("The chart shows the first %(shown)d of %(rows)d rows.") % {"shown": shown, "rows": len(values)}),
                    styles["note"],
                )
            )
    flowables.insert(0, Paragraph(_text(_("Chart: %(measure)s") % {"measure": measure}), styles["note"]))
    return flowables


# --- The document ---------------------------------------------------------------------------------------------


def _cover(figures, styles: dict, generated_at: datetime.datetime, generated_by: str) -> list:
    local = timezone.localtime(generated_at)
    particulars = [
        (_("Agreement"), figures.agreement_label),
        (_("Period"), _period(figures.start, figures.end)),
        (_("Compared with"), _period(figures.previous_start, figures.previous_end)),
        (_("Generated"), _("%(date)s at %(time)s, Maseru time") % {"date": long_date(local.date()), "time": f"{local:%H:%M}"}),
        (_("Generated by"), generated_by),
    ]
    table = Table(
        [[Paragraph(_text(label), styles["label"]), Paragraph(_text(value), styles["value"])] for label, value in particulars],
        colWidths=[45 * mm, TEXT_WIDTH - 45 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, GRID),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    story = [
        Spacer(1, 30 * mm),
        Paragraph(_text(_("Kingdom of Lesotho")), styles["country"]),
        Paragraph(_text(_("Ministry of Labour and Employment")), styles["ministry"]),
        Spacer(1, 18 * mm),
        Paragraph(_text(_("Bilateral labour agreement compliance report")), styles["title"]),
        Spacer(1, 6 * mm),
        Paragraph(_text(figures.agreement_label), styles["agreement"]),
        Spacer(1, 16 * mm),
        table,
    ]
    if not figures.has_data:
        story.append(
            Paragraph(
                _text(_("Nothing was recorded under this agreement in this period: the figures are zeros.")), styles["notice"]
            )
        )
    story.append(PageBreak())
    return story


def _summary(figures, styles: dict) -> list:
    rows = [
        [
            Paragraph(_text(heading), styles["head" if index == 0 else "head_right"])
            for index, heading in enumerate([_("Figure"), _("This period"), _("Previous period"), _("Change")])
        ]
    ]
    for figure in figures.headline:
        rows.append(
            [
                Paragraph(_text(figure.label), styles["cell"]),
                format_value(figure.value, figure.unit),
                format_value(figure.previous, figure.unit),
                format_change(figure.value, figure.previous, figure.unit),
            ]
        )
    number_width = 30 * mm
    table = Table(rows, colWidths=[TEXT_WIDTH - 3 * number_width] + [number_width] * 3, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (1, 1), (-1, -1), REGULAR, 9),
                ("FONT", (1, 1), (1, -1), BOLD, 9),
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, GRID),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return [
        Paragraph(_text(_("Headline figures")), styles["section"]),
        Paragraph(
            _text(
                _("%(period)s, compared with the previous period of the same length (%(previous)s).")
                % {
                    "period": _period(figures.start, figures.end),
                    "previous": _period(figures.previous_start, figures.previous_end),
                }
            ),
            styles["body"],
        ),
        Spacer(1, 3 * mm),
        table,
    ] + ([PageBreak()] if figures.tables else [])


def _sections(figures, styles: dict, progress: Callable[[float], None] | None) -> list:
    order = list(SECTION_TITLES)
    sections: dict[str, list] = {}
    for table in figures.tables:
        sections.setdefault(table.section, []).append(table)
    story = []
    done, total = 0, max(len(figures.tables), 1)
    for section in sorted(sections, key=lambda name: order.index(name) if name in order else len(order)):
        story.append(Paragraph(_text(SECTION_TITLES.get(section, section)), styles["section"]))
        for table in sections[section]:
            opening = [Paragraph(_text(table.title), styles["table_title"])]
            if table.note:
                opening.append(Paragraph(_text(table.note), styles["note"]))
            if not table.rows:
                opening.append(Paragraph(_text(_("No data in this period.")), styles["body"]))
                story.append(KeepTogether(opening))
            else:
                if table.chart:
                    opening += _chart(table, styles)
                chunks = _table_chunks(table, styles)
                # The title stays with the chart and the start of its table.
                story.append(KeepTogether(opening + chunks[:1]) if len(table.rows) <= 40 else KeepTogether(opening))
                story.extend(chunks if len(table.rows) > 40 else chunks[1:])
            done += 1
            if progress is not None:
                progress(done / total)
    return story


def render_pdf(
    figures,
    *,
    generated_at: datetime.datetime,
    generated_by: str,
    progress: Callable[[float], None] | None = None,
) -> bytes:
    """The report for ``figures`` as A4 PDF bytes; ``progress`` is told the share of tables laid out so far."""
    register_fonts()
    styles = _styles()
    local = timezone.localtime(generated_at)
    # The period first: a long agreement title is what gets cut when the line is full.
    header = " · ".join([_("Compliance report"), _period(figures.start, figures.end), figures.agreement_label])
    footer = _("Ministry of Labour and Employment · generated %(when)s") % {"when": local.strftime("%Y-%m-%d %H:%M")}
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=_("Compliance report: %(agreement)s") % {"agreement": figures.agreement_label},
        author=_("Ministry of Labour and Employment"),
        subject=_period(figures.start, figures.end),
        initialFontName=REGULAR,
    )
    story = _cover(figures, styles, generated_at, generated_by) + _summary(figures, styles) + _sections(figures, styles, progress)
    document.build(story, canvasmaker=functools.partial(_NumberedCanvas, header=header, footer=footer))
    return buffer.getvalue()
