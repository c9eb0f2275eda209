"""Sessions end after a spell without requests and a working day after signing in (core/sessions.py), and the
sign-in page says why. The clock is core.sessions' own (time.time), frozen here, or the session's stamps are set
back by hand."""

import types

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from core import sessions
from core.models import User

pytestmark = pytest.mark.django_db

MINUTE = 60
SIGNED_IN = 1_900_000_000  # a fixed moment (2030), so that no test depends on the machine's clock


@pytest.fixture
def clock(monkeypatch):
    """core.sessions' clock, stopped at SIGNED_IN; move it with ``clock[0] += seconds``."""
    now = [SIGNED_IN]
    monkeypatch.setattr(sessions, "time", types.SimpleNamespace(time=lambda: now[0]))
    return now


def set_back(client, key, seconds):
    session = client.session
    session[key] -= seconds
    session.save()


def signed_out_to_sign_in(response, next_path=None):
    login = reverse("core:login")
    expected = f"{login}?next={next_path}" if next_path else login
    return response.status_code == 302 and response["Location"] == expected


def test_the_defaults(settings):
    assert settings.SESSION_IDLE_MINUTES == 30
    assert settings.AGENCY_SESSION_IDLE_MINUTES == 30
    assert "core.sessions.SessionExpiryMiddleware" in settings.MIDDLEWARE
    assert settings.MIDDLEWARE.index("core.sessions.SessionExpiryMiddleware") > settings.MIDDLEWARE.index(
        "django.contrib.messages.middleware.MessageMiddleware"
    )


def test_a_ministry_officer_idle_for_thirty_minutes_is_signed_out_with_a_message(cast, client, clock):
    client.force_login(cast.registrar)
    dashboard = reverse("core:dashboard")
    assert client.get(dashboard).status_code == 200

    clock[0] += 30 * MINUTE
    response = client.get(dashboard)

    assert signed_out_to_sign_in(response, next_path=dashboard)
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "You were signed out after 30 minutes without activity. Sign in again to carry on." in page.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(dashboard).status_code == 302  # still signed out: the sign-in page is the way back


def test_each_request_keeps_the_session_alive(cast, client, clock):
    client.force_login(cast.registrar)
    dashboard = reverse("core:dashboard")
    for _ in range(4):  # two hours of work, a request every 29 minutes
        clock[0] += 29 * MINUTE
        assert client.get(dashboard).status_code == 200
    assert client.session[sessions.LAST_SEEN_AT] == clock[0]


def test_the_last_seen_stamp_is_written_at_most_once_a_minute(cast, client, clock):
    client.force_login(cast.registrar)
    clock[0] += 59
    client.get(reverse("core:dashboard"))
    assert client.session[sessions.LAST_SEEN_AT] == SIGNED_IN  # not rewritten: the session is not saved again
    clock[0] += 1
    client.get(reverse("core:dashboard"))
    assert client.session[sessions.LAST_SEEN_AT] == SIGNED_IN + 60


def test_agency_staff_have_their_own_idle_time(cast, client, settings):
    settings.AGENCY_SESSION_IDLE_MINUTES = 120
    workers = reverse("workers:worker_list")

    client.force_login(cast.agency_staff)
    set_back(client, sessions.LAST_SEEN_AT, 119 * MINUTE)
    assert client.get(workers).status_code == 200
    set_back(client, sessions.LAST_SEEN_AT, 121 * MINUTE)
    response = client.get(workers)
    assert signed_out_to_sign_in(response, next_path=workers)
    assert "after 120 minutes without activity" in str(list(get_messages(response.wsgi_request))[0])

    # A ministry officer idle as long is signed out after the ministry's 30 minutes.
    client.force_login(cast.registrar)
    set_back(client, sessions.LAST_SEEN_AT, 60 * MINUTE)
    assert signed_out_to_sign_in(client.get(workers), next_path=workers)


def test_a_busy_session_still_ends_a_working_day_after_signing_in(cast, client, clock, settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * MINUTE
    client.force_login(cast.registrar)
    dashboard = reverse("core:dashboard")
    for _ in range(8 * 6 - 1):  # a request every ten minutes, all day
        clock[0] += 10 * MINUTE
        assert client.get(dashboard).status_code == 200
    clock[0] += 10 * MINUTE
    response = client.get(dashboard)
    assert signed_out_to_sign_in(response, next_path=dashboard)
    page = client.get(response["Location"]).content.decode()
    assert "You were signed out: a session lasts at most 8 hours. Sign in again to carry on." in page


def test_a_form_sent_after_the_idle_time_is_not_acted_on(cast, client):
    client.force_login(cast.administrator)
    set_back(client, sessions.LAST_SEEN_AT, 31 * MINUTE)
    response = client.post(
        reverse("core:user_create"),
        {"username": "thabo", "first_name": "Thabo", "last_name": "Mokoena", "email": "thabo@labour.gov.ls",
         "preferred_language": "en", "is_active": "on", "roles": ["registrar"]},
    )
    assert signed_out_to_sign_in(response)  # no "next": a form's address answers only a POST
    assert not User.objects.filter(username="thabo").exists()
    page = client.get(response["Location"]).content.decode()
    assert "What you sent last was not saved: enter it again after signing in." in page


def test_the_sign_in_clears_the_idle_time(cast, client, clock):
    from tests.factories import TEST_PASSWORD

    client.force_login(cast.registrar)
    clock[0] += 45 * MINUTE
    client.get(reverse("core:dashboard"))  # signed out
    response = client.post(reverse("core:login"), {"username": "registrar", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.session[sessions.SIGNED_IN_AT] == client.session[sessions.LAST_SEEN_AT] == clock[0]


def test_a_session_from_before_the_stamps_counts_from_its_next_request(cast, client, clock):
    client.force_login(cast.registrar)
    session = client.session
    del session[sessions.LAST_SEEN_AT]
    session[sessions.SIGNED_IN_AT] = "junk"
    session.save()
    clock[0] += 10 * 60 * MINUTE
    assert client.get(reverse("core:dashboard")).status_code == 200
    assert client.session[sessions.SIGNED_IN_AT] == client.session[sessions.LAST_SEEN_AT] == clock[0]


def test_visitors_who_are_not_signed_in_get_no_session(client):
    response = client.get(reverse("register:index"))
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
