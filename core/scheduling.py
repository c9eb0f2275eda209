"""Running the scheduled jobs: each under a lease, so two runs never overlap."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from core import registry
from core.models import ScheduledJobLock

logger = logging.getLogger(__name__)


@dataclass
class JobOutcome:
    name: str
    ran: bool
    summary: str
    failed: bool = False


def _take_lease(job: registry.ScheduledJob) -> bool:
    """Claim the job's lease with one conditional UPDATE (atomic on every database)."""
    now = timezone.now()
    try:
        with transaction.atomic():
            ScheduledJobLock.objects.get_or_create(name=job.name, defaults={"locked_until": now})
    except IntegrityError:
        pass  # another run created it at the same moment
    taken = ScheduledJobLock.objects.filter(name=job.name, locked_until__lte=now).update(
        locked_until=now + timedelta(minutes=job.lease_minutes), last_started_at=now
    )
    return taken == 1


def _release(job: registry.ScheduledJob, error: str = "") -> None:
    now = timezone.now()
    ScheduledJobLock.objects.filter(name=job.name).update(locked_until=now, last_finished_at=now, last_error=error)


def run_job(job: registry.ScheduledJob) -> JobOutcome:
    if not _take_lease(job):
        return JobOutcome(job.name, ran=False, summary="skipped: another run holds it")
    try:
        summary = job.run()
    except Exception as error:  # one failing duty must not stop the others
        logger.exception("scheduled job %s failed", job.name)
        _release(job, error=f"{type(error).__name__}: {error}")
        return JobOutcome(job.name, ran=True, summary=f"failed: {error}", failed=True)
    _release(job)
    return JobOutcome(job.name, ran=True, summary=summary or "done")


def run_scheduled_jobs(only: list[str] | None = None) -> list[JobOutcome]:
    jobs = [job for name, job in sorted(registry.SCHEDULED_JOBS.items()) if not only or name in only]
    return [run_job(job) for job in jobs]
