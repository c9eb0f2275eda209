"""The printable licence certificate, and what the public is told about a licence.

A certificate is drawn from the licence as it stands now: one printed after a
suspension or revocation says so in large letters, and its QR code leads to
the public verification page, which is always the last word.
"""

from __future__ import annotations

import datetime
import io
from functools import cache
from pathlib import Path

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from agencies.models import Licence, LicenceStatus
from core.text import public_url

FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"

BLUE = colors.HexColor("#00209f")
GREEN = colors.HexColor("#006a3b")
DANGER = colors.HexColor("#a4161a")
MUTED = colors.HexColor("#4a4a4a")

# The status printed in large letters; written out in capitals so translators choose the form.
STATUS_WORDS = {
    LicenceStatus.ACTIVE: gettext_lazy("ACTIVE"),
    LicenceStatus.SUSPENDED: gettext_lazy("SUSPENDED"),
    LicenceStatus.REVOKED: gettext_lazy("REVOKED"),
    LicenceStatus.EXPIRED: gettext_lazy("EXPIRED"),
}


# --- What the public is told ---------------------------------------------------------


def public_status(licence: Licence, on: datetime.date | None = None) -> str:
    """The status to show the public: an active licence past its last valid day is expired, even before the nightly job runs."""
    on = on or timezone.localdate()
    if licence.status == LicenceStatus.ACTIVE and licence.expires_on < on:
        return LicenceStatus.EXPIRED
    return licence.status


def status_statement(licence: Licence, on: datetime.date | None = None) -> str:
    """One plain sentence saying whether the agency may recruit, in the active language."""
    on = on or timezone.localdate()
    status = public_status(licence, on)
    if status == LicenceStatus.ACTIVE and licence.valid_from > on:
        return _("This licence takes effect on %(date)s: the agency may not recruit before then.") % {
            "date": long_date(licence.valid_from)
        }
    if status == LicenceStatus.ACTIVE and not licence.agency.is_active:
        return _("The ministry has stopped this agency's account: it may not recruit at present. Do not pay this agency.")
    if status == LicenceStatus.ACTIVE:
        return _("This licence is active: the agency may recruit until %(date)s.") % {"date": long_date(licence.expires_on)}
    if status == LicenceStatus.SUSPENDED:
        return _("This licence is SUSPENDED: the agency may not recruit. Do not pay this agency.")
    if status == LicenceStatus.REVOKED:
        return _("This licence is REVOKED: the agency may not recruit. Do not pay this agency.")
    return _("This licence EXPIRED on %(date)s: the agency may not recruit.") % {"date": long_date(licence.expires_on)}


def verification_url(licence: Licence) -> str:
    return public_url("register:verify", licence.public_token)


def long_date(day: datetime.date) -> str:
    return date_format(day, "j F Y")


# --- The certificate ------------------------------------------------------------------


