"""Two workers draining the outbox at once never take the same row (SKIP LOCKED, PostgreSQL only), and a receipt
another connection commits during a send is not undone."""

import threading

import pytest
from django.db import connection, transaction

from notifications.models import OutboundSms, SmsStatus
from notifications.services import claim_batch


@pytest.mark.needs("postgresql")
@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_skip_rows_another_worker_holds():
    OutboundSms.objects.bulk_create(
        [OutboundSms(to=f"+2665800000{n}", language="en", template_key="system.test", body="x") for n in range(10)]
    )
    held, claimed = [], []
    holding, done = threading.Event(), threading.Event()

    def first_worker():
        try:
            with transaction.atomic():
                held.extend(
                    OutboundSms.objects.select_for_update(skip_locked=True).order_by("id").values_list("id", flat=True)[:4]
                )
                holding.set()
                done.wait(timeout=10)
        finally:
            connection.close()

    thread = threading.Thread(target=first_worker)
    thread.start()
    assert holding.wait(timeout=10)
    claimed.extend(message.pk for message in claim_batch(10))
    done.set()
    thread.join()
    assert len(held) == 4 and len(claimed) == 6
    assert not set(held) & set(claimed)
    assert OutboundSms.objects.filter(status=SmsStatus.SENDING).count() == 6


def _drain_in_threads(count: int) -> list[int]:
    attempted = []

    def worker():
        from notifications.services import send_queued

        try:
            attempted.append(send_queued(batch_size=7))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return attempted


@pytest.mark.needs("postgresql")
@pytest.mark.django_db(transaction=True)
def test_two_drains_at_once_send_every_row_exactly_once(settings):
    from notifications import backends

    settings.SMS_RATE_PER_SECOND = 1000
    OutboundSms.objects.bulk_create(
        [OutboundSms(to=f"+266580{n:05d}", language="en", template_key="system.test", body="x") for n in range(60)]
    )
    attempted = _drain_in_threads(2)
    assert sum(attempted) == 60
    assert sorted(sent["to"] for sent in backends.outbox) == sorted(f"+266580{n:05d}" for n in range(60))
    assert OutboundSms.objects.filter(status=SmsStatus.SENT).count() == 60


@pytest.mark.needs("postgresql")
@pytest.mark.django_db(transaction=True)
def test_the_rate_limit_holds_across_drains_running_at_once(settings, monkeypatch):
    import time

    from notifications import backends

    settings.SMS_RATE_PER_SECOND = 5
    OutboundSms.objects.bulk_create(
        [OutboundSms(to=f"+266580{n:05d}", language="en", template_key="system.test", body="x") for n in range(15)]
    )
    moments = []
    original = backends.MemoryBackend.send

    def timed(self, to, body, *, outbox_id=None):
        moments.append(time.monotonic())
        return original(self, to, body)

    monkeypatch.setattr(backends.MemoryBackend, "send", timed)
    attempted = _drain_in_threads(2)
    assert sum(attempted) == 15 and len(moments) == 15
    # Fifteen at five a second need three one-second windows: the last send comes two seconds or more after the first.
    moments.sort()
    assert moments[-1] - moments[0] >= 1.9
    for index, moment in enumerate(moments):
        assert sum(1 for other in moments[index:] if other - moment < 0.9) <= 5 * 2  # never a burst beyond two windows


@pytest.mark.needs("postgresql")
@pytest.mark.django_db(transaction=True)
def test_a_receipt_committed_by_another_connection_while_the_send_call_is_open_is_not_undone(monkeypatch):
    """The provider's receipt reaches another web process (its own connection) and commits before our send call
    returns: the drain's answer then finds the row moved on and leaves it delivered."""
    from notifications import backends
    from notifications.services import record_delivery_receipt, send_queued

    row = OutboundSms.objects.create(to="+27821234567", language="en", template_key="system.test", body="x")

    def send_while_the_receipt_arrives(self, to, body, *, outbox_id=None):
        def webhook():
            try:
                record_delivery_receipt(sid="SM" + "8" * 32, status="delivered", outbox_id=outbox_id)
            finally:
                connection.close()

        receipt = threading.Thread(target=webhook)
        receipt.start()
        receipt.join(timeout=10)
        return backends.SendResult("SM" + "8" * 32, "accepted")

    monkeypatch.setattr(backends.MemoryBackend, "send", send_while_the_receipt_arrives)
    assert send_queued() == 1
    row.refresh_from_db()
    assert (row.status, row.provider_id) == (SmsStatus.DELIVERED, "SM" + "8" * 32) and row.delivered_at is not None
