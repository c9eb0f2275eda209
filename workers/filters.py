import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.text import normalise_reference
from workers.models import ImportStatus, Worker, WorkerImport


class WorkerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", help_text=_("National ID, passport, phone or name"))

    class Meta:
        model = Worker
        fields = ["q", "district", "sex"]

    def search(self, queryset, name, value):
        value = value.strip()
        number = normalise_reference(value)
        digits = "".join(character for character in value if character.isdigit())
        condition = (
            Q(national_id=number)
            | Q(passport_number=number)
            | Q(last_name__icontains=value)
            | Q(first_name__icontains=value)
        )
        if len(digits) >= 6:
            # Phones are stored in E.164: match the local digits whatever way they were typed.
            condition |= Q(mobile__endswith=digits[-8:])
        parts = value.split()
        if len(parts) >= 2:
            condition |= Q(first_name__icontains=parts[0], last_name__icontains=parts[-1])
        return queryset.filter(condition)


class WorkerImportFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ImportStatus.choices)

    class Meta:
        model = WorkerImport
        fields = ["status"]
