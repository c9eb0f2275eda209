"""The one way to send an SMS: ``notify`` (one) and ``notify_many`` (thousands).

Both render the event's template in the recipient's language and write an
outbox row in the caller's transaction. After the transaction commits, a
background task drains the outbox; a rolled-back change therefore sends
nothing, and a crash loses nothing (the scheduled jobs sweep up what a lost
kick left behind).

Sending (``send_queued``) claims rows so two workers never take the same one,
checks the suppression list and the send guards (the worker's consent) at
that moment rather than when the message was queued, keeps to
SMS_RATE_PER_SECOND across every worker through the shared SmsThrottle row,
and sorts the provider's answer into sent, retry later, failed for good, or
unconfirmed (checked with the provider by ``sweep_outbox`` before any resend).
Delivery receipts arrive through ``record_delivery_receipt``.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.template import Context, Template, TemplateSyntaxError
from django.utils import timezone
from django.utils.translation import gettext_noop
from phonenumber_field.phonenumber import to_python

from core.choices import Language
from notifications.backends import (
    PERMANENT_NUMBER_ERRORS,
    BaseSmsBackend,
    PermanentSmsError,
    SmsBackendError,
    TemporarySmsError,
    UncertainSmsError,
    get_backend,
)
from notifications.models import (
    NEVER_REACHED_PROVIDER,
    NOT_SENT,
    STOPPED_WHILE_SENDING,
    OutboundSms,
    SmsStatus,
    SmsTemplate,
    SmsThrottle,
    SuppressedNumber,
    SuppressionReason,
)
from notifications.segments import count_segments

logger = logging.getLogger(__name__)

FALLBACK_LANGUAGE = Language.ENGLISH
BULK_BATCH = 1000
# A row left "sending" this long belongs to a worker that stopped mid-send.
STALE_SENDING_AFTER = timedelta(minutes=15)
# An unconfirmed message is looked up once the provider's record has had time to show it ...
RECONCILE_AFTER = timedelta(minutes=2)
# ... and sent again only if the provider still does not have it this long after the attempt.
RECONCILE_GRACE = timedelta(minutes=10)
# A drain run stops after this long (and hands over to a fresh run), so a big notice never holds a worker for hours.
DRAIN_SECONDS = 60.0
THROTTLE_NAME = "sms"
THROTTLE_WINDOW = timedelta(seconds=1)
SHARES_PER_SECOND = 10


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
        return language, render_text(self.compiled[language], context)


def render_text(template: Template, context: dict) -> str:
    """An SMS text from its template: no HTML escaping, and runs of spaces and line breaks made one space."""
    return " ".join(template.render(Context(context, autoescape=False)).split())


def notify(
    *,
    to: Any,
    template: str,
    language: str,
    context: dict | None = None,
    worker_id: int | None = None,
    agency_id: int | None = None,
    ignores_suppression: bool = False,
) -> OutboundSms:
    """Queue one SMS for sending after the current transaction commits.

    ``worker_id`` and ``agency_id`` say whom the message is about, so the
    outbox, the worker's conversation and the reports can find it.
    ``ignores_suppression`` is for the confirmation of an opt-out only: the
    one message a number that said STOP still gets.
    """
    renderer = _Renderer(template)
    language, body = renderer.render(language, context or {})
    segments, encoding = count_segments(body)
    message = OutboundSms.objects.create(
        to=normalise_number(to),
        language=language,
        template_key=template,
        body=body,
        segments=segments,
        encoding=encoding,
        worker_id=worker_id,
        agency_id=agency_id,
        ignores_suppression=ignores_suppression,
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
        segments, encoding = count_segments(body)
        rows.append(
            OutboundSms(
                to=normalise_number(recipient.to),
                language=language,
                template_key=template,
                body=body,
                segments=segments,
                encoding=encoding,
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


def record_reply_sent(
    *,
    to: str,
    body: str,
    template_key: str,
    language: str,
    worker_id: int | None = None,
    ignores_suppression: bool = False,
) -> OutboundSms:
    """Record a reply given in the webhook's TwiML answer as a sent outbox row, counted and shown like any SMS.

    It is written "sent" with no provider SID: the drain takes only queued rows, the sweep only sending and
    overdue queued ones, reconciliation only unconfirmed ones, so nothing ever sends it a second time.
    """
    segments, encoding = count_segments(body)
    now = timezone.now()
    return OutboundSms.objects.create(
        to=to[:20],
        language=language,
        template_key=template_key[:100],
        body=body,
        segments=segments,
        encoding=encoding,
        worker_id=worker_id,
        ignores_suppression=ignores_suppression,
        status=SmsStatus.SENT,
        attempts=1,
        created_at=now,
        next_attempt_at=now,
        claimed_at=now,
        sent_at=now,
        status_changed_at=now,
    )


def kick_outbox() -> None:
    """Ask a worker to drain the outbox once the current transaction has committed."""
    from notifications.tasks import drain_outbox

    transaction.on_commit(lambda: drain_outbox.enqueue())


def validate_template_body(body: str) -> None:
    """Raise TemplateSyntaxError when an administrator's text would not render."""
    Template(body).render(Context({}, autoescape=False))


