"""Use cases of inspections: plans, audits, the checklist and report, findings and corrective actions, sanctions.

Every change follows the recipe of agencies.services: lock, compare the
state the user saw, check, transition, save and tell the agency, in one
transaction. The planner itself is pure (inspections/planning.py); this
module feeds it from the database and books what the chief inspector confirms.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, Licence, LicenceStatus, NoticeKind
from agencies.services import _apply, _reason_required, sanction_licence, tell_agency
from core import access
from core.access import Role
from core.dates import today
from core.models import User
from core.numbers import create_numbered
from core.uploads import check_document, display_name
from inspections import planning
from inspections.models import (
    OPEN_AUDIT_STATES,
    ActionStatus,
    Answer,
    Audit,
    AuditKind,
    AuditPlan,
    AuditStatus,
    ChecklistAnswer,
    ChecklistItem,
    Complaint,
    ConflictOfInterest,
    CorrectiveAction,
    Evidence,
    Finding,
    InspectorLeave,
    PlanItem,
    PlanStatus,
    PublicHoliday,
    RecommendationStatus,
    SanctionRecommendation,
    Severity,
)
from inspections.risk import licensed_agency_ids, risk_scores, statutory_due

MAX_PLAN_DAYS = 184  # half a year: plans are made a quarter at a time
FOLLOW_UP_AFTER_DAYS = 7
FOLLOW_UP_SEARCH_DAYS = 90


# --- Feeding the planner ---------------------------------------------------------------------------------


def inspectors() -> list[User]:
    """Active users holding the inspector role and a profile (home district, working days)."""
    return list(
        User.objects.filter(groups__name=Role.INSPECTOR, is_active=True, inspector_profile__isnull=False)
        .select_related("inspector_profile")
        .order_by("pk")
        .distinct()
    )


def inspectors_to_plan(
    start: datetime.date, end: datetime.date, *, exclude_audit: int | None = None
) -> list[planning.InspectorToPlan]:
    people = inspectors()
    ids = [person.pk for person in people]
    leave: dict[int, list[tuple[datetime.date, datetime.date]]] = {pk: [] for pk in ids}
    for row in InspectorLeave.objects.filter(inspector_id__in=ids, ends_on__gte=start, starts_on__lte=end):
        leave[row.inspector_id].append((row.starts_on, row.ends_on))
    conflicts: dict[int, set[int]] = {pk: set() for pk in ids}
    for inspector_id, agency_id in ConflictOfInterest.objects.filter(inspector_id__in=ids).values_list(
        "inspector_id", "agency_id"
    ):
        conflicts[inspector_id].add(agency_id)
    # Days already holding an audit, in and around the period (weeks straddle its ends).
    booked: dict[int, set[datetime.date]] = {pk: set() for pk in ids}
    audits = Audit.objects.filter(
        inspector_id__in=ids,
        status__in=OPEN_AUDIT_STATES,
        scheduled_on__gte=start - datetime.timedelta(days=7),
        scheduled_on__lte=end + datetime.timedelta(days=7),
    )
    if exclude_audit:
        audits = audits.exclude(pk=exclude_audit)
    for inspector_id, day in audits.values_list("inspector_id", "scheduled_on"):
        booked[inspector_id].add(day)
    return [
        planning.InspectorToPlan(
            inspector_id=person.pk,
            name=person.get_full_name() or person.username,
            home_district=person.inspector_profile.home_district,
            working_weekdays=person.inspector_profile.weekdays,
            leave=tuple(leave[person.pk]),
            max_per_week=person.inspector_profile.max_audits_per_week,
            conflicts=frozenset(conflicts[person.pk]),
            booked=frozenset(booked[person.pk]),
        )
        for person in people
    ]


def holidays_between(start: datetime.date, end: datetime.date) -> frozenset[datetime.date]:
    """Public holidays in the period (and the week around it, for weeks that straddle its ends)."""
    return frozenset(
        PublicHoliday.objects.filter(
            day__gte=start - datetime.timedelta(days=7), day__lte=end + datetime.timedelta(days=7)
        ).values_list("day", flat=True)
    )


def _last_inspectors(agency_ids: list[int]) -> dict[int, int]:
    latest = (
        Audit.objects.filter(agency_id__in=agency_ids)
        .exclude(status=AuditStatus.CANCELLED)
        .values("agency_id")
        .annotate(last=Max("scheduled_on"))
    )
    wanted = {(row["agency_id"], row["last"]) for row in latest}
    result = {}
    for agency_id, day, inspector_id in (
        Audit.objects.filter(agency_id__in=agency_ids)
        .exclude(status=AuditStatus.CANCELLED)
        .order_by("agency_id", "scheduled_on", "pk")
        .values_list("agency_id", "scheduled_on", "inspector_id")
    ):
        if (agency_id, day) in wanted:
            result[agency_id] = inspector_id
    return result


def agencies_to_plan(start: datetime.date, end: datetime.date) -> list[planning.AgencyToPlan]:
    """Licensed agencies with their risk, less those that already have an open audit."""
    ids = licensed_agency_ids(start)
    already = set(Audit.objects.filter(agency_id__in=ids, status__in=OPEN_AUDIT_STATES).values_list("agency_id", flat=True))
    ids = [agency_id for agency_id in ids if agency_id not in already]
    scores = risk_scores(ids, start)
    last = _last_inspectors(ids)
    names = dict(Agency.objects.filter(pk__in=ids).values_list("pk", "trading_name"))
    districts = dict(Agency.objects.filter(pk__in=ids).values_list("pk", "district"))
    return [
        planning.AgencyToPlan(
            agency_id=agency_id,
            name=names.get(agency_id) or str(agency_id),
            district=districts[agency_id],
            risk=scores[agency_id].total,
            statutory_due=statutory_due(scores[agency_id], end),
            last_inspector_id=last.get(agency_id),
        )
        for agency_id in ids
    ]


def _check_period(start: datetime.date, end: datetime.date) -> None:
    if end < start:
        raise ValidationError({"ends_on": _("The period must end on or after its first day.")})
    if start < today():
        raise ValidationError({"starts_on": _("A plan cannot start in the past.")})
    if (end - start).days > MAX_PLAN_DAYS:
        raise ValidationError({"ends_on": _("Plan at most six months at a time.")})


@transaction.atomic
def propose_plan(*, by: User, starts_on: datetime.date, ends_on: datetime.date, risk_threshold: int = 1) -> AuditPlan:
    """Ask the planner for a proposal; nothing is booked until the chief inspector confirms it."""
    access.check(by, "audits.plan")
    _check_period(starts_on, ends_on)
    people = inspectors_to_plan(starts_on, ends_on)
    if not people:
        raise ValidationError(_("No inspector is available: give inspectors a home district and working days first."))
    proposal = planning.propose_plan(
        agencies_to_plan(starts_on, ends_on),
        people,
        starts_on,
        ends_on,
        risk_threshold=risk_threshold,
        holidays=holidays_between(starts_on, ends_on),
    )
    if not proposal.assignments and not proposal.unplaced:
        raise ValidationError(_("No licensed agency needs an audit in this period."))
    plan = AuditPlan.objects.create(
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=by,
        unplaced=[{"agency_id": row.agency_id, "reasons": list(row.reasons)} for row in proposal.unplaced],
    )
    scores = {row.agency_id: row for row in agencies_to_plan(starts_on, ends_on)} if proposal.assignments else {}
    PlanItem.objects.bulk_create(
        PlanItem(
            plan=plan,
            agency_id=row.agency_id,
            inspector_id=row.inspector_id,
            day=row.day,
            reason=row.reason,
            risk=scores[row.agency_id].risk if row.agency_id in scores else 0,
        )
        for row in proposal.assignments
    )
    return plan


def _plan_violations(plan: AuditPlan) -> list[str]:
    items = list(plan.items.select_related("agency"))
    last = _last_inspectors([item.agency_id for item in items])
    assignments = [planning.Assignment(item.agency_id, item.inspector_id, item.day, item.reason) for item in items]
    agencies = [
        planning.AgencyToPlan(item.agency_id, str(item.agency), item.agency.district, item.risk, False, last.get(item.agency_id))
        for item in items
    ]
    return planning.check_plan(
        assignments,
        agencies,
        inspectors_to_plan(plan.starts_on, plan.ends_on),
        plan.starts_on,
        plan.ends_on,
        holidays_between(plan.starts_on, plan.ends_on),
    )


VIOLATION_TEXT = {
    planning.V_UNKNOWN_AGENCY: _("an agency that is not licensed"),
    planning.V_UNKNOWN_INSPECTOR: _("not an inspector available for planning"),
    planning.V_AGENCY_TWICE: _("the agency is in the plan twice"),
    planning.V_OUTSIDE_PERIOD: _("a day outside the plan's period"),
    planning.V_NOT_WORKING_DAY: _("a day the inspector does not work"),
    planning.V_HOLIDAY: _("a public holiday"),
    planning.V_ON_LEAVE: _("the inspector is on leave"),
    planning.V_ALREADY_BOOKED: _("the inspector already has an audit that day"),
    planning.V_CONFLICT: _("the inspector declared a conflict of interest with the agency"),
    planning.V_TWICE_IN_A_ROW: _("the same inspector audited the agency last time"),
    planning.V_DOUBLE_BOOKING: _("two audits for one inspector on one day"),
    planning.V_WEEKLY_MAX: _("more audits in a week than the inspector may do"),
}


def describe_violations(codes: list[str]) -> list[str]:
    """The planner's violations ("on_leave inspector=3 agency=17 day=2027-01-04") in words, each kind once."""
    return list(dict.fromkeys(str(VIOLATION_TEXT.get(code.split(" ", 1)[0], code)) for code in codes))


