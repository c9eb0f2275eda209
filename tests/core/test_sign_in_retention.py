"""Retention of sign-in records (core/retention.py): django-axes's failed sign-ins go after
retention.sign_in_failure_days and its record of sign-ins after retention.sign_in_log_days, never a lockout still
running. Time is frozen by patching django.utils.timezone.now, which core.dates.today reads."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.core.management import call_command
from django.utils import timezone

from core import retention
from core.models import RegulatoryParameter

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime.datetime(2027, 6, 15, 10, 0))
DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)


def frozen(moment=NOW):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def at(model, moment, username="registrar", ip_address="198.51.100.7", **extra):
    record = model.objects.create(username=username, ip_address=ip_address, user_agent="Firefox", **extra)
    model.objects.filter(pk=record.pk).update(attempt_time=moment)  # attempt_time is set on creation
    return record


def failed(moment, failures=3, **extra):
    return at(AccessAttempt, moment, failures_since_start=failures, get_data="", post_data="", **extra)


def remaining(model):
    return set(model.objects.values_list("pk", flat=True))


def test_periods_are_seeded_regulatory_parameters():
    values = dict(RegulatoryParameter.objects.filter(key__startswith="retention.sign_in").values_list("key", "value"))
    assert values == {"retention.sign_in_failure_days": Decimal("30"), "retention.sign_in_log_days": Decimal("365")}


def test_old_failed_sign_ins_go_and_recent_ones_stay(db):
    old, recent = failed(NOW - 31 * DAY, username="a"), failed(NOW - 29 * DAY, username="b")
    old_log, recent_log = at(AccessFailureLog, NOW - 31 * DAY), at(AccessFailureLog, NOW - 29 * DAY)

    with frozen():
        call_command("run_scheduled_jobs", only=["core.sign_in_retention"])

    assert remaining(AccessAttempt) == {recent.pk}
    assert remaining(AccessFailureLog) == {recent_log.pk}
    assert old.pk not in remaining(AccessAttempt) and old_log.pk not in remaining(AccessFailureLog)


def test_the_record_of_sign_ins_is_kept_a_year(db):
    old, recent = at(AccessLog, NOW - 366 * DAY), at(AccessLog, NOW - 364 * DAY)
    failed_long_ago = failed(NOW - 100 * DAY)

    with frozen():
        summary = retention.apply_sign_in_retention()

    assert remaining(AccessLog) == {recent.pk}
    assert old.pk not in remaining(AccessLog)
    assert not AccessAttempt.objects.filter(pk=failed_long_ago.pk).exists()
    assert "failed sign-ins removed: 1 attempts" in summary and "sign-in records removed: 1" in summary


def test_a_lockout_still_running_is_kept_whatever_the_period(db, settings):
    """Five minutes after midnight with a period of 0 days: the cut-off would be midnight, but a lockout that began
    seven minutes ago still holds for AXES_COOLOFF_TIME (15 minutes)."""
    RegulatoryParameter.objects.create(
        key="retention.sign_in_failure_days", value=Decimal("0"), effective_from=datetime.date(2027, 1, 1)
    )
    just_after_midnight = timezone.make_aware(datetime.datetime(2027, 6, 15, 0, 5))
    locked = failed(just_after_midnight - 7 * MINUTE, username="locked", failures=5)
    over = failed(just_after_midnight - 25 * MINUTE, username="over", failures=5)

    with frozen(just_after_midnight):
        retention.apply_sign_in_retention()

    assert remaining(AccessAttempt) == {locked.pk}
    assert over.pk not in remaining(AccessAttempt)


def test_without_a_period_in_force_nothing_is_removed(db):
    RegulatoryParameter.objects.filter(key__startswith="retention.sign_in").delete()
    old, old_log = failed(NOW - 400 * DAY), at(AccessLog, NOW - 400 * DAY)
    with frozen():
        summary = retention.apply_sign_in_retention()
    assert remaining(AccessAttempt) == {old.pk} and remaining(AccessLog) == {old_log.pk}
    assert "no retention period for failed sign-ins in force" in summary
    assert "no retention period for sign-in records in force" in summary


def test_removal_goes_in_batches_and_a_second_run_changes_nothing(db, monkeypatch):
    monkeypatch.setattr(retention, "BATCH_SIZE", 2)
    for number in range(5):
        at(AccessLog, NOW - (400 + number) * DAY)
    kept = at(AccessLog, NOW - DAY)
    with frozen():
        first = retention.apply_sign_in_retention()
        second = retention.apply_sign_in_retention()
    assert remaining(AccessLog) == {kept.pk}
    assert "sign-in records removed: 5" in first and "sign-in records removed: 0" in second
