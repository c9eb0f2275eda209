"""The worker screens: scoping by agency, the register form's rules, near-match warning, constant queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import LicenceFactory, WorkerFactory
from workers.models import Worker

pytestmark = pytest.mark.django_db

FIXED_LINE_MESSAGE = "This is a fixed line and cannot receive SMS"


def form_data(**overrides):
    data = {
        "first_name": "Tumelo",
        "last_name": "Phakoe",
        "sex": "male",
        "date_of_birth": "1986-07-22",
        "national_id": "22071986 00015",
        "passport_number": "",
        "passport_expires_on": "",
        "district": "qachas_nek",
        "village": "Sehlabathebe",
        "mobile": "+26658123415",
        "preferred_language": "st",
        "next_of_kin_name": "",
        "next_of_kin_phone": "",
    }
    return data | overrides


@pytest.fixture
def staff_a(cast, client):
    LicenceFactory(agency=cast.agency_a)
    client.force_login(cast.agency_staff)
    return cast


def register(client, **overrides):
    return client.post(reverse("workers:worker_register"), form_data(**overrides))


def test_agency_staff_see_only_their_linked_workers(cast, client):
    own = WorkerFactory(last_name="Ownworker", agency=cast.agency_a)
    other = WorkerFactory(last_name="Otherworker", agency=cast.agency_b)
    client.force_login(cast.agency_staff)
    page = client.get(reverse("workers:worker_list")).content.decode()
    assert "Ownworker" in page and "Otherworker" not in page
    assert client.get(reverse("workers:worker_detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("workers:worker_detail", args=[other.pk])).status_code == 404


def test_ministry_sees_every_worker(cast, client):
    WorkerFactory(last_name="Ownworker", agency=cast.agency_a)
    WorkerFactory(last_name="Otherworker", agency=cast.agency_b)
    client.force_login(cast.registrar)
    page = client.get(reverse("workers:worker_list")).content.decode()
    assert "Ownworker" in page and "Otherworker" in page


def test_analysts_do_not_open_worker_pages(cast, client):
    worker = WorkerFactory(agency=cast.agency_a)
    client.force_login(cast.analyst)
    assert client.get(reverse("workers:worker_list")).status_code == 403
    assert client.get(reverse("workers:worker_detail", args=[worker.pk])).status_code == 403


def test_ending_the_link_on_the_page_removes_the_worker_from_the_agency_at_once(cast, client):
    worker = WorkerFactory(agency=cast.agency_a)
    client.force_login(cast.agency_staff)
    link = worker.agency_links.get()
    response = client.post(reverse("workers:link_end", args=[link.pk]), {"reason": "Contract finished"})
    assert response.status_code == 302
    assert client.get(reverse("workers:worker_detail", args=[worker.pk])).status_code == 404


def test_search_finds_a_worker_by_national_id_phone_and_name(cast, client):
    worker = WorkerFactory(last_name="Seeiso", national_id="0302199300021", mobile="+26662123421", agency=cast.agency_a)
    WorkerFactory(last_name="Other", agency=cast.agency_a)
    client.force_login(cast.agency_staff)
    for query in ("0302 1993 00021", "6212 3421", "seeiso"):
        rows = list(client.get(reverse("workers:worker_list"), {"q": query}).context["table"].page.object_list)
        assert [row.record for row in rows] == [worker], query


def test_register_page_registers_and_links_the_worker(staff_a, client):
    response = register(client)
    worker = Worker.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("workers:worker_detail", args=[worker.pk])
    assert worker.national_id == "2207198600015"
    assert Worker.objects.for_agency(staff_a.agency_a.pk).filter(pk=worker.pk).exists()


def test_fixed_line_is_refused_with_a_clear_message(staff_a, client):
    response = register(client, mobile="+26622312345")
    assert response.status_code == 200
    assert FIXED_LINE_MESSAGE in response.content.decode()
    assert not Worker.objects.exists()


def test_south_african_mobile_is_accepted(staff_a, client):
    assert register(client, mobile="+27821234567").status_code == 302
    assert Worker.objects.get().mobile.as_e164 == "+27821234567"


def test_date_of_birth_in_the_future_is_refused(staff_a, client):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = register(client, date_of_birth=tomorrow.isoformat())
    assert "The date of birth cannot be in the future." in response.content.decode()
    assert not Worker.objects.exists()


def test_a_worker_must_be_eighteen(staff_a, client):
    today = timezone.localdate()
    seventeen = today.replace(year=today.year - 17)
    assert "at least 18 years old" in register(client, date_of_birth=seventeen.isoformat()).content.decode()


def test_an_expired_passport_is_refused(staff_a, client):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = register(client, passport_number="RA1234567", passport_expires_on=yesterday.isoformat())
    assert "This passport has expired" in response.content.decode()
    assert not Worker.objects.exists()


def test_duplicate_on_the_page_shows_only_the_neutral_message(staff_a, client):
    WorkerFactory(national_id="2207198600015", first_name="Secret", last_name="Person", agency=staff_a.agency_b)
    page = register(client).content.decode()
    assert "This national ID (or passport) number is already registered." in page
    assert "Secret" not in page and "Agency B" not in page
    assert Worker.objects.count() == 1


def test_taken_passport_on_the_register_page_shows_only_the_neutral_message(staff_a, client):
    expiry = timezone.localdate() + datetime.timedelta(days=900)
    WorkerFactory(passport_number="RA7777777", passport_expires_on=expiry, first_name="Secret", agency=staff_a.agency_b)
    page = register(client, passport_number="ra 7777777", passport_expires_on=expiry.isoformat()).content.decode()
    assert "This national ID (or passport) number is already registered." in page
    assert "Constraint" not in page and "Secret" not in page and "Agency B" not in page
    assert Worker.objects.count() == 1


def test_near_match_must_be_confirmed_as_a_different_person(staff_a, client):
    WorkerFactory(first_name="Tumelo", last_name="phakoe", date_of_birth=datetime.date(1986, 7, 22), agency=staff_a.agency_a)
    response = register(client)
    assert response.status_code == 200
    assert "Similar workers already registered" in response.content.decode()
    assert Worker.objects.count() == 1
    assert register(client, different_person="on").status_code == 302
    assert Worker.objects.count() == 2


def test_no_warning_for_another_agencys_similar_worker(staff_a, client):
    WorkerFactory(first_name="Tumelo", last_name="Phakoe", date_of_birth=datetime.date(1986, 7, 22), agency=staff_a.agency_b)
    assert register(client).status_code == 302


def test_unlicensed_agency_is_told_on_the_page(cast, client):
    client.force_login(cast.agency_staff)
    page = register(client).content.decode()
    assert "no licence in force" in page
    assert not Worker.objects.exists()


def test_claim_page_gives_the_same_answer_for_wrong_date_and_unknown_id(staff_a, client):
    WorkerFactory(national_id="2207198600015", date_of_birth=datetime.date(1986, 7, 22), agency=staff_a.agency_b)
    url = reverse("workers:worker_claim")
    wrong_date = client.post(url, {"national_id": "2207198600015", "date_of_birth": "1986-07-23"}).content.decode()
    unknown = client.post(url, {"national_id": "1111111111111", "date_of_birth": "1986-07-22"}).content.decode()
    message = "No registered worker matches this national ID and date of birth."
    assert message in wrong_date and message in unknown
    response = client.post(url, {"national_id": "2207198600015", "date_of_birth": "1986-07-22"})
    assert response.status_code == 302
    assert Worker.objects.for_agency(staff_a.agency_a.pk).count() == 1


def test_consent_is_recorded_from_the_page(cast, client):
    worker = WorkerFactory(agency=cast.agency_a)
    client.force_login(cast.agency_staff)
    client.post(reverse("workers:worker_consent", args=[worker.pk]), {"consented": "yes", "method": "paper"})
    worker.refresh_from_db()
    assert worker.sms_consent and worker.consent_method == "paper"


def test_consent_recorded_by_staff_lifts_an_earlier_sms_opt_out_but_not_a_failed_number(cast, client):
    """A worker who said STOP and later agrees again in person gets SMS again; a broken number stays blocked."""
    from notifications.models import SuppressedNumber, SuppressionReason

    worker = WorkerFactory(agency=cast.agency_a, sms_consent=False)
    number = worker.mobile.as_e164
    SuppressedNumber.objects.create(number=number, reason=SuppressionReason.OPTED_OUT, source="sms")
    client.force_login(cast.agency_staff)
    url = reverse("workers:worker_consent", args=[worker.pk])
    client.post(url, {"consented": "no", "method": "paper"})
    assert SuppressedNumber.objects.filter(number=number).exists()  # saying no keeps the opt-out
    client.post(url, {"consented": "yes", "method": "paper"})
    assert not SuppressedNumber.objects.filter(number=number).exists()
    page = client.get(reverse("workers:worker_detail", args=[worker.pk])).content.decode()
    assert "SMS may be sent to" in page

    SuppressedNumber.objects.create(number=number, reason=SuppressionReason.PERMANENT_FAILURE, source="provider")
    client.post(url, {"consented": "yes", "method": "paper"})
    assert SuppressedNumber.objects.filter(number=number, reason=SuppressionReason.PERMANENT_FAILURE).exists()


def test_the_sms_section_does_not_promise_sms_to_a_worker_without_consent(cast, client):
    worker = WorkerFactory(agency=cast.agency_a, sms_consent=False)
    client.force_login(cast.registrar)
    page = client.get(reverse("workers:worker_detail", args=[worker.pk])).content.decode()
    assert "The worker has not agreed to SMS" in page and "SMS may be sent to" not in page


def test_list_page_queries_do_not_grow_with_rows(cast, client, django_assert_max_num_queries):
    from workers.models import AgencyWorker

    def add_workers(count):
        for _ in range(count):
            AgencyWorker.objects.create(agency=cast.agency_b, worker=WorkerFactory(agency=cast.agency_a))

    add_workers(3)
    for user in (cast.agency_staff, cast.registrar):
        client.force_login(user)
        with django_assert_max_num_queries(50) as few:
            client.get(reverse("workers:worker_list"))
        baseline = len(few.captured_queries)
        add_workers(30)
        with django_assert_max_num_queries(baseline):
            assert client.get(reverse("workers:worker_list")).status_code == 200


def test_dashboard_tells_agency_staff_how_many_workers_they_have(cast, client):
    WorkerFactory(agency=cast.agency_a)
    WorkerFactory(agency=cast.agency_a)
    WorkerFactory(agency=cast.agency_b)
    client.force_login(cast.agency_staff)
    page = client.get(reverse("core:dashboard")).content.decode()
    assert "2 workers registered." in page


def test_record_page_shows_open_and_ended_links_and_history_to_the_ministry(cast, client):
    from workers import services

    worker = WorkerFactory(agency=cast.agency_a)
    services.claim_worker(
        by=cast.registrar, agency_id=cast.agency_b.pk, national_id=worker.national_id, date_of_birth=worker.date_of_birth
    )
    services.end_link(by=cast.registrar, link_id=worker.agency_links.get(agency=cast.agency_b).pk, reason="Left agency B")
    client.force_login(cast.registrar)
    page = client.get(reverse("workers:worker_detail", args=[worker.pk])).content.decode()
    assert "Agency A" in page and "Left agency B" in page
    assert 'id="section-corehistory"' in page
    # Agency A's staff see their own link only, never agency B's.
    client.force_login(cast.agency_staff)
    page = client.get(reverse("workers:worker_detail", args=[worker.pk])).content.decode()
    assert "Agency A" in page and "Left agency B" not in page and 'id="section-corehistory"' not in page


def test_registrar_registers_for_a_chosen_agency(cast, client):
    client.force_login(cast.registrar)
    response = client.post(reverse("workers:worker_register"), form_data(agency=cast.agency_b.pk))
    assert response.status_code == 302
    assert Worker.objects.for_agency(cast.agency_b.pk).count() == 1


# --- One form for the worker's answer about SMS, in the SMS section --------------------------------------------------


def _answer_forms(page, worker):
    """The forms on the page that record the worker's answer about SMS, and whether each is in the SMS section."""
    import re

    consent = reverse("workers:worker_consent", args=[worker.pk])
    opt_out = reverse("notifications:worker_opt_out", args=[worker.pk])
    section = re.search(r'<section[^>]*aria-labelledby="section-workerssms_standing".*?</section>', page, re.S)
    inside = section.group(0) if section else ""
    found = []
    for action in (consent, opt_out):
        for _ in re.finditer(f'<form[^>]*action="{re.escape(action)}"', page):
            found.append((action, bool(re.search(f'action="{re.escape(action)}"', inside))))
    return found


