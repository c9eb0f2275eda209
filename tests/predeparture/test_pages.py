"""The training screens: public verification and lookup, the trainer's sheet, forms, PDF, sections, demo."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from predeparture import services
from predeparture.models import Attendance, Certificate, Enrolment, EnrolmentStatus, Session
from predeparture.views import PUBLIC_REQUESTS_PER_MINUTE
from tests.factories import WorkerFactory
from tests.predeparture.conftest import make_course, make_session


@pytest.fixture
def certificate(cast):
    course = make_course(pass_mark=None, modules=1)
    session = make_session(course, cast.trainer, days_ahead=1)
    worker = WorkerFactory(first_name="Thabo", last_name="Mokhele", passport_number="RA1234567", agency=cast.agency_a,
                           national_id="01019999999")
    enrolment = services.enrol(by=cast.registrar, session_id=session.pk, worker_id=worker.pk).enrolment
    services.start_session(by=cast.trainer, session_id=session.pk)
    services.mark_attendance(by=cast.trainer, enrolment_id=enrolment.pk, module_id=course.modules.get().pk, present=True)
    services.complete_session(by=cast.trainer, session_id=session.pk)
    return Certificate.objects.get()


def test_verification_shows_initials_only(client, certificate):
    response = client.get(reverse("predeparture:verify", args=[certificate.public_token]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "T. M." in text and certificate.number in text and "valid until" in text
    for secret in ("Thabo", "Mokhele", "RA1234567", "01019999999"):
        assert secret not in text
    assert client.get(reverse("predeparture:verify", args=["nope"])).status_code == 404


def test_lookup_needs_the_passport_number(client, certificate):
    url = reverse("predeparture:lookup")
    assert client.get(url).status_code == 200
    wrong = client.get(url, {"number": certificate.number, "passport_number": "RA0000000"})
    assert wrong.status_code == 404 and "No certificate matches" in wrong.content.decode()
    missing = client.get(url, {"number": certificate.number, "passport_number": ""})
    assert missing.status_code == 200 and certificate.public_token not in missing.content.decode()
    right = client.get(url, {"number": certificate.number.lower(), "passport_number": "ra 1234567"})
    assert right.status_code == 302 and right["Location"].endswith(certificate.public_token + "/")


def test_public_pages_are_rate_limited(client, certificate, ratelimit_clock):
    url = reverse("predeparture:lookup")
    for _ in range(PUBLIC_REQUESTS_PER_MINUTE):
        client.get(url, {"number": "PDT-2026-000001", "passport_number": "X"})
    assert client.get(url, {"number": "PDT-2026-000001", "passport_number": "X"}).status_code == 429


def test_certificate_pdf_is_permission_checked(client, cast, certificate):
    url = reverse("predeparture:certificate_pdf", args=[certificate.pk])
    client.force_login(cast.agency_staff)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    client.force_login(cast.other_agency_staff)
    assert client.get(url).status_code == 404


def test_session_form_refuses_an_end_before_the_start(client, cast, course):
    client.force_login(cast.registrar)
    start = timezone.localtime() + datetime.timedelta(days=5)
    response = client.post(reverse("predeparture:session_create"), {
        "course": course.pk, "venue": "Hall", "district": "maseru", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start - datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "trainer": cast.trainer.pk,
        "capacity": 10,
    })
    assert response.status_code == 200 and "must end after it starts" in response.content.decode()
    assert not Session.objects.exists()


def test_capacity_lowered_below_enrolled_is_refused_on_the_form(client, cast, course):
    session = make_session(course, cast.trainer, capacity=2)
    for _ in range(2):
        services.enrol(by=cast.registrar, session_id=session.pk, worker_id=WorkerFactory().pk)
    client.force_login(cast.registrar)
    start = timezone.localtime(session.starts_at)
    response = client.post(reverse("predeparture:session_edit", args=[session.pk]), {
        "course": course.pk, "venue": session.venue, "district": "maseru", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": timezone.localtime(session.ends_at).strftime("%Y-%m-%dT%H:%M"), "trainer": cast.trainer.pk,
        "capacity": 1,
    })
    assert response.status_code == 200 and "already enrolled" in response.content.decode()
    session.refresh_from_db()
    assert session.capacity == 2


def test_enrol_form_and_waiting_list_message(client, licensed, course):
    cast = licensed
    session = make_session(course, cast.trainer, capacity=1)
    first, second = WorkerFactory(agency=cast.agency_a), WorkerFactory(agency=cast.agency_a)
    stranger = WorkerFactory(agency=cast.agency_b)
    client.force_login(cast.agency_staff)
    url = reverse("predeparture:enrol", args=[session.pk])
    client.post(url, {"worker": first.reference})
    response = client.post(url, {"worker": second.national_id}, follow=True)
    assert "Session full: placed on the waiting list (position 1)." in response.content.decode()
    refused = client.post(url, {"worker": stranger.national_id})
    assert refused.status_code == 200 and "No worker you can see" in refused.content.decode()
    assert Enrolment.objects.filter(worker=stranger).count() == 0


def test_session_page_buttons_follow_the_user(client, cast, course):
    session = make_session(course, cast.trainer)
    url = reverse("predeparture:session_detail", args=[session.pk])
    client.force_login(cast.trainer)
    text = client.get(url).content.decode()
    assert "Start the session" in text and "Cancel the session" not in text
    client.force_login(cast.registrar)
    text = client.get(url).content.decode()
    assert "Start the session" not in text and "Cancel the session" in text


def test_attendance_sheet_saves_every_mark_at_once(client, cast):
    course = make_course(modules=2)
    session = make_session(course, cast.trainer)
    enrolments = [services.enrol(by=cast.registrar, session_id=session.pk, worker_id=WorkerFactory().pk).enrolment
                  for _ in range(2)]
    services.start_session(by=cast.trainer, session_id=session.pk)
    first, second = course.modules.all()
    client.force_login(cast.trainer)
    url = reverse("predeparture:session_attendance", args=[session.pk])
    assert client.get(url).status_code == 200
    data = {f"present-{enrolments[0].pk}-{first.pk}": "on", f"present-{enrolments[0].pk}-{second.pk}": "on",
            f"score-{enrolments[0].pk}": "80", f"present-{enrolments[1].pk}-{first.pk}": "on"}
    assert client.post(url, data).status_code == 302
    assert Attendance.objects.filter(present=True).count() == 3 and Attendance.objects.count() == 4
    assert Enrolment.objects.get(pk=enrolments[0].pk).score == 80
    # A bad score saves nothing at all.
    bad = dict(data, **{f"score-{enrolments[1].pk}": "150", f"present-{enrolments[1].pk}-{second.pk}": "on"})
    response = client.post(url, bad)
    assert response.status_code == 200 and "0 to 100" in response.content.decode()
    assert Attendance.objects.filter(present=True).count() == 3
    # Complete through the button.
    client.post(reverse("predeparture:session_complete", args=[session.pk]), {"seen_status": "in_progress"})
    assert [Enrolment.objects.get(pk=e.pk).status for e in enrolments] == [EnrolmentStatus.COMPLETED, EnrolmentStatus.FAILED]


def test_worker_page_shows_training_and_trainer_dashboard_panel(client, cast, certificate):
    client.force_login(cast.agency_staff)
    text = client.get(reverse("workers:worker_detail", args=[certificate.enrolment.worker_id])).content.decode()
    assert "Pre-departure training" in text and certificate.number in text
    make_session(make_course("PDO-ZA"), cast.trainer, days_ahead=3)
    client.force_login(cast.trainer)
    text = client.get(reverse("core:dashboard")).content.decode()
    assert "Your next sessions" in text and "Course PDO-ZA" in text


def test_lists_and_course_form(client, cast, course):
    session = make_session(course, cast.trainer, district="leribe")
    link = reverse("predeparture:session_detail", args=[session.pk])
    client.force_login(cast.registrar)
    assert link in client.get(reverse("predeparture:session_list"), {"district": "leribe"}).content.decode()
    assert link not in client.get(reverse("predeparture:session_list"), {"district": "berea"}).content.decode()
    client.force_login(cast.trainer)
    assert "My sessions" in client.get(reverse("predeparture:session_list")).content.decode()
    client.force_login(cast.administrator)
    data = {"code": "pdo-mu", "title": "Mauritius", "language": "en", "pass_mark": "", "validity_months": 12,
            "modules-TOTAL_FORMS": 1, "modules-INITIAL_FORMS": 0, "modules-0-order": 1, "modules-0-title": "Life in Mauritius",
            "modules-0-hours": "2"}
    assert client.post(reverse("predeparture:course_create"), data).status_code == 302
    from predeparture.models import Course

    assert Course.objects.get(code="PDO-MU").modules.count() == 1
    assert client.get(reverse("predeparture:course_list")).status_code == 200


def test_demo_seeder_runs_twice(db):
    from core.demo import seed_ministry
    from predeparture.demo import seed_training

    seed_ministry(1)
    WorkerFactory.create_batch(10)
    seed_training(1)
    seed_training(1)
    assert Session.objects.count() == 6
    today = timezone.localdate()
    assert Certificate.objects.filter(expires_on__lt=today).exists()
    assert Certificate.objects.filter(expires_on__gte=today).exists()
    assert Enrolment.objects.filter(status="failed").count() == 1
