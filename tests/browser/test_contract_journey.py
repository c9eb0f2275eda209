"""In a real browser: an agency drafts a contract that breaks the wage floor and sees why, fixes it and submits;
the registrar approves; the clearance is issued and its QR page verifies; the departure is recorded."""

import datetime
import io
import re

import pytest
from pypdf import PdfReader

from tests.browser.test_licensing_journey import sign_in
from tests.factories import AgencyStaffFactory, UserFactory, contract_setting, passport_worker

pytestmark = [pytest.mark.browser, pytest.mark.needs("chromium"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setting(reference_data, settings, live_server):
    from core.access import Role

    settings.PUBLIC_BASE_URL = live_server.url
    staff = AgencyStaffFactory(username="recruiter")
    UserFactory(username="decider", roles=[Role.REGISTRAR])
    world = contract_setting(agency=staff.agency_membership.agency)
    world["worker"] = passport_worker(world["agency"], first_name="Lineo", last_name="Mofokeng")
    return world


def test_contract_drafted_checked_fixed_approved_cleared_and_departed(browser, live_server, setting):
    start = datetime.date.today() + datetime.timedelta(days=45)
    agency = sign_in(browser, live_server, "recruiter")
    agency.goto("/contracts/new/")
    agency.locator("#id_worker").select_option(str(setting["worker"].pk))
    agency.locator("#id_job_order").select_option(str(setting["job_order"].pk))
    for field, value in {
        "job_title": "Underground miner",
        "wage_amount": "7500",
        "hours_per_week": "45",
        "start_date": start.isoformat(),
        "end_date": (start + datetime.timedelta(days=300)).isoformat(),
        "recruitment_fee": "0",
        "deferred_pay_percent": "0",
    }.items():
        agency.locator(f"#id_{field}").fill(value)
    agency.locator("#id_currency").select_option("ZAR")
    agency.get_by_role("button", name="Check against the agreement").click()
    results = agency.locator(".compliance")
    results.get_by_text(re.compile("below the floor of 9,000.00 ZAR")).wait_for()

    agency.locator("#id_wage_amount").fill("9000")
    agency.get_by_role("button", name="Check against the agreement").click()
    assert agency.locator(".compliance .rule-error").count() == 0
    agency.get_by_role("button", name="Save the draft").click()
    agency.get_by_role("button", name="Submit to the ministry").click()
    agency.locator(".messages").get_by_text("submitted to the ministry").wait_for()
    contract_url = agency.url

    registrar = sign_in(browser, live_server, "decider")
    registrar.goto(contract_url)
    registrar.get_by_role("button", name="Approve", exact=True).click()
    registrar.locator(".messages").get_by_text("approved").wait_for()
    registrar.get_by_role("button", name="Issue the deployment clearance").click()
    clearance_link = registrar.get_by_role("link", name="Download the clearance (PDF)")
    clearance_link.wait_for()
    with registrar.expect_download() as download:
        clearance_link.click()
    pdf = PdfReader(io.BytesIO(open(download.value.path(), "rb").read()))
    text = "".join(page.extract_text() for page in pdf.pages).replace("\n", "")
    assert re.search(r"DC-\d{4}-\d{6}", text)
    verify_url = re.search(re.escape(live_server.url) + r"/clearance/verify/[\w-]+/", text).group(0)

    public = browser.new_context(base_url=live_server.url).new_page()
    public.goto(verify_url)
    page_text = public.locator("main").inner_text()
    assert "L. M." in page_text and "Mofokeng" not in page_text
    assert setting["worker"].national_id not in page_text and setting["worker"].passport_number not in page_text
    assert "valid" in page_text.lower()

    agency.goto(contract_url)
    agency.locator("#id_departed_on").fill(datetime.date.today().isoformat())
    agency.locator("#id_border_post").fill("Maseru Bridge")
    agency.get_by_role("button", name="Record the departure").click()
    agency.locator(".messages").get_by_text("departure was recorded").wait_for()
    assert "Deployed" in agency.locator("main").inner_text()
