"""Two workers draining the outbox at once never take the same row (SKIP LOCKED, PostgreSQL only)."""

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
