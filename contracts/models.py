"""Bilateral agreements and their dated terms, foreign employers, job orders, contracts and deployment clearances.

Agreements are data: every term a contract is judged by (sectors, wage
floors, fee cap, deferred pay, length, courses, insurance, medical, quota) is
a row a registrar edits, versioned by the date it takes effect, so a contract
is judged by the terms in force on its start date and nothing about a
particular country is in code.

A contract lives draft → submitted → approved (or returned for correction,
or rejected) → cleared → deployed → completed, terminated early or
repatriated; it can be cancelled before deployment. Each milestone is also a
dated, indexed column, so reports count them without reading the
transition log.
"""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description
from simple_history.models import HistoricalRecords

from core.access import ScopedQuerySet, transition_permission
from core.choices import Currency
from core.dates import add_months

MONEY = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}
PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


def private_storage():
    from agencies.models import private_storage as agencies_private_storage

    return agencies_private_storage()


def new_public_token() -> str:
    return secrets.token_urlsafe(18)


# --- Reference data -----------------------------------------------------------------------------


class Country(models.Model):
    """A partner or destination country (ISO 3166-1 alpha-2 code)."""

    code = models.CharField(_("country code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Occupation(models.Model):
    """ISCO-08, all four levels; contracts and job orders name a unit group (4 digits)."""

    code = models.CharField(_("ISCO-08 code"), max_length=4, primary_key=True)
    level = models.PositiveSmallIntegerField(_("level"))
    title = models.CharField(_("title"), max_length=300)

    class Meta:
        verbose_name = _("occupation")
        verbose_name_plural = _("occupations")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def major_group(self) -> str:
        return self.code[:1]


class Sector(models.Model):
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WagePeriod(models.TextChoices):
    MONTH = "month", _("per month")
    WEEK = "week", _("per week")
    DAY = "day", _("per day")
    HOUR = "hour", _("per hour")


# --- Bilateral agreements --------------------------------------------------------------------------


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_FORCE = "in_force", _("In force")
    SUSPENDED = "suspended", _("Suspended")
    EXPIRED = "expired", _("Expired")


class AgreementQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        """Agencies recruit under agreements that are or were in force; drafts are the ministry's work."""
        return self.exclude(status=AgreementStatus.DRAFT)


class Agreement(ConcurrentTransitionMixin, models.Model):
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="agreements", verbose_name=_("partner country"))
    title = models.CharField(_("title"), max_length=300)
    reference = models.CharField(_("reference"), max_length=50, unique=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    in_force_from = models.DateField(_("in force from"))
    in_force_until = models.DateField(_("in force until"), null=True, blank=True, help_text=_("Leave empty when open-ended."))
    status = FSMField(_("status"), default=AgreementStatus.DRAFT, choices=AgreementStatus.choices, protected=True)
    status_reason = models.TextField(_("reason for the current status"), blank=True)

    objects = AgreementQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["status"])

    class Meta:
        verbose_name = _("bilateral agreement")
        verbose_name_plural = _("bilateral agreements")
        ordering = ["country__name", "-in_force_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(in_force_until__isnull=True) | Q(in_force_until__gte=models.F("in_force_from")),
                name="agreement_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    def is_in_force_on(self, day: datetime.date) -> bool:
        return (
            self.status == AgreementStatus.IN_FORCE
            and self.in_force_from <= day
            and (self.in_force_until is None or day <= self.in_force_until)
        )

    def terms_on(self, day: datetime.date) -> AgreementTerms | None:
        """The version of the terms in force on ``day``: the latest that took effect on or before it."""
        return self.terms.filter(effective_from__lte=day).order_by("-effective_from").first()

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=[AgreementStatus.DRAFT, AgreementStatus.SUSPENDED],
        target=AgreementStatus.IN_FORCE,
        permission=transition_permission("agreements.manage"),
    )
    def bring_into_force(self, by=None, description=None):
        self.status_reason = description or ""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=AgreementStatus.IN_FORCE,
        target=AgreementStatus.SUSPENDED,
        permission=transition_permission("agreements.manage"),
    )
    def suspend(self, by=None, description=None):
        self.status_reason = description or ""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=[AgreementStatus.IN_FORCE, AgreementStatus.SUSPENDED],
        target=AgreementStatus.EXPIRED,
        permission=transition_permission("agreements.manage"),
    )
    def expire(self, by=None, description=None):
        self.status_reason = description or ""


