"""The database unavailable for a moment: pages answer 503 with the error page, the health check
says so, and the next request works again without anyone restarting anything."""

import logging
import time
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import InterfaceError, OperationalError, connection, connections
from django.test import RequestFactory
from django.urls import reverse

from config.database import database_settings
from core.middleware import RETRY_AFTER_SECONDS, DatabaseUnavailableMiddleware

OUTAGE_TEXT = "The register is briefly unavailable"


@pytest.fixture
def outage(db):
    """The database stops answering (every new cursor fails) until ``end()`` is called, or the test ends
    (before the test database is rolled back)."""
    monkeypatch = pytest.MonkeyPatch()

    class Outage:
        def begin(self, error=OperationalError):
            def unreachable(*args, **kwargs):
                raise error("could not connect to server: Connection refused")

            monkeypatch.setattr(connection, "cursor", unreachable)

        def end(self):
            monkeypatch.undo()

    yield Outage()
    monkeypatch.undo()


def _assert_outage_page(response, text=None):
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert (text or OUTAGE_TEXT) in body
    assert 'class="site-header"' in body and "<footer" in body  # the site's own page, not a bare error
    return body


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_an_anonymous_visitor_gets_the_503_page_and_the_next_request_works(client, db, outage, error, caplog):
    outage.begin(error)
    with caplog.at_level(logging.ERROR, logger="core.middleware"):
        response = client.get(reverse("register:index"))
    _assert_outage_page(response)
    assert any("database unavailable" in record.getMessage() for record in caplog.records)

    outage.end()
    assert client.get(reverse("register:index")).status_code == 200


def test_a_signed_in_officer_gets_the_503_page_and_the_next_request_works(client, cast, outage):
    client.force_login(cast.registrar)
    assert client.get(reverse("core:dashboard")).status_code == 200

    outage.begin()
    body = _assert_outage_page(client.get(reverse("core:dashboard")))
    # Rendered without the database: no menu, no user name (both would need it).
    assert "site-nav" not in body

    outage.end()
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 200 and "site-nav" in response.content.decode()


def test_a_form_post_during_the_outage_gets_the_503_page(client, cast, outage):
    client.force_login(cast.administrator)
    outage.begin()
    _assert_outage_page(client.post(reverse("core:user_create"), {"username": "new"}))


def test_the_503_page_is_in_the_visitor_s_language(client, db, outage):
    client.cookies["django_language"] = "st"
    outage.begin()
    body = _assert_outage_page(client.get(reverse("register:index")), text="Rejisetara ha e fumanehe nakoana")
    assert '<html lang="st">' in body


def test_the_health_check_says_so_and_recovers(client, db, outage):
    outage.begin()
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 503 and response.json()["database"] == "unreachable"
    outage.end()
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 200 and response.json()["database"] == "ok"


def test_other_errors_are_left_to_the_500_page():
    request = RequestFactory().get("/")
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    assert middleware.process_exception(request, ValueError("a bug")) is None
    assert middleware.process_exception(request, OperationalError("gone")).status_code == 503


def test_persistent_connections_are_health_checked(tmp_path):
    reused = database_settings("postgres://u:p@db:5432/register", tmp_path / "db.sqlite3", conn_max_age=60)
    assert reused["CONN_MAX_AGE"] == 60 and reused["CONN_HEALTH_CHECKS"] is True
    fresh = database_settings("postgres://u:p@db:5432/register", tmp_path / "db.sqlite3", conn_max_age=0)
    assert fresh["CONN_HEALTH_CHECKS"] is False


# --- A real outage on PostgreSQL: the server ends the site's connection -----------------------------


def _serve(path: str) -> int:
    """One request through the real WSGI handler: unlike the test client, it sends request_started and
    request_finished, on which Django checks and closes connections, as under gunicorn."""
    environ = {}
    setup_testing_defaults(environ)
    environ.update(PATH_INFO=path, REQUEST_METHOD="GET", HTTP_HOST="testserver")
    statuses = []
    body = WSGIHandler()(environ, lambda status, headers, exc_info=None: statuses.append(status))
    try:
        b"".join(body)
    finally:
        body.close()
    return int(statuses[0].split()[0])


def _terminate_the_site_s_connection():
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    administrator = connections.create_connection("default")
    try:
        with administrator.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            for _ in range(100):
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
                if cursor.fetchone()[0] == 0:
                    return
                time.sleep(0.05)
    finally:
        administrator.close()
    raise AssertionError("the terminated connection did not go away")


@pytest.mark.needs("postgresql")
@pytest.mark.django_db(transaction=True)
def test_a_connection_killed_by_the_server_is_replaced_before_the_next_page(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    path = reverse("register:index")
    assert _serve(path) == 200
    _terminate_the_site_s_connection()
    # The health check finds the dead connection before the page uses it, and reconnects.
    assert _serve(path) == 200


@pytest.mark.needs("postgresql")
@pytest.mark.django_db(transaction=True)
def test_without_health_checks_one_page_gets_503_and_the_next_one_works(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", False)
    path = reverse("register:index")
    assert _serve(path) == 200
    _terminate_the_site_s_connection()
    assert _serve(path) == 503
    # Django closed the connection that failed at the end of that request: the next one reconnects.
    assert _serve(path) == 200
