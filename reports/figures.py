"""The one figures layer of the bilateral-agreement compliance reports.

``compute_figures`` works out, for one agreement (or all of them) and one period of whole Maseru days, every
number that any format shows: the PDF, the CSV and XLSX tables and the dashboard all render the
``ComplianceFigures`` it returns and never query for themselves, so they cannot disagree.

Every figure is a database aggregate (GROUP BY, conditional counts) over dated columns: the contracts'
milestones (``submitted_at``, ``approved_at``, ``cleared_at``, ``departed_on``, ``ended_on``), audits'
``submitted_at``/``reviewed_at``/``closed_at``, complaints' ``received_at``/``resolved_at`` and so on. The
transition log is read only where no dated column exists, and then with an aggregate too: a contract's return
for correction and its rejection, and a licence's suspension (a licence may be suspended and reinstated in
one period; ``status_changed_at`` keeps only the last change). The number of queries does not depend on the
amount of data.

Medians: on PostgreSQL ``PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY ...)`` per group, rounded half up to
the cent. SQLite has no percentile function; there the fallback reads only the group key and the one value
column, ordered, in one query, and takes the middle value (the mean of the two middle values for an even
count) of each group in Python, rounded the same way. The tables that show a median say so in their note.

Monthly wages are compared with the floor after the same normalisation the ``wage_floor`` compliance rule
applies (``contracts.compliance.monthly``): weekly × 52 / 12, daily × the contract's working days, hourly ×
hours per week × 52 / 12, rounded to the cent; ``monthly_expression`` is its database twin (a test holds
them equal).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.db.models import (
    Count,
    DecimalField,
    Q,
)
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils.translation import gettext as _
from django_fsm_log.models import StateLog

from contracts.filters import DATED_MILESTONES, LOGGED_MILESTONES, abroad_q, dated_milestone_q, day_bounds
from contracts.models import Agreement, Contract
from core.dates import add_months, today

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
MONEY_OUTPUT = DecimalField(max_digits=16, decimal_places=2)


# --- The figures object every renderer reads ----------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One headline number, with the same figure for the previous period of the same length."""

    key: str
    label: str
    value: int | Decimal | None
    previous: int | Decimal | None
    link: str = ""
    unit: str = ""


@dataclass(frozen=True)
class FigureTable:
    key: str  # CSV file name and XLSX sheet name: at most 31 characters of [a-z_]
    title: str
    section: str  # flows | breakdowns | compliance | predeparture | oversight | reach
    columns: list[str]
    rows: list[list]
    chart: str = ""  # "bar" | "pie" | "": a hint for the PDF
    note: str = ""


@dataclass(frozen=True)
class ComplianceFigures:
    agreement_id: int | None
    agreement_label: str
    start: datetime.date
    end: datetime.date
    previous_start: datetime.date
    previous_end: datetime.date
    headline: list[Figure]
    tables: list[FigureTable]
    has_data: bool

    def figure(self, key: str) -> Figure | None:
        return next((figure for figure in self.headline if figure.key == key), None)

    def table(self, key: str) -> FigureTable | None:
        return next((table for table in self.tables if table.key == key), None)


class ReportRequestError(ValueError):
    """A report asked for with an unknown agreement or an impossible period; the message is for the user."""


def parse_report_request(
    *, agreement_reference: str | None, start: datetime.date, end: datetime.date
) -> tuple[int | None, datetime.date, datetime.date]:
    """The agreement id (None for all agreements) and the period, or ReportRequestError saying what is wrong."""
    if start is None or end is None:
        raise ReportRequestError(_("Give the first and last day of the period."))
    if end < start:
        raise ReportRequestError(_("The period ends before it starts."))
    if start > today():
        raise ReportRequestError(_("The period starts in the future: there is nothing to report yet."))
    reference = (agreement_reference or "").strip()
    if not reference:
        return None, start, end
    agreement_id = Agreement.objects.filter(reference__iexact=reference).values_list("pk", flat=True).first()
    if agreement_id is None:
        raise ReportRequestError(_("There is no agreement with the reference %(reference)s.") % {"reference": reference})
    return agreement_id, start, end


