"""Shared test set-up: the fixed cast of users, and the one skip marker.

``@pytest.mark.needs("chromium")`` / ``needs("postgresql")`` /
``needs("postgresql-client")`` (pg_dump & co., on PostgreSQL only) /
``needs("redis")`` (a Redis server on 127.0.0.1:6379) marks a test
that needs something a machine may lack. It skips with the reason, unless
the environment variable CI_NO_SKIPS=1 is set (.ci/run sets it): then it
fails, so CI can never pass by skipping.
"""

import os
import shutil
from dataclasses import dataclass

import pytest
from django.db import connection

from core.access import Role
from tests.factories import AgencyFactory, AgencyStaffFactory, UserFactory

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
STRICT = os.environ.get("CI_NO_SKIPS") == "1"
# .ci/run sets this on its SQLite pass when a PostgreSQL pass follows, so the
# PostgreSQL-only tests are left for that pass instead of skipped.
POSTGRES_PASS_FOLLOWS = os.environ.get("POSTGRES_PASS_FOLLOWS") == "1"


def _missing(thing: str) -> str | None:
    if thing == "chromium":
        if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
            return f"chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            return "the playwright Python package is not installed"
        return None
    if thing == "postgresql-client":
        # Only PostgreSQL needs them (backups: pg_dump, pg_restore, psql); on SQLite nothing is missing.
        programs = ("pg_dump", "pg_restore", "psql")
        if connection.vendor == "postgresql" and not all(shutil.which(program) for program in programs):
            return "the PostgreSQL client programs pg_dump, pg_restore, psql are missing (apt-get install postgresql-client)"
        return None
    if thing == "postgresql":
        if connection.vendor != "postgresql":
            return "runs only on PostgreSQL (set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)"
        return None
    if thing == "redis":
        if not redis_answers():
            return f"Redis does not answer on {REDIS_ADDRESS[0]}:{REDIS_ADDRESS[1]} (apt-get install redis-server)"
        return None
    raise ValueError(f"unknown need {thing!r}")


REDIS_ADDRESS = ("127.0.0.1", 6379)


