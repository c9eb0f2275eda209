"""The printed contract (in the worker's language) and the deployment clearance with its QR code.

Both reuse the licence certificate's fonts, colours and date format and the
training certificate's QR drawing, so every paper the ministry prints looks
the same. The contract is the approved terms as they stand in the register;
the clearance is drawn as it stands today: one printed after the contract was
cancelled or ended says VOID across the page, and its QR code leads to the
public verification page, which is always the last word.
"""

from __future__ import annotations

import datetime
import io
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.graphics import renderPDF
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from agencies.certificate import BLUE, BOLD, DANGER, GREEN, MUTED, REGULAR, _draw_wrapped, long_date, register_fonts
from contracts.compliance import _money, _number
from contracts.models import ENDED_STATES, Contract, ContractStatus, DeploymentClearance
from core.text import public_url
from predeparture.certificate import qr_drawing

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 20 * mm


# --- The contract ---------------------------------------------------------------------------------


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=REGULAR, fontSize=10, leading=13.5)
    return {
        "body": base,
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=18, leading=22, alignment=1),
        "subtitle": ParagraphStyle("subtitle", parent=base, textColor=MUTED, alignment=1, spaceAfter=2 * mm),
        "heading": ParagraphStyle(
            "heading", parent=base, fontName=BOLD, fontSize=12, leading=15, textColor=BLUE, spaceBefore=5 * mm, spaceAfter=2 * mm
        ),
        "label": ParagraphStyle("label", parent=base, textColor=MUTED, fontSize=9.5),
        "value": ParagraphStyle("value", parent=base, fontName=BOLD),
        "right": ParagraphStyle(
            "right", parent=base, leftIndent=4 * mm, bulletIndent=0, bulletFontName=REGULAR, spaceAfter=1.5 * mm
        ),
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=12, textColor=MUTED),
    }


def _text(value) -> str:
    """Register text is typed by people: escape it for reportlab's paragraph markup."""
    return escape(str(value)).replace("\n", "<br/>")


def _particulars(rows: list[tuple[str, str]], styles: dict) -> Table:
    data = [[Paragraph(_text(label), styles["label"]), Paragraph(_text(value), styles["value"])] for label, value in rows]
    # A long value (an address typed at length) may split across pages rather than break the layout.
    table = Table(data, colWidths=[58 * mm, PAGE_WIDTH - 2 * MARGIN - 58 * mm], splitInRow=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d0d0d0")),
            ]
        )
    )
    return table


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def _fee_right(contract: Contract) -> str:
    """The worker's right about fees, from the agreement's terms in force on the start date."""
    terms = contract.agreement.terms_on(contract.start_date)
    if terms is not None and terms.max_worker_fee == 0:
        return _("No one may charge you a recruitment fee: under this agreement the employer pays every fee.")
    if terms is not None:
        return _(
            "You may not be charged more than %(cap)s in recruitment fees, whoever asks. "
            "Any other payment for this job is illegal."
        ) % {"cap": _money(terms.max_worker_fee, terms.fee_currency)}
    return _("You may not be charged more than the recruitment fee written in this contract.")


