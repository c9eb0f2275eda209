"""Risk, plans, audits, the checklist and report, findings to corrective actions to follow-up, sanctions, scoping."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from agencies.models import AgencyNotice, NoticeKind
from core.access import Role
from core.dates import today
from inspections import services
from inspections.models import (
    ActionStatus,
    Answer,
    Audit,
    AuditKind,
    AuditPlan,
    AuditStatus,
    ChecklistItem,
    Complaint,
    CorrectiveAction,
    Finding,
    InspectorLeave,
    InspectorProfile,
    PlanStatus,
    SanctionRecommendation,
    Severity,
)
from inspections.risk import risk_scores
from tests.factories import LicenceFactory, UserFactory, pdf_upload

pytestmark = pytest.mark.django_db

EVERY_DAY = "0123456"


def inspector(username=None, district="maseru", **profile):
    user = UserFactory(username=username or f"insp{UserFactory._meta.model.objects.count()}", roles=[Role.INSPECTOR])
    InspectorProfile.objects.create(
        user=user,
        home_district=district,
        working_weekdays=profile.get("days", EVERY_DAY),
        max_audits_per_week=profile.get("max", 5),
    )
    return user


@pytest.fixture
def inspectorate(cast):
    """The cast's inspector and chief, with planning profiles; agency A licensed."""
    InspectorProfile.objects.create(
        user=cast.inspector, home_district="maseru", working_weekdays=EVERY_DAY, max_audits_per_week=5
    )
    LicenceFactory(agency=cast.agency_a)
    return cast


def booked_audit(cast, *, day=None, announced=True, status=None) -> Audit:
    audit = services.create_audit(
        by=cast.chief_inspector,
        agency_id=cast.agency_a.pk,
        inspector_id=cast.inspector.pk,
        day=day or today(),
        kind=AuditKind.ROUTINE,
        announced=announced,
    )
    if status:
        Audit.objects.filter(pk=audit.pk).update(status=status)
        audit.refresh_from_db()
    return audit


def answer_everything(cast, audit, *, critical=False):
    answers = {}
    for item in ChecklistItem.objects.all():
        if item.code == "FEE-01":
            answers[item.pk] = {
                "answer": Answer.NON_COMPLIANT,
                "severity": Severity.CRITICAL if critical else Severity.MAJOR,
                "note": "Workers paid M2,000 each for 'processing'.",
                "action_required": "Refund every worker and stop charging.",
                "action_due_on": today() + datetime.timedelta(days=30),
            }
        else:
            answers[item.pk] = {"answer": Answer.COMPLIANT}
    services.save_checklist(by=cast.inspector, audit_id=audit.pk, answers=answers, workers_interviewed=6, summary="Visited.")


def reported(cast, *, critical=False) -> Audit:
    audit = booked_audit(cast)
    services.start_audit(by=cast.inspector, audit_id=audit.pk)
    answer_everything(cast, audit, critical=critical)
    return services.submit_report(by=cast.inspector, audit_id=audit.pk)


# --- Risk ------------------------------------------------------------------------------------------------


def test_each_risk_factor_moves_the_score(inspectorate):
    cast = inspectorate
    agency = cast.agency_a
    base = risk_scores([agency.pk])[agency.pk]
    assert {factor.code for factor in base.factors} == {"new_licence"}  # licensed today, never audited
    Complaint.objects.create(reference="CMP-2026-00001", agency=agency, category="fees", description="Charged", due_on=today())
    with_complaint = risk_scores([agency.pk])[agency.pk]
    assert with_complaint.total == base.total + 3  # risk.weight_complaints
    audit = reported(cast)
    scores = risk_scores([agency.pk])[agency.pk]
    assert "findings_major" in {factor.code for factor in scores.factors}
    assert scores.total == with_complaint.total + 5  # one open major finding
    later = risk_scores([agency.pk], today() + datetime.timedelta(days=95))[agency.pk]
    months = next(factor for factor in later.factors if factor.code == "time_since_audit")
    assert months.points == 3 and "new_licence" in {factor.code for factor in later.factors}
    assert audit.reference