@transaction.atomic
def change_plan_item(*, by: User, item_id: int, inspector_id: int, day: datetime.date) -> PlanItem:
    """The chief inspector moves a proposed audit; refused if it would break a rule of the plan."""
    access.check(by, "audits.plan")
    item = PlanItem.objects.select_related("plan", "agency").select_for_update(of=("self",)).get(pk=item_id)
    if item.plan.status != PlanStatus.PROPOSED:
        raise ValidationError(_("This plan is no longer a proposal."))
    item.inspector_id, item.day = inspector_id, day
    item.save()
    problems = _plan_violations(item.plan)
    if problems:
        transaction.set_rollback(True)
        raise ValidationError(_("Not possible: %(problems)s.") % {"problems": "; ".join(describe_violations(problems))})
    return item


@transaction.atomic
def remove_plan_item(*, by: User, item_id: int) -> None:
    access.check(by, "audits.plan")
    item = PlanItem.objects.select_related("plan").get(pk=item_id)
    if item.plan.status != PlanStatus.PROPOSED:
        raise ValidationError(_("This plan is no longer a proposal."))
    item.delete()


@transaction.atomic
def confirm_plan(*, by: User, plan_id: int) -> list[Audit]:
    """Book the proposal: one planned audit per item, after checking again that nothing changed meanwhile."""
    access.check(by, "audits.plan")
    plan = AuditPlan.objects.select_for_update().get(pk=plan_id)
    if plan.status != PlanStatus.PROPOSED:
        raise ValidationError(_("This plan was already confirmed or discarded."))
    problems = _plan_violations(plan)
    if problems:
        raise ValidationError(
            _("The plan no longer fits (something was booked meanwhile): %(problems)s. Adjust it or ask for a new one.")
            % {"problems": "; ".join(describe_violations(problems))}
        )
    audits = [
        _new_audit(
            agency_id=item.agency_id,
            inspector_id=item.inspector_id,
            day=item.day,
            kind=AuditKind.ROUTINE,
            plan=plan,
            risk=item.risk,
        )
        for item in plan.items.all()
    ]
    plan.status, plan.confirmed_at = PlanStatus.CONFIRMED, timezone.now()
    plan.save(update_fields=["status", "confirmed_at"])
    return audits


