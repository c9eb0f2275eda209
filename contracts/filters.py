import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contracts.models import Agreement, Contract, ContractStatus, Employer, JobOrder
from core.dates import today
from core.text import normalise_reference
from workers.models import Worker


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

    class Meta:
        model = Contract
        fields = ["q", "status", "agreement", "overdue"]

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
