"""Use cases of agreements, employers, job orders, contracts and clearances.

Every change of state follows the recipe of agencies.services: lock the
record, compare the state the user saw, check, transition, save and tell the
worker (SMS, queued in the same transaction), all in one transaction.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agencies.services import StaleRecord, _apply, _reason_required, can_recruit
from contracts import compliance
from contracts.models import (
    EDITABLE_STATES,
    HOLDS_POSITION,
    Agreement,
    AgreementTerms,
    Contract,
    ContractStatus,
    DeploymentClearance,
    Employer,
    JobOrder,
)
from core import access
from core.dates import today
from core.models import User
from core.numbers import create_numbered
from core.uploads import check_document, display_name
from predeparture.services import tell_worker, training_gate
from workers.models import AgencyWorker, Worker

# The fields of a contract its agency drafts; the rest are set by the services.
CONTRACT_FIELDS = (
    "worker",
    "job_order",
    "employer",
    "agreement",
    "occupation",
    "sector",
    "job_title",
    "work_place",
    "wage_amount",
    "currency",
    "wage_period",
    "days_per_month",
    "hours_per_week",
    "start_date",
    "end_date",
    "recruitment_fee",
    "deferred_pay_percent",
    "accommodation_provided",
    "transport_provided",
    "insurer",
    "insurance_policy",
    "insurance_until",
    "medical_on",
    "medical_until",
)
# Filled from the job order when the draft leaves them empty.
FROM_JOB_ORDER = ("employer", "agreement", "occupation", "sector", "work_place")


def _day(value: datetime.date) -> str:
    return date_format(value, "j F Y")  # in full: an SMS reader should not have to decode an abbreviation


# --- Agreements --------------------------------------------------------------------------------------


@transaction.atomic
def change_agreement_status(
    *, by: User, agreement_id: int, action: str, reason: str, seen_status: str | None = None
) -> Agreement:
    """Bring into force, suspend or expire an agreement (a reason is kept with each change)."""
    access.check(by, "agreements.manage")
    reason = _reason_required(reason)
    agreement = Agreement.objects.select_for_update().get(pk=agreement_id)
    if action == "bring_into_force" and not agreement.terms.exists():
        raise ValidationError(_("Record the agreement's terms before bringing it into force."))
    refusals = {
        "bring_into_force": _("Only a draft or suspended agreement can be brought into force."),
        "suspend": _("Only an agreement in force can be suspended."),
        "expire": _("This agreement has already expired."),
    }
    if action not in refusals:
        raise ValidationError(_("Unknown action."))
    _apply(agreement, action, by, reason, seen_status, refusals[action])
    return agreement


def terms_editable(terms: AgreementTerms) -> bool:
    """A version already in force may have judged contracts: it is kept as it was; change it by adding a new version."""
    return terms.agreement.status == "draft" or terms.effective_from > today()


def check_new_terms_date(agreement: Agreement, effective_from: datetime.date, editing: AgreementTerms | None = None) -> None:
    if (
        agreement.status != "draft"
        and effective_from <= today()
        and (editing is None or editing.effective_from != effective_from)
    ):
        raise ValidationError(
            {
                "effective_from": _(
                    "Terms of an agreement in use can only take effect from tomorrow on; contracts were judged by the old ones."
                )
            }
        )
    clash = agreement.terms.filter(effective_from=effective_from)
    if editing is not None:
        clash = clash.exclude(pk=editing.pk)
    if clash.exists():
        raise ValidationError({"effective_from": _("Another version of the terms takes effect on this date.")})


# --- Employers ------------------------------------------------------------------------------------------


@transaction.atomic
def blacklist_employer(*, by: User, employer_id: int, reason: str) -> Employer:
    access.check(by, "employers.blacklist")
    reason = _reason_required(reason)
    employer = Employer.objects.select_for_update().get(pk=employer_id)
    if employer.blacklisted:
        raise ValidationError(_("This employer is already blacklisted."))
    employer.blacklisted, employer.blacklist_reason, employer.blacklisted_at = True, reason, timezone.now()
    employer._change_reason = reason[:100]  # the history's reason column holds 100 characters
    employer.save()
    return employer


@transaction.atomic
def lift_blacklist(*, by: User, employer_id: int, reason: str) -> Employer:
    access.check(by, "employers.blacklist")
    reason = _reason_required(reason)
    employer = Employer.objects.select_for_update().get(pk=employer_id)
    if not employer.blacklisted:
        raise ValidationError(_("This employer is not blacklisted."))
    employer.blacklisted, employer.blacklist_reason, employer.blacklisted_at = False, "", None
    employer._change_reason = reason[:100]  # the history's reason column holds 100 characters
    employer.save()
    return employer


# --- Job orders ----------------------------------------------------------------------------------------------


def _own_agency(by: User) -> int:
    agency_id = access.agency_id_of(by)
    if agency_id is None:
        raise PermissionDenied
    return agency_id


@transaction.atomic
def record_job_order(*, by: User, data: dict[str, Any], demand_letter) -> JobOrder:
    """An agency records a foreign employer's demand with the signed demand letter; it waits for a registrar."""
    access.check(by, "job_orders.manage")
    agency_id = _own_agency(by)
    if not can_recruit(agency_id):
        raise ValidationError(_("Your agency's licence is not active: it may not record job orders."))
    employer, agreement = data["employer"], data["agreement"]
    if employer.blacklisted:
        raise ValidationError({"employer": _("This employer is blacklisted; the ministry will not approve its demand.")})
    if employer.country_id != agreement.country_id:
        raise ValidationError({"agreement": _("The agreement must be with the employer's country.")})
    content_type = check_document(demand_letter)
    return create_numbered(
        JobOrder,
        "reference",
        "JO",
        today().year,
        5,
        agency_id=agency_id,
        submitted_by=by,
        demand_letter=demand_letter,
        demand_letter_name=display_name(demand_letter),
        demand_letter_type=content_type,
        **data,
    )


