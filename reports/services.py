"""Compliance reports: asking for one, and generating it in the background.

``request_report`` keeps the request (the ``GeneratedReport`` row is itself the record of who asked for what
and when) and starts the work once the request is committed; ``generate_report`` computes the figures,
renders them in the format asked for and in the language of the person who asked, and stores the file,
telling the row its progress on the way. ``render`` is the one place a figures object becomes a file, for
the page and for ``manage.py compliance_report`` alike.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import access
from reports.figures import ComplianceFigures, compute_figures, parse_report_request
from reports.models import GeneratedReport, ReportFormat, ReportStatus

logger = logging.getLogger(__name__)

# Progress shown while a report is prepared: the figures are one step, laying out the file the other.
FIGURES_DONE = 40
FILE_WRITTEN = 95


def render(
    figures: ComplianceFigures,
    report_format: str,
    *,
    generated_at: datetime.datetime,
    generated_by: str,
    progress: Callable[[float], None] | None = None,
) -> bytes:
    """The figures as a file of ``report_format`` (pdf, csv: a zip of CSV files, xlsx), in the active language."""
    from reports import pdf, tabular

    if report_format == ReportFormat.PDF:
        return pdf.render_pdf(figures, generated_at=generated_at, generated_by=generated_by, progress=progress)
    if report_format == ReportFormat.CSV:
        return tabular.render_csv_zip(figures, generated_at=generated_at)
    if report_format == ReportFormat.XLSX:
        return tabular.render_xlsx(figures, generated_at=generated_at)
    raise ValueError(f"Unknown report format {report_format!r}")


def figures_for(*, agreement_id: int | None, start: datetime.date, end: datetime.date) -> ComplianceFigures:
    """``compute_figures`` reading from the read replica when there is one (config.routers): long aggregates
    there take nothing from the officers' pages. A replica a little behind is fine for figures."""
    from config.routers import replica_reads

    with replica_reads():
        return compute_figures(agreement_id=agreement_id, start=start, end=end)


def name_of(user: Any) -> str:
    if user is None:
        return _("a former user")
    return user.get_full_name() or user.username


def request_report(
    *, by: Any, agreement_reference: str | None, start: datetime.date, end: datetime.date, report_format: str
) -> GeneratedReport:
    """Keep a request for a compliance report and start generating it once the request is saved.

    Raises ``ReportRequestError`` (unknown agreement, period ending before it starts or in the future) and
    ``PermissionDenied`` for a user who may not generate reports.
    """
    if not access.can(by, "reports.generate"):
        raise PermissionDenied
    if report_format not in ReportFormat.values:
        raise ValueError(f"Unknown report format {report_format!r}")
    agreement_id, start, end = parse_report_request(agreement_reference=agreement_reference, start=start, end=end)
    with transaction.atomic():
        report = GeneratedReport.objects.create(
            agreement_id=agreement_id,
            start=start,
            end=end,
            format=report_format,
            language=translation.get_language() or "en",
            requested_by=by,
        )
        report_id = report.pk
        # django-tasks does not wait for the commit: a worker must never look for a row that is not there yet.
        transaction.on_commit(lambda: _enqueue(report_id))
    return report


def _enqueue(report_id: int) -> None:
    from reports.tasks import generate_compliance_report

    generate_compliance_report.enqueue(report_id)


def _set(report_id: int, **fields: Any) -> int:
    return GeneratedReport.objects.filter(pk=report_id).update(**fields)


def generate_report(report_id: int) -> str:
    """Compute and render one requested report and store its file; its status says how it went.

    Only a report still waiting is started (a kick sent twice does the work once); a failure is recorded on
    the report, in words for the person who asked, and the details go to the log.
    """
    claimed = GeneratedReport.objects.filter(pk=report_id, status=ReportStatus.QUEUED).update(
        status=ReportStatus.RUNNING, progress=5
    )
    if not claimed:
        return "not waiting"
    return _generate(GeneratedReport.objects.select_related("requested_by").get(pk=report_id))


def _generate(report: GeneratedReport) -> str:
    report_id = report.pk

    def tables_laid_out(share: float) -> None:
        _set(report_id, progress=FIGURES_DONE + int((FILE_WRITTEN - FIGURES_DONE) * share))

    try:
        with translation.override(report.language):
            figures = figures_for(agreement_id=report.agreement_id, start=report.start, end=report.end)
            _set(report_id, progress=FIGURES_DONE)
            content = render(
                figures,
                report.format,
                generated_at=timezone.now(),
                generated_by=name_of(report.requested_by),
                progress=tables_laid_out,
            )
        report.file.save(report.download_name, ContentFile(content), save=False)
        _set(report_id, file=report.file.name, status=ReportStatus.DONE, progress=100, finished_at=timezone.now(), message="")
        return ReportStatus.DONE
    except Exception:
        logger.exception("compliance report %s failed", report_id)
        with translation.override(report.language):
            message = _("The report could not be prepared. Try again; if it fails again, tell the system administrator.")
        _set(report_id, status=ReportStatus.FAILED, finished_at=timezone.now(), message=message)
        return ReportStatus.FAILED


# Longer than any report takes at the scale we design for: a report still "running" after this was lost
# with its worker (a restart), and one still "waiting" after ``LOST_KICK`` lost its kick.
LOST_KICK = datetime.timedelta(minutes=10)
GIVEN_UP = datetime.timedelta(hours=2)


def sweep_reports() -> str:
    """Start again the reports whose kick was lost; mark failed those whose worker died. Safe to run twice."""
    now = timezone.now()
    waiting = list(
        GeneratedReport.objects.filter(status=ReportStatus.QUEUED, requested_at__lt=now - LOST_KICK).values_list("pk", flat=True)
    )
    for report_id in waiting:
        _enqueue(report_id)
    abandoned = GeneratedReport.objects.filter(status=ReportStatus.RUNNING, requested_at__lt=now - GIVEN_UP).update(
        status=ReportStatus.FAILED,
        finished_at=now,
        message=_("The report was interrupted before it was ready. Ask for it again."),
    )
    return f"{len(waiting)} report(s) started again, {abandoned} interrupted report(s) marked failed"