def test_past_suspensions_and_deployed_workers_count(inspectorate):
    from agencies.services import sanction_licence

    agency = inspectorate.agency_a
    licence = agency.licences.get()
    before = risk_scores([agency.pk])[agency.pk].total
    sanction_licence(licence_id=licence.pk, action="suspend", by=inspectorate.licensing_officer, reason="Fees")
    sanction_licence(licence_id=licence.pk, action="reinstate", by=inspectorate.licensing_officer, reason="Refunded")
    assert risk_scores([agency.pk])[agency.pk].total == before + 6


def test_the_ranking_scores_every_licensed_agency_as_each_alone_and_no_other(client, inspectorate):
    """The ranking asks its counts of all agencies at once and reads the licensed ones' (risk_scores()): each score
    is the one the agency gets on its own, and an agency without a licence in force is left out whatever it has."""
    cast = inspectorate
    Complaint.objects.create(reference="CMP-2026-00001", agency=cast.agency_a, category="fees", description="x", due_on=today())
    reported(cast)  # an open major finding for agency A
    long_ago, lately = today() - datetime.timedelta(days=400), today() - datetime.timedelta(days=30)
    second = LicenceFactory(issued_on=long_ago, valid_from=lately).agency
    unlicensed = cast.agency_b  # no licence, yet a complaint of its own
    Complaint.objects.create(reference="CMP-2026-00002", agency=unlicensed, category="fees", description="x", due_on=today())
    ranking = risk_scores()
    assert set(ranking) == {cast.agency_a.pk, second.pk}
    for agency_id, score in ranking.items():
        alone = risk_scores([agency_id])[agency_id]
        assert [(f.code, f.points, f.detail) for f in score.factors] == [(f.code, f.points, f.detail) for f in alone.factors]
    assert {f.code for f in ranking[cast.agency_a.pk].factors} >= {"complaints", "findings_major"}
    assert "never audited; licensed 13 months ago" in [f.detail for f in ranking[second.pk].factors]

    client.force_login(cast.chief_inspector)
    page = client.get(reverse("inspections:risk_ranking")).content.decode()
    assert "never audited; licensed 13 months ago" in page and "Open major findings (1)" in page
    assert str(unlicensed) not in page


def test_risk_for_many_agencies_takes_a_fixed_number_of_queries(inspectorate, django_assert_max_num_queries):
    ids = [LicenceFactory().agency_id for _ in range(15)]
    with django_assert_max_num_queries(20):
        scores = risk_scores(ids)
    assert len(scores) == 15


# --- Plans ------------------------------------------------------------------------------------------------


def test_a_plan_is_a_proposal_until_confirmed(inspectorate):
    cast = inspectorate
    LicenceFactory()  # a second licensed agency
    start = today() + datetime.timedelta(days=1)
    plan = services.propose_plan(by=cast.chief_inspector, starts_on=start, ends_on=start + datetime.timedelta(days=30))
    assert plan.items.count() == 2 and not Audit.objects.exists()
    audits = services.confirm_plan(by=cast.chief_inspector, plan_id=plan.pk)
    assert len(audits) == 2 and {audit.status for audit in audits} == {AuditStatus.PLANNED}
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CONFIRMED
    with pytest.raises(ValidationError):
        services.confirm_plan(by=cast.chief_inspector, plan_id=plan.pk)


def test_no_inspectors_means_no_plan_and_nothing_saved(cast):
    LicenceFactory(agency=cast.agency_a)
    start = today() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.propose_plan(by=cast.chief_inspector, starts_on=start, ends_on=start + datetime.timedelta(days=30))
    assert "No inspector" in str(refused.value)
    assert not AuditPlan.objects.exists()


