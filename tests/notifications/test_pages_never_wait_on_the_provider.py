"""A page that queues an SMS answers without calling the provider: the message is written to the outbox in the
page's transaction, and sent by the task the commit starts. A slow or dead provider therefore never holds a page;
how long the task itself may wait is bounded by SMS_PROVIDER_TIMEOUT (tests/notifications/test_twilio_backend.py)."""

import pytest
from django.urls import reverse

from inspections import complaints
from notifications import backends
from notifications.models import OutboundSms, SmsStatus

pytestmark = pytest.mark.django_db


class DeadProvider(backends.MemoryBackend):
    """A provider that never answers: any call during the page is recorded and fails loudly."""

    calls: list[str] = []

    def send(self, to, body, *, outbox_id=None):
        DeadProvider.calls.append(to)
        raise backends.TemporarySmsError("connect timeout")


@pytest.fixture
def dead_provider(monkeypatch):
    DeadProvider.calls = []
    monkeypatch.setitem(backends.BACKENDS, "memory", DeadProvider)
    return DeadProvider


def test_a_page_that_queues_an_sms_answers_before_the_provider_is_called(
    cast, client, dead_provider, django_capture_on_commit_callbacks
):
    complaint = complaints.record_complaint(
        by=cast.registrar,
        data={
            "agency": cast.agency_a,
            "category": "fees",
            "description": "They took M2,000 for the job.",
            "complainant_phone": "+26658123456",
            "complainant_language": "en",
        },
    )
    OutboundSms.objects.all().delete()
    client.force_login(cast.inspector)
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        response = client.post(
            reverse("inspections:complaint_resolve", args=[complaint.pk]),
            {"outcome": "The fee was refunded.", "seen_status": "received"},
        )
        assert response.status_code == 302
        # The page has answered; the provider has not been called; the message waits in the outbox.
        assert dead_provider.calls == []
        queued = OutboundSms.objects.get()
        assert queued.status == SmsStatus.QUEUED and "The fee was refunded." in queued.body
    assert after_commit, "the send must be started after the commit"
    for callback in after_commit:  # the commit starts the drain task (run at once in tests)
        callback()
    assert dead_provider.calls == ["+26658123456"]
    queued.refresh_from_db()
    # The provider failed: the message is kept for a later attempt, not lost and not failed for good.
    assert queued.status == SmsStatus.QUEUED and queued.attempts == 1 and queued.next_attempt_at