@transaction.atomic
def decide_job_order(*, by: User, job_order_id: int, approve: bool, reason: str, seen_status: str | None = None) -> JobOrder:
    access.check(by, "job_orders.decide")
    job_order = JobOrder.objects.select_for_update(of=("self",)).select_related("employer").get(pk=job_order_id)
    if approve:
        if job_order.employer.blacklisted:
            raise ValidationError(_("The employer is blacklisted: this demand cannot be approved."))
        if job_order.valid_until < today():
            raise ValidationError(_("The job order's recruitment period has passed; it can only be rejected."))
        _apply(job_order, "approve", by, reason.strip(), seen_status, _("Only a job order waiting for approval can be approved."))
    else:
        reason = _reason_required(reason)
        _apply(job_order, "reject", by, reason, seen_status, _("Only a job order waiting for approval can be rejected."))
    return job_order


@transaction.atomic
def withdraw_job_order(*, by: User, job_order_id: int, reason: str, seen_status: str | None = None) -> JobOrder:
    access.check(by, "job_orders.manage")
    reason = _reason_required(reason)
    job_order = access.get_visible_or_404(by, JobOrder.objects.select_for_update(of=("self",)), pk=job_order_id)
    _apply(job_order, "withdraw", by, reason, seen_status, _("This job order can no longer be withdrawn."))
    return job_order


def positions_left(job_order: JobOrder) -> int:
    return max(job_order.positions - compliance.positions_taken(job_order.pk), 0)


# --- Contracts: drafting --------------------------------------------------------------------------------------


def _check_worker_linked(worker: Worker, agency_id: int) -> None:
    if not AgencyWorker.objects.filter(worker=worker, agency_id=agency_id, ended_at__isnull=True).exists():
        raise ValidationError({"worker": _("This worker is not linked to your agency: register or claim them first.")})


def fill_from_job_order(contract: Contract) -> None:
    job_order = contract.job_order
    for name in FROM_JOB_ORDER:
        if not getattr(contract, f"{name}_id" if name != "work_place" else name, None):
            setattr(contract, name, getattr(job_order, name))


def check_draft(*, by: User, data: dict[str, Any], contract: Contract | None = None) -> list[compliance.Result]:
    """The rule results for a draft as typed, without saving anything (the live check while drafting)."""
    agency_id = _own_agency(by)
    draft = contract or Contract(agency_id=agency_id)
    for name in CONTRACT_FIELDS:
        if name in data:
            setattr(draft, name, data[name])
    fill_from_job_order(draft)
    return compliance.evaluate(draft)


