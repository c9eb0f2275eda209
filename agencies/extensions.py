"""What agencies adds to core's registries: menu entries, dashboard panels, record sections, scheduled jobs, demo data."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import access, registry

registry.register_nav(registry.NavItem(_("Agencies"), "agencies:agency_list", "agencies.view", order=10))
registry.register_nav(registry.NavItem(_("Application queue"), "agencies:application_queue", "licensing.review", order=11))
registry.register_nav(registry.NavItem(_("Licences"), "agencies:licence_list", "licensing.view", order=12))


# --- Dashboard panels ------------------------------------------------------------------


def _own_agency(request):
    from agencies.models import Agency, LicenceStatus

    agency = Agency.objects.filter(pk=access.agency_id_of(request.user)).first()
    if agency is None:
        return {}
    licence = agency.licences.exclude(status=LicenceStatus.EXPIRED).first() or agency.licences.first()
    application = agency.applications.open().first()
    return {
        "agency": agency,
        "licence": licence,
        "application": application,
        "may_apply": application is None and access.can(request.user, "licensing.apply"),
        "notices": list(agency.notices.all()[:5]),
    }


def _agency_counts(request):
    from agencies.models import Agency, AgencyStatus

    return {
        "active": Agency.objects.filter(status=AgencyStatus.ACTIVE).count(),
        "disabled": Agency.objects.filter(status=AgencyStatus.DISABLED).count(),
    }


def _application_queue(request):
    from agencies.queries import application_queue, licences_with_bond_problems

    queue = application_queue()
    oldest = queue.exclude(submitted_at__isnull=True).first()
    return {
        "waiting": queue.count(),
        "oldest_days": (timezone.now() - oldest.submitted_at).days if oldest else None,
        "bond_problems": list(licences_with_bond_problems(timezone.localdate())[:10]),
    }


registry.register_panel(
    registry.Panel(
        key="agencies.own",
        title=_("Your agency"),
        template="agencies/panels/own_agency.html",
        capability="agencies.own",
        context=_own_agency,
        order=10,
    )
)
registry.register_panel(
    registry.Panel(
        key="agencies.queue",
        title=_("Licence applications"),
        template="agencies/panels/application_queue.html",
        capability="licensing.review",
        context=_application_queue,
        order=15,
    )
)
registry.register_panel(
    registry.Panel(
        key="agencies.counts",
        title=_("Agency accounts"),
        template="agencies/panels/agency_counts.html",
        capability="agencies.disable",
        context=_agency_counts,
        order=20,
    )
)


# --- Sections of the agency's page -----------------------------------------------------------


def _licences(request, agency):
    from agencies.queries import licences_with_bond_problems

    licences = list(agency.licences.all())
    return {
        "licences": licences,
        "bond_problem": licences_with_bond_problems(timezone.localdate()).filter(agency=agency).exists() if licences else False,
    }


registry.register_section(
    "agencies.agency",
    registry.Section(
        key="agencies.licences",
        title=_("Licences"),
        template="agencies/sections/licences.html",
        capability="licensing.view",
        context=_licences,
        order=10,
    ),
)
registry.register_section(
    "agencies.agency",
    registry.Section(
        key="agencies.applications",
        title=_("Licence applications"),
        template="agencies/sections/applications.html",
        capability="licensing.view",
        context=lambda request, agency: {"applications": list(agency.applications.all())},
        order=20,
    ),
)
registry.register_section(
    "agencies.agency",
    registry.Section(
        key="agencies.staff",
        title=_("Staff"),
        template="agencies/sections/staff.html",
        capability="licensing.view",
        context=lambda request, agency: {"staff": list(agency.memberships.filter(ended_at__isnull=True).select_related("user"))},
        order=30,
    ),
)
registry.register_section(
    "agencies.agency",
    registry.Section(
        key="agencies.notices",
        title=_("Notices from the ministry"),
        template="agencies/sections/notices.html",
        capability="licensing.view",
        context=lambda request, agency: {"notices": list(agency.notices.all()[:20])},
        order=40,
    ),
)


def _licensing_timeline(request, agency):
    """Every transition of the agency's applications and licences, newest first, with who, when and why."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q
    from django_fsm_log.models import StateLog

    from agencies.models import Licence, LicenceApplication

    application_type = ContentType.objects.get_for_model(LicenceApplication)
    licence_type = ContentType.objects.get_for_model(Licence)
    applications = {a.pk: a for a in agency.applications.all()}
    licences = {licence.pk: licence for licence in agency.licences.all()}
    logs = (
        StateLog.objects.filter(
            Q(content_type=application_type, object_id__in=list(applications))
            | Q(content_type=licence_type, object_id__in=list(licences))
        )
        .select_related("by")
        .order_by("-timestamp", "-pk")[:100]
    )
    entries = []
    for log in logs:
        record = (applications if log.content_type_id == application_type.pk else licences).get(log.object_id)
        states = type(record).status.field.choices if record is not None else []
        labels = dict(states)
        entries.append(
            {
                "when": log.timestamp,
                "who": log.by,
                "record": record,
                "change": f"{labels.get(log.source_state, log.source_state or '—')} → {labels.get(log.state, log.state)}",
                "reason": log.description or "",
            }
        )
    return {"entries": entries}