def test_a_plan_cannot_start_in_the_past_or_end_before_it_starts(inspectorate):
    with pytest.raises(ValidationError):
        services.propose_plan(by=inspectorate.chief_inspector, starts_on=today() - datetime.timedelta(days=1), ends_on=today())
    with pytest.raises(ValidationError):
        services.propose_plan(
            by=inspectorate.chief_inspector,
            starts_on=today() + datetime.timedelta(days=5),
            ends_on=today() + datetime.timedelta(days=2),
        )


def test_moving_an_audit_onto_leave_or_a_booked_day_is_refused(inspectorate):
    cast = inspectorate
    LicenceFactory()
    start = today() + datetime.timedelta(days=1)
    plan = services.propose_plan(by=cast.chief_inspector, starts_on=start, ends_on=start + datetime.timedelta(days=30))
    first, second = list(plan.items.order_by("day"))
    with pytest.raises(ValidationError) as refused:
        services.change_plan_item(by=cast.chief_inspector, item_id=second.pk, inspector_id=cast.inspector.pk, day=first.day)
    assert "two audits for one inspector on one day" in str(refused.value)
    leave_day = start + datetime.timedelta(days=20)
    InspectorLeave.objects.create(inspector=cast.inspector, starts_on=leave_day, ends_on=leave_day)
    with pytest.raises(ValidationError) as refused:
        services.change_plan_item(by=cast.chief_inspector, item_id=second.pk, inspector_id=cast.inspector.pk, day=leave_day)
    assert "on leave" in str(refused.value)
    second.refresh_from_db()
    assert second.day != leave_day


def test_leave_over_booked_audits_is_refused(inspectorate):
    audit = booked_audit(inspectorate, day=today() + datetime.timedelta(days=3))
    with pytest.raises(ValidationError) as refused:
        services.add_leave(
            by=inspectorate.inspector,
            inspector_id=inspectorate.inspector.pk,
            starts_on=audit.scheduled_on,
            ends_on=audit.scheduled_on,
        )
    assert audit.reference in str(refused.value)


def test_a_conflict_of_interest_keeps_the_inspector_away(inspectorate):
    services.declare_conflict(
        by=inspectorate.inspector, inspector_id=inspectorate.inspector.pk, agency_id=inspectorate.agency_a.pk, note="My cousin"
    )
    with pytest.raises(ValidationError) as refused:
        booked_audit(inspectorate, day=today() + datetime.timedelta(days=2))
    assert "conflict of interest" in str(refused.value)


def test_an_inspector_cannot_manage_someone_elses_availability(inspectorate):
    other = inspector()
    with pytest.raises(PermissionDenied):
        services.add_leave(by=inspectorate.inspector, inspector_id=other.pk, starts_on=today(), ends_on=today())


# --- Audits ------------------------------------------------------------------------------------------------


def test_an_announced_audit_tells_the_agency_and_an_unannounced_one_does_not(inspectorate):
    cast = inspectorate
    announced = booked_audit(cast, day=today() + datetime.timedelta(days=5))
    services.schedule_audit(by=cast.chief_inspector, audit_id=announced.pk, announced=True)
    assert AgencyNotice.objects.filter(agency=cast.agency_a, kind=NoticeKind.AUDIT_ANNOUNCED).count() == 1
    surprise = booked_audit(cast, day=today() + datetime.timedelta(days=6))
    services.schedule_audit(by=cast.chief_inspector, audit_id=surprise.pk, announced=False)
    assert AgencyNotice.objects.filter(agency=cast.agency_a, kind=NoticeKind.AUDIT_ANNOUNCED).count() == 1
    visible = set(Audit.objects.visible_to(cast.agency_staff).values_list("pk", flat=True))
    assert announced.pk in visible and surprise.pk not in visible


def test_an_audit_cannot_start_before_its_day(inspectorate):
    audit = booked_audit(inspectorate, day=today() + datetime.timedelta(days=2))
    with pytest.raises(ValidationError):
        services.start_audit(by=inspectorate.inspector, audit_id=audit.pk)


def test_only_the_audits_inspector_fills_its_checklist(inspectorate):
    audit = booked_audit(inspectorate)
    other = inspector()
    from django.http import Http404

    with pytest.raises((PermissionDenied, Http404)):
        services.start_audit(by=other, audit_id=audit.pk)


