"""Retention: an uploaded workers' file goes once the ministry's period has run; the record of the upload stays.

The written policy is docs/data-protection.md ("How long"); the period is the regulatory parameter
``retention.worker_import_days``, counted from the upload. Once imported, a file is only a copy of what the
register holds (the workers are kept by their own rules); a refused one holds people's identity and phone numbers
for nothing. So after the period the file, its full problem report and the problems stored on the record (they
quote the file's cells) are removed; who uploaded it, when, for which agency, how many rows and the outcome stay.

An import still being checked or imported is never touched. Each import is handled in its own short transaction,
row locked: its files are deleted from storage first, then the record is cleared, so a failure half-way leaves a
record the next run finishes, never a file that no record points to.
"""

from __future__ import annotations

from django.db import transaction

from core.retention import retention_cutoff
from workers.models import ImportStatus, WorkerImport

# Their file is still being read.
IN_PROGRESS = (ImportStatus.VALIDATING, ImportStatus.IMPORTING)


def _remove_files(import_id: int) -> bool:
    with transaction.atomic():
        worker_import = (
            WorkerImport.objects.select_for_update().filter(pk=import_id).exclude(status__in=IN_PROGRESS).first()
        )
        if worker_import is None or not worker_import.file:
            return False
        for stored in (worker_import.file, worker_import.problem_report):
            if stored:
                stored.storage.delete(stored.name)
        WorkerImport.objects.filter(pk=import_id).update(file="", problem_report="", problems=[])
    return True


def remove_old_import_files() -> str:
    """The scheduled job: remove the files of imports uploaded before the period in force today; says what it did."""
    cutoff = retention_cutoff("retention.worker_import_days")
    if cutoff is None:
        return "no retention period for workers' files in force"
    due = (
        WorkerImport.objects.filter(created_at__lt=cutoff)
        .exclude(status__in=IN_PROGRESS)
        .exclude(file="")
        .values_list("pk", flat=True)
    )
    removed = sum(_remove_files(import_id) for import_id in list(due))
    return f"workers' files removed: {removed} imports (uploaded before {cutoff:%Y-%m-%d})"
