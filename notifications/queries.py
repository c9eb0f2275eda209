"""Read paths of the SMS screens: the outbox, inbound messages, failed numbers and delivery rates."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.history import HistoryEntry
from notifications.filters import start_of
from notifications.models import InboundSms, OutboundSms, SmsStatus, SuppressedNumber

# The statuses a rate is given for, in the order the page shows them.
RATE_STATUSES = list(SmsStatus)
# Finished messages: the base of the delivery rate (queued and sending ones have no outcome yet).
OUTCOMES = (SmsStatus.DELIVERED, SmsStatus.UNDELIVERED, SmsStatus.FAILED)


def outbox() -> QuerySet:
    return OutboundSms.objects.order_by("-created_at", "-id")


def outbox_message() -> QuerySet:
    """One message's page: the message it was sent again from and the inbound message it answered, in one query."""
    return OutboundSms.objects.select_related("resend_of", "replied_to")


# What each staff action on a message is called on its page (outbox_actions' transition names).
ACTION_LABELS = {
    "check_with_provider": _("Checked with the provider"),
    "send_again": _("Sent again"),
}


def message_history(message: OutboundSms, limit: int = 50) -> list[HistoryEntry]:
    """Who did what to this message and when (staff actions, from django-fsm-log's StateLog), newest first."""
    from django.contrib.contenttypes.models import ContentType
    from django_fsm_log.models import StateLog

    labels = dict(SmsStatus.choices)
    logs = (
        StateLog.objects.filter(content_type=ContentType.objects.get_for_model(OutboundSms), object_id=message.pk)
        .select_related("by")
        .order_by("-timestamp", "-pk")[:limit]
    )
    return [
        HistoryEntry(
            when=log.timestamp,
            who=log.by,
            what=f"{ACTION_LABELS.get(log.transition, log.transition)}: "
            f"{labels.get(log.source_state, log.source_state or '—')} → {labels.get(log.state, log.state)}",
            detail=log.description or "",
        )
        for log in logs
    ]


def inbound() -> QuerySet:
    return InboundSms.objects.order_by("-received_at", "-id")


def failed_numbers() -> QuerySet:
    """Every number that gets no SMS; the page's filter narrows it to one reason (by default the permanent failures)."""
    return SuppressedNumber.objects.order_by("-created_at", "-id")


def _counts() -> dict:
    counts = {status.value: Count("id", filter=Q(status=status)) for status in RATE_STATUSES}
    return counts | {"total": Count("id"), "segments_total": Sum("segments")}


@dataclass
class RateRow:
    label: str
    counts: dict

    @property
    def total(self) -> int:
        return self.counts.get("total") or 0

    @property
    def finished(self) -> int:
        return sum(self.counts.get(status) or 0 for status in OUTCOMES)

    @property
    def delivery_rate(self) -> float | None:
        """Delivered among messages with an outcome, in per cent; None before any has one."""
        return round(100 * (self.counts.get(SmsStatus.DELIVERED) or 0) / self.finished, 1) if self.finished else None

    def cells(self) -> list[tuple[int, float | None]]:
        """(count, share of the total in per cent) per status, in RATE_STATUSES order."""
        return [
            (self.counts.get(status) or 0, round(100 * (self.counts.get(status) or 0) / self.total, 1) if self.total else None)
            for status in RATE_STATUSES
        ]


def delivery_rates(since: datetime.date, until: datetime.date) -> dict:
    """Counts per status for messages queued in [since, until] (Maseru days): overall, per event and per day.

    Three grouped queries, whatever the number of messages: the database counts, the page divides.
    """
    period = OutboundSms.objects.filter(
        created_at__gte=start_of(since), created_at__lt=start_of(until + datetime.timedelta(days=1))
    ).order_by()
    overall = period.aggregate(**_counts())
    by_event = period.values("template_key").annotate(**_counts()).order_by("template_key")
    by_day = (
        period.annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(**_counts())
        .order_by("-day")
    )
    return {
        "overall": RateRow(label="", counts=overall),
        "overall_rows": [RateRow(label=f"{since:%Y-%m-%d} – {until:%Y-%m-%d}", counts=overall)] if overall["total"] else [],
        "by_event": [RateRow(label=row["template_key"], counts=row) for row in by_event],
        "by_day": [RateRow(label=row["day"].isoformat(), counts=row) for row in by_day],
        "statuses": RATE_STATUSES,
    }