registry.register_section(
    "agencies.agency",
    registry.Section(
        key="agencies.timeline",
        title=_("Licensing history"),
        template="agencies/sections/timeline.html",
        capability="licensing.view",
        context=_licensing_timeline,
        order=50,
    ),
)


# --- Scheduled jobs ---------------------------------------------------------------------------


def _expire_licences():
    from agencies.services import expire_licences

    return expire_licences()


def _send_expiry_reminders():
    from agencies.services import send_expiry_reminders

    return send_expiry_reminders()


def _purge_unverified_signups():
    from agencies.accounts import purge_unverified_signups

    return purge_unverified_signups()


registry.register_job(registry.ScheduledJob(name="agencies.expire_licences", run=_expire_licences))
registry.register_job(registry.ScheduledJob(name="agencies.purge_unverified_signups", run=_purge_unverified_signups))
registry.register_job(registry.ScheduledJob(name="agencies.licence_expiry_reminders", run=_send_expiry_reminders))


# --- Demo data ----------------------------------------------------------------------------------


def _seed_agencies(scale):
    from agencies.demo import seed_agencies

    return seed_agencies(scale)


registry.register_demo_seeder(registry.DemoSeeder(name="agencies.agencies", seed=_seed_agencies, order=20))


# --- SMS: VERIFY <licence number> ---------------------------------------------------------------------------

# An agency's name is cut so that the answer stays within two SMS segments.
SMS_AGENCY_NAME_LENGTH = 40


def _verify_by_sms(context):
    """Whether the licence with this number lets its agency recruit: the public register's answer, by SMS."""
    from agencies.certificate import public_status
    from agencies.models import Licence, LicenceStatus
    from core.dates import today
    from core.text import normalise_reference
    from notifications.inbound import render_for

    number = normalise_reference(context.text.split()[0] if context.text.split() else "")[:30]
    if not number:
        return render_for(context, "verify.usage")
    licence = Licence.objects.select_related("agency").filter(number=number).first()
    if licence is None:
        return render_for(context, "verify.unknown", {"number": number})
    on = today()
    status = public_status(licence, on)
    agency = licence.agency.trading_name or licence.agency.legal_name
    values = {"number": licence.number, "agency": agency[:SMS_AGENCY_NAME_LENGTH], "until": f"{licence.expires_on:%d/%m/%Y}"}
    if status == LicenceStatus.ACTIVE and (licence.valid_from > on or not licence.agency.is_active):
        return render_for(context, "verify.not_recruiting", values)
    return render_for(context, f"verify.{status}", values)


def _agency_names():
    """Every agency's id and name, for the SMS outbox's agency filter and column (one query; agencies are few)."""
    from agencies.models import Agency

    return list(Agency.objects.order_by("legal_name", "pk").values_list("pk", "legal_name"))


def _register_sms_commands():
    from notifications.commands import register_agency_directory, register_command

    register_command(["VERIFY", "NETEFATSA"], _verify_by_sms)
    register_agency_directory(_agency_names)


_register_sms_commands()
