"""Migrant workers: who they are, how to reach them, and which agencies recruit them.

A worker is one person in one national register, whatever agency brought
them in. An agency sees a worker only through an open ``AgencyWorker`` link:
the agency registered or claimed them, and ending the link ends its view.
"""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from core.access import ScopedQuerySet
from core.choices import District, Language
from core.text import normalise_reference

SMS_CAPABLE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)

# The one answer when a national ID or passport number is already in the register, whoever holds it: forms (through
# the passport constraint below) and services (workers.services.NumberTaken) give the same sentence.
NUMBER_TAKEN_MESSAGE = _(
    "This national ID (or passport) number is already registered. "
    "If this is the same person, claim them with their national ID and date of birth."
)


def validate_mobile(number) -> None:
    """The worker's phone must be able to receive SMS: a mobile (Lesotho +266 5…/6…, South African +27 mobiles)."""
    if not number:
        return
    parsed = number
    try:
        if not isinstance(parsed, phonenumbers.PhoneNumber):
            parsed = phonenumbers.parse(str(number), "LS")
    except phonenumbers.NumberParseException:
        raise ValidationError(_("Enter a valid phone number."), code="invalid") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(_("Enter a valid phone number."), code="invalid")
    if phonenumbers.number_type(parsed) not in SMS_CAPABLE_TYPES:
        raise ValidationError(
            _("This is a fixed line and cannot receive SMS; give the worker's mobile number."), code="not_mobile"
        )


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class ConsentMethod(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    BY_SMS = "sms", _("By SMS")
    ON_PAPER = "paper", _("On paper")


class WorkerQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        """Workers with an open link to the agency (a subquery, so no duplicates and no DISTINCT)."""
        return self.filter(
            Exists(AgencyWorker.objects.filter(worker=OuterRef("pk"), agency_id=agency_id, ended_at__isnull=True))
        )


class Worker(models.Model):
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices)
    date_of_birth = models.DateField(_("date of birth"))
    # Stored upper-case without spaces (normalise_reference), so uniqueness compares like with like.
    national_id = models.CharField(_("national ID number"), max_length=30, unique=True)
    passport_number = models.CharField(_("passport number"), max_length=30, blank=True)
    passport_expires_on = models.DateField(_("passport expiry date"), null=True, blank=True)
    district = models.CharField(_("district of origin"), max_length=20, choices=District.choices)
    village = models.CharField(_("village"), max_length=100, blank=True)
    mobile = PhoneNumberField(
        _("mobile"), blank=True, validators=[validate_mobile], help_text=_("A mobile number that can receive SMS.")
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=Language.choices, default=Language.SESOTHO
    )
    sms_consent = models.BooleanField(_("agrees to receive SMS"), default=False)
    consent_changed_at = models.DateTimeField(_("consent changed at"), null=True, blank=True)
    consent_method = models.CharField(_("consent given"), max_length=10, choices=ConsentMethod.choices, blank=True)
    next_of_kin_name = models.CharField(_("next of kin"), max_length=200, blank=True)
    next_of_kin_phone = PhoneNumberField(_("next of kin's phone"), blank=True)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registered by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = WorkerQuerySet.as_manager()
    # Read one worker at a time (by ``id``: core.history); the copies of the worker's own indexes would only slow saves.
    history = HistoricalRecords(no_db_index=["national_id", "created_by"])

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")
        ordering = ["last_name", "first_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["passport_number"],
                condition=~Q(passport_number=""),
                name="worker_passport_unique_when_given",
                violation_error_message=NUMBER_TAKEN_MESSAGE,
            ),
        ]
        indexes = [
            models.Index(fields=["date_of_birth", "last_name"], name="worker_dob_name_idx"),
            models.Index(fields=["mobile"], name="worker_mobile_idx"),
            # The list's order: its first page is read from this index, never sorted from a million rows.
            models.Index(fields=["last_name", "first_name", "id"], name="worker_name_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def save(self, *args, **kwargs) -> None:
        self.national_id = normalise_reference(self.national_id)
        self.passport_number = normalise_reference(self.passport_number)
        super().save(*args, **kwargs)

    @property
    def reference(self) -> str:
        return f"WRK-{self.pk:06d}" if self.pk else ""

    @property
    def full_name(self) -> str:
        return str(self)


class AgencyWorkerQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        return self.filter(agency_id=agency_id)

    def open(self):
        return self.filter(ended_at__isnull=True)


class AgencyWorker(models.Model):
    """An agency recruits a worker: open while ``ended_at`` is empty, at most one open link per agency and worker."""

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="worker_links", verbose_name=_("agency")
    )
    worker = models.ForeignKey(Worker, on_delete=models.CASCADE, related_name="agency_links", verbose_name=_("worker"))
    started_at = models.DateTimeField(_("linked at"), default=timezone.now)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("linked by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("ended by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    end_reason = models.TextField(_("reason for ending"), blank=True)

    objects = AgencyWorkerQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agency's worker")
        verbose_name_plural = _("agencies' workers")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "worker"], condition=Q(ended_at__isnull=True), name="one_open_link_per_agency_worker"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} @ {self.agency}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


