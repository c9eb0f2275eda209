"""STATUS by SMS (registered by contracts): an expired training certificate is said to have expired, never "done"."""

import datetime

import pytest
from django.urls import reverse

from core.dates import today
from notifications.inbound import receive
from notifications.models import SmsTemplate
from predeparture.models import Certificate, Enrolment
from tests.factories import WorkerFactory
from tests.predeparture.conftest import make_course, make_session

pytestmark = pytest.mark.django_db

ZA_MOBILE = "+27821234567"
_sids = iter(range(1, 1000))


def status_reply(body="STATUS"):
    return receive(provider_id=f"SM{next(_sids):032d}", from_number=ZA_MOBILE, body=body)


def trained(cast, language, *, expires_on):
    worker = WorkerFactory(mobile=ZA_MOBILE, preferred_language=language, agency=cast.agency_a, sms_consent=True)
    session = make_session(make_course("PDO-STATUS"), cast.trainer, start=datetime.datetime(2024, 3, 1, 8, tzinfo=datetime.UTC))
    enrolment = Enrolment.objects.create(session=session, worker=worker, agency=cast.agency_a, status="completed")
    Certificate.objects.create(
        enrolment=enrolment, number="PDT-2024-000042", issued_on=datetime.date(2024, 3, 1), expires_on=expires_on
    )
    return worker


@pytest.mark.parametrize(
    ("language", "expired", "done"),
    [("en", "Training expired on", "Training done"), ("st", "Koetliso e felletsoe ke nako ka", "Koetliso e phethiloe")],
)
def test_status_says_an_expired_certificate_has_expired(cast, language, expired, done):
    expires_on = today() - datetime.timedelta(days=1)
    trained(cast, language, expires_on=expires_on)
    reply = status_reply()
    assert f"{expired} {expires_on:%d/%m/%Y} (PDT-2024-000042)" in reply and done not in reply
    assert len(reply) <= 306  # two SMS at most


@pytest.mark.parametrize(("language", "done"), [("en", "Training done"), ("st", "Koetliso e phethiloe")])
def test_a_certificate_is_done_through_its_expiry_date(cast, language, done):
    trained(cast, language, expires_on=today())
    reply = status_reply()
    assert f"{done} (PDT-2024-000042)" in reply and "expired" not in reply and "felletsoe" not in reply


def test_the_worker_page_reads_out_the_same_expired_training(cast, client):
    worker = trained(cast, "en", expires_on=today() - datetime.timedelta(days=30))
    client.force_login(cast.registrar)
    page = client.get(reverse("workers:worker_detail", args=[worker.pk])).content.decode()
    assert "Training expired on" in page and "Training done" not in page


def test_an_administrators_own_wording_is_kept_by_the_migration_and_never_calls_expired_training_done(cast):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("contracts.migrations.0008_status_says_training_expired")
    own = "{{ reference }}: {% if certificate %}Training done.{% else %}See your agency about training.{% endif %}"
    SmsTemplate.objects.filter(key="status.worker", language="en").update(body=own)
    migration.forwards(apps, None)
    assert SmsTemplate.objects.get(key="status.worker", language="en").body == own
    trained(cast, "en", expires_on=today() - datetime.timedelta(days=1))
    assert "Training done" not in status_reply()


def test_the_migration_replaces_the_seeded_text_and_can_be_undone():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("contracts.migrations.0008_status_says_training_expired")
    for language in ("en", "st"):
        assert SmsTemplate.objects.get(key="status.worker", language=language).body == migration.UPDATED[language]
    migration.backwards(apps, None)
    assert SmsTemplate.objects.get(key="status.worker", language="st").body == migration.SEEDED["st"]
