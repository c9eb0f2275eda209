"""The whole licensing journey in a real browser, as people would go through it.

An agency applies; the officer asks for more information; the agency
resubmits; the officer approves; the public register lists the agency as
licensed; the certificate's verification link says the licence is active;
the officer suspends it and the same page says suspended.
"""

import io
import re

import pytest
from pypdf import PdfReader

from tests.browser import two_step
from tests.factories import TEST_PASSWORD, AgencyStaffFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.needs("chromium"),
    pytest.mark.django_db(transaction=True),
]

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def sign_in(browser, live_server, username):
    context = browser.new_context(base_url=live_server.url, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    device = two_step.prepare(username)
    page.goto("/account/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    two_step.enter_code(page, device)
    page.wait_for_url("**/my-work/")
    return page


def open_details(page, summary):
    details = page.locator("details", has=page.get_by_text(summary, exact=True))
    if details.get_attribute("open") is None:
        page.get_by_text(summary, exact=True).click()


def upload(page, kind_label, name, director=None):
    open_details(page, "Upload a document")
    page.locator("#upload_kind").select_option(label=kind_label)
    if director:
        page.locator("#upload_director").select_option(label=director)
    page.locator("#upload_file").set_input_files({"name": name, "mimeType": "application/pdf", "buffer": PDF})
    page.get_by_role("button", name="Upload", exact=True).click()
    page.get_by_text("The document was uploaded.").wait_for()


def flash(page, text):
    page.locator(".messages").get_by_text(text).wait_for()


@pytest.fixture
def people(reference_data, settings, live_server):
    from agencies.models import Agency
    from core.access import Role

    settings.PUBLIC_BASE_URL = live_server.url
    agency = Agency.objects.create(
        legal_name="Tsebo Recruitment (Pty) Ltd",
        trading_name="Tsebo Recruitment",
        registration_number="LS-2026/00777",
        district="leribe",
        phone="+26622400777",
        email="office@tsebo.example.org",
        tax_number="TIN-777",
        physical_address="Main road, Hlotse",
    )
    return {
        "agency": agency,
        "manager": AgencyStaffFactory(username="tsebo", agency=agency),
        "officer": UserFactory(username="officer", roles=[Role.LICENSING_OFFICER]),
    }


def test_licensing_journey_from_application_to_suspension(browser, live_server, people):
    # --- The agency applies ---------------------------------------------------------------
    agency_page = sign_in(browser, live_server, "tsebo")
    agency_page.get_by_role("link", name="Apply for a licence").click()
    agency_page.get_by_label("New licence").check()
    agency_page.get_by_role("button", name="Start the application").click()
    flash(agency_page, "Your application was opened.")
    application_url = agency_page.url

    open_details(agency_page, "Add a director")
    agency_page.get_by_label("Full name").fill("Palesa Mokoena")
    agency_page.get_by_label("Identity document").select_option(label="National ID")
    agency_page.get_by_label("National ID or passport number").fill("0102199000555")
    agency_page.get_by_role("button", name="Add the director").click()
    flash(agency_page, "The director was added.")

    open_details(agency_page, "Record the bond or guarantee")
    agency_page.get_by_label(re.compile(r"^Kind")).select_option(label="Bank guarantee")
    agency_page.get_by_label("Issuer").fill("Nedbank Lesotho")
    agency_page.get_by_label("Amount").fill("60000")
    agency_page.get_by_label(re.compile(r"^Reference")).fill("NED-G-2026-14")
    agency_page.get_by_label("Valid until").fill("2030-12-31")
    agency_page.get_by_role("button", name="Record it").click()
    flash(agency_page, "The security bond or guarantee was recorded.")

    for label in (
        "Certificate of incorporation",
        "Tax clearance certificate",
        "Proof of office premises",
        "Security bond or bank guarantee",
        "Proof of fee payment",
    ):
        upload(agency_page, label, f"{label}.pdf")
    upload(agency_page, "Police clearance (one per director)", "police.pdf", director="Palesa Mokoena")
    agency_page.get_by_role("button", name="Submit the application").click()
    flash(agency_page, "Your application was submitted to the ministry.")

    # --- The officer asks for more information ------------------------------------------------
    officer_page = sign_in(browser, live_server, "officer")
    officer_page.get_by_role("link", name="Application queue").first.click()
    officer_page.get_by_role("link", name=re.compile(r"APP-\d{4}-\d{6}")).first.click()
    officer_page.get_by_role("button", name="Start the review").click()
    flash(officer_page, "You are now reviewing this application.")
    premises_row = officer_page.locator("tr", has_text="Proof of office premises")
    premises_row.get_by_label("Reject").check()
    premises_row.get_by_label("Note to the agency").fill("The lease is not signed.")
    premises_row.get_by_role("button", name="Record").click()
    flash(officer_page, "The document review was recorded.")
    request_form = officer_page.locator("form", has_text="Ask the agency for more information")
    request_form.get_by_label("Reason").fill("Please upload the signed lease of your office.")
    request_form.get_by_role("button", name="Send the request").click()
    flash(officer_page, "The agency was asked for more information.")

    # --- The agency answers and resubmits ----------------------------------------------------------
    agency_page.goto(application_url)
    assert agency_page.get_by_text("Please upload the signed lease of your office.").is_visible()
    assert agency_page.get_by_text("The lease is not signed.").is_visible()
    upload(agency_page, "Proof of office premises", "signed-lease.pdf")
    agency_page.get_by_role("button", name="Send the application back to the ministry").click()
    flash(agency_page, "Your application was sent back to the ministry.")

    # --- The officer approves ---------------------------------------------------------------------
    officer_page.reload()
    officer_page.get_by_role("button", name="Start the review").click()
    flash(officer_page, "You are now reviewing this application.")
    for row in officer_page.locator("tr", has=officer_page.get_by_label("Accept")).all():
        row.get_by_label("Accept").check()
        row.get_by_role("button", name="Record").click()
        flash(officer_page, "The document review was recorded.")
    # Rows re-render after each review; accept any that are still pending.
    while officer_page.locator("tr", has_text="Awaiting review").count():
        row = officer_page.locator("tr", has_text="Awaiting review").first
        row.get_by_label("Accept").check()
        row.get_by_role("button", name="Record").click()
        flash(officer_page, "The document review was recorded.")
    officer_page.get_by_role("button", name="Approve").click()
    flash(officer_page, "The application was approved and the licence issued.")
    officer_page.get_by_role("link", name=re.compile(r"PEA-\d{4}-\d{4}")).first.click()
    licence_number = re.search(r"PEA-\d{4}-\d{4}", officer_page.locator("h1").inner_text()).group(0)

    # --- The public register lists the agency as licensed -------------------------------------------
    public = browser.new_context(base_url=live_server.url).new_page()
    public.goto("/register/")
    row = public.locator("tr", has_text="Tsebo Recruitment")
    assert licence_number in row.inner_text()
    assert "active" in row.inner_text().lower()

    # --- The certificate's verification link says active, then suspended --------------------------------
    with agency_page.expect_download() as download_info:
        agency_page.goto(f"{live_server.url}/agencies/licences/")
        agency_page.get_by_role("link", name=licence_number).click()
        agency_page.get_by_role("link", name="Download the certificate (PDF)").click()
    certificate = PdfReader(io.BytesIO(open(download_info.value.path(), "rb").read()))
    text = " ".join(page.extract_text() for page in certificate.pages)
    verify_url = re.search(re.escape(live_server.url) + r"/register/verify/[\w-]+/", text.replace("\n", "")).group(0)
    public.goto(verify_url)
    assert "This licence is active" in public.locator("main").inner_text()

    suspend_form = officer_page.locator("form", has_text="Suspend the licence")
    suspend_form.get_by_label("Reason").fill("Workers report a recruitment fee of M3,000.")
    suspend_form.get_by_role("button", name="Suspend the licence").click()
    flash(officer_page, "The licence was suspended.")
    public.goto(verify_url)
    assert "SUSPENDED" in public.locator("main").inner_text().upper()
    assert "may not recruit" in public.locator("main").inner_text()