def redis_answers() -> bool:
    import socket

    try:
        with socket.create_connection(REDIS_ADDRESS, timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql" or not POSTGRES_PASS_FOLLOWS:
        return
    kept, left = [], []
    for item in items:
        needs = [mark.args[0] for mark in item.iter_markers("needs")]
        (left if "postgresql" in needs else kept).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


def pytest_runtest_setup(item):
    for mark in item.iter_markers("needs"):
        reason = _missing(mark.args[0])
        if reason:
            if STRICT:
                pytest.fail(f"CI requires this test to run, but {reason}", pytrace=False)
            pytest.skip(reason)


@dataclass
class Cast:
    """One user per role, plus staff of two different agencies."""

    administrator: object
    licensing_officer: object
    registrar: object
    trainer: object
    inspector: object
    chief_inspector: object
    analyst: object
    agency_staff: object  # works for agency_a
    other_agency_staff: object  # works for agency_b
    agency_a: object
    agency_b: object

    def by_role(self) -> dict:
        return {
            "anonymous": None,
            Role.ADMINISTRATOR: self.administrator,
            Role.LICENSING_OFFICER: self.licensing_officer,
            Role.REGISTRAR: self.registrar,
            Role.TRAINER: self.trainer,
            Role.INSPECTOR: self.inspector,
            Role.CHIEF_INSPECTOR: self.chief_inspector,
            Role.ANALYST: self.analyst,
            Role.AGENCY_STAFF: self.agency_staff,
        }


@pytest.fixture
def cast(db):
    agency_a = AgencyFactory(trading_name="Agency A")
    agency_b = AgencyFactory(trading_name="Agency B")
    return Cast(
        administrator=UserFactory(username="admin", roles=[Role.ADMINISTRATOR]),
        licensing_officer=UserFactory(username="licensing", roles=[Role.LICENSING_OFFICER]),
        registrar=UserFactory(username="registrar", roles=[Role.REGISTRAR]),
        trainer=UserFactory(username="trainer", roles=[Role.TRAINER]),
        inspector=UserFactory(username="inspector", roles=[Role.INSPECTOR]),
        chief_inspector=UserFactory(username="chief", roles=[Role.CHIEF_INSPECTOR]),
        analyst=UserFactory(username="analyst", roles=[Role.ANALYST]),
        agency_staff=AgencyStaffFactory(username="staff_a", agency=agency_a),
        other_agency_staff=AgencyStaffFactory(username="staff_b", agency=agency_b),
        agency_a=agency_a,
        agency_b=agency_b,
    )


def pass_second_step(client, user) -> None:
    """Mark ``client``'s session as having passed the second step of signing in, with a real confirmed
    device of ``user`` (an authenticator made for them if they have none), when they need one."""
    from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from core.access import MINISTRY_ROLES

    device = next(devices_for_user(user, confirmed=True), None)
    if device is None:
        # Asked of the database, not access.roles_of, so that no role cache is left on the test's user object.
        if not user.groups.filter(name__in=MINISTRY_ROLES).exists():
            return  # agency staff without a device need no second step
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture(autouse=True)
def _signed_in_staff_passed_the_second_step(request, monkeypatch):
    """``client.force_login(user)`` signs in as staff who also passed the second step, so the suite's
    tests of what each role may do need not repeat it. Tests of the second step itself are marked
    ``@pytest.mark.second_step_enforced`` and sign in with the real ``force_login`` (tests/core/test_two_factor.py)."""
    if request.node.get_closest_marker("second_step_enforced"):
        return
    from django.test import Client

    real_force_login = Client.force_login

    def force_login(self, user, backend=None):
        real_force_login(self, user, backend)
        pass_second_step(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def _default_language():
    """Start every test in the site's default language. A page asked for in Sesotho leaves Sesotho active in the
    thread after the response (LocaleMiddleware activates, nothing deactivates), and a later test calling a
    service directly would get its messages in Sesotho."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters live in the cache: start every test with none."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def ratelimit_clock(monkeypatch):
    """The rate limiter's clock, stopped 20 seconds into a minute, so no test straddles two windows.

    The limiter counts in fixed windows; a test that sends its requests across a minute boundary would see
    the count start again. The returned list holds "now" in seconds: move it on with ``clock[0] += 40``.
    """
    import types

    now = [60 * 16_666_667 + 20.0]
    monkeypatch.setattr("core.ratelimit.time", types.SimpleNamespace(time=lambda: now[0]))
    return now


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    from notifications import backends

    backends.outbox.clear()
    yield
    backends.outbox.clear()


# The data migrations' rows (roles, regulatory parameters, SMS texts). Tests with
# transaction=True (browser, concurrency) empty every table afterwards, so each of them
# puts these back first by asking for this fixture.
REFERENCE_DATA = [
    ("core.migrations.0002_roles", "create_roles"),
    ("core.migrations.0003_regulatory_parameters", "seed"),
    ("notifications.migrations.0002_sms_templates", "seed"),
    ("agencies.migrations.0002_sms_templates", "seed"),
    ("predeparture.migrations.0002_sms_templates", "seed"),
    ("contracts.migrations.0002_reference_data", "load"),
    ("contracts.migrations.0003_sms_templates", "seed"),
    ("inspections.migrations.0002_reference_data", "seed"),
    ("notifications.migrations.0005_command_texts", "seed"),
    ("agencies.migrations.0004_command_texts", "seed"),
    ("contracts.migrations.0006_command_texts", "seed"),
    ("inspections.migrations.0006_command_texts", "seed"),
    ("notifications.migrations.0006_retention_parameters", "seed"),
    ("core.migrations.0004_retention_parameters", "seed"),
]


@pytest.fixture
def reference_data(transactional_db):
    import importlib

    from django.apps import apps

    for module_name, function in REFERENCE_DATA:
        getattr(importlib.import_module(module_name), function)(apps, None)
