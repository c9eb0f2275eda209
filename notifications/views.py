from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import access
from core.access import requires
from core.actions import errors_to_messages
from core.lists import RecordListView
from notifications import commands, inbound, outbox_actions, queries
from notifications.filters import DeliveryRatesForm, FailedNumberFilter, InboundFilter, OutboxFilter, SmsTemplateFilter
from notifications.forms import SmsTemplateForm, StaffOptOutForm
from notifications.forms import preview as sms_preview
from notifications.models import OutboundSms, SmsStatus, SmsTemplate, SuppressionReason
from notifications.services import CONFIRMED, LEFT_FOR_STAFF, RECONCILE_GRACE, REQUEUED, UNREACHABLE
from notifications.tables import FailedNumberTable, InboundTable, OutboxTable, SmsTemplateTable


class SmsTemplateListView(RecordListView):
    capability = "sms_templates.manage"
    table_class = SmsTemplateTable
    filterset_class = SmsTemplateFilter
    export_name = "sms-texts"

    @property
    def page_title(self):
        return _("SMS texts")

    def get_queryset(self):
        return access.visible_to(self.request.user, SmsTemplate.objects.order_by("key", "language"))


@requires("sms_templates.manage")
def template_edit(request, pk):
    template = access.get_visible_or_404(request.user, SmsTemplate.objects.all(), pk=pk)
    form = SmsTemplateForm(request.POST or None, instance=template)
    # "Preview" shows the text as sent, with sample data and its cost in SMS, and saves nothing.
    previewing = "preview" in request.POST
    if request.method == "POST" and form.is_valid() and not previewing:
        with transaction.atomic():
            form.save()
        messages.success(request, _("The SMS text was saved."))
        return redirect("notifications:template_list")
    body = request.POST.get("body", "").strip() if request.method == "POST" else template.body
    return render(
        request,
        "notifications/template_edit.html",
        {
            "form": form,
            "record": template,
            "page_title": _("SMS text: %(key)s") % {"key": template.key},
            "cancel_url": reverse("notifications:template_list"),
            "preview": sms_preview(template.key, body),
        },
    )


# --- The SMS screens of the ministry ------------------------------------------------------------------------------


class OutboxListView(RecordListView):
    capability = "sms.view"
    table_class = OutboxTable
    filterset_class = OutboxFilter
    export_name = "sms-outbox"

    @property
    def page_title(self):
        return _("SMS outbox")

    def get_queryset(self):
        return access.visible_to(self.request.user, queries.outbox())


# --- One message of the outbox, and what staff may do with it --------------------------------------------------------


@requires("sms.view")
def outbox_message(request, pk):
    """What was sent, to whom, how it went; "check with the provider" and "send again" for those who manage SMS."""
    message = access.get_visible_or_404(request.user, queries.outbox_message(), pk=pk)
    may_manage = access.can(request.user, "sms.manage")
    return render(
        request,
        "notifications/outbox_message.html",
        {
            "record": message,
            "page_title": _("SMS %(number)s") % {"number": message.pk},
            "agency_name": dict(commands.agency_choices()).get(message.agency_id, "") if message.agency_id else "",
            "resends": list(message.resends.order_by("pk")),
            "history": {"entries": queries.message_history(message)},
            "may_check": may_manage and message.status == SmsStatus.UNCONFIRMED,
            "may_send_again": may_manage and message.status in outbox_actions.MAY_SEND_AGAIN,
            "grace_ends_at": message.status_changed_at + RECONCILE_GRACE,
        },
    )


def _check_outcome(result, message) -> tuple[int, str]:
    """The message level and text that tell staff what the check found."""
    from django.utils import timezone

    if result.outcome == CONFIRMED:
        return messages.SUCCESS, _("The provider has this message: it is now marked as sent (provider message SID %(sid)s).") % {
            "sid": result.provider_id
        }
    if result.outcome == REQUEUED:
        return messages.SUCCESS, _("The provider never received this message: it was queued and will be sent again.")
    if result.outcome == UNREACHABLE:
        return messages.ERROR, _("The provider could not be asked just now, so nothing was changed. Try again later.")
    if result.outcome == LEFT_FOR_STAFF:
        return messages.ERROR, _(
            "This SMS service cannot look up the messages it has sent, so the message stays awaiting confirmation. "
            "Check with the provider directly."
        )
    until = timezone.localtime(message.status_changed_at + RECONCILE_GRACE)
    return messages.INFO, _(
        "The provider does not show this message yet. It is checked again automatically; if the provider still does "
        "not have it after %(time)s, it is sent again."
    ) % {"time": f"{until:%Y-%m-%d %H:%M}"}


