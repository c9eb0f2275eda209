"""Retention of uploaded workers' files (workers/retention.py): after retention.worker_import_days the file, its
full problem report and the problems stored from it are removed, from storage too; the record of the upload stays,
recent uploads and imports still running are untouched. Time is frozen by patching django.utils.timezone.now, which
core.dates.today reads."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core.models import RegulatoryParameter
from tests.workers.test_import import csv_bytes, licensed, row, upload  # noqa: F401  (licensed is a fixture)
from workers import importing, retention
from workers.models import ImportStatus, WorkerImport

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime.datetime(2027, 6, 15, 10, 0))
DAY = datetime.timedelta(days=1)


def frozen(moment=NOW):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def uploaded(client, user, age_days, rows):
    worker_import = upload(client, user, csv_bytes(rows))
    WorkerImport.objects.filter(pk=worker_import.pk).update(created_at=NOW - age_days * DAY)
    worker_import.refresh_from_db()
    return worker_import


def stored(field):
    return bool(field) and field.storage.exists(field.name)


@pytest.fixture
def refused_old(licensed, client, monkeypatch):  # noqa: F811
    """A refused file uploaded 366 days ago, with more problems than the record keeps (so a full report is stored)."""
    monkeypatch.setattr(importing, "MAX_STORED_PROBLEMS", 2)
    worker_import = uploaded(client, licensed.agency_staff, 366, [row(n, district="Nowhere") for n in range(1, 6)])
    assert worker_import.status == ImportStatus.INVALID and worker_import.problems
    assert stored(worker_import.file) and stored(worker_import.problem_report)
    return worker_import


def test_the_period_is_a_seeded_regulatory_parameter():
    assert RegulatoryParameter.objects.get(key="retention.worker_import_days").value == Decimal("365")


def test_an_old_file_goes_from_storage_and_the_record_of_the_upload_stays(licensed, client, refused_old):  # noqa: F811
    file_name, report_name = refused_old.file.name, refused_old.problem_report.name
    storage = refused_old.file.storage

    with frozen():
        call_command("run_scheduled_jobs", only=["workers.import_file_retention"])

    refused_old.refresh_from_db()
    assert not storage.exists(file_name) and not storage.exists(report_name)
    assert refused_old.file.name == "" and refused_old.problem_report.name == "" and refused_old.problems == []
    # What the upload was stays: who, when, which agency, how many rows and problems, the outcome.
    assert refused_old.status == ImportStatus.INVALID and refused_old.total_rows == 5 and refused_old.problem_count == 5
    assert refused_old.uploaded_by == licensed.agency_staff and refused_old.original_name == "workers.csv"

    page = client.get(reverse("workers:import_detail", args=[refused_old.pk])).content.decode()
    assert "The file and its problems were removed after the retention period" in page
    assert "Nowhere" not in page
    report = b"".join(client.get(reverse("workers:import_problems", args=[refused_old.pk])).streaming_content).decode()
    assert "removed after the retention period" in report and "Nowhere" not in report


def test_a_recent_file_stays(licensed, client, refused_old):  # noqa: F811
    recent = uploaded(client, licensed.agency_staff, 364, [row(1)])
    with frozen():
        summary = retention.remove_old_import_files()
    recent.refresh_from_db()
    assert stored(recent.file)
    assert "workers' files removed: 1 imports" in summary


def test_a_file_never_confirmed_can_no_longer_be_imported(licensed, client):  # noqa: F811
    waiting = uploaded(client, licensed.agency_staff, 400, [row(1), row(2)])
    assert waiting.status == ImportStatus.VALID
    with frozen():
        retention.remove_old_import_files()
    response = client.post(reverse("workers:import_confirm", args=[waiting.pk]), follow=True)
    waiting.refresh_from_db()
    assert waiting.status == ImportStatus.VALID and not waiting.file
    assert "Only a checked file without problems can be imported" in response.content.decode()
    assert "Confirm and register the workers" not in response.content.decode()


@pytest.mark.parametrize("status", [ImportStatus.VALIDATING, ImportStatus.IMPORTING])
def test_an_import_still_running_is_never_touched(licensed, client, status):  # noqa: F811
    running = uploaded(client, licensed.agency_staff, 800, [row(1)])
    WorkerImport.objects.filter(pk=running.pk).update(status=status)
    with frozen():
        retention.remove_old_import_files()
    running.refresh_from_db()
    assert stored(running.file)


def test_a_second_run_changes_nothing_and_no_period_removes_nothing(licensed, client, refused_old):  # noqa: F811
    with frozen():
        assert "removed: 1 imports" in retention.remove_old_import_files()
        assert "removed: 0 imports" in retention.remove_old_import_files()
    other = uploaded(client, licensed.agency_staff, 900, [row(1)])
    RegulatoryParameter.objects.filter(key="retention.worker_import_days").delete()
    with frozen():
        assert retention.remove_old_import_files() == "no retention period for workers' files in force"
    other.refresh_from_db()
    assert stored(other.file)
