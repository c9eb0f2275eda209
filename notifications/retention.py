"""Retention: SMS records keep what proves delivery, not what was said, once the ministry's periods have run.

The written policy is docs/data-protection.md ("How long"); the periods are regulatory parameters
(``retention.sms_text_days``, ``retention.sms_number_days``), so the administrator changes them without a release.

- After ``retention.sms_text_days`` the text of a finished outbound SMS (sent, delivered, undelivered, failed, not
  sent) and the text of an inbound SMS and our reply to it are blanked. The delivery record stays: status, times,
  segments, encoding, error code, the event and the worker it was about.
- After ``retention.sms_number_days`` the phone number is removed from those records too.

A message still queued, being sent or awaiting confirmation is never touched, whatever its age. The outbox holds
millions of rows, so the work is done by the database in batches over id ranges (one short transaction each), never
by loading rows into Python; running it again changes nothing.
"""

from __future__ import annotations

import datetime

from django.db.models import Q

from core.retention import retention_cutoff, update_in_batches
from notifications.models import InboundSms, OutboundSms, SmsStatus

# Still on their way: their text is needed to send them.
UNFINISHED = (SmsStatus.QUEUED, SmsStatus.SENDING, SmsStatus.UNCONFIRMED)

def prune_sms_texts(cutoff: datetime.datetime) -> tuple[int, int]:
    """Blank the texts of outbound SMS queued and inbound SMS received before ``cutoff``: (outbound, inbound) changed."""
    outbound = OutboundSms.objects.filter(created_at__lt=cutoff).exclude(status__in=UNFINISHED).exclude(body="")
    inbound = InboundSms.objects.filter(received_at__lt=cutoff).filter(~Q(body="") | ~Q(reply=""))
    return update_in_batches(outbound, body=""), update_in_batches(inbound, body="", reply="")


def prune_sms_numbers(cutoff: datetime.datetime) -> tuple[int, int]:
    """Remove the phone numbers of outbound and inbound SMS older than ``cutoff``: (outbound, inbound) changed."""
    outbound = OutboundSms.objects.filter(created_at__lt=cutoff).exclude(status__in=UNFINISHED).exclude(to="")
    inbound = InboundSms.objects.filter(received_at__lt=cutoff).exclude(from_number="")
    return update_in_batches(outbound, to=""), update_in_batches(inbound, from_number="")


def apply_sms_retention() -> str:
    """The scheduled job: apply both periods in force today and say what was done."""
    parts = []
    text_cutoff = retention_cutoff("retention.sms_text_days")
    if text_cutoff is None:
        parts.append("no SMS text retention period in force")
    else:
        outbound, inbound = prune_sms_texts(text_cutoff)
        parts.append(f"texts blanked: {outbound} outbound, {inbound} inbound (before {text_cutoff:%Y-%m-%d})")
    number_cutoff = retention_cutoff("retention.sms_number_days")
    if number_cutoff is None:
        parts.append("no SMS number retention period in force")
    else:
        outbound, inbound = prune_sms_numbers(number_cutoff)
        parts.append(f"numbers removed: {outbound} outbound, {inbound} inbound (before {number_cutoff:%Y-%m-%d})")
    return "; ".join(parts)
