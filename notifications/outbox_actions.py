"""What staff may do with one message of the outbox: check it with the provider now, or send it again.

A message "awaiting confirmation" left while the provider may have it; the sweep checks it with the provider's
record every few minutes, and staff can ask the same check at once for one message (``check_with_provider``).
A failed or undelivered message can be sent again (``send_again``): a new outbox row with the same text, queued
through the normal path, so the send guards (suppression, consent) and the messages-per-second limit apply to it
as to any message; the guards are also asked at once, so a resend they would stop is refused with the reason.
Both actions are written to the message's history (django-fsm-log's StateLog, as transitions are elsewhere).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm_log.models import StateLog

from core import access
from notifications import commands
from notifications.backends import BaseSmsBackend, get_backend
from notifications.models import OutboundSms, SmsStatus
from notifications.services import (
    NOT_UNCONFIRMED,
    Reconciliation,
    blocked_messages,
    kick_outbox,
    reconcile_message,
)

CHECK = "check_with_provider"
SEND_AGAIN = "send_again"
# What may be sent again: the provider refused or could not deliver it.
MAY_SEND_AGAIN = (SmsStatus.FAILED, SmsStatus.UNDELIVERED)
# Staff may send messages again to one number at most this many times in a day, so a broken number is fixed
# rather than tried over and over (each try costs, and a working number would get the text again and again).
RESENDS_PER_NUMBER = 3
RESEND_WINDOW = datetime.timedelta(hours=24)


def log_action(message: OutboundSms, *, by: Any, transition: str, source: str | None, state: str, note: str) -> None:
    """Write a staff action on an outbox row to its history (the rows are too many for a logged state machine)."""
    StateLog.objects.create(
        by=by,
        content_type=ContentType.objects.get_for_model(OutboundSms),
        object_id=message.pk,
        transition=transition,
        source_state=source,
        state=state,
        description=note,
    )


def check_with_provider(*, by: Any, message_id: int, backend: BaseSmsBackend | None = None) -> Reconciliation:
    """Check one message awaiting confirmation against the provider's record now, as the sweep would.

    Found: sent, with its reference. Not found once the grace period since the attempt has passed: queued to be
    sent again. Otherwise nothing changes and the sweep asks again later.
    """
    access.check(by, "sms.manage")
    message = OutboundSms.objects.filter(pk=message_id).first()
    if message is None or message.status != SmsStatus.UNCONFIRMED:
        raise ValidationError(_("This message is not awaiting confirmation, so there is nothing to check."))
    result = reconcile_message(message, backend or get_backend(), timezone.now())
    if result.outcome == NOT_UNCONFIRMED:
        raise ValidationError(_("This message was settled a moment ago; nothing was changed."))
    message.refresh_from_db(fields=["status"])
    if message.status == SmsStatus.QUEUED:
        kick_outbox()
    note = " ".join(part for part in (result.outcome, result.provider_id, result.error) if part)
    log_action(message, by=by, transition=CHECK, source=SmsStatus.UNCONFIRMED, state=message.status, note=note[:1000])
    return result


def _resend_number(message: OutboundSms, by: Any) -> str:
    """Where a resend goes: the worker's number as it is now (staff may have corrected it), else the same number."""
    if message.worker_id:
        current = commands.number_of_worker(by, message.worker_id)
        if current:
            return current
    return message.to


def send_again(*, by: Any, message_id: int) -> OutboundSms:
    """Queue a failed or undelivered message again, as a new outbox row with the same text; returns the new row.

    Refused, with the reason, when the message may not be sent again (not failed, already sent again, text or
    number removed after the retention period), when the number had too many resends today, or when a send
    guard says no (the number opted out or failed permanently, the worker withdrew consent).
    """
    access.check(by, "sms.manage")
    with transaction.atomic():
        message = OutboundSms.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status not in MAY_SEND_AGAIN:
            raise ValidationError(_("Only a failed or undelivered message can be sent again."))
        earlier = message.resends.order_by("pk").first()
        if earlier is not None:
            raise ValidationError(
                _("This message was already sent again (SMS %(number)s); act on that one.") % {"number": earlier.pk}
            )
        if not message.body or not message.to:
            raise ValidationError(_("The text or number of this message was removed after the retention period."))
        to = _resend_number(message, by)
        recent = OutboundSms.objects.filter(
            to=to, resend_of__isnull=False, created_at__gte=timezone.now() - RESEND_WINDOW
        ).count()
        if recent >= RESENDS_PER_NUMBER:
            raise ValidationError(
                _("%(count)s messages were already sent again to this number in the last 24 hours; fix the number or wait.")
                % {"count": recent}
            )
        now = timezone.now()
        copy = OutboundSms.objects.create(
            to=to,
            worker_id=message.worker_id,
            agency_id=message.agency_id,
            language=message.language,
            template_key=message.template_key,
            body=message.body,
            segments=message.segments,
            encoding=message.encoding,
            ignores_suppression=message.ignores_suppression,
            resend_of=message,
            created_at=now,
            next_attempt_at=now,
            status_changed_at=now,
        )
        blocked = blocked_messages([copy])
        if copy.pk in blocked:
            # The same guards the drain asks when it sends: refused now (the new row is rolled back with the
            # error) rather than queued only to be stopped then.
            raise ValidationError(_("Not sent again: %(reason)s.") % {"reason": _(blocked[copy.pk])})
        status = message.status
        log_action(message, by=by, transition=SEND_AGAIN, source=status, state=status, note=f"sent again as SMS {copy.pk}")
        log_action(copy, by=by, transition=SEND_AGAIN, source=None, state=SmsStatus.QUEUED, note=f"resend of SMS {message.pk}")
        kick_outbox()
    return copy
