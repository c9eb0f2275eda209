"""Contracts' demo data: agreements in force, employers, job orders and contracts in every state, with past histories.

One test, because seeding the whole demo is the slow part of it.
"""

import datetime

import pytest
from django.core.management import call_command
from django_fsm_log.models import StateLog

from contracts import compliance
from contracts.models import (
    Agreement,
    Contract,
    ContractStatus,
    DeploymentClearance,
    Employer,
    JobOrder,
    JobOrderStatus,
)
from contracts.services import clearance_check
from core.dates import today
from notifications.models import OutboundSms

pytestmark = pytest.mark.django_db


def _counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (Agreement, Employer, JobOrder, Contract, DeploymentClearance, StateLog, OutboundSms)
    }


def _failing(contract: Contract) -> set[str]:
    return {result.code for result in compliance.errors(compliance.stored_results(contract))}


def test_demo_tells_contracts_in_every_state_with_past_histories_and_is_safe_to_run_again():
    call_command("seed_demo")
    counts = _counts()
    call_command("seed_demo")
    assert _counts() == counts

    on = today()
    assert set(Contract.objects.values_list("status", flat=True)) == set(ContractStatus.values)
    for country in ("ZA", "MU"):
        assert Agreement.objects.get(country_id=country).is_in_force_on(on)
    # Terms are versioned: next year's South African floors are already entered.
    assert Agreement.objects.get(country_id="ZA").terms.filter(effective_from__gt=on).exists()
    blacklisted = Employer.objects.get(blacklisted=True)
    assert blacklisted.blacklist_reason and blacklisted.blacklisted_at
    job_orders = set(JobOrder.objects.values_list("status", flat=True))
    assert {JobOrderStatus.SUBMITTED, JobOrderStatus.APPROVED, JobOrderStatus.REJECTED} <= job_orders
    assert JobOrder.objects.get(status=JobOrderStatus.REJECTED).decision_reason

    # Deployed: one past its end date with no return (follow-up), one ending within 30 days.
    assert Contract.objects.overdue_return(on).exists()
    ending = Contract.objects.filter(status=ContractStatus.DEPLOYED, end_date__range=(on, on + datetime.timedelta(days=30)))
    assert ending.exists()
    # Approved over the training warning; the clearance stays blocked, and says why.
    approved = Contract.objects.get(status=ContractStatus.APPROVED)
    assert approved.warnings_override and not clearance_check(approved).ready
    assert Contract.objects.exclude(warnings_override="").count() == 1
    # The draft shows the broken wage floor while it is drafted; nothing that was submitted broke a rule.
    assert "wage_floor" in _failing(Contract.objects.get(status=ContractStatus.DRAFT))
    assert not any(_failing(contract) for contract in Contract.objects.exclude(status=ContractStatus.DRAFT))

    # The past is dated in the past, in order, and numbered by its year.
    completed = Contract.objects.get(status=ContractStatus.COMPLETED)
    assert completed.created_at < completed.submitted_at < completed.approved_at < completed.cleared_at
    clearance = completed.clearance
    assert completed.cleared_at.date() == clearance.issued_on < completed.departed_on < completed.ended_on < on
    assert completed.reference.startswith(f"CT-{completed.created_at.year}-")
    assert clearance.number.startswith(f"DC-{clearance.issued_on.year}-")
    log = StateLog.objects.for_(completed).order_by("timestamp")
    assert [entry.transition for entry in log] == ["submit", "approve", "clear", "depart", "complete"]
    assert log.last().timestamp.date() == completed.ended_on
    for contract in Contract.objects.filter(status__in=[ContractStatus.TERMINATED, ContractStatus.REPATRIATED]):
        assert contract.status_reason and contract.departed_on < contract.ended_on < on