def test_a_report_with_unanswered_items_is_refused(inspectorate):
    audit = booked_audit(inspectorate)
    services.start_audit(by=inspectorate.inspector, audit_id=audit.pk)
    with pytest.raises(ValidationError) as refused:
        services.submit_report(by=inspectorate.inspector, audit_id=audit.pk)
    assert "FEE-01 is not answered." in refused.value.messages
    audit.refresh_from_db()
    assert audit.status == AuditStatus.IN_PROGRESS and not Finding.objects.exists()


def test_a_non_compliant_item_needs_severity_and_a_corrective_action(inspectorate):
    cast = inspectorate
    audit = booked_audit(cast)
    services.start_audit(by=cast.inspector, audit_id=audit.pk)
    answer_everything(cast, audit)
    item = ChecklistItem.objects.get(code="FEE-01")
    services.save_checklist(
        by=cast.inspector,
        audit_id=audit.pk,
        answers={item.pk: {"answer": Answer.NON_COMPLIANT}},
        workers_interviewed=3,
        summary="",
    )
    with pytest.raises(ValidationError) as refused:
        services.submit_report(by=cast.inspector, audit_id=audit.pk)
    assert "FEE-01 is non-compliant" in str(refused.value)


def test_a_corrective_action_due_in_the_past_is_refused(inspectorate):
    cast = inspectorate
    audit = booked_audit(cast)
    services.start_audit(by=cast.inspector, audit_id=audit.pk)
    item = ChecklistItem.objects.get(code="FEE-01")
    with pytest.raises(ValidationError):
        services.save_checklist(
            by=cast.inspector,
            audit_id=audit.pk,
            answers={
                item.pk: {
                    "answer": Answer.NON_COMPLIANT,
                    "severity": "minor",
                    "action_required": "x",
                    "action_due_on": today() - datetime.timedelta(days=1),
                }
            },
            workers_interviewed=1,
            summary="",
        )


def test_findings_reach_the_agency_only_after_review(inspectorate):
    cast = inspectorate
    audit = reported(cast)
    finding = Finding.objects.get(audit=audit)
    action = CorrectiveAction.objects.get(finding=finding)
    assert finding.severity == Severity.MAJOR and action.description.startswith("Refund")
    assert not CorrectiveAction.objects.visible_to(cast.agency_staff).exists()
    services.review_audit(by=cast.chief_inspector, audit_id=audit.pk, note="Sound report")
    assert list(CorrectiveAction.objects.visible_to(cast.agency_staff)) == [action]
    assert AgencyNotice.objects.filter(agency=cast.agency_a, kind=NoticeKind.CORRECTIVE_ACTIONS).exists()
    assert not CorrectiveAction.objects.visible_to(cast.other_agency_staff).exists()


def test_corrective_action_answer_accept_and_reject(inspectorate):
    cast = inspectorate
    audit = reported(cast)
    services.review_audit(by=cast.chief_inspector, audit_id=audit.pk)
    action = CorrectiveAction.objects.get()
    with pytest.raises(ValidationError):
        services.respond_to_action(by=cast.agency_staff, action_id=action.pk, response="  ")
    services.respond_to_action(
        by=cast.agency_staff, action_id=action.pk, response="Refunded", uploads=[pdf_upload("receipts.pdf")]
    )
    with pytest.raises(ValidationError):
        services.decide_action(by=cast.inspector, action_id=action.pk, accept=False, note="")
    services.decide_action(by=cast.inspector, action_id=action.pk, accept=False, note="Only half refunded")
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN
    assert AgencyNotice.objects.filter(kind=NoticeKind.ACTION_REJECTED).exists()
    with pytest.raises(ValidationError):
        services.close_audit(by=cast.chief_inspector, audit_id=audit.pk)
    services.respond_to_action(by=cast.agency_staff, action_id=action.pk, response="All refunded")
    services.decide_action(by=cast.inspector, action_id=action.pk, accept=True)
    assert Finding.objects.get().closed_at is not None
    services.close_audit(by=cast.chief_inspector, audit_id=audit.pk)


