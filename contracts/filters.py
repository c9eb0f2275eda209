import datetime

import django_filters
from django.db import connection
from django.db.models import BooleanField, Case, DateField, Exists, F, Func, IntegerField, OuterRef, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear
from django.utils.translation import gettext_lazy as _
from django_fsm_log.models import StateLog

from agencies.models import Agency
from contracts import compliance
from contracts.models import (
    HOLDS_POSITION,
    Agreement,
    Contract,
    ContractStatus,
    Currency,
    Employer,
    JobOrder,
    Occupation,
    Sector,
)
from contracts.terms_in_force import TermsInForce, wage_annotations
from core import registry
from core.choices import District
from core.dates import EARLIEST_DAY, day_bounds, today
from core.filters import FoldedFiltersMixin, NamedModelChoiceFilter
from core.text import normalise_reference
from workers.models import Sex, Worker

# --- Milestones in a period: the one definition the contract list and the compliance reports share -----------------
# A report's number links to this list with the same condition, so the list shows exactly the contracts counted.

# Milestones with a dated column on the contract (a date, or a moment compared by its Maseru date).
DATED_MILESTONES = {
    "submitted": ("submitted_at", None),
    "approved": ("approved_at", None),
    "cleared": ("cleared_at", None),
    "deployed": ("departed_on", None),
    "completed": ("ended_on", ContractStatus.COMPLETED),
    "terminated": ("ended_on", ContractStatus.TERMINATED),
    "repatriated": ("ended_on", ContractStatus.REPATRIATED),
}
# Returning and rejecting stamp no date on the contract: the transition log is the only record of when.
LOGGED_MILESTONES = {"returned": ContractStatus.RETURNED, "rejected": ContractStatus.REJECTED}
MILESTONE_CHOICES = [
    ("submitted", _("Submitted")),
    ("approved", _("Approved")),
    ("returned", _("Returned for correction")),
    ("rejected", _("Rejected")),
    ("cleared", _("Cleared for deployment")),
    ("deployed", _("Deployed")),
    ("completed", _("Completed")),
    ("terminated", _("Terminated early")),
    ("repatriated", _("Repatriated")),
]


def dated_milestone_q(milestone: str, start: datetime.date, end: datetime.date) -> Q:
    """Contracts whose ``milestone`` (a key of DATED_MILESTONES) fell between ``start`` and ``end`` inclusive."""
    field, status = DATED_MILESTONES[milestone]
    if field.endswith("_at"):
        first, after = day_bounds(start, end)
        condition = Q(**{f"{field}__gte": first, f"{field}__lt": after})
    else:
        condition = Q(**{f"{field}__gte": start, f"{field}__lte": end})
    return condition & Q(status=status) if status else condition


def logged_milestone_log(milestone: str, start: datetime.date, end: datetime.date):
    """The transition-log rows of contracts entering a LOGGED_MILESTONES state between ``start`` and ``end``."""
    first, after = day_bounds(start, end)
    return StateLog.objects.filter(
        content_type__app_label="contracts",
        content_type__model="contract",
        state=LOGGED_MILESTONES[milestone],
        timestamp__gte=first,
        timestamp__lt=after,
    )


def abroad_q(on: datetime.date) -> Q:
    """Contracts whose worker had left by ``on`` and not come back: departed on or before it, not ended by it."""
    return Q(departed_on__lte=on) & (Q(ended_on__isnull=True) | Q(ended_on__gt=on))


# --- Age at the start of the contract: the bands of the reports' breakdown and of the contract list's filter ---------

# (band, the age it stays under); the last band has no upper limit.
AGE_BANDS = [("under_25", 25), ("25_34", 35), ("35_44", 45), ("45_54", 55), ("55_plus", None)]
AGE_BAND_CHOICES = [
    ("under_25", _("Under 25")),
    ("25_34", _("25–34")),
    ("35_44", _("35–44")),
    ("45_54", _("45–54")),
    ("55_plus", _("55 and over")),
]


def _years_before(field: str, years: int) -> Func:
    """PostgreSQL: the date ``years`` whole years before ``field``'s (29 February to 28 February in a common year)."""
    return Func(F(field), template=f"(%(expressions)s - INTERVAL '{int(years)} years')::date", output_field=DateField())


