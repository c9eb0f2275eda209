"""In a real browser: an analyst asks for a compliance report, watches its page, downloads the PDF and the XLSX,
and both files open."""

import datetime
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.browser.test_licensing_journey import sign_in
from tests.factories import UserFactory, contract_setting
from tests.reports.conftest import place_contract

pytestmark = [pytest.mark.browser, pytest.mark.needs("chromium"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setting(reference_data):
    from core.access import Role

    UserFactory(username="analyst", first_name="Nthabiseng", last_name="Molapo", roles=[Role.ANALYST])
    world = contract_setting()
    day = datetime.date(2026, 2, 10)
    place_contract(world, status="deployed", submitted=day, approved=day, cleared=day, departed=day)
    return world


def _generate(page, setting, label):
    page.goto("/reports/new/")
    page.locator("#id_agreement").select_option(str(setting["agreement"].pk))
    page.locator("#id_start").fill("2026-01-01")
    page.locator("#id_end").fill("2026-03-31")
    page.get_by_label(label).check()
    page.get_by_role("button", name="Generate the report").click()
    page.wait_for_url("**/reports/*/")
    page.locator(".report-status").get_by_text("Ready").wait_for()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report").click()
    return download.value


def test_analyst_generates_watches_and_downloads_pdf_and_xlsx(browser, live_server, setting):
    page = sign_in(browser, live_server, "analyst")
    page.get_by_role("link", name="Reports", exact=True).click()
    page.get_by_role("link", name="Add").click()

    pdf = _generate(page, setting, "PDF, for the record")
    assert pdf.suggested_filename.endswith(".pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(open(pdf.path(), "rb").read())).pages)
    assert setting["agreement"].reference in text and "Nthabiseng Molapo" in text and "Page 1 of" in text

    xlsx = _generate(page, setting, "Excel workbook (XLSX), for analysis")
    assert xlsx.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(open(xlsx.path(), "rb").read()))
    assert workbook.sheetnames[0] == "headline"

    page.goto("/reports/")
    assert page.locator("table tbody tr").count() == 2
    page.locator("table tbody tr").first.get_by_role("link").click()
    page.get_by_role("link", name="See these figures on screen").click()
    page.get_by_role("heading", name="Headline figures").wait_for()
