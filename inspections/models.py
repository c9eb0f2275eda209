"""Labour inspections: inspectors and their availability, audit plans, audits with their checklist and report,
findings, corrective actions, sanction recommendations, and workers' complaints.

An audit lives planned → scheduled → in progress → report submitted →
reviewed → closed, or cancelled with a reason. A plan is a proposal until the
chief inspector confirms it: only then are its audits created.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from core import access
from core.access import Role, ScopedQuerySet, transition_permission
from core.choices import District, Language

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


def private_storage():
    from agencies.models import private_storage as agencies_private_storage

    return agencies_private_storage()


def _evidence_path(instance, filename: str) -> str:
    return f"inspections/evidence/{secrets.token_hex(16)}"


# --- Inspectors ------------------------------------------------------------------------------------


class InspectorProfile(models.Model):
    """What the planner needs to know of an inspector."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inspector_profile", verbose_name=_("inspector")
    )
    home_district = models.CharField(_("home district"), max_length=20, choices=District.choices)
    # Weekday numbers, Monday = 0, e.g. "01234" for Monday to Friday.
    working_weekdays = models.CharField(_("working days"), max_length=7, default="01234")
    max_audits_per_week = models.PositiveSmallIntegerField(
        _("most audits a week"), default=3, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("inspector profile")
        verbose_name_plural = _("inspector profiles")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.username

    @property
    def weekdays(self) -> frozenset[int]:
        return frozenset(int(day) for day in self.working_weekdays if day.isdigit())


class InspectorLeave(models.Model):
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inspector_leave", verbose_name=_("inspector")
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("leave")
        verbose_name_plural = _("leave")
        ordering = ["starts_on"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="leave_dates_in_order")]

    def __str__(self) -> str:
        return f"{self.inspector}: {self.starts_on} – {self.ends_on}"


class ConflictOfInterest(models.Model):
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="declared_conflicts", verbose_name=_("inspector")
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+", verbose_name=_("agency"))
    note = models.CharField(_("why"), max_length=300)
    declared_at = models.DateTimeField(_("declared at"), default=timezone.now)

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [models.UniqueConstraint(fields=["inspector", "agency"], name="one_conflict_per_pair")]

    def __str__(self) -> str:
        return f"{self.inspector} / {self.agency}"


class PublicHoliday(models.Model):
    """A day no audit is planned on. Data, not code: the chief inspector adds the year's holidays (seeded to 2035)."""

    day = models.DateField(_("day"), unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {self.name}"


# --- Plans -----------------------------------------------------------------------------------------------


class PlanStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    DISCARDED = "discarded", _("Discarded")


class AuditPlan(models.Model):
    starts_on = models.DateField(_("period from"))
    ends_on = models.DateField(_("period to"))
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.PROPOSED)
    # Agencies the planner could not fit, with its reason codes: [{"agency_id", "reasons": [...]}].
    unplaced = models.JSONField(_("not fitted"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit plan")
        verbose_name_plural = _("audit plans")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="plan_dates_in_order")]

    def __str__(self) -> str:
        return f"{self.starts_on} – {self.ends_on}"


class AuditKind(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    RENEWAL = "renewal", _("Licence renewal")
    COMPLAINT = "complaint", _("Complaint-driven")
    FOLLOW_UP = "follow_up", _("Follow-up")


class PlanItem(models.Model):
    """One proposed audit; the chief inspector may change its inspector and day before confirming."""

    plan = models.ForeignKey(AuditPlan, on_delete=models.CASCADE, related_name="items", verbose_name=_("plan"))
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+", verbose_name=_("agency"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("inspector")
    )
    day = models.DateField(_("day"))
    reason = models.CharField(_("why"), max_length=20)  # "statutory" or "risk"
    risk = models.PositiveIntegerField(_("risk score"), default=0)

    class Meta:
        verbose_name = _("planned audit")
        verbose_name_plural = _("planned audits")
        ordering = ["day", "inspector_id", "pk"]

    def __str__(self) -> str:
        return f"{self.day} {self.agency_id}/{self.inspector_id}"


# --- Audits ---------------------------------------------------------------------------------------------


class AuditStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    REPORT_SUBMITTED = "report_submitted", _("Report submitted")
    REVIEWED = "reviewed", _("Reviewed")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_AUDIT_STATES = [AuditStatus.PLANNED, AuditStatus.SCHEDULED, AuditStatus.IN_PROGRESS, AuditStatus.REPORT_SUBMITTED]


def only_inspector(user) -> bool:
    """An inspector who is not the chief sees only their own audits."""
    roles = access.roles_of(user) & access.MINISTRY_ROLES
    return Role.INSPECTOR in roles and Role.CHIEF_INSPECTOR not in roles and not (roles - {Role.INSPECTOR, Role.TRAINER})


class AuditQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        """An agency sees its audits once they are announced or done; an unannounced visit stays unseen until it starts."""
        visible = Q(announced=True) | ~Q(status__in=[AuditStatus.PLANNED, AuditStatus.SCHEDULED])
        return self.filter(Q(agency_id=agency_id) & visible).exclude(status=AuditStatus.PLANNED)

    def for_ministry(self, user):
        if only_inspector(user):
            return self.filter(inspector=user)
        return self.all()


class Audit(ConcurrentTransitionMixin, models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="audits", verbose_name=_("agency"))
    kind = models.CharField(_("kind"), max_length=12, choices=AuditKind.choices, default=AuditKind.ROUTINE)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="audits", verbose_name=_("inspector")
    )
    scheduled_on = models.DateField(_("date"), db_index=True)
    announced = models.BooleanField(_("announced to the agency"), default=True)
    plan = models.ForeignKey(AuditPlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="audits")
    complaint = models.ForeignKey(
        "Complaint", null=True, blank=True, on_delete=models.SET_NULL, related_name="audits", verbose_name=_("complaint")
    )
    follow_up_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups", verbose_name=_("follow-up of")
    )
    risk_at_planning = models.PositiveIntegerField(_("risk score when planned"), default=0)
    status = FSMField(_("status"), default=AuditStatus.PLANNED, choices=AuditStatus.choices, protected=True, db_index=True)
    status_reason = models.TextField(_("reason"), blank=True)
    workers_interviewed = models.PositiveIntegerField(_("workers interviewed"), null=True, blank=True)
    summary = models.TextField(_("summary of the report"), blank=True)
    review_note = models.TextField(_("chief inspector's review"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("report submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = AuditQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["status"])

    class Meta:
        verbose_name = _("audit")
        verbose_name_plural = _("audits")
        ordering = ["-scheduled_on", "-pk"]
        indexes = [
            models.Index(fields=["inspector", "scheduled_on"], name="audit_inspector_day_idx"),
            models.Index(fields=["agency", "status"], name="audit_agency_status_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    def kind_for(self, user) -> str:
        """The kind as ``user`` may read it: an agency is not told an audit came from a complaint (it could guess who)."""
        if self.kind == AuditKind.COMPLAINT and not access.is_ministry(user):
            return str(_("Unscheduled"))
        return self.get_kind_display()

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status, source=AuditStatus.PLANNED, target=AuditStatus.SCHEDULED, permission=transition_permission("audits.plan")
    )
    def schedule(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=[AuditStatus.PLANNED, AuditStatus.SCHEDULED],
        target=AuditStatus.IN_PROGRESS,
        permission=transition_permission("audits.conduct"),
    )
    def start(self, by=None, description=None):
        self.started_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=AuditStatus.IN_PROGRESS,
        target=AuditStatus.REPORT_SUBMITTED,
        permission=transition_permission("audits.conduct"),
    )
    def submit_report(self, by=None, description=None):
        self.submitted_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=AuditStatus.REPORT_SUBMITTED,
        target=AuditStatus.IN_PROGRESS,
        permission=transition_permission("audits.review"),
    )
    def send_back(self, by=None, description=None):
        self.status_reason = description or ""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=AuditStatus.REPORT_SUBMITTED,
        target=AuditStatus.REVIEWED,
        permission=transition_permission("audits.review"),
    )
    def review(self, by=None, description=None):
        self.reviewed_at = timezone.now()
        self.review_note = description or ""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status, source=AuditStatus.REVIEWED, target=AuditStatus.CLOSED, permission=transition_permission("audits.review")
    )
    def close(self, by=None, description=None):
        self.closed_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=[AuditStatus.PLANNED, AuditStatus.SCHEDULED, AuditStatus.IN_PROGRESS],
        target=AuditStatus.CANCELLED,
        permission=transition_permission("audits.plan"),
    )
    def cancel(self, by=None, description=None):
        self.status_reason = description or ""