class AgreementTerms(models.Model):
    """One dated version of an agreement's terms. A change of terms is a new version, never an edit of a used one."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="terms", verbose_name=_("agreement"))
    effective_from = models.DateField(_("effective from"))
    max_contract_months = models.PositiveSmallIntegerField(_("longest contract (months)"), validators=[MinValueValidator(1)])
    max_worker_fee = models.DecimalField(
        _("most a worker may be charged in recruitment fees"), help_text=_("0 means the employer pays every fee."), **MONEY
    )
    fee_currency = models.CharField(_("fee currency"), max_length=3, choices=Currency.choices, default=Currency.LSL)
    insurance_required = models.BooleanField(_("insurance required"), default=False)
    medical_required = models.BooleanField(_("medical certificate required"), default=False)
    annual_quota = models.PositiveIntegerField(
        _("annual quota (contracts)"), null=True, blank=True, help_text=_("Leave empty when there is no quota.")
    )
    occupations = models.ManyToManyField(Occupation, related_name="+", verbose_name=_("occupations covered"))
    required_courses = models.ManyToManyField(
        "predeparture.Course", related_name="+", blank=True, verbose_name=_("required pre-departure courses")
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("agreement terms")
        verbose_name_plural = _("agreement terms")
        ordering = ["agreement", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "effective_from"], name="one_terms_version_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.agreement.reference} ({self.effective_from})"

    def sector_terms_for(self, sector_id: int) -> SectorTerms | None:
        return next((row for row in self.sectors.all() if row.sector_id == sector_id), None)


class SectorTerms(models.Model):
    """A sector an agreement covers, with its wage floor and deferred-pay share."""

    terms = models.ForeignKey(AgreementTerms, on_delete=models.CASCADE, related_name="sectors", verbose_name=_("terms"))
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="+", verbose_name=_("sector"))
    wage_floor = models.DecimalField(_("wage floor"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    period = models.CharField(_("period"), max_length=5, choices=WagePeriod.choices, default=WagePeriod.MONTH)
    deferred_pay_percent = models.DecimalField(
        _("deferred pay (% of wage)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT,
        help_text=_("Leave empty when the agreement has no deferred pay for this sector."),
    )

    class Meta:
        verbose_name = _("sector terms")
        verbose_name_plural = _("sector terms")
        ordering = ["terms", "sector__name"]
        constraints = [models.UniqueConstraint(fields=["terms", "sector"], name="one_row_per_sector_and_terms")]

    def __str__(self) -> str:
        return f"{self.sector}: {self.wage_floor} {self.currency} {self.get_period_display()}"


# --- Foreign employers ---------------------------------------------------------------------------


class EmployerQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        """Employers are shared: every agency may recruit for any of them (blacklisted ones are refused by the rules)."""
        return self.all()


class Employer(models.Model):
    name = models.CharField(_("name"), max_length=200)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="employers", verbose_name=_("country"))
    registration_number = models.CharField(_("registration number"), max_length=60)
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="employers", verbose_name=_("sector"))
    address = models.TextField(_("address"))
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    blacklisted = models.BooleanField(_("blacklisted"), default=False)
    blacklist_reason = models.TextField(_("reason for blacklisting"), blank=True)
    blacklisted_at = models.DateTimeField(_("blacklisted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = EmployerQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("foreign employer")
        verbose_name_plural = _("foreign employers")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "registration_number"],
                name="employer_registration_unique",
                violation_error_message=_("An employer with this registration number is already recorded in this country."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country_id})"


# --- Job orders -------------------------------------------------------------------------------------


class JobOrderStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class JobOrderQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        return self.filter(agency_id=agency_id)


def _demand_letter_path(instance: JobOrder, filename: str) -> str:
    return f"job-orders/{instance.agency_id}/{secrets.token_hex(16)}"


class JobOrder(ConcurrentTransitionMixin, models.Model):
    """A foreign employer's demand, recorded by the agency and approved by a registrar before anyone is recruited."""

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="job_orders", verbose_name=_("agency"))
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="job_orders", verbose_name=_("employer"))
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="job_orders", verbose_name=_("agreement"))
    occupation = models.ForeignKey(Occupation, on_delete=models.PROTECT, related_name="+", verbose_name=_("occupation"))
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="+", verbose_name=_("sector"))
    positions = models.PositiveIntegerField(_("positions"), validators=[MinValueValidator(1)])
    wage_amount = models.DecimalField(_("wage"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    wage_period = models.CharField(_("wage period"), max_length=5, choices=WagePeriod.choices, default=WagePeriod.MONTH)
    days_per_month = models.PositiveSmallIntegerField(
        _("working days per month"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    hours_per_week = models.DecimalField(
        _("hours per week"), max_digits=4, decimal_places=1, validators=[MinValueValidator(1), MaxValueValidator(84)]
    )
    contract_months = models.PositiveSmallIntegerField(_("contract length (months)"), validators=[MinValueValidator(1)])
    work_place = models.CharField(_("place of work"), max_length=200)
    valid_from = models.DateField(_("recruitment open from"))
    valid_until = models.DateField(_("recruitment open until"))
    demand_letter = models.FileField(_("signed demand letter"), upload_to=_demand_letter_path, storage=private_storage)
    demand_letter_name = models.CharField(_("file name"), max_length=255)
    demand_letter_type = models.CharField(_("type"), max_length=50)
    status = FSMField(_("status"), default=JobOrderStatus.SUBMITTED, choices=JobOrderStatus.choices, protected=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = JobOrderQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["status"])

    class Meta:
        verbose_name = _("job order")
        verbose_name_plural = _("job orders")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("valid_from")), name="job_order_dates_in_order"),
            models.CheckConstraint(condition=Q(positions__gte=1), name="job_order_positions_positive"),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="job_order_queue_idx"),
            models.Index(fields=["-submitted_at", "-id"], name="job_order_submitted_idx"),
            models.Index(fields=["agency", "-submitted_at", "-id"], name="job_order_agency_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.occupation.title} ({self.employer.name})"

    def is_open_on(self, day: datetime.date) -> bool:
        return self.status == JobOrderStatus.APPROVED and self.valid_from <= day <= self.valid_until

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=JobOrderStatus.SUBMITTED,
        target=JobOrderStatus.APPROVED,
        permission=transition_permission("job_orders.decide"),
    )
    def approve(self, by=None, description=None):
        self.decision_reason = description or ""
        self.decided_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=JobOrderStatus.SUBMITTED,
        target=JobOrderStatus.REJECTED,
        permission=transition_permission("job_orders.decide"),
    )
    def reject(self, by=None, description=None):
        self.decision_reason = description or ""
        self.decided_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=[JobOrderStatus.SUBMITTED, JobOrderStatus.APPROVED],
        target=JobOrderStatus.WITHDRAWN,
        permission=transition_permission("job_orders.manage"),
    )
    def withdraw(self, by=None, description=None):
        self.decision_reason = description or ""


