"""The ministry's SMS screens (outbox, inbound, delivery rates, failed numbers) and the worker page's SMS sections."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import InboundSms, OutboundSms, SmsStatus, SuppressedNumber
from tests.factories import WorkerFactory

pytestmark = pytest.mark.django_db

MOBILE = "+26658123456"


def outbound(n=0, **values):
    defaults = {
        "to": f"+2665812{n:04d}",
        "language": "en",
        "template_key": "system.test",
        "body": f"message {n}",
        "status": SmsStatus.SENT,
        "segments": 1,
        "encoding": "GSM-7",
        "attempts": 1,
    }
    return OutboundSms.objects.create(**(defaults | values))


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("url_name", ["notifications:outbox", "notifications:inbound", "notifications:failed_numbers"])
def test_lists_read_a_constant_number_of_queries(client, cast, url_name):
    client.force_login(cast.administrator)
    url = reverse(url_name)

    def add(count, start):
        for n in range(start, start + count):
            worker = WorkerFactory()
            outbound(n, worker_id=worker.pk, agency_id=[cast.agency_a.pk, cast.agency_b.pk][n % 2])
            InboundSms.objects.create(
                provider_id=f"SM{n}", from_number=f"+2782{n:07d}", body="HELP", reply="help", worker_id=worker.pk
            )
            SuppressedNumber.objects.create(number=worker.mobile.as_e164, reason="failed", source="provider", error_code="21211")

    add(2, 0)
    few = queries_for(client, url)
    add(20, 100)
    assert queries_for(client, url) == few


def test_the_outbox_shows_segments_encoding_attempts_error_and_agency_names(client, cast):
    outbound(1, agency_id=cast.agency_a.pk, segments=2, encoding="UCS-2", attempts=3, error_code="30007", status=SmsStatus.FAILED)
    client.force_login(cast.registrar)
    page = client.get(reverse("notifications:outbox")).content.decode()
    assert "UCS-2" in page and "30007" in page and cast.agency_a.legal_name in page and "message 1" in page


def test_outbox_filters(client, cast):
    today = timezone.localdate()
    old = outbound(1, status=SmsStatus.DELIVERED, created_at=timezone.now() - datetime.timedelta(days=10))
    failed = outbound(2, status=SmsStatus.FAILED, agency_id=cast.agency_a.pk, template_key="contract.approved")
    other = outbound(3, status=SmsStatus.SENT, agency_id=cast.agency_b.pk)
    client.force_login(cast.administrator)
    url = reverse("notifications:outbox")

    def shown(**query):
        page = client.get(url, query).content.decode()
        return {message.body for message in (old, failed, other) if f">{message.body}<" in page}

    assert shown() == {"message 1", "message 2", "message 3"}
    assert shown(status="failed") == {"message 2"}
    assert shown(template_key="contract.approved") == {"message 2"}
    assert shown(agency_id=cast.agency_b.pk) == {"message 3"}
    assert shown(since=today.isoformat()) == {"message 2", "message 3"}
    assert shown(until=(today - datetime.timedelta(days=5)).isoformat()) == {"message 1"}
    assert shown(to="5812 0003") == {"message 3"}


def test_the_outbox_agency_filter_starts_at_all_agencies(client, cast):
    outbound(1, agency_id=cast.agency_a.pk)
    outbound(2, agency_id=cast.agency_b.pk)
    client.force_login(cast.administrator)
    response = client.get(reverse("notifications:outbox"))
    choices = list(response.context["filter"].form.fields["agency_id"].choices)
    assert choices[0][0] == "" and {cast.agency_a.pk, cast.agency_b.pk} <= {value for value, label in choices}
    # Sending the form as it first shows filters nothing out.
    page = client.get(reverse("notifications:outbox"), {"agency_id": ""}).content.decode()
    assert ">message 1<" in page and ">message 2<" in page


def test_the_outbox_shows_a_long_text_shortened_and_exports_it_whole(client, cast):
    long_text = "Ministry of Labour: " + "your contract was approved. " * 6
    outbound(1, body=long_text.strip())
    client.force_login(cast.administrator)
    page = client.get(reverse("notifications:outbox")).content.decode()
    assert long_text.strip() not in page.replace(f'title="{long_text.strip()}"', "")
    assert "Ministry of Labour: your contract was approved." in page
    response = client.get(reverse("notifications:outbox"), {"export": "csv"})
    assert long_text.strip() in b"".join(response.streaming_content).decode()


def test_outbox_export_names_the_agency(client, cast):
    outbound(1, agency_id=cast.agency_a.pk)
    client.force_login(cast.administrator)
    response = client.get(reverse("notifications:outbox"), {"export": "csv"})
    assert cast.agency_a.legal_name in b"".join(response.streaming_content).decode()


def test_inbound_list_shows_the_reply_and_filters_by_command(client, cast):
    InboundSms.objects.create(
        provider_id="SM1", from_number="+27821234567", body="STOP", command="STOP", reply="You will get no more SMS"
    )
    InboundSms.objects.create(
        provider_id="SM2", from_number="+27821234568", body="VERIFY X", command="VERIFY", reply="no licence X"
    )
    client.force_login(cast.registrar)
    page = client.get(reverse("notifications:inbound"), {"command": "stop"}).content.decode()
    assert "You will get no more SMS" in page and "no licence X" not in page


def test_delivery_rates_count_per_status_event_and_day(client, cast):
    for status in [SmsStatus.DELIVERED] * 3 + [SmsStatus.FAILED]:
        outbound(status=status, template_key="contract.approved")
    outbound(status=SmsStatus.QUEUED, template_key="training.reminder")
    outbound(status=SmsStatus.DELIVERED, created_at=timezone.now() - datetime.timedelta(days=60))
    client.force_login(cast.administrator)
    response = client.get(reverse("notifications:delivery_rates"))
    rates = response.context["rates"]
    assert rates["overall"].total == 5 and rates["overall"].delivery_rate == 75.0
    by_event = {row.label: row for row in rates["by_event"]}
    assert by_event["contract.approved"].counts["delivered"] == 3 and by_event["training.reminder"].delivery_rate is None
    assert [row.total for row in rates["by_day"]] == [5]
    # A wider period takes in the older message; a reversed one is refused with a message.
    since = (timezone.localdate() - datetime.timedelta(days=90)).isoformat()
    assert client.get(reverse("notifications:delivery_rates"), {"since": since}).context["rates"]["overall"].total == 6
    wrong = client.get(reverse("notifications:delivery_rates"), {"since": "2030-01-02", "until": "2030-01-01"})
    assert wrong.status_code == 200 and "must come before" in wrong.content.decode()


def test_failed_numbers_link_the_worker_and_can_be_cleared_once_fixed(client, cast):
    worker = WorkerFactory(mobile=MOBILE)
    failed = SuppressedNumber.objects.create(number=MOBILE, reason="failed", source="provider", error_code="21614")
    SuppressedNumber.objects.create(number="+26658000001", reason="opted_out", source="sms")
    client.force_login(cast.administrator)
    page = client.get(reverse("notifications:failed_numbers")).content.decode()
    assert reverse("workers:worker_detail", args=[worker.pk]) in page and "21614" in page and "+26658000001" not in page
    response = client.post(reverse("notifications:failed_clear", args=[failed.pk]))
    assert response.status_code == 302 and not SuppressedNumber.objects.filter(pk=failed.pk).exists()
    # Clearing twice is told plainly, never a 500.
    response = client.post(reverse("notifications:failed_clear", args=[failed.pk]), follow=True)
    assert "no longer marked as failed" in response.content.decode()


def test_an_opt_out_cannot_be_cleared_as_a_fixed_number(client, cast):
    opted_out = SuppressedNumber.objects.create(number=MOBILE, reason="opted_out", source="sms")
    client.force_login(cast.administrator)
    client.post(reverse("notifications:failed_clear", args=[opted_out.pk]))
    assert SuppressedNumber.objects.filter(pk=opted_out.pk).exists()


# --- The worker page ---------------------------------------------------------------------------------------------


def test_the_worker_page_says_the_number_needs_attention_when_it_failed(client, cast):
    worker = WorkerFactory(mobile=MOBILE, agency=cast.agency_a)
    SuppressedNumber.objects.create(number=MOBILE, reason="failed", source="provider", error_code="21211")
    client.force_login(cast.agency_staff)
    page = client.get(reverse("workers:worker_detail", args=[worker.pk])).content.decode()
    assert "Number needs attention" in page and "21211" in page
    # Agency staff may not record opt-outs.
    assert reverse("notifications:worker_opt_out", args=[worker.pk]) not in page


def test_staff_record_an_opt_out_said_in_person_and_the_worker_gets_only_the_confirmation(
    client, cast, django_capture_on_commit_callbacks
):
    from notifications.backends import outbox

    worker = WorkerFactory(mobile=MOBILE, sms_consent=True, preferred_language="st")
    client.force_login(cast.trainer)
    url = reverse("notifications:worker_opt_out", args=[worker.pk])
    assert url in client.get(reverse("workers:worker_detail", args=[worker.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"choice": "out", "method": "in_person", "note": "Said so at the Maseru session"})
    assert response.status_code == 302
    suppressed = SuppressedNumber.objects.get(number=MOBILE)
    assert (suppressed.reason, suppressed.source, suppressed.recorded_by, suppressed.note) == (
        "opted_out",
        "staff",
        cast.trainer,
        "Said so at the Maseru session",
    )
    worker.refresh_from_db()
    assert worker.sms_consent is False and worker.consent_method == "in_person"
    confirmation = OutboundSms.objects.get()
    assert confirmation.template_key == "sms.stopped" and confirmation.ignores_suppression
    assert confirmation.status == SmsStatus.SENT and [sent["to"] for sent in outbox] == [MOBILE]
    # A +266 number cannot reply: the confirmation says to call instead.
    assert "letsetsa" in confirmation.body and "araba QALA" not in confirmation.body

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"choice": "in", "method": "paper"})
    worker.refresh_from_db()
    assert worker.sms_consent is True and worker.consent_method == "paper"
    assert not SuppressedNumber.objects.filter(number=MOBILE).exists()


def test_a_wrong_opt_out_form_changes_nothing(client, cast):
    worker = WorkerFactory(mobile=MOBILE)
    client.force_login(cast.registrar)
    url = reverse("notifications:worker_opt_out", args=[worker.pk])
    for data in [{}, {"choice": "out", "method": "sms"}, {"choice": "out", "note": "x" * 300}, {"choice": "maybe"}]:
        assert client.post(url, data).status_code == 302
    assert not SuppressedNumber.objects.exists()
    assert client.post(reverse("notifications:worker_opt_out", args=[999999]), {"choice": "out"}).status_code == 404


def test_the_worker_page_shows_what_status_would_answer(client, cast):
    worker = WorkerFactory(mobile=MOBILE, agency=cast.agency_a)
    client.force_login(cast.registrar)
    page = client.get(reverse("workers:worker_detail", args=[worker.pk])).content.decode()
    assert "What an SMS STATUS would answer" in page and worker.reference in page and "No training yet" in page


def test_the_conversation_merges_sent_and_received_newest_first(client, cast):
    worker = WorkerFactory(mobile="+27821234567", agency=cast.agency_a)
    now = timezone.now()
    outbound(to="+27821234567", body="first sent", created_at=now - datetime.timedelta(hours=3), worker_id=worker.pk)
    InboundSms.objects.create(
        provider_id="SM1",
        from_number="+27821234567",
        body="VERIFY PEA",
        reply="answer one",
        received_at=now - datetime.timedelta(hours=2),
        worker_id=worker.pk,
    )
    outbound(to="+27821234567", body="third sent", created_at=now - datetime.timedelta(hours=1))
    client.force_login(cast.registrar)
    page = client.get(reverse("workers:worker_detail", args=[worker.pk])).content.decode()
    assert page.index("third sent") < page.index("VERIFY PEA") < page.index("first sent") and "answer one" in page
    # Agency staff see what was sent, not what the worker wrote (it may be about their agency).
    client.force_login(cast.agency_staff)
    page = client.get(reverse("workers:worker_detail", args=[worker.pk])).content.decode()
    assert "third sent" in page and "VERIFY PEA" not in page


def test_a_complaint_by_sms_is_hidden_from_those_who_may_not_know_who_complained(client, cast):
    worker = WorkerFactory(mobile="+27821234567", agency=cast.agency_a)
    InboundSms.objects.create(
        provider_id="SM1",
        from_number="+27821234567",
        body="COMPLAIN no pay",
        command="COMPLAIN",
        reply="CMP-2026-00001",
        worker_id=worker.pk,
    )
    client.force_login(cast.registrar)
    assert "COMPLAIN no pay" not in client.get(reverse("workers:worker_detail", args=[worker.pk])).content.decode()
    client.force_login(cast.inspector)
    assert "COMPLAIN no pay" in client.get(reverse("workers:worker_detail", args=[worker.pk])).content.decode()


def test_the_worker_page_reads_a_constant_number_of_queries_whatever_the_conversation(client, cast):
    worker = WorkerFactory(mobile="+27821234567", agency=cast.agency_a)
    client.force_login(cast.registrar)
    url = reverse("workers:worker_detail", args=[worker.pk])
    few = queries_for(client, url)
    for n in range(30):
        outbound(n, to="+27821234567", worker_id=worker.pk)
        InboundSms.objects.create(provider_id=f"SM{n}", from_number="+27821234567", body="HELP", reply="x", worker_id=worker.pk)
    assert queries_for(client, url) == few


def test_the_failed_numbers_page_lists_opt_outs_when_asked_and_offers_no_fix_for_them(client, cast):
    """By default the numbers to fix; ``reason=opted_out`` the numbers that said STOP (the reports' opt-outs), which
    only START or the worker's consent lifts, so they carry no "Number fixed" button."""
    SuppressedNumber.objects.create(number=MOBILE, reason="failed", source="provider", error_code="21614")
    SuppressedNumber.objects.create(number="+26658000001", reason="opted_out", source="sms")
    client.force_login(cast.administrator)
    url = reverse("notifications:failed_numbers")
    default = client.get(url)
    assert [row.record.number for row in default.context["table"].page.object_list] == [MOBILE]
    opted_out = client.get(url, {"reason": "opted_out"})
    assert [row.record.number for row in opted_out.context["table"].page.object_list] == ["+26658000001"]
    assert "Numbers opted out of SMS" in opted_out.content.decode()
    assert "Number fixed" not in opted_out.content.decode()
    wrong = client.get(url, {"reason": "whatever"})
    assert wrong.status_code == 200 and not wrong.context["filter"].is_valid()
