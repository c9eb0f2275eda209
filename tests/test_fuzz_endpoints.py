"""Junk from outside the screens: the SMS provider's webhooks (correctly signed, so the junk reaches the handlers),
workers' CSV and XLSX files, the licence import command, and the public verification pages. Never a 500 (or a
traceback from the command), nothing half-saved after a refusal, and a message for each refusal."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from agencies.models import Agency, Licence
from notifications.models import InboundSms, OutboundSms
from tests.factories import LicenceFactory
from tests.fuzz import BAD_DATES, FUZZ, NASTY, NUMBERS, changed, junk_for, junk_text, row_counts
from tests.notifications.sms_webhook_helpers import PUBLIC, TOKEN, signed_post
from workers import importing
from workers.models import ImportStatus, Worker, WorkerImport

pytestmark = pytest.mark.django_db


@pytest.fixture
def twilio_settings(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = PUBLIC


def in_savepoint(check):
    """Run one example in a savepoint that is rolled back, so every example starts from the same records."""
    with transaction.atomic():
        check()
        transaction.set_rollback(True)


# --- SMS webhooks -------------------------------------------------------------------------------------------

sids = st.one_of(st.just("SM" + "a" * 32), st.just(""), junk_text, st.just("S" * 65))
phones = st.one_of(st.sampled_from(["+27821234567", "+26658001234", "", "+", "00000", "+999999999999999999"]), junk_text)
inbound_params = st.fixed_dictionaries(
    {"MessageSid": sids, "From": phones},
    optional={
        "To": phones,
        "Body": st.one_of(st.sampled_from(["STATUS", "VERIFY PEA-2026-0001", "COMPLAIN", "STOP", "HELP"]), junk_text),
        "OptOutType": st.one_of(st.sampled_from(["STOP", "START", "HELP"]), junk_text),
        "NumMedia": junk_for("number"),
        "junk": junk_text,
    },
)
status_params = st.fixed_dictionaries(
    {"MessageSid": sids, "MessageStatus": st.one_of(st.sampled_from(["queued", "sent", "delivered", "failed"]), junk_text)},
    optional={"ErrorCode": junk_for("number"), "ErrorMessage": junk_text, "AccountSid": junk_text},
)


@FUZZ
@given(params=inbound_params)
def test_an_inbound_sms_of_junk_is_answered_or_refused_never_a_500(client, twilio_settings, params):
    def check():
        before = row_counts()
        response = signed_post(client, "sms:twilio_inbound", params)
        assert response.status_code in (200, 400), response.status_code
        if response.status_code == 400:
            assert response.content.strip()
            assert not changed(before, row_counts())
        else:
            assert response["Content-Type"].startswith("text/xml")
            # Stored once, whatever it says, so a person can read it: a message is never lost to its contents.
            assert InboundSms.objects.count() == before["notifications.InboundSms"] + 1

    in_savepoint(check)


@FUZZ
@given(params=status_params)
def test_a_delivery_receipt_of_junk_is_taken_or_refused_never_a_500(client, twilio_settings, params):
    def check():
        before = row_counts()
        response = signed_post(client, "sms:twilio_status", params)
        assert response.status_code in (200, 400), response.status_code
        if response.status_code == 400:
            assert response.content.strip()
        # A receipt only updates the message it names; it never adds or removes a row.
        assert not changed(before, row_counts())

    in_savepoint(check)


def test_a_nul_byte_in_an_sms_is_stored_without_it(client, twilio_settings):
    response = signed_post(
        client, "sms:twilio_inbound", {"MessageSid": "SM" + "1" * 32, "From": "+27821234567", "Body": "STA\x00TUS"}
    )
    assert response.status_code == 200
    assert InboundSms.objects.get().body == "STATUS"


# --- Workers' files -----------------------------------------------------------------------------------------

cell = st.one_of(st.sampled_from(NASTY + NUMBERS + BAD_DATES), junk_text, st.just("Maseru"), st.just("yes"))
worker_rows = st.lists(st.fixed_dictionaries({column: cell for column in importing.COLUMNS}), min_size=1, max_size=4)


def _csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(importing.COLUMNS)
    for values in rows:
        writer.writerow([values[column] for column in importing.COLUMNS])
    return out.getvalue().encode("utf-8", errors="surrogatepass")


def _xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(importing.COLUMNS))
    for values in rows:  # a workbook cannot hold control characters at all; the rest goes in as typed
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", values[column])[:32_000] for column in importing.COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def agency_staff(cast, client):
    LicenceFactory(agency=cast.agency_a)
    client.force_login(cast.agency_staff)
    return cast.agency_staff


@FUZZ
@given(rows=worker_rows, kind=st.sampled_from(["csv", "xlsx"]))
def test_a_file_of_junk_workers_is_refused_whole_with_the_problems_listed(client, agency_staff, rows, kind):
    def check():
        before = row_counts()
        content = _csv(rows) if kind == "csv" else _xlsx(rows)
        response = client.post(reverse_import(), {"file": SimpleUploadedFile(f"workers.{kind}", content)})
        assert response.status_code == 302
        worker_import = WorkerImport.objects.latest("pk")
        assert worker_import.status in (ImportStatus.VALID, ImportStatus.INVALID), worker_import.message
        if worker_import.status == ImportStatus.INVALID:
            assert worker_import.message or worker_import.problems
            for problem in worker_import.problems:
                assert problem["message"] and problem["row"] >= 2 and problem["column"]
            client.post(reverse_confirm(worker_import))  # refused: nothing of an invalid file is imported
            assert WorkerImport.objects.get(pk=worker_import.pk).status == ImportStatus.INVALID
        else:
            client.post(reverse_confirm(worker_import))
            assert WorkerImport.objects.get(pk=worker_import.pk).status == ImportStatus.IMPORTED
        if worker_import.status == ImportStatus.INVALID:
            assert Worker.objects.count() == before["workers.Worker"]
        for worker in Worker.objects.all():
            assert "\x00" not in worker.first_name + worker.last_name + worker.village

    in_savepoint(check)


def reverse_import():
    from django.urls import reverse

    return reverse("workers:import_start")


def reverse_confirm(worker_import):
    from django.urls import reverse

    return reverse("workers:import_confirm", args=[worker_import.pk])


# --- The licence import command ------------------------------------------------------------------------------

LICENCE_COLUMNS = [
    "legal_name",
    "registration_number",
    "district",
    "licence_number",
    "issued_on",
    "expires_on",
    "trading_name",
    "phone",
    "email",
    "status",
]
licence_cell = st.one_of(
    st.sampled_from(NASTY + NUMBERS + BAD_DATES + ["PEA-2026-0001", "Maseru", "2026-01-01", "active"]), junk_text
)


@FUZZ
@given(
    rows=st.lists(st.fixed_dictionaries({column: licence_cell for column in LICENCE_COLUMNS}), min_size=1, max_size=3),
    encoding=st.sampled_from(["utf-8", "utf-16", "latin-1"]),
)
def test_the_licence_import_refuses_junk_with_every_problem_and_imports_nothing(tmp_path, db, rows, encoding):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(LICENCE_COLUMNS)
    for values in rows:
        writer.writerow([values[column] for column in LICENCE_COLUMNS])
    path = tmp_path / "register.csv"
    path.write_bytes(out.getvalue().encode(encoding, errors="replace"))

    def check():
        before = row_counts()
        try:
            call_command("import_licences", str(path), stdout=io.StringIO())
        except CommandError as refusal:
            assert str(refusal).strip()
            assert not changed(before, row_counts())
        else:
            assert Licence.objects.count() == before["agencies.Licence"] + len(rows)
            assert not Agency.objects.filter(legal_name__contains="\x00").exists()

    in_savepoint(check)


# --- Public verification pages ----------------------------------------------------------------------------------

tokens = st.one_of(st.sampled_from(NASTY), junk_text).filter(lambda token: token.strip(" "))


@FUZZ
@given(token=tokens, page=st.sampled_from(["/register/verify/", "/clearance/verify/", "/training/verify/"]))
def test_a_verification_link_of_junk_is_not_found_never_a_500(client, db, token, page):
    response = client.get(page + quote(token, safe="") + "/")
    assert response.status_code in (400, 404), response.status_code
    assert response.content.strip()


lookups = st.fixed_dictionaries(
    {},
    optional={"number": cell, "passport_number": cell, "passport": cell, "q": cell, "page": junk_for("number")},
)


@FUZZ
@given(params=lookups, page=st.sampled_from(["/register/", "/register/verify/", "/clearance/verify/", "/training/verify/"]))
def test_a_public_lookup_of_junk_answers_with_a_message_never_a_500(client, db, params, page):
    def check():
        before = row_counts()
        response = client.get(page, params)
        assert response.status_code in (200, 400, 404), response.status_code
        assert not changed(before, row_counts())

    in_savepoint(check)


def test_the_outbox_is_untouched_by_junk(db):
    assert not OutboundSms.objects.exists()  # sanity: the examples above each ran in a rolled-back savepoint


# --- What the fuzzing found on PostgreSQL, pinned down so that SQLite runs catch a regression too -----------------


def test_a_sign_in_with_an_overlong_name_is_refused_like_any_wrong_password(client, db):
    from axes.models import AccessAttempt

    response = client.post("/account/login/", {"username": "é" * 10_001, "password": "whatever"})
    assert response.status_code == 200 and "correct username and password" in response.content.decode()
    # django-axes keeps failed names in a 255-character column: an overlong one never reaches it.
    assert all(len(attempt.username or "") <= 255 for attempt in AccessAttempt.objects.all())


def test_a_nul_byte_in_the_public_register_search_is_dropped(client, db):
    response = client.get("/register/", {"q": "Agency\x00 A"})
    assert response.status_code == 200 and response.context["query"] == "Agency A"
