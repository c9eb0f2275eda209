"""Recruitment agencies, their licence applications and their licences.

Read in the order a record lives: the agency and its people; the
application (draft → submitted → under review ⇄ information requested →
approved or rejected; withdrawn before a decision); the licence (active ⇄
suspended; revoked, final; expired by the scheduled job).
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from core.access import ScopedQuerySet, transition_permission
from core.choices import Currency, District
from core.text import normalise_reference

# --- Agency and its people -----------------------------------------------------


class AgencyQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        return self.filter(pk=agency_id)


class AgencyStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DISABLED = "disabled", _("Disabled")


class Agency(ConcurrentTransitionMixin, models.Model):
    legal_name = models.CharField(_("legal name"), max_length=200)
    trading_name = models.CharField(_("trading name"), max_length=200, blank=True)
    registration_number = models.CharField(_("company registration number"), max_length=50, unique=True)
    tax_number = models.CharField(_("tax number"), max_length=50, blank=True)
    physical_address = models.TextField(_("physical address"), blank=True)
    district = models.CharField(_("district"), max_length=20, choices=District.choices)
    phone = PhoneNumberField(_("phone"), blank=True)
    mobile = PhoneNumberField(_("mobile for SMS"), blank=True, help_text=_("Licence reminders are sent here by SMS."))
    email = models.EmailField(_("e-mail"), blank=True)
    status = FSMField(_("account status"), default=AgencyStatus.ACTIVE, choices=AgencyStatus.choices, protected=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = AgencyQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["status"])  # state changes are in the transition log

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["legal_name"]

    # What __str__ shows, first non-empty: drop-downs of a thousand agencies read only these (core.lists.NamedChoiceIterator).
    NAME_FIELDS = ("trading_name", "legal_name")

    def __str__(self) -> str:
        return self.trading_name or self.legal_name

    @property
    def is_active(self) -> bool:
        return self.status == AgencyStatus.ACTIVE

    # --- Lifecycle of the account: active ⇄ disabled ------------------------

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=AgencyStatus.ACTIVE,
        target=AgencyStatus.DISABLED,
        permission=transition_permission("agencies.disable"),
    )
    def disable(self, by=None, description=None) -> None:
        """Ministry staff disable the account: its staff can no longer sign in to act for it."""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=AgencyStatus.DISABLED,
        target=AgencyStatus.ACTIVE,
        permission=transition_permission("agencies.disable"),
    )
    def enable(self, by=None, description=None) -> None:
        """Ministry staff restore a disabled account."""


class MembershipQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        return self.filter(agency_id=agency_id)


class AgencyMembership(models.Model):
    """Links an agency-staff user to their one agency. Ending it ends their access at once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agency_membership", verbose_name=_("user")
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("agency"))
    is_manager = models.BooleanField(_("manager"), default=False)
    started_at = models.DateTimeField(_("since"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agency staff member")
        verbose_name_plural = _("agency staff")

    def __str__(self) -> str:
        return f"{self.user} @ {self.agency}"


class IdentityKind(models.TextChoices):
    NATIONAL_ID = "national_id", _("National ID")
    PASSPORT = "passport", _("Passport")


class DirectorQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        return self.filter(agency_id=agency_id)


class Director(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="directors", verbose_name=_("agency"))
    full_name = models.CharField(_("full name"), max_length=200)
    identity_kind = models.CharField(_("identity document"), max_length=12, choices=IdentityKind.choices)
    # Stored upper-case without spaces, so the barred-person check compares like with like.
    identity_number = models.CharField(_("national ID or passport number"), max_length=30)
    nationality = models.CharField(_("nationality"), max_length=60, default="Lesotho")
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    objects = DirectorQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("director")
        verbose_name_plural = _("directors")
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "identity_number"], name="director_once_per_agency"),
        ]
        indexes = [models.Index(fields=["identity_number"], name="director_identity_idx")]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs) -> None:
        self.identity_number = normalise_reference(self.identity_number)
        super().save(*args, **kwargs)


class SecurityBondKind(models.TextChoices):
    BOND = "bond", _("Security bond")
    BANK_GUARANTEE = "bank_guarantee", _("Bank guarantee")


class SecurityBondQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        return self.filter(agency_id=agency_id)


