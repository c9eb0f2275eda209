"""Screens of inspections: risk ranking, plans, audits and their checklist, findings and corrective actions,
sanction recommendations, inspectors' availability. Thin: fetch through the access module, call one service."""

from __future__ import annotations

import datetime

import django_tables2 as tables
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_fsm import can_proceed, has_transition_perm

from agencies.models import Agency
from agencies.services import StaleRecord
from core import access, registry
from core.access import requires
from core.actions import errors_to_messages, perform
from core.dates import today
from core.lists import DayColumn, RecordListView
from core.models import User
from inspections import services
from inspections.filters import AuditFilter, CorrectiveActionFilter, FindingFilter
from inspections.forms import (
    AnswerForm,
    AuditForm,
    ConflictForm,
    DecisionForm,
    EvidenceForm,
    HolidayForm,
    LeaveForm,
    NoteForm,
    PlanForm,
    PlanItemForm,
    ProfileForm,
    ReasonForm,
    RecommendationForm,
    ReportForm,
    ResponseForm,
    ScheduleForm,
    inspector_choices,
)
from inspections.models import (
    ActionStatus,
    Audit,
    AuditPlan,
    AuditStatus,
    ChecklistAnswer,
    Complaint,
    ConflictOfInterest,
    CorrectiveAction,
    Evidence,
    Finding,
    InspectorLeave,
    InspectorProfile,
    PlanItem,
    PlanStatus,
    PublicHoliday,
    SanctionRecommendation,
    only_inspector,
)
from inspections.risk import risk_scores

STALE_MESSAGE = gettext_lazy("Someone else changed this audit while you were looking at it. Check it and try again.")
UNPLACED_TEXT = {
    "no_inspectors": gettext_lazy("no inspector is available"),
    "all_inspectors_conflicted": gettext_lazy("every inspector declared a conflict of interest with this agency"),
    "only_last_inspector_eligible": gettext_lazy("only the inspector who audited it last is free of conflicts"),
    "only_last_inspector_free": gettext_lazy("only the inspector who audited it last still has a free day"),
    "no_capacity": gettext_lazy("no capacity left: the allowed inspectors' days are all taken"),
    "no_working_day": gettext_lazy("some inspectors have no working day free in the period (leave, bookings)"),
    "conflict_of_interest": gettext_lazy("some inspectors declared a conflict of interest"),
}


def _seen(request) -> str | None:
    return request.POST.get("seen_status") or None


# --- Risk ----------------------------------------------------------------------------------------------------


@requires("risk.view")
def risk_ranking(request):
    """Licensed agencies by risk score, each with the factors that make it."""
    scores = sorted(risk_scores().values(), key=lambda score: (-score.total, score.agency_id))
    page = Paginator(scores, 50).get_page(request.GET.get("page"))
    # Only the name the row shows (and the status the agency's state machine reads when a row is loaded).
    agencies = Agency.objects.only("pk", "status", *Agency.NAME_FIELDS).in_bulk([score.agency_id for score in page.object_list])
    rows = [{"agency": agencies[score.agency_id], "score": score} for score in page.object_list]
    return render(request, "inspections/risk_ranking.html", {"rows": rows, "page_obj": page, "page_title": _("Risk ranking")})


# --- Plans ---------------------------------------------------------------------------------------------------


@requires("audits.plan")
def plan_list(request):
    plans = AuditPlan.objects.annotate(item_count=Count("items")).select_related("created_by")[:50]
    return render(request, "inspections/plan_list.html", {"plans": plans, "page_title": _("Audit plans")})


