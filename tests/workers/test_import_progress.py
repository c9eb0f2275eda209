"""Progress of the import step: the page shows how many workers are written so far while the import runs in its
one all-or-nothing transaction, read from outside that transaction (another connection, as the web server is)."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.factories import AgencyFactory, AgencyStaffFactory, LicenceFactory
from tests.workers.test_import import csv_bytes, row, upload
from workers import importing, tasks
from workers.models import ImportStatus, Worker, WorkerImport


class Queue:
    """A background worker that has not yet picked the task up."""

    enqueued: list[int] = []

    @classmethod
    def enqueue(cls, import_id):
        cls.enqueued.append(import_id)


def confirmed_import(client, user, rows, monkeypatch):
    """A checked file, confirmed, whose import task is queued but not yet run."""
    worker_import = upload(client, user, csv_bytes(rows))
    assert worker_import.status == ImportStatus.VALID, worker_import.problems
    monkeypatch.setattr(tasks, "run_worker_import", Queue)
    client.post(reverse("workers:import_confirm", args=[worker_import.pk]))
    worker_import.refresh_from_db()
    assert worker_import.status == ImportStatus.IMPORTING
    return worker_import


@pytest.mark.django_db(transaction=True)
def test_progress_is_seen_from_outside_the_import_transaction(reference_data, monkeypatch):
    agency = AgencyFactory()
    LicenceFactory(agency=agency)
    staff = AgencyStaffFactory(agency=agency)
    client = Client()
    monkeypatch.setattr(importing, "BATCH_SIZE", 2)
    worker_import = confirmed_import(client, staff, [row(n) for n in range(1, 6)], monkeypatch)
    page_url = reverse("workers:import_detail", args=[worker_import.pk])
    seen = []

    def look_from_another_connection():
        # A separate thread has its own database connection, as the web server has while the worker imports.
        try:
            other = Client()
            other.cookies = client.cookies
            response = other.get(page_url)
            seen.append(response.content.decode())
            if connection.vendor == "postgresql":  # SQLite's shared test cache refuses to read a table being written
                seen.append(Worker.objects.count())
        except Exception as error:  # noqa: BLE001 - reported below
            seen.append(error)
        finally:
            connection.close()

    record = importing.record_progress

    def record_and_look(import_id, written):
        record(import_id, written)
        if written == 2:  # the first chunk is written, the transaction still open
            thread = threading.Thread(target=look_from_another_connection)
            thread.start()
            thread.join(timeout=30)

    monkeypatch.setattr(importing, "record_progress", record_and_look)
    assert importing.run_import(worker_import.pk) == ImportStatus.IMPORTED
    page = seen[0]
    assert not isinstance(page, Exception), page
    assert "2 of 5 written so far" in page and '<meta http-equiv="refresh" content="3">' in page
    if connection.vendor == "postgresql":
        assert seen[1] == 0  # all or nothing: the written chunk is not in the register before the commit
    assert Worker.objects.count() == 5
    assert importing.import_progress(worker_import.pk) is None  # the record holds the result now
    final = client.get(page_url).content.decode()
    assert "written so far" not in final and "refresh" not in final


def test_page_shows_the_progress_of_a_running_import(cast, client, monkeypatch):
    LicenceFactory(agency=cast.agency_a)
    worker_import = confirmed_import(client, cast.agency_staff, [row(1), row(2), row(3)], monkeypatch)
    page_url = reverse("workers:import_detail", args=[worker_import.pk])
    assert "Starting…" in client.get(page_url).content.decode()
    importing.record_progress(worker_import.pk, 2)
    page = client.get(page_url).content.decode()
    assert "2 of 3 written so far" in page and '<meta http-equiv="refresh" content="3">' in page
    importing.run_import(worker_import.pk)
    assert importing.import_progress(worker_import.pk) is None
    assert "written so far" not in client.get(page_url).content.decode()


def test_a_failed_import_leaves_no_progress_behind(cast, client, monkeypatch):
    LicenceFactory(agency=cast.agency_a)
    worker_import = confirmed_import(client, cast.agency_staff, [row(1), row(2), row(3)], monkeypatch)
    cast.agency_a.licences.update(status="suspended")
    assert importing.run_import(worker_import.pk) == ImportStatus.FAILED
    assert "no licence in force" in WorkerImport.objects.get(pk=worker_import.pk).message
    assert importing.import_progress(worker_import.pk) is None
    assert not Worker.objects.exists()


def test_progress_is_recorded_after_each_chunk(cast, client, monkeypatch):
    LicenceFactory(agency=cast.agency_a)
    monkeypatch.setattr(importing, "BATCH_SIZE", 2)
    worker_import = confirmed_import(client, cast.agency_staff, [row(n) for n in range(1, 6)], monkeypatch)
    said = []
    monkeypatch.setattr(importing, "record_progress", lambda import_id, written: said.append(written))
    importing.run_import(worker_import.pk)
    assert said == [0, 2, 4, 5]
    assert WorkerImport.objects.get(pk=worker_import.pk).imported_rows == 5


def test_unreadable_progress_is_not_an_error(cast, client, monkeypatch, settings):
    LicenceFactory(agency=cast.agency_a)
    worker_import = confirmed_import(client, cast.agency_staff, [row(1)], monkeypatch)
    path = importing._progress_path(worker_import.pk)
    importing.record_progress(worker_import.pk, 1)
    with open(path, "w") as garbled:
        garbled.write("not a number")
    assert importing.import_progress(worker_import.pk) is None
    assert "Starting…" in client.get(reverse("workers:import_detail", args=[worker_import.pk])).content.decode()
