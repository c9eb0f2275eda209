"""Enrolment, the waiting list, teaching, completion, certificates, reminders and SMS."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications import backends
from notifications.models import OutboundSms
from predeparture import services
from predeparture.models import Certificate, Enrolment, EnrolmentStatus, Session, SessionStatus
from tests.factories import WorkerFactory
from tests.predeparture.conftest import make_course, make_session


def consenting_worker(agency, **fields):
    return WorkerFactory(agency=agency, sms_consent=True, **fields)


def run_session(cast, session, attended: dict, scores: dict):
    """Start the session, mark each enrolment's modules present per ``attended`` and record ``scores``, complete it."""
    services.start_session(by=cast.trainer, session_id=session.pk)
    modules = list(session.course.modules.all())
    for enrolment_id, count in attended.items():
        for index, module in enumerate(modules):
            services.mark_attendance(by=cast.trainer, enrolment_id=enrolment_id, module_id=module.pk, present=index < count)
    for enrolment_id, score in scores.items():
        services.record_score(by=cast.trainer, enrolment_id=enrolment_id, score=score)
    return services.complete_session(by=cast.trainer, session_id=session.pk)


def test_capacity_and_waiting_list(licensed, course):
    cast = licensed
    session = make_session(course, cast.trainer, capacity=2)
    workers = [WorkerFactory(agency=cast.agency_a) for _ in range(4)]
    results = [services.enrol(by=cast.agency_staff, session_id=session.pk, worker_id=w.pk) for w in workers]
    assert [r.enrolment.status for r in results] == ["enrolled", "enrolled", "waiting", "waiting"]
    assert results[2].message == "Session full: placed on the waiting list (position 1)."
    assert results[3].enrolment.waiting_position == 2
    services.withdraw(by=cast.agency_staff, enrolment_id=results[0].enrolment.pk)
    moved = Enrolment.objects.get(pk=results[2].enrolment.pk)
    assert moved.status == EnrolmentStatus.ENROLLED and moved.waiting_position is None
    assert session.enrolments.filter(status="enrolled").count() == 2