# --- Checklist and report -------------------------------------------------------------------------------


class ChecklistCategory(models.TextChoices):
    FEES = "fees", _("Recruitment fees and costs")
    CONTRACTS = "contracts", _("Contracts")
    DOCUMENTS = "documents", _("Identity documents")
    ADVERTISING = "advertising", _("Advertising")
    RECORDS = "records", _("Records")
    COMPLAINTS = "complaints", _("Complaints channel")
    INTERVIEWS = "interviews", _("Worker interviews")


class ChecklistItem(models.Model):
    """A question of the audit checklist (seeded by a data migration from fair-recruitment principles)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=ChecklistCategory.choices)
    text = models.CharField(_("question"), max_length=300)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class Answer(models.TextChoices):
    COMPLIANT = "compliant", _("Compliant")
    NON_COMPLIANT = "non_compliant", _("Non-compliant")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")


class ChecklistAnswer(models.Model):
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="answers", verbose_name=_("audit"))
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    answer = models.CharField(_("answer"), max_length=15, choices=Answer.choices, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    # For a non-compliant item: what the agency must do, and by when (becomes the finding's corrective action).
    action_required = models.TextField(_("corrective action required"), blank=True)
    action_due_on = models.DateField(_("corrective action due by"), null=True, blank=True)

    class Meta:
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        constraints = [models.UniqueConstraint(fields=["audit", "item"], name="one_answer_per_item")]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.answer or '—'}"


class EvidenceQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        """Agencies see the evidence they sent in answer to corrective actions, not the inspector's."""
        return self.filter(action__finding__audit__agency_id=agency_id)


class Evidence(models.Model):
    """A photo or scan: attached by the inspector to an answer, or by the agency to a corrective action's response."""

    answer = models.ForeignKey(ChecklistAnswer, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence")
    action = models.ForeignKey("CorrectiveAction", null=True, blank=True, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("file"), upload_to=_evidence_path, storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=50)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.CheckConstraint(
                condition=Q(answer__isnull=False, action__isnull=True) | Q(answer__isnull=True, action__isnull=False),
                name="evidence_belongs_to_one_thing",
            )
        ]

    def __str__(self) -> str:
        return self.original_name


# --- Findings and corrective actions -----------------------------------------------------------------------


class FindingQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        return self.filter(audit__agency_id=agency_id, audit__status__in=[AuditStatus.REVIEWED, AuditStatus.CLOSED])

    def for_ministry(self, user):
        if only_inspector(user):
            return self.filter(audit__inspector=user)
        return self.all()

    def open(self):
        return self.filter(closed_at__isnull=True)