@transaction.atomic
def save_draft(*, by: User, data: dict[str, Any], contract_id: int | None = None) -> Contract:
    """Create or correct a draft (or a contract returned for correction), and check it against the rules."""
    access.check(by, "contracts.draft")
    agency_id = _own_agency(by)
    if contract_id is None:
        contract = Contract(agency_id=agency_id, created_by=by)
    else:
        contract = access.get_visible_or_404(by, Contract.objects.select_for_update(of=("self",)), pk=contract_id)
        if contract.status not in EDITABLE_STATES:
            raise ValidationError(_("Only a draft or a contract returned for correction can be changed."))
    worker = data.get("worker") or contract.worker
    _check_worker_linked(worker, agency_id)
    job_order = data.get("job_order")
    if job_order is not None and job_order.agency_id != agency_id:
        raise ValidationError({"job_order": _("This job order belongs to another agency.")})
    for name in CONTRACT_FIELDS:
        if name in data:
            setattr(contract, name, data[name])
    fill_from_job_order(contract)
    if contract.end_date <= contract.start_date:
        raise ValidationError({"end_date": _("The contract must end after it starts.")})
    compliance.store(contract, compliance.evaluate(contract))
    if contract.pk is None:
        return create_numbered(Contract, "reference", "CT", today().year, 6, **_field_values(contract))
    contract.save()
    return contract


def _field_values(contract: Contract) -> dict[str, Any]:
    values = {}
    for model_field in Contract._meta.concrete_fields:
        if model_field.primary_key or model_field.name in ("reference", "status"):
            continue
        values[model_field.attname] = getattr(contract, model_field.attname)
    return values


@transaction.atomic
def recheck(*, by: User, contract_id: int) -> Contract:
    """Work the rule results out again (terms, licence or training may have changed since)."""
    contract = access.get_visible_or_404(by, Contract.objects.select_for_update(of=("self",)), pk=contract_id)
    compliance.store(contract, compliance.evaluate(contract))
    contract.save(update_fields=["compliance", "compliance_checked_at"])
    return contract


def _locked_contract(by: User, contract_id: int) -> Contract:
    return access.get_visible_or_404(
        by, Contract.objects.select_for_update(of=("self",)).select_related("worker", "agency", "employer"), pk=contract_id
    )


@transaction.atomic
def submit(*, by: User, contract_id: int, seen_status: str | None = None) -> Contract:
    """Send the contract to the ministry; refused while any rule fails with an error."""
    contract = _locked_contract(by, contract_id)
    if seen_status is not None and contract.status != seen_status:
        raise StaleRecord
    results = compliance.evaluate(contract)
    compliance.store(contract, results)
    failing = compliance.errors(results)
    if failing:
        contract.save(update_fields=["compliance", "compliance_checked_at"])
        raise ValidationError(
            [_("The contract cannot be submitted: %(problem)s") % {"problem": result.message} for result in failing]
        )
    _apply(contract, "submit", by, "", None, _("Only a draft or a returned contract can be submitted."))
    return contract


def _worker_context(contract: Contract) -> dict:
    return {
        "reference": contract.reference,
        "employer": contract.employer.name,
        "country": contract.employer.country.name,
        "agency": str(contract.agency),
        "start": _day(contract.start_date),
        "end": _day(contract.end_date),
    }


@transaction.atomic
def return_for_correction(*, by: User, contract_id: int, reason: str, seen_status: str | None = None) -> Contract:
    reason = _reason_required(reason)
    contract = _locked_contract(by, contract_id)
    _apply(contract, "return_for_correction", by, reason, seen_status, _("Only a submitted contract can be returned."))
    tell_worker(contract.worker, "contract.returned", _worker_context(contract))
    return contract


@transaction.atomic
def reject(*, by: User, contract_id: int, reason: str, seen_status: str | None = None) -> Contract:
    reason = _reason_required(reason)
    contract = _locked_contract(by, contract_id)
    _apply(contract, "reject", by, reason, seen_status, _("Only a submitted contract can be rejected."))
    tell_worker(contract.worker, "contract.rejected", _worker_context(contract) | {"reason": reason[:120]})
    return contract


