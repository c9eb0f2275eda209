"""The ministry's dashboard panel: headline figures of each agreement in force, and small monthly trends.

It renders the same ``ComplianceFigures`` as the reports (the last twelve months up to today, compared with
the twelve before), so a number on the dashboard is the number in the PDF. The figures are a fixed number of
queries per agreement, but each query reads a year of an agreement's contracts: at millions of contracts that
is seconds, too slow for a home page every officer opens. So the page never computes them: it reads each
agreement's snapshot (``DashboardSnapshot``), written by the background task ``refresh_dashboard``, and says
when it was computed. A missing snapshot, or one older than DASHBOARD_FIGURES_SECONDS, makes the page ask for a
refresh (once per DASHBOARD_FIGURES_SECONDS, however many officers look); the scheduled jobs refresh them too.
Until the first one is written the panel says the figures are being computed. The reports themselves are
always computed afresh. The trend charts are SVG drawn here and written out by the template: no
JavaScript, no inline style.
"""

from __future__ import annotations

import datetime
import logging
import pickle
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import get_language

from core import access
from core.dates import add_months, today
from reports.figures import monthly_trend
from reports.formatting import format_value

logger = logging.getLogger(__name__)

CHART_WIDTH, CHART_HEIGHT, BAR_GAP = 120, 36, 2


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str


@dataclass(frozen=True)
class TrendChart:
    title: str
    latest: str
    highest: str
    bars: list[Bar]
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT

    @property
    def description(self) -> str:
        return "; ".join(bar.label for bar in self.bars)


def trend_charts(table) -> list[TrendChart]:
    """One small bar chart per numeric column of a monthly trend table (first column: the month)."""
    charts = []
    months = len(table.rows)
    if not months:
        return charts
    slot = CHART_WIDTH / months
    for column in range(1, len(table.columns)):
        values = [row[column] or 0 for row in table.rows]
        highest = max(values)
        bars = []
        for index, (row, value) in enumerate(zip(table.rows, values, strict=True)):
            height = 0 if not highest else max((CHART_HEIGHT - 2) * value / highest, 1 if value else 0)
            bars.append(
                Bar(
                    x=round(index * slot + BAR_GAP / 2, 2),
                    y=round(CHART_HEIGHT - height, 2),
                    width=round(slot - BAR_GAP, 2),
                    height=round(height, 2),
                    label=f"{row[0]}: {format_value(value)}",
                )
            )
        charts.append(
            TrendChart(
                title=str(table.columns[column]), latest=format_value(values[-1]), highest=format_value(highest), bars=bars
            )
        )
    return charts


@lru_cache(maxsize=256)
def _capability_of(path: str) -> str | None:
    try:
        return access.declared_capability(resolve(path).func)
    except Resolver404:
        return None


def followable(user: Any, link: str) -> bool:
    """Whether ``user`` may open the list behind a number (analysts, say, may not open contract lists)."""
    if not link:
        return False
    capability = _capability_of(urlsplit(link).path)
    return capability is not None and access.can(user, capability)


