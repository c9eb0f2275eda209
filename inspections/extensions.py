"""What inspections adds to core's registries: menu entries, dashboard panels, the agency page's audits and risk,
scheduled jobs and demo data."""

from django.utils.translation import gettext_lazy as _

from core import access, registry

registry.register_nav(registry.NavItem(_("Audits"), "inspections:audit_list", "audits.view", order=50))
registry.register_nav(registry.NavItem(_("Risk ranking"), "inspections:risk_ranking", "audits.plan", order=51))
registry.register_nav(registry.NavItem(_("Audit plans"), "inspections:plan_list", "audits.plan", order=52))
registry.register_nav(registry.NavItem(_("Complaints"), "inspections:complaint_list", "complaints.view", order=53))
registry.register_nav(registry.NavItem(_("Corrective actions"), "inspections:my_actions", "audits.respond", order=54))
registry.register_nav(registry.NavItem(_("My availability"), "inspections:my_availability", "inspectors.availability", order=55))
registry.register_nav(registry.NavItem(_("Inspectors"), "inspections:inspector_list", "audits.plan", order=56))
registry.register_nav(registry.NavItem(_("Public holidays"), "inspections:holiday_list", "audits.plan", order=58))
registry.register_nav(
    registry.NavItem(_("Sanction recommendations"), "inspections:recommendation_list", "licensing.sanction", order=57)
)


def _my_audits(request):
    """An inspector's day: audits today and this week."""
    from core.dates import today
    from inspections.forms import week_of
    from inspections.models import Audit, AuditStatus

    monday, sunday = week_of(today())
    audits = (
        Audit.objects.filter(inspector=request.user, scheduled_on__gte=monday, scheduled_on__lte=sunday)
        .exclude(status__in=[AuditStatus.CANCELLED, AuditStatus.CLOSED])
        .select_related("agency")
        .order_by("scheduled_on")
    )
    return {"audits": list(audits), "today": today()}


registry.register_panel(
    registry.Panel(
        key="inspections.my_audits",
        title=_("Your audits this week"),
        template="inspections/panels/my_audits.html",
        capability="audits.conduct",
        context=_my_audits,
        order=20,
    )
)


def _chief(request):
    from inspections.models import Audit, AuditStatus, Complaint, ComplaintStatus

    return {
        "to_review": list(Audit.objects.filter(status=AuditStatus.REPORT_SUBMITTED).select_related("agency")[:10]),
        "to_schedule": Audit.objects.filter(status=AuditStatus.PLANNED).count(),
        "escalated": Complaint.objects.filter(
            escalated_at__isnull=False, status__in=[ComplaintStatus.RECEIVED, ComplaintStatus.TRIAGED]
        ).count(),
    }


registry.register_panel(
    registry.Panel(
        key="inspections.chief",
        title=_("Inspections"),
        template="inspections/panels/chief.html",
        capability="audits.review",
        context=_chief,
        order=21,
    )
)


def _agency_actions(request):
    from core.dates import today
    from inspections.models import ActionStatus, Audit, CorrectiveAction

    actions = CorrectiveAction.objects.visible_to(request.user).filter(status=ActionStatus.OPEN).select_related("finding__audit")
    upcoming = Audit.objects.visible_to(request.user).filter(status="scheduled", scheduled_on__gte=today())
    return {
        "actions": list(actions.order_by("due_on")[:5]),
        "upcoming": list(upcoming.order_by("scheduled_on")[:3]),
        "today": today(),
    }


registry.register_panel(
    registry.Panel(
        key="inspections.agency",
        title=_("Labour inspections"),
        template="inspections/panels/agency.html",
        capability="audits.respond",
        context=_agency_actions,
        order=26,
    )
)


def _pending_recommendations(request):
    from inspections.models import RecommendationStatus, SanctionRecommendation

    return {
        "recommendations": list(
            SanctionRecommendation.objects.filter(status=RecommendationStatus.PENDING).select_related("audit__agency")[:5]
        )
    }


registry.register_panel(
    registry.Panel(
        key="inspections.recommendations",
        title=_("Sanctions recommended by the inspectorate"),
        template="inspections/panels/recommendations.html",
        capability="licensing.sanction",
        context=_pending_recommendations,
        order=15,
    )
)


def _agency_audits(request, agency):
    from inspections.models import Audit, Finding

    audits = access.visible_to(request.user, Audit.objects.filter(agency=agency)).select_related("inspector")
    findings = access.visible_to(request.user, Finding.objects.filter(audit__agency=agency)).select_related("audit", "item")
    audits = list(audits.order_by("-scheduled_on")[:20])
    for audit in audits:
        audit.kind_label = audit.kind_for(request.user)
    return {"audits": audits, "findings": list(findings.open()[:20])}