def _contract_story(contract: Contract, styles: dict) -> list:
    worker, agency, employer = contract.worker, contract.agency, contract.employer
    story: list = [
        Paragraph(_text(_("Contract of employment abroad")), styles["title"]),
        Paragraph(_text(_("Contract %(reference)s") % {"reference": contract.reference}), styles["subtitle"]),
    ]
    if contract.approved_at:
        approved_on = long_date(timezone.localtime(contract.approved_at).date())
        story.append(
            Paragraph(
                _text(
                    _(
                        "These are the terms the Ministry of Labour and Employment approved on %(date)s. "
                        "Nobody may change them without the ministry's approval."
                    )
                    % {"date": approved_on}
                ),
                styles["body"],
            )
        )

    story.append(Paragraph(_text(_("The parties")), styles["heading"]))
    agency_name = agency.legal_name if not agency.trading_name else f"{agency.legal_name} ({agency.trading_name})"
    story.append(
        _particulars(
            [
                (_("Worker"), worker.full_name),
                (_("Worker reference"), worker.reference),
                (_("National ID number"), worker.national_id),
                (_("Date of birth"), long_date(worker.date_of_birth)),
                (_("Recruitment agency"), agency_name),
                (_("Employer"), employer.name),
                (_("Employer's country"), employer.country.name),
                (_("Employer's address"), employer.address),
            ],
            styles,
        )
    )

    story.append(Paragraph(_text(_("The agreement")), styles["heading"]))
    story.append(
        Paragraph(
            _text(
                _("This contract is made under the bilateral labour agreement %(title)s (%(reference)s).")
                % {"title": contract.agreement.title, "reference": contract.agreement.reference}
            ),
            styles["body"],
        )
    )

    story.append(Paragraph(_text(_("The work")), styles["heading"]))
    wage = f"{_money(contract.wage_amount, contract.currency)} {contract.get_wage_period_display()}"
    if contract.wage_period == "day" and contract.days_per_month:
        wage += ", " + _("%(days)s working days a month") % {"days": contract.days_per_month}
    months = contract.length_months
    deferred = contract.deferred_pay_percent or 0
    rows = [
        (_("Occupation"), f"{contract.occupation.code} {contract.occupation.title}"),
        (_("Job title"), contract.job_title),
        (_("Place of work"), contract.work_place),
        (_("Wage"), wage),
        (_("Hours of work"), _("%(hours)s hours a week") % {"hours": _number(contract.hours_per_week)}),
        (_("Start date"), long_date(contract.start_date)),
        (_("End date"), long_date(contract.end_date)),
        (_("Length"), ngettext("%(count)d month", "%(count)d months", months) % {"count": months}),
        (
            _("Recruitment fee charged to you"),
            _money(contract.recruitment_fee, contract.currency) if contract.recruitment_fee else _("None"),
        ),
        (
            _("Deferred pay"),
            _("%(percent)s of the wage, paid into a bank account at home") % {"percent": f"{_number(deferred)}%"}
            if deferred
            else _("None"),
        ),
        (_("Accommodation provided"), _yes_no(contract.accommodation_provided)),
        (_("Transport provided"), _yes_no(contract.transport_provided)),
    ]
    story.append(_particulars(rows, styles))

    cover = []
    if contract.insurer or contract.insurance_policy:
        cover.append((_("Insurer"), contract.insurer or "—"))
        cover.append((_("Insurance policy number"), contract.insurance_policy or "—"))
        if contract.insurance_until:
            cover.append((_("Insured until"), long_date(contract.insurance_until)))
    if contract.medical_on:
        cover.append((_("Medical certificate issued on"), long_date(contract.medical_on)))
        if contract.medical_until:
            cover.append((_("Medical certificate valid until"), long_date(contract.medical_until)))
    if cover:
        story.append(Paragraph(_text(_("Insurance and medical certificate")), styles["heading"]))
        story.append(_particulars(cover, styles))

    rights = [
        _fee_right(contract),
        _("Your employer must pay you at least the wage written here, for the hours written here."),
        _("Your passport and identity documents are yours: no agency or employer may keep them."),
        _("Keep this copy. It is your proof of what was agreed."),
        _("If you are asked to pay, if your terms are changed or if you are in trouble, call %(helpline)s.")
        % {"helpline": settings.MINISTRY_HELPLINE},
    ]
    story.append(
        KeepTogether(
            [Paragraph(_text(_("Your rights")), styles["heading"])]
            + [Paragraph(_text(line), styles["right"], bulletText="•") for line in rights]
        )
    )

    story.append(KeepTogether([Paragraph(_text(_("Signatures")), styles["heading"]), _signature_block(contract, styles)]))
    return story