@requires("sms.manage")
@require_POST
def outbox_check(request, pk):
    message = access.get_visible_or_404(request.user, OutboundSms.objects.all(), pk=pk)
    try:
        result = outbox_actions.check_with_provider(by=request.user, message_id=message.pk)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.add_message(request, *_check_outcome(result, message))
    return redirect("notifications:outbox_message", pk=message.pk)


@requires("sms.manage")
@require_POST
def outbox_send_again(request, pk):
    message = access.get_visible_or_404(request.user, OutboundSms.objects.all(), pk=pk)
    try:
        copy = outbox_actions.send_again(by=request.user, message_id=message.pk)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, _("Queued to be sent again as SMS %(number)s.") % {"number": copy.pk})
    return redirect("notifications:outbox_message", pk=message.pk)


class InboundListView(RecordListView):
    capability = "sms.view"
    table_class = InboundTable
    filterset_class = InboundFilter
    export_name = "sms-inbound"

    @property
    def page_title(self):
        return _("Inbound SMS")

    def get_queryset(self):
        return access.visible_to(self.request.user, queries.inbound())


class FailedNumberListView(RecordListView):
    capability = "sms.view"
    table_class = FailedNumberTable
    filterset_class = FailedNumberFilter
    export_name = "sms-failed-numbers"

    @property
    def page_title(self):
        if self.request.GET.get("reason") == SuppressionReason.OPTED_OUT:
            return _("Numbers opted out of SMS")
        return _("Failed numbers to fix")

    def get_queryset(self):
        return access.visible_to(self.request.user, queries.failed_numbers())

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        # The workers on this page's numbers, in one query.
        table.number_owners = commands.workers_of_numbers([row.record.number for row in table.page.object_list])
        return table

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_manage_sms"] = access.can(self.request.user, "sms.manage")
        return context


@requires("sms.manage")
@require_POST
def failed_clear(request, pk):
    try:
        number = inbound.clear_failed_number(by=request.user, suppressed_id=pk)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(number)s may receive SMS again.") % {"number": number})
    return redirect("notifications:failed_numbers")


@requires("sms.manage")
@require_POST
def worker_opt_out(request, worker_id):
    """Staff record an opt-out or opt-in the worker said in person, by phone or on paper (the same service as STOP/START)."""
    number = commands.number_of_worker(request.user, worker_id)
    if number is None:
        raise Http404
    form = StaffOptOutForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose opt-out or opt-in, say how the worker answered, and keep the note short."))
        return redirect("workers:worker_detail", pk=worker_id)
    choice, method, note = form.cleaned_data["choice"], form.cleaned_data["method"], form.cleaned_data["note"]
    owner = commands.owner_of(number)
    language = owner.language if owner else commands.normalise_language(None)
    if choice == "out":
        inbound.record_opt_out(number=number, by=request.user, method=method, note=note, worker_id=worker_id, language=language)
        messages.success(request, _("The opt-out was recorded: %(number)s gets no more SMS.") % {"number": number})
    else:
        inbound.record_opt_in(number=number, by=request.user, method=method, worker_id=worker_id, language=language)
        messages.success(request, _("The opt-in was recorded: SMS may go to %(number)s again.") % {"number": number})
    return redirect("workers:worker_detail", pk=worker_id)


@requires("sms.view")
def delivery_rates(request):
    form = DeliveryRatesForm(request.GET or None)
    since, until = form.period()
    return render(
        request,
        "notifications/delivery_rates.html",
        {
            "form": form,
            "since": since,
            "until": until,
            "rates": queries.delivery_rates(since, until),
            "page_title": _("SMS delivery rates"),
        },
    )
