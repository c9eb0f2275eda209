"""Hostile uploads through the real upload screens: a wrong type dressed with the right extension, a file just over
the limit, a zip bomb or a damaged zip for a workbook, and path tricks in the file's name. Each is refused with a
message and leaves no row behind, or (for names) is stored under a generated name with the given one kept only as
text to show."""

import datetime
import io
import re
import zipfile
from dataclasses import dataclass

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import ApplicationDocument
from contracts.models import Contract, JobOrder
from core import uploads
from core.dates import today
from inspections import services as inspection_services
from inspections.models import Evidence, InspectorProfile
from tests.contracts.test_documents import approved_contract
from tests.factories import PDF_BYTES, contract_setting
from tests.inspections.test_audits import EVERY_DAY, booked_audit, reported
from tests.test_permission_matrix import _application_of_agency_a
from workers.models import ImportStatus, Worker, WorkerImport

pytestmark = pytest.mark.django_db


@dataclass
class UploadScreen:
    """One upload screen: who uses it, where, the rest of its form, and how many files it holds."""

    user: object
    url: str
    field: str
    data: dict
    count: object  # () -> number of stored files of this kind

    def post(self, client, upload):
        client.force_login(self.user)
        return client.post(self.url, self.data | {self.field: upload}, follow=True)


def _agency_document(cast):
    application = _application_of_agency_a(cast)
    return UploadScreen(
        cast.agency_staff,
        reverse("agencies:document_upload", args=[application.pk]),
        "file",
        {"kind": "premises"},
        lambda: ApplicationDocument.objects.filter(application=application).count(),
    )


def _demand_letter(cast):
    setting = contract_setting(agency=cast.agency_a)
    data = {
        "employer": setting["employer"].pk,
        "agreement": setting["agreement"].pk,
        "occupation": "8111",
        "sector": setting["sector"].pk,
        "positions": "3",
        "wage_amount": "9500",
        "currency": "ZAR",
        "wage_period": "month",
        "hours_per_week": "45",
        "contract_months": "12",
        "work_place": "Welkom",
        "valid_from": today().isoformat(),
        "valid_until": (today() + datetime.timedelta(days=90)).isoformat(),
    }
    return UploadScreen(
        cast.agency_staff,
        reverse("contracts:job_order_create"),
        "demand_letter",
        data,
        lambda: JobOrder.objects.filter(work_place="Welkom").count(),
    )


def _signed_copy(cast):
    contract = approved_contract(cast)
    return UploadScreen(
        cast.agency_staff,
        reverse("contracts:contract_upload", args=[contract.pk]),
        "file",
        {},
        lambda: Contract.objects.filter(pk=contract.pk).exclude(signed_copy="").count(),
    )


def _audit_evidence(cast):
    InspectorProfile.objects.create(
        user=cast.inspector, home_district="maseru", working_weekdays=EVERY_DAY, max_audits_per_week=5
    )
    audit = booked_audit(cast)
    inspection_services.start_audit(by=cast.inspector, audit_id=audit.pk)
    answer = audit.answers.first() or _first_answer(cast, audit)
    return UploadScreen(
        cast.inspector, reverse("inspections:evidence_upload", args=[answer.pk]), "file", {}, lambda: Evidence.objects.count()
    )


def _first_answer(cast, audit):
    from inspections.models import ChecklistAnswer, ChecklistItem

    return ChecklistAnswer.objects.create(audit=audit, item=ChecklistItem.objects.first())


def _corrective_action_evidence(cast):
    from tests.factories import LicenceFactory

    InspectorProfile.objects.create(
        user=cast.inspector, home_district="maseru", working_weekdays=EVERY_DAY, max_audits_per_week=5
    )
    LicenceFactory(agency=cast.agency_a)
    audit = reported(cast)
    inspection_services.review_audit(by=cast.chief_inspector, audit_id=audit.pk)
    action = audit.findings.get().actions.get()
    return UploadScreen(
        cast.agency_staff,
        reverse("inspections:action_respond", args=[action.pk]),
        "evidence",
        {"response": "Refunded every worker."},
        lambda: Evidence.objects.filter(action=action).count(),
    )


