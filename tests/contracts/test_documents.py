"""The printed contract in the worker's language, the deployment clearance PDF, and who may download a contract's papers."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from agencies.certificate import long_date
from contracts import services
from contracts.documents import render_clearance, render_contract
from contracts.models import Contract, ContractStatus, DeploymentClearance
from predeparture import certificate as predeparture_certificate
from tests.factories import PNG_BYTES, contract_data, contract_setting, passport_worker, pdf_upload

pytestmark = pytest.mark.django_db


def approved_contract(cast, *, setting=None, data=None, **worker_values) -> Contract:
    """A contract of agency A drafted, submitted and approved through the services."""
    setting = setting or contract_setting(agency=cast.agency_a)
    worker = passport_worker(cast.agency_a, **worker_values)
    contract = services.save_draft(by=cast.agency_staff, data=contract_data(setting, worker, **(data or {})))
    services.submit(by=cast.agency_staff, contract_id=contract.pk)
    services.approve(by=cast.registrar, contract_id=contract.pk)
    return Contract.objects.get(pk=contract.pk)


def cleared_contract(cast, **worker_values) -> Contract:
    contract = approved_contract(cast, **worker_values)
    services.issue_clearance(by=cast.registrar, contract_id=contract.pk)
    return Contract.objects.get(pk=contract.pk)


def text_of(pdf: bytes) -> str:
    """The PDF's text with line breaks and runs of spaces made single spaces, so wrapped sentences compare whole."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


# --- The contract -----------------------------------------------------------------------------------


def test_the_contract_shows_the_approved_terms_parties_rights_and_signature_lines(cast):
    setting = contract_setting(agency=cast.agency_a, max_worker_fee=Decimal("500"), deferred=Decimal("30"))
    contract = approved_contract(
        cast,
        setting=setting,
        data={"recruitment_fee": Decimal("250")},
        first_name="Lineo",
        last_name="Mohapi",
        national_id="0202199912345",
        preferred_language="en",
    )
    text = text_of(render_contract(contract))
    for shown in [
        "Kingdom of Lesotho",
        "Contract of employment abroad",
        contract.reference,
        "Lineo Mohapi",
        contract.worker.reference,
        "0202199912345",  # the worker's own copy may name their ID
        cast.agency_a.legal_name,
        contract.employer.name,
        "South Africa",
        "Rustenburg, North West",
        setting["agreement"].reference,
        "8111",
        setting["occupation"].title,
        "Rock drill operator",
        "9,000.00 ZAR per month",
        "45 hours a week",
        long_date(contract.start_date),
        long_date(contract.end_date),
        "12 months",
        "250.00 ZAR",
        "30% of the wage",
        "Accommodation provided Yes",
        "You may not be charged more than 500.00 LSL in recruitment fees",
        "Keep this copy",
        settings.MINISTRY_HELPLINE,
        "The worker",
        "For the employer",
        "Signature",
    ]:
        assert shown in text, shown
    assert "Insurer" not in text and "Medical certificate" not in text  # not given, not printed


def test_where_the_employer_pays_every_fee_the_contract_says_so(cast):
    text = text_of(render_contract(approved_contract(cast, preferred_language="en")))
    assert "No one may charge you a recruitment fee" in text
    assert "Recruitment fee charged to you None" in text


def test_insurance_and_medical_certificate_are_printed_where_given(cast):
    setting = contract_setting(agency=cast.agency_a)
    start = contract_data(setting, None)["start_date"]
    contract = approved_contract(
        cast,
        setting=setting,
        preferred_language="en",
        data={
            "insurer": "Maluti Mutual",
            "insurance_policy": "POL-7788",
            "insurance_until": start.replace(year=start.year + 2),
            "medical_on": start - datetime.timedelta(days=70),
            "medical_until": start + datetime.timedelta(days=300),
        },
    )
    text = text_of(render_contract(contract))
    assert "Maluti Mutual" in text and "POL-7788" in text
    assert "Medical certificate valid until" in text and long_date(contract.medical_until) in text


def test_a_sesotho_speaker_gets_the_contract_in_sesotho_whatever_the_page_language(cast):
    contract = approved_contract(cast, preferred_language="st")
    with translation.override("en"):
        text = text_of(render_contract(contract))
        assert translation.get_language() == "en"  # the override ends with the rendering
    assert "'Muso oa Lesotho" in text and "Lekala la Mesebetsi le Khiro" in text
    assert "Nomoro ea tšupo ea mosebetsi" in text  # "Worker reference"
    assert "Kingdom of Lesotho" not in text and "Worker reference" not in text


def test_an_english_speaker_gets_the_contract_in_english_whatever_the_page_language(cast):
    contract = approved_contract(cast, preferred_language="en")
    with translation.override("st"):
        text = text_of(render_contract(contract))
    assert "Kingdom of Lesotho" in text and "Worker reference" in text
    assert "'Muso oa Lesotho" not in text


def test_a_long_contract_text_flows_onto_more_pages_with_the_reference_on_each(cast):
    setting = contract_setting(agency=cast.agency_a)
    contract = approved_contract(cast, setting=setting, preferred_language="en")
    contract.employer.address = "Shaft 4, Impala Platinum\n" * 60
    reader = PdfReader(io.BytesIO(render_contract(contract)))
    assert len(reader.pages) >= 2
    for number, page in enumerate(reader.pages, start=1):
        assert f"Contract {contract.reference}, page {number}" in " ".join(page.extract_text().split())


# --- The clearance ------------------------------------------------------------------------------------


