import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from core.lists import DayColumn
from reports.models import GeneratedReport


class GeneratedReportTable(tables.Table):
    requested_at = tables.LinkColumn(
        "reports:report_detail", args=[tables.A("pk")], verbose_name=_("Requested"), order_by=("requested_at", "pk")
    )
    agreement = tables.Column(verbose_name=_("Agreement"), order_by=("agreement__reference",), default=_("All agreements"))
    start = DayColumn(verbose_name=_("From"))
    end = DayColumn(verbose_name=_("To"))
    format = tables.Column(verbose_name=_("Format"))
    requested_by = tables.Column(verbose_name=_("Requested by"), order_by=("requested_by__last_name", "requested_by__username"))
    status = tables.Column(verbose_name=_("Status"))

    # Who asked is a name: kept out of exports for roles without "personal_data.export".
    personal_columns = ("requested_by",)

    class Meta:
        model = GeneratedReport
        fields = ["requested_at", "agreement", "start", "end", "format", "requested_by", "status"]
        order_by = ("-requested_at",)

    def render_requested_at(self, value):
        from django.utils import timezone

        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"

    value_requested_at = render_requested_at

    def render_agreement(self, value):
        return value.reference

    value_agreement = render_agreement

    def render_format(self, record):
        return record.format.upper()

    value_format = render_format

    def render_requested_by(self, value):
        return value.get_full_name() or value.username

    value_requested_by = render_requested_by

    def render_status(self, record):
        if record.status == "running":
            return f"{record.get_status_display()} ({record.progress}%)"
        return record.get_status_display()

    value_status = render_status
