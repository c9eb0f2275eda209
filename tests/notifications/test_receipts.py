"""Delivery receipts: idempotent, never backwards, unknown references ignored, permanent failures suppress the number."""

import pytest
from django.utils import timezone

from notifications.models import OutboundSms, SmsStatus, SuppressedNumber
from notifications.services import record_delivery_receipt

pytestmark = pytest.mark.django_db

SID = "SM" + "a" * 32
NUMBER = "+27821234567"


@pytest.fixture
def sent():
    earlier = timezone.now() - timezone.timedelta(minutes=5)
    return OutboundSms.objects.create(
        to=NUMBER,
        language="en",
        template_key="system.test",
        body="x",
        status=SmsStatus.SENT,
        provider_id=SID,
        sent_at=earlier,
        status_changed_at=earlier,
    )


def test_delivered_is_recorded_with_its_time_and_the_same_receipt_twice_changes_nothing(sent):
    assert record_delivery_receipt(sid=SID, status="delivered") is True
    sent.refresh_from_db()
    first = (sent.status, sent.delivered_at, sent.status_changed_at)
    assert sent.status == SmsStatus.DELIVERED and sent.delivered_at is not None
    assert record_delivery_receipt(sid=SID, status="delivered") is True
    sent.refresh_from_db()
    assert (sent.status, sent.delivered_at, sent.status_changed_at) == first


@pytest.mark.parametrize("late", ["queued", "sending", "sent", "accepted", "undelivered", "failed"])
def test_a_late_receipt_never_moves_a_delivered_message_backwards(sent, late):
    record_delivery_receipt(sid=SID, status="delivered")
    assert record_delivery_receipt(sid=SID, status=late, error_code="30003") is True
    sent.refresh_from_db()
    assert sent.status == SmsStatus.DELIVERED and sent.error_code == ""


def test_receipts_out_of_order_end_at_the_furthest_state(sent):
    for status in ["delivered", "sent", "queued"]:
        record_delivery_receipt(sid=SID, status=status)
    sent.refresh_from_db()
    assert sent.status == SmsStatus.DELIVERED


def test_a_receipt_for_a_stage_still_at_the_provider_leaves_a_sent_message_sent(sent):
    assert record_delivery_receipt(sid=SID, status="queued") is True
    sent.refresh_from_db()
    assert sent.status == SmsStatus.SENT


@pytest.mark.parametrize("sid", ["SM" + "b" * 32, "", "   "])
def test_an_unknown_reference_changes_nothing(sent, sid):
    assert record_delivery_receipt(sid=sid, status="failed", error_code="30006") is False
    sent.refresh_from_db()
    assert sent.status == SmsStatus.SENT
    assert not SuppressedNumber.objects.exists()


def test_an_unknown_status_word_is_ignored(sent):
    assert record_delivery_receipt(sid=SID, status="teleported") is True
    sent.refresh_from_db()
    assert sent.status == SmsStatus.SENT


def test_a_permanent_delivery_failure_suppresses_the_number(sent):
    assert record_delivery_receipt(
        sid=SID, status="undelivered", error_code="30006", error_message="Landline or unreachable carrier"
    )
    sent.refresh_from_db()
    assert sent.status == SmsStatus.UNDELIVERED and sent.error_code == "30006"
    assert sent.last_error == "Landline or unreachable carrier"
    suppressed = SuppressedNumber.objects.get(number=NUMBER)
    assert suppressed.reason == "failed" and suppressed.error_code == "30006" and suppressed.source == "provider"


def test_a_passing_failure_does_not_suppress_the_number(sent):
    record_delivery_receipt(sid=SID, status="undelivered", error_code="30003")  # handset switched off
    sent.refresh_from_db()
    assert sent.status == SmsStatus.UNDELIVERED
    assert not SuppressedNumber.objects.exists()


