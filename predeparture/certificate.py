"""The printable training certificate, and what the public is told about it.

Reuses the licence certificate's fonts, colours and text wrapping; the QR
code leads to the public verification page, which is always the last word.
"""

from __future__ import annotations

import datetime
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from agencies.certificate import BLUE, BOLD, DANGER, GREEN, MUTED, REGULAR, _draw_wrapped, long_date, register_fonts
from core.text import public_url
from predeparture.models import Certificate


def verification_url(certificate: Certificate) -> str:
    return public_url("predeparture:verify", certificate.public_token)


def initials(first_name: str, last_name: str) -> str:
    """ "Thabo Mokhele" → "T. M.": enough to match a person standing in front of you, too little to find them."""
    letters = [part.lstrip("'")[:1].upper() for part in (first_name, last_name) if part and part.lstrip("'")]
    return " ".join(f"{letter}." for letter in letters)


def validity_statement(certificate: Certificate, on: datetime.date | None = None) -> str:
    on = on or timezone.localdate()
    if certificate.is_valid_on(on):
        return _("This certificate is valid until %(date)s.") % {"date": long_date(certificate.expires_on)}
    if on < certificate.issued_on:
        return _("This certificate is not valid before %(date)s.") % {"date": long_date(certificate.issued_on)}
    return _("This certificate EXPIRED on %(date)s: the worker must take the course again.") % {
        "date": long_date(certificate.expires_on)
    }


def qr_drawing(url: str, size: float) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0], initialFontName=REGULAR)
    drawing.add(widget)
    return drawing


def render_certificate(certificate: Certificate) -> bytes:
    """A one-page A4 PDF of the certificate, in the active language."""
    register_fonts()
    today = timezone.localdate()
    enrolment = certificate.enrolment
    worker, session = enrolment.worker, enrolment.session
    course = session.course
    url = verification_url(certificate)
    width, height = A4
    left, right = 20 * mm, width - 20 * mm
    text_width = right - left
    valid = certificate.is_valid_on(today)

    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=A4, initialFontName=REGULAR)
    pdf.setTitle(_("Training certificate %(number)s") % {"number": certificate.number})
    pdf.setAuthor(_("Ministry of Labour and Employment, Kingdom of Lesotho"))

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

    y = height - 58 * mm
    pdf.setFillColor(colors.black)
    y = _draw_wrapped(pdf, _("Pre-departure training certificate"), BOLD, 20, left, y, text_width, centred=True)
    y = _draw_wrapped(pdf, _("This certifies that"), REGULAR, 11, left, y - 4 * mm, text_width, centred=True)
    y = _draw_wrapped(pdf, worker.full_name, BOLD, 18, left, y - 2 * mm, text_width, centred=True)
    y = _draw_wrapped(pdf, _("completed the course"), REGULAR, 11, left, y - 2 * mm, text_width, centred=True)
    y = _draw_wrapped(pdf, course.title, BOLD, 15, left, y - 2 * mm, text_width, centred=True, max_lines=2)
    y -= 8 * mm
    rows = [
        (_("Certificate number"), certificate.number),
        (_("Worker reference"), worker.reference),
        (_("Course code"), course.code),
        (_("Venue"), f"{session.venue}, {session.get_district_display()}"),
        (_("Issued on"), long_date(certificate.issued_on)),
        (_("Valid through"), long_date(certificate.expires_on)),
    ]
    for label, value in rows:
        pdf.setFillColor(MUTED)
        pdf.setFont(REGULAR, 10)
        pdf.drawString(left, y, label)
        pdf.setFillColor(colors.black)
        y = _draw_wrapped(pdf, str(value), BOLD, 11, left + 55 * mm, y, text_width - 55 * mm, max_lines=2)
        y -= 2.5 * mm
    pdf.setFillColor(GREEN if valid else DANGER)
    _draw_wrapped(pdf, validity_statement(certificate, today), BOLD, 11, left, y - 4 * mm, text_width, centred=True)

    qr_size, qr_bottom = 38 * mm, 30 * mm
    renderPDF.draw(qr_drawing(url, qr_size), pdf, left, qr_bottom)
    pdf.linkURL(url, (left, qr_bottom, left + qr_size, qr_bottom + qr_size), relative=0)
    pdf.setFillColor(colors.black)
    pdf.setFont(REGULAR, 8)
    pdf.drawString(left, qr_bottom - 4 * mm, url[:110])
    note_left = left + qr_size + 8 * mm
    note = _("Border officials and employers: scan the code or open the link to check this certificate in the register.")
    note_y = _draw_wrapped(pdf, note, REGULAR, 9.5, note_left, qr_bottom + qr_size - 4 * mm, right - note_left, leading=4.6 * mm)
    pdf.setFillColor(MUTED)
    _draw_wrapped(
        pdf, _("Printed on %(date)s.") % {"date": long_date(today)}, REGULAR, 9, note_left, note_y - 2 * mm, right - note_left
    )
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