@transaction.atomic
def approve(*, by: User, contract_id: int, override_reason: str = "", seen_status: str | None = None) -> Contract:
    """Approve a submitted contract: no rule may fail with an error; warnings only with a written reason.

    The agreement and the job order are locked first (always in that order),
    so two registrars approving at once cannot both take the last position or
    quota place: the second sees the first's approval when it counts.
    """
    access.check(by, "contracts.decide")
    contract = access.get_visible_or_404(by, Contract.objects.all(), pk=contract_id)
    Agreement.objects.select_for_update().get(pk=contract.agreement_id)
    JobOrder.objects.select_for_update().get(pk=contract.job_order_id)
    contract = _locked_contract(by, contract_id)
    if seen_status is not None and contract.status != seen_status:
        raise StaleRecord
    results = compliance.evaluate(contract)
    compliance.store(contract, results)
    failing = compliance.errors(results)
    if failing:
        contract.save(update_fields=["compliance", "compliance_checked_at"])
        raise ValidationError(
            [_("The contract cannot be approved: %(problem)s") % {"problem": result.message} for result in failing]
        )
    override_reason = (override_reason or "").strip()
    if compliance.warnings(results) and not override_reason:
        raise ValidationError({"override_reason": _("Some rules give warnings: approve over them only with a written reason.")})
    contract.warnings_override = override_reason if compliance.warnings(results) else ""
    _apply(contract, "approve", by, override_reason, None, _("Only a submitted contract can be approved."))
    tell_worker(contract.worker, "contract.approved", _worker_context(contract))
    return contract


# --- Clearance, departure and return --------------------------------------------------------------------------


@dataclass(frozen=True)
class ClearanceCheck:
    ready: bool
    problems: list[str]


def clearance_check(contract: Contract, on: datetime.date | None = None) -> ClearanceCheck:
    """Every condition of a deployment clearance, with what is missing in words."""
    on = on or today()
    problems = []
    if contract.status != ContractStatus.APPROVED:
        problems.append(_("The contract is not approved."))
    if not can_recruit(contract.agency_id, on):
        problems.append(_("The agency's licence is not active."))
    worker = contract.worker
    if not worker.passport_expires_on or worker.passport_expires_on < contract.end_date:
        problems.append(_("The passport is not valid until the contract ends."))
    terms = contract.agreement.terms_on(contract.start_date)
    codes = [course.code for course in terms.required_courses.all()] if terms else []
    # The worker leaves on the start date, or today when clearing late: the training must be valid that day.
    gate = training_gate(worker.pk, codes, max(contract.start_date, on))
    problems.extend(gate.explanation())
    return ClearanceCheck(ready=not problems, problems=problems)


@transaction.atomic
def issue_clearance(*, by: User, contract_id: int, seen_status: str | None = None) -> DeploymentClearance:
    """A registrar issues the clearance; agency staff ask for it and it is issued at once only if every condition holds."""
    access.check(by, "contracts.clear")
    contract = _locked_contract(by, contract_id)
    if seen_status is not None and contract.status != seen_status:
        raise StaleRecord
    verdict = clearance_check(contract)
    if not verdict.ready:
        raise ValidationError(verdict.problems)
    _apply(contract, "clear", by, "", None, _("Only an approved contract can be cleared."))
    issued_on = today()
    clearance = create_numbered(
        DeploymentClearance,
        "number",
        "DC",
        issued_on.year,
        6,
        contract=contract,
        issued_on=issued_on,
        valid_until=contract.end_date,
        issued_by=by,
        automatic=not access.is_ministry(by),
    )
    tell_worker(contract.worker, "contract.cleared", _worker_context(contract) | {"number": clearance.number})
    return clearance


@transaction.atomic
def record_departure(
    *, by: User, contract_id: int, departed_on: datetime.date, border_post: str, seen_status: str | None = None
) -> Contract:
    contract = _locked_contract(by, contract_id)
    if contract.status != ContractStatus.CLEARED:
        raise ValidationError(_("Only a cleared contract can be marked as departed."))
    if departed_on > today():
        raise ValidationError({"departed_on": _("A departure cannot be recorded before it happens.")})
    if departed_on < contract.clearance.issued_on:
        raise ValidationError({"departed_on": _("The worker cannot have left before the clearance was issued.")})
    contract.departed_on = departed_on
    contract.departure_border_post = border_post.strip()
    _apply(contract, "depart", by, border_post.strip(), seen_status, _("Only a cleared contract can be marked as departed."))
    return contract


RETURN_OUTCOMES = ("complete", "terminate", "repatriate")