def test_evidence_that_is_not_a_document_is_refused(inspectorate):
    from django.core.files.uploadedfile import SimpleUploadedFile

    cast = inspectorate
    audit = reported(cast)
    services.review_audit(by=cast.chief_inspector, audit_id=audit.pk)
    action = CorrectiveAction.objects.get()
    fake = SimpleUploadedFile("photo.jpg", b"GIF89a not a jpeg", content_type="image/jpeg")
    with pytest.raises(ValidationError):
        services.respond_to_action(by=cast.agency_staff, action_id=action.pk, response="Done", uploads=[fake])
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN and not action.evidence.exists()


def test_overdue_actions_are_flagged_once_and_plan_one_follow_up(inspectorate):
    cast = inspectorate
    audit = reported(cast)
    services.review_audit(by=cast.chief_inspector, audit_id=audit.pk)
    CorrectiveAction.objects.update(due_on=today() - datetime.timedelta(days=1))
    assert services.flag_overdue_actions() == "flagged 1 overdue corrective actions, planned 1 follow-up audits"
    assert services.flag_overdue_actions() == "flagged 0 overdue corrective actions, planned 0 follow-up audits"
    follow_up = Audit.objects.get(kind=AuditKind.FOLLOW_UP)
    assert follow_up.follow_up_of == audit and follow_up.scheduled_on >= today() + datetime.timedelta(days=7)
    assert AgencyNotice.objects.filter(kind=NoticeKind.ACTION_OVERDUE).count() == 1


# --- Sanctions ---------------------------------------------------------------------------------------------------


def test_a_recommendation_needs_a_critical_finding(inspectorate):
    cast = inspectorate
    audit = reported(cast)
    services.review_audit(by=cast.chief_inspector, audit_id=audit.pk)
    with pytest.raises(ValidationError):
        services.recommend_sanction(by=cast.chief_inspector, audit_id=audit.pk, action="suspend", reason="Fees")


def test_the_licensing_officer_suspends_on_the_recommendation_naming_the_audit(inspectorate):
    cast = inspectorate
    audit = reported(cast, critical=True)
    services.review_audit(by=cast.chief_inspector, audit_id=audit.pk)
    recommendation = services.recommend_sanction(
        by=cast.chief_inspector, audit_id=audit.pk, action="suspend", reason="Fees charged to 40 workers"
    )
    with pytest.raises(PermissionDenied):
        services.decide_recommendation(by=cast.chief_inspector, recommendation_id=recommendation.pk, accept=True, note="x")
    services.decide_recommendation(
        by=cast.licensing_officer, recommendation_id=recommendation.pk, accept=True, note="Suspended pending refunds"
    )
    licence = cast.agency_a.licences.get()
    assert licence.status == "suspended" and audit.reference in licence.status_reason
    assert SanctionRecommendation.objects.get().status == "decided"


# --- Screens ------------------------------------------------------------------------------------------------------


