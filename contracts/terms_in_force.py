"""The terms in force on each contract, written into SQL: the wage floor, deferred-pay share and required training
of the agreement version in force on the contract's start date, for the contract's sector.

The compliance reports (``reports.figures``) aggregate over these expressions, and the contract list filters by the
same ones (wage at or above the floor, deferred pay applied, training valid at departure), so a report's number and
the list behind it cannot disagree.

Monthly wages are compared with the floor after the same normalisation the ``wage_floor`` compliance rule applies
(``contracts.compliance.monthly``): weekly × 52 / 12, daily × the contract's working days, hourly × hours per week ×
52 / 12, rounded to the cent; ``monthly_expression`` is its database twin (a test holds them equal).
"""

from __future__ import annotations

import functools
import operator
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import Case, CharField, DecimalField, Exists, ExpressionWrapper, F, FloatField, OuterRef, Q, Value, When
from django.db.models.functions import Cast, Round

from contracts.compliance import AT_PAR
from contracts.models import AgreementTerms, SectorTerms, WagePeriod
from predeparture.models import Certificate

MONEY_OUTPUT = DecimalField(max_digits=16, decimal_places=2)


def _number(expression):
    """On SQLite a whole-number decimal is stored as an integer, and 52 / 12 would divide as integers: make it real."""
    return Cast(expression, FloatField()) if connection.vendor == "sqlite" else expression


def monthly_expression(amount: str, period: str, *, days: str = "days_per_month", hours: str = "hours_per_week"):
    """The database twin of ``contracts.compliance.monthly``: ``amount`` per ``period`` as a wage per month, to the cent.

    NULL where the period needs what the contract lacks (working days for a daily wage, hours for an hourly one).
    """

    def money(expression):
        return ExpressionWrapper(expression, output_field=MONEY_OUTPUT)

    value = _number(F(amount))
    result = Case(
        When(**{period: WagePeriod.MONTH}, then=money(value)),
        When(**{period: WagePeriod.WEEK}, then=money(value * Value(52) / Value(12))),
        When(**{period: WagePeriod.DAY}, then=money(value * _number(F(days)))),
        When(**{period: WagePeriod.HOUR}, then=money(value * _number(F(hours)) * Value(52) / Value(12))),
        default=Value(None),
        output_field=MONEY_OUTPUT,
    )
    return Round(result, 2, output_field=MONEY_OUTPUT)


def _constant(value: Decimal | str | None, output_field):
    """A decimal constant in SQL. SQLite is handed a float: it would bind a Decimal as text, and text compares above
    every number there."""
    if isinstance(value, Decimal) and connection.vendor == "sqlite":
        value = float(value)
    return Value(value, output_field=output_field)