def with_age_band(contracts):
    """``age_band``: the worker's age on the contract's start date in whole years, put in its band (all in the
    database)."""
    born = "worker__date_of_birth"
    if connection.vendor == "postgresql":
        # Younger than N on the start date: born after the day N years before it. The same bands as the year,
        # month and day arithmetic below (a birthday on 29 February is reached on 1 March in a common year either
        # way), at a fraction of the cost: PostgreSQL's EXTRACT returns numeric, and the bands evaluated the age once
        # per limit, for every approved contract (1 s of the breakdowns at 2 million contracts).
        bands = [
            When(**{f"{born}__gt": _years_before("start_date", limit)}, then=Value(band))
            for band, limit in AGE_BANDS
            if limit is not None
        ]
        return contracts.annotate(age_band=Case(*bands, default=Value(AGE_BANDS[-1][0])))
    birthday_still_to_come = Case(
        When(
            Q(age_start_month__lt=F("age_born_month"))
            | Q(age_start_month=F("age_born_month"), age_start_day__lt=F("age_born_day")),
            then=Value(1),
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    bands = [When(age_years__lt=limit, then=Value(band)) for band, limit in AGE_BANDS if limit is not None]
    return (
        contracts.annotate(
            age_start_month=ExtractMonth("start_date"),
            age_start_day=ExtractDay("start_date"),
            age_born_month=ExtractMonth(born),
            age_born_day=ExtractDay(born),
        )
        .annotate(age_years=ExtractYear("start_date") - ExtractYear(born) - birthday_still_to_come)
        .annotate(age_band=Case(*bands, default=Value(AGE_BANDS[-1][0])))
    )


def occupation_group_choices():
    """The ISCO-08 major groups (one digit), as the reports' occupation breakdown names them."""
    majors = Occupation.objects.filter(level=1).order_by("code").values_list("code", "title")
    return [(code, f"{code} {title}") for code, title in majors]


# --- The agencies active under an agreement: the scope of the reports' oversight figures --------------------------------

ANY_AGREEMENT = "any"
# A last-name prefix borne by at most this many workers is searched through their ids (ContractFilter.search): below
# it, sorting their few contracts is cheaper than walking the newest contracts until a page of them matches.
RARE_NAME = 2_000


def agencies_active_under(agreement_id: int | None):
    """The agencies with contracts under the agreement (any agreement when None), as a subquery of agency ids."""
    contracts = Contract.objects.all() if agreement_id is None else Contract.objects.filter(agreement_id=agreement_id)
    return contracts.order_by().values("agency_id")


def workers_under(agreement_id: int | None):
    """The workers with contracts under the agreement (any agreement when None), as a subquery of worker ids."""
    contracts = Contract.objects.all() if agreement_id is None else Contract.objects.filter(agreement_id=agreement_id)
    return contracts.order_by().values("worker_id")


def scope_value(agreement_id: int | None) -> str:
    """The query-string value of an "under agreement" filter: the agreement's id, or "any"."""
    return ANY_AGREEMENT if agreement_id is None else str(agreement_id)


def _scope_id(value: str) -> int | None:
    return None if value == ANY_AGREEMENT else int(value)


def agreement_scope_choices(request) -> list[tuple[str, str]]:
    """The choices of an "under agreement" filter: any agreement, or one the user may see (agency staff see no drafts)."""
    agreements = _agreements(request).order_by("reference").only("reference", "title")
    return [(ANY_AGREEMENT, _("Any agreement")), *((str(agreement.pk), str(agreement)) for agreement in agreements)]


def active_under_filter(agency_ids_of: str) -> registry.ListFilter:
    """A list filter keeping the records whose ``agency_ids_of`` (a lookup to the agency id) is an agency active under
    the chosen agreement; lists of earlier apps get it through core.registry, later apps register it for their own."""
    return registry.ListFilter(
        name="active_under",
        label=_("Agency active under agreement"),
        choices=agreement_scope_choices,
        apply=lambda queryset, value: queryset.filter(**{f"{agency_ids_of}__in": agencies_active_under(_scope_id(value))}),
    )


def numbers_under_filter(number_field: str) -> registry.ListFilter:
    """A list filter keeping the records whose ``number_field`` is the mobile of a worker with a contract under the
    chosen agreement (what the reports count as those workers' opt-outs)."""
    return registry.ListFilter(
        name="agreement",
        label=_("Workers under agreement"),
        choices=agreement_scope_choices,
        apply=lambda queryset, value: queryset.filter(
            **{
                f"{number_field}__in": Worker.objects.filter(pk__in=workers_under(_scope_id(value)))
                .exclude(mobile="")
                .values("mobile")
            }
        ),
    )


def workers_under_filter(worker_ids_of: str) -> registry.ListFilter:
    """A list filter keeping the records whose ``worker_ids_of`` is a worker with a contract under the chosen agreement."""
    return registry.ListFilter(
        name="agreement",
        label=_("Workers under agreement"),
        choices=agreement_scope_choices,
        apply=lambda queryset, value: queryset.filter(**{f"{worker_ids_of}__in": workers_under(_scope_id(value))}),
    )


# --- Rule results, wages, fees, deferred pay and training: the compliance figures' conditions ----------------------


def rule_outcome_condition(code: str, outcome: str):
    """Contracts whose stored rule results hold ``outcome`` for the rule ``code`` (what the reports' rule table counts)."""
    if connection.vendor == "postgresql":
        return Q(compliance__contains=[{"code": code, "outcome": outcome}])
    table = Contract._meta.db_table
    return RawSQL(
        f"""EXISTS (SELECT 1 FROM json_each(CASE WHEN json_type({table}.compliance) = 'array'
                THEN {table}.compliance ELSE '[]' END) AS result
            WHERE json_extract(result.value, '$.code') = %s AND json_extract(result.value, '$.outcome') = %s)""",
        (code, outcome),
        output_field=BooleanField(),
    )


def _rule_choices():
    return [(rule.code, f"{rule.code}: {rule.title}") for rule in compliance.RULES]


RULE_OUTCOME_CHOICES = [(compliance.FAIL, _("Failed")), (compliance.NOT_CHECKED, _("Not checked"))]
WAGE_CHOICES = [
    ("compared", _("Compared with a floor")),
    ("at_or_above", _("At or above the floor")),
    ("below", _("Below the floor")),
]
DEFERRED_PAY_CHOICES = [
    ("required", _("Required")),
    ("applied", _("Required and applied")),
    ("not_applied", _("Required, not applied")),
]
TRAINING_CHOICES = [
    ("complete", _("Complete and valid on departure")),
    ("incomplete", _("Not complete on departure")),
    ("none_required", _("None required")),
]


def _as_flag(condition) -> Case:
    """A condition as a true/false column: a comparison with NULL is false here, never unknown."""
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def _agencies(request):
    """Only the agencies the user may see (agency staff: their own)."""
    if request is None:
        return Agency.objects.none()
    return Agency.objects.visible_to(request.user).order_by("legal_name")


def _agreements(request):
    """Only the agreements the user may see (agency staff never see drafts)."""
    if request is None:
        return Agreement.objects.none()
    return Agreement.objects.visible_to(request.user)


class ContractFilter(FoldedFiltersMixin, django_filters.FilterSet):
    # The filters behind the compliance reports' figures; few visits need them.
    folded_filters = (
        "milestone",
        "milestone_from",
        "milestone_to",
        "abroad_on",
        "rule",
        "rule_outcome",
        "sector",
        "occupation_group",
        "employer",
        "agency",
        "sex",
        "age_band",
        "district",
        "wage",
        "fee_charged",
        "currency",
        "deferred_pay",
        "training",
        "quota_year",
    )
    q = django_filters.CharFilter(
        label=_("Search"), method="search", help_text=_("Contract reference, national ID, passport or name")
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ContractStatus.choices)
    agreement = django_filters.ModelChoiceFilter(label=_("Agreement"), queryset=lambda request: _agreements(request))
    overdue = django_filters.BooleanFilter(label=_("Past end date, no return recorded"), method="filter_overdue")
    # The lists behind the compliance reports' figures: a milestone reached in a period, or abroad on a day.
    milestone = django_filters.ChoiceFilter(label=_("Milestone"), choices=MILESTONE_CHOICES, method="filter_milestone")
    milestone_from = django_filters.DateFilter(label=_("Milestone from"), method="filter_milestone")
    milestone_to = django_filters.DateFilter(label=_("Milestone to"), method="filter_milestone")
    abroad_on = django_filters.DateFilter(label=_("Abroad on"), method="filter_abroad")
    # The lists behind the compliance figures: as the reports judge contracts, by the terms in force on the start date.
    rule = django_filters.ChoiceFilter(label=_("Compliance rule"), choices=_rule_choices, method="filter_rule")
    rule_outcome = django_filters.ChoiceFilter(label=_("Rule result"), choices=RULE_OUTCOME_CHOICES, method="filter_rule")
    sector = django_filters.ModelChoiceFilter(label=_("Sector"), queryset=Sector.objects.order_by("name"))
    occupation_group = django_filters.ChoiceFilter(
        label=_("Occupation (ISCO-08 major group)"), choices=occupation_group_choices, method="filter_occupation_group"
    )
    employer = django_filters.ModelChoiceFilter(
        label=_("Employer"), queryset=Employer.objects.only("pk", "name", "country_id").order_by("name", "country_id", "pk")
    )
    agency = NamedModelChoiceFilter(
        label=_("Agency"), queryset=lambda request: _agencies(request), name_fields=Agency.NAME_FIELDS
    )
    sex = django_filters.ChoiceFilter(label=_("Worker's sex"), choices=Sex.choices, field_name="worker__sex")
    age_band = django_filters.ChoiceFilter(
        label=_("Worker's age at the start of the contract"), choices=AGE_BAND_CHOICES, method="filter_age_band"
    )
    district = django_filters.ChoiceFilter(
        label=_("Worker's district of origin"), choices=District.choices, field_name="worker__district"
    )
    wage = django_filters.ChoiceFilter(label=_("Wage against the floor"), choices=WAGE_CHOICES, method="filter_wage")
    fee_charged = django_filters.BooleanFilter(label=_("Charges the worker a fee"), method="filter_fee")
    currency = django_filters.ChoiceFilter(label=_("Currency"), choices=Currency.choices)
    deferred_pay = django_filters.ChoiceFilter(
        label=_("Deferred pay"), choices=DEFERRED_PAY_CHOICES, method="filter_deferred_pay"
    )
    training = django_filters.ChoiceFilter(label=_("Required training"), choices=TRAINING_CHOICES, method="filter_training")
    quota_year = django_filters.NumberFilter(label=_("Holds a quota place in year"), method="filter_quota_year")

    class Meta:
        model = Contract
        fields = [
            "q",
            "status",
            "agreement",
            "overdue",
            "milestone",
            "milestone_from",
            "milestone_to",
            "abroad_on",
            "rule",
            "rule_outcome",
            "sector",
            "occupation_group",
            "employer",
            "agency",
            "sex",
            "age_band",
            "district",
            "wage",
            "fee_charged",
            "currency",
            "deferred_pay",
            "training",
            "quota_year",
        ]

    def search(self, queryset, name, value):
        """Workers first, then their contracts (one OR across both tables can use no index and scans them all).

        A number (reference, national ID, passport) matches a handful of rows: their contracts are collected and
        the page sorts those few. A name prefix borne by few workers (at most ``RARE_NAME``) is the same: their
        ids first, then their contracts, sorted. A commoner one may match tens of thousands of contracts: then the
        contracts are read newest first and kept while their worker matches, so the database stops after one page.
        (Walking the contracts for a rare name reads many: for "Ramb", 1,540 of a million workers, the database
        read 47,000 contracts to find a page, 139 ms; through the workers' ids it takes 41 ms.)
        """
        value = value.strip()
        number = normalise_reference(value)
        if any(character.isdigit() for character in value):
            workers = Worker.objects.filter(Q(national_id=number) | Q(passport_number=number)).values("pk")
            matching = (
                Contract.objects.filter(reference=number)
                .order_by()
                .values("pk")
                .union(Contract.objects.filter(worker__in=workers).order_by().values("pk"))
            )
            return queryset.filter(pk__in=matching)
        workers = Worker.objects.filter(last_name__istartswith=value).values_list("pk", flat=True)
        few = list(workers[: RARE_NAME + 1])
        if len(few) <= RARE_NAME:
            return queryset.filter(worker_id__in=few)
        return queryset.filter(worker__in=workers)

    def filter_occupation_group(self, queryset, name, value):
        # The occupation's key is its ISCO-08 code, so its major group is the first digit.
        return queryset.filter(occupation__code__startswith=value)  # no join: the code is the key

    def filter_age_band(self, queryset, name, value):
        return with_age_band(queryset).filter(age_band=value)

    def filter_overdue(self, queryset, name, value):
        if value:
            return queryset.overdue_return(today())
        return queryset

    def filter_milestone(self, queryset, name, value):
        """Applied once, when the milestone is named; an open end of the range reaches back to 2000 or on to today."""
        if name != "milestone" or not value:
            return queryset
        start = self.form.cleaned_data.get("milestone_from") or EARLIEST_DAY
        end = self.form.cleaned_data.get("milestone_to") or today()
        if value in LOGGED_MILESTONES:
            return queryset.filter(Exists(logged_milestone_log(value, start, end).filter(object_id=OuterRef("pk"))))
        return queryset.filter(dated_milestone_q(value, start, end))

    def filter_abroad(self, queryset, name, value):
        return queryset.filter(abroad_q(value)) if value else queryset

    def filter_rule(self, queryset, name, value):
        """Applied once, when the rule is named; its failures unless another result is asked for."""
        if name != "rule" or not value:
            return queryset
        outcome = self.form.cleaned_data.get("rule_outcome") or compliance.FAIL
        return queryset.filter(rule_outcome_condition(value, outcome))

    def _terms(self) -> TermsInForce:
        agreement = self.form.cleaned_data.get("agreement")
        return TermsInForce(agreement.pk if agreement else None)

    def filter_wage(self, queryset, name, value):
        """Compared: the terms in force set a floor for the contract's sector; at or above: and the wage meets it."""
        annotated, wage_ok = wage_annotations(queryset, self._terms())
        compared = annotated.filter(floor_amount__isnull=False)
        if value == "compared":
            return compared
        return compared.annotate(wage_at_floor=_as_flag(wage_ok)).filter(wage_at_floor=value == "at_or_above")

    def filter_fee(self, queryset, name, value):
        return queryset.filter(recruitment_fee__gt=0) if value else queryset.exclude(recruitment_fee__gt=0)

    def filter_deferred_pay(self, queryset, name, value):
        required = self._terms().annotate(queryset).filter(deferred_required__gt=0)
        if value == "required":
            return required
        applied = _as_flag(Q(deferred_pay_percent=F("deferred_required")))
        return required.annotate(deferred_applied=applied).filter(deferred_applied=value == "applied")

    def filter_quota_year(self, queryset, name, value):
        """Contracts holding a quota place (approved and after, not cancelled) that start in the year, as the quota
        rule counts them."""
        if value != int(value) or not 1900 <= value <= 2999:
            return queryset.none()
        return queryset.filter(status__in=HOLDS_POSITION, start_date__year=int(value))

    def filter_training(self, queryset, name, value):
        """Whether the worker held, on the departure day, a valid certificate of every course the terms in force require
        (true too when they require none); contracts not yet departed are never complete."""
        terms = self._terms()
        if value == "none_required":
            return queryset.filter(terms.nothing_required())
        complete = terms.training_complete() & Q(departed_on__isnull=False)
        return queryset.filter(complete) if value == "complete" else queryset.exclude(complete)


class JobOrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=JobOrder._meta.get_field("status").choices)
    agreement = django_filters.ModelChoiceFilter(label=_("Agreement"), queryset=lambda request: _agreements(request))

    class Meta:
        model = JobOrder
        fields = ["status", "agreement"]


class EmployerFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(label=_("Name"), lookup_expr="icontains")
    blacklisted = django_filters.BooleanFilter(label=_("Blacklisted"))

    class Meta:
        model = Employer
        fields = ["name", "country", "blacklisted"]
