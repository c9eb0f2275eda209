"""Use cases of pre-departure training: enrolment, the waiting list, teaching, completion, certificates, the gate.

Every change follows the recipe of agencies.services: lock the record,
check, transition, save and tell the worker (SMS, after commit), all in one
transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agencies.services import _apply, can_recruit
from core import access
from core.dates import add_months, today
from core.models import User
from notifications.services import InvalidSmsNumber, notify
from predeparture.models import (
    ACTIVE_ENROLMENT_STATES,
    Attendance,
    Certificate,
    Course,
    Enrolment,
    EnrolmentStatus,
    Module,
    Session,
    SessionStatus,
)
from workers.models import Worker

# --- Telling the worker -------------------------------------------------------------


def _when(moment: datetime.datetime) -> str:
    return date_format(timezone.localtime(moment), "j M Y H:i")


def _session_context(session: Session) -> dict:
    return {
        "course": session.course.title,
        "venue": session.venue,
        "district": session.get_district_display(),
        "starts_at": _when(session.starts_at),
    }


def tell_worker(worker: Worker, template: str, context: dict) -> bool:
    """SMS the worker in their language, only if they agreed to SMS and have a mobile; returns whether one was queued."""
    if not worker.sms_consent or not worker.mobile:
        return False
    try:
        notify(to=worker.mobile, template=template, language=worker.preferred_language, context=context, worker_id=worker.pk)
    except InvalidSmsNumber:
        return False
    return True


# --- Enrolment and the waiting list ---------------------------------------------------------


def _locked_session(session_id: int) -> Session:
    return Session.objects.select_for_update(of=("self",)).select_related("course").get(pk=session_id)


def _check_session_open(session: Session) -> None:
    if session.status == SessionStatus.CANCELLED:
        raise ValidationError(_("This session was cancelled."))
    if session.status != SessionStatus.SCHEDULED or session.starts_at <= timezone.now():
        raise ValidationError(_("This session has already started or finished: enrol the worker in a later session."))


def _acting_agency_id(by: User, worker: Worker) -> int | None:
    """Agency staff enrol only workers linked to their agency, and only while the agency may recruit."""
    if access.is_ministry(by):
        return None
    agency_id = access.agency_id_of(by)
    if agency_id is None or not Worker.objects.for_agency(agency_id).filter(pk=worker.pk).exists():
        raise PermissionDenied
    if not can_recruit(agency_id):
        raise ValidationError(_("Your agency holds no licence in force, so it may not enrol workers."))
    return agency_id


@dataclass
class EnrolResult:
    enrolment: Enrolment
    message: str


@transaction.atomic
def enrol(*, by: User, session_id: int, worker_id: int) -> EnrolResult:
    """Give the worker a seat, or a place on the waiting list when the session is full."""
    if not access.can(by, "training.enrol"):
        raise PermissionDenied
    worker = access.get_visible_or_404(by, Worker.objects.all(), pk=worker_id)
    agency_id = _acting_agency_id(by, worker)
    # The lock makes the count and the new row one step: two clerks can never both take the last seat.
    session = _locked_session(session_id)
    _check_session_open(session)
    active = Enrolment.objects.filter(worker=worker, status__in=ACTIVE_ENROLMENT_STATES)
    if active.filter(session=session).exists():
        raise ValidationError(_("This worker is already enrolled in this session."))
    overlapping = (
        active.filter(
            status=EnrolmentStatus.ENROLLED,
            session__status__in=[SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS],
            session__starts_at__lt=session.ends_at,
            session__ends_at__gt=session.starts_at,
        )
        .select_related("session__course")
        .first()
    )
    if overlapping:
        raise ValidationError(
            _("This worker is already enrolled in %(session)s, at the same time.") % {"session": overlapping.session}
        )
    seats_taken = session.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()
    enrolment = Enrolment(session=session, worker=worker, enrolled_by=by, agency_id=agency_id)
    if seats_taken < session.capacity:
        enrolment.status = EnrolmentStatus.ENROLLED
        enrolment.save()
        tell_worker(worker, "training.enrolled", _session_context(session))
        message = _("%(worker)s is enrolled.") % {"worker": worker}
    else:
        last = session.enrolments.filter(status=EnrolmentStatus.WAITING).aggregate(last=Max("waiting_position"))["last"]
        enrolment.status = EnrolmentStatus.WAITING
        enrolment.waiting_position = (last or 0) + 1
        enrolment.save()
        tell_worker(worker, "training.waiting", _session_context(session) | {"position": enrolment.waiting_position})
        message = _("Session full: placed on the waiting list (position %(position)d).") % {
            "position": enrolment.waiting_position
        }
    return EnrolResult(enrolment, message)


def _promote_waiting(session: Session) -> Enrolment | None:
    """Move the first worker on the waiting list into a free seat (the session is locked by the caller)."""
    seats_taken = session.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()
    if seats_taken >= session.capacity:
        return None
    first = session.enrolments.filter(status=EnrolmentStatus.WAITING).order_by("waiting_position", "pk").first()
    if first is None:
        return None
    first.status = EnrolmentStatus.ENROLLED
    first.waiting_position = None
    first.save(update_fields=["status", "waiting_position"])
    tell_worker(first.worker, "training.enrolled", _session_context(session))
    return first


@transaction.atomic
def withdraw(*, by: User, enrolment_id: int) -> Enrolment:
    """Take a worker out of a session (or off its waiting list); a freed seat goes to the first waiting worker."""
    if not access.can(by, "training.enrol"):
        raise PermissionDenied
    enrolment = access.get_visible_or_404(by, Enrolment.objects.all(), pk=enrolment_id)
    session = _locked_session(enrolment.session_id)
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status not in ACTIVE_ENROLMENT_STATES:
        raise ValidationError(_("This enrolment has already ended."))
    if session.status != SessionStatus.SCHEDULED:
        raise ValidationError(_("The session has started or ended: a worker can no longer withdraw from it."))
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.waiting_position = None
    enrolment.save(update_fields=["status", "waiting_position"])
    _promote_waiting(session)
    return enrolment


# --- Sessions: planning, teaching, completing, cancelling --------------------------------------


def _own_session(by: User, session_id: int) -> Session:
    session = _locked_session(session_id)
    if session.trainer_id != by.pk:
        raise PermissionDenied
    return session


@transaction.atomic
def change_capacity(*, by: User, session_id: int, capacity: int) -> Session:
    """Set a session's capacity; never below the workers already enrolled. Raising it moves waiting workers up."""
    if not access.can(by, "training.manage"):
        raise PermissionDenied
    session = _locked_session(session_id)
    enrolled = session.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()
    if capacity < enrolled:
        raise ValidationError(
            {"capacity": _("%(count)d workers are already enrolled: the capacity cannot be lower.") % {"count": enrolled}}
        )
    session.capacity = capacity
    session.save(update_fields=["capacity"])
    while _promote_waiting(session):
        pass
    return session


