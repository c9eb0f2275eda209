"""Screens of agreements, employers, job orders and contracts. Thin: fetch through the access module, validate a form,
call one service, say what happened."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_fsm import can_proceed, has_transition_perm

from agencies.services import can_recruit
from contracts import compliance, services
from contracts.filters import ContractFilter, EmployerFilter, JobOrderFilter
from contracts.forms import (
    AgreementForm,
    ContractForm,
    DepartureForm,
    EmployerForm,
    JobOrderForm,
    OptionalReasonForm,
    OverrideForm,
    ReasonForm,
    ReturnForm,
    SectorTermsFormSet,
    SignedCopyForm,
    TermsForm,
)
from contracts.models import (
    HOLDS_POSITION,
    Agreement,
    AgreementTerms,
    Contract,
    ContractStatus,
    Employer,
    JobOrder,
    JobOrderStatus,
)
from contracts.tables import ContractTable, EmployerTable, JobOrderTable
from core import access, registry
from core.access import requires
from core.actions import errors_to_messages, perform
from core.dates import today
from core.lists import RecordListView
from predeparture.services import training_gates


def _errors_to_form(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error)


def _seen(request) -> str | None:
    return request.POST.get("seen_status") or None


# --- Agreements ------------------------------------------------------------------------------------------------


@requires("agreements.view")
def agreement_list(request):
    agreements = Agreement.objects.visible_to(request.user).select_related("country").annotate(versions=Count("terms"))
    return render(
        request,
        "contracts/agreement_list.html",
        {
            "agreements": agreements,
            "page_title": _("Bilateral agreements"),
            "may_manage": access.can(request.user, "agreements.manage"),
        },
    )


@requires("agreements.view")
def agreement_detail(request, pk):
    agreement = access.get_visible_or_404(request.user, Agreement.objects.select_related("country"), pk=pk)
    versions = agreement.terms.prefetch_related("sectors__sector", "occupations", "required_courses").order_by("-effective_from")
    in_force = agreement.terms_on(today())
    may_manage = access.can(request.user, "agreements.manage")
    return render(
        request,
        "contracts/agreement_detail.html",
        {
            "agreement": agreement,
            "versions": [
                {
                    "terms": terms,
                    "current": in_force is not None and terms.pk == in_force.pk,
                    "editable": services.terms_editable(terms),
                }
                for terms in versions
            ],
            "may_manage": may_manage,
            "actions": [
                (url_name, label)
                for name, url_name, label in (
                    ("bring_into_force", "contracts:agreement_in_force", _("Bring into force")),
                    ("suspend", "contracts:agreement_suspend", _("Suspend")),
                    ("expire", "contracts:agreement_expire", _("Mark as expired")),
                )
                if may_manage and can_proceed(getattr(agreement, name))
            ],
            "reason_form": ReasonForm(),
            "sections": registry.sections_for(request, agreement),
            "page_title": str(agreement),
        },
    )


def _agreement_form(request, agreement: Agreement | None):
    form = AgreementForm(request.POST or None, instance=agreement)
    if request.method == "POST" and form.is_valid():
        agreement = form.save()
        messages.success(request, _("The agreement %(reference)s was saved.") % {"reference": agreement.reference})
        return redirect("contracts:agreement_detail", pk=agreement.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "page_title": _("Edit agreement %(reference)s") % {"reference": agreement.reference}
            if agreement
            else _("New agreement"),
            "cancel_url": reverse("contracts:agreement_list"),
        },
    )


@requires("agreements.manage")
def agreement_create(request):
    return _agreement_form(request, None)


@requires("agreements.manage")
def agreement_edit(request, pk):
    return _agreement_form(request, access.get_visible_or_404(request.user, Agreement.objects.all(), pk=pk))


@requires("agreements.manage")
@require_POST
def agreement_status(request, pk, action):
    agreement = access.get_visible_or_404(request.user, Agreement.objects.all(), pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason."))
        return redirect("contracts:agreement_detail", pk=agreement.pk)
    return perform(
        request,
        lambda: services.change_agreement_status(
            by=request.user,
            agreement_id=agreement.pk,
            action=action,
            reason=form.cleaned_data["reason"],
            seen_status=_seen(request),
        ),
        done=_("The agreement's status was changed."),
        then=reverse("contracts:agreement_detail", args=[agreement.pk]),
    )


def _terms_form(request, agreement: Agreement, terms: AgreementTerms | None):
    instance = terms or AgreementTerms(agreement=agreement, created_by=request.user)
    form = TermsForm(request.POST or None, instance=instance)
    formset = SectorTermsFormSet(request.POST or None, instance=instance, prefix="sectors")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            with transaction.atomic():
                locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
                services.check_new_terms_date(locked, form.cleaned_data["effective_from"], editing=terms)
                saved = form.save()
                formset.instance = saved
                formset.save()
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("The terms were saved."))
            return redirect("contracts:agreement_detail", pk=agreement.pk)
    return render(
        request,
        "contracts/terms_form.html",
        {
            "form": form,
            "formset": formset,
            "agreement": agreement,
            "page_title": _("Terms of %(reference)s") % {"reference": agreement.reference},
            "cancel_url": reverse("contracts:agreement_detail", args=[agreement.pk]),
        },
    )


@requires("agreements.manage")
def terms_create(request, pk):
    agreement = access.get_visible_or_404(request.user, Agreement.objects.all(), pk=pk)
    return _terms_form(request, agreement, None)


@requires("agreements.manage")
def terms_edit(request, pk):
    terms = access.get_visible_or_404(request.user, AgreementTerms.objects.select_related("agreement"), pk=pk)
    if not services.terms_editable(terms):
        messages.error(request, _("These terms are in force and may have judged contracts: add a new version instead."))
        return redirect("contracts:agreement_detail", pk=terms.agreement_id)
    return _terms_form(request, terms.agreement, terms)


# --- Employers ---------------------------------------------------------------------------------------------------


class EmployerListView(RecordListView):
    capability = "employers.view"
    table_class = EmployerTable
    filterset_class = EmployerFilter
    export_name = "employers"
    page_title = gettext_lazy("Foreign employers")
    create_url_name = "contracts:employer_create"
    create_capability = "employers.record"

    def get_queryset(self):
        return Employer.objects.select_related("country", "sector").order_by("name", "pk")


@requires("employers.view")
def employer_detail(request, pk):
    employer = access.get_visible_or_404(request.user, Employer.objects.select_related("country", "sector"), pk=pk)
    job_orders = access.visible_to(request.user, JobOrder.objects.filter(employer=employer)).select_related(
        "agency", "occupation"
    )
    return render(
        request,
        "contracts/employer_detail.html",
        {
            "employer": employer,
            "job_orders": job_orders[:50],
            "may_edit": access.can(request.user, "employers.manage"),
            "may_blacklist": access.can(request.user, "employers.blacklist"),
            "reason_form": ReasonForm(),
            "sections": registry.sections_for(request, employer),
            "page_title": employer.name,
        },
    )


def _employer_form(request, employer: Employer | None):
    form = EmployerForm(request.POST or None, instance=employer)
    if request.method == "POST" and form.is_valid():
        employer = form.save()
        messages.success(request, _("The employer %(name)s was saved.") % {"name": employer.name})
        return redirect("contracts:employer_detail", pk=employer.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "page_title": _("Edit %(name)s") % {"name": employer.name} if employer else _("New foreign employer"),
            "cancel_url": reverse("contracts:employer_list"),
        },
    )


@requires("employers.record")
def employer_create(request):
    return _employer_form(request, None)


@requires("employers.manage")
def employer_edit(request, pk):
    return _employer_form(request, access.get_visible_or_404(request.user, Employer.objects.all(), pk=pk))


@requires("employers.blacklist")
@require_POST
def employer_blacklist(request, pk, action):
    employer = access.get_visible_or_404(request.user, Employer.objects.all(), pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason."))
        return redirect("contracts:employer_detail", pk=employer.pk)
    change = services.blacklist_employer if action == "add" else services.lift_blacklist
    try:
        change(by=request.user, employer_id=employer.pk, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, _("The employer was blacklisted.") if action == "add" else _("The blacklisting was lifted."))
    return redirect("contracts:employer_detail", pk=employer.pk)


# --- Job orders ------------------------------------------------------------------------------------------------------


class JobOrderListView(RecordListView):
    capability = "job_orders.view"
    table_class = JobOrderTable
    filterset_class = JobOrderFilter
    export_name = "job-orders"
    page_title = gettext_lazy("Job orders")
    create_url_name = "contracts:job_order_create"
    create_capability = "job_orders.manage"

    def get_queryset(self):
        return (
            JobOrder.objects.visible_to(self.request.user)
            .select_related("agency", "employer", "occupation")
            .order_by("-submitted_at", "-pk")
        )


@requires("job_orders.manage")
def job_order_create(request):
    form = JobOrderForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = {name: value for name, value in form.cleaned_data.items() if name != "demand_letter"}
        try:
            job_order = services.record_job_order(by=request.user, data=data, demand_letter=form.cleaned_data["demand_letter"])
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Job order %(reference)s was sent to the ministry.") % {"reference": job_order.reference})
            return redirect("contracts:job_order_detail", pk=job_order.pk)
    return render(
        request,
        "contracts/job_order_form.html",
        {"form": form, "page_title": _("Record a job order"), "cancel_url": reverse("contracts:job_order_list")},
    )


@requires("job_orders.view")
def job_order_detail(request, pk):
    job_order = access.get_visible_or_404(
        request.user,
        JobOrder.objects.select_related("agency", "employer__country", "agreement", "occupation", "sector"),
        pk=pk,
    )
    contracts = access.visible_to(request.user, job_order.contracts.all()).select_related("worker")
    may_decide = job_order.status == JobOrderStatus.SUBMITTED and access.can(request.user, "job_orders.decide")
    return render(
        request,
        "contracts/job_order_detail.html",
        {
            "job_order": job_order,
            "taken": compliance.positions_taken(job_order.pk),
            "contracts": contracts if access.can(request.user, "contracts.view") else [],
            "may_decide": may_decide,
            "may_withdraw": access.can(request.user, "job_orders.manage") and can_proceed(job_order.withdraw),
            "decision_form": OptionalReasonForm(),
            "reason_form": ReasonForm(),
            "sections": registry.sections_for(request, job_order),
            "page_title": job_order.reference,
        },
    )


@requires("job_orders.decide")
@require_POST
def job_order_decide(request, pk, decision):
    job_order = access.get_visible_or_404(request.user, JobOrder.objects.all(), pk=pk)
    form = OptionalReasonForm(request.POST)
    form.is_valid()
    return perform(
        request,
        lambda: services.decide_job_order(
            by=request.user,
            job_order_id=job_order.pk,
            approve=decision == "approve",
            reason=form.cleaned_data.get("reason", ""),
            seen_status=_seen(request),
        ),
        done=_("The job order was approved.") if decision == "approve" else _("The job order was rejected."),
        then=reverse("contracts:job_order_detail", args=[job_order.pk]),
    )


@requires("job_orders.manage")
@require_POST
def job_order_withdraw(request, pk):
    job_order = access.get_visible_or_404(request.user, JobOrder.objects.all(), pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason."))
        return redirect("contracts:job_order_detail", pk=job_order.pk)
    return perform(
        request,
        lambda: services.withdraw_job_order(
            by=request.user, job_order_id=job_order.pk, reason=form.cleaned_data["reason"], seen_status=_seen(request)
        ),
        done=_("The job order was withdrawn."),
        then=reverse("contracts:job_order_detail", args=[job_order.pk]),
    )


@requires("job_orders.view")
def demand_letter(request, pk):
    job_order = access.get_visible_or_404(request.user, JobOrder.objects.all(), pk=pk)
    if not job_order.demand_letter:
        raise Http404
    return FileResponse(
        job_order.demand_letter.open("rb"),
        as_attachment=True,
        filename=job_order.demand_letter_name or f"{job_order.reference}-demand-letter",
        content_type=job_order.demand_letter_type,
    )


# --- Contracts ---------------------------------------------------------------------------------------------------------


class ContractListView(RecordListView):
    """Registrars: every contract, with the submitted ones as their queue; agency staff: their own."""

    capability = "contracts.view"
    table_class = ContractTable
    filterset_class = ContractFilter
    export_name = "contracts"
    page_title = gettext_lazy("Contracts")
    create_url_name = "contracts:contract_create"
    create_capability = "contracts.draft"

    def get_queryset(self):
        return (
            Contract.objects.visible_to(self.request.user)
            .select_related("worker", "agency", "employer__country")
            .defer("compliance")  # a kilobyte of rule results per row that the list never shows
            .order_by("-created_at", "-pk")
        )


def _contract_form(request, contract: Contract | None):
    agency_id = access.agency_id_of(request.user)
    if agency_id is None:
        raise PermissionDenied
    form = ContractForm(request.POST or None, instance=contract, agency_id=agency_id)
    results = compliance.stored_results(contract) if contract else None
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data.get(name) for name in form.Meta.fields}
        if request.POST.get("action") == "check":
            # The live check: the rules against the terms as typed, nothing saved.
            results = services.check_draft(by=request.user, data=data, contract=contract)
        else:
            try:
                saved = services.save_draft(by=request.user, data=data, contract_id=contract.pk if contract else None)
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(request, _("Contract %(reference)s was saved as a draft.") % {"reference": saved.reference})
                return redirect("contracts:contract_detail", pk=saved.pk)
    return render(
        request,
        "contracts/contract_form.html",
        {
            "form": form,
            "contract": contract,
            "results": results,
            "page_title": _("Correct contract %(reference)s") % {"reference": contract.reference}
            if contract
            else _("Draft a contract"),
            "cancel_url": reverse("contracts:contract_detail", args=[contract.pk])
            if contract
            else reverse("contracts:contract_list"),
        },
    )


@requires("contracts.draft")
def contract_create(request):
    return _contract_form(request, None)


@requires("contracts.draft")
def contract_edit(request, pk):
    contract = access.get_visible_or_404(request.user, Contract.objects.all(), pk=pk)
    if not contract.is_editable:
        messages.error(request, _("Only a draft or a contract returned for correction can be changed."))
        return redirect("contracts:contract_detail", pk=contract.pk)
    return _contract_form(request, contract)


def _may(contract: Contract, transition: str, user) -> bool:
    method = getattr(contract, transition)
    return can_proceed(method) and has_transition_perm(method, user)


@requires("contracts.view")
def contract_detail(request, pk):
    contract = access.get_visible_or_404(
        request.user,
        Contract.objects.select_related(
            "worker", "agency", "employer__country", "agreement__country", "job_order", "occupation", "sector", "clearance"
        ).prefetch_related(Prefetch("agency__licences")),
        pk=pk,
    )
    results = compliance.stored_results(contract)
    user = request.user
    clearance = getattr(contract, "clearance", None) if contract.status not in ("draft", "submitted", "returned") else None
    clearance_check = services.clearance_check(contract) if contract.status == ContractStatus.APPROVED else None
    context = {
        "contract": contract,
        "results": results,
        "errors": compliance.errors(results),
        "warnings": compliance.warnings(results),
        "licence_ok": can_recruit(contract.agency_id),
        "clearance": clearance,
        "clearance_check": clearance_check,
        "overdue": contract.is_overdue_return(today()),
        "may_edit": contract.is_editable and access.can(user, "contracts.draft"),
        "may_submit": _may(contract, "submit", user),
        "may_decide": _may(contract, "approve", user),
        "may_clear": _may(contract, "clear", user),
        "may_depart": _may(contract, "depart", user),
        "may_return": contract.status == ContractStatus.DEPLOYED and access.can(user, "contracts.movements"),
        "may_cancel": _may(contract, "cancel", user),
        "may_upload": contract.status in HOLDS_POSITION and access.can(user, "contracts.draft"),
        "has_document": contract.status in HOLDS_POSITION,
        "override_form": OverrideForm(),
        "reason_form": ReasonForm(),
        "departure_form": DepartureForm(initial={"departed_on": today()}),
        "return_form": ReturnForm(initial={"ended_on": today()}),
        "upload_form": SignedCopyForm(),
        "sections": registry.sections_for(request, contract),
        "page_title": _("Contract %(reference)s") % {"reference": contract.reference},
    }
    return render(request, "contracts/contract_detail.html", context)


def _contract_action(request, pk, act, done):
    contract = access.get_visible_or_404(request.user, Contract.objects.all(), pk=pk)
    return perform(request, lambda: act(contract), done=done, then=reverse("contracts:contract_detail", args=[contract.pk]))


def _reason(request) -> str:
    form = ReasonForm(request.POST)
    return form.cleaned_data["reason"] if form.is_valid() else ""


@requires("contracts.draft")
@require_POST
def contract_submit(request, pk):
    return _contract_action(
        request,
        pk,
        lambda contract: services.submit(by=request.user, contract_id=contract.pk, seen_status=_seen(request)),
        _("The contract was submitted to the ministry."),
    )


@requires("contracts.view")
@require_POST
def contract_recheck(request, pk):
    return _contract_action(
        request,
        pk,
        lambda contract: services.recheck(by=request.user, contract_id=contract.pk),
        _("The rules were checked again."),
    )


@requires("contracts.decide")
@require_POST
def contract_decide(request, pk, decision):
    def act(contract):
        if decision == "approve":
            services.approve(
                by=request.user,
                contract_id=contract.pk,
                override_reason=request.POST.get("override_reason", "")[:2000],
                seen_status=_seen(request),
            )
        elif decision == "return":
            services.return_for_correction(
                by=request.user, contract_id=contract.pk, reason=_reason(request), seen_status=_seen(request)
            )
        else:
            services.reject(by=request.user, contract_id=contract.pk, reason=_reason(request), seen_status=_seen(request))

    done = {
        "approve": _("The contract was approved; the worker is told by SMS."),
        "return": _("The contract was returned to the agency for correction."),
        "reject": _("The contract was rejected."),
    }[decision]
    return _contract_action(request, pk, act, done)


@requires("contracts.clear")
@require_POST
def contract_clear(request, pk):
    return _contract_action(
        request,
        pk,
        lambda contract: services.issue_clearance(by=request.user, contract_id=contract.pk, seen_status=_seen(request)),
        _("The deployment clearance was issued."),
    )


@requires("contracts.movements")
@require_POST
def contract_depart(request, pk):
    form = DepartureForm(request.POST)

    def act(contract):
        if not form.is_valid():
            raise ValidationError(_("Give the date of departure and the border post."))
        services.record_departure(
            by=request.user,
            contract_id=contract.pk,
            departed_on=form.cleaned_data["departed_on"],
            border_post=form.cleaned_data["border_post"],
            seen_status=_seen(request),
        )

    return _contract_action(request, pk, act, _("The departure was recorded."))


@requires("contracts.movements")
@require_POST
def contract_return(request, pk):
    form = ReturnForm(request.POST)

    def act(contract):
        if not form.is_valid():
            raise ValidationError([error for errors in form.errors.values() for error in errors])
        services.record_return(
            by=request.user,
            contract_id=contract.pk,
            outcome=form.cleaned_data["outcome"],
            ended_on=form.cleaned_data["ended_on"],
            border_post=form.cleaned_data["border_post"],
            reason=form.cleaned_data["reason"],
            seen_status=_seen(request),
        )

    return _contract_action(request, pk, act, _("The end of the contract was recorded."))


@requires("contracts.cancel")
@require_POST
def contract_cancel(request, pk):
    return _contract_action(
        request,
        pk,
        lambda contract: services.cancel(
            by=request.user, contract_id=contract.pk, reason=_reason(request), seen_status=_seen(request)
        ),
        _("The contract was cancelled."),
    )


@requires("contracts.draft")
@require_POST
def contract_upload(request, pk):
    form = SignedCopyForm(request.POST, request.FILES)

    def act(contract):
        if not form.is_valid():
            raise ValidationError(_("Choose the file of the signed copy."))
        services.upload_signed_copy(by=request.user, contract_id=contract.pk, upload=form.cleaned_data["file"])

    return _contract_action(request, pk, act, _("The signed copy was uploaded."))


@requires("contracts.draft")
def training_needed(request):
    """The agency's workers whose required training is not yet valid for their contract's start date.

    Worked out fresh (a certificate may have been issued since the rules last ran): the terms of the few
    agreements involved are read once, then the training gate runs for every pending contract at once (two
    queries, whatever their number).
    """
    pending = [ContractStatus.DRAFT, ContractStatus.RETURNED, ContractStatus.SUBMITTED, ContractStatus.APPROVED]
    contracts = list(
        Contract.objects.visible_to(request.user)
        .filter(status__in=pending)
        .select_related("worker", "employer")
        .order_by("start_date", "pk")[:200]
    )
    versions: dict[int, list[AgreementTerms]] = {}
    for terms in (
        AgreementTerms.objects.filter(agreement_id__in={c.agreement_id for c in contracts})
        .prefetch_related("required_courses")
        .order_by("-effective_from")
    ):
        versions.setdefault(terms.agreement_id, []).append(terms)
    asked = []
    for contract in contracts:
        terms = next((t for t in versions.get(contract.agreement_id, []) if t.effective_from <= contract.start_date), None)
        codes = [course.code for course in terms.required_courses.all()] if terms else []
        if codes:
            asked.append((contract, (contract.worker_id, codes, max(contract.start_date, today()))))
    gates = training_gates([question for _contract, question in asked])
    rows = [
        {"contract": contract, "problems": gate.explanation()}
        for (contract, _question), gate in zip(asked, gates, strict=True)
        if not gate.passed
    ]
    return render(request, "contracts/training_needed.html", {"rows": rows, "page_title": _("Workers who still need training")})
