"""Screens of workers. Thin: fetch through the access module, validate a form, call one service, say what happened."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from agencies.services import StaleRecord
from core import access, registry
from core.access import requires
from core.lists import RecordListView
from workers import services
from workers.filters import WorkerFilter
from workers.forms import ClaimForm, ConsentForm, EndLinkForm, WorkerEditForm, WorkerRegisterForm
from workers.models import AgencyWorker, Worker
from workers.tables import WorkerTable

STALE_MESSAGE = gettext_lazy(
    "Someone else changed this worker's details while you were editing them. Here are the details as now saved: "
    "make your correction again."
)


def _visible_links(user, **lookup):
    return access.visible_to(user, AgencyWorker.objects.all()).filter(**lookup).select_related("agency")


class WorkerListView(RecordListView):
    """Ministry: every worker; agency staff: the workers linked to their agency."""

    capability = "workers.view"
    table_class = WorkerTable
    filterset_class = WorkerFilter
    export_name = "workers"
    page_title = gettext_lazy("Workers")
    create_url_name = "workers:worker_register"
    create_capability = "workers.register"

    def get_queryset(self):
        links = _visible_links(self.request.user, ended_at__isnull=True)
        workers = Worker.objects.visible_to(self.request.user)
        agency_id = None if access.is_ministry(self.request.user) else access.agency_id_of(self.request.user)
        if agency_id is not None:
            # The agency's open links joined as well (at most one per worker): the database may then start from the
            # agency's workers instead of walking the register's million and asking of each whether it is theirs.
            workers = workers.filter(agency_links__agency_id=agency_id, agency_links__ended_at__isnull=True)
        return workers.prefetch_related(Prefetch("agency_links", queryset=links, to_attr="open_links")).order_by(
            "last_name", "first_name", "pk"
        )


def _acting_agency(request, form) -> int | None:
    """Agency staff act for their own agency; a registrar for the agency chosen on the form (or none)."""
    if "agency" in form.fields:
        agency = form.cleaned_data.get("agency")
        return agency.pk if agency else None
    return access.agency_id_of(request.user)


@requires("workers.register")
def worker_register(request):
    form = WorkerRegisterForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data.get(name) for name in services.WORKER_FIELDS}
        try:
            worker = services.register_worker(by=request.user, agency_id=_acting_agency(request, form), data=data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The worker %(reference)s was registered.") % {"reference": worker.reference})
            return redirect("workers:worker_detail", pk=worker.pk)
    return render(
        request,
        "workers/worker_register.html",
        {"form": form, "page_title": _("Register a worker"), "cancel_url": reverse("workers:worker_list")},
    )


@requires("workers.register")
def worker_claim(request):
    form = ClaimForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            worker = services.claim_worker(
                by=request.user,
                agency_id=_acting_agency(request, form),
                national_id=form.cleaned_data["national_id"],
                date_of_birth=form.cleaned_data["date_of_birth"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            message = _("The worker %(reference)s is now linked to the agency.") % {"reference": worker.reference}
            messages.success(request, message)
            return redirect("workers:worker_detail", pk=worker.pk)
    return render(
        request,
        "workers/worker_claim.html",
        {"form": form, "page_title": _("Claim a registered worker"), "cancel_url": reverse("workers:worker_list")},
    )


@requires("workers.register")
def worker_edit(request, pk):
    """Agency staff correct their linked workers' details, registrars any worker's (and only they the national ID)."""
    worker = access.get_visible_or_404(request.user, Worker.objects.all(), pk=pk)
    name = worker.full_name  # as saved: the form writes what was typed onto the instance
    form = WorkerEditForm(request.POST or None, instance=worker, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.update_worker(
                by=request.user, worker_id=worker.pk, data=form.editable_details(), seen=form.cleaned_data["seen"]
            )
        except StaleRecord:
            messages.error(request, STALE_MESSAGE)
            return redirect("workers:worker_edit", pk=worker.pk)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if changed:
                messages.success(request, _("The details of %(reference)s were saved.") % {"reference": worker.reference})
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("workers:worker_detail", pk=worker.pk)
    return render(
        request,
        "workers/worker_edit.html",
        {
            "form": form,
            "record": worker,
            "name": name,
            "page_title": _("Correct the details of %(reference)s") % {"reference": worker.reference},
            "cancel_url": reverse("workers:worker_detail", args=[worker.pk]),
        },
    )


@requires("workers.view")
def worker_detail(request, pk):
    worker = access.get_visible_or_404(request.user, Worker.objects.select_related("created_by"), pk=pk)
    services.record_view(by=request.user, worker_id=worker.pk)
    links = list(_visible_links(request.user, worker=worker).select_related("started_by", "ended_by"))
    may_end = access.can(request.user, "workers.end_link")
    return render(
        request,
        "workers/worker_detail.html",
        {
            "record": worker,
            "links": links,
            "end_form": EndLinkForm(auto_id="end_%s") if may_end else None,
            "may_edit": access.can(request.user, "workers.register"),
            "sections": registry.sections_for(request, worker),
        },
    )


@requires("workers.end_link")
@require_POST
def link_end(request, pk):
    link = access.get_visible_or_404(request.user, AgencyWorker.objects.all(), pk=pk)
    form = EndLinkForm(request.POST)
    if form.is_valid():
        try:
            services.end_link(by=request.user, link_id=link.pk, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The link between the agency and the worker was ended."))
            # Agency staff no longer see the worker once their agency's link ends.
            if not Worker.objects.visible_to(request.user).filter(pk=link.worker_id).exists():
                return redirect("workers:worker_list")
    else:
        messages.error(request, _("Give the reason for ending the link."))
    return redirect("workers:worker_detail", pk=link.worker_id)


@requires("workers.register")
@require_POST
def worker_consent(request, pk):
    worker = access.get_visible_or_404(request.user, Worker.objects.all(), pk=pk)
    form = ConsentForm(request.POST)
    if form.is_valid():
        services.record_consent(
            by=request.user, worker_id=worker.pk, consented=form.cleaned_data["consented"], method=form.cleaned_data["method"]
        )
        messages.success(request, _("The worker's answer about SMS was recorded."))
    else:
        messages.error(request, _("Say whether the worker agrees to SMS, and how they answered."))
    return redirect("workers:worker_detail", pk=worker.pk)