def _signature_block(contract: Contract, styles: dict) -> Table:
    half = (PAGE_WIDTH - 2 * MARGIN) / 2

    def column(heading: str, name: str) -> list:
        return [
            Paragraph(_text(heading), styles["value"]),
            Spacer(1, 14 * mm),
            Paragraph(_text(_("Signature")), styles["small"]),
            Spacer(1, 3 * mm),
            Paragraph(_text(_("Name: %(name)s") % {"name": name}), styles["body"]),
            Spacer(1, 5 * mm),
            Paragraph(_text(_("Date:")), styles["body"]),
        ]

    table = Table(
        [[column(_("The worker"), contract.worker.full_name), column(_("For the employer"), contract.employer.name)]],
        colWidths=[half, half],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8 * mm),
                ("LINEBELOW", (0, 0), (-1, -1), 0, colors.white),
            ]
        )
    )
    return table


def _contract_page(contract_reference: str):
    """Draw the heading band on the first page and the running footer on every page."""

    def first(pdf: Canvas, doc) -> None:
        _heading_band(pdf)
        footer(pdf, doc)

    def footer(pdf: Canvas, doc) -> None:
        pdf.saveState()
        pdf.setStrokeColor(GREEN)
        pdf.setLineWidth(1)
        pdf.line(MARGIN, 16 * mm, PAGE_WIDTH - MARGIN, 16 * mm)
        pdf.setFillColor(MUTED)
        pdf.setFont(REGULAR, 8)
        pdf.drawString(MARGIN, 11 * mm, _("Ministry of Labour and Employment, Maseru, Lesotho."))
        pdf.drawRightString(
            PAGE_WIDTH - MARGIN,
            11 * mm,
            _("Contract %(reference)s, page %(page)s") % {"reference": contract_reference, "page": doc.page},
        )
        pdf.restoreState()

    return first, footer


def _heading_band(pdf: Canvas) -> None:
    pdf.saveState()
    pdf.setFillColor(BLUE)
    pdf.rect(0, PAGE_HEIGHT - 38 * mm, PAGE_WIDTH, 38 * mm, stroke=0, fill=1)
    pdf.setFillColor(GREEN)
    pdf.rect(0, PAGE_HEIGHT - 41 * mm, PAGE_WIDTH, 3 * mm, stroke=0, fill=1)
    pdf.setFillColor(colors.white)
    pdf.setFont(REGULAR, 11)
    pdf.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 15 * mm, _("Kingdom of Lesotho"))
    pdf.setFont(BOLD, 17)
    pdf.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 24 * mm, _("Ministry of Labour and Employment"))
    pdf.setFont(REGULAR, 10)
    pdf.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 32 * mm, _("Labour migration register"))
    pdf.restoreState()


def render_contract(contract: Contract) -> bytes:
    """The approved terms as an A4 PDF in the worker's language, to be signed and kept by the worker."""
    register_fonts()
    with translation.override(contract.worker.preferred_language):
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=22 * mm,
            title=_("Contract %(reference)s") % {"reference": contract.reference},
            author=_("Ministry of Labour and Employment, Kingdom of Lesotho"),
            subject=_("Contract of employment abroad"),
        )
        styles = _styles()
        first, later = _contract_page(contract.reference)
        # The first page's heading band is drawn by the page callback; the text starts below it.
        story = [Spacer(1, 30 * mm), *_contract_story(contract, styles)]
        doc.build(story, onFirstPage=first, onLaterPages=later)
        return buffer.getvalue()


# --- The deployment clearance ------------------------------------------------------------------------


def clearance_url(clearance: DeploymentClearance) -> str:
    return public_url("clearance:verify", clearance.public_token)


def clearance_statement(clearance: DeploymentClearance, on: datetime.date | None = None) -> str:
    """One plain sentence saying whether the worker may leave under this clearance today, in the active language."""
    on = on or timezone.localdate()
    status = clearance.contract.status
    if clearance.is_valid_on(on):
        return _("This clearance is valid until %(date)s.") % {"date": long_date(clearance.valid_until)}
    if status == ContractStatus.CANCELLED:
        return _("This clearance is VOID: the contract was cancelled. The worker may not leave under it.")
    if status in ENDED_STATES:
        return _("This clearance is VOID: the contract has ended.")
    if on < clearance.issued_on:
        return _("This clearance is not valid before %(date)s.") % {"date": long_date(clearance.issued_on)}
    return _("This clearance EXPIRED on %(date)s.") % {"date": long_date(clearance.valid_until)}