def test_the_same_worker_cannot_be_enrolled_twice(licensed, course):
    cast = licensed
    session = make_session(course, cast.trainer)
    worker = WorkerFactory(agency=cast.agency_a)
    services.enrol(by=cast.agency_staff, session_id=session.pk, worker_id=worker.pk)
    with pytest.raises(ValidationError, match="already enrolled"):
        services.enrol(by=cast.agency_staff, session_id=session.pk, worker_id=worker.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(session=session, worker=worker, status="waiting")


def test_overlapping_sessions_are_refused(licensed, course):
    cast = licensed
    first = make_session(course, cast.trainer, hours=8)
    other = make_session(make_course("PDO-ZA"), cast.trainer, start=first.starts_at + datetime.timedelta(hours=4))
    later = make_session(make_course("PDO-MU"), cast.trainer, start=first.ends_at + datetime.timedelta(hours=1))
    worker = WorkerFactory(agency=cast.agency_a)
    services.enrol(by=cast.registrar, session_id=first.pk, worker_id=worker.pk)
    with pytest.raises(ValidationError, match="same time"):
        services.enrol(by=cast.registrar, session_id=other.pk, worker_id=worker.pk)
    assert services.enrol(by=cast.registrar, session_id=later.pk, worker_id=worker.pk).enrolment.status == "enrolled"


def test_cancelled_or_finished_sessions_refuse_enrolment(licensed, course):
    cast = licensed
    worker = WorkerFactory(agency=cast.agency_a)
    cancelled = make_session(course, cast.trainer)
    services.cancel_session(by=cast.registrar, session_id=cancelled.pk, reason="Venue flooded")
    with pytest.raises(ValidationError, match="cancelled"):
        services.enrol(by=cast.registrar, session_id=cancelled.pk, worker_id=worker.pk)
    past = make_session(course, cast.trainer, days_ahead=-3)
    with pytest.raises(ValidationError, match="already started or finished"):
        services.enrol(by=cast.registrar, session_id=past.pk, worker_id=worker.pk)


def test_agency_staff_enrol_only_their_own_workers_and_only_while_licensed(cast, course):
    session = make_session(course, cast.trainer)
    theirs = WorkerFactory(agency=cast.agency_b)
    ours = WorkerFactory(agency=cast.agency_a)
    with pytest.raises(ValidationError, match="no licence"):
        services.enrol(by=cast.agency_staff, session_id=session.pk, worker_id=ours.pk)
    from django.http import Http404

    with pytest.raises(Http404):
        services.enrol(by=cast.agency_staff, session_id=session.pk, worker_id=theirs.pk)
    with pytest.raises(PermissionDenied):
        services.enrol(by=cast.trainer, session_id=session.pk, worker_id=ours.pk)


def test_enrolments_are_scoped_to_the_agency(licensed, course):
    cast = licensed
    session = make_session(course, cast.trainer)
    a = services.enrol(by=cast.agency_staff, session_id=session.pk, worker_id=WorkerFactory(agency=cast.agency_a).pk)
    b = services.enrol(by=cast.other_agency_staff, session_id=session.pk, worker_id=WorkerFactory(agency=cast.agency_b).pk)
    assert list(Enrolment.objects.visible_to(cast.agency_staff)) == [a.enrolment]
    assert list(Enrolment.objects.visible_to(cast.other_agency_staff)) == [b.enrolment]
    assert Enrolment.objects.visible_to(cast.registrar).count() == 2


def test_trainers_see_only_their_own_sessions(cast, course):
    from tests.factories import UserFactory

    mine = make_session(course, cast.trainer)
    other_trainer = UserFactory(roles=["trainer"])
    make_session(course, other_trainer, days_ahead=20)
    assert list(Session.objects.visible_to(cast.trainer)) == [mine]
    assert Session.objects.visible_to(cast.registrar).count() == 2


def test_completion_rule_certificate_number_and_expiry(cast, clock):
    clock(datetime.date(2026, 3, 1))
    course = make_course(pass_mark=60, validity_months=24, modules=2)
    session = make_session(course, cast.trainer, days_ahead=1)
    workers = [WorkerFactory() for _ in range(4)]
    enrolments = [services.enrol(by=cast.registrar, session_id=session.pk, worker_id=w.pk).enrolment for w in workers]
    clock(datetime.date(2026, 3, 2))
    run_session(
        cast, session,
        attended={enrolments[0].pk: 2, enrolments[1].pk: 1, enrolments[2].pk: 2, enrolments[3].pk: 0},
        scores={enrolments[0].pk: 60, enrolments[1].pk: 90, enrolments[2].pk: 59},
    )
    statuses = [Enrolment.objects.get(pk=e.pk).status for e in enrolments]
    assert statuses == ["completed", "failed", "failed", "no_show"]
    certificate = Certificate.objects.get()
    assert certificate.enrolment_id == enrolments[0].pk
    assert certificate.number == "PDT-2026-000001"
    assert certificate.issued_on == datetime.date(2026, 3, 2)
    assert certificate.expires_on == datetime.date(2028, 3, 1)  # valid through the day before two years on
    assert services.next_certificate_number(2026) == "PDT-2026-000002"


def test_no_pass_mark_means_attendance_alone(cast):
    course = make_course(code="PDO-ZA", pass_mark=None, modules=1)
    session = make_session(course, cast.trainer, days_ahead=1)
    enrolment = services.enrol(by=cast.registrar, session_id=session.pk, worker_id=WorkerFactory().pk).enrolment
    run_session(cast, session, attended={enrolment.pk: 1}, scores={})
    assert Enrolment.objects.get(pk=enrolment.pk).status == "completed"


def test_certificate_expiry_at_month_ends():
    from predeparture.models import Course

    course = Course(validity_months=1)
    assert services.certificate_expiry(course, datetime.date(2026, 1, 31)) == datetime.date(2026, 2, 27)
    assert services.certificate_expiry(Course(validity_months=12), datetime.date(2024, 2, 29)) == datetime.date(2025, 2, 27)


def test_attendance_refused_for_someone_not_enrolled_and_for_another_trainer(licensed, course):
    cast = licensed
    session = make_session(course, cast.trainer, capacity=1)
    enrolled = services.enrol(by=cast.registrar, session_id=session.pk, worker_id=WorkerFactory().pk).enrolment
    waiting = services.enrol(by=cast.registrar, session_id=session.pk, worker_id=WorkerFactory().pk).enrolment
    services.start_session(by=cast.trainer, session_id=session.pk)
    module = course.modules.first()
    with pytest.raises(ValidationError, match="not enrolled"):
        services.mark_attendance(by=cast.trainer, enrolment_id=waiting.pk, module_id=module.pk, present=True)
    from tests.factories import UserFactory

    with pytest.raises(PermissionDenied):
        services.mark_attendance(by=UserFactory(roles=["trainer"]), enrolment_id=enrolled.pk, module_id=module.pk,
                                 present=True)
    other_module = make_course("PDO-ZA").modules.first()
    with pytest.raises(ValidationError, match="not part"):
        services.mark_attendance(by=cast.trainer, enrolment_id=enrolled.pk, module_id=other_module.pk, present=True)


@pytest.mark.parametrize("score", [-1, 101])
def test_score_outside_0_to_100_is_refused(cast, course, score):
    session = make_session(course, cast.trainer)
    enrolment = services.enrol(by=cast.registrar, session_id=session.pk, worker_id=WorkerFactory().pk).enrolment
    services.start_session(by=cast.trainer, session_id=session.pk)
    with pytest.raises(ValidationError, match="0 to 100"):
        services.record_score(by=cast.trainer, enrolment_id=enrolment.pk, score=score)


def test_session_ending_before_it_starts_is_refused_by_the_database(cast, course):
    start = timezone.now() + datetime.timedelta(days=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.create(course=course, venue="x", district="maseru", starts_at=start,
                               ends_at=start - datetime.timedelta(hours=1), trainer=cast.trainer, capacity=5)


def test_capacity_cannot_drop_below_enrolled(cast, course):
    session = make_session(course, cast.trainer, capacity=3)
    for _ in range(3):
        services.enrol(by=cast.registrar, session_id=session.pk, worker_id=WorkerFactory().pk)
    with pytest.raises(ValidationError, match="already enrolled"):
        services.change_capacity(by=cast.registrar, session_id=session.pk, capacity=2)
    services.change_capacity(by=cast.registrar, session_id=session.pk, capacity=4)


def test_cancelling_needs_a_reason(cast, course):
    session = make_session(course, cast.trainer)
    with pytest.raises(ValidationError):
        services.cancel_session(by=cast.registrar, session_id=session.pk, reason=" ")
    with pytest.raises(PermissionDenied):
        services.cancel_session(by=cast.trainer, session_id=session.pk, reason="Ill")


# --- SMS -----------------------------------------------------------------------------------


def test_sms_on_each_event_in_the_workers_language(cast, course, django_capture_on_commit_callbacks):
    session = make_session(course, cast.trainer, capacity=1)
    first = WorkerFactory(sms_consent=True, preferred_language="en")
    second = WorkerFactory(sms_consent=True, preferred_language="st")
    with django_capture_on_commit_callbacks(execute=True):
        a = services.enrol(by=cast.registrar, session_id=session.pk, worker_id=first.pk).enrolment
        services.enrol(by=cast.registrar, session_id=session.pk, worker_id=second.pk)
    keys = list(OutboundSms.objects.order_by("pk").values_list("template_key", "language"))
    assert keys == [("training.enrolled", "en"), ("training.waiting", "st")]
    assert "Manthabiseng" in OutboundSms.objects.order_by("pk").first().body
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw(by=cast.registrar, enrolment_id=a.pk)  # the second moves up and is told
    assert OutboundSms.objects.order_by("-pk").first().template_key == "training.enrolled"
    assert OutboundSms.objects.order_by("-pk").first().language == "st"
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_session(by=cast.registrar, session_id=session.pk, reason="Strike")
    assert OutboundSms.objects.filter(template_key="training.cancelled").count() == 1
    assert len(backends.outbox) == OutboundSms.objects.count()


def test_completion_sms_names_the_certificate(cast, django_capture_on_commit_callbacks):
    course = make_course(pass_mark=None, modules=1)
    session = make_session(course, cast.trainer, days_ahead=1)
    worker = WorkerFactory(sms_consent=True, preferred_language="en")
    enrolment = services.enrol(by=cast.registrar, session_id=session.pk, worker_id=worker.pk).enrolment
    with django_capture_on_commit_callbacks(execute=True):
        run_session(cast, session, attended={enrolment.pk: 1}, scores={})
    message = OutboundSms.objects.get(template_key="training.completed")
    assert Certificate.objects.get().number in message.body


def test_no_sms_without_consent_but_still_enrolled(cast, course, django_capture_on_commit_callbacks):
    session = make_session(course, cast.trainer)
    worker = WorkerFactory(sms_consent=False)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.enrol(by=cast.registrar, session_id=session.pk, worker_id=worker.pk)
    assert result.enrolment.status == "enrolled"
    assert not OutboundSms.objects.exists() and not backends.outbox


def test_reminders_once_the_day_before_catching_up_but_never_after_the_start(cast, course, clock,
                                                                            django_capture_on_commit_callbacks):
    clock(datetime.datetime(2026, 5, 1, 9, 0))
    start = timezone.now() + datetime.timedelta(days=5)  # 6 May 09:00
    session = make_session(course, cast.trainer, start=start)
    late_session = make_session(make_course("PDO-ZA"), cast.trainer, start=start + datetime.timedelta(days=2))
    worker = WorkerFactory(sms_consent=True)
    services.enrol(by=cast.registrar, session_id=session.pk, worker_id=worker.pk)
    missed = services.enrol(by=cast.registrar, session_id=late_session.pk, worker_id=WorkerFactory(sms_consent=True).pk)
    clock(datetime.datetime(2026, 5, 4, 9, 0))
    assert services.send_session_reminders() == "sent 0 session reminders"  # two days before: too early
    clock(datetime.datetime(2026, 5, 5, 10, 0))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_session_reminders() == "sent 1 session reminders"
        assert services.send_session_reminders() == "sent 0 session reminders"
    assert OutboundSms.objects.filter(template_key="training.reminder").count() == 1
    # The job did not run at all the day before the later session: it catches up on the morning itself…
    clock(datetime.datetime(2026, 5, 8, 8, 0))
    assert services.send_session_reminders() == "sent 1 session reminders"
    assert Enrolment.objects.get(pk=missed.enrolment.pk).reminded_at is not None
    # …but never once a session has started.
    third = make_session(make_course("PDO-MU"), cast.trainer, start=timezone.now() + datetime.timedelta(hours=2))
    services.enrol(by=cast.registrar, session_id=third.pk, worker_id=WorkerFactory(sms_consent=True).pk)
    clock(datetime.datetime(2026, 5, 8, 11, 0))
    assert services.send_session_reminders() == "sent 0 session reminders"


# --- The training gate ----------------------------------------------------------------------


def _certificate(worker, course, trainer, issued_on, expires_on):
    session = make_session(course, trainer, start=timezone.make_aware(datetime.datetime.combine(issued_on, datetime.time(8))))
    Session.objects.filter(pk=session.pk).update(status=SessionStatus.COMPLETED)
    enrolment = Enrolment.objects.create(session=session, worker=worker, status=EnrolmentStatus.COMPLETED)
    return Certificate.objects.create(enrolment=enrolment, number=services.next_certificate_number(issued_on.year),
                                      issued_on=issued_on, expires_on=expires_on)


def test_training_gate_names_valid_missing_and_expired_courses(cast):
    general = make_course("PDO-GEN")
    south_africa = make_course("PDO-ZA")
    make_course("PDO-MU")
    worker = WorkerFactory()
    _certificate(worker, general, cast.trainer, datetime.date(2025, 1, 10), datetime.date(2027, 1, 9))
    _certificate(worker, south_africa, cast.trainer, datetime.date(2023, 1, 10), datetime.date(2025, 1, 9))

    result = services.training_gate(worker.pk, ["PDO-GEN", "pdo-za", "PDO-MU"], on=datetime.date(2026, 6, 1))
    assert not result.passed and not result
    assert [check.code for check in result.courses] == ["PDO-GEN", "PDO-ZA", "PDO-MU"]
    assert [check.valid for check in result.courses] == [True, False, False]
    assert result.expired == ["PDO-ZA"] and result.missing == ["PDO-MU"]
    assert result.courses[0].certificate_number.startswith("PDT-2025-")
    assert result.courses[1].expires_on == datetime.date(2025, 1, 9)
    assert len(result.explanation()) == 2


def test_training_gate_edges(cast):
    general = make_course("PDO-GEN")
    worker = WorkerFactory()
    _certificate(worker, general, cast.trainer, datetime.date(2025, 1, 10), datetime.date(2027, 1, 9))
    assert services.training_gate(worker.pk, ["PDO-GEN"], on=datetime.date(2027, 1, 9)).passed  # valid through
    late = services.training_gate(worker.pk, ["PDO-GEN"], on=datetime.date(2027, 1, 10))
    assert late.expired == ["PDO-GEN"]
    early = services.training_gate(worker.pk, ["PDO-GEN"], on=datetime.date(2025, 1, 9))
    assert early.missing == ["PDO-GEN"]  # not yet issued that day
    # A renewed certificate wins over the expired one.
    _certificate(worker, general, cast.trainer, datetime.date(2027, 1, 5), datetime.date(2029, 1, 4))
    assert services.training_gate(worker.pk, ["PDO-GEN"], on=datetime.date(2028, 1, 1)).passed
    # Another worker's certificate counts for nothing; an unknown course code is missing; no courses passes.
    assert services.training_gate(WorkerFactory().pk, ["PDO-GEN"], on=datetime.date(2026, 1, 1)).missing == ["PDO-GEN"]
    unknown = services.training_gate(worker.pk, ["NOPE"], on=datetime.date(2026, 1, 1))
    assert unknown.missing == ["NOPE"] and unknown.courses[0].unknown_course
    assert services.training_gate(worker.pk, [], on=datetime.date(2026, 1, 1)).passed
