"""The one way to send an SMS: ``notify`` (one) and ``notify_many`` (thousands).

Both render the event's template in the recipient's language and write an
outbox row in the caller's transaction. After the transaction commits, a
background task drains the outbox; a rolled-back change therefore sends
nothing, and a crash loses nothing (the scheduled jobs sweep up what a lost
kick left behind).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.template import Context, Template, TemplateSyntaxError
from django.utils import timezone
from phonenumber_field.phonenumber import to_python

from core.choices import Language
from notifications.backends import get_backend
from notifications.models import OutboundSms, SmsStatus, SmsTemplate

logger = logging.getLogger(__name__)

FALLBACK_LANGUAGE = Language.ENGLISH
BULK_BATCH = 1000
# A row left "sending" this long belongs to a worker that stopped mid-send.
STALE_SENDING_AFTER = timedelta(minutes=15)


class UnknownSmsTemplate(LookupError):
    pass


class InvalidSmsNumber(ValueError):
    pass


@dataclass
class Recipient:
    to: Any  # a phone number (PhoneNumber or text in E.164)
    language: str
    context: dict = field(default_factory=dict)
    worker_id: int | None = None
    agency_id: int | None = None


def normalise_number(number: Any) -> str:
    """E.164 text of a valid phone number, or InvalidSmsNumber."""
    parsed = to_python(number, region="LS")
    if parsed is None or not parsed.is_valid():
        raise InvalidSmsNumber(f"Not a valid phone number: {number!r}")
    return parsed.as_e164


class _Renderer:
    """Compiles each (event, language) template once per call."""

    def __init__(self, key: str):
        self.key = key
        self.compiled: dict[str, Template] = {}
        bodies = dict(SmsTemplate.objects.filter(key=key).values_list("language", "body"))
        if not bodies:
            raise UnknownSmsTemplate(f"No SMS template for event {key!r}")
        self.bodies = bodies

    def render(self, language: str, context: dict) -> tuple[str, str]:
        if language not in self.bodies:
            # A worker never goes without the message: fall back to English.
            logger.warning("SMS template %s has no %s text; sending English", self.key, language)
            language = FALLBACK_LANGUAGE if FALLBACK_LANGUAGE in self.bodies else next(iter(self.bodies))
        if language not in self.compiled:
            self.compiled[language] = Template(self.bodies[language])
        text = self.compiled[language].render(Context(context, autoescape=False))
        return language, " ".join(text.split())


def notify(
    *,
    to: Any,
    template: str,
    language: str,
    context: dict | None = None,
    worker_id: int | None = None,
    agency_id: int | None = None,
) -> OutboundSms:
    """Queue one SMS for sending after the current transaction commits.

    ``worker_id`` and ``agency_id`` say whom the message is about, so the
    outbox, the worker's conversation and the reports can find it.
    """
    renderer = _Renderer(template)
    language, body = renderer.render(language, context or {})
    message = OutboundSms.objects.create(
        to=normalise_number(to),
        language=language,
        template_key=template,
        body=body,
        worker_id=worker_id,
        agency_id=agency_id,
    )
    kick_outbox()
    return message


def notify_many(*, template: str, recipients: Iterable[Recipient]) -> int:
    """Queue the same event's SMS for many recipients in bulk; returns how many were queued.

    Every number is checked before anything is written, so a bad number
    leaves nothing half-queued.
    """
    renderer = _Renderer(template)
    rows = []
    now = timezone.now()
    for recipient in recipients:
        language, body = renderer.render(recipient.language, recipient.context)
        rows.append(
            OutboundSms(
                to=normalise_number(recipient.to),
                language=language,
                template_key=template,
                body=body,
                worker_id=recipient.worker_id,
                agency_id=recipient.agency_id,
                created_at=now,
                next_attempt_at=now,
                status_changed_at=now,
            )
        )
    with transaction.atomic():
        OutboundSms.objects.bulk_create(rows, batch_size=BULK_BATCH)
        if rows:
            kick_outbox()
    return len(rows)


def kick_outbox() -> None:
    """Ask a worker to drain the outbox once the current transaction has committed."""
    from notifications.tasks import drain_outbox

    transaction.on_commit(lambda: drain_outbox.enqueue())


def validate_template_body(body: str) -> None:
    """Raise TemplateSyntaxError when an administrator's text would not render."""
    Template(body).render(Context({}, autoescape=False))


# --- Sending ------------------------------------------------------------------


def claim_batch(size: int) -> list[OutboundSms]:
    """Mark up to ``size`` due rows as sending and return them.

    On PostgreSQL, SKIP LOCKED lets several workers claim side by side
    without taking the same row; SQLite serialises writers anyway.
    """
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            OutboundSms.objects.select_for_update(skip_locked=True)
            .filter(status=SmsStatus.QUEUED, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:size]
        )
        if not ids:
            return []
        OutboundSms.objects.filter(id__in=ids, status=SmsStatus.QUEUED).update(
            status=SmsStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    return list(OutboundSms.objects.filter(id__in=ids, status=SmsStatus.SENDING, claimed_at=now).order_by("id"))


def retry_delay(attempts: int) -> timedelta:
    return timedelta(minutes=2 ** min(attempts, 8))


def send_claimed(messages: list[OutboundSms]) -> None:
    backend = get_backend()
    for message in messages:
        try:
            reference = backend.send(message.to, message.body)
        except Exception as error:  # a provider fault must not stop the batch
            logger.warning("SMS %s failed on attempt %s: %s", message.pk, message.attempts, error)
            gave_up = message.attempts >= settings.SMS_MAX_ATTEMPTS
            OutboundSms.objects.filter(pk=message.pk).update(
                status=SmsStatus.FAILED if gave_up else SmsStatus.QUEUED,
                last_error=str(error)[:1000],
                next_attempt_at=timezone.now() + retry_delay(message.attempts),
            )
        else:
            OutboundSms.objects.filter(pk=message.pk).update(
                status=SmsStatus.SENT, provider_id=reference[:64], sent_at=timezone.now(), last_error=""
            )


def send_queued(*, batch_size: int | None = None, max_batches: int = 50) -> int:
    """Send due SMS in batches; returns how many were attempted."""
    batch_size = batch_size or settings.SMS_BATCH_SIZE
    attempted = 0
    for _ in range(max_batches):
        batch = claim_batch(batch_size)
        if not batch:
            break
        send_claimed(batch)
        attempted += len(batch)
    return attempted


def sweep_outbox() -> str:
    """Scheduled duty: requeue rows a stopped worker left "sending", and kick the drain if anything is due."""
    stale = OutboundSms.objects.filter(status=SmsStatus.SENDING, claimed_at__lt=timezone.now() - STALE_SENDING_AFTER).update(
        status=SmsStatus.QUEUED, last_error="requeued: the worker stopped while sending"
    )
    due = OutboundSms.objects.filter(status=SmsStatus.QUEUED, next_attempt_at__lte=timezone.now()).exists()
    if due:
        from notifications.tasks import drain_outbox

        drain_outbox.enqueue()
    return f"requeued {stale} stale, drain {'kicked' if due else 'not needed'}"


__all__ = [
    "Recipient",
    "notify",
    "notify_many",
    "send_queued",
    "sweep_outbox",
    "TemplateSyntaxError",
    "UnknownSmsTemplate",
    "InvalidSmsNumber",
]
