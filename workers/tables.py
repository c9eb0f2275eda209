import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from core.lists import PersonalNumberColumn
from workers.models import Worker, WorkerImport


class WorkerTable(tables.Table):
    reference = tables.LinkColumn(
        "workers:worker_detail", args=[tables.A("pk")], verbose_name=_("Worker"), order_by=("pk",), accessor="reference"
    )
    last_name = tables.Column(verbose_name=_("Last name"))
    first_name = tables.Column(verbose_name=_("First name"))
    national_id = PersonalNumberColumn(verbose_name=_("National ID"))
    mobile = PersonalNumberColumn(verbose_name=_("Mobile"))
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


class WorkerImportTable(tables.Table):
    original_name = tables.LinkColumn("workers:import_detail", args=[tables.A("pk")], verbose_name=_("File"))
    agency = tables.Column(verbose_name=_("Agency"), order_by=("agency__legal_name",))
    uploaded_by = tables.Column(verbose_name=_("Uploaded by"), order_by=("uploaded_by__last_name", "uploaded_by__username"))
    created_at = tables.DateTimeColumn(verbose_name=_("Uploaded"), format="Y-m-d H:i")
    status = tables.Column(verbose_name=_("Status"))
    total_rows = tables.Column(verbose_name=_("Rows"))
    problem_count = tables.Column(verbose_name=_("Problems"))
    imported_rows = tables.Column(verbose_name=_("Workers registered"))

    # The uploader's name stays out of exports for roles without "personal_data.export".
    personal_columns = ("uploaded_by",)

    class Meta:
        model = WorkerImport
        fields = ["original_name", "agency", "uploaded_by", "created_at", "status", "total_rows", "problem_count",
                  "imported_rows"]
        order_by = ("-created_at",)

    def render_uploaded_by(self, value):
        return value.get_full_name() or value.username

    value_uploaded_by = render_uploaded_by