# --- Contracts -----------------------------------------------------------------------------------


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CLEARED = "cleared", _("Cleared for deployment")
    DEPLOYED = "deployed", _("Deployed")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Terminated early")
    REPATRIATED = "repatriated", _("Repatriated")
    CANCELLED = "cancelled", _("Cancelled")


# A contract holds a job-order position (and a quota place) from approval until it is cancelled.
HOLDS_POSITION = [
    ContractStatus.APPROVED,
    ContractStatus.CLEARED,
    ContractStatus.DEPLOYED,
    ContractStatus.COMPLETED,
    ContractStatus.TERMINATED,
    ContractStatus.REPATRIATED,
]
# A worker can be under only one of these at a time (the overlap rule).
LIVE_STATES = [ContractStatus.SUBMITTED, ContractStatus.APPROVED, ContractStatus.CLEARED, ContractStatus.DEPLOYED]
EDITABLE_STATES = [ContractStatus.DRAFT, ContractStatus.RETURNED]
# Cancelling is possible until the worker has left.
CANCELLABLE_STATES = [
    ContractStatus.DRAFT,
    ContractStatus.SUBMITTED,
    ContractStatus.RETURNED,
    ContractStatus.APPROVED,
    ContractStatus.CLEARED,
]
ENDED_STATES = [ContractStatus.COMPLETED, ContractStatus.TERMINATED, ContractStatus.REPATRIATED]


class ContractQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        return self.filter(agency_id=agency_id)

    def overdue_return(self, on: datetime.date):
        """Deployed contracts past their end date with no return recorded: the follow-up list."""
        return self.filter(status=ContractStatus.DEPLOYED, end_date__lt=on)


def _signed_copy_path(instance: Contract, filename: str) -> str:
    return f"contracts/{instance.agency_id}/{secrets.token_hex(16)}"


class Contract(ConcurrentTransitionMixin, models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    worker = models.ForeignKey("workers.Worker", on_delete=models.PROTECT, related_name="contracts", verbose_name=_("worker"))
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="contracts", verbose_name=_("agency"))
    job_order = models.ForeignKey(JobOrder, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("job order"))
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("employer"))
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("agreement"))
    occupation = models.ForeignKey(Occupation, on_delete=models.PROTECT, related_name="+", verbose_name=_("occupation"))
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="+", verbose_name=_("sector"))
    job_title = models.CharField(_("job title"), max_length=200)
    work_place = models.CharField(_("place of work"), max_length=200)
    wage_amount = models.DecimalField(_("wage"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    wage_period = models.CharField(_("wage period"), max_length=5, choices=WagePeriod.choices, default=WagePeriod.MONTH)
    days_per_month = models.PositiveSmallIntegerField(
        _("working days per month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("Needed when the wage is per day."),
    )
    hours_per_week = models.DecimalField(
        _("hours per week"), max_digits=4, decimal_places=1, validators=[MinValueValidator(1), MaxValueValidator(84)]
    )
    start_date = models.DateField(_("start date"), db_index=True)
    end_date = models.DateField(_("end date"), db_index=True)
    recruitment_fee = models.DecimalField(_("recruitment fee charged to the worker"), default=Decimal("0"), **MONEY)
    deferred_pay_percent = models.DecimalField(
        _("deferred pay (% of wage)"), max_digits=5, decimal_places=2, default=Decimal("0"), validators=PERCENT
    )
    accommodation_provided = models.BooleanField(_("accommodation provided"), default=False)
    transport_provided = models.BooleanField(_("transport provided"), default=False)
    insurer = models.CharField(_("insurer"), max_length=200, blank=True)
    insurance_policy = models.CharField(_("insurance policy number"), max_length=60, blank=True)
    insurance_until = models.DateField(_("insurance cover until"), null=True, blank=True)
    medical_on = models.DateField(_("medical certificate date"), null=True, blank=True)
    medical_until = models.DateField(_("medical certificate valid until"), null=True, blank=True)

    status = FSMField(_("status"), default=ContractStatus.DRAFT, choices=ContractStatus.choices, protected=True, db_index=True)
    status_reason = models.TextField(_("reason for the current status"), blank=True)
    # The rule results, stored each time they are worked out: [{code, severity, passed, params}].
    compliance = models.JSONField(_("compliance results"), default=list, blank=True)
    compliance_checked_at = models.DateTimeField(_("compliance checked at"), null=True, blank=True)
    warnings_override = models.TextField(_("reason for approving over warnings"), blank=True)

    # Milestones, dated and indexed for the reports.
    created_at = models.DateTimeField(_("drafted at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, db_index=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, db_index=True)
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True, db_index=True)
    departed_on = models.DateField(_("departed on"), null=True, blank=True, db_index=True)
    departure_border_post = models.CharField(_("border post of departure"), max_length=100, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True, db_index=True)
    return_border_post = models.CharField(_("border post of return"), max_length=100, blank=True)
    ending_reminded_at = models.DateTimeField(_("end-of-contract SMS sent at"), null=True, blank=True)

    signed_copy = models.FileField(
        _("signed copy"), upload_to=_signed_copy_path, storage=private_storage, blank=True, max_length=200
    )
    signed_copy_name = models.CharField(_("file name"), max_length=255, blank=True)
    signed_copy_type = models.CharField(_("type"), max_length=50, blank=True)
    signed_copy_uploaded_at = models.DateTimeField(_("signed copy uploaded at"), null=True, blank=True)

    objects = ContractQuerySet.as_manager()
    # The history is read one contract at a time (by ``id``, newest first: core.history): copies of the contract's own
    # indexes would only slow every save (and the million-contract load, issue 9) down.
    history = HistoricalRecords(
        excluded_fields=["status", "compliance", "compliance_checked_at", "signed_copy"],
        no_db_index=["reference", "worker", "agency", "job_order", "employer", "agreement", "occupation", "sector",
                     "start_date", "end_date", "submitted_at", "approved_at", "cleared_at", "departed_on", "ended_on",
                     "created_by"],
    )

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="contract_ends_after_start"),
        ]
        # The list pages sort newest first and read 51 rows: each index below serves one of them without a sort
        # (everyone's, a status queue, one agency's, one agency's by status).
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="contract_created_idx"),
            models.Index(fields=["status", "-created_at", "-id"], name="contract_status_created_idx"),
            models.Index(fields=["agency", "-created_at", "-id"], name="contract_agency_created_idx"),
            models.Index(fields=["agency", "status", "-created_at", "-id"], name="contract_agency_status_idx"),
            # The registrar's dashboard: the oldest submitted contracts first, and the deployed ones past their end
            # date (the overdue-return count and filter). Without them, 1.2 s and 0.6 s at two million contracts.
            models.Index(
                fields=["submitted_at", "id"], name="contract_submitted_queue_idx", condition=models.Q(status="submitted")
            ),
            models.Index(fields=["end_date"], name="contract_deployed_end_idx", condition=models.Q(status="deployed")),
            # The inspection risk ranking's workers deployed now, per agency: 140 ms to 36 ms at two million contracts.
            models.Index(fields=["agency"], name="contract_deployed_agency_idx", condition=models.Q(status="deployed")),
            # The quota figure too: an agreement's contracts holding a place that start in a year.
            models.Index(fields=["agreement", "status", "start_date"], name="contract_agreement_status_idx"),
            models.Index(fields=["worker", "status"], name="contract_worker_status_idx"),
            # The compliance figures (reports.figures) read one agreement's contracts whose milestone falls in a period.
            # Each index carries the columns its figures read (INCLUDE on PostgreSQL), so they are counted from the
            # index alone instead of fetching hundreds of thousands of wide rows (the stored rule results make a
            # contract's row about 2 kB): the wage, fee and deferred-pay figures of contracts submitted, the
            # breakdowns of contracts approved, workers abroad and training at departure, endings by status.
            models.Index(
                fields=["agreement", "submitted_at"],
                include=[
                    "start_date",
                    "sector",
                    "currency",
                    "wage_amount",
                    "wage_period",
                    "days_per_month",
                    "hours_per_week",
                    "recruitment_fee",
                    "deferred_pay_percent",
                ],
                name="contract_agr_submitted_idx",
            ),
            models.Index(
                fields=["agreement", "approved_at"],
                include=["sector", "occupation", "employer", "agency", "worker", "start_date"],
                name="contract_agr_approved_idx",
            ),
            models.Index(fields=["agreement", "cleared_at"], name="contract_agr_cleared_idx"),
            models.Index(
                fields=["agreement", "departed_on"],
                include=["ended_on", "worker", "start_date"],
                name="contract_agr_departed_idx",
            ),
            models.Index(fields=["agreement", "ended_on", "status"], name="contract_agr_ended_idx"),
            # The agencies and workers under an agreement (the oversight and SMS figures, the lists' "under agreement"
            # filters), probed one agency or worker at a time.
            models.Index(fields=["agency", "agreement"], name="contract_agency_agreement_idx"),
            models.Index(fields=["worker", "agreement"], name="contract_worker_agreement_idx"),
            # And, on PostgreSQL only, contract_rules_not_passed_idx (migration 0009): the contracts with a rule failed
            # or not checked, for the rule table.
        ]

    def __str__(self) -> str:
        return self.reference

    # --- Derived terms

    @property
    def length_months(self) -> int:
        return months_between(self.start_date, self.end_date)

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATES

    def is_overdue_return(self, on: datetime.date) -> bool:
        return self.status == ContractStatus.DEPLOYED and self.end_date < on

    # --- Transitions (the services lock, check and save; see contracts/services.py)

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=EDITABLE_STATES,
        target=ContractStatus.SUBMITTED,
        permission=transition_permission("contracts.draft"),
    )
    def submit(self, by=None, description=None):
        self.submitted_at = timezone.now()
        self.status_reason = ""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=ContractStatus.SUBMITTED,
        target=ContractStatus.RETURNED,
        permission=transition_permission("contracts.decide"),
    )
    def return_for_correction(self, by=None, description=None):
        self.status_reason = description or ""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=ContractStatus.SUBMITTED,
        target=ContractStatus.APPROVED,
        permission=transition_permission("contracts.decide"),
    )
    def approve(self, by=None, description=None):
        self.approved_at = timezone.now()
        self.status_reason = ""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=ContractStatus.SUBMITTED,
        target=ContractStatus.REJECTED,
        permission=transition_permission("contracts.decide"),
    )
    def reject(self, by=None, description=None):
        self.status_reason = description or ""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=ContractStatus.APPROVED,
        target=ContractStatus.CLEARED,
        permission=transition_permission("contracts.clear"),
    )
    def clear(self, by=None, description=None):
        self.cleared_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=ContractStatus.CLEARED,
        target=ContractStatus.DEPLOYED,
        permission=transition_permission("contracts.movements"),
    )
    def depart(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=ContractStatus.DEPLOYED,
        target=ContractStatus.COMPLETED,
        permission=transition_permission("contracts.movements"),
    )
    def complete(self, by=None, description=None):
        self.status_reason = description or ""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=ContractStatus.DEPLOYED,
        target=ContractStatus.TERMINATED,
        permission=transition_permission("contracts.movements"),
    )
    def terminate(self, by=None, description=None):
        self.status_reason = description or ""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=ContractStatus.DEPLOYED,
        target=ContractStatus.REPATRIATED,
        permission=transition_permission("contracts.movements"),
    )
    def repatriate(self, by=None, description=None):
        self.status_reason = description or ""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=CANCELLABLE_STATES,
        target=ContractStatus.CANCELLED,
        permission=transition_permission("contracts.cancel"),
    )
    def cancel(self, by=None, description=None):
        self.status_reason = description or ""


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Length of a contract in months, a started month counting whole: 1 Jan to 31 Dec is 12."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    months = max(months, 0)
    while add_months(start, months) <= end:
        months += 1
    while months > 1 and add_months(start, months - 1) > end:
        months -= 1
    return months


