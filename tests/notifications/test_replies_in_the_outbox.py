"""Replies given in the webhook's TwiML answer are outbox rows too: sent, no SID, the command's text key, the worker,
segments and encoding; counted by the delivery rates and shown in the worker's conversation; never sent again."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications import backends
from notifications.models import InboundSms, OutboundSms, SmsStatus
from notifications.segments import count_segments
from notifications.services import reconcile_unconfirmed, send_queued, sweep_outbox
from tests.factories import WorkerFactory
from tests.notifications.sms_webhook_helpers import PUBLIC, TOKEN, inbound, reply_of

pytestmark = pytest.mark.django_db

ZA_MOBILE = "+27821234567"
UNKNOWN = "+27829999999"


@pytest.fixture(autouse=True)
def twilio_settings(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = PUBLIC


def worker(**values):
    return WorkerFactory(**({"mobile": ZA_MOBILE, "preferred_language": "en", "sms_consent": True} | values))


def test_a_reply_is_recorded_as_a_sent_outbox_row_with_the_commands_text_key(client):
    person = worker()
    reply = reply_of(inbound(client, "HELP"))
    row = OutboundSms.objects.get()
    assert (row.to, row.body, row.status, row.provider_id) == (ZA_MOBILE, reply, SmsStatus.SENT, "")
    assert (row.template_key, row.language, row.worker_id) == ("sms.help", "en", person.pk)
    assert (row.segments, row.encoding) == count_segments(reply)
    assert row.sent_at is not None and row.attempts == 1
    assert InboundSms.objects.get().reply_sms == row


@pytest.mark.parametrize(
    ("body", "sender", "key"),
    [
        ("STATUS", ZA_MOBILE, "status.worker"),
        ("STATUS", UNKNOWN, "status.unknown"),
        ("VERIFY", ZA_MOBILE, "verify.usage"),
        ("VERIFY PEA-1999-0001", ZA_MOBILE, "verify.unknown"),
        ("COMPLAIN", ZA_MOBILE, "complaint.sms_usage"),
        ("STOP", ZA_MOBILE, "sms.stopped"),
        ("anything at all", UNKNOWN, "sms.help"),
    ],
)
def test_each_commands_reply_carries_the_key_of_the_text_it_was_made_from(client, body, sender, key):
    person = worker()
    reply = reply_of(inbound(client, body, sender=sender))
    row = OutboundSms.objects.get()
    assert row.template_key == key and row.body == reply
    assert row.worker_id == (person.pk if sender == ZA_MOBILE else None)


def test_a_reply_in_both_languages_counts_its_segments():
    from notifications.inbound import receive

    reply = receive(provider_id="SM" + "1" * 32, from_number=UNKNOWN, body="hello")
    row = OutboundSms.objects.get()
    assert " / " in reply and (row.segments, row.encoding) == count_segments(reply) and row.segments >= 2


def test_the_same_message_twice_records_one_reply(client):
    worker()
    inbound(client, "HELP", sid="SM" + "2" * 32)
    inbound(client, "HELP", sid="SM" + "2" * 32)
    assert OutboundSms.objects.count() == 1


def test_a_command_that_fails_records_the_help_text_it_answered_with(client, monkeypatch):
    from notifications import commands

    def broken(context):
        raise RuntimeError("the database is having a bad day")

    monkeypatch.setitem(commands.COMMANDS, "STATUS", commands.Command(name="STATUS", words=("STATUS",), handler=broken))
    worker()
    reply = reply_of(inbound(client, "STATUS"))
    assert OutboundSms.objects.get().template_key == "sms.help" and "VERIFY" in reply


def test_nothing_sends_a_reply_row_again_not_the_drain_nor_the_sweep_nor_reconciliation(client):
    backends.outbox.clear()
    worker()
    inbound(client, "HELP")
    row = OutboundSms.objects.get()
    OutboundSms.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=2),
        claimed_at=timezone.now() - datetime.timedelta(days=2),
        status_changed_at=timezone.now() - datetime.timedelta(days=2),
        next_attempt_at=timezone.now() - datetime.timedelta(days=2),
    )
    send_queued()
    sweep_outbox()
    reconcile_unconfirmed(backend=backends.MemoryBackend())
    send_queued()
    row.refresh_from_db()
    assert backends.outbox == []
    assert (row.status, row.provider_id, row.attempts) == (SmsStatus.SENT, "", 1)


def test_the_delivery_rates_count_replies(client, cast):
    worker()
    inbound(client, "HELP")
    client.force_login(cast.registrar)
    rates = client.get(reverse("notifications:delivery_rates")).context["rates"]
    assert rates["overall"].total == 1 and rates["overall"].counts[SmsStatus.SENT] == 1
    assert [row.label for row in rates["by_event"]] == ["sms.help"]


def test_the_conversation_shows_the_reply_to_ministry_staff_but_not_to_agency_staff(client, cast):
    person = worker(agency=cast.agency_a)
    reply = reply_of(inbound(client, "HELP"))
    client.force_login(cast.registrar)
    page = client.get(reverse("workers:worker_detail", args=[person.pk])).content.decode()
    assert "Reply to the worker" in page and page.count(reply[:40]) == 1 and "see the reply above" in page
    client.force_login(cast.agency_staff)
    page = client.get(reverse("workers:worker_detail", args=[person.pk])).content.decode()
    # Agency staff see what was sent to the worker, never the worker's own words nor our answers to them.
    assert "Reply to the worker" not in page and reply[:40] not in page
