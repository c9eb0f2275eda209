"""The Twilio backend through the real ``twilio`` client and a stand-in transport: what it sends, how it reads the answers."""

import datetime

import pytest
import requests
from django.utils import timezone
from twilio.http.http_client import TwilioHttpClient
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from notifications import notify
from notifications.backends import TwilioBackend
from notifications.models import OutboundSms, SmsStatus, SuppressedNumber
from notifications.services import RECONCILE_GRACE, send_queued, sweep_outbox
from tests.notifications.twilio_stand_in import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    MESSAGING_SERVICE_SID,
    error,
    message_json,
    message_list,
)
from tests.notifications.twilio_stand_in import twilio as twilio_fixture

pytestmark = pytest.mark.django_db
twilio = twilio_fixture  # the fixture, used by name below

NUMBER = "+27821234567"


def queue(to=NUMBER, text_language="en"):
    return notify(to=to, template="system.test", language=text_language)


def test_each_message_goes_with_the_sender_the_status_callback_and_a_timeout(twilio):
    message = queue()
    send_queued()
    [post] = twilio.posts
    assert post["url"] == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert post["auth"] == (ACCOUNT_SID, AUTH_TOKEN)
    assert post["data"]["To"] == NUMBER and post["data"]["Body"] == message.body
    assert post["data"]["MessagingServiceSid"] == MESSAGING_SERVICE_SID and "From" not in post["data"]
    # The outbox row's id rides in the callback address, so a receipt that beats the answer still finds its row.
    assert post["data"]["StatusCallback"] == f"https://register.labour.gov.ls/sms/twilio/status/?outbox={message.pk}"
    assert twilio.timeout == 7 and post["timeout"] == 7
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT and message.provider_id == "SM" + "0" * 31 + "1"
    assert message.sent_at is not None and message.status_changed_at >= message.sent_at


def test_a_single_sender_number_is_used_when_there_is_no_messaging_service(twilio, settings):
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    queue()
    send_queued()
    assert twilio.posts[0]["data"]["From"] == "+15005550006" and "MessagingServiceSid" not in twilio.posts[0]["data"]


def test_the_real_transport_is_given_the_timeout(settings):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = ACCOUNT_SID, AUTH_TOKEN
    settings.SMS_PROVIDER_TIMEOUT = 4
    backend = TwilioBackend()
    assert isinstance(backend.client.http_client, TwilioHttpClient)
    assert backend.client.http_client.timeout == 4  # the library waits for ever without one


def test_a_server_error_is_retried_with_growing_delays_then_given_up(twilio, settings):
    settings.SMS_MAX_ATTEMPTS = 3
    message = queue()
    delays = []
    for _ in range(3):
        twilio.script.append(error(503, 20503, "Service unavailable"))
        before = timezone.now()
        send_queued()
        message.refresh_from_db()
        delays.append(message.next_attempt_at - before)
        OutboundSms.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert message.status == SmsStatus.FAILED and message.attempts == 3
    assert len(twilio.posts) == 3
    assert delays[0] < delays[1] < delays[2]
    assert delays[0] >= datetime.timedelta(minutes=2)
    assert "503" in message.last_error
    send_queued()
    assert len(twilio.posts) == 3  # given up: never tried again
    assert not SuppressedNumber.objects.exists()  # the provider's fault, not the number's


def test_a_rate_limit_stops_the_batch_and_puts_the_rest_back_untouched(twilio, settings):
    settings.SMS_RATE_PER_SECOND = 100  # the three are claimed in one batch
    first, second, third = (queue(to=f"+2782123456{n}") for n in range(3))
    twilio.script.append(error(429, 20429, "Too Many Requests"))
    send_queued()
    assert len(twilio.posts) == 1  # the rest of the batch was not hammered at a provider asking us to wait
    for message in (first, second, third):
        message.refresh_from_db()
        assert message.status == SmsStatus.QUEUED and message.next_attempt_at > timezone.now()
    assert first.attempts == 1 and first.error_code == "20429"
    assert second.attempts == 0 and third.attempts == 0


@pytest.mark.parametrize("code", [21211, 21610, 21408, 21614])
def test_a_permanent_refusal_is_not_retried_and_suppresses_the_number(twilio, code):
    message = queue()
    twilio.script.append(error(400, code, "The 'To' number is not valid."))
    send_queued()
    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED and message.error_code == str(code) and message.attempts == 1
    suppressed = SuppressedNumber.objects.get(number=NUMBER)
    assert suppressed.reason == "failed" and suppressed.source == "provider" and suppressed.error_code == str(code)
    OutboundSms.objects.update(next_attempt_at=timezone.now())
    send_queued()
    sweep_outbox()
    later = queue()
    send_queued()
    later.refresh_from_db()
    assert len(twilio.posts) == 1  # neither retried nor anything new sent to the broken number
    assert later.status == SmsStatus.SUPPRESSED