# --- Deployment clearance --------------------------------------------------------------------------


class ClearanceQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        return self.filter(contract__agency_id=agency_id)


class DeploymentClearance(models.Model):
    """The ministry's permission for one worker to leave under one approved contract; border officials check it."""

    contract = models.OneToOneField(Contract, on_delete=models.PROTECT, related_name="clearance", verbose_name=_("contract"))
    number = models.CharField(_("clearance number"), max_length=20, unique=True)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    automatic = models.BooleanField(_("issued automatically"), default=False)
    public_token = models.CharField(max_length=32, unique=True, default=new_public_token, editable=False)

    objects = ClearanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("deployment clearance")
        verbose_name_plural = _("deployment clearances")
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return self.number

    def is_valid_on(self, day: datetime.date) -> bool:
        """Void once the contract is cancelled or over; otherwise valid from issue through ``valid_until``."""
        live = self.contract.status in (ContractStatus.CLEARED, ContractStatus.DEPLOYED)
        return live and self.issued_on <= day <= self.valid_until


def open_positions_filter(on: datetime.date):
    """Job orders that are approved and open on ``on`` (positions are counted separately, under a lock)."""
    return Q(status=JobOrderStatus.APPROVED, valid_from__lte=on, valid_until__gte=on)


def open_link_exists(agency_field: str = "agency", worker_field: str = "worker"):
    from workers.models import AgencyWorker

    return Exists(
        AgencyWorker.objects.filter(worker=OuterRef(worker_field), agency=OuterRef(agency_field), ended_at__isnull=True)
    )
