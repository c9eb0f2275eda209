"""Screens of compliance reports: ask for one, watch it being prepared, download it, see past reports, and read
the figures on screen. Ministry only: agency staff have no capability here and no report is ever theirs."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import access
from core.access import requires
from core.lists import RecordListView
from reports import services
from reports.dashboard import followable
from reports.figures import ReportRequestError
from reports.filters import GeneratedReportFilter
from reports.forms import PeriodForm, ReportRequestForm
from reports.models import GeneratedReport, ReportFormat
from reports.pdf import SECTION_TITLES
from reports.tables import GeneratedReportTable


class ReportListView(RecordListView):
    """Every report generated, newest first: what was asked, by whom, when, and how it went."""

    capability = "reports.view"
    table_class = GeneratedReportTable
    filterset_class = GeneratedReportFilter
    export_name = "compliance-reports"
    page_title = gettext_lazy("Compliance reports")
    create_url_name = "reports:report_new"
    create_capability = "reports.generate"

    def get_queryset(self):
        return (
            GeneratedReport.objects.visible_to(self.request.user)
            .select_related("agreement", "requested_by")
            .order_by("-requested_at", "-pk")
        )


@requires("reports.generate")
def report_new(request):
    form = ReportRequestForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            agreement = form.cleaned_data["agreement"]
            try:
                report = services.request_report(
                    by=request.user,
                    agreement_reference=agreement.reference if agreement else None,
                    start=form.cleaned_data["start"],
                    end=form.cleaned_data["end"],
                    report_format=form.cleaned_data["format"],
                )
            except ReportRequestError as error:  # the agreement went away between the check and the save
                form.add_error(None, str(error))
            else:
                return redirect("reports:report_detail", pk=report.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "reports/report_new.html",
        {"form": form, "page_title": _("Generate a compliance report"), "cancel_url": reverse("reports:report_list")},
        status=status,
    )


@requires("reports.view")
def report_detail(request, pk):
    report = access.get_visible_or_404(request.user, GeneratedReport.objects.select_related("agreement", "requested_by"), pk=pk)
    return render(
        request,
        "reports/report_detail.html",
        {
            "record": report,
            "page_title": _("Compliance report: %(agreement)s, %(start)s to %(end)s")
            % {"agreement": report.agreement_label, "start": f"{report.start:%Y-%m-%d}", "end": f"{report.end:%Y-%m-%d}"},
            "figures_query": _figures_query(report),
        },
    )


def _figures_query(report: GeneratedReport) -> str:
    return urlencode({"agreement": report.agreement_id or "", "start": report.start.isoformat(), "end": report.end.isoformat()})


@requires("reports.view")
def report_download(request, pk):
    report = access.get_visible_or_404(request.user, GeneratedReport.objects.select_related("agreement"), pk=pk)
    if not report.is_ready:
        raise Http404
    try:
        stream = report.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(stream, as_attachment=True, filename=report.download_name, content_type=report.content_type)


def _cells(user, table) -> list[list[dict]]:
    """Each row's cells with their column and the list behind the number, when ``user`` may open that list."""
    return [
        [
            {"column": column, "value": value, "link": link if followable(user, link) else ""}
            for column, value, link in zip(
                table.columns, row, (table.link(index, position) for position in range(len(row))), strict=False
            )
        ]
        for index, row in enumerate(table.rows)
    ]


@requires("reports.view")
def figures_page(request):
    """The figures of a report on screen, as HTML tables of the same figures object the files render."""
    asked = "start" in request.GET or "end" in request.GET
    form = PeriodForm(request.GET if asked else None, user=request.user)
    figures = None
    if asked and form.is_valid():
        figures = services.figures_for(
            agreement_id=form.agreement_id, start=form.cleaned_data["start"], end=form.cleaned_data["end"]
        )
    sections = []
    if figures is not None:
        by_section: dict[str, list] = {}
        for table in figures.tables:
            by_section.setdefault(table.section, []).append(table)
        order = list(SECTION_TITLES)
        for section in sorted(by_section, key=lambda name: order.index(name) if name in order else len(order)):
            tables = [{"table": table, "rows": _cells(request.user, table)} for table in by_section[section]]
            sections.append({"title": SECTION_TITLES.get(section, section), "tables": tables})
    return render(
        request,
        "reports/figures.html",
        {
            "form": form,
            "figures": figures,
            "headline": [
                {"figure": figure, "link": figure.link if followable(request.user, figure.link) else ""}
                for figure in (figures.headline if figures else [])
            ],
            "sections": sections,
            "formats": ReportFormat.choices,
            "may_generate": access.can(request.user, "reports.generate"),
            "page_title": _("Compliance figures"),
        },
        status=400 if asked and form.errors else 200,
    )