def test_a_number_that_opted_out_keeps_its_reason_when_it_also_fails(sent):
    SuppressedNumber.objects.create(number=NUMBER, reason="opted_out", source="sms")
    record_delivery_receipt(sid=SID, status="failed", error_code="21610")
    assert SuppressedNumber.objects.get(number=NUMBER).reason == "opted_out"


# --- A receipt that names its row by the id in its callback address ------------------------------------------------


@pytest.fixture
def on_its_way():
    """A row claimed by the drain whose send call has not returned: no SID yet."""
    return OutboundSms.objects.create(to=NUMBER, language="en", template_key="system.test", body="x", status=SmsStatus.SENDING)


def test_a_receipt_for_a_row_without_its_sid_yet_is_applied_through_the_row_id_and_records_the_sid(on_its_way):
    assert record_delivery_receipt(sid=SID, status="delivered", outbox_id=on_its_way.pk) is True
    on_its_way.refresh_from_db()
    assert (on_its_way.status, on_its_way.provider_id) == (SmsStatus.DELIVERED, SID)
    assert on_its_way.delivered_at is not None and on_its_way.sent_at is not None
    # From now on the SID finds it; a late "sent" changes nothing.
    assert record_delivery_receipt(sid=SID, status="sent") is True
    on_its_way.refresh_from_db()
    assert on_its_way.status == SmsStatus.DELIVERED


def test_without_the_row_id_a_receipt_that_overtakes_the_sid_finds_nothing(on_its_way):
    assert record_delivery_receipt(sid=SID, status="delivered") is False
    on_its_way.refresh_from_db()
    assert on_its_way.status == SmsStatus.SENDING and on_its_way.provider_id == ""


def test_a_row_that_holds_another_sid_ignores_a_receipt_naming_it(sent):
    other = "SM" + "c" * 32
    assert record_delivery_receipt(sid=other, status="failed", error_code="30006", outbox_id=sent.pk) is False
    sent.refresh_from_db()
    assert (sent.status, sent.provider_id, sent.error_code) == (SmsStatus.SENT, SID, "")
    assert not SuppressedNumber.objects.exists()


def test_the_sid_wins_over_the_row_id(sent, on_its_way):
    assert record_delivery_receipt(sid=SID, status="delivered", outbox_id=on_its_way.pk) is True
    sent.refresh_from_db()
    on_its_way.refresh_from_db()
    assert sent.status == SmsStatus.DELIVERED and on_its_way.status == SmsStatus.SENDING and on_its_way.provider_id == ""


def test_a_receipt_still_at_the_provider_marks_a_row_not_yet_sent_as_sent(on_its_way):
    assert record_delivery_receipt(sid=SID, status="accepted", outbox_id=on_its_way.pk) is True
    on_its_way.refresh_from_db()
    assert (on_its_way.status, on_its_way.provider_id) == (SmsStatus.SENT, SID) and on_its_way.sent_at is not None


@pytest.mark.parametrize("outbox_id", [0, 999999])
def test_a_row_id_that_names_no_row_is_ignored(on_its_way, outbox_id):
    assert record_delivery_receipt(sid=SID, status="delivered", outbox_id=outbox_id) is False
    on_its_way.refresh_from_db()
    assert on_its_way.status == SmsStatus.SENDING


def test_an_unconfirmed_row_whose_sid_a_receipt_recorded_is_confirmed_by_its_own_sid():
    from notifications.backends import MemoryBackend, ProviderMessage
    from notifications.services import reconcile_unconfirmed

    long_ago = timezone.now() - timezone.timedelta(hours=1)
    row = OutboundSms.objects.create(
        to=NUMBER, language="en", template_key="system.test", body="x", status=SmsStatus.UNCONFIRMED,
        provider_id=SID, status_changed_at=long_ago,
    )

    class Provider(MemoryBackend):
        def fetch_recent(self, to, since):
            return [ProviderMessage(SID, NUMBER, "x", "delivered")]

    assert reconcile_unconfirmed(backend=Provider())["confirmed"] == 1
    row.refresh_from_db()
    assert (row.status, row.provider_id) == (SmsStatus.DELIVERED, SID)
