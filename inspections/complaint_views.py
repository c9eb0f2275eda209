"""Screens of workers' complaints. Thin: fetch through the access module, validate a form, call one service, say what
happened. Who complained is drawn only for those with ``complaints.identity``: the list and its export have no
complainant columns at all for anyone else, and the page says "Known to the inspectors"."""

from __future__ import annotations

import django_tables2 as tables
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, Value, When
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import access, registry
from core.access import requires
from core.dates import today
from core.lists import DayColumn, PersonalNumberColumn, RecordListView
from inspections import complaints
from inspections.complaint_forms import ComplaintFilter, ComplaintForm, DismissForm, ResolveForm, TriageForm
from inspections.models import OPEN_COMPLAINT_STATES, Audit, Complaint, ComplaintStatus

STALE_MESSAGE = gettext_lazy("Someone else changed this complaint while you were looking at it. Check it and try again.")
TIMELINESS_CLASSES = {"on_time": "status-approved", "due_soon": "status-pending", "late": "status-rejected"}
# Service error keys that the record form names differently.
FORM_FIELDS = {"worker": "worker_national_id"}


def _errors_to_form(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            field = FORM_FIELDS.get(field, field)
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error)


# --- The list -------------------------------------------------------------------------------------------------------


class ComplaintTable(tables.Table):
    reference = tables.LinkColumn("inspections:complaint_detail", args=[tables.A("pk")], verbose_name=gettext_lazy("Complaint"))
    agency = tables.Column(verbose_name=gettext_lazy("Agency"), order_by=("agency__trading_name", "agency__legal_name"))
    category = tables.Column(verbose_name=gettext_lazy("Kind"))
    received_at = DayColumn(verbose_name=gettext_lazy("Received"))
    due_on = DayColumn(verbose_name=gettext_lazy("Due"))
    timeliness = tables.Column(verbose_name=gettext_lazy("Timeliness"), empty_values=(), orderable=False)
    status = tables.Column(verbose_name=gettext_lazy("Status"))
    complainant = tables.Column(verbose_name=gettext_lazy("Complainant"), empty_values=(), orderable=False)
    complainant_phone = PersonalNumberColumn(verbose_name=gettext_lazy("Complainant's phone"), orderable=False)

    identity_columns = ("complainant", "complainant_phone")
    personal_columns = identity_columns

    class Meta:
        model = Complaint
        fields = [
            "reference",
            "agency",
            "category",
            "received_at",
            "due_on",
            "timeliness",
            "status",
            "complainant",
            "complainant_phone",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.on = today()

    def render_timeliness(self, record):
        code = record.timeliness(self.on)
        label = complaints.TIMELINESS_LABELS[code]
        return format_html('<span class="status-badge {}">{}</span>', TIMELINESS_CLASSES[code], label)

    def value_timeliness(self, record):
        return complaints.timeliness_label(record, self.on)

    def value_received_at(self, record):
        return f"{timezone.localdate(record.received_at):%Y-%m-%d}"

    def render_status(self, record):
        if record.escalated_at and record.status in OPEN_COMPLAINT_STATES:
            return _("%(status)s, escalated to the chief inspector") % {"status": record.get_status_display()}
        return record.get_status_display()

    def value_status(self, record):
        return self.render_status(record)

    def render_complainant(self, record):
        if record.worker_id:
            return f"{record.worker.full_name} ({record.worker.national_id})"
        return record.complainant_name or _("Not given")

    def value_complainant(self, record):
        return self.render_complainant(record)

    def value_complainant_phone(self, record):
        return record.complainant_phone.as_e164 if record.complainant_phone else ""


class ComplaintTableWithoutIdentity(ComplaintTable):
    """For roles without ``complaints.identity``: the complainant's columns do not exist, on screen or in the export."""

    class Meta(ComplaintTable.Meta):
        exclude = ComplaintTable.identity_columns


class ComplaintListView(RecordListView):
    capability = "complaints.view"
    filterset_class = ComplaintFilter
    export_name = "complaints"
    page_title = gettext_lazy("Complaints")
    create_url_name = "inspections:complaint_create"
    create_capability = "complaints.record"

    def get_table_class(self):
        return ComplaintTable if complaints.may_see_identity(self.request.user) else ComplaintTableWithoutIdentity

    def get_queryset(self):
        queryset = Complaint.objects.visible_to(self.request.user).select_related("agency")
        if complaints.may_see_identity(self.request.user):
            queryset = queryset.select_related("worker")
        # Open complaints escalated to the chief inspector come first, then the newest.
        return queryset.annotate(
            escalated_first=Case(
                When(Q(escalated_at__isnull=False, status__in=OPEN_COMPLAINT_STATES), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        ).order_by("escalated_first", "-received_at", "-pk")


# --- Recording ------------------------------------------------------------------------------------------------------


@requires("complaints.record")
def complaint_create(request):
    form = ComplaintForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            complaint = complaints.record_complaint(by=request.user, data=form.service_data())
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(
                request,
                _("Complaint %(reference)s was recorded; the answer is due by %(due_on)s.")
                % {"reference": complaint.reference, "due_on": f"{complaint.due_on:%Y-%m-%d}"},
            )
            return redirect("inspections:complaint_detail", pk=complaint.pk)
    return render(
        request,
        "inspections/complaints/complaint_form.html",
        {"form": form, "page_title": _("Record a complaint"), "cancel_url": reverse("inspections:complaint_list")},
    )


# --- The complaint's page ---------------------------------------------------------------------------------------------


@requires("complaints.view")
def complaint_detail(request, pk):
    identity = complaints.may_see_identity(request.user)
    related = ("agency", "worker", "recorded_by") if identity else ("agency", "recorded_by")
    complaint = access.get_visible_or_404(request.user, Complaint.objects.select_related(*related), pk=pk)
    on = today()
    code = complaint.timeliness(on)
    may_handle = access.can(request.user, "complaints.handle")
    is_open = complaint.status in OPEN_COMPLAINT_STATES
    sections = registry.sections_for(request, complaint)
    for item in sections:
        if item["section"].key == "core.history":
            item["context"] = {"entries": complaints.complaint_history(complaint, request.user)}
    return render(
        request,
        "inspections/complaints/complaint_detail.html",
        {
            "complaint": complaint,
            "show_identity": identity,
            "timeliness": complaints.TIMELINESS_LABELS[code],
            "timeliness_class": TIMELINESS_CLASSES[code],
            "days_left": (complaint.due_on - on).days,
            "days_late": (on - complaint.due_on).days,
            "escalated_open": is_open and complaint.escalated_at is not None,
            "may_triage": may_handle and complaint.status == ComplaintStatus.RECEIVED,
            "may_close": may_handle and is_open,
            "may_plan_audit": is_open and access.can(request.user, "audits.plan"),
            "audits": access.visible_to(request.user, Audit.objects.filter(complaint=complaint)).select_related("inspector"),
            "sections": sections,
            "page_title": _("Complaint %(reference)s") % {"reference": complaint.reference},
        },
    )


# --- Triage, resolve, dismiss -------------------------------------------------------------------------------------------

ACTIONS = {
    # action: (form, service, its text argument, page title, button, success message)
    "triage": (
        TriageForm,
        complaints.triage_complaint,
        "note",
        gettext_lazy("Take up complaint %(reference)s"),
        gettext_lazy("Mark as being looked into"),
        gettext_lazy("The complaint is being looked into."),
    ),
    "resolve": (
        ResolveForm,
        complaints.resolve_complaint,
        "outcome",
        gettext_lazy("Resolve complaint %(reference)s"),
        gettext_lazy("Resolve and tell the complainant"),
        gettext_lazy("The complaint was resolved."),
    ),
    "dismiss": (
        DismissForm,
        complaints.dismiss_complaint,
        "reason",
        gettext_lazy("Dismiss complaint %(reference)s"),
        gettext_lazy("Dismiss and tell the complainant"),
        gettext_lazy("The complaint was dismissed."),
    ),
}


def _handle(request, pk, action):
    form_class, service, field, title, button, success = ACTIONS[action]
    complaint = access.get_visible_or_404(request.user, Complaint.objects.all(), pk=pk)
    detail = redirect("inspections:complaint_detail", pk=complaint.pk)
    if request.method != "POST" and complaint.status not in OPEN_COMPLAINT_STATES:
        messages.error(request, _("This complaint is already closed (%(status)s).") % {"status": complaint.get_status_display()})
        return detail
    form = form_class(request.POST or None, initial={"seen_status": complaint.status})
    if request.method == "POST" and form.is_valid():
        try:
            service(
                by=request.user,
                complaint_id=complaint.pk,
                seen_status=form.cleaned_data["seen_status"] or None,
                **{field: form.cleaned_data[field]},
            )
        except complaints.StaleRecord:
            messages.error(request, STALE_MESSAGE)
            return detail
        except ValidationError as error:
            if not hasattr(error, "error_dict"):  # a refused change of state: the page says why
                for message in error.messages:
                    messages.error(request, message)
                return detail
            _errors_to_form(form, error)
        else:
            messages.success(request, success)
            return detail
    return render(
        request,
        "inspections/complaints/complaint_action.html",
        {
            "form": form,
            "complaint": complaint,
            "page_title": title % {"reference": complaint.reference},
            "submit_label": button,
            "danger": action == "dismiss",
            "cancel_url": reverse("inspections:complaint_detail", args=[complaint.pk]),
        },
    )


@requires("complaints.handle")
def complaint_triage(request, pk):
    return _handle(request, pk, "triage")


@requires("complaints.handle")
def complaint_resolve(request, pk):
    return _handle(request, pk, "resolve")


@requires("complaints.handle")
def complaint_dismiss(request, pk):
    return _handle(request, pk, "dismiss")
