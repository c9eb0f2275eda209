"""The SMS drain benchmark on kept data (benchmarks/scenarios/sms.py): seed_demo --scale 1000 leaves numbers that said
STOP and messages waiting in the outbox. The drain must send its own messages only, to numbers that take them, and
leave the others waiting as they were."""

import datetime

import pytest
from django.utils import timezone

from benchmarks.scenarios import sms
from notifications.models import OutboundSms, SmsStatus, SuppressedNumber, SuppressionReason
from notifications.services import outbox_due

pytestmark = pytest.mark.django_db


def test_the_drain_uses_no_number_that_said_stop():
    SuppressedNumber.objects.create(number="+26650000001", reason=SuppressionReason.OPTED_OUT, source="sms")
    assert sms.drain_numbers(3) == ["+26650000000", "+26650000002", "+26650000003"]


def test_messages_waiting_before_the_drain_wait_until_it_is_over_and_are_due_as_before():
    due_at = timezone.now() - datetime.timedelta(minutes=5)
    waiting = OutboundSms.objects.create(to="+26651234567", language="st", template_key="system.test", body="Teko",
                                         status=SmsStatus.QUEUED, next_attempt_at=due_at)
    first = waiting.pk + 1
    assert outbox_due()
    with sms.others_held_back(first):
        assert not outbox_due()
    waiting.refresh_from_db()
    assert waiting.next_attempt_at == due_at and outbox_due()