def test_the_clearance_is_one_a4_page_with_the_worker_the_terms_and_the_verification_link(cast):
    contract = cleared_contract(cast, first_name="Thabo", last_name="Mokhele", passport_number="RA7654321")
    clearance = contract.clearance
    reader = PdfReader(io.BytesIO(render_clearance(clearance)))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    text = text_of(render_clearance(clearance))
    assert re.fullmatch(r"DC-\d{4}-\d{6}", clearance.number)
    url = settings.PUBLIC_BASE_URL + reverse("clearance:verify", args=[clearance.public_token])
    for shown in [
        "Deployment clearance",
        clearance.number,
        "Thabo Mokhele",
        "RA7654321",
        str(cast.agency_a),
        contract.employer.name,
        "South Africa",
        long_date(contract.start_date),
        long_date(contract.end_date),
        f"This clearance is valid until {long_date(clearance.valid_until)}",
        url,
    ]:
        assert shown in text, shown
    assert "VOID" not in text


def test_the_clearance_qr_code_carries_the_verification_link(cast, monkeypatch):
    encoded = []
    real_widget = predeparture_certificate.QrCodeWidget

    def recording_widget(value, **options):
        encoded.append(value)
        return real_widget(value, **options)

    monkeypatch.setattr(predeparture_certificate, "QrCodeWidget", recording_widget)
    clearance = cleared_contract(cast).clearance
    render_clearance(clearance)
    assert encoded == [settings.PUBLIC_BASE_URL + reverse("clearance:verify", args=[clearance.public_token])]


def test_a_clearance_printed_after_the_contract_was_cancelled_says_void(cast):
    contract = cleared_contract(cast)
    services.cancel(by=cast.registrar, contract_id=contract.pk, reason="The employer withdrew the offer")
    text = text_of(render_clearance(DeploymentClearance.objects.get(contract=contract)))
    assert "VOID" in text and "the contract was cancelled" in text
    assert "valid until" not in text.replace("Valid until", "")


# --- Downloads --------------------------------------------------------------------------------------------


def urls(contract) -> dict[str, str]:
    return {name: reverse(f"contracts:{name}", args=[contract.pk]) for name in ("contract_pdf", "clearance_pdf", "signed_copy")}


def test_agency_staff_and_the_registrar_download_the_contract_and_clearance(cast, client):
    contract = cleared_contract(cast)
    for user in (cast.agency_staff, cast.registrar):
        client.force_login(user)
        for name, filename in (("contract_pdf", contract.reference), ("clearance_pdf", contract.clearance.number)):
            response = client.get(urls(contract)[name])
            assert response.status_code == 200 and response["Content-Type"] == "application/pdf", (user, name)
            assert response.content.startswith(b"%PDF")
            assert response["Content-Disposition"] == f'attachment; filename="{filename}.pdf"'


def test_another_agencys_staff_get_404_for_every_paper(cast, client):
    contract = cleared_contract(cast)
    services.upload_signed_copy(by=cast.agency_staff, contract_id=contract.pk, upload=pdf_upload("signed.pdf"))
    client.force_login(cast.other_agency_staff)
    for name, url in urls(contract).items():
        assert client.get(url).status_code == 404, name


def test_analysts_may_not_download_contracts(cast, client):
    contract = cleared_contract(cast)
    client.force_login(cast.analyst)
    for name, url in urls(contract).items():
        assert client.get(url).status_code == 403, name


@pytest.mark.parametrize(
    "status",
    [ContractStatus.DRAFT, ContractStatus.SUBMITTED, ContractStatus.RETURNED, ContractStatus.REJECTED, ContractStatus.CANCELLED],
)
def test_a_contract_not_approved_has_no_printed_contract(cast, client, status):
    setting = contract_setting(agency=cast.agency_a)
    contract = services.save_draft(by=cast.agency_staff, data=contract_data(setting, passport_worker(cast.agency_a)))
    Contract.objects.filter(pk=contract.pk).update(status=status)
    client.force_login(cast.registrar)
    assert client.get(urls(contract)["contract_pdf"]).status_code == 404


@pytest.mark.parametrize(
    "status",
    [
        ContractStatus.APPROVED,
        ContractStatus.CLEARED,
        ContractStatus.DEPLOYED,
        ContractStatus.COMPLETED,
        ContractStatus.TERMINATED,
        ContractStatus.REPATRIATED,
    ],
)
def test_an_approved_contract_and_its_later_states_have_a_printed_contract(cast, client, status):
    contract = approved_contract(cast)
    Contract.objects.filter(pk=contract.pk).update(status=status)
    client.force_login(cast.agency_staff)
    assert client.get(urls(contract)["contract_pdf"]).status_code == 200


def test_no_clearance_pdf_before_the_clearance_is_issued(cast, client):
    contract = approved_contract(cast)
    client.force_login(cast.registrar)
    assert client.get(urls(contract)["clearance_pdf"]).status_code == 404


def test_the_signed_copy_is_served_as_an_attachment_of_its_own_type(cast, client):
    contract = approved_contract(cast)
    client.force_login(cast.agency_staff)
    assert client.get(urls(contract)["signed_copy"]).status_code == 404  # none yet
    services.upload_signed_copy(by=cast.agency_staff, contract_id=contract.pk, upload=pdf_upload("scan.png", PNG_BYTES))
    response = client.get(urls(contract)["signed_copy"])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'attachment; filename="{contract.reference}-signed.png"'
    assert b"".join(response.streaming_content) == PNG_BYTES
    client.force_login(cast.registrar)
    assert client.get(urls(contract)["signed_copy"]).status_code == 200