@transaction.atomic
def record_return(
    *,
    by: User,
    contract_id: int,
    outcome: str,
    ended_on: datetime.date,
    border_post: str = "",
    reason: str = "",
    seen_status: str | None = None,
) -> Contract:
    """The contract ends: completed, terminated early or repatriated (the last two with a reason)."""
    if outcome not in RETURN_OUTCOMES:
        raise ValidationError({"outcome": _("Choose how the contract ended.")})
    if outcome != "complete":
        reason = _reason_required(reason)
    contract = _locked_contract(by, contract_id)
    if ended_on > today():
        raise ValidationError({"ended_on": _("A return cannot be recorded before it happens.")})
    if contract.departed_on and ended_on < contract.departed_on:
        raise ValidationError({"ended_on": _("The contract cannot end before the worker left.")})
    contract.ended_on = ended_on
    contract.return_border_post = border_post.strip()
    _apply(contract, outcome, by, reason.strip(), seen_status, _("Only a contract of a deployed worker can end."))
    return contract


@transaction.atomic
def cancel(*, by: User, contract_id: int, reason: str, seen_status: str | None = None) -> Contract:
    """Cancel before departure; an approved contract frees its job-order position and quota place."""
    reason = _reason_required(reason)
    contract = _locked_contract(by, contract_id)
    _apply(contract, "cancel", by, reason, seen_status, _("A contract can only be cancelled before the worker leaves."))
    return contract


@transaction.atomic
def upload_signed_copy(*, by: User, contract_id: int, upload) -> Contract:
    access.check(by, "contracts.draft")
    contract = _locked_contract(by, contract_id)
    if contract.status not in HOLDS_POSITION:
        raise ValidationError(_("The signed copy is uploaded once the contract is approved."))
    content_type = check_document(upload)
    if contract.signed_copy:
        contract.signed_copy.delete(save=False)
    contract.signed_copy = upload
    contract.signed_copy_name = display_name(upload)
    contract.signed_copy_type = content_type
    contract.signed_copy_uploaded_at = timezone.now()
    contract.save()
    return contract


# --- Scheduled duty and hooks -----------------------------------------------------------------------------------

ENDING_NOTICE_DAYS = 30


def send_ending_reminders() -> str:
    """SMS each deployed worker once, 30 days before the contract ends (or at once, if a run was missed)."""
    on = today()
    sent = 0
    due = Contract.objects.filter(
        status=ContractStatus.DEPLOYED,
        ending_reminded_at__isnull=True,
        end_date__gte=on,
        end_date__lte=on + datetime.timedelta(days=ENDING_NOTICE_DAYS),
    ).select_related("worker", "employer__country", "agency")
    for contract in due.iterator(chunk_size=500):
        with transaction.atomic():
            claimed = Contract.objects.filter(pk=contract.pk, ending_reminded_at__isnull=True).update(
                ending_reminded_at=timezone.now()
            )
            if claimed and tell_worker(contract.worker, "contract.ending", _worker_context(contract)):
                sent += 1
    return f"sent {sent} end-of-contract reminders"


# Contracts that tie a worker to their agency: a sanction on the agency's licence concerns them.
PENDING_OR_ACTIVE = [
    ContractStatus.SUBMITTED,
    ContractStatus.RETURNED,
    ContractStatus.APPROVED,
    ContractStatus.CLEARED,
    ContractStatus.DEPLOYED,
]


def tell_workers_of_sanction(*, licence_id: int, template: str) -> int:
    """SMS every consenting worker with a pending or active contract through the sanctioned agency, in bulk."""
    from agencies.models import Licence
    from notifications.services import InvalidSmsNumber, Recipient, notify_many

    licence = Licence.objects.select_related("agency").get(pk=licence_id)
    workers = (
        Worker.objects.filter(contracts__agency_id=licence.agency_id, contracts__status__in=PENDING_OR_ACTIVE, sms_consent=True)
        .exclude(mobile="")
        .distinct()
        .values_list("pk", "mobile", "preferred_language")
    )
    context = {"agency": str(licence.agency), "licence": licence.number, "helpline": settings.MINISTRY_HELPLINE}
    recipients = [
        Recipient(to=str(mobile), language=language, context=context, worker_id=pk, agency_id=licence.agency_id)
        for pk, mobile, language in workers.iterator()
    ]
    try:
        return notify_many(template=template, recipients=recipients)
    except InvalidSmsNumber:
        # A number stored before today's validation rules: send to the good ones, one by one.
        sent = 0
        for recipient in recipients:
            try:
                sent += notify_many(template=template, recipients=[recipient])
            except InvalidSmsNumber:
                continue
        return sent