# --- Periods and scope ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    @property
    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        return day_bounds(self.start, self.end)

    def moment_q(self, field: str) -> Q:
        """``field`` (a moment) on one of the period's Maseru days."""
        first, after = self.bounds
        return Q(**{f"{field}__gte": first, f"{field}__lt": after})

    def day_q(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start, f"{field}__lte": self.end})

    def previous(self) -> Period:
        end = self.start - datetime.timedelta(days=1)
        return Period(end - (self.end - self.start), end)


def _contracts(agreement_id: int | None):
    contracts = Contract.objects.all()
    return contracts if agreement_id is None else contracts.filter(agreement_id=agreement_id)


def _both(aggregate_for, periods: dict[str, Period]) -> dict:
    """The same conditional aggregate for each named period, as keyword arguments of one ``aggregate()`` call."""
    return {f"{name}__{which}": expression for which, period in periods.items() for name, expression in aggregate_for(period)}


def _pair(result: dict, name: str) -> tuple:
    return result.get(f"{name}__current"), result.get(f"{name}__previous")


def _share(part: int | None, whole: int | None) -> Decimal | None:
    """``part`` of ``whole`` in percent, to one decimal; None when there is no whole to take a share of."""
    if not whole:
        return None
    return (Decimal(part or 0) * 100 / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP)


def _list_link(agreement_id: int | None, **query) -> str:
    if agreement_id is not None:
        query = {"agreement": agreement_id} | query
    return reverse("contracts:contract_list") + "?" + urlencode({key: str(value) for key, value in query.items()})


# --- Flows ------------------------------------------------------------------------------------------------------------

FLOW_ORDER = ["submitted", "approved", "returned", "rejected", "cleared", "deployed", "completed", "terminated", "repatriated"]


def _flow_labels() -> dict[str, str]:
    return {
        "submitted": _("Contracts submitted"),
        "approved": _("Contracts approved"),
        "returned": _("Contracts returned for correction"),
        "rejected": _("Contracts rejected"),
        "cleared": _("Contracts cleared for deployment"),
        "deployed": _("Workers deployed"),
        "completed": _("Contracts completed"),
        "terminated": _("Contracts terminated early"),
        "repatriated": _("Workers repatriated"),
        "abroad": _("Workers abroad at the end of the period"),
    }


def _flow_figures(agreement_id: int | None, current: Period, previous: Period) -> tuple[list[Figure], list[FigureTable]]:
    periods = {"current": current, "previous": previous}

    def dated(period: Period):
        for milestone in DATED_MILESTONES:
            yield milestone, Count("pk", filter=dated_milestone_q(milestone, period.start, period.end))
        # One live contract per worker at a time (the overlap rule), but count workers all the same.
        yield "abroad", Count("worker_id", distinct=True, filter=abroad_q(period.end))

    counts = _contracts(agreement_id).aggregate(**_both(dated, periods))

    # Returns and rejections: the transition log, one aggregate over both periods.
    first, _after = previous.bounds
    _first, after = current.bounds
    log = StateLog.objects.filter(
        content_type__app_label="contracts",
        content_type__model="contract",
        state__in=list(LOGGED_MILESTONES.values()),
        timestamp__gte=first,
        timestamp__lt=after,
    )
    if agreement_id is not None:
        log = log.filter(object_id__in=_contracts(agreement_id).values("pk"))

    def logged(period: Period):
        for milestone, state in LOGGED_MILESTONES.items():
            yield milestone, Count("object_id", distinct=True, filter=Q(state=state) & period.moment_q("timestamp"))

    counts |= log.aggregate(**_both(logged, periods))

    labels = _flow_labels()
    figures = []
    for key in [*FLOW_ORDER, "abroad"]:
        value, before = _pair(counts, key)
        if key == "abroad":
            link = _list_link(agreement_id, abroad_on=current.end.isoformat())
        else:
            link = _list_link(
                agreement_id, milestone=key, milestone_from=current.start.isoformat(), milestone_to=current.end.isoformat()
            )
        figures.append(Figure(key=f"contracts_{key}", label=labels[key], value=value or 0, previous=before or 0, link=link))
    table = FigureTable(
        key="flows",
        title=_("Contracts through the period"),
        section="flows",
        columns=[_("Milestone"), _("This period"), _("Previous period")],
        rows=[[figure.label, figure.value, figure.previous] for figure in figures],
        chart="bar",
        note=_(
            "Counted by the date each milestone was reached; a contract returned and submitted again counts once, "
            "by its latest submission. Workers abroad: departed by the last day of the period and not back by then."
        ),
    )
    return figures, [table]