@pytest.mark.parametrize(
    ("role", "has_number", "posts_to"),
    [
        ("agency_staff", True, "workers:worker_consent"),
        ("registrar", True, "notifications:worker_opt_out"),
        ("registrar", False, "workers:worker_consent"),
        ("trainer", True, "notifications:worker_opt_out"),
        ("administrator", True, "notifications:worker_opt_out"),
    ],
)
def test_the_worker_page_has_one_form_for_the_answer_about_sms_in_the_sms_section(cast, client, role, has_number, posts_to):
    worker = WorkerFactory(agency=cast.agency_a, **({} if has_number else {"mobile": ""}))
    client.force_login(getattr(cast, role))
    page = client.get(reverse("workers:worker_detail", args=[worker.pk])).content.decode()
    assert _answer_forms(page, worker) == [(reverse(posts_to, args=[worker.pk]), True)]
    assert page.count("Does the worker agree to receive SMS?") == 1


@pytest.mark.parametrize("role", ["licensing_officer", "inspector"])
def test_staff_who_may_not_record_an_answer_get_no_form(cast, client, role):
    worker = WorkerFactory(agency=cast.agency_a)
    client.force_login(getattr(cast, role))
    page = client.get(reverse("workers:worker_detail", args=[worker.pk])).content.decode()
    assert _answer_forms(page, worker) == [] and "The worker has not agreed to receive SMS." in page


