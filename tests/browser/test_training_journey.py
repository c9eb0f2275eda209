"""In a real browser: an agency registers a worker and enrols them; the trainer marks
attendance and a passing score; the certificate's verification page says it is valid."""

import datetime
import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from tests.browser.test_licensing_journey import sign_in
from tests.factories import AgencyStaffFactory, LicenceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.needs("chromium"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setting(reference_data, settings, live_server):
    from core.access import Role
    from predeparture.models import Course, Module, Session

    settings.PUBLIC_BASE_URL = live_server.url
    licence = LicenceFactory()
    AgencyStaffFactory(username="recruiter", agency=licence.agency)
    trainer = UserFactory(username="teacher", first_name="Palesa", last_name="Nthako", roles=[Role.TRAINER])
    course = Course.objects.create(code="GEN-ORI", title="General orientation", pass_mark=60, validity_months=24)
    Module.objects.create(course=course, order=1, title="Your rights and your contract")
    Module.objects.create(course=course, order=2, title="Health and HIV")
    now = timezone.now()
    return Session.objects.create(
        course=course,
        venue="Maseru Labour Centre",
        district="maseru",
        starts_at=now + datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(hours=8),
        trainer=trainer,
        capacity=20,
    )


def test_worker_registered_enrolled_trained_and_certified(browser, live_server, setting):
    session = setting
    agency = sign_in(browser, live_server, "recruiter")
    agency.goto("/workers/register/")
    for field, value in {
        "first_name": "Thabo",
        "last_name": "Mokoena",
        "date_of_birth": "1995-04-12",
        "national_id": "0412199500777",
        "village": "Ha Abia",
        "mobile": "+26658123456",
        "next_of_kin_name": "'Mathabo Mokoena",
        "next_of_kin_phone": "+26662123456",
    }.items():
        agency.locator(f"#id_{field}").fill(value)
    agency.locator("#id_sex").select_option("male")
    agency.locator("#id_district").select_option("maseru")
    agency.get_by_role("button", name="Register the worker").click()
    agency.get_by_role("heading", name=re.compile("Thabo Mokoena")).wait_for()

    agency.goto(f"/training/sessions/{session.pk}/")
    agency.get_by_role("link", name="Enrol a worker").click()
    agency.get_by_label(re.compile(r"^Worker")).fill("0412199500777")
    agency.get_by_role("button").filter(has_text=re.compile("Save|Enrol")).first.click()
    agency.locator("main").get_by_text("Thabo Mokoena").first.wait_for()

    teacher = sign_in(browser, live_server, "teacher")
    teacher.goto(f"/training/sessions/{session.pk}/")
    teacher.get_by_role("button", name="Start the session").click()
    teacher.get_by_role("link", name="Attendance and scores").click()
    teacher.get_by_label("Your rights and your contract").check()
    teacher.get_by_label("Health and HIV").check()
    teacher.get_by_label("Score (%)").fill("82")
    teacher.get_by_role("button", name="Save all").click()
    teacher.locator(".messages").wait_for()
    teacher.goto(f"/training/sessions/{session.pk}/")
    teacher.get_by_role("button", name="Complete the session").click()
    certificate_link = teacher.get_by_role("link", name=re.compile(r"PDT-\d{4}-\d{6}"))
    certificate_link.wait_for()

    with teacher.expect_download() as download:
        certificate_link.click()
    pdf = PdfReader(io.BytesIO(open(download.value.path(), "rb").read()))
    text = "".join(page.extract_text() for page in pdf.pages).replace("\n", "")
    verify_url = re.search(re.escape(live_server.url) + r"/training/verify/[\w-]+/", text).group(0)

    public = browser.new_context(base_url=live_server.url).new_page()
    public.goto(verify_url)
    page_text = public.locator("main").inner_text()
    assert "General orientation" in page_text
    assert "T. M." in page_text or "T.M." in page_text
    assert "Mokoena" not in page_text  # initials only
    assert "valid" in page_text.lower()