class Finding(models.Model):
    """A non-compliant checklist item, with its severity; closed when all its corrective actions are accepted."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="findings", verbose_name=_("audit"))
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("checklist item"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    description = models.TextField(_("what was found"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["audit", "-severity", "pk"]
        constraints = [models.UniqueConstraint(fields=["audit", "item"], name="one_finding_per_item")]

    def __str__(self) -> str:
        return f"{self.audit.reference} {self.item.code} ({self.get_severity_display()})"


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the agency")
    RESPONDED = "responded", _("Answered by the agency")
    ACCEPTED = "accepted", _("Accepted")


class CorrectiveActionQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        return self.filter(
            finding__audit__agency_id=agency_id, finding__audit__status__in=[AuditStatus.REVIEWED, AuditStatus.CLOSED]
        )

    def for_ministry(self, user):
        if only_inspector(user):
            return self.filter(finding__audit__inspector=user)
        return self.all()

    def overdue(self, on: datetime.date):
        return self.filter(status=ActionStatus.OPEN, due_on__lt=on)


class CorrectiveAction(models.Model):
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="actions", verbose_name=_("finding"))
    description = models.TextField(_("what the agency must do"))
    due_on = models.DateField(_("due by"), db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    response = models.TextField(_("the agency's answer"), blank=True)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    decision_note = models.TextField(_("inspector's note"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(_("flagged overdue at"), null=True, blank=True)

    objects = CorrectiveActionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.description[:60]

    def is_overdue(self, on: datetime.date) -> bool:
        return self.status == ActionStatus.OPEN and self.due_on < on


# --- Sanction recommendations ----------------------------------------------------------------------------------


class RecommendationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the licensing officer")
    DECIDED = "decided", _("Acted on")
    DECLINED = "declined", _("Declined")


class SanctionRecommendation(models.Model):
    """The chief inspector recommends suspending or revoking a licence after a critical finding; a licensing officer decides."""

    ACTIONS = [("suspend", _("Suspend the licence")), ("revoke", _("Revoke the licence"))]

    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="recommendations", verbose_name=_("audit"))
    action = models.CharField(_("recommendation"), max_length=10, choices=ACTIONS)
    reason = models.TextField(_("reason"))
    recommended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recommended_at = models.DateTimeField(_("recommended at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=RecommendationStatus.choices, default=RecommendationStatus.PENDING
    )
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision"), blank=True)

    class Meta:
        verbose_name = _("sanction recommendation")
        verbose_name_plural = _("sanction recommendations")
        ordering = ["-recommended_at"]
        constraints = [
            models.UniqueConstraint(fields=["audit"], condition=Q(status="pending"), name="one_pending_recommendation_per_audit")
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.audit_id})"


# --- Complaints ------------------------------------------------------------------------------------------------


class ComplaintCategory(models.TextChoices):
    FEES = "fees", _("Fees charged")
    SUBSTITUTION = "substitution", _("Contract substitution")
    WAGES = "wages", _("Wages unpaid")
    DOCUMENTS = "documents", _("Documents withheld")
    ABUSE = "abuse", _("Abuse")
    OTHER = "other", _("Other")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    TRIAGED = "triaged", _("Being looked into")
    RESOLVED = "resolved", _("Resolved")
    DISMISSED = "dismissed", _("Dismissed")


OPEN_COMPLAINT_STATES = [ComplaintStatus.RECEIVED, ComplaintStatus.TRIAGED]


class ComplaintChannel(models.TextChoices):
    WEB = "web", _("Recorded by ministry staff")
    SMS = "sms", _("By SMS")


class ComplaintQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        """Agencies never see complaints against them: the complainant could be identified or pressured."""
        return self.none()


class Complaint(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="complaints", verbose_name=_("agency"))
    category = models.CharField(_("category"), max_length=15, choices=ComplaintCategory.choices)
    description = models.TextField(_("what happened"))
    channel = models.CharField(_("received"), max_length=5, choices=ComplaintChannel.choices, default=ComplaintChannel.WEB)
    # Who complained: seen only by inspectors and the chief inspector ("complaints.identity").
    worker = models.ForeignKey(
        "workers.Worker", null=True, blank=True, on_delete=models.SET_NULL, related_name="complaints", verbose_name=_("worker")
    )
    complainant_name = models.CharField(_("complainant's name"), max_length=200, blank=True)
    complainant_phone = PhoneNumberField(_("complainant's phone"), blank=True)
    complainant_language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.SESOTHO)
    status = models.CharField(_("status"), max_length=10, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED)
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    due_on = models.DateField(_("answer due by"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    triage_note = models.TextField(_("triage note"), blank=True)
    escalated_at = models.DateTimeField(_("escalated to the chief inspector at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    resolution = models.TextField(_("outcome"), blank=True)

    objects = ComplaintQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["agency", "received_at"], name="complaint_agency_idx")]

    def __str__(self) -> str:
        return self.reference

    def timeliness(self, on: datetime.date) -> str:
        """on_time, due_soon (within 2 days) or late; closed complaints are judged by when they closed."""
        day = timezone.localdate(self.resolved_at) if self.resolved_at else on
        if day > self.due_on:
            return "late"
        if self.resolved_at is None and (self.due_on - day).days <= 2:
            return "due_soon"
        return "on_time"