SCREENS = {
    "agency document": _agency_document,
    "demand letter": _demand_letter,
    "signed contract copy": _signed_copy,
    "audit evidence": _audit_evidence,
    "corrective-action evidence": _corrective_action_evidence,
}

DISGUISED = {
    "HTML named .pdf": ("report.pdf", b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"),
    "a Windows program named .pdf": ("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64),
    "a Windows program named .png": ("photo.png", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64),
    "HTML named .jpg": ("scan.jpg", b"<html><body onload=alert(1)>"),
    "SVG with script named .png": ("scan.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    "a zip named .pdf": ("letter.pdf", b"PK\x03\x04" + b"\x00" * 64),
    "an empty file": ("empty.pdf", b""),
}


def _all_messages(response) -> str:
    return response.content.decode() + " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.mark.parametrize("disguise", DISGUISED)
@pytest.mark.parametrize("screen_name", SCREENS)
def test_a_wrong_type_dressed_with_the_right_extension_is_refused(cast, client, screen_name, disguise):
    screen = SCREENS[screen_name](cast)
    before = screen.count()
    name, content = DISGUISED[disguise]
    response = screen.post(client, SimpleUploadedFile(name, content, content_type="application/pdf"))
    assert response.status_code in (200, 400)
    text = _all_messages(response)
    expected = "Only PDF, JPEG or PNG"
    if not content:  # Django's form refuses an empty file before the content check; each screen says so its own way
        own_words = {"signed contract copy": "Choose the file of the signed copy", "audit evidence": "Choose the photo or scan"}
        expected = own_words.get(screen_name, "The submitted file is empty")
    assert expected in text, text[-3000:]
    assert screen.count() == before


@pytest.mark.parametrize("screen_name", SCREENS)
def test_a_file_just_over_the_limit_is_refused_with_the_limit_named(cast, client, screen_name, settings):
    settings.UPLOAD_MAX_BYTES = 64 * 1024
    screen = SCREENS[screen_name](cast)
    before = screen.count()
    content = b"%PDF-1.7\n" + b"0" * (settings.UPLOAD_MAX_BYTES + 1 - 9)
    response = screen.post(client, SimpleUploadedFile("big.pdf", content, content_type="application/pdf"))
    assert "the limit is 64.0\xa0KB" in _all_messages(response)
    assert screen.count() == before
    # One byte less is accepted: the limit is the limit, not something near it.
    screen.post(client, SimpleUploadedFile("fits.pdf", content[:-1], content_type="application/pdf"))
    assert screen.count() == before + 1


class CountingFile(io.BytesIO):
    def __init__(self, size):
        super().__init__(b"%PDF-1.7\n")
        self.size, self.bytes_read = size, 0
        self.name = "huge.pdf"

    def read(self, n=-1):
        data = super().read(n)
        self.bytes_read += len(data)
        return data


def test_the_size_is_judged_before_reading_the_file(settings):
    """An upload of any size is refused from its stated size (Django keeps a large one on disk), never read whole."""
    huge = CountingFile(settings.UPLOAD_MAX_BYTES + 1)
    with pytest.raises(uploads.ValidationError, match="the limit is 10.0"):
        uploads.check_document(huge)
    assert huge.bytes_read == 0
    fits = CountingFile(settings.UPLOAD_MAX_BYTES)
    assert uploads.check_document(fits) == "application/pdf"
    assert fits.bytes_read <= 16  # the signature only


def test_a_document_over_ten_megabytes_is_refused_at_the_real_limit(cast, client, settings):
    assert settings.UPLOAD_MAX_BYTES == 10 * 1024 * 1024
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE < settings.UPLOAD_MAX_BYTES  # Django spools such an upload to disk
    screen = _agency_document(cast)
    before = screen.count()
    content = b"%PDF-1.7\n" + b"0" * (settings.UPLOAD_MAX_BYTES + 1 - 9)
    response = screen.post(client, SimpleUploadedFile("big.pdf", content, content_type="application/pdf"))
    assert "the limit is 10.0\xa0MB" in _all_messages(response)
    assert screen.count() == before


# --- Names ------------------------------------------------------------------------------------------------------

TRICKY_NAMES = [
    "../../etc/passwd.pdf",
    "/etc/passwd.pdf",
    "..\\..\\windows\\system32\\drivers\\etc\\hosts.pdf",
    "C:\\Users\\Public\\evil.pdf",
    "name\x00.pdf.exe",
    "tab\tand\nnewline\r.pdf",
    "a" * 1_000 + ".pdf",
    "...",
    ". . .pdf",
    "CON",
    "NUL.pdf",
    "LPT1.pdf",
    "aux",
    "\u202egpj.exe.pdf",  # right-to-left override
    "<script>alert(1)</script>.pdf",
    '"; filename="evil.html',
]


@pytest.mark.parametrize("name", TRICKY_NAMES)
@pytest.mark.parametrize("screen_name", SCREENS)
def test_the_stored_name_is_generated_and_the_given_name_only_shown(cast, client, screen_name, name):
    screen = SCREENS[screen_name](cast)
    before = screen.count()
    screen.post(client, SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf"))
    assert screen.count() == before + 1
    stored, shown = _latest_file(screen_name)
    # Stored as <folder>/<id>/<32 random hex digits>: nothing of the given name reaches the file system.
    assert re.fullmatch(r"[a-z-]+(/[a-z-]+)?(/\d+)?/[0-9a-f]{32}", stored), stored
    assert not any(char in shown for char in "/\\\x00\n\r\t") and len(shown) <= 255, shown
    assert shown.strip(". ") or shown == ""


def _latest_file(screen_name) -> tuple[str, str]:
    if screen_name == "agency document":
        document = ApplicationDocument.objects.latest("pk")
        return document.file.name, document.original_name
    if screen_name == "demand letter":
        job_order = JobOrder.objects.latest("pk")
        return job_order.demand_letter.name, job_order.demand_letter_name
    if screen_name == "signed contract copy":
        contract = Contract.objects.exclude(signed_copy="").latest("pk")
        return contract.signed_copy.name, contract.signed_copy_name
    evidence = Evidence.objects.latest("pk")
    return evidence.file.name, evidence.original_name


def test_a_shown_name_is_cleaned_whoever_named_it():
    """Django's upload parser already drops folders and control characters; a service called by other code is
    handed a file object of any name, so the shown name is cleaned again."""
    from types import SimpleNamespace

    def named(name):
        return uploads.display_name(SimpleNamespace(name=name), "document")

    assert named("x" * 600 + ".pdf").endswith("….pdf") and len(named("x" * 600 + ".pdf")) == 255
    assert named("../../etc/passwd") == "passwd"
    assert named("C:\\Windows\\evil.pdf") == "evil.pdf"
    assert named("..") == named("...") == named("") == named(None) == "document"
    assert named("a\x00b\x1bc\u202e.pdf") == "abc.pdf"


# --- Workbooks of workers ---------------------------------------------------------------------------------------


@pytest.fixture
def import_as_agency(cast, client):
    from tests.factories import LicenceFactory

    LicenceFactory(agency=cast.agency_a)
    client.force_login(cast.agency_staff)

    def upload(name, content):
        response = client.post(reverse("workers:import_start"), {"file": SimpleUploadedFile(name, content)}, follow=True)
        assert response.status_code == 200
        return response

    return upload


def _zip(members, compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        for name, chunks in members:
            with archive.open(name, "w", force_zip64=True) as member:
                for chunk in chunks:
                    member.write(chunk)
    return out.getvalue()


def _zeros(megabytes):
    block = b"\x00" * (1024 * 1024)
    return (block for _ in range(megabytes))


def _refused_before_openpyxl(monkeypatch):
    import openpyxl

    def must_not_open(*args, **kwargs):
        raise AssertionError("openpyxl was asked to open a workbook that should have been refused")

    monkeypatch.setattr(openpyxl, "load_workbook", must_not_open)


BOMBS = {
    "a member inflating to 400 MB": (lambda: _zip([("xl/worksheets/sheet1.xml", _zeros(400))]), "once opened"),
    "a member compressed a thousand times": (lambda: _zip([("xl/worksheets/sheet1.xml", _zeros(20))]), "zip bomb"),
    "five thousand members": (
        lambda: _zip([(f"xl/media/{n}.xml", [b"<x/>"]) for n in range(5_000)], compression=zipfile.ZIP_STORED),
        "5,000 parts",
    ),
}


@pytest.mark.parametrize("bomb", BOMBS)
def test_a_zip_bomb_workbook_is_refused_before_it_is_opened(import_as_agency, monkeypatch, bomb):
    make, message = BOMBS[bomb]
    _refused_before_openpyxl(monkeypatch)
    response = import_as_agency("workers.xlsx", make())
    worker_import = WorkerImport.objects.get()
    assert worker_import.status == ImportStatus.INVALID
    assert message in worker_import.message and message in response.content.decode()
    assert not Worker.objects.exists()


@pytest.mark.parametrize(
    "content",
    [
        b"PK\x03\x04" + b"\xff" * 200,  # the signature, then nothing a zip reader can use
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00",  # cut off in its first header
    ],
    ids=["garbage after the signature", "cut off"],
)
def test_a_damaged_workbook_is_refused_with_a_message(import_as_agency, content):
    response = import_as_agency("workers.xlsx", content)
    worker_import = WorkerImport.objects.get()
    assert worker_import.status == ImportStatus.INVALID and "damaged" in worker_import.message
    assert "damaged" in response.content.decode()


def test_a_truncated_real_workbook_is_refused(import_as_agency):
    from tests.workers.test_import import row, xlsx_bytes

    whole = xlsx_bytes([row(1), row(2)])
    import_as_agency("workers.xlsx", whole[: len(whole) // 2])
    worker_import = WorkerImport.objects.get()
    assert worker_import.status == ImportStatus.INVALID and "Excel workbook" in worker_import.message
    assert not Worker.objects.exists()


@pytest.mark.parametrize(
    "name, content",
    [
        ("workers.xlsx", PDF_BYTES),
        ("workers.xlsx", b"first_name,last_name\nLineo,Mohapi\n"),
        ("workers.csv", _zip([("xl/workbook.xml", [b"<workbook/>"])])),
        ("workers.csv", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256))),
    ],
    ids=["a PDF named .xlsx", "a CSV named .xlsx", "a workbook named .csv", "a program named .csv"],
)
def test_a_worker_file_of_the_wrong_type_is_refused(import_as_agency, name, content):
    response = import_as_agency(name, content)
    worker_import = WorkerImport.objects.get()
    assert worker_import.status == ImportStatus.INVALID and worker_import.message
    assert worker_import.message.split(".")[0] in response.content.decode()
    assert not Worker.objects.exists()


@pytest.mark.parametrize("name", ["workers.pdf", "workers.xlsx.exe", "workers", "../../workers.csv.html"])
def test_a_worker_file_without_the_right_extension_stores_nothing(import_as_agency, name):
    response = import_as_agency(name, b"first_name\n")
    assert "Upload a CSV file (.csv) or an Excel workbook (.xlsx)." in response.content.decode()
    assert not WorkerImport.objects.exists()


def test_a_worker_file_name_with_path_tricks_is_stored_under_a_generated_name(import_as_agency):
    from tests.workers.test_import import csv_bytes, row

    import_as_agency("..\\..\\..\\etc\\cron.d\\workers.csv", csv_bytes([row(1)]))
    worker_import = WorkerImport.objects.get()
    assert re.fullmatch(r"worker-imports/\d+/[0-9a-f]{32}", worker_import.file.name)
    assert worker_import.original_name == "workers.csv"
