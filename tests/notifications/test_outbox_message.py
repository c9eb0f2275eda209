"""One message of the outbox: its page, "check with the provider now" for a message awaiting confirmation and "send
again" for a failed or undelivered one, each through the normal rules and written to the message's history."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from notifications import backends
from notifications.models import OutboundSms, SmsStatus, SuppressedNumber
from notifications.services import RECONCILE_GRACE
from tests.factories import WorkerFactory

pytestmark = pytest.mark.django_db

NUMBER = "+27821234567"


def message(**values):
    defaults = {
        "to": NUMBER,
        "language": "en",
        "template_key": "contract.approved",
        "body": "Your contract CT-2026-000123 was approved.",
        "status": SmsStatus.FAILED,
        "attempts": 5,
        "error_code": "30008",
        "last_error": "Unknown error",
    }
    return OutboundSms.objects.create(**(defaults | values))


def unconfirmed(minutes_ago=5, **values):
    attempt = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    return message(status=SmsStatus.UNCONFIRMED, error_code="", last_error="no answer within 10 s after sending",
                   claimed_at=attempt, status_changed_at=attempt, created_at=attempt, attempts=1, **values)


def page(client, row):
    return client.get(reverse("notifications:outbox_message", args=[row.pk])).content.decode()


def post(client, name, row):
    return client.post(reverse(f"notifications:{name}", args=[row.pk]), follow=True).content.decode()


@pytest.fixture(autouse=True)
def empty_provider():
    backends.outbox.clear()


# --- The page -----------------------------------------------------------------------------------------------------


def test_the_outbox_row_leads_to_the_page_that_shows_what_was_sent_to_whom_and_how_it_went(client, cast):
    worker = WorkerFactory(mobile=NUMBER, agency=cast.agency_a)
    row = message(worker_id=worker.pk, agency_id=cast.agency_a.pk, provider_id="SM" + "4" * 32, sent_at=timezone.now())
    client.force_login(cast.registrar)
    outbox = client.get(reverse("notifications:outbox")).content.decode()
    assert reverse("notifications:outbox_message", args=[row.pk]) in outbox
    shown = page(client, row)
    for part in (row.body, NUMBER, worker.reference, cast.agency_a.legal_name, "contract.approved", "30008", "Unknown error",
                 "SM" + "4" * 32, "Failed", f"{timezone.localtime(row.created_at):%Y-%m-%d %H:%M}"):
        assert part in shown, part
    assert "Send again" in shown and "Check with the provider now" not in shown


def test_the_number_is_masked_for_staff_who_may_not_see_numbers(client, cast):
    row = message()
    client.force_login(cast.administrator)
    shown = page(client, row)
    assert NUMBER not in shown and "••••••4567" in shown


@pytest.mark.parametrize(
    ("status", "check", "again"),
    [
        (SmsStatus.UNCONFIRMED, True, False),
        (SmsStatus.FAILED, False, True),
        (SmsStatus.UNDELIVERED, False, True),
        (SmsStatus.SENT, False, False),
        (SmsStatus.DELIVERED, False, False),
        (SmsStatus.QUEUED, False, False),
    ],
)
def test_the_page_offers_each_action_only_where_it_applies(client, cast, status, check, again):
    row = message(status=status)
    client.force_login(cast.registrar)
    shown = page(client, row)
    assert (reverse("notifications:outbox_check", args=[row.pk]) in shown) == check
    assert (reverse("notifications:outbox_send_again", args=[row.pk]) in shown) == again


# --- Check with the provider now -------------------------------------------------------------------------------------


def test_checking_finds_the_message_at_the_provider_and_marks_it_sent(client, cast):
    row = unconfirmed(minutes_ago=0)  # at once: staff need not wait for the sweep's two minutes
    backends.outbox.append({"to": NUMBER, "body": row.body, "reference": "memory-77"})
    client.force_login(cast.registrar)
    shown = post(client, "outbox_check", row)
    row.refresh_from_db()
    assert (row.status, row.provider_id, row.last_error) == (SmsStatus.SENT, "memory-77", "")
    assert "it is now marked as sent (provider message SID memory-77)" in shown
    log = StateLog.objects.for_(row).get()
    assert (log.by, log.transition, log.source_state, log.state) == (cast.registrar, "check_with_provider", "unconfirmed", "sent")
    assert "Checked with the provider: Awaiting confirmation → Sent" in shown and str(cast.registrar) in shown


def test_checking_within_the_grace_period_changes_nothing_and_says_when_it_will_be_sent_again(client, cast):
    row = unconfirmed(minutes_ago=3)
    client.force_login(cast.registrar)
    shown = post(client, "outbox_check", row)
    row.refresh_from_db()
    assert row.status == SmsStatus.UNCONFIRMED and backends.outbox == []
    until = timezone.localtime(row.status_changed_at + RECONCILE_GRACE)
    assert "does not show this message yet" in shown and f"{until:%Y-%m-%d %H:%M}" in shown


def test_checking_after_the_grace_period_queues_a_message_the_provider_never_had_and_it_is_sent_once(
    client, cast, django_capture_on_commit_callbacks
):
    row = unconfirmed(minutes_ago=30)
    client.force_login(cast.registrar)
    with django_capture_on_commit_callbacks(execute=True):
        shown = post(client, "outbox_check", row)
    assert "was queued and will be sent again" in shown
    row.refresh_from_db()
    assert row.status == SmsStatus.SENT and [sent["to"] for sent in backends.outbox] == [NUMBER]
    assert StateLog.objects.for_(row).get().state == "queued"


def test_a_provider_that_cannot_be_reached_changes_nothing(client, cast, monkeypatch):
    def unreachable(self, to, since):
        raise backends.TemporarySmsError("connection refused")

    monkeypatch.setattr(backends.MemoryBackend, "fetch_recent", unreachable)
    row = unconfirmed(minutes_ago=30)
    client.force_login(cast.registrar)
    shown = post(client, "outbox_check", row)
    row.refresh_from_db()
    assert row.status == SmsStatus.UNCONFIRMED and "could not be asked just now" in shown


def test_a_service_that_cannot_look_messages_up_says_so(client, cast, settings):
    settings.SMS_BACKEND = "console"
    row = unconfirmed(minutes_ago=30)
    client.force_login(cast.registrar)
    shown = post(client, "outbox_check", row)
    row.refresh_from_db()
    assert row.status == SmsStatus.UNCONFIRMED and "cannot look up the messages it has sent" in shown


@pytest.mark.parametrize("status", [SmsStatus.SENT, SmsStatus.FAILED, SmsStatus.QUEUED])
def test_only_a_message_awaiting_confirmation_is_checked(client, cast, status):
    row = message(status=status)
    client.force_login(cast.registrar)
    shown = post(client, "outbox_check", row)
    row.refresh_from_db()
    assert row.status == status and "not awaiting confirmation" in shown and not StateLog.objects.exists()


# --- Send again ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [SmsStatus.FAILED, SmsStatus.UNDELIVERED])
def test_a_failed_message_is_sent_again_as_a_new_row_with_the_same_text_through_the_drain(
    client, cast, status, django_capture_on_commit_callbacks
):
    worker = WorkerFactory(mobile=NUMBER, sms_consent=True)
    row = message(status=status, worker_id=worker.pk, agency_id=cast.agency_a.pk)
    client.force_login(cast.trainer)  # the trainers manage SMS too (an opt-out said at a session, say)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("notifications:outbox_send_again", args=[row.pk]))
    assert response.status_code == 302
    copy = OutboundSms.objects.exclude(pk=row.pk).get()
    assert (copy.body, copy.to, copy.worker_id, copy.agency_id, copy.template_key, copy.resend_of) == (
        row.body, NUMBER, worker.pk, cast.agency_a.pk, row.template_key, row,
    )
    assert copy.status == SmsStatus.SENT and backends.outbox[0]["body"] == row.body  # queued, then sent by the drain
    row.refresh_from_db()
    assert row.status == status  # the failed message stays what it was
    assert {log.transition for log in StateLog.objects.for_(row)} == {"send_again"}
    assert StateLog.objects.for_(copy).get().by == cast.trainer


def test_a_message_is_sent_again_only_once(client, cast):
    row = message()
    client.force_login(cast.registrar)
    post(client, "outbox_send_again", row)
    shown = post(client, "outbox_send_again", row)
    copy = OutboundSms.objects.exclude(pk=row.pk).get()
    assert f"already sent again (SMS {copy.pk})" in shown
    assert reverse("notifications:outbox_message", args=[copy.pk]) in shown
    assert reverse("notifications:outbox_message", args=[row.pk]) in page(client, copy)


@pytest.mark.parametrize(
    ("reason", "said"),
    [("opted_out", "the number opted out"), ("failed", "the number failed permanently")],
)
def test_a_suppressed_number_is_refused_with_the_reason(client, cast, reason, said):
    row = message()
    SuppressedNumber.objects.create(number=NUMBER, reason=reason, source="sms")
    client.force_login(cast.registrar)
    shown = post(client, "outbox_send_again", row)
    assert f"Not sent again: {said}." in shown
    assert OutboundSms.objects.count() == 1 and not StateLog.objects.exists()


def test_a_worker_who_has_not_agreed_to_sms_is_refused(client, cast):
    worker = WorkerFactory(mobile=NUMBER, sms_consent=False)
    row = message(worker_id=worker.pk)
    client.force_login(cast.registrar)
    shown = post(client, "outbox_send_again", row)
    assert "Not sent again: the worker has not agreed to SMS." in shown and OutboundSms.objects.count() == 1


def test_resends_to_one_number_are_limited_in_a_day(client, cast):
    rows = [message() for _ in range(4)]
    client.force_login(cast.registrar)
    for row in rows[:3]:
        post(client, "outbox_send_again", row)
    shown = post(client, "outbox_send_again", rows[3])
    assert "3 messages were already sent again to this number in the last 24 hours" in shown
    assert OutboundSms.objects.filter(resend_of__isnull=False).count() == 3
    OutboundSms.objects.filter(resend_of__isnull=False).update(created_at=timezone.now() - datetime.timedelta(hours=25))
    post(client, "outbox_send_again", rows[3])
    assert OutboundSms.objects.filter(resend_of=rows[3]).exists()


def test_a_resend_goes_to_the_workers_corrected_number(client, cast):
    worker = WorkerFactory(mobile="+27827654321", sms_consent=True)
    row = message(status=SmsStatus.FAILED, worker_id=worker.pk, error_code="21211")  # sent to the old, wrong number
    SuppressedNumber.objects.create(number=NUMBER, reason="failed", source="provider", error_code="21211")
    client.force_login(cast.registrar)
    post(client, "outbox_send_again", row)
    assert OutboundSms.objects.get(resend_of=row).to == "+27827654321"


@pytest.mark.parametrize("status", [SmsStatus.SENT, SmsStatus.DELIVERED, SmsStatus.QUEUED, SmsStatus.UNCONFIRMED])
def test_only_a_failed_or_undelivered_message_is_sent_again(client, cast, status):
    row = message(status=status)
    client.force_login(cast.registrar)
    shown = post(client, "outbox_send_again", row)
    assert "Only a failed or undelivered message can be sent again." in shown and OutboundSms.objects.count() == 1


@pytest.mark.parametrize("removed", [{"body": ""}, {"to": ""}])
def test_a_message_whose_text_or_number_was_removed_is_not_sent_again(client, cast, removed):
    row = message(**removed)
    client.force_login(cast.registrar)
    shown = post(client, "outbox_send_again", row)
    assert "removed after the retention period" in shown and OutboundSms.objects.count() == 1


@pytest.mark.parametrize("role", ["analyst", "agency_staff", "inspector"])
def test_staff_without_the_sms_roles_can_neither_see_nor_act(client, cast, role):
    row = message()
    client.force_login(getattr(cast, role))
    assert client.get(reverse("notifications:outbox_message", args=[row.pk])).status_code == 403
    for name in ("outbox_check", "outbox_send_again"):
        assert client.post(reverse(f"notifications:{name}", args=[row.pk])).status_code == 403
    assert OutboundSms.objects.count() == 1 and not StateLog.objects.exists()


def test_what_the_system_noted_on_a_message_is_shown_in_the_readers_language_and_the_providers_text_as_it_came(
        client, cast):
    from notifications.services import send_claimed

    worker = WorkerFactory(mobile=NUMBER, agency=cast.agency_a, sms_consent=False)
    stopped = message(status=SmsStatus.SENDING, worker_id=worker.pk, last_error="", error_code="", attempts=0)
    send_claimed([stopped], backends.get_backend())
    stopped.refresh_from_db()
    assert stopped.status == SmsStatus.SUPPRESSED and stopped.last_error == "not sent: the worker has not agreed to SMS"
    refused = message(last_error="Unknown error")
    client.force_login(cast.registrar)
    client.cookies["django_language"] = "st"
    assert "ha ea romeloa: mosebetsi ha a so lumele SMS" in page(client, stopped)
    worker_page = client.get(reverse("workers:worker_detail", args=[worker.pk])).content.decode()
    assert "ha ea romeloa: mosebetsi ha a so lumele SMS" in worker_page
    assert "Unknown error" in page(client, refused)
    client.cookies["django_language"] = "en"
    assert "not sent: the worker has not agreed to SMS" in page(client, stopped)
