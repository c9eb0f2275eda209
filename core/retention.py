"""Retention: the sign-in records django-axes keeps go once the ministry's periods have run.

The written policy is docs/data-protection.md ("How long"); the periods are regulatory parameters, so the
administrator changes them without a release:

- ``retention.sign_in_failure_days``: failed sign-ins (``AccessAttempt``: user name, address, browser, how many
  failures; ``AccessFailureLog`` when it is turned on). They exist to stop password guessing, which a pause of
  ``AXES_COOLOFF_TIME`` does; a record still holding a lockout is never removed, whatever the period.
- ``retention.sign_in_log_days``: successful sign-ins (``AccessLog``: who signed in, from where, with what
  browser, when in and out), kept longer because they answer "who was using this account then?".

``retention_cutoff``, ``delete_in_batches`` and ``update_in_batches`` serve every app's retention job (workers'
import files and SMS too).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Max, Min, QuerySet
from django.utils import timezone

from core.dates import today
from core.parameters import MissingParameter, parameter_value

BATCH_SIZE = 5_000


def retention_cutoff(key: str) -> datetime.datetime | None:
    """The moment before which records fall under the period ``key`` (days) in force today, counted from the start
    of today in Maseru; None when no period is in force (then nothing is removed)."""
    on = today()
    try:
        days = int(parameter_value(key, on))
    except MissingParameter:
        return None
    start_of_today = timezone.make_aware(datetime.datetime.combine(on, datetime.time.min))
    return start_of_today - datetime.timedelta(days=days)


def _id_ranges(queryset: QuerySet):
    """``queryset`` cut into id ranges of BATCH_SIZE, so that no statement locks a whole large table."""
    bounds = queryset.aggregate(first=Min("pk"), last=Max("pk"))
    if bounds["first"] is None:
        return
    for start in range(bounds["first"], bounds["last"] + 1, BATCH_SIZE):
        yield queryset.filter(pk__gte=start, pk__lt=start + BATCH_SIZE)


def delete_in_batches(queryset: QuerySet) -> int:
    """``queryset.delete()`` one id range at a time; how many of ``queryset``'s rows went."""
    deleted = 0
    for batch in _id_ranges(queryset):
        _total, by_model = batch.delete()
        deleted += by_model.get(queryset.model._meta.label, 0)  # not the rows that went with them
    return deleted


def update_in_batches(queryset: QuerySet, **values) -> int:
    """``queryset.update(**values)`` one id range at a time; how many rows changed."""
    return sum(batch.update(**values) for batch in _id_ranges(queryset))


def apply_sign_in_retention() -> str:
    """The scheduled job: remove failed and successful sign-in records older than their periods; says what it did."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    parts = []
    failure_cutoff = retention_cutoff("retention.sign_in_failure_days")
    if failure_cutoff is None:
        parts.append("no retention period for failed sign-ins in force")
    else:
        # A lockout still running is kept, however short the period is set.
        failure_cutoff = min(failure_cutoff, timezone.now() - settings.AXES_COOLOFF_TIME)
        attempts = delete_in_batches(AccessAttempt.objects.filter(attempt_time__lt=failure_cutoff))
        failures = delete_in_batches(AccessFailureLog.objects.filter(attempt_time__lt=failure_cutoff))
        parts.append(f"failed sign-ins removed: {attempts} attempts, {failures} failure logs "
                     f"(before {failure_cutoff:%Y-%m-%d %H:%M})")
    log_cutoff = retention_cutoff("retention.sign_in_log_days")
    if log_cutoff is None:
        parts.append("no retention period for sign-in records in force")
    else:
        signed_in = delete_in_batches(AccessLog.objects.filter(attempt_time__lt=log_cutoff))
        parts.append(f"sign-in records removed: {signed_in} (before {log_cutoff:%Y-%m-%d})")
    return "; ".join(parts)