@requires("audits.plan")
def plan_create(request):
    start = today() + datetime.timedelta(days=1)
    form = PlanForm(request.POST or None, initial={"starts_on": start, "ends_on": start + datetime.timedelta(days=90)})
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.propose_plan(
                by=request.user,
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                risk_threshold=form.cleaned_data["risk_threshold"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            return redirect("inspections:plan_detail", pk=plan.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "page_title": _("Plan audits for a period"),
            "submit_label": _("Propose a plan"),
            "cancel_url": reverse("inspections:plan_list"),
        },
    )


@requires("audits.plan")
def plan_detail(request, pk):
    plan = access.get_visible_or_404(request.user, AuditPlan.objects.all(), pk=pk)
    items = list(plan.items.select_related("agency", "inspector"))
    unplaced_agencies = Agency.objects.in_bulk([row["agency_id"] for row in plan.unplaced])
    unplaced = [
        {
            "agency": unplaced_agencies.get(row["agency_id"]),
            "reasons": [str(UNPLACED_TEXT.get(code, code)) for code in row["reasons"]],
        }
        for row in plan.unplaced
    ]
    inspectors = list(inspector_choices())
    return render(
        request,
        "inspections/plan_detail.html",
        {
            "plan": plan,
            "items": items,
            "unplaced": unplaced,
            "inspectors": inspectors,
            "proposed": plan.status == PlanStatus.PROPOSED,
            "load": sorted(
                ((inspector, sum(1 for item in items if item.inspector_id == inspector.pk)) for inspector in inspectors),
                key=lambda row: -row[1],
            ),
            "page_title": _("Audit plan %(start)s – %(end)s") % {"start": plan.starts_on, "end": plan.ends_on},
        },
    )


@requires("audits.plan")
@require_POST
def plan_item_change(request, pk):
    item = access.get_visible_or_404(request.user, PlanItem.objects.all(), pk=pk)
    form = PlanItemForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an inspector and a day."))
    else:
        try:
            services.change_plan_item(
                by=request.user, item_id=item.pk, inspector_id=form.cleaned_data["inspector"].pk, day=form.cleaned_data["day"]
            )
        except ValidationError as error:
            errors_to_messages(request, error)
        else:
            messages.success(request, _("The audit was moved."))
    return redirect("inspections:plan_detail", pk=item.plan_id)


@requires("audits.plan")
@require_POST
def plan_item_remove(request, pk):
    item = access.get_visible_or_404(request.user, PlanItem.objects.all(), pk=pk)
    try:
        services.remove_plan_item(by=request.user, item_id=item.pk)
    except ValidationError as error:
        errors_to_messages(request, error)
    return redirect("inspections:plan_detail", pk=item.plan_id)


@requires("audits.plan")
@require_POST
def plan_confirm(request, pk):
    plan = access.get_visible_or_404(request.user, AuditPlan.objects.all(), pk=pk)
    try:
        audits = services.confirm_plan(by=request.user, plan_id=plan.pk)
    except ValidationError as error:
        errors_to_messages(request, error)
        return redirect("inspections:plan_detail", pk=plan.pk)
    messages.success(request, _("The plan is confirmed: %(count)s audits are booked.") % {"count": len(audits)})
    return redirect(reverse("inspections:audit_list") + "?status=planned")


@requires("audits.plan")
@require_POST
def plan_discard(request, pk):
    plan = access.get_visible_or_404(request.user, AuditPlan.objects.all(), pk=pk)
    try:
        services.discard_plan(by=request.user, plan_id=plan.pk)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, _("The proposal was discarded."))
    return redirect("inspections:plan_list")


# --- Audits --------------------------------------------------------------------------------------------------


class AuditTable(tables.Table):
    reference = tables.LinkColumn("inspections:audit_detail", args=[tables.A("pk")], verbose_name=gettext_lazy("Audit"))
    agency = tables.Column(verbose_name=gettext_lazy("Agency"))
    kind = tables.Column(verbose_name=gettext_lazy("Kind"))
    scheduled_on = DayColumn(verbose_name=gettext_lazy("Date"))
    inspector = tables.Column(
        verbose_name=gettext_lazy("Inspector"), accessor="inspector__get_full_name", order_by="inspector__last_name"
    )
    status = tables.Column(verbose_name=gettext_lazy("Status"))

    class Meta:
        model = Audit
        fields = ["reference", "agency", "kind", "scheduled_on", "inspector", "status"]

    def render_kind(self, record):
        return record.kind_for(self.request.user)

    value_kind = render_kind


