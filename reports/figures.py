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
applies (``contracts.compliance.monthly``); ``contracts.terms_in_force.monthly_expression`` is its database twin
(a test holds them equal), and writes the terms in force into the SQL for the figures and the contract list alike.

Shares are percentages to one decimal, rounded half up, and None (shown as a dash) when there is nothing to take
a share of. A period with no data gives zeros and ``has_data`` False, never an error.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections, router, transaction
from django.db.models import (
    Aggregate,
    Count,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import (
    Cast,
    Coalesce,
    ExtractYear,
    Substr,
    TruncMonth,
)
from django.urls import reverse
from django.utils.translation import gettext as _
from django_fsm_log.models import StateLog

from agencies.models import Agency, Licence, LicenceStatus
from config.routers import replica_reads
from contracts import compliance
from contracts.filters import (
    AGE_BAND_CHOICES,
    AGE_BANDS,
    DATED_MILESTONES,
    LOGGED_MILESTONES,
    abroad_q,
    agencies_active_under,
    dated_milestone_q,
    scope_value,
    with_age_band,
    workers_under,
)
from contracts.models import HOLDS_POSITION, Agreement, AgreementTerms, Contract, Employer, Occupation, Sector
from contracts.terms_in_force import MONEY_OUTPUT, TermsInForce, any_of, wage_annotations
from core.choices import District
from core.dates import add_months, day_bounds, today
from inspections.filters import action_outcome_q, with_decided_on
from inspections.models import (
    Audit,
    ChecklistCategory,
    Complaint,
    ComplaintStatus,
    CorrectiveAction,
    Finding,
    Severity,
)
from notifications.models import OutboundSms, SmsStatus, SuppressedNumber, SuppressionReason
from predeparture.models import SEAT_STATES, Enrolment, Session, SessionStatus
from workers.models import Sex, Worker

CENT = Decimal("0.01")
TENTH = Decimal("0.1")


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
    # The list behind each cell, in the shape of ``rows`` ("" where a cell has none): the figures page links a number
    # to the records that make it. Files (PDF, CSV, XLSX) leave links out.
    links: list[list[str]] = dataclasses.field(default_factory=list)

    def link(self, row: int, column: int) -> str:
        try:
            return self.links[row][column]
        except IndexError:
            return ""


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


# --- The lists behind the numbers -------------------------------------------------------------------------------------
# Every number links to the list of the records it counts, filtered by the same agreement and period with the same
# conditions (the lists' filters share the definitions used here), so the list holds exactly that many rows.


def _link(url_name: str, **query) -> str:
    """The list ``url_name`` filtered by ``query``; a list value repeats its parameter."""
    values = {key: [str(item) for item in value] if isinstance(value, list) else str(value) for key, value in query.items()}
    return reverse(url_name) + "?" + urlencode(values, doseq=True)


def _list_link(agreement_id: int | None, **query) -> str:
    """The contract list (of the agreement, when there is one) filtered by ``query``."""
    if agreement_id is not None:
        query = {"agreement": agreement_id} | query
    return _link("contracts:contract_list", **query)


def _milestone_link(agreement_id: int | None, milestone: str, period: Period, **query) -> str:
    """The contracts that reached ``milestone`` on a day of ``period`` (and meet ``query``)."""
    return _list_link(
        agreement_id, milestone=milestone, milestone_from=period.start.isoformat(), milestone_to=period.end.isoformat(), **query
    )


def _days(period: Period, first: str, last: str) -> dict[str, str]:
    return {first: period.start.isoformat(), last: period.end.isoformat()}


def _row_links(cells: list, *period_links) -> list[str]:
    """A row's links: "" under its label ``cells``, then one link per period column."""
    return ["" for _cell in cells] + list(period_links)


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
    contracts = _contracts(agreement_id).order_by()

    # One query per dated column, each reading only the rows whose date falls in the two periods (contiguous: the
    # previous one ends the day before the current one starts), through the (agreement, milestone) indexes. One
    # aggregate over the whole agreement read every contract it ever had, seconds at 2 million. COUNT of the dated
    # column (never NULL in its range) rather than of the id lets PostgreSQL answer from the index alone.
    by_column: dict[str, list[str]] = defaultdict(list)
    for milestone, (column, _status) in DATED_MILESTONES.items():
        by_column[column].append(milestone)
    counts: dict = {}
    for column, milestones in by_column.items():
        within = any_of([dated_milestone_q(milestone, previous.start, current.end) for milestone in milestones])

        def dated(period: Period, column=column, milestones=milestones):
            for milestone in milestones:
                yield milestone, Count(column, filter=dated_milestone_q(milestone, period.start, period.end))

        counts |= contracts.filter(within).aggregate(**_both(dated, periods))

    # Workers abroad at each period's end: departed by then and not back. The rows are those departed by the current
    # period's end and not back by the previous period's, which holds both (the previous period ends first), written
    # as one range of the (agreement, departed_on) index, which carries ended_on and worker_id for these counts.
    abroad_either = Q(departed_on__lte=current.end) & (Q(ended_on__isnull=True) | Q(ended_on__gt=previous.end))
    counts |= contracts.filter(abroad_either).aggregate(
        # One live contract per worker at a time (the overlap rule), but count workers all the same.
        **_both(lambda period: [("abroad", Count("worker_id", distinct=True, filter=abroad_q(period.end)))], periods)
    )

    # Returns and rejections: the transition log, one aggregate over both periods.
    first, _after = previous.bounds
    _first, after = current.bounds
    log = StateLog.objects.filter(
        # The content type's id, not a join on its name: the planner then knows nearly every row of the log is a
        # contract's, and does not intersect millions of them with the states' few.
        content_type=ContentType.objects.get_for_model(Contract),
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

    def link(key: str, period: Period) -> str:
        if key == "abroad":
            return _list_link(agreement_id, abroad_on=period.end.isoformat())
        return _milestone_link(agreement_id, key, period)

    figures = []
    for key in [*FLOW_ORDER, "abroad"]:
        value, before = _pair(counts, key)
        figures.append(
            Figure(key=f"contracts_{key}", label=labels[key], value=value or 0, previous=before or 0, link=link(key, current))
        )
    keys = [*FLOW_ORDER, "abroad"]
    table = FigureTable(
        key="flows",
        title=_("Contracts through the period"),
        section="flows",
        columns=[_("Milestone"), _("This period"), _("Previous period")],
        rows=[[figure.label, figure.value, figure.previous] for figure in figures],
        links=[_row_links([labels[key]], link(key, current), link(key, previous)) for key in keys],
        chart="bar",
        note=_(
            "Counted by the date each milestone was reached; a contract returned and submitted again counts once, "
            "by its latest submission. Workers abroad: departed by the last day of the period and not back by then."
        ),
    )
    return figures, [table]


# --- Breakdowns ------------------------------------------------------------------------------------------------------

def _breakdown_figures(agreement_id: int | None, current: Period, previous: Period) -> tuple[list[Figure], list[FigureTable]]:
    approved = _contracts(agreement_id).filter(dated_milestone_q("approved", current.start, current.end)).order_by()
    note = _("Contracts approved in the period.")
    count_column = _("Contracts approved")

    # COUNT(*), not of the id: the (agreement, approved_at) index carries every column these groups read, so
    # PostgreSQL counts from the index alone instead of fetching each approved contract's row once per table.
    def counted(*fields, **annotations) -> dict:
        rows = approved.annotate(**annotations).values(*fields).annotate(count=Count("*")).values_list(*fields, "count")
        return {tuple(key): count for *key, count in rows}

    def ranked(counts: dict, named) -> list[tuple]:
        """(pk, *names, count) for the pks counted, most first, then by name as the database orders it.

        The counts are grouped by id alone and the names read after, from ``named`` (a query of the reference table
        ordered by its names and pk): a join before grouping let a stale estimate of a small table's size pick a
        plan that read the whole contracts table. The sort is stable, so the database's order of the names stays
        the tie-break, as ORDER BY count DESC, name, pk had it."""
        rows = [(*row, counts[(row[0],)]) for row in named.filter(pk__in=[key for (key,) in counts])]
        return sorted(rows, key=lambda row: -row[-1])

    tables = []

    def add(key, title, label_column, rows, chart="bar", links=()):
        tables.append(
            FigureTable(
                key=key,
                title=title,
                section="breakdowns",
                columns=[label_column, count_column],
                rows=rows,
                chart=chart,
                note=note,
                links=list(links),
            )
        )

    def approved_link(**query) -> list[str]:
        return ["", _milestone_link(agreement_id, "approved", current, **query)]

    sectors = ranked(counted("sector_id"), Sector.objects.order_by("name", "pk").values_list("pk", "name"))
    add(
        "by_sector",
        _("By sector"),
        _("Sector"),
        [[name, count] for _pk, name, count in sectors],
        chart="pie",
        links=[approved_link(sector=pk) for pk, _name, _count in sectors],
    )
    major_titles = dict(Occupation.objects.filter(level=1).values_list("code", "title"))
    majors = sorted(counted("major", major=Substr("occupation_id", 1, 1)).items(), key=lambda item: (-item[1], item[0]))
    add(
        "by_occupation",
        _("By occupation (ISCO-08 major group)"),
        _("Occupation"),
        # Major groups are one digit: Python orders them as the database does.
        [[f"{major} {major_titles.get(major, '')}".strip(), count] for (major,), count in majors],
        links=[approved_link(occupation_group=major) for (major,), _count in majors],
    )
    employers = ranked(
        counted("employer_id"), Employer.objects.order_by("name", "country_id", "pk").values_list("pk", "name", "country_id")
    )
    add(
        "by_employer",
        _("By destination employer"),
        _("Employer"),
        [[f"{name} ({country})", count] for _pk, name, country, count in employers],
        links=[approved_link(employer=pk) for pk, _name, _country, _count in employers],
    )
    agencies = ranked(
        counted("agency_id"),
        Agency.objects.order_by("trading_name", "legal_name", "pk").values_list("pk", "trading_name", "legal_name"),
    )
    add(
        "by_agency",
        _("By agency"),
        _("Agency"),
        [[trading or legal, count] for _pk, trading, legal, count in agencies],
        links=[approved_link(agency=pk) for pk, _trading, _legal, _count in agencies],
    )

    # The worker's sex, district and age band in one pass over the approved contracts and their workers (a few
    # dozen groups at most: the choices of two fields and five bands), each table summed from it.
    by_person = (
        with_age_band(approved)
        .values("worker__sex", "worker__district", "age_band")
        .annotate(count=Count("*"))
        .values_list("worker__sex", "worker__district", "age_band", "count")
    )
    by_sex, by_district, by_band = Counter(), Counter(), Counter()
    for sex, district, band, count in by_person:
        by_sex[sex] += count
        by_district[district] += count
        by_band[band] += count

    def most_first(counts: Counter) -> list[tuple]:
        # Choice codes are ASCII letters and underscores: Python orders them as the database would.
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    sexes = dict(Sex.choices)
    by_sex = most_first(by_sex)
    add(
        "by_sex",
        _("By sex"),
        _("Sex"),
        [[str(sexes.get(sex, sex)), count] for sex, count in by_sex],
        chart="pie",
        links=[approved_link(sex=sex) for sex, _count in by_sex],
    )
    labels = dict(AGE_BAND_CHOICES)
    add(
        "by_age_band",
        _("By age at the start of the contract"),
        _("Age"),
        [[str(labels[key]), by_band.get(key, 0)] for key, _limit in AGE_BANDS],
        links=[approved_link(age_band=key) for key, _limit in AGE_BANDS],
    )
    districts = dict(District.choices)
    by_district = most_first(by_district)
    add(
        "by_district",
        _("By district of origin"),
        _("District"),
        [[str(districts.get(district, district)), count] for district, count in by_district],
        links=[approved_link(district=district) for district, _count in by_district],
    )
    return [], tables


# --- Compliance ------------------------------------------------------------------------------------------------------
# The terms in force (wage floors, deferred pay, required courses) are written into SQL by contracts.terms_in_force,
# which the contract list's filters use too.


class Median(Aggregate):
    """PostgreSQL's continuous median of one expression in each group."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _median_annotations(expressions: dict) -> dict:
    """PostgreSQL: the median of each of ``expressions`` in each group of a grouped query, as its annotations
    ``median_<name>``: PERCENTILE_CONT, rounded half up to the cent by the cast to money."""
    return {f"median_{name}": Cast(Median(expression), MONEY_OUTPUT) for name, expression in expressions.items()}


def _medians(queryset, group: list[str], expressions: dict) -> dict[str, dict[tuple, Decimal | None]]:
    """The median of each of ``expressions`` in each ``group`` of ``queryset``, rounded half up to the cent.

    PostgreSQL: PERCENTILE_CONT in the database, all in one query (the wage table adds the same annotations to its
    counting query instead, to read the contracts once). SQLite (no percentile function): per expression, one query
    reads only the group key and that one value column, ordered, and the middle of each group is taken here; the
    mean of the two middle values when the count is even, as PERCENTILE_CONT(0.5) does.
    """
    queryset = queryset.order_by()
    if connection.vendor == "postgresql":
        rows = queryset.values(*group).annotate(**_median_annotations(expressions))
        return {name: {tuple(row[field] for field in group): row[f"median_{name}"] for row in rows} for name in expressions}
    result = {}
    for name, expression in expressions.items():
        values: dict[tuple, list[Decimal]] = defaultdict(list)
        column = queryset.annotate(median_of=expression).filter(median_of__isnull=False)
        for *key, value in column.order_by(*group, "median_of").values_list(*group, "median_of"):
            values[tuple(key)].append(Decimal(value))
        medians = {}
        for key, ordered in values.items():
            middle = len(ordered) // 2
            median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
            medians[key] = median.quantize(CENT, rounding=ROUND_HALF_UP)
        result[name] = medians
    return result


def _median_note() -> str:
    if connection.vendor == "postgresql":
        return _("Medians by the database's PERCENTILE_CONT(0.5), rounded to the cent.")
    return _(
        "Medians worked out from the one ordered column of monthly wages (SQLite has no percentile function); "
        "the middle value, or the mean of the two middle values, rounded to the cent."
    )


def _rule_not_passed() -> Q:
    """PostgreSQL: contracts whose stored rule results hold a rule failed or not checked."""
    return Q(compliance__contains=[{"outcome": compliance.FAIL}]) | Q(compliance__contains=[{"outcome": compliance.NOT_CHECKED}])


def _rule_counts(contracts) -> dict[str, tuple[int, int]]:
    """(failed, not checked) per rule code among ``contracts``' stored rule results: one GROUP BY over the JSON array."""
    # The contracts' own query as the FROM (not "id IN (...)"): the database reads only the rows the period selects.
    if connection.vendor == "postgresql":
        # Only contracts with a rule failed or not checked add to a count: the others (most) are left out before
        # their results are unnested, by a containment test (and, where it matches, a partial index of them).
        contracts = contracts.filter(_rule_not_passed())
    inner, params = contracts.order_by().values("compliance").query.sql_with_params()
    if connection.vendor == "postgresql":
        sql = f"""
            SELECT result ->> 'code', COUNT(*) FILTER (WHERE result ->> 'outcome' = %s),
                   COUNT(*) FILTER (WHERE result ->> 'outcome' = %s)
            FROM ({inner}) AS contract CROSS JOIN LATERAL jsonb_array_elements(
                CASE WHEN jsonb_typeof(contract.compliance) = 'array' THEN contract.compliance ELSE '[]'::jsonb END
            ) AS result
            GROUP BY 1"""
    else:
        sql = f"""
            SELECT json_extract(result.value, '$.code'),
                   SUM(CASE WHEN json_extract(result.value, '$.outcome') = %s THEN 1 ELSE 0 END),
                   SUM(CASE WHEN json_extract(result.value, '$.outcome') = %s THEN 1 ELSE 0 END)
            FROM ({inner}) AS contract, json_each(contract.compliance) AS result
            WHERE json_type(contract.compliance) = 'array'
            GROUP BY 1"""
    # Raw SQL picks its database like the ORM does, so a read replica serves it too.
    with connections[router.db_for_read(Contract)].cursor() as cursor:
        cursor.execute(sql, [compliance.FAIL, compliance.NOT_CHECKED, *params])
        return {code: (failed or 0, unchecked or 0) for code, failed, unchecked in cursor.fetchall()}


def _compliance_figures(agreement_id: int | None, current: Period, previous: Period) -> tuple[list[Figure], list[FigureTable]]:
    contracts = _contracts(agreement_id)
    submitted = contracts.filter(dated_milestone_q("submitted", current.start, current.end)).order_by()
    either = contracts.filter(dated_milestone_q("submitted", previous.start, current.end)).order_by()
    note = _("Contracts submitted in the period, judged by the rule results stored at their last check.")
    tables = []

    def submitted_link(**query) -> str:
        return _milestone_link(agreement_id, "submitted", current, **query)

    # Each rule's failures.
    counts = _rule_counts(submitted)
    severities = {compliance.ERROR: _("Error"), compliance.WARNING: _("Warning")}
    rules = compliance.RULES
    tables.append(
        FigureTable(
            key="rule_results",
            title=_("Contracts by compliance rule"),
            section="compliance",
            columns=[_("Rule"), _("Code"), _("Severity"), _("Contracts failing"), _("Not checked")],
            rows=[[str(rule.title), rule.code, severities[rule.severity], *counts.get(rule.code, (0, 0))] for rule in rules],
            links=[
                _row_links(
                    [rule.title, rule.code, rule.severity],
                    submitted_link(rule=rule.code, rule_outcome=compliance.FAIL),
                    submitted_link(rule=rule.code, rule_outcome=compliance.NOT_CHECKED),
                )
                for rule in rules
            ],
            chart="bar",
            note=note,
        )
    )

    # Wages against the floor, by sector: counts and, on PostgreSQL, medians in one pass over the contracts.
    terms = TermsInForce(agreement_id)
    wages, wage_ok = wage_annotations(submitted, terms)
    covered = wages.filter(floor_amount__isnull=False)
    group = ["sector__name", "floor_currency"]
    expressions = {"wage": F("monthly_wage"), "floor": F("monthly_floor")}
    by_sector = covered.values(*group, "sector_id").annotate(
        contracts=Count("submitted_at"), at_floor=Count("submitted_at", filter=wage_ok)
    )
    if connection.vendor == "postgresql":
        by_sector = by_sector.annotate(**_median_annotations(expressions))
        rows = [
            (sector, currency, sector_id, total, at_floor, median_wage, median_floor)
            for sector, currency, sector_id, total, at_floor, median_wage, median_floor in by_sector.order_by(
                "sector__name", "floor_currency"
            ).values_list(*group, "sector_id", "contracts", "at_floor", "median_wage", "median_floor")
        ]
    else:
        medians = _medians(covered, group, expressions)
        rows = [
            (sector, currency, sector_id, total, at_floor, *(medians[name].get((sector, currency)) for name in expressions))
            for sector, currency, sector_id, total, at_floor in by_sector.order_by("sector__name", "floor_currency").values_list(
                *group, "sector_id", "contracts", "at_floor"
            )
        ]
    # A sector whose floor changed currency between versions has a row per currency; the list filters by sector only.
    sector_rows = Counter(row[2] for row in rows)

    def wage_links(sector_id: int) -> list[str]:
        if sector_rows[sector_id] > 1:
            return []
        compared, at_or_above = (submitted_link(sector=sector_id, wage=wage) for wage in ("compared", "at_or_above"))
        return ["", "", compared, at_or_above]

    tables.append(
        FigureTable(
            key="wage_compliance",
            title=_("Wages against the floor, by sector"),
            section="compliance",
            columns=[
                _("Sector"),
                _("Currency"),
                _("Contracts"),
                _("At or above the floor"),
                _("Share at or above (%)"),
                _("Median monthly wage"),
                _("Median monthly floor"),
            ],
            rows=[
                [sector, currency, total, at_floor, _share(at_floor, total), median_wage, median_floor]
                for sector, currency, _sector_id, total, at_floor, median_wage, median_floor in rows
            ],
            links=[wage_links(row[2]) for row in rows],
            chart="bar",
            note=f"{note} "
            + _(
                "Wages and floors per month as the wage-floor rule works them out; "
                "sectors the agreement does not cover are left out."
            )
            + " "
            + _median_note(),
        )
    )

    # Fees, deferred pay and the headline shares: one pass over the contracts submitted in either period, grouped by
    # sector and currency (a few groups: reference data), each figure a conditional count of it, summed here. One
    # query per table read the same rows again each time.
    periods = {"current": current, "previous": previous}
    wages_both, wage_ok_both = wage_annotations(either, terms)
    charged = Q(recruitment_fee__gt=0)
    covered_both, deferral = Q(floor_amount__isnull=False), Q(deferred_required__gt=0)
    applied = Q(deferred_pay_percent=F("deferred_required"))
    fee_charged_now = current.moment_q("submitted_at") & charged
    groups = list(
        wages_both.values("sector__name", "sector_id", "currency")
        .annotate(
            **_both(
                lambda period: [
                    ("judged", Count("submitted_at", filter=period.moment_q("submitted_at") & covered_both)),
                    ("at_floor", Count("submitted_at", filter=period.moment_q("submitted_at") & covered_both & wage_ok_both)),
                    ("charged", Count("submitted_at", filter=period.moment_q("submitted_at") & charged)),
                    ("required", Count("submitted_at", filter=period.moment_q("submitted_at") & deferral)),
                    ("applied", Count("submitted_at", filter=period.moment_q("submitted_at") & deferral & applied)),
                ],
                periods,
            ),
            fee_total=Sum("recruitment_fee", filter=fee_charged_now),
            fee_highest=Max("recruitment_fee", filter=fee_charged_now),
        )
        .order_by("sector__name", "sector_id", "currency")
    )
    counts = Counter()
    for row in groups:
        for name in ("judged", "at_floor", "charged", "required", "applied"):
            for which in periods:
                counts[f"{name}__{which}"] += row[f"{name}__{which}"]

    # Fees charged to workers, by currency (codes of three capital letters: Python orders them as the database does).
    fees: dict[str, list] = {}
    for row in groups:
        if row["charged__current"]:
            count, total, highest = fees.setdefault(row["currency"], [0, Decimal(0), None])
            fees[row["currency"]] = [
                count + row["charged__current"],
                total + row["fee_total"],
                row["fee_highest"] if highest is None else max(highest, row["fee_highest"]),
            ]
    fee_rows = [(currency, *fees[currency]) for currency in sorted(fees)]
    tables.append(
        FigureTable(
            key="fees_charged",
            title=_("Recruitment fees charged to workers"),
            section="compliance",
            columns=[_("Currency"), _("Contracts with a fee"), _("Total charged"), _("Highest fee")],
            rows=[[currency, count, _money(total), _money(highest)] for currency, count, total, highest in fee_rows],
            links=[["", submitted_link(fee_charged="true", currency=row[0])] for row in fee_rows],
            note=note,
        )
    )

    # Deferred pay where the agreement sets it, by sector (the groups come ordered by sector name).
    deferred: dict[int, list] = {}
    for row in groups:
        if row["required__current"]:
            sector = deferred.setdefault(row["sector_id"], [row["sector__name"], 0, 0])
            sector[1] += row["required__current"]
            sector[2] += row["applied__current"]
    tables.append(
        FigureTable(
            key="deferred_pay",
            title=_("Deferred pay where the agreement requires it"),
            section="compliance",
            columns=[_("Sector"), _("Contracts where required"), _("Applied as required"), _("Share applied (%)")],
            rows=[[sector, required, applied, _share(applied, required)] for sector, required, applied in deferred.values()],
            links=[
                [
                    "",
                    submitted_link(sector=sector_id, deferred_pay="required"),
                    submitted_link(sector=sector_id, deferred_pay="applied"),
                ]
                for sector_id in deferred
            ],
            note=note,
        )
    )

    tables.append(_quota_table(agreement_id, current))

    figures = [
        Figure(
            key="wage_at_floor_share",
            label=_("Contracts submitted with a wage at or above the floor"),
            value=_share(counts["at_floor__current"], counts["judged__current"]),
            previous=_share(counts["at_floor__previous"], counts["judged__previous"]),
            unit="%",
            link=submitted_link(wage="at_or_above"),
        ),
        Figure(
            key="fees_charged",
            label=_("Contracts submitted charging the worker a fee"),
            value=counts["charged__current"],
            previous=counts["charged__previous"],
            link=submitted_link(fee_charged="true"),
        ),
        Figure(
            key="deferred_pay_share",
            label=_("Deferred pay applied where required"),
            value=_share(counts["applied__current"], counts["required__current"]),
            previous=_share(counts["applied__previous"], counts["required__previous"]),
            unit="%",
            link=submitted_link(deferred_pay="applied"),
        ),
    ]
    return figures, tables


def _money(amount) -> Decimal | None:
    return None if amount is None else Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def _quota_table(agreement_id: int | None, current: Period) -> FigureTable:
    """Each agreement's annual quota in each calendar year the period touches, and the places used, counted as the
    quota rule counts them: contracts holding a place (approved and after, not cancelled) starting in that year."""
    years = list(range(current.start.year, current.end.year + 1))
    used = dict(
        (((agreement, year), count))
        for agreement, year, count in _contracts(agreement_id)
        .filter(status__in=HOLDS_POSITION, start_date__year__gte=years[0], start_date__year__lte=years[-1])
        .annotate(year=ExtractYear("start_date"))
        .values("agreement_id", "year")
        .annotate(count=Count("start_date"))
        .order_by()
        .values_list("agreement_id", "year", "count")
    )
    terms = AgreementTerms.objects.filter(effective_from__lte=current.end).order_by("agreement__reference", "effective_from")
    if agreement_id is not None:
        terms = terms.filter(agreement_id=agreement_id)
    # Terms versions are reference data (a few per agreement): the version in force on each year's last reported day.
    versions: dict[str, list] = defaultdict(list)
    for reference, agreement, effective_from, quota in terms.values_list(
        "agreement__reference", "agreement_id", "effective_from", "annual_quota"
    ):
        versions[reference].append((agreement, effective_from, quota))
    rows, links = [], []
    for reference, rows_of_terms in versions.items():
        agreement = rows_of_terms[0][0]
        for year in years:
            last_day = min(current.end, datetime.date(year, 12, 31))
            quota = next((quota for _a, effective, quota in reversed(rows_of_terms) if effective <= last_day), None)
            if quota is None:
                continue
            taken = used.get((agreement, year), 0)
            rows.append([reference, year, quota, taken, _share(taken, quota)])
            links.append(["", "", "", _list_link(agreement, quota_year=year)])
    return FigureTable(
        key="quota",
        title=_("Annual quota used"),
        section="compliance",
        columns=[_("Agreement"), _("Year"), _("Annual quota"), _("Places used"), _("Share used (%)")],
        rows=rows,
        links=links,
        chart="bar",
        note=_(
            "Places used: contracts approved or further along (not cancelled) that start in the year, as the quota rule "
            "counts them; the quota of the terms in force on the year's last day in the period. Agreements without a quota "
            "are left out."
        ),
    )


# --- Pre-departure -----------------------------------------------------------------------------------------------------


def _predeparture_figures(agreement_id: int | None, current: Period, previous: Period) -> tuple[list[Figure], list[FigureTable]]:
    periods = {"current": current, "previous": previous}
    contracts = _contracts(agreement_id).filter(departed_on__gte=previous.start, departed_on__lte=current.end)
    terms = TermsInForce(agreement_id)
    by_courses = terms.windows_by_courses()
    nothing_required = by_courses.get(())

    def deployed(period: Period):
        yield "deployed", Count("departed_on", filter=period.day_q("departed_on"))
        # Asked only when a version requires nothing: "never" is written "id IS NULL", and reading the id would
        # take the count off the (agreement, departed_on) index.
        if nothing_required is not None:
            yield "none_required", Count("departed_on", filter=period.day_q("departed_on") & nothing_required)

    counts = Counter(contracts.order_by().aggregate(**_both(deployed, periods)))
    # Training complete (terms.training_complete(), as the contract list filters it): the contracts whose terms
    # require nothing, and, per set of courses the versions require (usually one), the contracts under those versions
    # whose worker held a valid certificate for each course, counted by a query with the certificate tests at the top
    # of its WHERE: PostgreSQL joins the certificates once (a semi-join) instead of probing them for every contract
    # (seconds at 2 million contracts).
    for which in periods:
        counts[f"complete__{which}"] = counts[f"none_required__{which}"]
    for courses, windows in by_courses.items():
        if courses:
            certified = contracts.filter(windows, *(terms.valid_certificate(course) for course in courses)).order_by()
            counts.update(
                certified.aggregate(
                    **_both(lambda period: [("complete", Count("departed_on", filter=period.day_q("departed_on")))], periods)
                )
            )

    # Sessions held: completed sessions starting in the period, of the courses the agreement requires (any version).
    sessions = Session.objects.filter(status=SessionStatus.COMPLETED)
    if agreement_id is not None:
        courses = AgreementTerms.required_courses.through.objects.filter(agreementterms__agreement_id=agreement_id)
        sessions = sessions.filter(course_id__in=courses.values("course_id"))
    seats = (
        Enrolment.objects.filter(session_id=OuterRef("pk"), status__in=SEAT_STATES)
        .order_by()
        .values("session_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    sessions = sessions.annotate(seats=Coalesce(Subquery(seats, output_field=IntegerField()), 0)).order_by()
    # One pass over the sessions of both periods, by course: the table takes this period's, the headline figures the
    # sums (a session's seats are counted once, for the period it started in).
    by_course = list(
        sessions.filter(starts_at__gte=previous.bounds[0], starts_at__lt=current.bounds[1])
        .values("course__code", "course__title", "course_id")
        .annotate(
            **_both(
                lambda period: [
                    ("held", Count("pk", filter=period.moment_q("starts_at"))),
                    ("capacity", Sum("capacity", filter=period.moment_q("starts_at"))),
                    ("taken", Sum("seats", filter=period.moment_q("starts_at"))),
                ],
                periods,
            )
        )
        .order_by("course__code")
    )
    rows = [
        (
            course["course__code"],
            course["course__title"],
            course["course_id"],
            course["held__current"],
            course["capacity__current"],
            course["taken__current"],
        )
        for course in by_course
        if course["held__current"]
    ]
    # The agreement's required courses (any version): the terms already read them.
    required_courses = sorted({course for courses in terms.courses.values() for course in courses})

    def sessions_link(courses: list[int] | None) -> str:
        """Completed sessions starting in the period, of ``courses`` (None: any course). An agreement that requires
        no course held none: there is no list to show."""
        if courses == []:
            return ""
        query = {"status": SessionStatus.COMPLETED, **_days(current, "date", "until")}
        return _link("predeparture:session_list", **query, **({"course": courses} if courses else {}))

    def deployed_link(**query) -> str:
        return _milestone_link(agreement_id, "deployed", current, **query)

    def total(name: str):
        """The sum over courses; None, as SUM gives it, when no session started in that period."""
        values = [course[name] for course in by_course if course[name] is not None]
        return sum(values) if values else None

    session_counts = {f"{name}__{which}": total(f"{name}__{which}") for name in ("capacity", "taken") for which in periods}
    session_counts |= {f"held__{which}": sum(course[f"held__{which}"] for course in by_course) for which in periods}
    deployed, complete_count, none_required = (
        counts["deployed__current"],
        counts["complete__current"],
        counts["none_required__current"],
    )
    tables = [
        FigureTable(
            key="training_at_deployment",
            title=_("Required training at deployment"),
            section="predeparture",
            columns=[_("Workers deployed"), _("Training complete and valid"), _("Share (%)"), _("No training required")],
            rows=[[deployed, complete_count, _share(complete_count, deployed), none_required]],
            links=[[deployed_link(), deployed_link(training="complete"), "", deployed_link(training="none_required")]],
            note=_(
                "Contracts whose worker departed in the period; complete when the worker held a certificate valid on the "
                "departure date for every course the terms in force on the start date require."
            ),
        ),
        FigureTable(
            key="training_sessions",
            title=_("Training sessions held"),
            section="predeparture",
            columns=[_("Course"), _("Title"), _("Sessions"), _("Seats"), _("Seats taken"), _("Fill rate (%)")],
            rows=[
                [code, title, held_count, capacity, taken, _share(taken, capacity)]
                for code, title, _course_id, held_count, capacity, taken in rows
            ],
            links=[["", "", sessions_link([row[2]])] for row in rows],
            chart="bar",
            note=(
                _("Completed sessions that started in the period, of the courses the agreement requires.")
                if agreement_id is not None
                else _("Completed sessions that started in the period.")
            )
            + " "
            + _("Seats taken: the enrolled who completed, failed or did not attend."),
        ),
    ]
    figures = [
        Figure(
            key="training_complete_share",
            label=_("Workers deployed with their required training valid"),
            value=_share(counts["complete__current"], counts["deployed__current"]),
            previous=_share(counts["complete__previous"], counts["deployed__previous"]),
            unit="%",
            link=deployed_link(training="complete"),
        ),
        Figure(
            key="training_sessions_held",
            label=_("Training sessions held"),
            value=session_counts["held__current"],
            previous=session_counts["held__previous"],
            link=sessions_link(required_courses if agreement_id is not None else None),
        ),
        Figure(
            key="training_fill_rate",
            label=_("Training seats filled"),
            value=_share(session_counts["taken__current"], session_counts["capacity__current"]),
            previous=_share(session_counts["taken__previous"], session_counts["capacity__previous"]),
            unit="%",
            # The seats are those of the sessions held.
            link=sessions_link(required_courses if agreement_id is not None else None),
        ),
    ]
    return figures, tables


# --- Oversight ----------------------------------------------------------------------------------------------------------


def _active_agencies(agreement_id: int | None):
    """The agencies with contracts under the agreement (any agreement when None), as a subquery: the same definition
    as the lists' "agency active under agreement" filter."""
    return agencies_active_under(agreement_id)


OUTCOMES = ["on_time", "late", "open"]


def _oversight_figures(agreement_id: int | None, current: Period, previous: Period) -> tuple[list[Figure], list[FigureTable]]:
    periods = {"current": current, "previous": previous}
    agencies = _active_agencies(agreement_id)
    audits = Audit.objects.filter(agency_id__in=agencies).order_by()
    audit_counts = audits.aggregate(
        **_both(
            lambda period: [
                ("reported", Count("pk", filter=period.moment_q("submitted_at"))),
                ("reviewed", Count("pk", filter=period.moment_q("reviewed_at"))),
                ("closed", Count("pk", filter=period.moment_q("closed_at"))),
            ],
            periods,
        )
    )
    findings = Finding.objects.filter(audit__agency_id__in=agencies).order_by()
    severities = [Severity.MINOR, Severity.MAJOR, Severity.CRITICAL]
    by_category = dict(
        (row[0], row[1:])
        for row in findings.filter(current.moment_q("created_at"))
        .values("item__category")
        .annotate(total=Count("pk"), **{severity: Count("pk", filter=Q(severity=severity)) for severity in severities})
        .values_list("item__category", "total", *severities)
    )
    finding_counts = findings.aggregate(
        **_both(lambda period: [("found", Count("pk", filter=period.moment_q("created_at")))], periods)
    )

    actions = with_decided_on(CorrectiveAction.objects.filter(finding__audit__agency_id__in=agencies))
    action_counts = actions.order_by().aggregate(
        **_both(
            lambda period: [
                ("due", Count("pk", filter=period.day_q("due_on"))),
                *((outcome, Count("pk", filter=period.day_q("due_on") & action_outcome_q(outcome))) for outcome in OUTCOMES),
            ],
            periods,
        )
    )

    licences = Licence.objects.filter(agency_id__in=agencies).order_by()
    revocations = licences.filter(status=LicenceStatus.REVOKED).aggregate(
        **_both(lambda period: [("revoked", Count("pk", filter=period.moment_q("status_changed_at")))], periods)
    )
    # A licence may be suspended and reinstated within one period, and status_changed_at keeps only the last change:
    # suspensions are read from the transition log (revocation is final, so its date column is enough).
    suspensions = StateLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Licence),
        state=LicenceStatus.SUSPENDED,
        timestamp__gte=previous.bounds[0],
        timestamp__lt=current.bounds[1],
        # The licences' ids read first (one per agency: a few hundred), not a subquery: with a subquery PostgreSQL
        # may merge-join along the log's object_id index, reading all of its millions of rows to find none.
        object_id__in=list(licences.values_list("pk", flat=True)),
    ).aggregate(
        # Licences, not suspensions: a licence suspended twice in a period counts once, as the licence list shows it.
        **_both(lambda period: [("suspended", Count("object_id", distinct=True, filter=period.moment_q("timestamp")))], periods)
    )

    complaints = Complaint.objects.filter(agency_id__in=agencies).order_by()
    complaint_counts = complaints.aggregate(
        **_both(
            lambda period: [
                ("received", Count("pk", filter=period.moment_q("received_at"))),
                ("resolved", Count("pk", filter=period.moment_q("resolved_at") & Q(status=ComplaintStatus.RESOLVED))),
                ("dismissed", Count("pk", filter=period.moment_q("resolved_at") & Q(status=ComplaintStatus.DISMISSED))),
            ],
            periods,
        )
    )

    counts = audit_counts | finding_counts | action_counts | revocations | suspensions | complaint_counts
    scope_note = (
        _("Agencies with contracts under the agreement.")
        if agreement_id is not None
        else _("Agencies with contracts under any agreement.")
    )
    categories = dict(ChecklistCategory.choices)
    severity_labels = dict(Severity.choices)

    def both(name):
        return _pair(counts, name)

    scope = {"active_under": scope_value(agreement_id)}

    def audits_link(stage: str, period: Period) -> str:
        return _link("inspections:audit_list", stage=stage, **_days(period, "stage_from", "stage_to"), **scope)

    def findings_link(period: Period, **query) -> str:
        return _link("inspections:finding_list", **query, **_days(period, "recorded_from", "recorded_to"), **scope)

    def actions_link(outcome: str, period: Period) -> str:
        return _link("inspections:action_list", outcome=outcome, **_days(period, "due_from", "due_to"), **scope)

    def licences_link(sanction: str, period: Period) -> str:
        return _link("agencies:licence_list", sanction=sanction, **_days(period, "sanction_from", "sanction_to"), **scope)

    def complaints_link(kind: str, period: Period) -> str:
        if kind == "received":
            return _link("inspections:complaint_list", **_days(period, "received_from", "received_to"), **scope)
        return _link("inspections:complaint_list", status=kind, **_days(period, "closed_from", "closed_to"), **scope)

    def linked(label, name: str, link) -> tuple[list, list[str]]:
        """A row of this period's and the previous period's ``name``, and their lists (``link(period)``)."""
        return [label, *both(name)], _row_links([label], link(current), link(previous))

    audit_rows = [
        linked(_("Report submitted"), "reported", lambda period: audits_link("reported", period)),
        linked(_("Reviewed"), "reviewed", lambda period: audits_link("reviewed", period)),
        linked(_("Closed"), "closed", lambda period: audits_link("closed", period)),
    ]
    action_rows = [
        linked(_("Closed on time"), "on_time", lambda period: actions_link("on_time", period)),
        linked(_("Closed late"), "late", lambda period: actions_link("late", period)),
        linked(_("Still open"), "open", lambda period: actions_link("open", period)),
    ]
    sanction_rows = [
        linked(_("Suspended"), "suspended", lambda period: licences_link("suspended", period)),
        linked(_("Revoked"), "revoked", lambda period: licences_link("revoked", period)),
    ]
    complaint_rows = [
        linked(_("Received"), "received", lambda period: complaints_link("received", period)),
        linked(_("Resolved"), "resolved", lambda period: complaints_link(ComplaintStatus.RESOLVED, period)),
        linked(_("Dismissed"), "dismissed", lambda period: complaints_link(ComplaintStatus.DISMISSED, period)),
    ]
    finding_categories = sorted(by_category.items(), key=lambda item: -item[1][0])

    tables = [
        FigureTable(
            key="audits",
            title=_("Audits"),
            section="oversight",
            columns=[_("Stage reached in the period"), _("This period"), _("Previous period")],
            rows=[row for row, _links in audit_rows],
            links=[links for _row, links in audit_rows],
            note=scope_note,
        ),
        FigureTable(
            key="findings",
            title=_("Findings by category and severity"),
            section="oversight",
            columns=[_("Category"), *(str(severity_labels[severity]) for severity in severities), _("Total")],
            rows=[[str(categories.get(category, category)), *values[1:], values[0]] for category, values in finding_categories],
            links=[
                [
                    "",
                    *(findings_link(current, category=category, severity=severity) for severity in severities),
                    findings_link(current, category=category),
                ]
                for category, _values in finding_categories
            ],
            chart="bar",
            note=_("Findings recorded in the period.") + " " + scope_note,
        ),
        FigureTable(
            key="corrective_actions",
            title=_("Corrective actions due in the period"),
            section="oversight",
            columns=[_("Outcome"), _("This period"), _("Previous period")],
            rows=[row for row, _links in action_rows],
            links=[links for _row, links in action_rows],
            chart="pie",
            note=_("Closed: accepted by the inspector; on time when accepted by the due date.") + " " + scope_note,
        ),
        FigureTable(
            key="licence_sanctions",
            title=_("Licence suspensions and revocations"),
            section="oversight",
            columns=[_("Sanction"), _("This period"), _("Previous period")],
            rows=[row for row, _links in sanction_rows],
            links=[links for _row, links in sanction_rows],
            note=scope_note,
        ),
        FigureTable(
            key="complaints",
            title=_("Complaints"),
            section="oversight",
            columns=[_("Complaints"), _("This period"), _("Previous period")],
            rows=[row for row, _links in complaint_rows],
            links=[links for _row, links in complaint_rows],
            note=scope_note,
        ),
    ]
    figures = [
        Figure(
            key="audits_reported",
            label=_("Audit reports submitted"),
            value=counts["reported__current"],
            previous=counts["reported__previous"],
            link=audits_link("reported", current),
        ),
        Figure(
            key="findings",
            label=_("Audit findings recorded"),
            value=counts["found__current"],
            previous=counts["found__previous"],
            link=findings_link(current),
        ),
        Figure(
            key="actions_on_time_share",
            label=_("Corrective actions due and closed on time"),
            value=_share(counts["on_time__current"], counts["due__current"]),
            previous=_share(counts["on_time__previous"], counts["due__previous"]),
            unit="%",
            link=actions_link("on_time", current),
        ),
        Figure(
            key="licences_suspended",
            label=_("Licences suspended"),
            value=counts["suspended__current"],
            previous=counts["suspended__previous"],
            link=licences_link("suspended", current),
        ),
        Figure(
            key="licences_revoked",
            label=_("Licences revoked"),
            value=counts["revoked__current"],
            previous=counts["revoked__previous"],
            link=licences_link("revoked", current),
        ),
        Figure(
            key="complaints_received",
            label=_("Complaints received"),
            value=counts["received__current"],
            previous=counts["received__previous"],
            link=complaints_link("received", current),
        ),
        Figure(
            key="complaints_resolved",
            label=_("Complaints resolved"),
            value=counts["resolved__current"],
            previous=counts["resolved__previous"],
            link=complaints_link(ComplaintStatus.RESOLVED, current),
        ),
    ]
    return figures, tables


# --- Reach ----------------------------------------------------------------------------------------------------------------


def _reach_figures(agreement_id: int | None, current: Period, previous: Period) -> tuple[list[Figure], list[FigureTable]]:
    periods = {"current": current, "previous": previous}
    workers = workers_under(agreement_id)
    messages = OutboundSms.objects.filter(
        worker_id__in=workers, created_at__gte=previous.bounds[0], created_at__lt=current.bounds[1]
    ).order_by()
    sms_counts = messages.aggregate(
        **_both(
            lambda period: [
                ("queued", Count("pk", filter=period.moment_q("created_at"))),
                ("sent", Count("pk", filter=period.moment_q("created_at") & Q(sent_at__isnull=False))),
                ("delivered", Count("pk", filter=period.moment_q("created_at") & Q(status=SmsStatus.DELIVERED))),
                (
                    "failed",
                    Count("pk", filter=period.moment_q("created_at") & Q(status__in=[SmsStatus.UNDELIVERED, SmsStatus.FAILED])),
                ),
                ("suppressed", Count("pk", filter=period.moment_q("created_at") & Q(status=SmsStatus.SUPPRESSED))),
            ],
            periods,
        )
    )
    numbers = Worker.objects.filter(pk__in=workers).exclude(mobile="").values("mobile")
    opt_outs = SuppressedNumber.objects.filter(reason=SuppressionReason.OPTED_OUT, number__in=numbers).aggregate(
        **_both(lambda period: [("opted_out", Count("pk", filter=period.moment_q("created_at")))], periods)
    )
    withdrawn = Worker.objects.filter(
        pk__in=workers, sms_consent=False, consent_changed_at__gte=previous.bounds[0], consent_changed_at__lt=current.bounds[1]
    ).aggregate(**_both(lambda period: [("withdrawn", Count("pk", filter=period.moment_q("consent_changed_at")))], periods))
    counts = sms_counts | opt_outs | withdrawn

    def outbox_link(period: Period, **query) -> str:
        """The outbox: messages to the agreement's workers queued on a day of ``period`` (and meeting ``query``)."""
        return _link("notifications:outbox", **_days(period, "since", "until"), agreement=scope_value(agreement_id), **query)

    def opt_outs_link(period: Period) -> str:
        """The failed-numbers page: numbers of the agreement's workers that said STOP on a day of ``period``."""
        return _link(
            "notifications:failed_numbers",
            reason=SuppressionReason.OPTED_OUT,
            **_days(period, "since", "until"),
            agreement=scope_value(agreement_id),
        )

    # Consent withdrawn is kept on the worker's record, which no list filters by the day it changed: that row has none.
    lists = {
        "queued": {},
        "sent": {"sent": "true"},
        "delivered": {"status": SmsStatus.DELIVERED},
        "failed": {"not_delivered": "true"},
        "suppressed": {"status": SmsStatus.SUPPRESSED},
    }
    names = ["queued", "sent", "delivered", "failed", "suppressed", "opted_out", "withdrawn"]
    labels = [
        _("Messages queued"),
        _("Sent"),
        _("Delivered"),
        _("Not delivered or failed"),
        _("Not sent (no consent or number blocked)"),
        _("Numbers opted out (STOP)"),
        _("Workers who withdrew consent"),
    ]
    rows = [[label, *_pair(counts, name)] for label, name in zip(labels, names, strict=True)]
    links = [
        _row_links([label], outbox_link(current, **lists[name]), outbox_link(previous, **lists[name]))
        if name in lists
        else _row_links([label], opt_outs_link(current), opt_outs_link(previous))
        if name == "opted_out"
        else []
        for label, name in zip(labels, names, strict=True)
    ]
    tables = [
        FigureTable(
            key="sms_reach",
            title=_("SMS to workers"),
            section="reach",
            columns=[_("Messages"), _("This period"), _("Previous period")],
            rows=rows,
            links=links,
            note=_(
                "Messages about workers with contracts under the agreement, by the day they were queued; opt-outs of those "
                "workers' numbers and consent withdrawn in the period."
            ),
        )
    ]
    figures = [
        Figure(
            key="sms_sent",
            label=_("SMS sent to workers"),
            value=counts["sent__current"],
            previous=counts["sent__previous"],
            link=outbox_link(current, sent="true"),
        ),
        Figure(
            key="sms_delivered",
            label=_("SMS delivered to workers"),
            value=counts["delivered__current"],
            previous=counts["delivered__previous"],
            link=outbox_link(current, status=SmsStatus.DELIVERED),
        ),
        Figure(
            key="sms_opt_outs",
            label=_("Numbers opted out of SMS"),
            value=counts["opted_out__current"],
            previous=counts["opted_out__previous"],
            link=opt_outs_link(current),
        ),
    ]
    return figures, tables


# --- Putting it together -----------------------------------------------------------------------------------------------


def agreement_label(agreement_id: int | None) -> str:
    if agreement_id is None:
        return _("All agreements")
    agreement = Agreement.objects.only("title", "reference").get(pk=agreement_id)
    return f"{agreement.title} ({agreement.reference})"


@contextmanager
def _read_for_figures():
    """On PostgreSQL, the figures' queries in one transaction with JIT compilation off and room to sort in memory.

    JIT compiles the expressions of every query whose estimated cost passes jit_above_cost. The terms in force are
    long CASE expressions, and compiling them took longer than running the queries (EXPLAIN ANALYZE at 2 million
    contracts: 7.7 s of JIT for a 3.4 s aggregate). The medians and the distinct workers abroad sort hundreds of
    thousands of values, which the default work_mem (4 MB) sends to disk. SET LOCAL ends with the transaction;
    inside an outer transaction it lasts until that one ends, which changes no result.
    """
    database = router.db_for_read(Contract)
    if connections[database].vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=database):
        with connections[database].cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
        yield


@replica_reads()
def compute_figures(*, agreement_id: int | None, start: datetime.date, end: datetime.date) -> ComplianceFigures:
    """Every figure of the report on ``agreement_id`` (None: all agreements) from ``start`` to ``end`` inclusive."""
    current = Period(start, end)
    previous = current.previous()
    headline: list[Figure] = []
    tables: list[FigureTable] = []
    with _read_for_figures():
        for section in SECTIONS:
            figures, section_tables = section(agreement_id, current, previous)
            headline += figures
            tables += section_tables
    has_data = any(figure.value for figure in headline)
    if not has_data:
        nothing = _("No data in this period.")
        tables = [replace(table, note=f"{nothing} {table.note}".strip()) for table in tables]
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


SECTIONS = [_flow_figures, _breakdown_figures, _compliance_figures, _predeparture_figures, _oversight_figures, _reach_figures]


# --- Monthly trend for the dashboard ------------------------------------------------------------------------------------


@replica_reads()
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