@transaction.atomic
def start_session(*, by: User, session_id: int, seen_status: str | None = None) -> Session:
    session = _own_session(by, session_id)
    _apply(session, "start", by, "", seen_status, _("Only a scheduled session can be started."))
    return session


@transaction.atomic
def mark_attendance(*, by: User, enrolment_id: int, module_id: int, present: bool) -> Attendance:
    """The session's trainer marks one enrolled worker present or absent for one module."""
    if not access.can(by, "training.teach"):
        raise PermissionDenied
    enrolment = Enrolment.objects.select_related("session").filter(pk=enrolment_id).first()
    if enrolment is None:
        raise ValidationError(_("There is no such enrolment."))
    session = _own_session(by, enrolment.session_id)
    if enrolment.status != EnrolmentStatus.ENROLLED:
        raise ValidationError(_("%(worker)s is not enrolled in this session.") % {"worker": enrolment.worker})
    if session.status != SessionStatus.IN_PROGRESS:
        raise ValidationError(_("Attendance is marked while the session is in progress."))
    if not Module.objects.filter(pk=module_id, course_id=session.course_id).exists():
        raise ValidationError(_("This module is not part of the session's course."))
    attendance, _created = Attendance.objects.update_or_create(
        enrolment=enrolment,
        module_id=module_id,
        defaults={"present": bool(present), "marked_by": by, "marked_at": timezone.now()},
    )
    return attendance


