"""``manage.py compliance_report``: a compliance report written to a file, for scripts and cron."""

from __future__ import annotations

import datetime
import os
import tempfile

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from reports.figures import ReportRequestError, parse_report_request
from reports.forms import last_full_quarter
from reports.models import ReportFormat
from reports.services import figures_for, render

ALL = "all"


def _day(text: str, option: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise CommandError(f"{option} must be a date written YYYY-MM-DD, not {text!r}.") from None


class Command(BaseCommand):
    help = (
        "Write the bilateral-agreement compliance report of one agreement, or of all agreements, for a period, as PDF, "
        "CSV (a zip of one CSV file per table) or XLSX. Example: manage.py compliance_report --agreement LS-ZA-2023 "
        "--from 2026-01-01 --to 2026-03-31 --format pdf --output q1.pdf"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--agreement",
            default=ALL,
            help="The agreement's reference (as on its page), or 'all' for every agreement together. Default: all.",
        )
        parser.add_argument("--from", dest="start", help="First day of the period, YYYY-MM-DD. Default: the last full quarter.")
        parser.add_argument(
            "--to", dest="end", help="Last day of the period (included), YYYY-MM-DD. Default: the last full quarter."
        )
        parser.add_argument(
            "--format",
            dest="report_format",
            choices=ReportFormat.values,
            default=ReportFormat.PDF,
            help="pdf (for the record), csv (a zip of CSV files) or xlsx. Default: pdf.",
        )
        parser.add_argument("--output", required=True, help="The file to write; replaced if it exists.")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="The language of the report's labels. Default: %(default)s.",
        )

    def handle(self, *args, agreement, start, end, report_format, output, language, **options):
        default_start, default_end = last_full_quarter()
        start = _day(start, "--from") if start else default_start
        end = _day(end, "--to") if end else default_end
        target = os.path.abspath(output)
        folder = os.path.dirname(target)
        if os.path.isdir(target):
            raise CommandError(f"--output {output} is a folder; give a file name.")
        if not os.path.isdir(folder):
            raise CommandError(f"Cannot write {output}: the folder {folder} does not exist.")
        if not os.access(folder, os.W_OK) or (os.path.exists(target) and not os.access(target, os.W_OK)):
            raise CommandError(f"Cannot write {output}: permission denied.")
        reference = None if agreement.strip().lower() == ALL else agreement
        with translation.override(language):
            try:
                agreement_id, start, end = parse_report_request(agreement_reference=reference, start=start, end=end)
            except ReportRequestError as error:
                raise CommandError(str(error)) from None
            figures = figures_for(agreement_id=agreement_id, start=start, end=end)
            content = render(figures, report_format, generated_at=timezone.now(), generated_by="manage.py compliance_report")
        # Written beside the target and renamed: a reader never sees half a report, and a failure leaves no file.
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".compliance-report-")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
            os.replace(temporary, target)
        except OSError as error:
            if os.path.exists(temporary):
                os.remove(temporary)
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from None
        self.stdout.write(
            f"{figures.agreement_label}, {start:%Y-%m-%d} to {end:%Y-%m-%d}: {report_format} written to {target} "
            f"({len(content):,} bytes)."
        )
