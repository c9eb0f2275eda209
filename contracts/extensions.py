"""What contracts adds to core's registries: menu entries, queues, record sections, the reminder job and demo data."""

from django.utils.translation import gettext_lazy as _

from core import access, registry


def _seed_contracts(scale):
    from contracts.demo import seed_contracts

    return seed_contracts(scale)


registry.register_demo_seeder(registry.DemoSeeder(name="contracts.contracts", seed=_seed_contracts, order=50))


def _ending_reminders():
    from contracts.services import send_ending_reminders

    return send_ending_reminders()


registry.register_job(registry.ScheduledJob(name="contracts.ending_reminders", run=_ending_reminders))

registry.register_nav(registry.NavItem(_("Contracts"), "contracts:contract_list", "contracts.view", order=40))
registry.register_nav(registry.NavItem(_("Job orders"), "contracts:job_order_list", "job_orders.view", order=41))
registry.register_nav(registry.NavItem(_("Agreements"), "contracts:agreement_list", "agreements.view", order=42))
registry.register_nav(registry.NavItem(_("Employers"), "contracts:employer_list", "employers.view", order=43))


def _registrar_queues(request):
    """What waits for a registrar: three counts and the oldest few of each."""
    from contracts.models import Contract, ContractStatus, JobOrder, JobOrderStatus
    from core.dates import today

    contracts = (
        Contract.objects.filter(status=ContractStatus.SUBMITTED).select_related("worker", "agency").order_by("submitted_at")
    )
    job_orders = (
        JobOrder.objects.filter(status=JobOrderStatus.SUBMITTED).select_related("agency", "employer").order_by("submitted_at")
    )
    overdue = Contract.objects.overdue_return(today())
    return {
        "contracts": list(contracts[:5]),
        "contract_count": contracts.count(),
        "job_orders": list(job_orders[:5]),
        "job_order_count": job_orders.count(),
        "overdue_count": overdue.count(),
    }


registry.register_panel(
    registry.Panel(
        key="contracts.registrar_queues",
        title=_("Contracts and job orders waiting for you"),
        template="contracts/panels/registrar_queues.html",
        capability="contracts.decide",
        context=_registrar_queues,
        order=20,
    )
)


def _agency_contracts(request):
    """An agency's contracts by state, and those the ministry returned for correction."""
    from django.db.models import Count

    from contracts.models import Contract, ContractStatus

    mine = Contract.objects.visible_to(request.user)
    counts = {row["status"]: row["count"] for row in mine.values("status").annotate(count=Count("pk")).order_by()}
    returned = list(mine.filter(status=ContractStatus.RETURNED).select_related("worker").order_by("-pk")[:5])
    states = [(label, counts.get(value, 0), value) for value, label in ContractStatus.choices if counts.get(value)]
    return {"states": states, "returned": returned}


registry.register_panel(
    registry.Panel(
        key="contracts.agency",
        title=_("Your contracts"),
        template="contracts/panels/agency_contracts.html",
        capability="contracts.draft",
        context=_agency_contracts,
        order=25,
    )
)


def _worker_contracts(request, worker):
    from contracts.models import Contract

    contracts = (
        access.visible_to(request.user, Contract.objects.filter(worker=worker))
        .select_related("employer__country", "agency")
        .order_by("-start_date")
    )
    return {"contracts": list(contracts)}


registry.register_section(
    "workers.worker",
    registry.Section(
        key="contracts.worker",
        title=_("Contracts"),
        template="contracts/sections/worker_contracts.html",
        capability="contracts.view",
        context=_worker_contracts,
        order=40,
    ),
)


# --- SMS: STATUS ---------------------------------------------------------------------------------------------

# Contracts no longer in play are not "current": the latest of the others is.
ENDED_STATES = ("cancelled", "rejected")


def _status_by_sms(context):
    """The sender's current contract, training and clearance; nothing personal to a number that is not one worker's."""
    from django.utils import timezone, translation

    from contracts.models import Contract
    from core.dates import today
    from notifications.inbound import render_for
    from predeparture.models import Enrolment

    if not context.known or context.worker_id is None:
        return render_for(context, "status.unknown")
    contract = (
        Contract.objects.filter(worker_id=context.worker_id)
        .exclude(status__in=ENDED_STATES)
        .select_related("clearance")
        .order_by("-start_date", "-pk")
        .first()
    )
    enrolment = (
        Enrolment.objects.filter(worker_id=context.worker_id)
        .select_related("session", "certificate")
        .order_by("-session__starts_at", "-pk")
        .first()
    )
    values = {"reference": f"WRK-{context.worker_id:06d}"}
    with translation.override(context.language):
        if contract is not None:
            clearance = getattr(contract, "clearance", None)
            values |= {
                "contract": contract.reference,
                "contract_status": str(contract.get_status_display()).lower(),
                "contract_end": f"{contract.end_date:%d/%m/%Y}",
                "clearance": clearance.number if clearance else "",
            }
    if enrolment is not None:
        certificate = getattr(enrolment, "certificate", None)
        if certificate is not None and certificate.expires_on < today():
            # Valid through its expiry date (Maseru time): after it, the worker must train again before deployment.
            values["certificate_expired"] = certificate.number
            values["certificate_expired_on"] = f"{certificate.expires_on:%d/%m/%Y}"
        elif certificate is not None:
            values["certificate"] = certificate.number
        elif enrolment.status in ("enrolled", "waiting"):
            values["session"] = f"{timezone.localtime(enrolment.session.starts_at):%d/%m/%Y}"
    return render_for(context, "status.worker", values)


def _register_sms_commands():
    from notifications.commands import register_command

    register_command(["STATUS", "BOEMO"], _status_by_sms)


_register_sms_commands()


# The lists behind the compliance reports' oversight and reach figures belong to earlier apps, which cannot name
# agreements: they offer a filter slot and contracts fills it with the reports' own definitions.
def _register_list_filters():
    from contracts.filters import active_under_filter, numbers_under_filter, workers_under_filter

    registry.register_list_filter("agencies.agency", active_under_filter("pk"))
    registry.register_list_filter("agencies.licence", active_under_filter("agency_id"))
    registry.register_list_filter("notifications.outbox", workers_under_filter("worker_id"))
    registry.register_list_filter("notifications.failed_numbers", numbers_under_filter("number"))


_register_list_filters()
