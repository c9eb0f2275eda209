"""SMS retention (notifications/retention.py): texts and then numbers leave the SMS records once the ministry's periods
have run, the delivery record stays, and nothing still on its way is touched. Time is frozen by patching
django.utils.timezone.now, which core.dates.today reads."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core import retention as core_retention
from core.models import RegulatoryParameter
from notifications import retention
from notifications.models import InboundSms, OutboundSms, SmsStatus

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime.datetime(2027, 6, 15, 10, 0))
DAY = datetime.timedelta(days=1)


def frozen(moment=NOW):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def outbound(age_days, status=SmsStatus.DELIVERED, body="Your contract CT-2026-000001 was approved.", **extra):
    moment = NOW - age_days * DAY
    return OutboundSms.objects.create(
        to="+26658000001",
        worker_id=7,
        language="en",
        template_key="contract.approved",
        body=body,
        status=status,
        segments=2,
        created_at=moment,
        sent_at=moment,
        delivered_at=moment if status == SmsStatus.DELIVERED else None,
        status_changed_at=moment,
        **extra,
    )


def inbound(age_days, provider_id):
    return InboundSms.objects.create(
        provider_id=provider_id,
        from_number="+27821234567",
        body="COMPLAIN they kept my passport",
        command="COMPLAIN",
        reply="Your complaint CMP-2027-00001 was received.",
        worker_id=7,
        received_at=NOW - age_days * DAY,
    )


def test_periods_are_seeded_regulatory_parameters():
    keys = set(RegulatoryParameter.objects.filter(key__startswith="retention.sms").values_list("key", flat=True))
    assert keys == {"retention.sms_text_days", "retention.sms_number_days"}


def test_delivered_and_failed_texts_are_blanked_after_the_period_keeping_the_delivery_record():
    old_delivered, old_failed = outbound(400), outbound(366, status=SmsStatus.FAILED, error_code="30003")
    recent = outbound(300)
    with frozen():
        call_command("run_scheduled_jobs", only=["notifications.sms_retention"])
    old_delivered.refresh_from_db()
    old_failed.refresh_from_db()
    recent.refresh_from_db()
    assert old_delivered.body == "" and old_failed.body == ""
    assert recent.body.startswith("Your contract")
    # The delivery record is whole: status, times, segments, error, event, worker, and (for now) the number.
    assert (old_delivered.status, old_delivered.segments, old_delivered.template_key) == (
        SmsStatus.DELIVERED,
        2,
        "contract.approved",
    )
    assert old_delivered.delivered_at == NOW - 400 * DAY and old_delivered.sent_at == NOW - 400 * DAY
    assert (old_failed.status, old_failed.error_code, old_failed.to) == (SmsStatus.FAILED, "30003", "+26658000001")


def test_the_period_is_counted_from_the_start_of_today_in_maseru():
    just_inside, just_outside = outbound(365), outbound(366)
    with frozen():
        retention.apply_sms_retention()
    just_inside.refresh_from_db()
    just_outside.refresh_from_db()
    # 365 days before 10:00 today is after the start of the day 365 days ago: kept; a day earlier: blanked.
    assert just_inside.body and just_outside.body == ""


@pytest.mark.parametrize("status", [SmsStatus.QUEUED, SmsStatus.SENDING, SmsStatus.UNCONFIRMED])
def test_a_message_still_on_its_way_keeps_its_text_and_number_whatever_its_age(status):
    waiting = outbound(1000, status=status)
    with frozen():
        retention.apply_sms_retention()
    waiting.refresh_from_db()
    assert waiting.body and waiting.to


def test_inbound_text_and_reply_are_blanked_keeping_the_command_and_time():
    old, recent = inbound(400, "SM-old"), inbound(10, "SM-new")
    with frozen():
        retention.apply_sms_retention()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.body, old.reply, old.command, old.received_at, old.from_number) == (
        "",
        "",
        "COMPLAIN",
        NOW - 400 * DAY,
        "+27821234567",
    )
    assert recent.body and recent.reply


def test_numbers_are_removed_after_the_longer_period():
    older_sent, older_received = outbound(800), inbound(800, "SM-older")
    younger_sent = outbound(500)
    with frozen():
        summary = retention.apply_sms_retention()
    older_sent.refresh_from_db()
    older_received.refresh_from_db()
    younger_sent.refresh_from_db()
    assert older_sent.to == "" and older_received.from_number == ""
    assert younger_sent.to == "+26658000001" and younger_sent.body == ""
    assert "numbers removed: 1 outbound, 1 inbound" in summary


def test_the_periods_in_force_on_the_day_apply_and_the_administrator_can_change_them():
    message = outbound(200)
    RegulatoryParameter.objects.create(
        key="retention.sms_text_days", value=Decimal("180"), effective_from=datetime.date(2027, 6, 1), note="Shorter"
    )
    with frozen(NOW - 30 * DAY):  # before the new period takes effect: 365 days
        retention.apply_sms_retention()
    message.refresh_from_db()
    assert message.body
    with frozen():
        retention.apply_sms_retention()
    message.refresh_from_db()
    assert message.body == ""


def test_running_again_changes_nothing_and_works_in_batches(monkeypatch):
    monkeypatch.setattr(core_retention, "BATCH_SIZE", 2)
    messages = [outbound(400) for _ in range(5)]
    kept = outbound(10)
    with frozen():
        first = retention.apply_sms_retention()
        second = retention.apply_sms_retention()
    assert "texts blanked: 5 outbound" in first
    assert "texts blanked: 0 outbound, 0 inbound" in second
    assert not OutboundSms.objects.filter(pk__in=[m.pk for m in messages]).exclude(body="").exists()
    kept.refresh_from_db()
    assert kept.body


def test_without_a_period_in_force_nothing_is_pruned():
    RegulatoryParameter.objects.filter(key__startswith="retention.sms").delete()
    message = outbound(5000)
    with frozen():
        summary = retention.apply_sms_retention()
    message.refresh_from_db()
    assert message.body and message.to
    assert "no SMS text retention period in force" in summary


def test_the_workers_page_says_a_pruned_text_was_removed(cast, client):
    from tests.factories import WorkerFactory

    worker = WorkerFactory(agency=cast.agency_a)
    OutboundSms.objects.create(
        to="+26658000001",
        worker_id=worker.pk,
        language="en",
        template_key="contract.approved",
        body="Approved.",
        status=SmsStatus.DELIVERED,
        created_at=NOW - 400 * DAY,
    )
    with frozen():
        retention.apply_sms_retention()
    client.force_login(cast.registrar)
    page = client.get(reverse("workers:worker_detail", args=[worker.pk])).content.decode()
    assert "(text removed after the retention period)" in page and "Approved." not in page
