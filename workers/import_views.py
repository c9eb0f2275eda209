"""Screens of bulk registration: upload a file, read its report, confirm the import, see past imports and download
the full problem report."""

import itertools

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from agencies.models import Agency
from agencies.services import can_recruit
from core import access
from core.access import Role, requires
from core.lists import RecordListView, stream_csv
from workers import importing
from workers.filters import WorkerImportFilter
from workers.models import ImportStatus, WorkerImport
from workers.tables import WorkerImportTable


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("A CSV file (UTF-8) or an Excel workbook (.xlsx), with a header row."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if Role.REGISTRAR in access.roles_of(user):
            self.fields["agency"] = forms.ModelChoiceField(
                label=gettext_lazy("Agency"), queryset=Agency.objects.order_by("legal_name"),
                help_text=gettext_lazy("Every worker in the file is linked to this agency."),
            )
            self.order_fields(["agency"])

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a CSV file (.csv) or an Excel workbook (.xlsx)."))
        if upload.size > importing.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than %(size)d MB; split it into smaller files.")
                                        % {"size": importing.MAX_UPLOAD_BYTES // 1_000_000})
        return upload


@requires("workers.register")
def import_start(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
    own_agency = access.agency_id_of(request.user)
    refused = own_agency is not None and "agency" not in form.fields and not can_recruit(own_agency)
    if request.method == "POST" and form.is_valid():
        agency = form.cleaned_data.get("agency")
        try:
            worker_import = importing.start_import(
                by=request.user, agency_id=agency.pk if agency else own_agency, upload=form.cleaned_data["file"]
            )
        except PermissionDenied:
            raise
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("workers:import_detail", pk=worker_import.pk)
    return render(request, "workers/import_start.html", {
        "form": form,
        "refused": refused,
        "columns": importing.COLUMNS,
        "max_rows": importing.MAX_ROWS,
        "page_title": _("Register workers from a file"),
        "cancel_url": reverse("workers:worker_list"),
    })


@requires("workers.register")
def import_detail(request, pk):
    worker_import = access.get_visible_or_404(request.user, WorkerImport.objects.select_related("agency", "uploaded_by"),
                                              pk=pk)
    return render(request, "workers/import_detail.html", {
        "record": worker_import,
        "statuses": ImportStatus,
        "page_title": _("Workers from %(name)s") % {"name": worker_import.original_name},
        "more_problems": max(worker_import.problem_count - len(worker_import.problems), 0),
        "written": importing.import_progress(worker_import.pk) if worker_import.status == ImportStatus.IMPORTING else None,
    })


@requires("workers.register")
@require_POST
def import_confirm(request, pk):
    worker_import = access.get_visible_or_404(request.user, WorkerImport.objects.all(), pk=pk)
    if importing.confirm_import(by=request.user, import_id=worker_import.pk):
        messages.success(request, _("The import has started."))
    else:
        messages.error(request, _("Only a checked file without problems can be imported, and only once."))
    return redirect("workers:import_detail", pk=worker_import.pk)


class ImportListView(RecordListView):
    """Past imports: agency staff see their agency's, registrars every agency's."""

    capability = "workers.register"
    table_class = WorkerImportTable
    filterset_class = WorkerImportFilter
    export_name = "worker-imports"
    page_title = gettext_lazy("Workers imported from files")
    create_url_name = "workers:import_start"
    create_capability = "workers.register"

    def get_queryset(self):
        # The stored problems (up to 1,000 per import) are not needed on the list.
        return (
            WorkerImport.objects.visible_to(self.request.user)
            .select_related("agency", "uploaded_by")
            .defer("problems")
            .order_by("-created_at", "-pk")
        )


@requires("workers.register")
def import_problems(request, pk):
    """Every problem the check found, as CSV (row, column, problem), with spreadsheet formulas neutralised."""
    worker_import = access.get_visible_or_404(request.user, WorkerImport.objects.all(), pk=pk)
    header = [[_("Row"), _("Column"), _("Problem")]]
    rows = importing.problem_rows(worker_import)
    return stream_csv(itertools.chain(header, rows), f"worker-import-{worker_import.pk}-problems.csv")
