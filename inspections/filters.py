"""Filters of the inspection lists: audits, findings and corrective actions.

The compliance reports' oversight figures link here, so each figure's condition has its filter: a stage reached on
a day of a period, the agency active under an agreement (registered by contracts' definition in
``inspections.extensions``, the one the figures count with), and a corrective action's outcome.
"""

from __future__ import annotations

import django_filters
from django.db.models import F, Q
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from core import access
from core.dates import moment_within, today
from core.filters import RegisteredFiltersMixin
from inspections.forms import week_of
from inspections.models import ActionStatus, Audit, AuditStatus, ChecklistCategory, CorrectiveAction, Finding, Severity

# The stages an audit reaches, each with the moment it was reached.
AUDIT_STAGES = {"reported": "submitted_at", "reviewed": "reviewed_at", "closed": "closed_at"}
AUDIT_STAGE_CHOICES = [("reported", _("Report submitted")), ("reviewed", _("Reviewed")), ("closed", _("Closed"))]


class AuditFilter(RegisteredFiltersMixin, django_filters.FilterSet):
    list_key = "inspections.audit"
    folded_filters = ("stage", "stage_from", "stage_to", "active_under")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=AuditStatus.choices)
    when = django_filters.ChoiceFilter(
        label=_("When"),
        choices=[("today", _("Today")), ("week", _("This week"))],
        method="filter_when",
    )
    stage = django_filters.ChoiceFilter(label=_("Stage reached"), choices=AUDIT_STAGE_CHOICES, method="filter_stage")
    stage_from = django_filters.DateFilter(label=_("Reached from"), method="filter_stage")
    stage_to = django_filters.DateFilter(label=_("Reached to"), method="filter_stage")

    class Meta:
        model = Audit
        fields = ["status", "kind", "when", "stage", "stage_from", "stage_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.request is not None and not access.is_ministry(self.request.user):
            self.filters.pop("kind")  # filtering by kind would tell an agency which audit came from a complaint

    def filter_when(self, queryset, name, value):
        if value == "today":
            return queryset.filter(scheduled_on=today())
        monday, sunday = week_of(today())
        return queryset.filter(scheduled_on__gte=monday, scheduled_on__lte=sunday)

    def filter_stage(self, queryset, name, value):
        """Applied once, when the stage is named: the audits that reached it on a day of the period."""
        if name != "stage" or not value:
            return queryset
        field = AUDIT_STAGES[value]
        period = moment_within(field, self.form.cleaned_data.get("stage_from"), self.form.cleaned_data.get("stage_to"))
        return queryset.filter(Q(**{f"{field}__isnull": False}) & period)


class FindingFilter(RegisteredFiltersMixin, django_filters.FilterSet):
    list_key = "inspections.finding"
    folded_filters = ("active_under",)
    severity = django_filters.ChoiceFilter(label=_("Severity"), choices=Severity.choices)
    category = django_filters.ChoiceFilter(label=_("Category"), choices=ChecklistCategory.choices, field_name="item__category")
    recorded_from = django_filters.DateFilter(label=_("Recorded from"), method="filter_recorded")
    recorded_to = django_filters.DateFilter(label=_("Recorded to"), method="filter_recorded")

    class Meta:
        model = Finding
        fields = ["severity", "category", "recorded_from", "recorded_to"]

    def filter_recorded(self, queryset, name, value):
        start, end = (value, None) if name == "recorded_from" else (None, value)
        return queryset.filter(moment_within("created_at", start, end))


ACTION_OUTCOME_CHOICES = [
    ("on_time", _("Closed on time")),
    ("late", _("Closed late")),
    ("open", _("Still open")),
]


def action_outcome_q(outcome: str) -> Q:
    """Closed: accepted by the inspector; on time when accepted on or before the due date (in Maseru). The actions must
    carry ``decided_on``, the Maseru day of the decision (``with_decided_on``)."""
    accepted = Q(status=ActionStatus.ACCEPTED)
    if outcome == "on_time":
        return accepted & Q(decided_on__lte=F("due_on"))
    if outcome == "late":
        return accepted & Q(decided_on__gt=F("due_on"))
    return ~accepted


def with_decided_on(actions):
    return actions.annotate(decided_on=TruncDate("decided_at"))


class CorrectiveActionFilter(RegisteredFiltersMixin, django_filters.FilterSet):
    list_key = "inspections.corrective_action"
    folded_filters = ("active_under",)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ActionStatus.choices)
    outcome = django_filters.ChoiceFilter(label=_("Outcome"), choices=ACTION_OUTCOME_CHOICES, method="filter_outcome")
    due_from = django_filters.DateFilter(label=_("Due from"), field_name="due_on", lookup_expr="gte")
    due_to = django_filters.DateFilter(label=_("Due by"), field_name="due_on", lookup_expr="lte")

    class Meta:
        model = CorrectiveAction
        fields = ["status", "outcome", "due_from", "due_to"]

    def filter_outcome(self, queryset, name, value):
        return with_decided_on(queryset).filter(action_outcome_q(value))