class TermsInForce:
    """The agreements' terms as the compliance rules read them (the version in force on the contract's start date, its
    row for the contract's sector), turned into CASE expressions over the contract's agreement, sector and start date.

    Terms are reference data, a few versions per agreement: reading them once (three small queries) and writing
    their values into the SQL is far cheaper than a correlated subquery per contract and per use.
    """

    def __init__(self, agreement_id: int | None):
        versions = AgreementTerms.objects.order_by("agreement_id", "effective_from")
        if agreement_id is not None:
            versions = versions.filter(agreement_id=agreement_id)
        rows = list(versions.values_list("pk", "agreement_id", "effective_from"))
        self.windows: dict[int, Q] = {}
        for (pk, agreement, effective_from), following in zip(rows, [*rows[1:], None] if rows else [], strict=True):
            window = Q(agreement_id=agreement, start_date__gte=effective_from)
            if following is not None and following[1] == agreement:
                window &= Q(start_date__lt=following[2])
            self.windows[pk] = window
        self.sectors = list(
            SectorTerms.objects.filter(terms_id__in=self.windows)
            .order_by()
            .values_list("terms_id", "sector_id", "wage_floor", "period", "currency", "deferred_pay_percent")
        )
        courses: dict[int, list[int]] = defaultdict(list)
        for terms_id, course_id in (
            AgreementTerms.required_courses.through.objects.filter(agreementterms_id__in=self.windows)
            .order_by("course_id")
            .values_list("agreementterms_id", "course_id")
        ):
            courses[terms_id].append(course_id)
        self.courses = courses

    def _sector_case(self, column: int, output_field):
        # Cast: PostgreSQL would type a CASE of bare parameters (or of NULLs only) as text.
        return Cast(self._bare_case(column, output_field), output_field)

    def _bare_case(self, column: int, output_field):
        return Case(
            *(
                When(self.windows[row[0]] & Q(sector_id=row[1]), then=_constant(row[column], output_field))
                for row in self.sectors
            ),
            default=Value(None, output_field=output_field),
            output_field=output_field,
        )

    def annotate(self, contracts):
        """``floor_amount``, ``floor_period``, ``floor_currency`` and ``deferred_required`` of each contract's sector
        (NULL when the terms in force do not cover it)."""
        return contracts.annotate(
            floor_amount=self._sector_case(2, MONEY_OUTPUT),
            floor_period=self._sector_case(3, CharField()),
            floor_currency=self._sector_case(4, CharField()),
            deferred_required=self._sector_case(5, DecimalField(max_digits=5, decimal_places=2)),
        )

    def valid_certificate(self, course_id: int) -> Exists:
        """The worker held, on the departure date, a valid certificate for the course ``course_id``."""
        return Exists(
            Certificate.objects.filter(
                enrolment__worker_id=OuterRef("worker_id"),
                enrolment__session__course_id=course_id,
                issued_on__lte=OuterRef("departed_on"),
                expires_on__gte=OuterRef("departed_on"),
            )
        )

    def windows_by_courses(self) -> dict[tuple[int, ...], Q]:
        """The versions' windows grouped by the courses they require (empty: none): ``{courses: any of the windows}``.

        Versions usually keep their courses, so there are few groups; a query can then test each group's
        certificates with EXISTS at the top of its WHERE, which the database runs as a semi-join over all the
        contracts at once, where an EXISTS under OR (one per version) is run again for every contract."""
        groups: dict[tuple[int, ...], list[Q]] = defaultdict(list)
        for terms_id, window in self.windows.items():
            groups[tuple(self.courses.get(terms_id, []))].append(window)
        return {courses: any_of(windows) for courses, windows in groups.items()}

    def training_complete(self) -> Q:
        """The worker held, on the departure date, a valid certificate for every course the terms in force require
        (the clearance gate's test); true too when they require none."""
        return any_of(
            [
                functools.reduce(operator.and_, [window, *(Q(self.valid_certificate(course)) for course in courses)])
                for courses, window in self.windows_by_courses().items()
            ]
        )

    def nothing_required(self) -> Q:
        return self.windows_by_courses().get((), any_of([]))


def any_of(conditions: list[Q]) -> Q:
    """Any of ``conditions``; never true when there are none (the primary key is never NULL)."""
    return functools.reduce(operator.or_, conditions) if conditions else Q(pk__isnull=True)


def wage_annotations(contracts, terms: TermsInForce):
    """``monthly_wage`` and ``monthly_floor`` (the floor per month by the contract's own days and hours, as the rule does),
    and ``wage_ok``: the currencies compare and the wage is at or above the floor."""
    annotated = terms.annotate(contracts).annotate(
        monthly_wage=monthly_expression("wage_amount", "wage_period"),
        monthly_floor=monthly_expression("floor_amount", "floor_period"),
    )
    comparable = Q(currency=F("floor_currency")) | Q(currency__in=sorted(AT_PAR), floor_currency__in=sorted(AT_PAR))
    return annotated, comparable & Q(monthly_wage__gte=F("monthly_floor"))