@transaction.atomic
def discard_plan(*, by: User, plan_id: int) -> AuditPlan:
    access.check(by, "audits.plan")
    plan = AuditPlan.objects.select_for_update().get(pk=plan_id)
    if plan.status != PlanStatus.PROPOSED:
        raise ValidationError(_("This plan was already confirmed or discarded."))
    plan.status = PlanStatus.DISCARDED
    plan.save(update_fields=["status"])
    return plan


# --- Audits ---------------------------------------------------------------------------------------------------


def _new_audit(*, agency_id: int, inspector_id: int, day: datetime.date, kind: str, plan=None, risk: int = 0, **values) -> Audit:
    return create_numbered(
        Audit,
        "reference",
        "AUD",
        day.year,
        5,
        agency_id=agency_id,
        inspector_id=inspector_id,
        scheduled_on=day,
        kind=kind,
        plan=plan,
        risk_at_planning=risk,
        **values,
    )


def check_booking(*, agency_id: int, inspector_id: int, day: datetime.date, exclude_audit: int | None = None) -> list[str]:
    """The rules of planning for one audit booked by hand: leave, double booking, weekly limit, conflict, working day."""
    people = {row.inspector_id: row for row in inspectors_to_plan(day, day, exclude_audit=exclude_audit)}
    if inspector_id not in people:
        return [str(VIOLATION_TEXT[planning.V_UNKNOWN_INSPECTOR])]
    agency = Agency.objects.get(pk=agency_id)
    row = planning.AgencyToPlan(agency_id, str(agency), agency.district, 0, False, None)
    return describe_violations(
        planning.check_plan(
            [planning.Assignment(agency_id, inspector_id, day, "manual")],
            [row],
            [people[inspector_id]],
            day,
            day,
            holidays_between(day, day),
        )
    )