registry.register_section(
    "agencies.agency",
    registry.Section(
        key="inspections.audits",
        title=_("Audits and findings"),
        template="inspections/sections/agency_audits.html",
        capability="audits.view",
        context=_agency_audits,
        order=50,
    ),
)


def _agency_risk(request, agency):
    from inspections.risk import risk_scores

    return {"score": risk_scores([agency.pk])[agency.pk]}


registry.register_section(
    "agencies.agency",
    registry.Section(
        key="inspections.risk",
        title=_("Inspection risk score"),
        template="inspections/sections/agency_risk.html",
        capability="risk.view",
        context=_agency_risk,
        order=51,
    ),
)


def _overdue_actions():
    from inspections.services import flag_overdue_actions

    return flag_overdue_actions()


def _late_complaints():
    from inspections.complaints import escalate_late_complaints

    return escalate_late_complaints()


registry.register_job(registry.ScheduledJob(name="inspections.overdue_corrective_actions", run=_overdue_actions))
registry.register_job(registry.ScheduledJob(name="inspections.escalate_late_complaints", run=_late_complaints))


def _seed(scale):
    from inspections.demo import seed_inspections

    return seed_inspections(scale)


registry.register_demo_seeder(registry.DemoSeeder(name="inspections.inspections", seed=_seed, order=60))


# --- SMS: COMPLAIN (TLETLEBO) <what happened> ----------------------------------------------------------------

# Contracts in these states no longer tie a worker to their agency.
FINISHED_CONTRACT_STATES = ("cancelled", "rejected", "completed", "terminated", "repatriated")


def _current_agency_id(worker_id):
    """The agency of the worker's live contract, else of their latest open link to an agency."""
    from contracts.models import Contract
    from workers.models import AgencyWorker

    agency_id = (
        Contract.objects.filter(worker_id=worker_id)
        .exclude(status__in=FINISHED_CONTRACT_STATES)
        .order_by("-start_date", "-pk")
        .values_list("agency_id", flat=True)
        .first()
    )
    if agency_id is None:
        agency_id = (
            AgencyWorker.objects.filter(worker_id=worker_id, ended_at__isnull=True)
            .order_by("-started_at", "-pk")
            .values_list("agency_id", flat=True)
            .first()
        )
    return agency_id


def _complain_by_sms(context):
    """Record a complaint against the sender's agency (or the agency whose licence number starts the text)."""
    from agencies.models import Licence
    from core.text import normalise_reference
    from inspections import complaints
    from inspections.models import ComplaintCategory, ComplaintChannel
    from notifications.inbound import render_for

    text = context.text.strip()
    if not text:
        return render_for(context, "complaint.sms_usage")
    first, _space, rest = text.partition(" ")
    licence = Licence.objects.filter(number=normalise_reference(first)).values_list("agency_id", flat=True).first()
    agency_id = licence if licence is not None else (_current_agency_id(context.worker_id) if context.worker_id else None)
    if agency_id is None:
        return render_for(context, "complaint.sms_no_agency")
    description = (rest.strip() or text) if licence is not None else text
    complaint = complaints.record_complaint(
        by=None,
        data={
            "agency": agency_id,
            "category": ComplaintCategory.OTHER,  # an inspector sorts it at triage
            "description": description,
            "channel": ComplaintChannel.SMS,
            "worker": context.worker_id,
            "complainant_phone": context.number,
            "complainant_language": context.language,
        },
        tell_complainant=False,
    )
    agency = complaint.agency
    return render_for(
        context,
        "complaint.sms_recorded",
        {
            "agency": (agency.trading_name or agency.legal_name)[:40],
            "reference": complaint.reference,
            "due_on": f"{complaint.due_on:%d/%m/%Y}",
        },
    )


def _register_sms_commands():
    from notifications.commands import register_command

    register_command(["COMPLAIN", "TLETLEBO", "COMPLAINT"], _complain_by_sms)


_register_sms_commands()


# "Agency active under agreement" on the inspection lists: contracts' definition, the one the compliance reports'
# oversight figures count with, so a figure's link lists exactly what it counts.
def _register_list_filters():
    from contracts.filters import active_under_filter

    registry.register_list_filter("inspections.audit", active_under_filter("agency_id"))
    registry.register_list_filter("inspections.finding", active_under_filter("audit__agency_id"))
    registry.register_list_filter("inspections.corrective_action", active_under_filter("finding__audit__agency_id"))
    registry.register_list_filter("inspections.complaint", active_under_filter("agency_id"))


_register_list_filters()
