"""Contracts placed in time for the report tests: each milestone is set directly on the row (and the transition log
where the contract keeps no date), so a test knows exactly which period every contract falls in."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django_fsm_log.models import StateLog

from contracts.models import Contract
from tests.factories import contract_setting, passport_worker

_REFERENCES = itertools.count(1)

# The report period of most tests (91 days) and the one before it, of the same length.
START, END = datetime.date(2026, 4, 1), datetime.date(2026, 6, 30)
PREVIOUS_START, PREVIOUS_END = datetime.date(2025, 12, 31), datetime.date(2026, 3, 31)


def moment(day: datetime.date, hour: int = 10) -> datetime.datetime:
    """A moment on ``day`` in Maseru time."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def log(contract: Contract, state: str, day: datetime.date, hour: int = 10) -> None:
    StateLog.objects.create(
        content_type=ContentType.objects.get_for_model(Contract),
        object_id=contract.pk,
        state=state,
        source_state="submitted",
        transition={"returned": "return_for_correction", "rejected": "reject"}.get(state, state),
        timestamp=moment(day, hour),
    )


def place_contract(
    setting,
    *,
    worker=None,
    status="draft",
    submitted=None,
    approved=None,
    cleared=None,
    departed=None,
    ended=None,
    returned=None,
    rejected=None,
    start=datetime.date(2026, 5, 1),
    months=12,
    **fields,
) -> Contract:
    """A contract of ``setting`` with its milestones on the given days (dates; moments at 10:00 Maseru time)."""
    worker = worker or passport_worker(setting["agency"])
    job_order = setting["job_order"]
    values = {
        "reference": f"CT-2026-{next(_REFERENCES):06d}",
        "worker": worker,
        "agency": setting["agency"],
        "job_order": job_order,
        "employer": setting["employer"],
        "agreement": setting["agreement"],
        "occupation": setting["occupation"],
        "sector": setting["sector"],
        "job_title": "Rock drill operator",
        "work_place": "Rustenburg",
        "wage_amount": job_order.wage_amount,
        "currency": "ZAR",
        "wage_period": "month",
        "hours_per_week": Decimal("45"),
        "start_date": start,
        "end_date": start.replace(year=start.year + months // 12) - datetime.timedelta(days=1),
    } | fields
    contract = Contract.objects.create(**values)
    Contract.objects.filter(pk=contract.pk).update(
        status=status,
        submitted_at=submitted and moment(submitted),
        approved_at=approved and moment(approved),
        cleared_at=cleared and moment(cleared),
        departed_on=departed,
        ended_on=ended,
    )
    if returned:
        log(contract, "returned", returned)
    if rejected:
        log(contract, "rejected", rejected)
    contract.refresh_from_db()
    return contract


@pytest.fixture
def setting(cast):
    return contract_setting(agency=cast.agency_a)