@transaction.atomic
def create_audit(
    *,
    by: User,
    agency_id: int,
    inspector_id: int,
    day: datetime.date,
    kind: str,
    announced: bool,
    complaint_id: int | None = None,
) -> Audit:
    """An audit outside a plan: complaint-driven, licence renewal or follow-up."""
    access.check(by, "audits.plan")
    if day < today():
        raise ValidationError({"day": _("An audit cannot be booked in the past.")})
    problems = check_booking(agency_id=agency_id, inspector_id=inspector_id, day=day)
    if problems:
        raise ValidationError(_("Not possible: %(problems)s.") % {"problems": "; ".join(problems)})
    complaint = Complaint.objects.filter(pk=complaint_id, agency_id=agency_id).first() if complaint_id else None
    return _new_audit(
        agency_id=agency_id, inspector_id=inspector_id, day=day, kind=kind, announced=announced, complaint=complaint
    )


def _audit(by: User, audit_id: int, *, own: bool = False) -> Audit:
    audit = access.get_visible_or_404(by, Audit.objects.select_for_update(of=("self",)).select_related("agency"), pk=audit_id)
    if own and audit.inspector_id != by.pk:
        raise PermissionDenied
    return audit


@transaction.atomic
def schedule_audit(*, by: User, audit_id: int, announced: bool, seen_status: str | None = None) -> Audit:
    """Fix the audit: an announced one is told to the agency's staff in the app and by e-mail; an unannounced one is not."""
    audit = _audit(by, audit_id)
    audit.announced = announced
    _apply(audit, "schedule", by, "", seen_status, _("Only a planned audit can be scheduled."))
    if announced:
        tell_agency(
            audit.agency,
            NoticeKind.AUDIT_ANNOUNCED,
            {"date": audit.scheduled_on.isoformat(), "reference": audit.reference},
            link=reverse("inspections:audit_detail", args=[audit.pk]),
        )
    return audit


@transaction.atomic
def start_audit(*, by: User, audit_id: int, seen_status: str | None = None) -> Audit:
    audit = _audit(by, audit_id, own=True)
    if audit.scheduled_on > today():
        raise ValidationError(_("This audit is booked for %(date)s: it cannot start earlier.") % {"date": audit.scheduled_on})
    _apply(audit, "start", by, "", seen_status, _("Only a planned or scheduled audit can start."))
    for item in ChecklistItem.objects.filter(active=True):
        ChecklistAnswer.objects.get_or_create(audit=audit, item=item)
    return audit


@transaction.atomic
def cancel_audit(*, by: User, audit_id: int, reason: str, seen_status: str | None = None) -> Audit:
    reason = _reason_required(reason)
    audit = _audit(by, audit_id)
    _apply(audit, "cancel", by, reason, seen_status, _("This audit can no longer be cancelled."))
    return audit


# --- The checklist and the report -------------------------------------------------------------------------------


def save_checklist(*, by: User, audit_id: int, answers: dict[int, dict[str, Any]], workers_interviewed, summary: str) -> Audit:
    """Save the checklist as a draft (the inspector may come back later); nothing is checked for completeness yet."""
    with transaction.atomic():
        audit = _audit(by, audit_id, own=True)
        access.check(by, "audits.conduct")
        if audit.status != AuditStatus.IN_PROGRESS:
            raise ValidationError(_("The checklist can only be filled while the audit is in progress."))
        rows = {row.item_id: row for row in audit.answers.select_for_update()}
        for item_id, values in answers.items():
            row = rows.get(item_id)
            if row is None:
                continue
            due = values.get("action_due_on")
            if due and due <= today():
                raise ValidationError(_("A corrective action must be due after today."))
            for name in ("answer", "severity", "note", "action_required", "action_due_on"):
                setattr(row, name, values.get(name) or ("" if name != "action_due_on" else None))
            row.save()
        audit.workers_interviewed = workers_interviewed
        audit.summary = summary
        audit.save(update_fields=["workers_interviewed", "summary"])
    return audit


