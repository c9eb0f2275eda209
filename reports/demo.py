"""Reports' part of the demo: one PDF report for the demo analyst, so the list of reports is not empty.

Generated at once (not through the background queue) so it is ready when the demo starts. Safe to run
again: nothing is added once the analyst has a report.
"""

from __future__ import annotations

from django.utils import translation

from core.models import User
from reports.dashboard import agreements_in_force
from reports.forms import last_full_quarter
from reports.models import GeneratedReport, ReportFormat
from reports.services import generate_report


def seed_reports(scale: int) -> list[tuple[str, str]]:
    analyst = User.objects.filter(username="analyst").first()
    if analyst is None or GeneratedReport.objects.filter(requested_by=analyst).exists():
        return []
    from core.dates import today

    agreement = agreements_in_force(today()).first()
    start, end = last_full_quarter()
    report = GeneratedReport.objects.create(
        agreement=agreement,
        start=start,
        end=end,
        format=ReportFormat.PDF,
        language=analyst.preferred_language or translation.get_language() or "en",
        requested_by=analyst,
    )
    generate_report(report.pk)
    return []
