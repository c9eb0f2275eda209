"""The licence certificate: one A4 page that tells the truth about the licence on the day it is printed."""

import io

import pytest
from django.conf import settings
from django.urls import reverse
from pypdf import PdfReader

from agencies import certificate
from agencies.certificate import render_certificate
from agencies.models import Licence, LicenceStatus
from agencies.services import sanction_licence
from tests.factories import AgencyFactory, LicenceFactory

pytestmark = pytest.mark.django_db


def pdf_text(licence) -> str:
    reader = PdfReader(io.BytesIO(render_certificate(licence)))
    return "\n".join(page.extract_text() for page in reader.pages)


def verification_url(licence) -> str:
    return settings.PUBLIC_BASE_URL + reverse("register:verify", args=[licence.public_token])


def test_certificate_is_one_a4_page():
    reader = PdfReader(io.BytesIO(render_certificate(LicenceFactory(conditions="Mining sector only.\n" * 80))))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_certificate_shows_ministry_licence_number_agency_status_and_verification_link():
    licence = LicenceFactory(
        agency=AgencyFactory(
            legal_name="Maloti Recruiters (Pty) Ltd", trading_name="Maloti Jobs", registration_number="LS-2019/0456"
        ),
        conditions="Recruitment for the South African mining sector only.",
    )
    text = pdf_text(licence)
    for shown in [
        "Kingdom of Lesotho",
        "Ministry of Labour and Employment",
        licence.number,
        "Maloti Recruiters (Pty) Ltd",
        "Maloti Jobs",
        "LS-2019/0456",
        "Maseru",
        "ACTIVE",
        "South African mining sector only",
        verification_url(licence),
    ]:
        assert shown in text, shown


def test_certificate_qr_code_carries_the_verification_link(monkeypatch):
    encoded = []
    real_widget = certificate.QrCodeWidget

    def recording_widget(value, **options):
        encoded.append(value)
        return real_widget(value, **options)

    monkeypatch.setattr(certificate, "QrCodeWidget", recording_widget)
    licence = LicenceFactory()
    render_certificate(licence)
    assert encoded == [verification_url(licence)]


def test_regenerated_certificate_of_a_revoked_licence_says_revoked(cast):
    licence = LicenceFactory(agency=cast.agency_a)
    assert "ACTIVE" in pdf_text(licence)
    sanction_licence(licence_id=licence.pk, action="revoke", by=cast.licensing_officer, reason="Passport retention")
    text = pdf_text(Licence.objects.select_related("agency").get(pk=licence.pk))
    assert "REVOKED" in text
    assert "the agency may not recruit" in text
    assert "ACTIVE" not in text
    assert "may recruit until" not in text


def test_certificate_of_a_suspended_licence_says_suspended():
    licence = LicenceFactory()
    Licence.objects.filter(pk=licence.pk).update(status=LicenceStatus.SUSPENDED)
    text = pdf_text(Licence.objects.get(pk=licence.pk))
    assert "SUSPENDED" in text
    assert "ACTIVE" not in text


def test_certificate_keeps_sesotho_letters_in_names():
    agency = AgencyFactory(legal_name="Retšelisitsoe Agency (Pty) Ltd", trading_name="Retšelisitsoe Agency")
    licence = LicenceFactory(agency=agency)
    text = pdf_text(licence)
    assert "Retšelisitsoe Agency (Pty) Ltd" in text


def test_certificate_writes_everything_in_the_shipped_unicode_font():
    # reportlab's built-in fonts stop at Latin-1: letters beyond it (here ḓ) would print as black boxes.
    licence = LicenceFactory(agency=AgencyFactory(legal_name="Maḓi Placements (Pty) Ltd"))
    reader = PdfReader(io.BytesIO(render_certificate(licence)))
    fonts = {str(font.get_object()["/BaseFont"]) for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert fonts and all("DejaVuSans" in name for name in fonts), fonts
    assert "Maḓi Placements (Pty) Ltd" in reader.pages[0].extract_text()


def test_certificate_never_prints_the_reason_for_a_sanction(cast):
    licence = LicenceFactory(agency=cast.agency_a)
    sanction_licence(licence_id=licence.pk, action="suspend", by=cast.licensing_officer, reason="Internal: complaint 17/2026")
    text = pdf_text(Licence.objects.get(pk=licence.pk))
    assert "complaint 17/2026" not in text