class AuditListView(RecordListView):
    """Chief inspector: every audit; inspectors: their own; agency staff: their agency's announced or started audits."""

    capability = "audits.view"
    table_class = AuditTable
    filterset_class = AuditFilter
    export_name = "audits"
    page_title = gettext_lazy("Audits")
    create_url_name = "inspections:audit_create"
    create_capability = "audits.plan"

    def get_queryset(self):
        return Audit.objects.visible_to(self.request.user).select_related("agency", "inspector").order_by("-scheduled_on", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if only_inspector(self.request.user):
            context["page_title"] = _("My audits")
        return context


class FindingTable(tables.Table):
    audit = tables.LinkColumn(
        "inspections:audit_detail", args=[tables.A("audit_id")], accessor="audit__reference", verbose_name=gettext_lazy("Audit")
    )
    agency = tables.Column(verbose_name=gettext_lazy("Agency"), accessor="audit__agency", order_by="audit__agency__legal_name")
    item = tables.Column(verbose_name=gettext_lazy("Checklist item"), accessor="item__code")
    category = tables.Column(verbose_name=gettext_lazy("Category"), accessor="item__get_category_display", orderable=False)
    severity = tables.Column(verbose_name=gettext_lazy("Severity"))
    created_at = DayColumn(verbose_name=gettext_lazy("Recorded"))
    closed_at = DayColumn(verbose_name=gettext_lazy("Closed"))

    class Meta:
        model = Finding
        fields = ["audit", "agency", "item", "category", "severity", "created_at", "closed_at"]


class FindingListView(RecordListView):
    """Findings of the audits the user may see (agency staff: their own, once the report is reviewed)."""

    capability = "audits.view"
    table_class = FindingTable
    filterset_class = FindingFilter
    export_name = "findings"
    page_title = gettext_lazy("Audit findings")

    def get_queryset(self):
        findings = Finding.objects.visible_to(self.request.user).select_related("audit__agency", "item")
        return findings.order_by("-created_at", "-pk")


class CorrectiveActionTable(tables.Table):
    audit = tables.LinkColumn(
        "inspections:audit_detail",
        args=[tables.A("finding__audit_id")],
        accessor="finding__audit__reference",
        verbose_name=gettext_lazy("Audit"),
    )
    agency = tables.Column(
        verbose_name=gettext_lazy("Agency"), accessor="finding__audit__agency", order_by="finding__audit__agency__legal_name"
    )
    description = tables.Column(verbose_name=gettext_lazy("What the agency must do"))
    due_on = DayColumn(verbose_name=gettext_lazy("Due"))
    status = tables.Column(verbose_name=gettext_lazy("Status"))
    decided_at = DayColumn(verbose_name=gettext_lazy("Decided"))

    class Meta:
        model = CorrectiveAction
        fields = ["audit", "agency", "description", "due_on", "status", "decided_at"]

    def render_description(self, value):
        return value if len(value) <= 80 else value[:79] + "…"


class CorrectiveActionListView(RecordListView):
    """Corrective actions of the findings the user may see, soonest due first."""

    capability = "audits.view"
    table_class = CorrectiveActionTable
    filterset_class = CorrectiveActionFilter
    export_name = "corrective-actions"
    page_title = gettext_lazy("Corrective actions")

    def get_queryset(self):
        return (
            CorrectiveAction.objects.visible_to(self.request.user)
            .select_related("finding__audit__agency")
            .order_by("-due_on", "-pk")
        )


@requires("audits.plan")
def audit_create(request):
    complaint = None
    if request.GET.get("complaint", "").isdigit():
        complaint = access.visible_to(request.user, Complaint.objects.all()).filter(pk=request.GET["complaint"]).first()
    initial = {"agency": complaint.agency_id, "kind": "complaint", "announced": False} if complaint else {}
    form = AuditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            audit = services.create_audit(
                by=request.user,
                agency_id=form.cleaned_data["agency"].pk,
                inspector_id=form.cleaned_data["inspector"].pk,
                day=form.cleaned_data["day"],
                kind=form.cleaned_data["kind"],
                announced=form.cleaned_data["announced"],
                complaint_id=complaint.pk if complaint else None,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Audit %(reference)s is booked.") % {"reference": audit.reference})
            return redirect("inspections:audit_detail", pk=audit.pk)
    return render(
        request,
        "core/form_page.html",
        {"form": form, "page_title": _("Book an audit"), "cancel_url": reverse("inspections:audit_list")},
    )


def _may(audit: Audit, transition: str, user) -> bool:
    method = getattr(audit, transition)
    return can_proceed(method) and has_transition_perm(method, user)


@requires("audits.view")
def audit_detail(request, pk):
    audit = access.get_visible_or_404(
        request.user, Audit.objects.select_related("agency", "inspector", "complaint", "follow_up_of"), pk=pk
    )
    user = request.user
    own = audit.inspector_id == user.pk
    findings = (
        access.visible_to(user, Finding.objects.filter(audit=audit))
        .select_related("item")
        .prefetch_related(
            Prefetch("actions", queryset=CorrectiveAction.objects.prefetch_related("evidence").order_by("due_on", "pk"))
        )
    )
    answers = audit.answers.select_related("item").prefetch_related("evidence") if access.is_ministry(user) else []
    may_decide_actions = access.can(user, "audits.review") or (own and access.can(user, "audits.conduct"))
    context = {
        "audit": audit,
        "kind": audit.kind_for(user),
        "answers": answers,
        "findings": findings,
        "today": today(),
        "recommendations": audit.recommendations.all() if access.is_ministry(user) else [],
        "may_schedule": _may(audit, "schedule", user),
        "may_start": own and _may(audit, "start", user),
        "may_fill": own and audit.status == AuditStatus.IN_PROGRESS and access.can(user, "audits.conduct"),
        "may_cancel": _may(audit, "cancel", user),
        "may_review": _may(audit, "review", user),
        "may_close": _may(audit, "close", user),
        "may_recommend": access.can(user, "audits.recommend")
        and audit.status in (AuditStatus.REVIEWED, AuditStatus.CLOSED)
        and audit.findings.filter(severity="critical").exists(),
        "may_respond": access.can(user, "audits.respond"),
        "may_decide_actions": may_decide_actions,
        "schedule_form": ScheduleForm(initial={"announced": audit.announced}),
        "reason_form": ReasonForm(),
        "note_form": NoteForm(),
        "response_form": ResponseForm(),
        "decision_form": DecisionForm(),
        "recommendation_form": RecommendationForm(),
        "sections": registry.sections_for(request, audit),
        "page_title": _("Audit %(reference)s") % {"reference": audit.reference},
    }
    return render(request, "inspections/audit_detail.html", context)


def _audit_action(request, pk, act, done):
    audit = access.get_visible_or_404(request.user, Audit.objects.all(), pk=pk)
    return perform(
        request,
        lambda: act(audit),
        done=done,
        then=reverse("inspections:audit_detail", args=[audit.pk]),
        stale_message=STALE_MESSAGE,
    )


def _reason(request) -> str:
    form = ReasonForm(request.POST)
    return form.cleaned_data["reason"] if form.is_valid() else ""


@requires("audits.plan")
@require_POST
def audit_schedule(request, pk):
    announced = request.POST.get("announced") in ("on", "true", "1")
    return _audit_action(
        request,
        pk,
        lambda audit: services.schedule_audit(
            by=request.user, audit_id=audit.pk, announced=announced, seen_status=_seen(request)
        ),
        _("The audit is scheduled."),
    )


@requires("audits.conduct")
@require_POST
def audit_start(request, pk):
    return _audit_action(
        request,
        pk,
        lambda audit: services.start_audit(by=request.user, audit_id=audit.pk, seen_status=_seen(request)),
        _("The audit has started: fill the checklist."),
    )


@requires("audits.plan")
@require_POST
def audit_cancel(request, pk):
    return _audit_action(
        request,
        pk,
        lambda audit: services.cancel_audit(
            by=request.user, audit_id=audit.pk, reason=_reason(request), seen_status=_seen(request)
        ),
        _("The audit was cancelled."),
    )


@requires("audits.review")
@require_POST
def audit_review(request, pk):
    note = request.POST.get("note", "")[:2000]
    return _audit_action(
        request,
        pk,
        lambda audit: services.review_audit(by=request.user, audit_id=audit.pk, note=note, seen_status=_seen(request)),
        _("The report is reviewed; the agency now sees the findings."),
    )


@requires("audits.review")
@require_POST
def audit_send_back(request, pk):
    return _audit_action(
        request,
        pk,
        lambda audit: services.send_back(by=request.user, audit_id=audit.pk, reason=_reason(request), seen_status=_seen(request)),
        _("The report was sent back to the inspector."),
    )


@requires("audits.review")
@require_POST
def audit_close(request, pk):
    return _audit_action(
        request,
        pk,
        lambda audit: services.close_audit(by=request.user, audit_id=audit.pk, seen_status=_seen(request)),
        _("The audit is closed."),
    )


@requires("audits.recommend")
@require_POST
def audit_recommend(request, pk):
    form = RecommendationForm(request.POST)

    def act(audit):
        if not form.is_valid():
            raise ValidationError(_("Choose the recommendation and give the reason."))
        services.recommend_sanction(
            by=request.user, audit_id=audit.pk, action=form.cleaned_data["action"], reason=form.cleaned_data["reason"]
        )

    return _audit_action(request, pk, act, _("The recommendation was sent to the licensing officers."))


@requires("audits.conduct")
def audit_checklist(request, pk):
    """The inspector's checklist, one block per item; save as a draft and come back, or submit the report."""
    audit = access.get_visible_or_404(request.user, Audit.objects.select_related("agency"), pk=pk)
    if audit.inspector_id != request.user.pk:
        raise PermissionDenied
    if audit.status != AuditStatus.IN_PROGRESS:
        messages.error(request, _("The checklist can only be filled while the audit is in progress."))
        return redirect("inspections:audit_detail", pk=audit.pk)
    answers = list(audit.answers.select_related("item").prefetch_related("evidence").order_by("item__order", "item__code"))
    data = request.POST if request.method == "POST" else None
    rows = [
        {
            "answer": answer,
            "form": AnswerForm(
                data,
                prefix=f"item-{answer.item_id}",
                initial={
                    "answer": answer.answer,
                    "severity": answer.severity,
                    "note": answer.note,
                    "action_required": answer.action_required,
                    "action_due_on": answer.action_due_on,
                },
            ),
        }
        for answer in answers
    ]
    report_form = ReportForm(data, initial={"workers_interviewed": audit.workers_interviewed, "summary": audit.summary})
    if request.method == "POST":
        if all(row["form"].is_valid() for row in rows) and report_form.is_valid():
            try:
                services.save_checklist(
                    by=request.user,
                    audit_id=audit.pk,
                    answers={row["answer"].item_id: row["form"].cleaned_data for row in rows},
                    workers_interviewed=report_form.cleaned_data["workers_interviewed"],
                    summary=report_form.cleaned_data["summary"],
                )
                if request.POST.get("action") == "submit":
                    services.submit_report(by=request.user, audit_id=audit.pk, seen_status=AuditStatus.IN_PROGRESS)
                    messages.success(request, _("The report was submitted to the chief inspector."))
                    return redirect("inspections:audit_detail", pk=audit.pk)
            except ValidationError as error:
                errors_to_messages(request, error)
            except StaleRecord:
                messages.error(request, STALE_MESSAGE)
            else:
                messages.success(request, _("The checklist was saved; you can come back to it."))
                return redirect("inspections:audit_checklist", pk=audit.pk)
        else:
            messages.error(request, _("Please correct the problems below."))
    return render(
        request,
        "inspections/checklist.html",
        {
            "audit": audit,
            "rows": rows,
            "report_form": report_form,
            "evidence_form": EvidenceForm(),
            "page_title": _("Checklist of audit %(reference)s") % {"reference": audit.reference},
        },
    )


@requires("audits.conduct")
@require_POST
def evidence_upload(request, pk):
    answer = access.get_visible_or_404(request.user, ChecklistAnswer.objects.select_related("audit"), pk=pk)
    if not access.visible_to(request.user, Audit.objects.filter(pk=answer.audit_id)).exists():
        raise PermissionDenied
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the photo or scan to add."))
    else:
        try:
            services.add_evidence(by=request.user, answer_id=answer.pk, upload=form.cleaned_data["file"])
        except ValidationError as error:
            errors_to_messages(request, error)
        else:
            messages.success(request, _("The evidence was added."))
    return redirect("inspections:audit_checklist", pk=answer.audit_id)


@requires("audits.view")
def evidence_download(request, pk):
    evidence = access.get_visible_or_404(request.user, Evidence.objects.all(), pk=pk)
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name or "evidence",
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Corrective actions ------------------------------------------------------------------------------------------------


def _action_redirect(action: CorrectiveAction):
    return redirect("inspections:audit_detail", pk=action.finding.audit_id)


@requires("audits.respond")
@require_POST
def action_respond(request, pk):
    action = access.get_visible_or_404(request.user, CorrectiveAction.objects.select_related("finding"), pk=pk)
    form = ResponseForm(request.POST, request.FILES)
    if not form.is_valid():
        # The form's own words: an empty or missing answer, or an unreadable file, each says what is wrong.
        for field, errors in form.errors.items():
            for error in errors:
                said = _("Say what you did to correct it.") if field == "response" else f"{form[field].label}: {error}"
                messages.error(request, said)
        return _action_redirect(action)
    uploads = [form.cleaned_data["evidence"]] if form.cleaned_data.get("evidence") else []
    try:
        services.respond_to_action(by=request.user, action_id=action.pk, response=form.cleaned_data["response"], uploads=uploads)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, _("Your answer was sent to the inspector."))
    return _action_redirect(action)


@requires("audits.decide_actions")
@require_POST
def action_decide(request, pk, decision):
    action = access.get_visible_or_404(request.user, CorrectiveAction.objects.select_related("finding"), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        errors_to_messages(request, ValidationError([error for errors in form.errors.values() for error in errors]))
        return _action_redirect(action)
    try:
        services.decide_action(
            by=request.user,
            action_id=action.pk,
            accept=decision == "accept",
            note=form.cleaned_data["note"],
            new_due_on=form.cleaned_data["new_due_on"],
        )
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(
            request, _("The answer was accepted.") if decision == "accept" else _("The answer was sent back to the agency.")
        )
    return _action_redirect(action)


@requires("audits.respond")
def my_actions(request):
    """The agency's corrective actions to answer, oldest due first."""
    actions = (
        CorrectiveAction.objects.visible_to(request.user)
        .filter(status__in=[ActionStatus.OPEN, ActionStatus.RESPONDED])
        .select_related("finding__audit", "finding__item")
        .order_by("due_on", "pk")
    )
    return render(
        request, "inspections/my_actions.html", {"actions": actions, "today": today(), "page_title": _("Corrective actions")}
    )


# --- Sanction recommendations -----------------------------------------------------------------------------------------


@requires("licensing.sanction")
def recommendation_list(request):
    recommendations = SanctionRecommendation.objects.select_related("audit__agency", "recommended_by").order_by(
        "status", "-recommended_at"
    )
    return render(
        request,
        "inspections/recommendation_list.html",
        {"recommendations": recommendations[:200], "reason_form": ReasonForm(), "page_title": _("Sanction recommendations")},
    )


@requires("licensing.sanction")
@require_POST
def recommendation_decide(request, pk, decision):
    recommendation = access.get_visible_or_404(request.user, SanctionRecommendation.objects.all(), pk=pk)
    try:
        services.decide_recommendation(
            by=request.user, recommendation_id=recommendation.pk, accept=decision == "accept", note=_reason(request)
        )
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(
            request, _("The licence decision was recorded.") if decision == "accept" else _("The recommendation was declined.")
        )
    return redirect("inspections:recommendation_list")


# --- Inspectors' availability ------------------------------------------------------------------------------------------


def _availability_target(request, pk: int | None) -> User:
    target = request.user if pk is None else User.objects.filter(pk=pk).first()
    if target is None or (target.pk != request.user.pk and not access.can(request.user, "audits.plan")):
        raise PermissionDenied
    return target


@requires("inspectors.availability")
def availability(request, pk=None):
    """An inspector's leave and declared conflicts (their own; the chief inspector anyone's)."""
    target = _availability_target(request, pk)
    leave_form = LeaveForm(request.POST if request.POST.get("form") == "leave" else None)
    conflict_form = ConflictForm(request.POST if request.POST.get("form") == "conflict" else None)
    if request.method == "POST":
        try:
            if leave_form.is_bound and leave_form.is_valid():
                services.add_leave(by=request.user, inspector_id=target.pk, **leave_form.cleaned_data)
                messages.success(request, _("The leave was recorded."))
                return redirect(request.path)
            if conflict_form.is_bound and conflict_form.is_valid():
                services.declare_conflict(
                    by=request.user,
                    inspector_id=target.pk,
                    agency_id=conflict_form.cleaned_data["agency"].pk,
                    note=conflict_form.cleaned_data["note"],
                )
                messages.success(request, _("The conflict of interest was recorded."))
                return redirect(request.path)
        except ValidationError as error:
            errors_to_messages(request, error)
        except User.DoesNotExist:
            messages.error(request, _("This person is not an inspector."))
    return render(
        request,
        "inspections/availability.html",
        {
            "target": target,
            "leave": InspectorLeave.objects.filter(inspector=target, ends_on__gte=today()),
            "conflicts": ConflictOfInterest.objects.filter(inspector=target).select_related("agency"),
            "leave_form": leave_form,
            "conflict_form": conflict_form,
            "page_title": _("Availability of %(name)s") % {"name": target.get_full_name() or target.username},
        },
    )


@requires("audits.plan")
def inspector_list(request):
    people = (
        User.objects.filter(groups__name="inspector", is_active=True)
        .select_related("inspector_profile")
        .annotate(open_audits=Count("audits", filter=Q(audits__status__in=["planned", "scheduled", "in_progress"])))
        .order_by("last_name", "first_name")
    )
    return render(request, "inspections/inspector_list.html", {"people": people, "page_title": _("Inspectors")})


@requires("audits.plan")
def inspector_profile(request, pk):
    person = User.objects.filter(pk=pk, groups__name="inspector").first()
    if person is None:
        raise Http404
    profile = InspectorProfile.objects.filter(user=person).first() or InspectorProfile(user=person)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The inspector's profile was saved."))
        return redirect("inspections:inspector_list")
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "page_title": _("Planning profile of %(name)s") % {"name": person.get_full_name() or person.username},
            "cancel_url": reverse("inspections:inspector_list"),
        },
    )


@requires("audits.plan")
def holiday_list(request):
    """The public holidays the planner keeps free; the chief inspector adds a holiday declared for a year."""
    form = HolidayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        holiday = form.save()
        messages.success(request, _("%(name)s on %(day)s was added.") % {"name": holiday.name, "day": holiday.day})
        return redirect("inspections:holiday_list")
    holidays = PublicHoliday.objects.filter(
        day__gte=today() - datetime.timedelta(days=31), day__lte=today() + datetime.timedelta(days=731)
    )
    return render(
        request, "inspections/holiday_list.html", {"form": form, "holidays": holidays, "page_title": _("Public holidays")}
    )


@requires("audits.plan")
@require_POST
def holiday_remove(request, pk):
    holiday = access.get_visible_or_404(request.user, PublicHoliday.objects.all(), pk=pk)
    holiday.delete()
    messages.success(request, _("The holiday was removed."))
    return redirect("inspections:holiday_list")
