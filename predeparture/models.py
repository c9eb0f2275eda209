"""Pre-departure training: courses and their modules, sessions, enrolments, attendance and certificates.

A session lives scheduled → in progress → completed, or cancelled (with a
reason) before it completes. An enrolment is one worker's seat (or place on
the waiting list) in one session; completing the session settles it as
completed (certificate issued), failed or no-show.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description
from simple_history.models import HistoricalRecords

from core import access
from core.access import Role, ScopedQuerySet, transition_permission
from core.choices import District, Language

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class Course(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    language = models.CharField(_("language of instruction"), max_length=5, choices=Language.choices, default=Language.SESOTHO)
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), null=True, blank=True, validators=PERCENT, help_text=_("Leave empty when there is no test.")
    )
    validity_months = models.PositiveSmallIntegerField(
        _("certificate valid for (months)"), default=24, validators=[MinValueValidator(1)]
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pass_mark__isnull=True) | Q(pass_mark__gte=0, pass_mark__lte=100), name="course_pass_mark_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.title}"


class Module(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules", verbose_name=_("course"))
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    title = models.CharField(_("title"), max_length=200)
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1, default=1)

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["course", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class SessionQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        """Sessions are open to every agency: their staff enrol workers in them."""
        return self.all()

    def for_ministry(self, user):
        """A trainer who holds no other ministry role sees only their own sessions."""
        if access.roles_of(user) & access.MINISTRY_ROLES == {Role.TRAINER}:
            return self.filter(trainer=user)
        return self.all()


class Session(ConcurrentTransitionMixin, models.Model):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("course"))
    venue = models.CharField(_("venue"), max_length=200)
    district = models.CharField(_("district"), max_length=20, choices=District.choices)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_sessions", verbose_name=_("trainer")
    )
    capacity = models.PositiveSmallIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    status = FSMField(_("status"), default=SessionStatus.SCHEDULED, choices=SessionStatus.choices, protected=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = SessionQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["status"])  # state changes are in the transition log

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["starts_at", "pk"]
        # The list shows the newest first: its page is read from this index, never sorted from years of sessions.
        indexes = [models.Index(fields=["-starts_at", "id"], name="session_newest_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_capacity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.course.code} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M} ({self.get_district_display()})"

    @property
    def is_open_for_enrolment(self) -> bool:
        return self.status == SessionStatus.SCHEDULED

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=SessionStatus.SCHEDULED,
        target=SessionStatus.IN_PROGRESS,
        permission=transition_permission("training.teach"),
    )
    def start(self, by=None, description=None) -> None:
        """The trainer opens the session on its first day."""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=SessionStatus.IN_PROGRESS,
        target=SessionStatus.COMPLETED,
        permission=transition_permission("training.teach"),
    )
    def complete(self, by=None, description=None) -> None:
        """The trainer closes the session; the service settles each enrolment."""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=[SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS],
        target=SessionStatus.CANCELLED,
        permission=transition_permission("training.manage"),
    )
    def cancel(self, by=None, description=None) -> None:
        self.cancel_reason = description or ""


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    WAITING = "waiting", _("On the waiting list")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")
    NO_SHOW = "no_show", _("Did not attend")


ACTIVE_ENROLMENT_STATES = [EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING]
# The enrolments that hold (or held) a seat: once a session is completed, its seats are completed, failed or no-show.
SEAT_STATES = [EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED, EnrolmentStatus.FAILED, EnrolmentStatus.NO_SHOW]


def _open_link_to(agency_id: int, worker_field: str):
    from workers.models import AgencyWorker

    return Exists(AgencyWorker.objects.filter(worker=OuterRef(worker_field), agency_id=agency_id, ended_at__isnull=True))


class EnrolmentQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        """The agency's own enrolments, and those of workers it has an open link to."""
        return self.filter(Q(agency_id=agency_id) | _open_link_to(agency_id, "worker"))

    def active(self):
        return self.filter(status__in=ACTIVE_ENROLMENT_STATES)


class Enrolment(models.Model):
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("session"))
    worker = models.ForeignKey("workers.Worker", on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("worker"))
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("enrolled by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Empty when the ministry enrolled the worker itself.
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="training_enrolments",
    )
    status = models.CharField(_("status"), max_length=10, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ENROLLED)
    waiting_position = models.PositiveIntegerField(_("place on the waiting list"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score (%)"), null=True, blank=True, validators=PERCENT)
    created_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)

    objects = EnrolmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["session", "status", "waiting_position", "worker__last_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "worker"], condition=Q(status__in=ACTIVE_ENROLMENT_STATES), name="one_active_enrolment"
            ),
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__lte=100), name="enrolment_score_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.worker} — {self.session}"


class AttendanceQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        return self.filter(Q(enrolment__agency_id=agency_id) | _open_link_to(agency_id, "enrolment__worker"))


class Attendance(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("enrolment"))
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="+", verbose_name=_("module"))
    present = models.BooleanField(_("present"), default=False)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("marked by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField(_("marked at"), default=timezone.now)

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["enrolment", "module"], name="attendance_once_per_module")]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.module_id}: {'present' if self.present else 'absent'}"


def new_certificate_token() -> str:
    return secrets.token_urlsafe(18)


class CertificateQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        return self.filter(Q(enrolment__agency_id=agency_id) | _open_link_to(agency_id, "enrolment__worker"))

    def valid_on(self, day: datetime.date):
        return self.filter(issued_on__lte=day, expires_on__gte=day)


class Certificate(models.Model):
    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, related_name="certificate", verbose_name=_("enrolment"))
    number = models.CharField(_("certificate number"), max_length=20, unique=True)
    issued_on = models.DateField(_("issued on"))
    # Valid through this date.
    expires_on = models.DateField(_("valid through"))
    public_token = models.CharField(max_length=32, unique=True, default=new_certificate_token, editable=False)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("training certificate")
        verbose_name_plural = _("training certificates")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_on__gte=models.F("issued_on")), name="certificate_dates_in_order"),
        ]

    def __str__(self) -> str:
        return self.number

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.issued_on <= day <= self.expires_on