def test_a_refusal_that_is_not_the_numbers_fault_fails_the_message_only(twilio):
    message = queue()
    twilio.script.append(error(400, 21606, "The 'From' phone number provided is not a valid message-capable number."))
    send_queued()
    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED and message.error_code == "21606"
    assert not SuppressedNumber.objects.exists()


def test_no_connection_is_retried_but_a_connection_lost_after_sending_is_not(twilio):
    never = queue(to="+27821234560")
    lost = queue(to="+27821234561")
    refused = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    twilio.script.append(requests.exceptions.ConnectionError(MaxRetryError(None, "/", refused)))
    twilio.script.append(requests.exceptions.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError())))
    send_queued()
    never.refresh_from_db()
    lost.refresh_from_db()
    assert never.status == SmsStatus.QUEUED
    assert lost.status == SmsStatus.UNCONFIRMED


def test_a_timeout_after_sending_waits_for_reconciliation_and_is_confirmed_from_the_providers_record(twilio):
    message = queue()
    twilio.script.append(requests.exceptions.ReadTimeout("Read timed out. (read timeout=7)"))
    send_queued()
    message.refresh_from_db()
    assert message.status == SmsStatus.UNCONFIRMED and message.provider_id == ""
    send_queued()
    sweep_outbox()  # too soon to ask: the provider's record may lag
    assert len(twilio.posts) == 1 and len(twilio.requests) == 1
    OutboundSms.objects.filter(pk=message.pk).update(status_changed_at=timezone.now() - datetime.timedelta(minutes=3))
    other = message_json(sid="SM" + "9" * 32, to=NUMBER, body="another text")
    ours = message_json(sid="SM" + "7" * 32, to=NUMBER, body=message.body, status="delivered")
    twilio.script.append(message_list([other, ours]))
    summary = sweep_outbox()
    message.refresh_from_db()
    assert "confirmed 1" in summary
    assert message.status == SmsStatus.DELIVERED and message.provider_id == "SM" + "7" * 32
    listing = twilio.requests[-1]
    assert listing["method"] == "GET" and listing["params"]["To"] == NUMBER
    assert len(twilio.posts) == 1  # never sent twice


def test_an_unconfirmed_message_the_provider_never_got_is_sent_again_after_the_grace_period(twilio):
    message = queue()
    twilio.script.append(requests.exceptions.ReadTimeout("Read timed out."))
    send_queued()
    OutboundSms.objects.filter(pk=message.pk).update(status_changed_at=timezone.now() - datetime.timedelta(minutes=3))
    twilio.script.append(message_list([]))
    assert "requeued 0" in sweep_outbox()  # not there yet, but still inside the grace period
    message.refresh_from_db()
    assert message.status == SmsStatus.UNCONFIRMED
    OutboundSms.objects.filter(pk=message.pk).update(status_changed_at=timezone.now() - RECONCILE_GRACE)
    twilio.script.append(message_list([]))
    assert "requeued 1" in sweep_outbox()
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT and len(twilio.posts) == 2  # the sweep's kick sent it, once


def test_a_provider_reference_already_on_another_row_is_not_taken_twice(twilio):
    first = queue()
    send_queued()
    first.refresh_from_db()
    second = queue()
    twilio.script.append(requests.exceptions.ReadTimeout("Read timed out."))
    send_queued()
    OutboundSms.objects.filter(pk=second.pk).update(status_changed_at=timezone.now() - datetime.timedelta(minutes=3))
    # The only matching message at the provider is the first row's.
    twilio.script.append(message_list([message_json(sid=first.provider_id, to=NUMBER, body=first.body, status="sent")]))
    sweep_outbox()
    second.refresh_from_db()
    assert second.status == SmsStatus.UNCONFIRMED and second.provider_id == ""


def test_a_backend_that_cannot_tell_leaves_unconfirmed_messages_for_staff(settings):
    settings.SMS_BACKEND = "console"
    message = OutboundSms.objects.create(
        to=NUMBER,
        language="en",
        template_key="system.test",
        body="x",
        status=SmsStatus.UNCONFIRMED,
        status_changed_at=timezone.now() - datetime.timedelta(days=1),
    )
    assert "1 for staff" in sweep_outbox()
    message.refresh_from_db()
    assert message.status == SmsStatus.UNCONFIRMED


@pytest.mark.parametrize(
    "missing,variables",
    [
        ("TWILIO_ACCOUNT_SID", {"TWILIO_AUTH_TOKEN": "t", "TWILIO_FROM_NUMBER": "+15005550006"}),
        ("TWILIO_AUTH_TOKEN", {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_MESSAGING_SERVICE_SID": MESSAGING_SERVICE_SID}),
        ("TWILIO_MESSAGING_SERVICE_SID", {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": "t"}),
    ],
)
def test_the_twilio_backend_refuses_to_start_without_its_settings(missing, variables):
    from tests.core.test_settings import run_manage

    result = run_manage("check", SMS_BACKEND="twilio", **variables)
    assert result.returncode != 0 and missing in result.stderr
    assert run_manage("check", SMS_BACKEND="twilio", **variables, **{missing: "x"}).returncode == 0
