"""What workers adds to core's registries: the menu entry, the agency's dashboard panel, demo data."""

from django.utils.translation import gettext_lazy as _

from core import access, registry
from notifications.services import register_send_guard

registry.register_nav(registry.NavItem(_("Workers"), "workers:worker_list", "workers.view", order=20))


def _own_workers(request):
    from workers.models import Worker

    agency_id = access.agency_id_of(request.user)
    return {
        "count": Worker.objects.for_agency(agency_id).count() if agency_id else 0,
        "may_register": access.can(request.user, "workers.register"),
    }


registry.register_panel(
    registry.Panel(
        key="workers.own",
        title=_("Your workers"),
        template="workers/panels/own_workers.html",
        capability="agencies.own",  # agency staff only
        context=_own_workers,
        order=20,
    )
)


def _seed_workers(scale):
    from workers.demo import seed_workers

    return seed_workers(scale)


registry.register_demo_seeder(registry.DemoSeeder(name="workers.workers", seed=_seed_workers, order=30))


def _worker_sms(request, worker):
    """The SMS sent to the worker's mobile and how far each got (the outbox keeps the number, not the worker)."""
    from notifications.models import OutboundSms

    if not worker.mobile:
        return {"messages": []}
    messages = OutboundSms.objects.filter(to=worker.mobile.as_e164)
    if not access.can(request.user, "complaints.identity"):
        # An SMS about a complaint would tell the agency (or any officer) that this worker complained.
        messages = messages.exclude(template_key__startswith="complaint.")
    return {"messages": list(messages.order_by("-created_at")[:20])}


registry.register_section(
    "workers.worker",
    registry.Section(
        key="workers.sms",
        title=_("SMS to this worker"),
        template="workers/sections/sms.html",
        capability="workers.view",
        context=_worker_sms,
        order=80,
    ),
)


def _without_consent(messages):
    """Send guard: a worker who has withdrawn consent gets no SMS, even one queued before they withdrew it."""
    from workers.models import Worker

    worker_ids = {message.worker_id for message in messages if message.worker_id}
    if not worker_ids:
        return {}
    refused = set(Worker.objects.filter(pk__in=worker_ids, sms_consent=False).values_list("pk", flat=True))
    return {message.pk: "the worker has not agreed to SMS" for message in messages if message.worker_id in refused}


register_send_guard(_without_consent)