# --- Putting it together -----------------------------------------------------------------------------------------------


def agreement_label(agreement_id: int | None) -> str:
    if agreement_id is None:
        return _("All agreements")
    agreement = Agreement.objects.only("title", "reference").get(pk=agreement_id)
    return f"{agreement.title} ({agreement.reference})"


def compute_figures(*, agreement_id: int | None, start: datetime.date, end: datetime.date) -> ComplianceFigures:
    """Every figure of the report on ``agreement_id`` (None: all agreements) from ``start`` to ``end`` inclusive."""
    current = Period(start, end)
    previous = current.previous()
    headline: list[Figure] = []
    tables: list[FigureTable] = []
    for section in SECTIONS:
        figures, section_tables = section(agreement_id, current, previous)
        headline += figures
        tables += section_tables
    has_data = any(figure.value for figure in headline)
    if not has_data:
        nothing = _("No data in this period.")
        tables = [FigureTable(**{**table.__dict__, "note": f"{nothing} {table.note}".strip()}) for table in tables]
    return ComplianceFigures(
        agreement_id=agreement_id,
        agreement_label=agreement_label(agreement_id),
        start=start,
        end=end,
        previous_start=previous.start,
        previous_end=previous.end,
        headline=headline,
        tables=tables,
        has_data=has_data,
    )


SECTIONS = [_flow_figures]


# --- Monthly trend for the dashboard ------------------------------------------------------------------------------------


def monthly_trend(*, agreement_id: int | None, months: int = 12, until: datetime.date | None = None) -> FigureTable:
    """Submitted, approved, deployed and returned home per month, for the ``months`` months up to ``until``'s month."""
    until = until or today()
    last_month = until.replace(day=1)
    first_month = add_months(last_month, -(months - 1))
    period = Period(first_month, until)
    contracts = _contracts(agreement_id)
    series = {
        "submitted": ("submitted_at", Q()),
        "approved": ("approved_at", Q()),
        "deployed": ("departed_on", Q()),
        "returned_home": (
            "ended_on",
            Q(status__in=[DATED_MILESTONES[key][1] for key in ("completed", "terminated", "repatriated")]),
        ),
    }
    by_month: dict[str, dict[str, int]] = defaultdict(dict)
    for name, (field, condition) in series.items():
        within = period.moment_q(field) if field.endswith("_at") else period.day_q(field)
        rows = (
            contracts.filter(within & condition)
            .annotate(month=TruncMonth(field))
            .order_by()
            .values("month")
            .annotate(count=Count("pk"))
            .values_list("month", "count")
        )
        for month, count in rows:
            by_month[f"{month:%Y-%m}"][name] = count
    rows = []
    for offset in range(months):
        month = f"{add_months(first_month, offset):%Y-%m}"
        rows.append([month, *(by_month[month].get(name, 0) for name in series)])
    return FigureTable(
        key="monthly_trend",
        title=_("Contracts by month"),
        section="flows",
        columns=[_("Month"), _("Submitted"), _("Approved"), _("Deployed"), _("Returned home")],
        rows=rows,
        chart="bar",
        note=_("Returned home: completed, terminated early or repatriated, by the date the contract ended."),
    )