# --- Bulk registration -------------------------------------------------------------------------


class ImportStatus(models.TextChoices):
    VALIDATING = "validating", _("Checking")
    INVALID = "invalid", _("Has problems")
    VALID = "valid", _("Ready to import")
    IMPORTING = "importing", _("Importing")
    IMPORTED = "imported", _("Imported")
    FAILED = "failed", _("Failed")


def _import_path(instance: WorkerImport, filename: str) -> str:
    # The stored name never uses the uploaded name: it is only shown, never trusted.
    import secrets

    return f"worker-imports/{instance.agency_id}/{secrets.token_hex(16)}"


def _problem_report_path(instance: WorkerImport, filename: str) -> str:
    import secrets

    return f"worker-imports/{instance.agency_id}/{secrets.token_hex(16)}-problems.csv"


def _private_storage():
    from agencies.models import private_storage

    return private_storage()


class WorkerImportQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        return self.filter(agency_id=agency_id)


class WorkerImport(models.Model):
    """A spreadsheet of workers an agency uploads: checked first, then imported whole or not at all."""

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="worker_imports", verbose_name=_("agency")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(_("file"), upload_to=_import_path, storage=_private_storage)
    original_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.VALIDATING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    imported_rows = models.PositiveIntegerField(_("workers imported"), default=0)
    # [{"row": 7, "column": "mobile", "message": "..."}], at most workers.importing.MAX_STORED_PROBLEMS of them.
    problems = models.JSONField(_("problems"), default=list, blank=True)
    problem_count = models.PositiveIntegerField(_("number of problems"), default=0)
    # Every problem (row, column, problem; no header), written while checking when there are more than ``problems`` keeps.
    problem_report = models.FileField(
        _("full problem report"), upload_to=_problem_report_path, storage=_private_storage, blank=True
    )
    message = models.TextField(_("message"), blank=True)  # what is wrong with the whole file, or why the import failed
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = WorkerImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("worker import")
        verbose_name_plural = _("worker imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def in_progress(self) -> bool:
        return self.status in (ImportStatus.VALIDATING, ImportStatus.IMPORTING)


class WorkerRecordView(models.Model):
    """Someone opened a worker's full record: who, when, which worker (Data Protection Act 2011: a person's data is
    seen only by those who need it, and the ministry can say who did). One row per page shown; never edited."""

    worker = models.ForeignKey(Worker, on_delete=models.CASCADE, related_name="record_views", verbose_name=_("worker"))
    viewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("seen by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    viewed_at = models.DateTimeField(_("seen at"), default=timezone.now)
    # What was opened: the page, or a document made from the record.
    what = models.CharField(_("what"), max_length=40, default="page")

    class Meta:
        verbose_name = _("view of a worker's record")
        verbose_name_plural = _("views of workers' records")
        indexes = [models.Index(fields=["worker", "-viewed_at"], name="worker_record_view_idx")]

    def __str__(self) -> str:
        return f"{self.worker_id} seen by {self.viewed_by_id} at {self.viewed_at:%Y-%m-%d %H:%M}"