def report_problems(audit: Audit) -> list[str]:
    """What stops the report being submitted: unanswered items, non-compliance without severity or action."""
    problems = []
    for row in audit.answers.select_related("item"):
        if not row.answer:
            problems.append(_("%(code)s is not answered.") % {"code": row.item.code})
        elif row.answer == Answer.NON_COMPLIANT and not (row.severity and row.action_required.strip() and row.action_due_on):
            problems.append(
                _("%(code)s is non-compliant: give its severity, the corrective action and its due date.")
                % {"code": row.item.code}
            )
    if audit.workers_interviewed is None:
        problems.append(_("Say how many workers were interviewed (0 if none)."))
    return problems


@transaction.atomic
def submit_report(*, by: User, audit_id: int, seen_status: str | None = None) -> Audit:
    """Submit the report: each non-compliant item becomes a finding with its corrective action."""
    audit = _audit(by, audit_id, own=True)
    problems = report_problems(audit)
    if problems:
        raise ValidationError(problems)
    _apply(audit, "submit_report", by, "", seen_status, _("Only an audit in progress can be reported."))
    for row in audit.answers.filter(answer=Answer.NON_COMPLIANT).select_related("item"):
        finding, created = Finding.objects.get_or_create(
            audit=audit, item=row.item, defaults={"severity": row.severity, "description": row.note or row.item.text}
        )
        if created:
            CorrectiveAction.objects.create(finding=finding, description=row.action_required, due_on=row.action_due_on)
    return audit


@transaction.atomic
def add_evidence(*, by: User, answer_id: int, upload) -> Evidence:
    answer = ChecklistAnswer.objects.select_related("audit").get(pk=answer_id)
    audit = _audit(by, answer.audit_id, own=True)
    if audit.status != AuditStatus.IN_PROGRESS:
        raise ValidationError(_("Evidence is added while the audit is in progress."))
    content_type = check_document(upload)
    return Evidence.objects.create(
        answer=answer, file=upload, original_name=display_name(upload), content_type=content_type, uploaded_by=by
    )


@transaction.atomic
def send_back(*, by: User, audit_id: int, reason: str, seen_status: str | None = None) -> Audit:
    reason = _reason_required(reason)
    audit = _audit(by, audit_id)
    _apply(audit, "send_back", by, reason, seen_status, _("Only a submitted report can be sent back."))
    audit.findings.all().delete()  # they are made again from the corrected checklist
    return audit


@transaction.atomic
def review_audit(*, by: User, audit_id: int, note: str = "", seen_status: str | None = None) -> Audit:
    """The chief inspector accepts the report; the agency now sees the findings and is told what to correct."""
    audit = _audit(by, audit_id)
    _apply(audit, "review", by, note.strip(), seen_status, _("Only a submitted report can be reviewed."))
    first_due = CorrectiveAction.objects.filter(finding__audit=audit).order_by("due_on").values_list("due_on", flat=True).first()
    if first_due:
        tell_agency(
            audit.agency,
            NoticeKind.CORRECTIVE_ACTIONS,
            {"reference": audit.reference, "due_on": first_due.isoformat()},
            link=reverse("inspections:audit_detail", args=[audit.pk]),
        )
    return audit


@transaction.atomic
def close_audit(*, by: User, audit_id: int, seen_status: str | None = None) -> Audit:
    audit = _audit(by, audit_id)
    if audit.findings.open().exists():
        raise ValidationError(_("Findings are still open: close the audit once every corrective action is accepted."))
    _apply(audit, "close", by, "", seen_status, _("Only a reviewed audit can be closed."))
    return audit


# --- Corrective actions -------------------------------------------------------------------------------------------