@transaction.atomic
def record_score(*, by: User, enrolment_id: int, score: int | None) -> Enrolment:
    if not access.can(by, "training.teach"):
        raise PermissionDenied
    enrolment = Enrolment.objects.filter(pk=enrolment_id).first()
    if enrolment is None:
        raise ValidationError(_("There is no such enrolment."))
    session = _own_session(by, enrolment.session_id)
    if enrolment.status != EnrolmentStatus.ENROLLED:
        raise ValidationError(_("%(worker)s is not enrolled in this session.") % {"worker": enrolment.worker})
    if session.status != SessionStatus.IN_PROGRESS:
        raise ValidationError(_("Scores are recorded while the session is in progress."))
    if score is not None and not (0 <= score <= 100):
        raise ValidationError({"score": _("A score is a percentage from 0 to 100.")})
    enrolment.score = score
    enrolment.save(update_fields=["score"])
    return enrolment


def next_certificate_number(year: int) -> str:
    prefix = f"PDT-{year}-"
    last = Certificate.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True).first()
    sequence = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{sequence:06d}"


def certificate_expiry(course: Course, issued_on: datetime.date) -> datetime.date:
    """Valid through the day before the same date ``validity_months`` later."""
    return add_months(issued_on, course.validity_months) - datetime.timedelta(days=1)


def issue_certificate(enrolment: Enrolment, issued_on: datetime.date) -> Certificate:
    return Certificate.objects.create(
        enrolment=enrolment,
        number=next_certificate_number(issued_on.year),
        issued_on=issued_on,
        expires_on=certificate_expiry(enrolment.session.course, issued_on),
    )


@transaction.atomic
def complete_session(*, by: User, session_id: int, seen_status: str | None = None) -> Session:
    """Close the session and settle each seat: completed (certificate), failed, or no-show."""
    session = _own_session(by, session_id)
    _apply(session, "complete", by, "", seen_status, _("Only a session in progress can be completed."))
    course = session.course
    module_ids = set(course.modules.values_list("pk", flat=True))
    issued_on = today()
    for enrolment in session.enrolments.filter(status=EnrolmentStatus.ENROLLED).select_related("worker"):
        present = set(enrolment.attendance.filter(present=True).values_list("module_id", flat=True))
        passed_test = course.pass_mark is None or (enrolment.score is not None and enrolment.score >= course.pass_mark)
        if not present:
            enrolment.status = EnrolmentStatus.NO_SHOW
        elif module_ids <= present and passed_test:
            enrolment.status = EnrolmentStatus.COMPLETED
        else:
            enrolment.status = EnrolmentStatus.FAILED
        enrolment.save(update_fields=["status"])
        if enrolment.status == EnrolmentStatus.COMPLETED:
            certificate = issue_certificate(enrolment, issued_on)
            tell_worker(
                enrolment.worker,
                "training.completed",
                {
                    "course": course.title,
                    "number": certificate.number,
                    "expires_on": date_format(certificate.expires_on, "j M Y"),
                },
            )
    # Whoever still waits for a seat will not get one in this session.
    session.enrolments.filter(status=EnrolmentStatus.WAITING).update(status=EnrolmentStatus.WITHDRAWN, waiting_position=None)
    return session


@transaction.atomic
def cancel_session(*, by: User, session_id: int, reason: str, seen_status: str | None = None) -> Session:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for cancelling.")})
    session = _locked_session(session_id)
    _apply(session, "cancel", by, reason, seen_status, _("Only a scheduled or running session can be cancelled."))
    context = _session_context(session)
    for enrolment in session.enrolments.filter(status__in=ACTIVE_ENROLMENT_STATES).select_related("worker"):
        tell_worker(enrolment.worker, "training.cancelled", context)
    session.enrolments.filter(status__in=ACTIVE_ENROLMENT_STATES).update(status=EnrolmentStatus.WITHDRAWN, waiting_position=None)
    return session


# --- The day-before reminder (scheduled job) ----------------------------------------------------


