import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, ApplicationStatus, Licence, LicenceApplication


class AgencyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")

    class Meta:
        model = Agency
        fields = ["q", "district", "status"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(legal_name__icontains=value) | Q(trading_name__icontains=value) | Q(registration_number__icontains=value)
        )


class ApplicationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ApplicationStatus.choices)

    class Meta:
        model = LicenceApplication
        fields = ["status", "kind"]


class LicenceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")

    class Meta:
        model = Licence
        fields = ["q", "status"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(number__icontains=value) | Q(agency__legal_name__icontains=value))