class SecurityBond(models.Model):
    """The security bond or bank guarantee an agency lodges: a record, not only a file."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="bonds", verbose_name=_("agency"))
    kind = models.CharField(_("kind"), max_length=20, choices=SecurityBondKind.choices)
    issuer = models.CharField(_("issuer"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.LSL)
    reference = models.CharField(_("reference"), max_length=100)
    valid_until = models.DateField(_("valid until"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = SecurityBondQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("security bond or guarantee")
        verbose_name_plural = _("security bonds and guarantees")
        ordering = ["-valid_until"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="bond_amount_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference} ({self.issuer})"

    def covers(self, required_amount, on: datetime.date) -> bool:
        """Whether this bond is in force on ``on`` for at least ``required_amount`` (loti and rand are at par)."""
        at_par = self.currency in (Currency.LSL, Currency.ZAR)
        return at_par and self.valid_until >= on and self.amount >= required_amount


# --- Licence applications ---------------------------------------------------------


class ApplicationKind(models.TextChoices):
    NEW = "new", _("New licence")
    RENEWAL = "renewal", _("Renewal")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    INFORMATION_REQUESTED = "information_requested", _("More information requested")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_APPLICATION_STATES = [
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.INFORMATION_REQUESTED,
    ApplicationStatus.RESUBMITTED,
]
BEFORE_DECISION = OPEN_APPLICATION_STATES


class ApplicationQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        return self.filter(agency_id=agency_id)

    def open(self):
        return self.filter(status__in=OPEN_APPLICATION_STATES)


class LicenceApplication(ConcurrentTransitionMixin, models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="applications", verbose_name=_("agency"))
    kind = models.CharField(_("kind"), max_length=10, choices=ApplicationKind.choices, default=ApplicationKind.NEW)
    status = FSMField(_("status"), default=ApplicationStatus.DRAFT, choices=ApplicationStatus.choices, protected=True)
    renews = models.ForeignKey(
        "Licence", verbose_name=_("licence renewed"), null=True, blank=True, on_delete=models.PROTECT, related_name="renewals"
    )
    created_at = models.DateTimeField(_("started at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # The regulatory parameters as they stood on the submission date: the application is judged by them.
    fee_due = models.DecimalField(_("fee due"), max_digits=14, decimal_places=2, null=True, blank=True)
    bond_required = models.DecimalField(_("bond required"), max_digits=14, decimal_places=2, null=True, blank=True)
    validity_months = models.PositiveSmallIntegerField(_("licence validity (months)"), null=True, blank=True)
    bond = models.ForeignKey(
        SecurityBond, verbose_name=_("security bond or guarantee"), null=True, blank=True, on_delete=models.PROTECT
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("licensing officer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason given"), blank=True)
    information_request = models.TextField(_("information requested"), blank=True)
    licence = models.ForeignKey(
        "Licence", verbose_name=_("licence"), null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("licence application")
        verbose_name_plural = _("licence applications")
        ordering = ["-created_at"]
        constraints = [
            # At most one open application per agency, whatever the race.
            models.UniqueConstraint(
                fields=["agency"], condition=Q(status__in=OPEN_APPLICATION_STATES), name="one_open_application_per_agency"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        year = (self.submitted_at or self.created_at).year
        return f"APP-{year}-{self.pk:06d}" if self.pk else "APP-new"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_APPLICATION_STATES

    @property
    def awaits_ministry(self) -> bool:
        return self.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW, ApplicationStatus.RESUBMITTED)

    # --- Lifecycle: transitions only set fields; services check, save and tell people ---

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=ApplicationStatus.DRAFT,
        target=ApplicationStatus.SUBMITTED,
        permission=transition_permission("licensing.apply"),
    )
    def submit(self, by=None, description=None) -> None:
        self.submitted_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=[ApplicationStatus.SUBMITTED, ApplicationStatus.RESUBMITTED],
        target=ApplicationStatus.UNDER_REVIEW,
        permission=transition_permission("licensing.review"),
    )
    def start_review(self, by=None, description=None) -> None:
        self.officer = by

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=ApplicationStatus.UNDER_REVIEW,
        target=ApplicationStatus.INFORMATION_REQUESTED,
        permission=transition_permission("licensing.review"),
    )
    def request_information(self, by=None, description=None) -> None:
        self.information_request = description or ""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=ApplicationStatus.INFORMATION_REQUESTED,
        target=ApplicationStatus.RESUBMITTED,
        permission=transition_permission("licensing.apply"),
    )
    def resubmit(self, by=None, description=None) -> None:
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=ApplicationStatus.UNDER_REVIEW,
        target=ApplicationStatus.APPROVED,
        permission=transition_permission("licensing.decide"),
    )
    def approve(self, by=None, description=None) -> None:
        self.decided_at = timezone.now()
        self.decision_reason = description or ""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=ApplicationStatus.UNDER_REVIEW,
        target=ApplicationStatus.REJECTED,
        permission=transition_permission("licensing.decide"),
    )
    def reject(self, by=None, description=None) -> None:
        self.decided_at = timezone.now()
        self.decision_reason = description or ""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=BEFORE_DECISION,
        target=ApplicationStatus.WITHDRAWN,
        permission=transition_permission("licensing.apply"),
    )
    def withdraw(self, by=None, description=None) -> None:
        self.decided_at = timezone.now()


class DocumentKind(models.TextChoices):
    INCORPORATION = "incorporation", _("Certificate of incorporation")
    TAX_CLEARANCE = "tax_clearance", _("Tax clearance certificate")
    POLICE_CLEARANCE = "police_clearance", _("Police clearance (one per director)")
    PREMISES = "premises", _("Proof of office premises")
    BOND = "bond", _("Security bond or bank guarantee")
    FEE_PAYMENT = "fee_payment", _("Proof of fee payment")


# What each kind of application needs. Police clearances are needed once per director.
REQUIRED_DOCUMENTS = {
    ApplicationKind.NEW: [
        DocumentKind.INCORPORATION,
        DocumentKind.TAX_CLEARANCE,
        DocumentKind.POLICE_CLEARANCE,
        DocumentKind.PREMISES,
        DocumentKind.BOND,
        DocumentKind.FEE_PAYMENT,
    ],
    ApplicationKind.RENEWAL: [DocumentKind.TAX_CLEARANCE, DocumentKind.FEE_PAYMENT, DocumentKind.BOND],
}


class DocumentReview(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class DocumentQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        return self.filter(application__agency_id=agency_id)

    def current(self):
        """The documents that count: a replaced document is kept for the record but no longer counts."""
        return self.filter(replaced_by__isnull=True)


def private_storage():
    """Uploaded documents live outside the public media URL; only a permission-checked view serves them.

    The "private" storage of settings.STORAGES: PRIVATE_MEDIA_ROOT on disk, or the bucket when STORAGE_BUCKET is set.
    """
    from core.storage import private_storage as configured_private_storage

    return configured_private_storage()


def _document_path(instance: ApplicationDocument, filename: str) -> str:
    # The stored name never uses the uploaded name: it is only shown, never trusted.
    return f"applications/{instance.application_id}/{secrets.token_hex(16)}"


class ApplicationDocument(models.Model):
    application = models.ForeignKey(
        LicenceApplication, on_delete=models.CASCADE, related_name="documents", verbose_name=_("application")
    )
    kind = models.CharField(_("document"), max_length=20, choices=DocumentKind.choices)
    director = models.ForeignKey(
        Director, verbose_name=_("director"), null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    file = models.FileField(_("file"), upload_to=_document_path, storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    review = models.CharField(_("review"), max_length=10, choices=DocumentReview.choices, default=DocumentReview.PENDING)
    review_note = models.TextField(_("officer's note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self", verbose_name=_("replaced by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces"
    )

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")
        ordering = ["kind", "uploaded_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


# --- Licences ------------------------------------------------------------------------


class LicenceStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


class LicenceQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        return self.filter(agency_id=agency_id)

    def in_force(self, on: datetime.date):
        return self.filter(status=LicenceStatus.ACTIVE, valid_from__lte=on, expires_on__gte=on)


def new_public_token() -> str:
    return secrets.token_urlsafe(18)


class Licence(ConcurrentTransitionMixin, models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="licences", verbose_name=_("agency"))
    number = models.CharField(_("licence number"), max_length=20, unique=True)
    status = FSMField(_("status"), default=LicenceStatus.ACTIVE, choices=LicenceStatus.choices, protected=True)
    issued_on = models.DateField(_("issued on"))
    valid_from = models.DateField(_("valid from"))
    # Valid through this date, in Maseru time.
    expires_on = models.DateField(_("expires on"))
    conditions = models.TextField(_("conditions"), blank=True)
    # Public verification links and QR codes carry this, never the sequential id.
    public_token = models.CharField(max_length=32, unique=True, default=new_public_token, editable=False)
    status_reason = models.TextField(_("reason for the current status"), blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)

    objects = LicenceQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["status"])

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        ordering = ["-issued_on", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(expires_on__gte=models.F("valid_from")), name="licence_dates_in_order")]

    def __str__(self) -> str:
        return self.number

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.status == LicenceStatus.ACTIVE and self.valid_from <= day <= self.expires_on

    def _record(self, description) -> None:
        self.status_reason = description or ""
        self.status_changed_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=LicenceStatus.ACTIVE,
        target=LicenceStatus.SUSPENDED,
        permission=transition_permission("licensing.sanction"),
    )
    def suspend(self, by=None, description=None) -> None:
        self._record(description)

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=LicenceStatus.SUSPENDED,
        target=LicenceStatus.ACTIVE,
        permission=transition_permission("licensing.sanction"),
    )
    def reinstate(self, by=None, description=None) -> None:
        self._record(description)

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=[LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED],
        target=LicenceStatus.REVOKED,
        permission=transition_permission("licensing.sanction"),
    )
    def revoke(self, by=None, description=None) -> None:
        self._record(description)

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=[LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED], target=LicenceStatus.EXPIRED)
    def expire(self, by=None, description=None) -> None:
        """The scheduled job, the day after the expiry date. A suspended licence expires too: it cannot outlive its term."""
        self._record(description)


class LicenceReminder(models.Model):
    """One expiry reminder sent for one term of a licence, so each is sent once."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="reminders")
    expires_on = models.DateField()  # the term it was about; a renewal starts a new set
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["licence", "expires_on", "days_before"], name="one_reminder_per_threshold")
        ]

    def __str__(self) -> str:
        return f"{self.licence} −{self.days_before}d"


class AgencyNoticeQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        return self.filter(agency_id=agency_id)


class NoticeKind(models.TextChoices):
    """What happened; the label is the notice's text, translated when it is shown."""

    APPLICATION_SUBMITTED = "application_submitted", _("Application %(reference)s was submitted.")
    INFORMATION_REQUESTED = "information_requested", _("The ministry asks for more information on application %(reference)s.")
    APPLICATION_APPROVED = "application_approved", _("Application %(reference)s was approved: licence %(licence)s.")
    APPLICATION_REJECTED = "application_rejected", _("Application %(reference)s was rejected.")
    LICENCE_SUSPENDED = "licence_suspended", _("Licence %(licence)s was suspended.")
    LICENCE_REINSTATED = "licence_reinstated", _("Licence %(licence)s was reinstated.")
    LICENCE_REVOKED = "licence_revoked", _("Licence %(licence)s was revoked.")
    LICENCE_EXPIRING = "licence_expiring", _("Licence %(licence)s expires on %(expires_on)s. Apply for renewal before then.")
    LICENCE_EXPIRED = "licence_expired", _("Licence %(licence)s has expired.")
    BOND_INSUFFICIENT = "bond_insufficient", _("Your security bond or guarantee has lapsed or is below the required amount.")
    # Sent by the inspections app.
    AUDIT_ANNOUNCED = "audit_announced", _("Labour inspectors will audit your agency on %(date)s (audit %(reference)s).")
    CORRECTIVE_ACTIONS = "corrective_actions", _("Audit %(reference)s found problems: answer the actions by %(due_on)s.")
    ACTION_REJECTED = "action_rejected", _("The inspector did not accept your answer to an action of audit %(reference)s.")
    ACTION_OVERDUE = "action_overdue", _("An action of audit %(reference)s is overdue: a follow-up audit will be planned.")


class AgencyNotice(models.Model):
    """A decision or reminder shown to the agency's staff in the app (they get it by e-mail too)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="notices", verbose_name=_("agency"))
    kind = models.CharField(_("notice"), max_length=30, choices=NoticeKind.choices)
    values = models.JSONField(_("details"), default=dict)  # fills the text's placeholders
    reason = models.TextField(_("reason given"), blank=True)  # the officer's own words, shown as written
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("date"), default=timezone.now)

    objects = AgencyNoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["agency", "-created_at"], name="notice_agency_idx")]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """The notice in the active language."""
        from django.utils.translation import gettext

        return gettext(NoticeKind(self.kind).label) % self.values
