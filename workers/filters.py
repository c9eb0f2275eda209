import django_filters
from django.utils.translation import gettext_lazy as _

from workers.models import ImportStatus, Worker, WorkerImport
from workers.queries import search_workers


class WorkerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", help_text=_("National ID, passport, phone or name"))

    class Meta:
        model = Worker
        fields = ["q", "district", "sex"]

    def search(self, queryset, name, value):
        return search_workers(queryset, value)


class WorkerImportFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ImportStatus.choices)

    class Meta:
        model = WorkerImport
        fields = ["status"]
