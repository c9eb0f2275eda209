import django_filters
from django.utils.translation import gettext_lazy as _

from contracts.models import Agreement
from reports.models import GeneratedReport, ReportFormat, ReportStatus


class GeneratedReportFilter(django_filters.FilterSet):
    agreement = django_filters.ModelChoiceFilter(label=_("Agreement"), queryset=Agreement.objects.all())
    format = django_filters.ChoiceFilter(label=_("Format"), choices=ReportFormat.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ReportStatus.choices)

    class Meta:
        model = GeneratedReport
        fields = ["agreement", "format", "status"]