@transaction.atomic
def respond_to_action(*, by: User, action_id: int, response: str, uploads=()) -> CorrectiveAction:
    """The agency says what it did, with evidence; the inspector then accepts or rejects."""
    access.check(by, "audits.respond")
    action = access.get_visible_or_404(by, CorrectiveAction.objects.select_for_update(of=("self",)), pk=action_id)
    if action.status != ActionStatus.OPEN:
        raise ValidationError(_("This action is not waiting for your answer."))
    response = (response or "").strip()
    if not response:
        raise ValidationError({"response": _("Say what you did to correct it.")})
    checked = [(upload, check_document(upload)) for upload in uploads]
    action.response, action.status, action.responded_at = response, ActionStatus.RESPONDED, timezone.now()
    action.save()
    for upload, content_type in checked:
        Evidence.objects.create(
            action=action, file=upload, original_name=display_name(upload), content_type=content_type, uploaded_by=by
        )
    return action


@transaction.atomic
def decide_action(
    *, by: User, action_id: int, accept: bool, note: str = "", new_due_on: datetime.date | None = None
) -> CorrectiveAction:
    """The audit's inspector (or the chief) accepts the answer, or sends it back with a note and perhaps a new date."""
    action = CorrectiveAction.objects.select_for_update(of=("self",)).select_related("finding__audit__agency").get(pk=action_id)
    audit = action.finding.audit
    if not (access.can(by, "audits.review") or (access.can(by, "audits.conduct") and audit.inspector_id == by.pk)):
        raise PermissionDenied
    if action.status != ActionStatus.RESPONDED:
        raise ValidationError(_("Only an answered action can be accepted or rejected."))
    action.decision_note, action.decided_at = note.strip(), timezone.now()
    if accept:
        action.status = ActionStatus.ACCEPTED
        action.save()
        finding = action.finding
        if not finding.actions.exclude(status=ActionStatus.ACCEPTED).exists():
            finding.closed_at = timezone.now()
            finding.save(update_fields=["closed_at"])
        return action
    if not action.decision_note:
        raise ValidationError({"note": _("Say why the answer is not enough; the agency will see it.")})
    if new_due_on is not None:
        if new_due_on <= today():
            raise ValidationError({"new_due_on": _("A corrective action must be due after today.")})
        action.due_on = new_due_on
        action.overdue_flagged_at = None
    action.status = ActionStatus.OPEN
    action.save()
    tell_agency(
        audit.agency,
        NoticeKind.ACTION_REJECTED,
        {"reference": audit.reference},
        reason=action.decision_note,
        link=reverse("inspections:audit_detail", args=[audit.pk]),
    )
    return action


def _first_free_day(inspector_id: int, agency_id: int, start: datetime.date) -> tuple[datetime.date, int] | None:
    """The first day from ``start`` when the audit's inspector (else any inspector) may audit the agency."""
    end = start + datetime.timedelta(days=FOLLOW_UP_SEARCH_DAYS)
    people = {row.inspector_id: row for row in inspectors_to_plan(start, end)}
    candidates = [people[inspector_id]] if inspector_id in people else []
    candidates += [row for pk, row in sorted(people.items()) if pk != inspector_id]
    agency = Agency.objects.get(pk=agency_id)
    row = planning.AgencyToPlan(agency_id, str(agency), agency.district, 0, True, None)
    holidays = holidays_between(start, end)
    for person in candidates:
        day = start
        while day <= end:
            booking = [planning.Assignment(agency_id, person.inspector_id, day, "follow_up")]
            if not planning.check_plan(booking, [row], [person], day, day, holidays):
                return day, person.inspector_id
            day += datetime.timedelta(days=1)
    return None


def flag_overdue_actions() -> str:
    """Scheduled: flag each overdue corrective action once, tell the agency, and plan one follow-up audit per audit."""
    on = today()
    flagged = follow_ups = 0
    for action_id in CorrectiveAction.objects.overdue(on).filter(overdue_flagged_at__isnull=True).values_list("pk", flat=True):
        with transaction.atomic():
            action = (
                CorrectiveAction.objects.select_for_update(of=("self",))
                .select_related("finding__audit__agency")
                .get(pk=action_id)
            )
            if action.overdue_flagged_at is not None or not action.is_overdue(on):
                continue
            action.overdue_flagged_at = timezone.now()
            action.save(update_fields=["overdue_flagged_at"])
            audit = action.finding.audit
            tell_agency(audit.agency, NoticeKind.ACTION_OVERDUE, {"reference": audit.reference})
            flagged += 1
            has_follow_up = audit.follow_ups.filter(status__in=OPEN_AUDIT_STATES).exists()
            if not has_follow_up:
                found = _first_free_day(audit.inspector_id, audit.agency_id, on + datetime.timedelta(days=FOLLOW_UP_AFTER_DAYS))
                if found:
                    day, inspector_id = found
                    _new_audit(
                        agency_id=audit.agency_id,
                        inspector_id=inspector_id,
                        day=day,
                        kind=AuditKind.FOLLOW_UP,
                        follow_up_of=audit,
                        announced=True,
                    )
                    follow_ups += 1
    return f"flagged {flagged} overdue corrective actions, planned {follow_ups} follow-up audits"


