"""The SMS outbox: written in the caller's transaction, sent after commit, retried, never lost."""

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications import backends, notify, notify_many
from notifications.models import OutboundSms, SmsStatus, SmsTemplate
from notifications.services import (
    InvalidSmsNumber,
    Recipient,
    UnknownSmsTemplate,
    claim_batch,
    send_queued,
    sweep_outbox,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Run what the code under test scheduled for after its commit (the test itself runs in a transaction)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_notify_renders_the_template_in_the_workers_language_and_sends_after_commit(after_commit):
    SmsTemplate.objects.create(key="test.greeting", language="st", body="Lumela {{ name }}, nomoro ea hau ke {{ ref }}.")
    SmsTemplate.objects.create(key="test.greeting", language="en", body="Hello {{ name }}, your number is {{ ref }}.")
    with after_commit():
        message = notify(to="+266 5812 3456", template="test.greeting", language="st", context={"name": "Palesa", "ref": "CT-1"})
        assert backends.outbox == []  # nothing leaves before the commit
    message.refresh_from_db()
    assert message.to == "+26658123456"
    assert message.status == SmsStatus.SENT
    assert backends.outbox == [{"to": "+26658123456", "body": "Lumela Palesa, nomoro ea hau ke CT-1.", "reference": "memory-1"}]


def test_a_rolled_back_change_sends_nothing(after_commit):
    class Abort(Exception):
        pass

    with after_commit():
        with pytest.raises(Abort):
            with transaction.atomic():
                notify(to="+26658123456", template="system.test", language="en")
                raise Abort
    assert OutboundSms.objects.count() == 0
    assert backends.outbox == []


def test_missing_language_falls_back_to_english():
    SmsTemplate.objects.create(key="test.only_english", language="en", body="English only.")
    message = notify(to="+27821234567", template="test.only_english", language="st")
    assert message.language == "en" and message.body == "English only."


def test_unknown_template_and_bad_numbers_are_refused_and_nothing_is_written():
    with pytest.raises(UnknownSmsTemplate):
        notify(to="+26658123456", template="no.such.event", language="en")
    with pytest.raises(InvalidSmsNumber):
        notify(to="12345", template="system.test", language="en")
    with pytest.raises(InvalidSmsNumber):
        notify_many(
            template="system.test",
            recipients=[Recipient("+26658123456", "en"), Recipient("not a number", "st")],
        )
    assert OutboundSms.objects.count() == 0


def test_notify_many_queues_thousands_in_a_few_queries(django_assert_max_num_queries):
    import math

    from django.db import connection

    recipients = [Recipient(f"+2665{n:07d}", "st" if n % 2 else "en") for n in range(3000)]
    fields = [f for f in OutboundSms._meta.concrete_fields if not f.primary_key]
    batch = min(1000, connection.ops.bulk_batch_size(fields, [OutboundSms()] * 3000))  # SQLite caps it
    # One read of the template, the bulk inserts, two savepoint statements; sending is after commit.
    with django_assert_max_num_queries(1 + math.ceil(3000 / batch) + 2):
        count = notify_many(template="system.test", recipients=recipients)
    assert count == 3000
    assert OutboundSms.objects.filter(status=SmsStatus.QUEUED).count() == 3000


def test_notify_many_uses_each_recipients_language():
    notify_many(template="system.test", recipients=[Recipient("+26658000001", "st"), Recipient("+26658000002", "en")])
    bodies = dict(OutboundSms.objects.values_list("to", "body"))
    assert bodies["+26658000001"].startswith("Lekala la Mesebetsi")
    assert bodies["+26658000002"].startswith("Ministry of Labour")


def test_a_provider_failure_is_retried_later_then_given_up(monkeypatch, settings, after_commit):
    settings.SMS_MAX_ATTEMPTS = 2

    def refuse(self, to, body, *, outbox_id=None):
        raise backends.SmsBackendError("provider down")

    monkeypatch.setattr(backends.MemoryBackend, "send", refuse)
    with after_commit():
        message = notify(to="+26658123456", template="system.test", language="en")
    message.refresh_from_db()
    assert message.status == SmsStatus.QUEUED and message.attempts == 1
    assert message.last_error == "provider down" and message.next_attempt_at > timezone.now()
    OutboundSms.objects.update(next_attempt_at=timezone.now())
    send_queued()
    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED and message.attempts == 2


def test_a_claimed_row_is_not_claimed_twice():
    OutboundSms.objects.create(to="+26658123456", language="en", template_key="system.test", body="x")
    first = claim_batch(10)
    second = claim_batch(10)
    assert len(first) == 1 and second == []


def test_sweeper_requeues_rows_a_stopped_worker_left_sending_and_sends_them():
    row = OutboundSms.objects.create(
        to="+26658123456",
        language="en",
        template_key="system.test",
        body="x",
        status=SmsStatus.SENDING,
        claimed_at=timezone.now() - timezone.timedelta(hours=1),
    )
    summary = sweep_outbox()
    row.refresh_from_db()
    assert "requeued 1" in summary
    assert row.status == SmsStatus.SENT  # the immediate task backend drained it


def test_sweeper_kicks_the_drain_for_rows_whose_kick_was_lost():
    OutboundSms.objects.create(to="+26658123456", language="en", template_key="system.test", body="lost kick")
    sweep_outbox()
    assert backends.outbox and backends.outbox[0]["body"] == "lost kick"


def test_administrator_edits_an_sms_text_and_a_broken_placeholder_is_refused(client):
    from core.access import Role
    from tests.factories import UserFactory

    admin = UserFactory(roles=[Role.ADMINISTRATOR])
    client.force_login(admin)
    template = SmsTemplate.objects.get(key="system.test", language="st")
    response = client.post(reverse("notifications:template_edit", args=[template.pk]), {"body": "Lumela {% if %}"})
    assert response.status_code == 200 and "placeholder error" in response.content.decode()
    response = client.post(reverse("notifications:template_edit", args=[template.pk]), {"body": "x" * 500})
    assert "Keep the text within" in response.content.decode()
    template.refresh_from_db()
    assert template.body.startswith("Lekala")
    client.post(reverse("notifications:template_edit", args=[template.pk]), {"body": "Molaetsa o mocha oa teko."})
    template.refresh_from_db()
    assert template.body == "Molaetsa o mocha oa teko."
    assert template.history.first().history_user == admin