def _submit_the_pages_form(client, worker, answers):
    """Post the SMS section's one form as a browser would: its action, its CSRF token, the fields it shows."""
    import re

    page = client.get(reverse("workers:worker_detail", args=[worker.pk])).content.decode()
    [(action, _inside)] = _answer_forms(page, worker)
    form = re.search(f'<form[^>]*action="{re.escape(action)}".*?</form>', page, re.S).group(0)
    names = set(re.findall(r'name="([^"]+)"', form)) - {"csrfmiddlewaretoken"}
    assert set(answers) <= names, (answers, names)
    return client.post(action, answers, follow=True)


def test_the_registrars_one_form_records_consent_and_lifts_an_earlier_stop(cast, client, django_capture_on_commit_callbacks):
    from notifications.models import SuppressedNumber, SuppressionReason

    worker = WorkerFactory(agency=cast.agency_a, sms_consent=False)
    number = worker.mobile.as_e164
    SuppressedNumber.objects.create(number=number, reason=SuppressionReason.OPTED_OUT, source="sms")
    client.force_login(cast.registrar)
    with django_capture_on_commit_callbacks(execute=True):
        response = _submit_the_pages_form(client, worker, {"choice": "in", "method": "paper", "note": "Signed at the office"})
    assert "The opt-in was recorded" in response.content.decode()
    worker.refresh_from_db()
    assert worker.sms_consent and worker.consent_method == "paper"
    assert not SuppressedNumber.objects.filter(number=number).exists()
    with django_capture_on_commit_callbacks(execute=True):
        _submit_the_pages_form(client, worker, {"choice": "out", "method": "in_person"})
    worker.refresh_from_db()
    assert not worker.sms_consent and SuppressedNumber.objects.get(number=number).reason == SuppressionReason.OPTED_OUT


