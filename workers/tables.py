import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from workers.models import Worker


class WorkerTable(tables.Table):
    reference = tables.LinkColumn(
        "workers:worker_detail", args=[tables.A("pk")], verbose_name=_("Worker"), order_by=("pk",), accessor="reference"
    )
    last_name = tables.Column(verbose_name=_("Last name"))
    first_name = tables.Column(verbose_name=_("First name"))
    national_id = tables.Column(verbose_name=_("National ID"))
    mobile = tables.Column(verbose_name=_("Mobile"))
    district = tables.Column(verbose_name=_("District"))
    agencies = tables.Column(verbose_name=_("Agencies"), accessor="pk", orderable=False, empty_values=())

    # Names, identity numbers and phones stay out of exports for roles without "personal_data.export".
    personal_columns = ("last_name", "first_name", "national_id", "mobile")

    class Meta:
        model = Worker
        fields = ["reference", "last_name", "first_name", "national_id", "mobile", "district", "agencies"]

    def render_agencies(self, record):
        # ``open_links`` is prefetched by the view with only the links the user may see.
        return ", ".join(str(link.agency) for link in record.open_links) or "—"

    value_agencies = render_agencies
