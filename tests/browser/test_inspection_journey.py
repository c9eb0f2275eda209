"""In a real browser: the chief inspector plans and confirms; the inspector files a report with a critical finding;
the chief recommends suspension; the licensing officer suspends; the public register shows it."""

import datetime
import re

import pytest

from tests.browser.test_licensing_journey import sign_in
from tests.factories import LicenceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.needs("chromium"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setting(reference_data, live_server):
    from core.access import Role
    from inspections.models import InspectorProfile

    licence = LicenceFactory(agency__trading_name="Mokhotlong Labour Brokers", agency__district="mokhotlong")
    inspector = UserFactory(username="mpho", first_name="Mpho", last_name="Ramaili", roles=[Role.INSPECTOR])
    InspectorProfile.objects.create(user=inspector, home_district="mokhotlong", working_weekdays="0123456", max_audits_per_week=5)
    UserFactory(username="chief", roles=[Role.CHIEF_INSPECTOR])
    UserFactory(username="officer", roles=[Role.LICENSING_OFFICER])
    return licence


def flash(page, text):
    page.locator(".messages").get_by_text(text).wait_for()


def test_plan_audit_critical_finding_recommendation_and_suspension(browser, live_server, setting):
    today = datetime.date.today()
    chief = sign_in(browser, live_server, "chief")
    chief.goto("/inspections/plans/new/")
    chief.locator("#id_starts_on").fill(today.isoformat())
    chief.locator("#id_ends_on").fill((today + datetime.timedelta(days=14)).isoformat())
    chief.get_by_label("Lowest risk score to include").fill("0")
    chief.get_by_role("button", name="Propose a plan").click()
    chief.locator("main").get_by_text("Mokhotlong Labour Brokers").first.wait_for()
    chief.get_by_role("button", name="Confirm the plan and book the audits").click()
    flash(chief, "The plan is confirmed")

    inspector = sign_in(browser, live_server, "mpho")
    inspector.goto("/inspections/audits/")
    inspector.get_by_role("link", name=re.compile(r"AUD-\d{4}-\d{5}")).first.click()
    inspector.get_by_role("button", name="Start the audit").click()
    flash(inspector, "The audit has started")
    inspector.get_by_role("link", name="Fill the checklist").click()
    for fieldset in inspector.locator("fieldset.checklist-item").all():
        if "FEE-01" in fieldset.locator("legend").first.inner_text():
            fieldset.get_by_label("Non-compliant").check()
            fieldset.get_by_label("Severity").select_option("critical")
            fieldset.get_by_label("What you saw").fill("Twelve workers paid M2,500 each for 'medicals'.")
            fieldset.get_by_label("Corrective action required").fill("Refund every worker in full.")
            fieldset.get_by_label("Due by").fill((today + datetime.timedelta(days=21)).isoformat())
        else:
            fieldset.get_by_label("Compliant", exact=True).check()
    inspector.get_by_label("Workers interviewed").fill("12")
    inspector.get_by_role("button", name="Submit the report").click()
    flash(inspector, "The report was submitted")

    chief.goto("/inspections/audits/")
    chief.get_by_role("link", name=re.compile(r"AUD-\d{4}-\d{5}")).first.click()
    chief.get_by_role("button", name="Accept the report").click()
    flash(chief, "The report is reviewed")
    chief.get_by_text("Recommend suspending or revoking the licence").click()
    chief.locator("#id_action").select_option("suspend")
    chief.get_by_label("Reason").last.fill("Fees charged to twelve workers.")
    chief.get_by_role("button", name="Send to the licensing officers").click()
    flash(chief, "The recommendation was sent")

    officer = sign_in(browser, live_server, "officer")
    officer.goto("/inspections/recommendations/")
    officer.get_by_label("Reason").fill("Suspended until every worker is refunded.")
    officer.get_by_role("button", name="Suspend the licence").click()
    flash(officer, "The licence decision was recorded.")

    public = browser.new_context(base_url=live_server.url).new_page()
    public.goto("/register/")
    row = public.locator("tr", has_text="Mokhotlong Labour Brokers")
    assert "suspended" in row.inner_text().lower()