def test_the_agency_staffs_one_form_records_consent_and_lifts_an_earlier_stop(cast, client):
    from notifications.models import SuppressedNumber, SuppressionReason

    worker = WorkerFactory(agency=cast.agency_a, sms_consent=False)
    number = worker.mobile.as_e164
    SuppressedNumber.objects.create(number=number, reason=SuppressionReason.OPTED_OUT, source="sms")
    client.force_login(cast.agency_staff)
    response = _submit_the_pages_form(client, worker, {"consented": "yes", "method": "in_person"})
    assert "The worker&#x27;s answer about SMS was recorded." in response.content.decode()
    worker.refresh_from_db()
    assert worker.sms_consent and not SuppressedNumber.objects.filter(number=number).exists()
    assert "The worker agrees to receive SMS." in response.content.decode()


def test_the_agency_home_page_counts_the_workers_it_recruits_now(client, cast):
    """The count is of the agency's open links (one per worker): a link that ended, or another agency's worker,
    is not counted; a worker shared with another agency is."""
    from workers.models import AgencyWorker

    for _ in range(3):
        WorkerFactory(agency=cast.agency_a)
    shared = WorkerFactory(agency=cast.agency_b)
    AgencyWorker.objects.create(agency=cast.agency_a, worker=shared)
    left = WorkerFactory(agency=cast.agency_a)
    AgencyWorker.objects.filter(worker=left).update(ended_at=timezone.now())
    WorkerFactory(agency=cast.agency_b)
    client.force_login(cast.agency_staff)
    page = client.get(reverse("core:dashboard")).content.decode()
    assert "4 workers registered." in page
