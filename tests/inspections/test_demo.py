"""Inspections' demo data: the inspectorate, a year of audits with findings and corrective actions, complaints, a
pending sanction recommendation, a confirmed plan and a risk ranking that looks real; dated in the past, safe to run
again.

One test, because seeding the whole demo is the slow part of it.
"""

import datetime

import pytest
from django.core.management import call_command
from django_fsm_log.models import StateLog

from agencies.models import Agency, Licence
from core.dates import today
from core.models import User
from inspections.demo import public_holidays
from inspections.models import (
    ActionStatus,
    Audit,
    AuditKind,
    AuditPlan,
    AuditStatus,
    Complaint,
    ComplaintStatus,
    ConflictOfInterest,
    CorrectiveAction,
    Finding,
    InspectorLeave,
    InspectorProfile,
    PlanStatus,
    RecommendationStatus,
    SanctionRecommendation,
    Severity,
)
from inspections.risk import risk_scores

pytestmark = pytest.mark.django_db

MODELS = (
    Agency, Licence, User, InspectorProfile, InspectorLeave, ConflictOfInterest, AuditPlan, Audit, Finding,
    CorrectiveAction, SanctionRecommendation, Complaint, StateLog,
)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_demo_tells_a_year_of_inspections_and_is_safe_to_run_again():
    call_command("seed_demo")
    counts = _counts()
    call_command("seed_demo")
    assert _counts() == counts
    on = today()

    # The inspectorate: eight inspectors with planning profiles, leave to come, declared conflicts.
    profiles = InspectorProfile.objects.select_related("user")
    assert profiles.count() >= 6 and {"inspector", "chief"} <= {profile.user.username for profile in profiles}
    assert len({profile.home_district for profile in profiles}) >= 6
    assert InspectorLeave.objects.filter(starts_on__gt=on).count() >= 2
    assert ConflictOfInterest.objects.exists()

    # Audits in every state but cancelled, past ones dated in the past and in order.
    states = set(Audit.objects.values_list("status", flat=True))
    assert {
        AuditStatus.CLOSED, AuditStatus.REVIEWED, AuditStatus.REPORT_SUBMITTED, AuditStatus.IN_PROGRESS,
        AuditStatus.SCHEDULED, AuditStatus.PLANNED,
    } <= states
    for audit in Audit.objects.filter(status=AuditStatus.CLOSED):
        assert audit.created_at.date() < audit.scheduled_on <= audit.submitted_at.date() < audit.closed_at.date() < on
        assert audit.reference.startswith(f"AUD-{audit.scheduled_on.year}-")
        log = StateLog.objects.for_(audit).order_by("timestamp")
        assert [entry.transition for entry in log] == ["schedule", "start", "submit_report", "review", "close"]
        assert abs(log.last().timestamp - audit.closed_at) < datetime.timedelta(seconds=5)
    assert not Audit.objects.filter(status__in=[AuditStatus.PLANNED, AuditStatus.SCHEDULED], scheduled_on__lt=on).exists()
    assert Audit.objects.filter(status=AuditStatus.SCHEDULED, announced=False).count() == 1

    # Findings of each severity; actions accepted, answered and waiting, open, and one overdue with its follow-up.
    assert set(Finding.objects.values_list("severity", flat=True)) == set(Severity.values)
    actions = set(CorrectiveAction.objects.values_list("status", flat=True))
    assert actions == set(ActionStatus.values)
    overdue = CorrectiveAction.objects.overdue(on).get()
    assert overdue.overdue_flagged_at and overdue.decision_note  # flagged by the nightly job, after a refused answer
    follow_up = Audit.objects.get(follow_up_of=overdue.finding.audit)
    assert follow_up.kind == AuditKind.FOLLOW_UP and follow_up.scheduled_on > on

    # Maluti's manager has a reviewed audit with an action to answer.
    maluti = User.objects.get(username="maluti")
    assert CorrectiveAction.objects.visible_to(maluti).filter(status=ActionStatus.OPEN, due_on__gt=on).exists()

    # The licensing officer has a recommendation to decide, after a critical finding on a reviewed audit.
    recommendation = SanctionRecommendation.objects.get(status=RecommendationStatus.PENDING)
    assert recommendation.audit.status == AuditStatus.REVIEWED
    assert recommendation.audit.findings.filter(severity=Severity.CRITICAL).exists()

    # Complaints of many kinds, open and closed; one late and escalated; one from a registered worker.
    complaints = Complaint.objects.all()
    assert 6 <= complaints.count() <= 10
    assert len({complaint.category for complaint in complaints}) >= 5
    assert {ComplaintStatus.RECEIVED, ComplaintStatus.TRIAGED, ComplaintStatus.RESOLVED} <= {c.status for c in complaints}
    late = complaints.get(escalated_at__isnull=False)
    assert late.timeliness(on) == "late" and late.status == ComplaintStatus.TRIAGED and late.escalated_at.date() < on
    assert complaints.filter(worker__isnull=False).exists()
    assert all(complaint.received_at.date() <= on for complaint in complaints)

    # The next quarter's plan is confirmed, on working days only.
    plan = AuditPlan.objects.get(status=PlanStatus.CONFIRMED)
    assert plan.starts_on > on and plan.audits.exists()
    holidays = public_holidays(plan.starts_on.year)
    assert all(audit.scheduled_on.weekday() < 5 and audit.scheduled_on not in holidays for audit in plan.audits.all())

    # The risk ranking looks like a real one: varied, a few high.
    totals = sorted((score.total for score in risk_scores().values()), reverse=True)
    assert len(totals) >= 8 and len(set(totals)) >= 6
    assert totals[0] >= 25 and totals[2] >= 15 and totals[-1] < 10