def last_twelve_months(on: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    on = on or today()
    return add_months(on, -12) + datetime.timedelta(days=1), on


def agreements_in_force(on: datetime.date):
    from contracts.models import Agreement, AgreementStatus

    return (
        Agreement.objects.filter(status=AgreementStatus.IN_FORCE, in_force_from__lte=on)
        .filter(Q(in_force_until__isnull=True) | Q(in_force_until__gte=on))
        .select_related("country")
        .order_by("reference")
    )


REFRESH_ASKED = "reports:dashboard:refresh-asked"


def refresh_snapshots() -> int:
    """Compute and keep the figures and trend of every agreement in force, in every language, whose snapshot is
    missing, unreadable, older than DASHBOARD_FIGURES_SECONDS or of another period; returns how many were computed.

    Labels are translated when the figures are computed: one snapshot per language. Fresh snapshots are left alone,
    so a refresh asked for by several web processes at once (each with its own cache) is computed once."""
    from django.utils import translation

    from config.routers import replica_reads
    from reports.models import DashboardSnapshot
    from reports.services import figures_for

    day = today()
    start, end = last_twelve_months(day)
    fresh_since = timezone.now() - datetime.timedelta(seconds=settings.DASHBOARD_FIGURES_SECONDS)
    agreements = list(agreements_in_force(day))
    kept = 0
    for language, _name in settings.LANGUAGES:
        readable = _snapshots(agreements, language)
        for agreement in agreements:
            snapshot = readable.get(agreement.pk)
            if snapshot is not None and snapshot.computed_at >= fresh_since and snapshot.end == end:
                continue
            with translation.override(language):
                figures = figures_for(agreement_id=agreement.pk, start=start, end=end)
                with replica_reads():
                    trend = monthly_trend(agreement_id=agreement.pk, months=12, until=day)
            DashboardSnapshot.objects.update_or_create(
                agreement=agreement,
                language=language,
                defaults={
                    "start": start,
                    "end": end,
                    "computed_at": timezone.now(),
                    "content": pickle.dumps((figures, trend)),
                },
            )
            kept += 1
    return kept


def ask_for_refresh() -> bool:
    """Queue one refresh, unless one was asked for within DASHBOARD_FIGURES_SECONDS (the cache says); whether it
    was queued. Pages run in autocommit, so the task worker sees the task at once."""
    from reports.tasks import refresh_dashboard

    if not cache.add(REFRESH_ASKED, True, settings.DASHBOARD_FIGURES_SECONDS):
        return False
    refresh_dashboard.enqueue()
    return True


@dataclass(frozen=True)
class Snapshot:
    figures: Any
    trend: Any
    computed_at: datetime.datetime
    end: datetime.date


def _snapshots(agreements: list, language: str) -> dict[int, Snapshot]:
    """The readable snapshots of these agreements in this language. One written by an older version of the code that
    no longer unpickles counts as missing, so the page asks for a new one instead of failing."""
    from reports.models import DashboardSnapshot

    snapshots = {}
    for row in DashboardSnapshot.objects.filter(agreement__in=agreements, language=language):
        try:
            figures, trend = pickle.loads(bytes(row.content))
            figures.headline  # noqa: B018 - fails on a snapshot of another shape
        except Exception:  # noqa: BLE001 - anything unreadable is recomputed
            logger.warning("Dashboard snapshot %s could not be read; asking for a new one", row.pk, exc_info=True)
            continue
        snapshots[row.agreement_id] = Snapshot(figures, trend, row.computed_at, row.end)
    return snapshots


def panel_context(request) -> dict:
    day = today()
    start, end = last_twelve_months(day)
    agreements = list(agreements_in_force(day))
    language = get_language()
    snapshots = _snapshots(agreements, language)
    oldest_kept = timezone.now() - datetime.timedelta(seconds=settings.DASHBOARD_FIGURES_SECONDS)
    if any(
        (snapshot := snapshots.get(agreement.pk)) is None or snapshot.computed_at < oldest_kept or snapshot.end != end
        for agreement in agreements
    ):
        if ask_for_refresh():
            snapshots = _snapshots(agreements, language)  # a refresh run at once (the immediate backend of tests) is in
    entries = []
    for agreement in agreements:
        snapshot = snapshots.get(agreement.pk)
        if snapshot is None:
            entries.append({"agreement": agreement, "figures": None})
            continue
        entries.append(
            {
                "agreement": agreement,
                "figures": snapshot.figures,
                "headline": [
                    {"figure": figure, "link": figure.link if followable(request.user, figure.link) else ""}
                    for figure in snapshot.figures.headline
                ],
                "charts": trend_charts(snapshot.trend),
                "computed_at": snapshot.computed_at,
            }
        )
    return {"agreements": entries, "start": start, "end": end}