def send_session_reminders() -> str:
    """SMS each enrolled worker once, within the day before their session starts; a missed run catches up until the start."""
    now = timezone.now()
    due = Enrolment.objects.filter(
        status=EnrolmentStatus.ENROLLED,
        reminded_at__isnull=True,
        session__status=SessionStatus.SCHEDULED,
        session__starts_at__gt=now,
        session__starts_at__lte=now + datetime.timedelta(days=1),
    ).select_related("worker", "session__course")
    sent = 0
    for enrolment in due:
        with transaction.atomic():
            # Claim the row first: two overlapping runs never send twice.
            claimed = Enrolment.objects.filter(pk=enrolment.pk, reminded_at__isnull=True).update(reminded_at=now)
            if claimed and tell_worker(enrolment.worker, "training.reminder", _session_context(enrolment.session)):
                sent += 1
    return f"sent {sent} session reminders"


# --- The training gate: what deployment clearance asks ----------------------------------------


@dataclass(frozen=True)
class CourseCheck:
    code: str
    title: str
    valid: bool
    certificate_number: str | None = None
    expires_on: datetime.date | None = None
    expired: bool = False  # a certificate existed but was no longer valid on the day
    unknown_course: bool = False


@dataclass(frozen=True)
class GateResult:
    worker_id: int
    on: datetime.date
    courses: list[CourseCheck] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(check.valid for check in self.courses)

    def __bool__(self) -> bool:
        return self.passed

    @property
    def missing(self) -> list[str]:
        """Codes of courses with no certificate at all that day (never taken, or not yet issued)."""
        return [check.code for check in self.courses if not check.valid and not check.expired]

    @property
    def expired(self) -> list[str]:
        return [check.code for check in self.courses if check.expired]

    def explanation(self) -> list[str]:
        lines = []
        for check in self.courses:
            if check.expired:
                lines.append(_("%(code)s: the certificate expired on %(date)s.") % {"code": check.code, "date": check.expires_on})
            elif not check.valid:
                lines.append(_("%(code)s: no training certificate.") % {"code": check.code})
        return lines


def training_gate(worker_id: int, course_codes: Iterable[str], on: datetime.date) -> GateResult:
    """For each course, whether the worker holds a certificate valid on ``on``; names what is missing or expired."""
    return training_gates([(worker_id, course_codes, on)])[0]


def training_gates(asked: Iterable[tuple[int, Iterable[str], datetime.date]]) -> list[GateResult]:
    """``training_gate`` for many (worker, courses, day) at once, in two queries whatever their number: a list of
    workers who still need training asks it for every row of its page."""
    asked = [
        (worker_id, list(dict.fromkeys(code.strip().upper() for code in course_codes if code and code.strip())), on)
        for worker_id, course_codes, on in asked
    ]
    if not asked:
        return []
    wanted = {code for _worker, codes, _on in asked for code in codes}
    # Codes are compared case-insensitively.
    found = Course.objects.annotate(upper_code=Upper("code")).filter(upper_code__in=wanted)
    courses = {course.upper_code: course for course in found}
    certificates = (
        Certificate.objects.filter(
            enrolment__worker_id__in={worker_id for worker_id, _codes, _on in asked},
            enrolment__session__course__in=courses.values(),
            issued_on__lte=max(on for _worker, _codes, on in asked),
        )
        .select_related("enrolment__session__course")
        .order_by("-expires_on", "-pk")
    )
    held: dict[int, list[Certificate]] = {}
    for certificate in certificates:
        held.setdefault(certificate.enrolment.worker_id, []).append(certificate)
    results = []
    for worker_id, codes, on in asked:
        best: dict[int, Certificate] = {}
        for certificate in held.get(worker_id, []):
            if certificate.issued_on <= on:
                best.setdefault(certificate.enrolment.session.course_id, certificate)
        checks = []
        for code in codes:
            course = courses.get(code)
            if course is None:
                checks.append(CourseCheck(code=code, title="", valid=False, unknown_course=True))
                continue
            certificate = best.get(course.pk)
            if certificate is None:
                checks.append(CourseCheck(code=course.code, title=course.title, valid=False))
            else:
                valid = certificate.is_valid_on(on)
                checks.append(
                    CourseCheck(
                        code=course.code,
                        title=course.title,
                        valid=valid,
                        certificate_number=certificate.number,
                        expires_on=certificate.expires_on,
                        expired=not valid,
                    )
                )
        results.append(GateResult(worker_id=worker_id, on=on, courses=checks))
    return results
