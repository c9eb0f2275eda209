"""The provider's webhooks: signed or refused, never a 500, stored once, receipts applied once and never backwards."""

import logging

import pytest
from django.urls import reverse

from notifications.models import InboundSms, OutboundSms, SmsStatus
from tests.notifications.sms_webhook_helpers import PUBLIC, TOKEN, inbound, reply_of, signed_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def twilio_settings(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = PUBLIC


RECEIPT = {"MessageSid": "SM" + "a" * 32, "MessageStatus": "delivered", "AccountSid": "AC" + "b" * 32}


@pytest.mark.parametrize("url_name", ["sms:twilio_status", "sms:twilio_inbound"])
def test_unsigned_and_wrongly_signed_requests_are_refused_and_logged(client, url_name, caplog):
    params = RECEIPT | {"From": "+27821234567", "Body": "STOP"}
    with caplog.at_level(logging.WARNING, logger="notifications.webhooks"):
        assert client.post(reverse(url_name), params).status_code == 403
        assert signed_post(client, url_name, params, signature="not-a-signature").status_code == 403
        assert signed_post(client, url_name, params, token="another-token").status_code == 403
        # Signed for the address the server sees rather than the public one (a proxy in between): refused.
        assert signed_post(client, url_name, params, base="http://testserver").status_code == 403
    assert len([record for record in caplog.records if "Refused an SMS webhook" in record.getMessage()]) == 4
    assert not InboundSms.objects.exists()
    assert signed_post(client, url_name, params).status_code == 200


@pytest.mark.parametrize("url_name", ["sms:twilio_status", "sms:twilio_inbound"])
def test_with_no_auth_token_configured_every_request_is_refused(client, settings, url_name):
    settings.TWILIO_AUTH_TOKEN = ""
    params = RECEIPT | {"From": "+27821234567", "Body": "HELP"}
    assert signed_post(client, url_name, params, token="").status_code == 403
    assert signed_post(client, url_name, params).status_code == 403


@pytest.mark.parametrize("url_name", ["sms:twilio_status", "sms:twilio_inbound"])
def test_only_post_is_answered(client, url_name):
    assert client.get(reverse(url_name)).status_code == 405


@pytest.mark.parametrize(
    "params",
    [{}, {"MessageSid": "SM1"}, {"MessageStatus": "delivered"}, {"MessageSid": "S" * 200, "MessageStatus": "sent"}],
)
def test_a_malformed_receipt_is_a_400(client, params):
    response = signed_post(client, "sms:twilio_status", params)
    assert response.status_code == 400 and response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize("params", [{}, {"MessageSid": "SM1"}, {"From": "+27821234567", "Body": "HELP"}])
def test_a_malformed_inbound_message_is_a_400_and_stores_nothing(client, params):
    assert signed_post(client, "sms:twilio_inbound", params).status_code == 400
    assert not InboundSms.objects.exists()


def test_a_receipt_for_an_unknown_message_is_accepted_so_the_provider_stops_retrying(client):
    assert signed_post(client, "sms:twilio_status", RECEIPT).status_code == 200


def _sent_message(sid):
    return OutboundSms.objects.create(
        to="+26658123456", language="en", template_key="system.test", body="x", status=SmsStatus.SENT, provider_id=sid
    )


def test_receipts_apply_once_and_never_move_a_message_backwards(client):
    message = _sent_message(RECEIPT["MessageSid"])
    assert signed_post(client, "sms:twilio_status", RECEIPT).status_code == 200
    message.refresh_from_db()
    assert message.status == SmsStatus.DELIVERED and message.delivered_at
    changed_at = message.status_changed_at
    # The same receipt again, then an older one arriving late: nothing changes.
    assert signed_post(client, "sms:twilio_status", RECEIPT).status_code == 200
    assert signed_post(client, "sms:twilio_status", RECEIPT | {"MessageStatus": "sent"}).status_code == 200
    message.refresh_from_db()
    assert (message.status, message.status_changed_at) == (SmsStatus.DELIVERED, changed_at)


def test_a_failure_receipt_keeps_the_error_code(client):
    message = _sent_message("SM" + "c" * 32)
    params = {
        "MessageSid": message.provider_id,
        "MessageStatus": "undelivered",
        "ErrorCode": "30003",
        "ErrorMessage": "Unreachable",
    }
    assert signed_post(client, "sms:twilio_status", params).status_code == 200
    message.refresh_from_db()
    assert (message.status, message.error_code) == (SmsStatus.UNDELIVERED, "30003")


def test_every_inbound_message_is_stored_and_answered_in_twiml(client):
    response = inbound(client, "hello there")
    stored = InboundSms.objects.get()
    assert stored.body == "hello there" and stored.from_number == "+27821234567" and stored.to_number == "+27870000000"
    assert reply_of(response) == stored.reply and "STATUS" in stored.reply


def test_the_same_inbound_message_twice_answers_the_stored_reply_and_does_nothing_else(client):
    first = inbound(client, "STOP", sid="SM" + "d" * 32)
    second = inbound(client, "STOP", sid="SM" + "d" * 32)
    assert reply_of(first) == reply_of(second) != ""
    assert InboundSms.objects.count() == 1
    assert InboundSms.objects.get().command == "STOP"


def test_a_long_message_is_stored_whole(client):
    body = "COMPLAIN " + "ba nkile phasepoto " * 110
    body = body[:1999]
    response = inbound(client, "x" + body)
    assert response.status_code == 200
    assert InboundSms.objects.get().body == "x" + body


@pytest.mark.parametrize("body", ["🙏🏾 thank you", "Ke kopa thuso ea ho tseba 😊", "مرحبا", "Tšepo o re lumela", ""])
def test_emoji_non_latin_and_empty_messages_are_stored_and_answered(client, body):
    response = inbound(client, body)
    assert InboundSms.objects.get().body == body
    assert reply_of(response)  # the help text


def test_a_reply_with_markup_characters_is_valid_twiml(client):
    # The help text contains "<licence no.>": it must be escaped, not break the XML.
    assert "<" in reply_of(inbound(client, "HELP"))