# --- Send guards: who must not get an SMS, decided when it is sent ------------------------------

# A guard takes the messages about to be sent and returns the ids of those that must not go, with why (in English,
# marked with gettext_noop so that a screen can show it translated).
SendGuard = Callable[[list[OutboundSms]], dict[int, str]]
_send_guards: list[SendGuard] = []


def register_send_guard(guard: SendGuard) -> SendGuard:
    """Let a later app veto messages at send time (workers: a worker who withdrew consent gets nothing).

    notifications imports no domain app; the app that knows the rule registers it here.
    """
    if guard not in _send_guards:
        _send_guards.append(guard)
    return guard


def blocked_messages(messages: list[OutboundSms]) -> dict[int, str]:
    """Ids of the messages that must not be sent now, with the reason; the opt-out confirmation is never blocked."""
    checked = [message for message in messages if not message.ignores_suppression]
    if not checked:
        return {}
    suppressed = dict(
        SuppressedNumber.objects.filter(number__in={message.to for message in checked}).values_list("number", "reason")
    )
    blocked = {}
    for message in checked:
        if message.to in suppressed:
            opted_out = suppressed[message.to] == SuppressionReason.OPTED_OUT
            # Kept on the row in English (last_error) and translated where shown (gettext_noop marks them).
            blocked[message.pk] = (
                gettext_noop("the number opted out") if opted_out else gettext_noop("the number failed permanently")
            )
    for guard in _send_guards:
        for message_id, reason in guard([message for message in checked if message.pk not in blocked]).items():
            blocked.setdefault(message_id, reason)
    return blocked


def suppress_failed_number(number: str, *, error_code: str, note: str = "") -> None:
    """The provider refused the number for good: it gets nothing until it is changed or staff clear it.

    A number that already opted out keeps that reason (START must still be able to lift it).
    """
    if SuppressedNumber.objects.filter(number=number).exists():
        return
    suppressed = SuppressedNumber(
        number=number,
        reason=SuppressionReason.PERMANENT_FAILURE,
        source="provider",
        error_code=error_code[:20],
        note=note[:255],
    )
    suppressed._change_reason = f"provider error {error_code}"
    try:
        with transaction.atomic():
            suppressed.save()
    except IntegrityError:
        pass  # recorded a moment ago by another worker or receipt


# --- The shared send rate ------------------------------------------------------------------------


@dataclass
class Allowance:
    granted: int
    window_started_at: datetime
    wait_seconds: float


def _locked_throttle() -> SmsThrottle:
    row = SmsThrottle.objects.select_for_update().filter(name=THROTTLE_NAME).first()
    if row is None:
        try:
            with transaction.atomic():
                SmsThrottle.objects.create(name=THROTTLE_NAME)
        except IntegrityError:
            pass  # another worker created it first
        row = SmsThrottle.objects.select_for_update().get(name=THROTTLE_NAME)
    return row