def render_clearance(clearance: DeploymentClearance) -> bytes:
    """A one-page A4 PDF of the clearance as it stands today, in the active language."""
    register_fonts()
    today = timezone.localdate()
    contract = clearance.contract
    worker, employer = contract.worker, contract.employer
    url = clearance_url(clearance)
    width, height = PAGE_WIDTH, PAGE_HEIGHT
    left, right = MARGIN, width - MARGIN
    text_width = right - left
    valid = clearance.is_valid_on(today)

    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=A4, initialFontName=REGULAR)
    pdf.setTitle(_("Deployment clearance %(number)s") % {"number": clearance.number})
    pdf.setAuthor(_("Ministry of Labour and Employment, Kingdom of Lesotho"))

    if contract.status not in (ContractStatus.CLEARED, ContractStatus.DEPLOYED):
        # Across the whole page, behind everything: no part of a void clearance looks valid.
        pdf.saveState()
        pdf.setFillColor(colors.Color(0.64, 0.09, 0.10, alpha=0.12))
        pdf.setFont(BOLD, 110)
        pdf.translate(width / 2, height / 2)
        pdf.rotate(45)
        pdf.drawCentredString(0, -35, _("VOID"))
        pdf.restoreState()

    _heading_band(pdf)

    y = height - 58 * mm
    pdf.setFillColor(colors.black)
    y = _draw_wrapped(pdf, _("Deployment clearance"), BOLD, 20, left, y, text_width, centred=True)
    y = _draw_wrapped(
        pdf,
        _("The Ministry of Labour and Employment clears"),
        REGULAR,
        11,
        left,
        y - 4 * mm,
        text_width,
        centred=True,
    )
    y = _draw_wrapped(pdf, worker.full_name, BOLD, 18, left, y - 2 * mm, text_width, centred=True)
    y = _draw_wrapped(
        pdf,
        _("to leave Lesotho to work abroad under contract %(reference)s.") % {"reference": contract.reference},
        REGULAR,
        11,
        left,
        y - 2 * mm,
        text_width,
        centred=True,
    )
    y -= 8 * mm
    rows = [
        (_("Clearance number"), clearance.number),
        (_("Passport number"), worker.passport_number or "—"),
        (_("Worker reference"), worker.reference),
        (_("Agency"), str(contract.agency)),
        (_("Employer"), employer.name),
        (_("Country"), employer.country.name),
        (
            _("Contract"),
            _("%(start)s to %(end)s") % {"start": long_date(contract.start_date), "end": long_date(contract.end_date)},
        ),
        (_("Issued on"), long_date(clearance.issued_on)),
        (_("Valid until"), long_date(clearance.valid_until)),
    ]
    for label, value in rows:
        pdf.setFillColor(MUTED)
        pdf.setFont(REGULAR, 10)
        pdf.drawString(left, y, label)
        pdf.setFillColor(colors.black)
        y = _draw_wrapped(pdf, str(value), BOLD, 11, left + 55 * mm, y, text_width - 55 * mm, max_lines=2)
        y -= 2.5 * mm
    pdf.setFillColor(GREEN if valid else DANGER)
    _draw_wrapped(pdf, clearance_statement(clearance, today), BOLD, 11, left, y - 4 * mm, text_width, centred=True, max_lines=2)

    qr_size, qr_bottom = 38 * mm, 30 * mm
    renderPDF.draw(qr_drawing(url, qr_size), pdf, left, qr_bottom)
    pdf.linkURL(url, (left, qr_bottom, left + qr_size, qr_bottom + qr_size), relative=0)
    pdf.setFillColor(colors.black)
    pdf.setFont(REGULAR, 8)
    pdf.drawString(left, qr_bottom - 4 * mm, url[:110])
    note_left = left + qr_size + 8 * mm
    note = _(
        "Border officials: scan the code or open the link to check this clearance in the register. "
        "The register shows whether it is valid today; this paper only shows it on the day it was printed."
    )
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
