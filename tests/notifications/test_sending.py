"""Draining the outbox: suppression and consent checked when sending, the shared rate, crash recovery."""

import datetime

import pytest
from django.utils import timezone

from notifications import backends, notify, notify_many
from notifications.models import OutboundSms, SmsEncoding, SmsStatus, SmsThrottle, SuppressedNumber
from notifications.services import (
    THROTTLE_NAME,
    Recipient,
    claim_batch,
    retry_delay,
    send_queued,
    sweep_outbox,
    take_send_allowance,
)
from tests.factories import WorkerFactory

pytestmark = pytest.mark.django_db

NUMBER = "+26658123456"


def queue(to=NUMBER, **fields):
    return notify(to=to, template="system.test", language="en", **fields)


def test_a_number_suppressed_after_queueing_is_not_sent_to():
    message = queue()
    SuppressedNumber.objects.create(number=NUMBER, reason="opted_out", source="sms")
    send_queued()
    message.refresh_from_db()
    assert message.status == SmsStatus.SUPPRESSED and "opted out" in message.last_error
    assert backends.outbox == []


def test_a_worker_who_withdrew_consent_after_queueing_gets_nothing():
    agreed = WorkerFactory(sms_consent=True, mobile="+26662000011")
    withdrawn = WorkerFactory(sms_consent=True, mobile="+26662000012")
    kept = queue(to=agreed.mobile, worker_id=agreed.pk)
    stopped = queue(to=withdrawn.mobile, worker_id=withdrawn.pk)
    type(withdrawn).objects.filter(pk=withdrawn.pk).update(sms_consent=False)
    send_queued()
    kept.refresh_from_db()
    stopped.refresh_from_db()
    assert kept.status == SmsStatus.SENT
    assert stopped.status == SmsStatus.SUPPRESSED and "agreed" in stopped.last_error
    assert [sent["to"] for sent in backends.outbox] == ["+26662000011"]


def test_the_opt_out_confirmation_is_the_one_message_a_suppressed_number_still_gets():
    SuppressedNumber.objects.create(number=NUMBER, reason="opted_out", source="sms")
    worker = WorkerFactory(sms_consent=False, mobile=NUMBER)
    confirmation = queue(worker_id=worker.pk, ignores_suppression=True)
    ordinary = queue(worker_id=worker.pk)
    send_queued()
    confirmation.refresh_from_db()
    ordinary.refresh_from_db()
    assert confirmation.status == SmsStatus.SENT and ordinary.status == SmsStatus.SUPPRESSED
    assert len(backends.outbox) == 1


def test_notify_records_segments_and_encoding_of_each_message():
    from notifications.models import SmsTemplate

    SmsTemplate.objects.create(key="test.long", language="en", body="{{ text }}")
    short = notify(to=NUMBER, template="test.long", language="en", context={"text": "a" * 160})
    long = notify(to=NUMBER, template="test.long", language="en", context={"text": "a" * 161})
    unicode = notify(to=NUMBER, template="test.long", language="en", context={"text": "Lumela, ho lokile š"})
    assert (short.segments, short.encoding) == (1, SmsEncoding.GSM7)
    assert (long.segments, long.encoding) == (2, SmsEncoding.GSM7)
    assert unicode.encoding == SmsEncoding.UCS2
    notify_many(template="test.long", recipients=[Recipient(NUMBER, "en", {"text": "€" * 100}, worker_id=7, agency_id=3)])
    bulk = OutboundSms.objects.latest("id")
    assert (bulk.segments, bulk.encoding, bulk.worker_id, bulk.agency_id) == (2, SmsEncoding.GSM7, 7, 3)


def test_retry_delays_grow_exponentially():
    delays = [retry_delay(attempts) for attempts in range(1, 6)]
    assert all(later > earlier for earlier, later in zip(delays, delays[1:], strict=False))
    assert datetime.timedelta(minutes=2) <= delays[0] <= datetime.timedelta(minutes=2.4)
    assert retry_delay(50) <= datetime.timedelta(minutes=2**8 * 1.2)