def take_send_allowance(wanted: int) -> Allowance:
    """Take up to ``wanted`` sends from the current second's share of SMS_RATE_PER_SECOND, for every worker at once."""
    with transaction.atomic():
        row = _locked_throttle()
        now = timezone.now()
        if now >= row.window_started_at + THROTTLE_WINDOW or now < row.window_started_at - THROTTLE_WINDOW:
            row.window_started_at, row.sent_in_window = now, 0
        # A tenth of the second's allowance at a time, so workers take turns within the second instead of one
        # worker holding the whole second's share while it sends.
        share = max(1, math.ceil(settings.SMS_RATE_PER_SECOND / SHARES_PER_SECOND))
        granted = max(0, min(wanted, share, settings.SMS_RATE_PER_SECOND - row.sent_in_window))
        row.sent_in_window += granted
        row.save(update_fields=["window_started_at", "sent_in_window"])
    wait = max(0.0, (row.window_started_at + THROTTLE_WINDOW - now).total_seconds())
    return Allowance(granted, row.window_started_at, wait)


def give_back_allowance(allowance: Allowance, unused: int) -> None:
    """Return sends taken but not made (fewer rows were due), if their second is still running."""
    if unused > 0:
        SmsThrottle.objects.filter(name=THROTTLE_NAME, window_started_at=allowance.window_started_at).update(
            sent_in_window=Greatest(F("sent_in_window") - unused, 0)
        )


