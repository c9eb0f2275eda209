import datetime

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm_log.models import StateLog

from contracts.models import Agreement, Contract, ContractStatus, Employer, JobOrder
from core.dates import today
from core.text import normalise_reference
from workers.models import Worker

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


def day_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The first moment of ``start`` and the first moment after ``end``, in Maseru time (periods are whole local days)."""
    zone = timezone.get_current_timezone()
    first = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    after = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return first, after


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


def _agreements(request):
    """Only the agreements the user may see (agency staff never see drafts)."""
    if request is None:
        return Agreement.objects.none()
    return Agreement.objects.visible_to(request.user)


class ContractFilter(django_filters.FilterSet):
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

    class Meta:
        model = Contract
        fields = ["q", "status", "agreement", "overdue", "milestone", "milestone_from", "milestone_to", "abroad_on"]

    def search(self, queryset, name, value):
        """Workers first, then their contracts (one OR across both tables can use no index and scans them all).

        A number (reference, national ID, passport) matches a handful of rows: their contracts are collected and
        the page sorts those few. A name prefix may match tens of thousands of contracts: then the contracts are
        read newest first and kept while their worker matches, so the database stops after one page.
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
        return queryset.filter(worker__in=Worker.objects.filter(last_name__istartswith=value).values("pk"))

    def filter_overdue(self, queryset, name, value):
        if value:
            return queryset.overdue_return(today())
        return queryset

    def filter_milestone(self, queryset, name, value):
        """Applied once, when the milestone is named; an open end of the range reaches back to 2000 or on to today."""
        if name != "milestone" or not value:
            return queryset
        start = self.form.cleaned_data.get("milestone_from") or datetime.date(2000, 1, 1)
        end = self.form.cleaned_data.get("milestone_to") or today()
        if value in LOGGED_MILESTONES:
            return queryset.filter(Exists(logged_milestone_log(value, start, end).filter(object_id=OuterRef("pk"))))
        return queryset.filter(dated_milestone_q(value, start, end))

    def filter_abroad(self, queryset, name, value):
        return queryset.filter(abroad_q(value)) if value else queryset


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