def test_the_chief_plans_and_confirms_on_screen(client, inspectorate):
    client.force_login(inspectorate.chief_inspector)
    start = today() + datetime.timedelta(days=1)
    response = client.post(
        reverse("inspections:plan_create"),
        {"starts_on": start.isoformat(), "ends_on": (start + datetime.timedelta(days=20)).isoformat(), "risk_threshold": "0"},
    )
    plan = AuditPlan.objects.get()
    assert response["Location"] == reverse("inspections:plan_detail", args=[plan.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Confirm the plan" in page and str(inspectorate.agency_a) in page
    client.post(reverse("inspections:plan_confirm", args=[plan.pk]))
    assert Audit.objects.count() == 1


def test_the_inspector_fills_the_checklist_on_screen(client, inspectorate):
    cast = inspectorate
    audit = booked_audit(cast)
    client.force_login(cast.inspector)
    client.post(reverse("inspections:audit_start", args=[audit.pk]), {"seen_status": "planned"})
    page = client.get(reverse("inspections:audit_checklist", args=[audit.pk]))
    assert page.status_code == 200 and "FEE-01" in page.content.decode()
    data = {"workers_interviewed": "4", "summary": "ok", "action": "submit"}
    for item in ChecklistItem.objects.all():
        data[f"item-{item.pk}-answer"] = "compliant"
    response = client.post(reverse("inspections:audit_checklist", args=[audit.pk]), data)
    assert response.status_code == 302
    audit.refresh_from_db()
    assert audit.status == AuditStatus.REPORT_SUBMITTED and audit.workers_interviewed == 4


def test_the_agency_page_shows_risk_to_the_ministry_only(client, inspectorate):
    cast = inspectorate
    client.force_login(cast.chief_inspector)
    assert "Inspection risk score" in client.get(reverse("agencies:agency_detail", args=[cast.agency_a.pk])).content.decode()
    client.force_login(cast.agency_staff)
    page = client.get(reverse("agencies:agency_detail", args=[cast.agency_a.pk])).content.decode()
    assert "Inspection risk score" not in page and "Audits and findings" in page


def test_inspectors_see_only_their_own_audits(client, inspectorate):
    cast = inspectorate
    mine = booked_audit(cast, day=today() + datetime.timedelta(days=1))
    other = inspector()
    theirs = services.create_audit(
        by=cast.chief_inspector,
        agency_id=cast.agency_a.pk,
        inspector_id=other.pk,
        day=today() + datetime.timedelta(days=2),
        kind=AuditKind.ROUTINE,
        announced=True,
    )
    client.force_login(cast.inspector)
    listing = client.get(reverse("inspections:audit_list")).content.decode()
    assert mine.reference in listing and theirs.reference not in listing
    assert client.get(reverse("inspections:audit_detail", args=[theirs.pk])).status_code == 404


def test_an_agency_is_not_told_an_audit_came_from_a_complaint(client, inspectorate):
    cast = inspectorate
    audit = services.create_audit(
        by=cast.chief_inspector,
        agency_id=cast.agency_a.pk,
        inspector_id=cast.inspector.pk,
        day=today(),
        kind=AuditKind.COMPLAINT,
        announced=True,
    )
    services.schedule_audit(by=cast.chief_inspector, audit_id=audit.pk, announced=True)
    client.force_login(cast.agency_staff)
    for url in (reverse("inspections:audit_detail", args=[audit.pk]), reverse("inspections:audit_list")):
        page = client.get(url).content.decode()
        assert audit.reference in page and "Complaint-driven" not in page
    client.force_login(cast.chief_inspector)
    assert "Complaint-driven" in client.get(reverse("inspections:audit_detail", args=[audit.pk])).content.decode()
    client.force_login(cast.agency_staff)
    filtered = client.get(reverse("inspections:audit_list") + "?kind=complaint").content.decode()
    assert audit.reference in filtered  # the kind filter is not offered to agencies, so it filters nothing


def test_no_audit_is_booked_on_a_public_holiday(inspectorate):
    from inspections.models import PublicHoliday

    holiday = today() + datetime.timedelta(days=3)
    PublicHoliday.objects.update_or_create(day=holiday, defaults={"name": "Test holiday"})
    with pytest.raises(ValidationError) as refused:
        booked_audit(inspectorate, day=holiday)
    assert "public holiday" in str(refused.value)
    plan = services.propose_plan(by=inspectorate.chief_inspector, starts_on=holiday, ends_on=holiday + datetime.timedelta(days=3))
    assert holiday not in set(plan.items.values_list("day", flat=True))


def test_public_holidays_are_seeded():
    from inspections.models import PublicHoliday

    days = {(row.day.month, row.day.day) for row in PublicHoliday.objects.filter(day__year=2027)}
    assert {(3, 11), (10, 4), (3, 26), (3, 29)} <= days  # Moshoeshoe's Day, Independence Day, Good Friday, Easter Monday