# --- Sending ------------------------------------------------------------------------------------


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
            status=SmsStatus.SENDING, claimed_at=now, status_changed_at=now, attempts=F("attempts") + 1
        )
    return list(OutboundSms.objects.filter(id__in=ids, status=SmsStatus.SENDING, claimed_at=now).order_by("id"))


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: 2, 4, 8 ... minutes (capped near four hours), spread a little so retries do not stampede."""
    return timedelta(minutes=2 ** min(attempts, 8)) * random.uniform(1.0, 1.2)


# The drain writes what became of a row only while the row is still its claim: a delivery receipt can arrive
# before the provider's answer does (it finds the row by the id in its callback address), and what the
# receipt recorded must not be overwritten by the older news of the send call.
def _still_claimed(message: OutboundSms):
    return OutboundSms.objects.filter(pk=message.pk, status=SmsStatus.SENDING)


def _retry_later(message: OutboundSms, error: Exception, code: str = "") -> None:
    now = timezone.now()
    gave_up = message.attempts >= settings.SMS_MAX_ATTEMPTS
    _still_claimed(message).update(
        status=SmsStatus.FAILED if gave_up else SmsStatus.QUEUED,
        last_error=str(error)[:1000],
        error_code=code[:20],
        next_attempt_at=now + retry_delay(message.attempts),
        status_changed_at=now,
    )


def _fail_for_good(message: OutboundSms, error: PermanentSmsError) -> None:
    with transaction.atomic():
        _still_claimed(message).update(
            status=SmsStatus.FAILED, last_error=str(error)[:1000], error_code=error.code[:20], status_changed_at=timezone.now()
        )
        if error.number_unusable:
            suppress_failed_number(message.to, error_code=error.code, note=str(error))


def _release(messages: list[OutboundSms]) -> None:
    """Put claimed rows back untouched (the provider asked us to slow down before they were tried)."""
    if messages:
        OutboundSms.objects.filter(pk__in=[m.pk for m in messages], status=SmsStatus.SENDING).update(
            status=SmsStatus.QUEUED,
            attempts=Greatest(F("attempts") - 1, 0),
            next_attempt_at=timezone.now() + THROTTLE_WINDOW,
            status_changed_at=timezone.now(),
        )


# Successes are written in small groups: one commit per message would cap the drain at the database's commit rate.
# A group is at most this many messages (a fraction of a second), so a delivery receipt rarely beats its SID.
RECORD_SENT_EVERY = 20


def _record_sent(sent: list[OutboundSms]) -> None:
    if sent:
        fields = ["status", "provider_id", "sent_at", "status_changed_at", "last_error", "error_code"]
        # Only rows still claimed (or left unconfirmed by the sweep meanwhile): a row a receipt already moved
        # on (sent, delivered, failed) keeps what the receipt said, and the receipt recorded the same SID.
        OutboundSms.objects.filter(status__in=(SmsStatus.SENDING, SmsStatus.UNCONFIRMED)).bulk_update(sent, fields)
        sent.clear()


def send_claimed(messages: list[OutboundSms], backend: BaseSmsBackend | None = None) -> bool:
    """Send claimed rows; returns True when the provider asked us to slow down (the rest went back to the queue).

    A worker that dies mid-batch leaves its rows "sending"; the sweep reconciles them with the provider,
    so a message that left is not sent again.
    """
    backend = backend or get_backend()
    blocked = blocked_messages(messages)
    if blocked:
        now = timezone.now()
        for reason in set(blocked.values()):
            OutboundSms.objects.filter(pk__in=[pk for pk, why in blocked.items() if why == reason]).update(
                status=SmsStatus.SUPPRESSED, last_error=f"{NOT_SENT}{reason}", status_changed_at=now
            )
    sent: list[OutboundSms] = []
    try:
        for index, message in enumerate(messages):
            if message.pk in blocked:
                continue
            try:
                result = backend.send(message.to, message.body, outbox_id=message.pk)
            except PermanentSmsError as error:
                logger.warning("SMS %s refused for good (%s): %s", message.pk, error.code, error)
                _fail_for_good(message, error)
            except UncertainSmsError as error:
                logger.warning("SMS %s left but was not confirmed: %s", message.pk, error)
                _still_claimed(message).update(
                    status=SmsStatus.UNCONFIRMED, last_error=str(error)[:1000], status_changed_at=timezone.now()
                )
            except TemporarySmsError as error:
                logger.warning("SMS %s failed on attempt %s: %s", message.pk, message.attempts, error)
                _retry_later(message, error, error.code)
                if error.slow_down:
                    _release([m for m in messages[index + 1 :] if m.pk not in blocked])
                    return True
            except Exception as error:  # any other provider fault must not stop the batch; it is retried
                logger.warning("SMS %s failed on attempt %s: %s", message.pk, message.attempts, error)
                _retry_later(message, error, getattr(error, "code", "") if isinstance(error, SmsBackendError) else "")
            else:
                now = timezone.now()
                message.status, message.provider_id, message.sent_at = SmsStatus.SENT, result.provider_id[:64], now
                message.status_changed_at, message.last_error, message.error_code = now, "", ""
                sent.append(message)
                if len(sent) >= RECORD_SENT_EVERY:
                    _record_sent(sent)
    finally:
        _record_sent(sent)
    return False


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def send_queued(*, batch_size: int | None = None, max_batches: int = 50, seconds: float = DRAIN_SECONDS) -> int:
    """Send due SMS in batches at no more than SMS_RATE_PER_SECOND overall; returns how many were attempted."""
    batch_size = batch_size or settings.SMS_BATCH_SIZE
    backend = get_backend()
    deadline = time.monotonic() + seconds
    attempted = batches = 0
    while batches < max_batches:
        allowance = take_send_allowance(batch_size)
        if not allowance.granted:
            # This second's share is used (by us or another worker): wait for the next, within this run's time.
            if time.monotonic() + allowance.wait_seconds > deadline:
                break
            _sleep(allowance.wait_seconds)
            continue
        batch = claim_batch(allowance.granted)
        give_back_allowance(allowance, allowance.granted - len(batch))
        if not batch:
            break
        batches += 1
        attempted += len(batch)
        if send_claimed(batch, backend) or time.monotonic() > deadline:
            break
    return attempted


def outbox_due() -> bool:
    return OutboundSms.objects.filter(status=SmsStatus.QUEUED, next_attempt_at__lte=timezone.now()).exists()


# --- Reconciliation and recovery ----------------------------------------------------------------


def _same_text(first: str, second: str) -> bool:
    return " ".join((first or "").split()) == " ".join((second or "").split())


# What one check of an unconfirmed message with the provider found.
CONFIRMED = "confirmed"  # the provider has it: now sent, with its reference
REQUEUED = "requeued"  # the provider never had it, and the grace has passed: queued to be sent again
WAITING = "waiting"  # not found yet, within the grace: asked again later
UNREACHABLE = "unreachable"  # the provider's record could not be read: asked again later
LEFT_FOR_STAFF = "left_for_staff"  # this backend cannot look messages up
NOT_UNCONFIRMED = "not_unconfirmed"  # the row was settled meanwhile (a receipt, the sweep)


@dataclass(frozen=True)
class Reconciliation:
    outcome: str
    provider_id: str = ""
    error: str = ""


def reconcile_message(message: OutboundSms, backend: BaseSmsBackend, now: datetime) -> Reconciliation:
    """Check one unconfirmed message against the provider's record (see ``reconcile_unconfirmed``).

    Every write is conditional on the row still being unconfirmed, so the sweep, a member of staff and a
    late receipt may all reach the same row at once: one of them settles it, the others change nothing.
    """
    since = (message.claimed_at or message.created_at) - timedelta(minutes=1)
    try:
        records = backend.fetch_recent(message.to, since)
    except SmsBackendError as error:
        logger.warning("SMS %s: the provider's record could not be read: %s", message.pk, error)
        return Reconciliation(UNREACHABLE, error=str(error))
    if records is None:
        return Reconciliation(LEFT_FOR_STAFF)
    # A reference another row holds is that row's message; one this row holds already (a receipt recorded it) is ours.
    taken = set(
        OutboundSms.objects.filter(provider_id__in=[r.provider_id for r in records if r.provider_id])
        .exclude(pk=message.pk)
        .values_list("provider_id", flat=True)
    )
    candidates = [r for r in records if r.provider_id not in taken and _same_text(r.body, message.body)]
    match = next((r for r in candidates if message.provider_id and r.provider_id == message.provider_id), None)
    match = match or next(iter(candidates), None)
    if match is not None:
        updated = OutboundSms.objects.filter(pk=message.pk, status=SmsStatus.UNCONFIRMED).update(
            status=SmsStatus.SENT,
            provider_id=match.provider_id[:64],
            sent_at=match.created_at or now,
            status_changed_at=now,
            last_error="",
        )
        if not updated:
            return Reconciliation(NOT_UNCONFIRMED)
        record_delivery_receipt(sid=match.provider_id, status=match.status)
        return Reconciliation(CONFIRMED, provider_id=match.provider_id)
    if message.provider_id:
        # A receipt gave this row its reference: the provider has the message even if its list does not show it yet.
        return Reconciliation(WAITING)
    if message.status_changed_at <= now - RECONCILE_GRACE:
        requeued = OutboundSms.objects.filter(pk=message.pk, status=SmsStatus.UNCONFIRMED).update(
            status=SmsStatus.QUEUED,
            next_attempt_at=now,
            status_changed_at=now,
            last_error=NEVER_REACHED_PROVIDER,
        )
        return Reconciliation(REQUEUED if requeued else NOT_UNCONFIRMED)
    return Reconciliation(WAITING)


def reconcile_unconfirmed(*, backend: BaseSmsBackend | None = None, limit: int = 500) -> dict[str, int]:
    """Check messages whose fate is unknown against the provider's record before anything is sent again.

    Found (same number and text, a provider reference no other row holds): sent, with its reference.
    Not found once RECONCILE_GRACE has passed since the attempt: queued again. A backend that cannot
    tell leaves the row for staff; a provider that cannot be reached is asked again at the next sweep.
    """
    backend = backend or get_backend()
    now = timezone.now()
    counts = {"confirmed": 0, "requeued": 0, "waiting": 0, "left_for_staff": 0}
    rows = list(
        OutboundSms.objects.filter(status=SmsStatus.UNCONFIRMED, status_changed_at__lte=now - RECONCILE_AFTER).order_by("id")[
            :limit
        ]
    )
    for message in rows:
        outcome = reconcile_message(message, backend, now).outcome
        if outcome in counts:
            counts[outcome] += 1
        elif outcome == UNREACHABLE:
            counts[WAITING] += 1
    return counts


def sweep_outbox() -> str:
    """Scheduled duty: recover what a stopped worker left, settle unconfirmed messages, kick the drain if anything is due.

    A row left "sending" may or may not have reached the provider before its worker stopped, so it is
    reconciled like a timed-out request (unconfirmed since its attempt) rather than sent blindly again.
    """
    now = timezone.now()
    stale = OutboundSms.objects.filter(status=SmsStatus.SENDING, claimed_at__lt=now - STALE_SENDING_AFTER).update(
        status=SmsStatus.UNCONFIRMED,
        status_changed_at=F("claimed_at"),
        last_error=STOPPED_WHILE_SENDING,
    )
    counts = reconcile_unconfirmed()
    overdue = OutboundSms.objects.filter(status=SmsStatus.QUEUED, next_attempt_at__lt=now - STALE_SENDING_AFTER).count()
    due = outbox_due()
    if due:
        from notifications.tasks import drain_outbox

        drain_outbox.enqueue()
    return (
        f"{stale} stale sending, requeued {counts['requeued']}, confirmed {counts['confirmed']}, "
        f"{counts['waiting']} awaiting the provider, {counts['left_for_staff']} for staff, {overdue} overdue, "
        f"drain {'kicked' if due else 'not needed'}"
    )


# --- Delivery receipts --------------------------------------------------------------------------

# Twilio's MessageStatus values and what each means for the outbox row; None: still with the provider.
RECEIPT_STATUSES: dict[str, str | None] = {
    "accepted": None,
    "scheduled": None,
    "queued": None,
    "sending": None,
    "sent": SmsStatus.SENT,
    "delivered": SmsStatus.DELIVERED,
    "read": SmsStatus.DELIVERED,
    "undelivered": SmsStatus.UNDELIVERED,
    "failed": SmsStatus.FAILED,
    "canceled": SmsStatus.FAILED,
}
# How far along a row is; a receipt only ever moves it further.
STATUS_RANK = {
    SmsStatus.QUEUED: 0,
    SmsStatus.SENDING: 1,
    SmsStatus.UNCONFIRMED: 1,
    SmsStatus.SENT: 2,
    SmsStatus.DELIVERED: 3,
    SmsStatus.UNDELIVERED: 3,
    SmsStatus.FAILED: 3,
    SmsStatus.SUPPRESSED: 3,
}


def record_delivery_receipt(
    *, sid: str, status: str, error_code: str = "", error_message: str = "", outbox_id: int | None = None
) -> bool:
    """Apply a provider's delivery receipt to its outbox row; False when no row is found for it.

    The row is the one holding the message SID; when none does yet (the receipt overtook the answer to our
    send call), the row named by ``outbox_id`` from the callback address, which then records the SID. A row
    that already holds a different SID is another message: the receipt is ignored. Idempotent and never
    backwards: receipts come twice and out of order, and a row that reached delivered, undelivered or failed
    stays there; any receipt shows the provider has the message, so a row not yet marked sent becomes sent.
    A permanent error on the number suppresses it, as a refusal at sending does.
    """
    sid = (sid or "").strip()
    if not sid:
        return False
    word = (status or "").strip().lower()
    new_status = RECEIPT_STATUSES.get(word)
    error_code = (error_code or "").strip()
    with transaction.atomic():
        message = OutboundSms.objects.select_for_update().filter(provider_id=sid).order_by("id").first()
        fields: list[str] = []
        if message is None and outbox_id is not None:
            message = OutboundSms.objects.select_for_update().filter(pk=outbox_id).first()
            if message is None or (message.provider_id and message.provider_id != sid):
                logger.info("Receipt %s names SMS %s, which is missing or holds another SID: ignored", sid, outbox_id)
                return False
            message.provider_id = sid[:64]
            fields.append("provider_id")
        if message is None:
            return False
        current = STATUS_RANK.get(message.status, 0)
        if new_status is None and current < STATUS_RANK[SmsStatus.SENT]:
            new_status = SmsStatus.SENT
        if new_status is None or STATUS_RANK[new_status] <= current:
            if fields:
                message.save(update_fields=fields)
            return True
        now = timezone.now()
        message.status = new_status
        message.status_changed_at = now
        fields += ["status", "status_changed_at"]
        if new_status == SmsStatus.DELIVERED:
            message.delivered_at = now
            fields.append("delivered_at")
        if new_status in (SmsStatus.UNDELIVERED, SmsStatus.FAILED):
            message.error_code = error_code[:20]
            message.last_error = (error_message or f"the provider reported {status}")[:1000]
            fields += ["error_code", "last_error"]
            if error_code in PERMANENT_NUMBER_ERRORS:
                suppress_failed_number(message.to, error_code=error_code, note=error_message)
        elif message.status == SmsStatus.SENT:
            message.last_error = ""  # an unconfirmed row's "timed out" no longer holds
            fields.append("last_error")
        if message.sent_at is None:
            message.sent_at = now
            fields.append("sent_at")
        message.save(update_fields=fields)
    return True


__all__ = [
    "Recipient",
    "notify",
    "notify_many",
    "register_send_guard",
    "record_delivery_receipt",
    "send_queued",
    "sweep_outbox",
    "TemplateSyntaxError",
    "UnknownSmsTemplate",
    "InvalidSmsNumber",
]
