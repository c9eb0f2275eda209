"""A delivery receipt that overtakes the answer to our send call: found by the outbox row id in its callback address.

Twilio may call the status callback before its answer to the request that created the message reaches us, so
before the row holds the message SID. Each message's callback address carries its row id (Twilio signs the whole
address, query included); the receipt records the SID on that row, a row holding another SID ignores it, and the
drain's later news of the send call never moves the row backwards. Requests go through the real ``twilio`` client
to a stand-in transport; receipts are signed with the official validator.
"""

import datetime
import json

import pytest
import requests
from django.test import Client
from django.utils import timezone
from twilio.http.response import Response

from notifications import notify
from notifications.models import OutboundSms, SmsStatus
from notifications.services import send_queued, sweep_outbox
from tests.notifications.sms_webhook_helpers import signed_post_to
from tests.notifications.twilio_stand_in import AUTH_TOKEN, decode, message_json, message_list
from tests.notifications.twilio_stand_in import twilio as twilio_fixture

pytestmark = pytest.mark.django_db
twilio = twilio_fixture  # the fixture, used by name below

NUMBER = "+27821234567"
SID = "SM" + "5" * 32


def receipt(address, status, sid=SID, **extra):
    """Twilio calling the status callback address it was given, signed with the account's token."""
    params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "1" * 32} | extra
    return signed_post_to(Client(), address, params, token=AUTH_TOKEN)


def receipts_then(statuses, answer=None):
    """A provider that sends these receipts while our request is still open, then answers it (accepted, by default)."""

    def act(request):
        form = request["data"]
        for status in statuses:
            assert receipt(form["StatusCallback"], status).status_code == 200
        if answer is not None:
            return answer
        return Response(201, json.dumps(message_json(sid=SID, to=form["To"], body=form["Body"])))

    return act


def test_a_delivery_receipt_that_arrives_before_the_answer_is_kept_and_the_answer_does_not_undo_it(twilio):
    message = notify(to=NUMBER, template="system.test", language="en")
    twilio.script.append(receipts_then(["sent", "delivered"]))
    send_queued()
    message.refresh_from_db()
    assert message.provider_id == SID
    assert message.status == SmsStatus.DELIVERED and message.delivered_at is not None and message.sent_at is not None
    # A late "sent" for the same message keeps it delivered.
    assert receipt(twilio.posts[0]["data"]["StatusCallback"], "sent").status_code == 200
    message.refresh_from_db()
    assert message.status == SmsStatus.DELIVERED


def test_a_receipt_for_a_message_still_with_the_provider_marks_it_sent_before_the_answer(twilio):
    message = notify(to=NUMBER, template="system.test", language="en")
    twilio.script.append(receipts_then(["queued"]))
    send_queued()
    message.refresh_from_db()
    assert (message.status, message.provider_id) == (SmsStatus.SENT, SID)


def test_a_receipt_before_a_timed_out_answer_settles_the_message_so_it_is_never_sent_twice(twilio):
    message = notify(to=NUMBER, template="system.test", language="en")
    twilio.script.append(receipts_then(["delivered"], answer=requests.exceptions.ReadTimeout("Read timed out.")))
    send_queued()
    message.refresh_from_db()
    # The timeout does not put the row back to "awaiting confirmation": the provider has told us what happened.
    assert (message.status, message.provider_id) == (SmsStatus.DELIVERED, SID)
    OutboundSms.objects.filter(pk=message.pk).update(status_changed_at=timezone.now() - datetime.timedelta(hours=1))
    twilio.script.append(message_list([]))
    sweep_outbox()
    message.refresh_from_db()
    assert message.status == SmsStatus.DELIVERED and len(twilio.posts) == 1


def test_a_failure_receipt_before_the_answer_is_kept(twilio):
    message = notify(to=NUMBER, template="system.test", language="en")

    def act(request):
        form = request["data"]
        receipt(form["StatusCallback"], "undelivered", ErrorCode="30003", ErrorMessage="Unreachable destination handset")
        return Response(201, json.dumps(message_json(sid=SID, to=form["To"], body=form["Body"])))

    twilio.script.append(act)
    send_queued()
    message.refresh_from_db()
    assert (message.status, message.error_code, message.provider_id) == (SmsStatus.UNDELIVERED, "30003", SID)


def test_the_row_id_in_the_address_does_not_let_a_receipt_take_over_a_row_with_another_sid(twilio, settings):
    first = notify(to=NUMBER, template="system.test", language="en")
    send_queued()
    first.refresh_from_db()
    address = decode_callback(twilio)
    other_sid = "SM" + "6" * 32
    assert receipt(address, "failed", sid=other_sid, ErrorCode="30006").status_code == 200
    first.refresh_from_db()
    assert first.status == SmsStatus.SENT and first.provider_id != other_sid and first.error_code == ""
    assert not OutboundSms.objects.filter(provider_id=other_sid).exists()


def decode_callback(twilio):
    return twilio.posts[-1]["data"]["StatusCallback"]


@pytest.mark.parametrize("query", ["outbox=999999", "outbox=abc", "outbox=-1", "outbox=" + "9" * 40, "other=1"])
def test_a_receipt_naming_no_usable_row_changes_nothing(twilio, settings, query):
    message = notify(to=NUMBER, template="system.test", language="en")
    address = f"{settings.PUBLIC_BASE_URL}/sms/twilio/status/?{query}"
    assert receipt(address, "delivered").status_code == 200
    message.refresh_from_db()
    assert message.status == SmsStatus.QUEUED and message.provider_id == ""


def test_the_signature_covers_the_row_id_so_it_cannot_be_changed(twilio, settings):
    first = notify(to=NUMBER, template="system.test", language="en")
    second = notify(to=NUMBER, template="system.test", language="en")
    base = f"{settings.PUBLIC_BASE_URL}/sms/twilio/status/"
    params = {"MessageSid": SID, "MessageStatus": "delivered"}
    # Signed for the first row, sent for the second: refused.
    response = signed_post_to(Client(), f"{base}?outbox={second.pk}", params, token=AUTH_TOKEN,
                              signed_address=f"{base}?outbox={first.pk}")
    assert response.status_code == 403
    # Signed without the query, sent with it: refused too.
    response = signed_post_to(Client(), f"{base}?outbox={second.pk}", params, token=AUTH_TOKEN, signed_address=base)
    assert response.status_code == 403
    assert not OutboundSms.objects.exclude(provider_id="").exists()
    assert receipt(f"{base}?outbox={second.pk}", "delivered").status_code == 200
    second.refresh_from_db()
    assert (second.status, second.provider_id) == (SmsStatus.DELIVERED, SID)


def test_each_message_names_its_own_row_in_its_callback_address(twilio, settings):
    settings.SMS_RATE_PER_SECOND = 100
    messages = [notify(to=f"+2782123456{n}", template="system.test", language="en") for n in range(3)]
    send_queued()
    addresses = [post["data"]["StatusCallback"] for post in twilio.posts]
    assert addresses == [f"{settings.PUBLIC_BASE_URL}/sms/twilio/status/?outbox={m.pk}" for m in messages]
    assert [decode(address.split("?", 1)[1])["outbox"] for address in addresses] == [str(m.pk) for m in messages]
