"""A record's history: its state transitions (django-fsm-log) and its edits
(django-simple-history), merged into one timeline for its page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django_fsm_log.models import StateLog


@dataclass
class HistoryEntry:
    when: datetime
    who: Any
    what: str
    detail: str


def history_of(record: Any, limit: int = 50) -> list[HistoryEntry]:
    entries: list[HistoryEntry] = []
    content_type = ContentType.objects.get_for_model(record)
    logs = (
        StateLog.objects.filter(content_type=content_type, object_id=record.pk)
        .select_related("by", "content_type")  # the state labels read the content type: one query, not one per row
        .order_by("-timestamp", "-pk")[:limit]
    )
    for log in logs:
        entries.append(
            HistoryEntry(
                when=log.timestamp,
                who=log.by,
                what=f"{log.get_source_state_display() or '—'} → {log.get_state_display()}",
                detail=log.description or "",
            )
        )
    history = getattr(record, "history", None)
    if history is not None:
        # One row more than shown, so that the oldest shown change can be compared with its predecessor.
        rows = list(history.select_related("history_user").order_by("-history_date")[: limit + 1])
        for index, newer in enumerate(rows[:limit]):
            older = rows[index + 1] if index + 1 < len(rows) else None
            changed = ""
            if older is not None:
                delta = newer.diff_against(older)
                changed = ", ".join(str(record._meta.get_field(change.field).verbose_name) for change in delta.changes)
            entries.append(
                HistoryEntry(
                    when=newer.history_date,
                    who=newer.history_user,
                    what=newer.get_history_type_display(),
                    # A save that changed no shown field (a second-step reset, say) says why instead.
                    detail=changed or (newer.history_change_reason or ""),
                )
            )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]
