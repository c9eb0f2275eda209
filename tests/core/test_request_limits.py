"""A request body over REQUEST_BODY_MAX_BYTES is refused before it is read (core/request_limits.py): 413 and a
page that says so, never a 500, nothing saved; a body that lies about its length is refused too. The bytes the
application reads are counted at the source (the test client's payload, or the ASGI body file)."""

import io
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.asgi import ASGIRequest
from django.test import client as test_client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from core.request_limits import refusal_for
from tests.factories import LicenceFactory
from tests.workers.test_import import csv_bytes, row, upload
from workers import importing
from workers.models import ImportStatus, WorkerImport

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
TOO_LARGE = "What you sent is larger than the register accepts"
DAMAGED = "What you sent could not be read: it arrived incomplete or damaged"


@pytest.fixture
def bytes_read(monkeypatch):
    """How many bytes of the request bodies the application read."""
    count = [0]
    real_read = test_client.FakePayload.read

    def read(self, size=-1, /):
        data = real_read(self, size)
        count[0] += len(data)
        return data

    monkeypatch.setattr(test_client.FakePayload, "read", read)
    return count


def workers_file(size):
    header = ",".join(importing.COLUMNS).encode() + b"\n"
    return SimpleUploadedFile("workers.csv", header + b"x" * (size - len(header)), content_type="text/csv")


def import_body(size):
    return encode_multipart(BOUNDARY, {"file": workers_file(size)})


def test_the_limit_takes_the_largest_upload_and_its_form(settings):
    assert settings.REQUEST_BODY_MAX_BYTES == 64 * MB
    assert settings.REQUEST_BODY_MAX_BYTES >= importing.MAX_UPLOAD_BYTES + MB
    assert settings.REQUEST_BODY_MAX_BYTES > settings.UPLOAD_MAX_BYTES
    assert "core.request_limits.RequestSizeLimitMiddleware" in settings.MIDDLEWARE


def test_a_body_over_the_limit_is_refused_from_its_stated_length_before_it_is_read(cast, client, settings, bytes_read):
    settings.REQUEST_BODY_MAX_BYTES = 1 * MB
    client.force_login(cast.agency_staff)

    response = client.post(reverse("workers:import_start"), {"file": workers_file(3 * MB)})

    assert response.status_code == 413
    page = response.content.decode()
    assert "Too large to send" in page and TOO_LARGE in page and "(1.0\xa0MB)" in page and "Nothing was saved." in page
    assert bytes_read[0] == 0
    assert not WorkerImport.objects.exists()


def test_a_content_length_of_a_terabyte_is_refused_without_reading(cast, client, bytes_read):
    client.force_login(cast.agency_staff)
    response = client.generic(
        "POST", reverse("workers:import_start"), import_body(2_000), content_type=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(10**12),
    )
    assert response.status_code == 413 and TOO_LARGE in response.content.decode()
    assert bytes_read[0] == 0


@pytest.mark.parametrize("stated", ["12abc", "-5", "1e9", "0x10"])
def test_a_content_length_that_is_not_a_number_is_a_clear_400(cast, client, stated, bytes_read):
    client.force_login(cast.agency_staff)
    response = client.generic(
        "POST", reverse("workers:import_start"), import_body(2_000), content_type=MULTIPART_CONTENT, CONTENT_LENGTH=stated
    )
    assert response.status_code == 400
    assert DAMAGED in response.content.decode()
    assert bytes_read[0] == 0
    assert not WorkerImport.objects.exists()


def test_a_body_longer_than_its_stated_length_is_cut_there_and_refused(cast, client, bytes_read):
    """Under WSGI nothing past the stated length is read; Django would drop the cut file and go on with the rest
    of the form, so the form is refused instead."""
    client.force_login(cast.agency_staff)
    body = import_body(3 * MB)
    response = client.generic(
        "POST", reverse("workers:import_start"), body, content_type=MULTIPART_CONTENT, CONTENT_LENGTH="1000"
    )
    assert response.status_code == 400
    assert DAMAGED in response.content.decode()
    assert bytes_read[0] <= 1000
    assert not WorkerImport.objects.exists()


class CountingBody(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1, /):
        data = super().read(size)
        self.bytes_read += len(data)
        return data


def asgi_request(body, stated_length):
    """A request as Django's ASGI handler makes it: the parser reads the body file to its end, whatever the
    stated length says."""
    scope = {
        "type": "http", "method": "POST", "path": reverse("workers:import_start"), "query_string": b"",
        "headers": [(b"content-type", MULTIPART_CONTENT.encode()), (b"content-length", str(stated_length).encode())],
    }
    request = ASGIRequest(scope, body)
    request.user = AnonymousUser()  # for the page's template
    return request


def test_the_upload_handler_stops_reading_past_the_limit_whatever_the_stated_length(db, settings):
    settings.REQUEST_BODY_MAX_BYTES = 1 * MB
    body = CountingBody(import_body(8 * MB))

    response = refusal_for(asgi_request(body, stated_length=1000))

    assert response is not None and response.status_code == 413
    assert TOO_LARGE in response.content.decode()
    assert body.bytes_read < 2 * MB  # stopped just past the limit, not the 8 MB sent


def test_a_body_within_the_limit_goes_on_to_the_screen(db, settings):
    settings.REQUEST_BODY_MAX_BYTES = 1 * MB
    request = asgi_request(CountingBody(import_body(MB // 2)), stated_length=1000)
    assert refusal_for(request) is None
    assert request.FILES["file"].size == MB // 2


def test_too_much_text_in_a_form_is_refused_as_too_large(client, settings, bytes_read):
    """Form fields are held in memory, bounded by Django's DATA_UPLOAD_MAX_MEMORY_SIZE (a bare 400 before)."""
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2.5 * MB
    text = {"username": "x" * (3 * MB), "password": "secret"}

    plain = client.post(reverse("core:login"), urlencode(text), content_type="application/x-www-form-urlencoded")
    assert plain.status_code == 413 and TOO_LARGE in plain.content.decode()
    assert bytes_read[0] == 0  # judged from the stated length

    multipart = client.post(reverse("core:login"), text)
    assert multipart.status_code == 413 and TOO_LARGE in multipart.content.decode()
    assert bytes_read[0] <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 2 * 64 * 1024  # read until the field passed it


def test_a_file_within_the_limit_is_taken_as_before(cast, client, settings):
    settings.REQUEST_BODY_MAX_BYTES = 1 * MB
    LicenceFactory(agency=cast.agency_a)
    worker_import = upload(client, cast.agency_staff, csv_bytes([row(1), row(2)]))
    assert worker_import.status == ImportStatus.VALID and worker_import.total_rows == 2


def test_any_other_bad_request_gets_the_sites_own_400_page(client):
    response = client.get(reverse("register:index"), HTTP_HOST="register.example.com")  # not in ALLOWED_HOSTS
    assert response.status_code == 400
    page = response.content.decode()
    assert "The request could not be read" in page and 'class="site-header"' in page
