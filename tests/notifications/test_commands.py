"""Two-way SMS: the commands workers send, in English and Sesotho, and what each one does and answers."""

import pytest
from django.db import transaction

from inspections.models import Complaint, ComplaintChannel
from notifications import commands, notify
from notifications.models import InboundSms, OutboundSms, SmsStatus, SuppressedNumber
from notifications.services import send_queued
from tests.factories import AgencyFactory, LicenceFactory, WorkerFactory, contract_data, contract_setting
from tests.notifications.sms_webhook_helpers import PUBLIC, TOKEN, inbound, reply_of

pytestmark = pytest.mark.django_db

ZA_MOBILE = "+27821234567"
UNKNOWN = "+27829999999"


@pytest.fixture(autouse=True)
def twilio_settings(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = PUBLIC
    settings.MINISTRY_HELPLINE = "+266 2231 0000"


def worker(language="en", **values):
    return WorkerFactory(**({"mobile": ZA_MOBILE, "preferred_language": language, "sms_consent": True} | values))


def send(client, body, sender=ZA_MOBILE, **extra):
    return reply_of(inbound(client, body, sender=sender, **extra))


def drain():
    send_queued()


# --- STOP and START ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("word", "language"), [("STOP", "en"), ("stop", "en"), ("EMA", "st"), ("Ema", "st")])
def test_stop_suppresses_the_number_withdraws_consent_and_confirms_in_the_workers_language(client, word, language):
    person = worker(language)
    reply = send(client, word)
    suppressed = SuppressedNumber.objects.get(number=ZA_MOBILE)
    assert (suppressed.reason, suppressed.source) == ("opted_out", "sms")
    person.refresh_from_db()
    assert person.sms_consent is False and person.consent_method == "sms" and person.consent_changed_at
    assert ("no more SMS" in reply) == (language == "en") and ("QALA" in reply) == (language == "st")
    assert InboundSms.objects.get().command == "STOP"


def test_after_stop_nothing_is_sent_but_the_confirmation(client, django_capture_on_commit_callbacks):
    person = worker()
    send(client, "STOP")
    with django_capture_on_commit_callbacks(execute=True):
        later = notify(to=ZA_MOBILE, template="system.test", language="en", worker_id=person.pk)
    drain()
    later.refresh_from_db()
    assert later.status == SmsStatus.SUPPRESSED
    # The STOP was confirmed in the webhook's answer: the outbox records that reply as sent, and nothing went
    # through the provider.
    from notifications.backends import outbox

    [confirmation] = OutboundSms.objects.exclude(status=SmsStatus.SUPPRESSED)
    assert (confirmation.template_key, confirmation.status, confirmation.provider_id) == ("sms.stopped", "sent", "")
    assert confirmation.replied_to == InboundSms.objects.get() and outbox == []


def test_stop_from_an_unknown_number_is_recorded_and_answered_in_both_languages(client):
    reply = send(client, "STOP", sender=UNKNOWN)
    assert SuppressedNumber.objects.filter(number=UNKNOWN, reason="opted_out").exists()
    assert "no more SMS" in reply and "QALA" in reply
    with transaction.atomic():
        message = notify(to=UNKNOWN, template="system.test", language="en")
    drain()
    message.refresh_from_db()
    assert message.status == SmsStatus.SUPPRESSED


@pytest.mark.parametrize("word", ["START", "qala"])
def test_start_lifts_the_opt_out_and_records_consent_by_sms(client, word):
    person = worker(sms_consent=False)
    send(client, "STOP")
    reply = send(client, word)
    assert not SuppressedNumber.objects.filter(number=ZA_MOBILE).exists()
    person.refresh_from_db()
    assert person.sms_consent is True and person.consent_method == "sms"
    assert "again" in reply
    with transaction.atomic():
        message = notify(to=ZA_MOBILE, template="system.test", language="en", worker_id=person.pk)
    drain()
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT


def test_start_does_not_lift_a_number_that_failed_for_good(client):
    SuppressedNumber.objects.create(number=ZA_MOBILE, reason="failed", source="provider", error_code="21211")
    send(client, "START")
    assert SuppressedNumber.objects.get(number=ZA_MOBILE).reason == "failed"


def test_advanced_opt_out_type_is_honoured_whatever_the_words(client):
    worker()
    send(client, "please no more", OptOutType="STOP")
    stored = InboundSms.objects.get()
    assert (stored.command, stored.opt_out_type) == ("STOP", "STOP")
    assert SuppressedNumber.objects.get(number=ZA_MOBILE).source == "twilio-opt-out"
    send(client, "ok", OptOutType="START")
    assert not SuppressedNumber.objects.filter(number=ZA_MOBILE).exists()
    assert "STATUS" in send(client, "STOP me", OptOutType="HELP")
    assert not SuppressedNumber.objects.filter(number=ZA_MOBILE).exists()


# --- HELP and anything else -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "language"), [("HELP", "en"), ("thuso", "st"), ("what is this", "en"), ("ke eng", "st")])
def test_help_and_anything_else_answer_the_help_text_in_the_workers_language(client, body, language):
    worker(language)
    reply = send(client, body)
    assert ("VERIFY" in reply) == (language == "en") and ("NETEFATSA" in reply) == (language == "st")
    assert "+266 2231 0000" in reply


def test_an_unknown_number_gets_the_help_text_in_both_languages_within_two_segments(client):
    reply = send(client, "hello", sender=UNKNOWN)
    assert "VERIFY" in reply and "NETEFATSA" in reply
    assert len(reply) <= 306


def test_a_lesotho_number_is_told_to_call_rather_than_reply():
    from notifications.inbound import help_text

    context = commands.InboundContext(number="+26658123456", text="", worker_id=None, language="en", known=True)
    text = help_text(context)
    assert "call" in text and "send STATUS" not in text


# --- VERIFY -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["VERIFY", "netefatsa"])
def test_verify_with_no_number_says_how_to_use_it(client, word):
    reply = send(client, word)
    assert "PEA-2026-0042" in reply


@pytest.mark.parametrize(
    ("status", "word_en", "word_st"),
    [("active", "ACTIVE", "SEBETSA"), ("suspended", "SUSPENDED", "EMISITSOE"), ("revoked", "REVOKED", "HULETSOE")],
)
def test_verify_tells_whether_the_licence_lets_the_agency_recruit(client, status, word_en, word_st):
    from agencies.models import Licence

    licence = LicenceFactory(agency=AgencyFactory(trading_name="Maluti Recruiters"))
    Licence.objects.filter(pk=licence.pk).update(status=status)
    worker("en")
    reply = send(client, f"verify {licence.number.lower()}")
    assert word_en in reply and licence.number in reply and "Maluti Recruiters" in reply
    WorkerFactory(mobile="+27821230000", preferred_language="st")
    assert word_st in send(client, f"NETEFATSA {licence.number}", sender="+27821230000")


def test_verify_an_unknown_licence(client):
    reply = send(client, "VERIFY PEA-1999-9999")
    assert "PEA-1999-9999" in reply and "no licence" in reply


# --- STATUS -----------------------------------------------------------------------------------------------------


def test_status_reveals_nothing_to_a_number_that_is_not_a_registered_worker(client):
    someone = WorkerFactory(first_name="Palesa", mobile="+27821110000")
    reply = send(client, "STATUS", sender=UNKNOWN)
    assert "not registered" in reply and someone.reference not in reply and "Palesa" not in reply


def test_status_reveals_nothing_when_two_workers_share_the_number(client):
    first, second = WorkerFactory(mobile=ZA_MOBILE), WorkerFactory(mobile=ZA_MOBILE)
    reply = send(client, "BOEMO")
    assert first.reference not in reply and second.reference not in reply and "ngolisoe" in reply


@pytest.mark.parametrize(("word", "language", "phrase"), [("STATUS", "en", "contract"), ("boemo", "st", "konteraka")])
def test_status_gives_the_workers_contract_training_and_clearance(client, cast, word, language, phrase):
    from contracts import services as contract_services

    setting = contract_setting(agency=cast.agency_a)
    person = WorkerFactory(mobile=ZA_MOBILE, preferred_language=language, agency=cast.agency_a, sms_consent=True)
    contract = contract_services.save_draft(by=cast.agency_staff, data=contract_data(setting, person))
    reply = send(client, word)
    assert person.reference in reply and contract.reference in reply and phrase in reply
    assert len(reply) <= 306


# --- COMPLAIN ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("word", "language"), [("COMPLAIN", "en"), ("tletlebo", "st")])
def test_complain_records_a_complaint_against_the_workers_agency_and_answers_the_reference(client, cast, word, language):
    person = worker(language, agency=cast.agency_a)
    reply = send(client, f"{word} they kept my passport 🙁")
    complaint = Complaint.objects.get()
    assert complaint.agency == cast.agency_a and complaint.worker == person
    assert complaint.channel == ComplaintChannel.SMS and complaint.description == "they kept my passport 🙁"
    assert complaint.complainant_phone == ZA_MOBILE and complaint.recorded_by is None
    assert complaint.reference in reply and "Agency A" in reply
    # Acknowledged by the reply alone, not by a second SMS as well.
    assert not OutboundSms.objects.filter(template_key="complaint.received").exists()
    assert InboundSms.objects.get().command == "COMPLAIN"


def test_complain_with_nothing_to_say_explains_how(client, cast):
    worker(agency=cast.agency_a)
    reply = send(client, "COMPLAIN")
    assert "COMPLAIN they kept my passport" in reply and not Complaint.objects.exists()


def test_complain_from_an_unknown_number_names_the_agency_by_licence_or_is_told_how(client):
    licence = LicenceFactory(agency=AgencyFactory(trading_name="Senqu Labour"))
    reply = send(client, "COMPLAIN they took my money", sender=UNKNOWN)
    assert not Complaint.objects.exists() and "licence number" in reply and "mokhatlo" in reply
    reply = send(client, f"COMPLAIN {licence.number} they took my money", sender=UNKNOWN)
    complaint = Complaint.objects.get()
    assert complaint.agency == licence.agency and complaint.worker is None and complaint.description == "they took my money"
    assert complaint.reference in reply


def test_the_same_complaint_sms_twice_records_one_complaint(client, cast):
    worker(agency=cast.agency_a)
    first = send(client, "COMPLAIN no pay", sid="SM" + "e" * 32)
    second = send(client, "COMPLAIN no pay", sid="SM" + "e" * 32)
    assert first == second and Complaint.objects.count() == 1


def test_a_command_that_fails_answers_the_help_text_and_keeps_nothing_half_done(client, monkeypatch):
    def broken(context):
        InboundSms.objects.create(provider_id="half-done", from_number="x")
        raise RuntimeError("boom")

    monkeypatch.setitem(commands.COMMANDS, "BOOM", commands.Command(name="BOOM", words=("BOOM",), handler=broken))
    reply = send(client, "BOOM")
    assert "STATUS" in reply and not InboundSms.objects.filter(provider_id="half-done").exists()
    assert InboundSms.objects.get().command == "BOOM"