def test_a_worker_that_died_after_claiming_leaves_its_rows_to_the_sweep_and_each_is_sent_once():
    message = queue()
    claimed = claim_batch(10)  # ... and the worker dies here, before sending
    assert [row.pk for row in claimed] == [message.pk]
    assert sweep_outbox().startswith("0 stale")  # not stale yet: the worker may still be busy
    OutboundSms.objects.filter(pk=message.pk).update(claimed_at=timezone.now() - datetime.timedelta(hours=1))
    summary = sweep_outbox()
    message.refresh_from_db()
    assert summary.startswith("1 stale") and "requeued 1" in summary
    assert message.status == SmsStatus.SENT
    sweep_outbox()
    send_queued()
    assert [sent["body"] for sent in backends.outbox] == [message.body]


def test_a_worker_that_died_after_the_provider_took_the_message_does_not_send_it_again():
    message = queue()
    claim_batch(10)
    backends.MemoryBackend().send(message.to, message.body)  # it left, then the worker died before recording it
    OutboundSms.objects.filter(pk=message.pk).update(claimed_at=timezone.now() - datetime.timedelta(hours=1))
    summary = sweep_outbox()
    message.refresh_from_db()
    assert "confirmed 1" in summary and message.status == SmsStatus.SENT and message.provider_id == "memory-1"
    send_queued()
    assert len(backends.outbox) == 1


def test_the_rate_limit_is_shared_by_every_drain(settings, monkeypatch):
    """Two drains in the same second share one allowance; waiting lets the next second's share through."""
    settings.SMS_RATE_PER_SECOND = 4
    notify_many(template="system.test", recipients=[Recipient(f"+2665800{n:04d}", "en") for n in range(10)])

    class Waited(Exception):
        pass

    def must_wait(seconds):
        raise Waited

    monkeypatch.setattr("notifications.services._sleep", must_wait)
    with pytest.raises(Waited):
        send_queued()
    assert len(backends.outbox) == 4  # this second's share, then it had to wait
    with pytest.raises(Waited):
        send_queued()  # a second worker in the same second gets nothing and waits too
    assert len(backends.outbox) == 4

    seconds = []

    def next_second(wait):
        # Time passes: the shared window is one second older.
        seconds.append(wait)
        SmsThrottle.objects.filter(name=THROTTLE_NAME).update(window_started_at=timezone.now() - datetime.timedelta(seconds=1))

    monkeypatch.setattr("notifications.services._sleep", next_second)
    sent_per_second = []
    original = backends.MemoryBackend.send

    def counting(self, to, body, *, outbox_id=None):
        while len(sent_per_second) <= len(seconds):
            sent_per_second.append(0)
        sent_per_second[len(seconds)] += 1
        return original(self, to, body)

    monkeypatch.setattr(backends.MemoryBackend, "send", counting)
    assert send_queued() == 6
    assert max(sent_per_second) <= 4 and sum(sent_per_second) == 6 and len(seconds) >= 1
    assert all(0 <= wait <= 1 for wait in seconds)


def test_an_unused_allowance_is_given_back(settings):
    settings.SMS_RATE_PER_SECOND = 50
    queue()
    assert send_queued() == 1
    # The drain took two shares of five (the second found nothing due), used one send and gave the rest back.
    assert SmsThrottle.objects.get(name=THROTTLE_NAME).sent_in_window == 1
    assert take_send_allowance(10).granted == 5


def test_a_kick_whose_run_stopped_early_hands_over_to_another_run(settings, monkeypatch):
    from notifications.tasks import drain_outbox

    calls = []
    original = send_queued

    def one_at_a_time(**kwargs):
        calls.append(1)
        return original(batch_size=1, max_batches=1)

    monkeypatch.setattr("notifications.tasks.send_queued", one_at_a_time)
    notify_many(template="system.test", recipients=[Recipient(f"+2665800{n:04d}", "en") for n in range(3)])
    drain_outbox.enqueue()
    assert len(calls) == 3 and len(backends.outbox) == 3  # each run handed over while anything was due