@cache
def register_fonts() -> None:
    """Register the shipped DejaVu fonts once: reportlab's own fonts cannot draw letters such as "š"."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))


def render_certificate(licence: Licence) -> bytes:
    """A one-page A4 PDF of the licence as it stands now, in the active language."""
    register_fonts()
    today = timezone.localdate()
    status = public_status(licence, today)
    agency = licence.agency
    url = verification_url(licence)
    width, height = A4
    left, right = 20 * mm, width - 20 * mm
    text_width = right - left

    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=A4, initialFontName=REGULAR)
    pdf.setTitle(_("Licence %(number)s") % {"number": licence.number})
    pdf.setAuthor(_("Ministry of Labour and Employment, Kingdom of Lesotho"))
    pdf.setSubject(_("Licence to recruit Basotho for employment abroad"))

    status_colour = GREEN if status == LicenceStatus.ACTIVE else DANGER
    status_word = str(STATUS_WORDS[status])

    if status != LicenceStatus.ACTIVE:
        # Across the whole page, behind everything: no part of a void certificate looks valid.
        pdf.saveState()
        pdf.setFillColor(colors.Color(0.64, 0.09, 0.10, alpha=0.12))
        pdf.setFont(BOLD, 96)
        pdf.translate(width / 2, height / 2)
        pdf.rotate(45)
        pdf.drawCentredString(0, -30, status_word)
        pdf.restoreState()

    # Heading band.
    pdf.setFillColor(BLUE)
    pdf.rect(0, height - 38 * mm, width, 38 * mm, stroke=0, fill=1)
    pdf.setFillColor(GREEN)
    pdf.rect(0, height - 41 * mm, width, 3 * mm, stroke=0, fill=1)
    pdf.setFillColor(colors.white)
    pdf.setFont(REGULAR, 11)
    pdf.drawCentredString(width / 2, height - 15 * mm, _("Kingdom of Lesotho"))
    pdf.setFont(BOLD, 17)
    pdf.drawCentredString(width / 2, height - 24 * mm, _("Ministry of Labour and Employment"))
    pdf.setFont(REGULAR, 10)
    pdf.drawCentredString(width / 2, height - 32 * mm, _("Labour migration register"))

    y = height - 56 * mm
    pdf.setFillColor(colors.black)
    y = _draw_wrapped(pdf, _("Licence to recruit Basotho for employment abroad"), BOLD, 18, left, y, text_width, centred=True)
    pdf.setFillColor(MUTED)
    y = _draw_wrapped(
        pdf,
        _("Private employment agency licence issued under the Labour Act 2024"),
        REGULAR,
        10,
        left,
        y - 1 * mm,
        text_width,
        centred=True,
    )

    # The status, large, in a box, and what it means in one sentence below it.
    box_height = 24 * mm
    y -= 6 * mm
    pdf.setStrokeColor(status_colour)
    pdf.setLineWidth(3)
    pdf.rect(left, y - box_height, text_width, box_height, stroke=1, fill=0)
    pdf.setFillColor(status_colour)
    pdf.setFont(REGULAR, 10)
    pdf.drawCentredString(width / 2, y - 7 * mm, _("Status of this licence"))
    pdf.setFont(BOLD, 30)
    pdf.drawCentredString(width / 2, y - 19 * mm, status_word)
    y = _draw_wrapped(
        pdf, status_statement(licence, today), BOLD, 11, left, y - box_height - 6 * mm, text_width, centred=True, max_lines=2
    )
    y -= 6 * mm

    # The particulars.
    status_since = ""
    if status in (LicenceStatus.SUSPENDED, LicenceStatus.REVOKED) and licence.status_changed_at:
        status_since = long_date(timezone.localtime(licence.status_changed_at).date())
    rows = [
        (_("Licence number"), licence.number),
        (_("Agency (legal name)"), agency.legal_name),
        (_("Trading name"), agency.trading_name or "—"),
        (_("Company registration number"), agency.registration_number),
        (_("District"), agency.get_district_display()),
        (_("Issued on"), long_date(licence.issued_on)),
        (_("Valid from"), long_date(licence.valid_from)),
        (_("Expires on"), long_date(licence.expires_on)),
    ]
    if status_since:
        rows.append((_("Status since"), status_since))
    label_width = 62 * mm
    for label, value in rows:
        pdf.setFillColor(MUTED)
        pdf.setFont(REGULAR, 10)
        pdf.drawString(left, y, label)
        pdf.setFillColor(colors.black)
        y = _draw_wrapped(pdf, str(value), BOLD, 11, left + label_width, y, text_width - label_width, max_lines=2)
        y -= 2.5 * mm

    qr_size = 38 * mm
    footer_top = 20 * mm + qr_size + 14 * mm  # the QR block and its link sit below this line

    if licence.conditions.strip():
        y -= 3 * mm
        pdf.setFillColor(colors.black)
        pdf.setFont(BOLD, 11)
        pdf.drawString(left, y, _("Conditions"))
        y -= 5.5 * mm
        room = max(1, int((y - footer_top) // (4.6 * mm)))
        y = _draw_wrapped(pdf, licence.conditions.strip(), REGULAR, 9.5, left, y, text_width, max_lines=room, leading=4.6 * mm)

    # The QR code and its link, bottom left; the explanation beside it.
    qr_bottom = 20 * mm + 10 * mm
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(
        qr_size, qr_size, transform=[qr_size / (x1 - x0), 0, 0, qr_size / (y1 - y0), 0, 0], initialFontName=REGULAR
    )  # else the renderer sets Helvetica, which cannot draw every letter
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, left, qr_bottom)
    pdf.setFillColor(colors.black)
    pdf.setFont(REGULAR, 8)
    link_lines = simpleSplit(url, REGULAR, 8, text_width)
    link_y = qr_bottom - 4 * mm
    for line in link_lines[:2]:
        pdf.drawString(left, link_y, line)
        link_y -= 3.6 * mm
    pdf.linkURL(url, (left, qr_bottom, left + qr_size, qr_bottom + qr_size), relative=0)

    note_left = left + qr_size + 8 * mm
    note = _(
        "Check this licence before you pay anyone or hand over any document: scan the code or open the link. "
        "The public register shows the licence's status today; this paper only shows it on the day it was printed."
    )
    pdf.setFillColor(colors.black)
    note_y = _draw_wrapped(pdf, note, REGULAR, 9.5, note_left, qr_bottom + qr_size - 4 * mm, right - note_left, leading=4.6 * mm)
    pdf.setFillColor(MUTED)
    _draw_wrapped(
        pdf, _("Printed on %(date)s.") % {"date": long_date(today)}, REGULAR, 9, note_left, note_y - 2 * mm, right - note_left
    )

    pdf.setStrokeColor(GREEN)
    pdf.setLineWidth(1)
    pdf.line(left, 16 * mm, right, 16 * mm)
    pdf.setFillColor(MUTED)
    pdf.setFont(REGULAR, 8)
    pdf.drawCentredString(width / 2, 11 * mm, _("Ministry of Labour and Employment, Maseru, Lesotho."))

    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _draw_wrapped(
    pdf: Canvas,
    text: str,
    font: str,
    size: float,
    x: float,
    y: float,
    width: float,
    *,
    centred: bool = False,
    max_lines: int | None = None,
    leading: float | None = None,
) -> float:
    """Draw ``text`` wrapped to ``width`` from baseline ``y`` down; returns the baseline below the last line."""
    leading = leading or size * 1.3
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(simpleSplit(paragraph, font, size, width) or [""])
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip() + " …"
    pdf.setFont(font, size)
    for line in lines:
        if centred:
            pdf.drawCentredString(x + width / 2, y, line)
        else:
            pdf.drawString(x, y, line)
        y -= leading
    return y
