"""Compliance reports that were asked for: their parameters, who asked and when, their progress and the file.

A report is computed in the background (``reports.tasks``) and kept, so the analyst can leave the page and
download it later. The file lives in private storage and is served only by a permission-checked view.
Reports hold aggregate figures only, never personal detail, and are the ministry's own: agency staff see none.
"""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.access import ScopedQuerySet


class ReportFormat(models.TextChoices):
    PDF = "pdf", _("PDF, for the record")
    CSV = "csv", _("CSV files in a zip, for analysis")
    XLSX = "xlsx", _("Excel workbook (XLSX), for analysis")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


# The file's extension and content type for each format.
FILE_TYPES = {
    ReportFormat.PDF: ("pdf", "application/pdf"),
    ReportFormat.CSV: ("zip", "application/zip"),
    ReportFormat.XLSX: ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def _private_storage():
    from agencies.models import private_storage

    return private_storage()


def _report_path(instance: GeneratedReport, filename: str) -> str:
    # An unguessable name: the file is only ever served through the download view, never by its path.
    extension = FILE_TYPES[instance.format][0]
    return f"reports/{secrets.token_hex(16)}.{extension}"


class GeneratedReportQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        # Reports compare agencies with one another: they are the ministry's, never an agency's.
        return self.none()


class GeneratedReport(models.Model):
    """One compliance report asked for by a ministry user: an agreement (or all) over a period, in one format."""

    agreement = models.ForeignKey(
        "contracts.Agreement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="generated_reports",
        verbose_name=_("agreement"),
        help_text=_("Empty: every agreement."),
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    format = models.CharField(_("format"), max_length=4, choices=ReportFormat.choices, default=ReportFormat.PDF)
    # The language of the person who asked: the report is written in it, although a background worker renders it.
    language = models.CharField(_("language"), max_length=5, default="en")
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (percent)"), default=0)
    message = models.TextField(_("message"), blank=True)  # why it failed, in words for the person who asked
    file = models.FileField(_("file"), upload_to=_report_path, storage=_private_storage, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="generated_reports",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = GeneratedReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("compliance report")
        verbose_name_plural = _("compliance reports")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["-requested_at", "-id"], name="report_newest_first")]
        constraints = [models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="report_period_in_order")]

    def __str__(self) -> str:
        return f"{self.agreement_label} {self.start:%Y-%m-%d} – {self.end:%Y-%m-%d} ({self.get_format_display()})"

    @property
    def agreement_label(self) -> str:
        return self.agreement.reference if self.agreement_id else str(_("All agreements"))

    @property
    def in_progress(self) -> bool:
        return self.status in (ReportStatus.QUEUED, ReportStatus.RUNNING)

    @property
    def is_ready(self) -> bool:
        return self.status == ReportStatus.DONE and bool(self.file)

    @property
    def download_name(self) -> str:
        """The file name the browser saves: what it is and for when, never who asked."""
        subject = re.sub(r"[^A-Za-z0-9._-]+", "-", self.agreement.reference) if self.agreement_id else "all-agreements"
        extension = FILE_TYPES[self.format][0]
        return f"compliance-{subject}-{self.start:%Y-%m-%d}-{self.end:%Y-%m-%d}.{extension}"

    @property
    def content_type(self) -> str:
        return FILE_TYPES[self.format][1]


class DashboardSnapshot(models.Model):
    """The dashboard's figures of one agreement in one language, as the background task last computed them.

    A year of a large agreement's figures takes seconds to compute: too slow for the home page every officer opens,
    and every web process computing them at once when they ran out stalled the site. So the page only reads these
    rows; ``reports.tasks.refresh_dashboard`` (asked for by the page when a snapshot is missing or older than
    DASHBOARD_FIGURES_SECONDS, and by the scheduled jobs) writes them. ``content`` is the pickled figures and trend:
    written by that task alone, never from anything a user sends.
    """

    agreement = models.ForeignKey("contracts.Agreement", on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=8)
    start = models.DateField()
    end = models.DateField()
    computed_at = models.DateTimeField()
    content = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agreement", "language"], name="dashboard_snapshot_unique")]

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.language} {self.start}–{self.end}"
