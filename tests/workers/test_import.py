"""Bulk registration of workers: a clean file registers everyone, any problem registers no one, and the report says where."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.factories import LicenceFactory, WorkerFactory
from workers import importing
from workers.models import AgencyWorker, ImportStatus, Worker, WorkerImport

pytestmark = pytest.mark.django_db

HEADER = list(importing.COLUMNS)


def row(n=1, **overrides):
    expiry = (timezone.localdate() + datetime.timedelta(days=800)).isoformat()
    values = {
        "first_name": "Lineo", "last_name": f"Ramokoena{n}", "sex": "female", "date_of_birth": "1992-07-02",
        "national_id": f"0207199{n:06d}", "passport_number": f"RA{n:07d}", "passport_expiry": expiry,
        "district": "Maseru", "village": "Ha Thetsane", "mobile": f"+2665{n:07d}", "preferred_language": "st",
        "sms_consent": "yes", "next_of_kin_name": "Mpho", "next_of_kin_phone": "+26662000001",
    }
    return values | overrides


def csv_bytes(rows, header=HEADER, encoding="utf-8"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for values in rows:
        writer.writerow([values.get(column, "") for column in header] if isinstance(values, dict) else values)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for values in rows:
        sheet.append([values.get(column, "") for column in header] if values else [])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def licensed(cast):
    LicenceFactory(agency=cast.agency_a)
    return cast


def upload(client, user, content, name="workers.csv", **data):
    client.force_login(user)
    response = client.post(reverse("workers:import_start"), {"file": SimpleUploadedFile(name, content), **data})
    assert response.status_code == 302, response.content.decode()[:2000]
    return WorkerImport.objects.latest("pk")


def confirm(client, worker_import):
    return client.post(reverse("workers:import_confirm", args=[worker_import.pk]))


def problems(worker_import):
    return [(p["row"], p["column"], p["message"]) for p in worker_import.problems]


def test_clean_csv_imports_every_worker_linked_to_the_agency(licensed, client):
    worker_import = upload(client, licensed.agency_staff, csv_bytes([row(1), row(2), row(3)]))
    assert worker_import.status == ImportStatus.VALID, worker_import.problems
    assert worker_import.total_rows == 3
    assert not Worker.objects.exists()  # checking writes nothing
    page = client.get(reverse("workers:import_detail", args=[worker_import.pk]))
    assert "Confirm and register the workers" in page.content.decode()
    confirm(client, worker_import)
    worker_import.refresh_from_db()
    assert worker_import.status == ImportStatus.IMPORTED
    assert worker_import.imported_rows == 3
    assert Worker.objects.for_agency(licensed.agency_a.pk).count() == 3
    worker = Worker.objects.get(national_id="0207199000001")
    assert worker.mobile.as_e164 == "+26650000001"
    assert worker.passport_number == "RA0000001"
    assert worker.district == "maseru" and worker.created_by == licensed.agency_staff
    assert AgencyWorker.objects.filter(agency=licensed.agency_a, started_by=licensed.agency_staff).count() == 3
    created = worker.history.get()
    assert (created.history_type, created.history_user, created.history_change_reason) == (
        "+", licensed.agency_staff, "registered by bulk import")
    assert created.mobile.as_e164 == "+26650000001"
    assert AgencyWorker.history.filter(worker_id=worker.pk, history_type="+").count() == 1
    # Confirming twice imports nothing more.
    confirm(client, worker_import)
    assert Worker.objects.count() == 3


def test_clean_xlsx_imports_every_worker(licensed, client):
    rows = [row(1), None, row(2, date_of_birth=datetime.date(1990, 1, 5), national_id=12345678901, mobile=26658000002)]
    worker_import = upload(client, licensed.agency_staff, xlsx_bytes(rows), name="workers.xlsx")
    assert worker_import.status == ImportStatus.VALID, worker_import.problems
    assert worker_import.total_rows == 2
    confirm(client, worker_import)
    assert Worker.objects.for_agency(licensed.agency_a.pk).count() == 2
    second = Worker.objects.get(national_id="12345678901")
    assert second.date_of_birth == datetime.date(1990, 1, 5)
    assert second.mobile.as_e164 == "+26658000002"


def test_registrar_imports_for_a_chosen_agency(licensed, client):
    worker_import = upload(client, licensed.registrar, csv_bytes([row(1)]), agency=licensed.agency_b.pk)
    confirm(client, worker_import)
    assert Worker.objects.for_agency(licensed.agency_b.pk).count() == 1


def test_one_bad_row_imports_nothing_and_the_report_names_row_and_column(licensed, client):
    future = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    rows = [row(1), row(2, date_of_birth=future), row(3, mobile="+26622312345"), row(4, district="Gauteng"),
            row(5, first_name=""), row(6, date_of_birth="2015-01-01"), row(7, passport_expiry="2020-01-01")]
    worker_import = upload(client, licensed.agency_staff, csv_bytes(rows))
    assert worker_import.status == ImportStatus.INVALID
    found = {(r, c) for r, c, _m in problems(worker_import)}
    assert found == {(3, "date_of_birth"), (4, "mobile"), (5, "district"), (6, "first_name"), (7, "date_of_birth"),
                     (8, "passport_expiry")}
    messages = dict(((r, c), m) for r, c, m in problems(worker_import))
    assert "fixed line" in messages[(4, "mobile")]
    assert "at least 18" in messages[(7, "date_of_birth")]
    page = client.get(reverse("workers:import_detail", args=[worker_import.pk])).content.decode()
    assert "Confirm and register" not in page and "<td>4</td><td>mobile</td>" in page
    # Confirming an invalid import does nothing.
    confirm(client, worker_import)
    assert not Worker.objects.exists()


def test_failure_during_the_import_writes_nothing(licensed, client, monkeypatch):
    worker_import = upload(client, licensed.agency_staff, csv_bytes([row(n) for n in range(1, 6)]))
    monkeypatch.setattr(importing, "BATCH_SIZE", 2)
    # Someone registers row 5's worker between the check and the import: the whole file is refused.
    WorkerFactory(national_id=row(5)["national_id"])
    confirm(client, worker_import)
    worker_import.refresh_from_db()
    assert worker_import.status == ImportStatus.FAILED and "nothing was imported" in worker_import.message
    assert Worker.objects.count() == 1 and not AgencyWorker.objects.exists()


def test_duplicate_in_the_file(licensed, client):
    rows = [row(1), row(2, national_id="0207 199 000001"), row(3, passport_number="ra0000001")]
    worker_import = upload(client, licensed.agency_staff, csv_bytes(rows))
    assert problems(worker_import) == [
        (3, "national_id", "0207199000001 is also on row 2; each worker appears once."),
        (4, "passport_number", "RA0000001 is also on row 2; each worker appears once."),
    ]


def test_number_already_registered_reveals_nothing(licensed, client):
    WorkerFactory(national_id="0207199000002", agency=licensed.agency_b, first_name="Secret")
    WorkerFactory(passport_number="RA0000003")
    worker_import = upload(client, licensed.agency_staff, csv_bytes([row(1), row(2), row(3)]))
    assert problems(worker_import) == [
        (3, "national_id", "is already registered; claim this worker instead."),
        (4, "passport_number", "is already registered; claim this worker instead."),
    ]
    page = client.get(reverse("workers:import_detail", args=[worker_import.pk])).content.decode()
    assert "Secret" not in page and licensed.agency_b.trading_name not in page


def test_formula_cell_is_refused_but_a_phone_number_with_plus_is_not(licensed, client):
    rows = [row(1, village="=HYPERLINK(\"http://x\")"), row(2, next_of_kin_name="@SUM(A1)"), row(3)]
    worker_import = upload(client, licensed.agency_staff, csv_bytes(rows))
    found = problems(worker_import)
    assert [(r, c) for r, c, _m in found] == [(2, "village"), (3, "next_of_kin_name")]
    assert "formula" in found[0][2]


def test_formula_in_an_xlsx_cell_is_refused(licensed, client):
    worker_import = upload(client, licensed.agency_staff, xlsx_bytes([row(1, last_name="=A1&B1")]), name="w.xlsx")
    assert [(r, c) for r, c, _m in problems(worker_import)] == [(2, "last_name")]


def test_wrong_header(licensed, client):
    header = [("firstname" if column == "first_name" else column) for column in HEADER]
    worker_import = upload(client, licensed.agency_staff, csv_bytes([row(1)], header=header))
    assert worker_import.status == ImportStatus.INVALID
    assert "lacks: first_name" in worker_import.message and "firstname" in worker_import.message


def test_header_is_case_insensitive_and_semicolons_are_read(licensed, client):
    content = csv_bytes([row(1)]).decode().replace(",", ";")
    content = content.replace("first_name", "First Name")
    worker_import = upload(client, licensed.agency_staff, ("\ufeff" + content).encode())
    assert worker_import.status == ImportStatus.VALID, (worker_import.message, worker_import.problems)


def test_non_utf8_file_is_refused(licensed, client):
    content = csv_bytes([row(1, village="Ha Tšepo")], encoding="cp1252")
    worker_import = upload(client, licensed.agency_staff, content)
    assert worker_import.status == ImportStatus.INVALID and "not in UTF-8" in worker_import.message


def test_not_a_csv_or_xlsx(licensed, client):
    client.force_login(licensed.agency_staff)
    response = client.post(reverse("workers:import_start"), {"file": SimpleUploadedFile("w.pdf", b"%PDF-1.4")})
    assert response.status_code == 200 and "CSV" in response.content.decode()
    worker_import = upload(client, licensed.agency_staff, b"not a zip at all", name="w.xlsx")
    assert worker_import.status == ImportStatus.INVALID and "neither" in worker_import.message


def test_empty_rows_are_skipped_but_counted(licensed, client):
    content = csv_bytes([row(1), ["" for _column in HEADER], row(2, district="Gauteng")]) + b"\r\n\r\n"
    worker_import = upload(client, licensed.agency_staff, content)
    assert worker_import.total_rows == 2
    assert [(r, c) for r, c, _m in problems(worker_import)] == [(4, "district")]


def test_huge_file_is_refused(licensed, client, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 3)
    worker_import = upload(client, licensed.agency_staff, csv_bytes([row(n) for n in range(1, 5)]))
    assert worker_import.status == ImportStatus.INVALID and "more than 3 rows" in worker_import.message
    worker_import = upload(client, licensed.agency_staff, csv_bytes([row(n) for n in range(1, 4)]))
    assert worker_import.status == ImportStatus.VALID


def test_stored_problems_are_capped_with_the_total(licensed, client, monkeypatch):
    monkeypatch.setattr(importing, "MAX_STORED_PROBLEMS", 2)
    worker_import = upload(client, licensed.agency_staff, csv_bytes([row(n, district="x") for n in range(1, 6)]))
    assert len(worker_import.problems) == 2 and worker_import.problem_count == 5


def test_large_files_are_checked_in_the_background_with_progress(licensed, client, monkeypatch):
    monkeypatch.setattr(importing, "INLINE_BYTES", 10)
    monkeypatch.setattr(importing, "BATCH_SIZE", 2)
    enqueued = []
    from workers import tasks

    class Queue:  # a background worker that has not yet picked the task up
        @staticmethod
        def enqueue(import_id):
            enqueued.append(import_id)

    monkeypatch.setattr(tasks, "validate_worker_import", Queue)
    worker_import = upload(client, licensed.agency_staff, csv_bytes([row(n) for n in range(1, 6)]))
    assert enqueued == [worker_import.pk] and worker_import.status == ImportStatus.VALIDATING
    page = client.get(reverse("workers:import_detail", args=[worker_import.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page
    importing.validate_import(worker_import.pk)
    worker_import.refresh_from_db()
    assert worker_import.status == ImportStatus.VALID and worker_import.processed_rows == 5


def test_agency_without_a_licence_in_force_is_refused(cast, client):
    client.force_login(cast.agency_staff)
    page = client.get(reverse("workers:import_start")).content.decode()
    assert "no licence in force" in page
    response = client.post(reverse("workers:import_start"), {"file": SimpleUploadedFile("w.csv", csv_bytes([row(1)]))})
    assert "no licence in force" in response.content.decode()
    assert not WorkerImport.objects.exists()


def test_licence_lapsing_before_confirmation_imports_nothing(licensed, client):
    worker_import = upload(client, licensed.agency_staff, csv_bytes([row(1)]))
    licensed.agency_a.licences.update(status="suspended")
    confirm(client, worker_import)
    worker_import.refresh_from_db()
    assert worker_import.status == ImportStatus.FAILED and "no licence in force" in worker_import.message
    assert not Worker.objects.exists()


def test_another_agencys_import_is_not_found(licensed, client):
    worker_import = upload(client, licensed.agency_staff, csv_bytes([row(1)]))
    client.force_login(licensed.other_agency_staff)
    assert client.get(reverse("workers:import_detail", args=[worker_import.pk])).status_code == 404
    assert confirm(client, worker_import).status_code == 404
    assert not Worker.objects.exists()
    assert list(WorkerImport.objects.for_agency(licensed.agency_b.pk)) == []


def test_consent_column_is_respected(licensed, client):
    rows = [row(1, sms_consent="yes"), row(2, sms_consent="No"), row(3, sms_consent=""), row(4, preferred_language="en")]
    worker_import = upload(client, licensed.agency_staff, csv_bytes(rows))
    confirm(client, worker_import)
    consent = dict(Worker.objects.values_list("national_id", "sms_consent"))
    assert consent == {"0207199000001": True, "0207199000002": False, "0207199000003": False, "0207199000004": True}
    agreed = Worker.objects.get(national_id="0207199000001")
    assert agreed.consent_changed_at is not None and agreed.consent_method == "paper"
    assert Worker.objects.get(national_id="0207199000002").consent_changed_at is None
    assert Worker.objects.get(national_id="0207199000004").preferred_language == "en"
    bad = upload(client, licensed.agency_staff, csv_bytes([row(9, sms_consent="maybe")]))
    assert [(r, c) for r, c, _m in problems(bad)] == [(2, "sms_consent")]


# --- Past imports and the full problem report ----------------------------------------------------------------


def download(client, worker_import):
    response = client.get(reverse("workers:import_problems", args=[worker_import.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_full_problem_report_is_kept_beyond_the_stored_problems(licensed, client, monkeypatch):
    monkeypatch.setattr(importing, "MAX_STORED_PROBLEMS", 2)
    worker_import = upload(client, licensed.agency_staff, csv_bytes([row(n, district="x") for n in range(1, 6)]))
    assert len(worker_import.problems) == 2 and worker_import.problem_count == 5
    assert worker_import.problem_report.name.endswith("-problems.csv")
    page = client.get(reverse("workers:import_detail", args=[worker_import.pk])).content.decode()
    assert reverse("workers:import_problems", args=[worker_import.pk]) in page
    rows = download(client, worker_import)
    assert rows[0] == ["Row", "Column", "Problem"]
    assert [(r, c) for r, c, _m in rows[1:]] == [(str(n), "district") for n in range(2, 7)]
    assert "is not a district of Lesotho" in rows[5][2]


def test_a_short_report_downloads_from_the_stored_problems(licensed, client):
    worker_import = upload(client, licensed.agency_staff, csv_bytes([row(1, district="x"), row(2, sex="?")]))
    assert not worker_import.problem_report
    assert [(r, c) for r, c, _m in download(client, worker_import)[1:]] == [("2", "district"), ("3", "sex")]


def test_an_import_checked_before_reports_were_kept_says_what_is_missing(licensed, client):
    worker_import = WorkerImport.objects.create(
        agency=licensed.agency_a, original_name="old.csv", file="worker-imports/none", status=ImportStatus.INVALID,
        problems=[{"row": 2, "column": "sex", "message": "bad"}], problem_count=3,
    )
    client.force_login(licensed.agency_staff)
    rows = download(client, worker_import)
    assert rows[1] == ["2", "sex", "bad"] and "2 more problems that were not kept" in rows[2][2]


def test_downloaded_problems_cannot_run_as_spreadsheet_formulas(licensed, client):
    worker_import = WorkerImport.objects.create(
        agency=licensed.agency_a, original_name="w.csv", file="worker-imports/none", status=ImportStatus.INVALID,
        problems=[{"row": 2, "column": "=cmd|' /C calc'!A0", "message": "@SUM(1)"}], problem_count=1,
    )
    client.force_login(licensed.agency_staff)
    assert download(client, worker_import)[1] == ["2", "'=cmd|' /C calc'!A0", "'@SUM(1)"]


def test_another_agency_cannot_download_the_report(licensed, client):
    worker_import = upload(client, licensed.agency_staff, csv_bytes([row(1, district="x")]))
    client.force_login(licensed.other_agency_staff)
    assert client.get(reverse("workers:import_problems", args=[worker_import.pk])).status_code == 404
    client.force_login(licensed.registrar)
    assert download(client, worker_import)[1][1] == "district"


def test_past_imports_list_shows_the_agencys_own_imports(licensed, client):
    LicenceFactory(agency=licensed.agency_b)
    mine = upload(client, licensed.agency_staff, csv_bytes([row(1, district="x"), row(2)]), name="mine.csv")
    upload(client, licensed.other_agency_staff, csv_bytes([row(3)]), name="theirs.csv")
    client.force_login(licensed.agency_staff)
    page = client.get(reverse("workers:import_list")).content.decode()
    assert "mine.csv" in page and "theirs.csv" not in page
    assert reverse("workers:import_detail", args=[mine.pk]) in page and "Has problems" in page
    client.force_login(licensed.registrar)
    page = client.get(reverse("workers:import_list")).content.decode()
    assert "mine.csv" in page and "theirs.csv" in page
    page = client.get(reverse("workers:import_list"), {"status": ImportStatus.VALID}).content.decode()
    assert "mine.csv" not in page and "theirs.csv" in page


def test_past_imports_export_neutralises_formulas_in_file_names(licensed, client):
    WorkerImport.objects.create(agency=licensed.agency_a, original_name="=HYPERLINK(1).csv", file="worker-imports/none",
                                status=ImportStatus.INVALID)
    client.force_login(licensed.agency_staff)
    response = client.get(reverse("workers:import_list"), {"export": "csv"})
    assert "'=HYPERLINK(1).csv" in b"".join(response.streaming_content).decode()


def test_past_imports_list_queries_do_not_grow_with_rows(licensed, client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    upload(client, licensed.agency_staff, csv_bytes([row(1)]))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("workers:import_list"))
    baseline = len(one)  # now: the next request empties the query log this counts from
    for n in range(2, 12):
        upload(client, licensed.agency_staff, csv_bytes([row(n, district="x")]))
    with django_assert_max_num_queries(baseline):
        page = client.get(reverse("workers:import_list")).content.decode()
    assert page.count(".csv</a>") == 11
