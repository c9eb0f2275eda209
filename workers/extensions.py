"""What workers adds to core's registries: the menu entry, the agency's dashboard panel, demo data."""

import logging

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from core import access, registry
from notifications.services import register_send_guard

registry.register_nav(registry.NavItem(_("Workers"), "workers:worker_list", "workers.view", order=20))


def _own_workers(request):
    from workers.models import AgencyWorker

    agency_id = access.agency_id_of(request.user)
    return {
        # The agency's open links, one per worker (one_open_link_per_agency_worker): counted from that index alone,
        # 11 ms for an agency of 97,000 workers where counting the workers through the links took 37 ms.
        "count": AgencyWorker.objects.for_agency(agency_id).open().count() if agency_id else 0,
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


RECORD_VIEWS_SHOWN = 20


def _record_views(request, worker):
    """The last people who opened this worker's full record, newest first: one query."""
    from workers.models import WorkerRecordView

    views = WorkerRecordView.objects.filter(worker=worker).select_related("viewed_by").order_by("-viewed_at", "-pk")
    return {"views": list(views[:RECORD_VIEWS_SHOWN]), "shown": RECORD_VIEWS_SHOWN}


registry.register_section(
    "workers.worker",
    registry.Section(
        key="workers.record_views",
        title=_("Who has seen this record"),
        template="workers/sections/record_views.html",
        capability="personal_data.audit",
        context=_record_views,
        order=95,
    ),
)


def _seed_workers(scale):
    from workers.demo import seed_workers

    return seed_workers(scale)


registry.register_demo_seeder(registry.DemoSeeder(name="workers.workers", seed=_seed_workers, order=30))


# --- SMS: the conversation with the worker, and what notifications needs to know about numbers -------------

CONVERSATION_LENGTH = 20


def _worker_sms(request, worker):
    """The conversation with the worker: SMS sent about them or to their mobile, and what they sent, newest first.

    Two queries whatever the history's length. Whether a worker complained is for those who may see complainants:
    the SMS about a complaint and a COMPLAIN they sent are left out for everyone else, and agency staff see only what
    was sent (a worker's own words may be about their agency), not even our replies to those words.
    """
    from django.db.models import Q

    from notifications.models import InboundSms, OutboundSms

    number = worker.mobile.as_e164 if worker.mobile else None
    sent = OutboundSms.objects.filter(Q(worker_id=worker.pk) | Q(to=number) if number else Q(worker_id=worker.pk))
    received = InboundSms.objects.filter(Q(worker_id=worker.pk) | Q(from_number=number) if number else Q(worker_id=worker.pk))
    if not access.can(request.user, "complaints.identity"):
        sent = sent.exclude(template_key__startswith="complaint.")
        received = received.exclude(command="COMPLAIN")
    if not access.is_ministry(request.user):
        sent = sent.filter(replied_to__isnull=True)
    entries = [
        {"at": message.created_at, "outbound": True, "message": message}
        for message in sent.select_related("replied_to").order_by("-created_at", "-pk")[:CONVERSATION_LENGTH]
    ]
    if access.is_ministry(request.user):
        entries += [
            {"at": message.received_at, "outbound": False, "message": message}
            for message in received.order_by("-received_at", "-pk")[:CONVERSATION_LENGTH]
        ]
    entries.sort(key=lambda entry: entry["at"], reverse=True)
    return {"messages": entries[:CONVERSATION_LENGTH]}


registry.register_section(
    "workers.worker",
    registry.Section(
        key="workers.sms",
        title=_("SMS with this worker"),
        template="workers/sections/sms.html",
        capability="workers.view",
        context=_worker_sms,
        order=80,
    ),
)


def _answer_form(request, worker, number):
    """The one form for the worker's answer about SMS, and where it goes: (form, address) or (None, "").

    Staff who manage SMS record an opt-out or opt-in of the number (notifications' STOP and START services: the
    number is suppressed or freed, every worker on it follows, the worker is told); other staff who register
    workers record this worker's consent (which lifts an earlier STOP of the number too). A worker with no number
    can only have their consent recorded.
    """
    from django.urls import reverse

    from notifications.forms import StaffOptOutForm
    from workers.forms import ConsentForm

    if number and access.can(request.user, "sms.manage"):
        return StaffOptOutForm(auto_id="sms_%s"), reverse("notifications:worker_opt_out", args=[worker.pk])
    if access.can(request.user, "workers.register"):
        return ConsentForm(auto_id="consent_%s"), reverse("workers:worker_consent", args=[worker.pk])
    return None, ""


def _worker_sms_standing(request, worker):
    """The worker's consent, whether SMS reach their number (opted out, or failed and needing a fix), the one form
    for their answer about SMS, and what an SMS STATUS would answer, for staff reading it to a caller."""
    from django.utils.translation import get_language

    from notifications import commands
    from notifications.models import SuppressedNumber

    number = worker.mobile.as_e164 if worker.mobile else ""
    suppressed = SuppressedNumber.objects.filter(number=number).first() if number else None
    status_text = ""
    status_command = commands.COMMANDS.get("STATUS")
    if status_command is not None:
        language = (get_language() or "").split("-")[0]
        try:
            status_text = status_command.handler(
                commands.InboundContext(
                    number=number,
                    text="",
                    worker_id=worker.pk,
                    language=commands.normalise_language(language if language in ("en", "st") else worker.preferred_language),
                    known=True,
                )
            )
        except Exception:  # a helper for staff must never take the worker's page down with it
            logging.getLogger(__name__).exception("Could not compose the STATUS answer for worker %s", worker.pk)
    answer_form, answer_action = _answer_form(request, worker, number)
    return {
        "number": number,
        "suppressed": suppressed,
        "consented": worker.sms_consent,
        "answer_form": answer_form,
        "answer_action": answer_action,
        "status_text": status_text,
    }


registry.register_section(
    "workers.worker",
    registry.Section(
        key="workers.sms_standing",
        title=_("SMS: consent and number"),
        template="workers/sections/sms_standing.html",
        capability="workers.view",
        context=_worker_sms_standing,
        order=79,
    ),
)


def _owner_of_number(number):
    """The one registered worker with this mobile; nobody when none or several share it (a family phone says nothing
    personal about anyone)."""
    from notifications.commands import NumberOwner
    from workers.models import Worker

    owners = list(Worker.objects.filter(mobile=number).values_list("pk", "preferred_language")[:2])
    if len(owners) != 1:
        return None
    return NumberOwner(worker_id=owners[0][0], language=owners[0][1])


def _consent_follows_number(*, number, opted_in, method, by=None):
    from workers.services import record_consent_for_number

    record_consent_for_number(number=number, consented=opted_in, method=method, by=by)


def _number_of_worker(user, worker_id):
    from workers.models import Worker

    worker = Worker.objects.visible_to(user).filter(pk=worker_id).only("mobile").first()
    return worker.mobile.as_e164 if worker and worker.mobile else None


def _workers_of_numbers(numbers):
    from workers.models import Worker

    found = {}
    for pk, mobile, first, last in Worker.objects.filter(mobile__in=numbers).values_list(
        "pk", "mobile", "first_name", "last_name"
    ):
        found.setdefault(mobile.as_e164, []).append((pk, f"{first} {last}"))
    return found


def _register_with_notifications():
    from notifications import commands

    commands.register_number_resolver(_owner_of_number)
    commands.register_opt_out_listener(_consent_follows_number)
    commands.register_worker_number(_number_of_worker)
    commands.register_number_directory(_workers_of_numbers)


_register_with_notifications()


# Why the guard below stops a message (kept in English on the outbox row, shown translated).
WITHOUT_CONSENT = gettext_noop("the worker has not agreed to SMS")


def _without_consent(messages):
    """Send guard: a worker who has withdrawn consent gets no SMS, even one queued before they withdrew it."""
    from workers.models import Worker

    worker_ids = {message.worker_id for message in messages if message.worker_id}
    if not worker_ids:
        return {}
    refused = set(Worker.objects.filter(pk__in=worker_ids, sms_consent=False).values_list("pk", flat=True))
    return {message.pk: WITHOUT_CONSENT for message in messages if message.worker_id in refused}


register_send_guard(_without_consent)


def _remove_old_import_files():
    from workers.retention import remove_old_import_files

    return remove_old_import_files()


# The retention period of uploaded workers' files (docs/data-protection.md, "How long").
registry.register_job(registry.ScheduledJob(name="workers.import_file_retention", run=_remove_old_import_files))