# --- Sanctions ----------------------------------------------------------------------------------------------------


@transaction.atomic
def recommend_sanction(*, by: User, audit_id: int, action: str, reason: str) -> SanctionRecommendation:
    """After a critical finding, the chief inspector recommends suspension or revocation to the licensing officer."""
    access.check(by, "audits.recommend")
    reason = _reason_required(reason)
    audit = _audit(by, audit_id)
    if action not in dict(SanctionRecommendation.ACTIONS):
        raise ValidationError({"action": _("Choose suspension or revocation.")})
    if audit.status not in (AuditStatus.REVIEWED, AuditStatus.CLOSED):
        raise ValidationError(_("Recommend a sanction once the report is reviewed."))
    if not audit.findings.filter(severity=Severity.CRITICAL).exists():
        raise ValidationError(_("A sanction can be recommended only after a critical finding."))
    if audit.recommendations.filter(status=RecommendationStatus.PENDING).exists():
        raise ValidationError(_("A recommendation on this audit is already waiting for the licensing officer."))
    return SanctionRecommendation.objects.create(audit=audit, action=action, reason=reason, recommended_by=by)


@transaction.atomic
def decide_recommendation(*, by: User, recommendation_id: int, accept: bool, note: str) -> SanctionRecommendation:
    """The licensing officer acts on the recommendation with the licence's own transitions; the decision names the audit."""
    access.check(by, "licensing.sanction")
    note = _reason_required(note)
    recommendation = SanctionRecommendation.objects.select_for_update().select_related("audit__agency").get(pk=recommendation_id)
    if recommendation.status != RecommendationStatus.PENDING:
        raise ValidationError(_("This recommendation was already decided."))
    audit = recommendation.audit
    if accept:
        licence = (
            Licence.objects.filter(agency=audit.agency, status__in=[LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED])
            .order_by("-issued_on")
            .first()
        )
        if licence is None:
            raise ValidationError(_("The agency holds no licence that could be suspended or revoked."))
        reason = _("%(note)s (audit %(reference)s)") % {"note": note, "reference": audit.reference}
        sanction_licence(licence_id=licence.pk, action=recommendation.action, by=by, reason=reason)
        recommendation.status = RecommendationStatus.DECIDED
    else:
        recommendation.status = RecommendationStatus.DECLINED
    recommendation.decided_by, recommendation.decided_at, recommendation.decision_note = by, timezone.now(), note
    recommendation.save()
    return recommendation


# --- Inspectors' availability -----------------------------------------------------------------------------------------


def _inspector_for(by: User, inspector_id: int) -> User:
    """Inspectors manage their own availability; the chief inspector anyone's."""
    access.check(by, "inspectors.availability")
    if inspector_id != by.pk and not access.can(by, "audits.plan"):
        raise PermissionDenied
    return User.objects.get(pk=inspector_id, groups__name=Role.INSPECTOR)


@transaction.atomic
def add_leave(*, by: User, inspector_id: int, starts_on: datetime.date, ends_on: datetime.date, note: str = "") -> InspectorLeave:
    inspector = _inspector_for(by, inspector_id)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("Leave cannot end before it starts.")})
    clash = Audit.objects.filter(
        inspector=inspector, status__in=OPEN_AUDIT_STATES, scheduled_on__gte=starts_on, scheduled_on__lte=ends_on
    ).values_list("reference", flat=True)
    if clash:
        raise ValidationError(
            _("Audits are booked in this period (%(audits)s): move or cancel them first.") % {"audits": ", ".join(clash)}
        )
    return InspectorLeave.objects.create(inspector=inspector, starts_on=starts_on, ends_on=ends_on, note=note)


@transaction.atomic
def declare_conflict(*, by: User, inspector_id: int, agency_id: int, note: str) -> ConflictOfInterest:
    inspector = _inspector_for(by, inspector_id)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what the conflict is.")})
    conflict, _created = ConflictOfInterest.objects.get_or_create(
        inspector=inspector, agency_id=agency_id, defaults={"note": note}
    )
    return conflict
