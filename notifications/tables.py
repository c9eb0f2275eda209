import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from core.lists import DayColumn, PersonalNumberColumn
from notifications import commands
from notifications.models import InboundSms, OutboundSms, SmsTemplate, SuppressedNumber


class SmsTemplateTable(tables.Table):
    key = tables.LinkColumn("notifications:template_edit", args=[tables.A("pk")], verbose_name=_("Event"))
    language = tables.Column(verbose_name=_("Language"))
    body = tables.Column(verbose_name=_("Text"))
    updated_at = tables.DateTimeColumn(verbose_name=_("Updated"), format="Y-m-d H:i")

    class Meta:
        model = SmsTemplate
        fields = ["key", "language", "body", "updated_at"]


class MomentColumn(tables.Column):
    """A moment as YYYY-MM-DD HH:MM in Maseru time, formatted in Python (no template per cell)."""

    def render(self, value):
        from django.utils import timezone

        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"

    def value(self, value):
        return self.render(value)


class MessageLinkColumn(MomentColumn):
    """When the message was queued, linked to the message's own page (what was sent, how it went, what staff may do)."""

    def render(self, value, record):
        url = reverse("notifications:outbox_message", args=[record.pk])
        return format_html('<a href="{}">{}</a>', url, super().render(value))

    def value(self, value, record):
        return MomentColumn.render(self, value)


def worker_reference(worker_id: int) -> str:
    # The worker's reference is made from the id (workers.Worker.reference), so no query is needed per row.
    return f"WRK-{worker_id:06d}"


class WorkerLinkColumn(tables.Column):
    """The worker a message is about, by reference, linked to their page."""

    def render(self, value):
        return format_html('<a href="{}">{}</a>', reverse("workers:worker_detail", args=[value]), worker_reference(value))

    def value(self, value):
        return worker_reference(value)


class AgencyColumn(tables.Column):
    """An agency's name, from every agency's name looked up once per table (agencies are few), not once per row."""

    def render(self, value, table):
        names = getattr(table, "agency_names", None)
        if names is None:
            names = table.agency_names = dict(commands.agency_choices())
        return names.get(value) or f"#{value}"

    def value(self, value, table):
        return self.render(value, table)


class ShortTextColumn(tables.Column):
    """A message's first words on the page (the whole text on hover); the export keeps the whole text."""

    def render(self, value):
        return format_html('<span title="{}">{}</span>', value, Truncator(value).chars(60))

    def value(self, value):
        return value


class OutboxTable(tables.Table):
    created_at = MessageLinkColumn(verbose_name=_("Queued"))
    to = PersonalNumberColumn(verbose_name=_("To"))
    worker_id = WorkerLinkColumn(verbose_name=_("Worker"))
    agency_id = AgencyColumn(verbose_name=_("Agency"))
    template_key = tables.Column(verbose_name=_("Event"))
    language = tables.Column(verbose_name=_("Language"))
    body = ShortTextColumn(verbose_name=_("Text"), orderable=False)
    status = tables.Column(verbose_name=_("Status"))
    segments = tables.Column(verbose_name=_("Segments"))
    encoding = tables.Column(verbose_name=_("Encoding"))
    attempts = tables.Column(verbose_name=_("Attempts"))
    error_code = tables.Column(verbose_name=_("Error code"))
    sent_at = MomentColumn(verbose_name=_("Sent"))
    delivered_at = MomentColumn(verbose_name=_("Delivered"))

    # Ministry staff only see this list; the export still leaves numbers and texts out for roles that may not export them.
    personal_columns = ("to", "worker_id", "body")

    class Meta:
        model = OutboundSms
        fields = [
            "created_at",
            "to",
            "worker_id",
            "agency_id",
            "template_key",
            "language",
            "body",
            "status",
            "segments",
            "encoding",
            "attempts",
            "error_code",
            "sent_at",
            "delivered_at",
        ]
        order_by = ("-created_at",)


class InboundTable(tables.Table):
    received_at = MomentColumn(verbose_name=_("Received"))
    from_number = PersonalNumberColumn(verbose_name=_("From"))
    worker_id = WorkerLinkColumn(verbose_name=_("Worker"))
    body = ShortTextColumn(verbose_name=_("Text"), orderable=False)
    command = tables.Column(verbose_name=_("Command"))
    opt_out_type = tables.Column(verbose_name=_("Opt-out type"))
    reply = ShortTextColumn(verbose_name=_("Reply sent"), orderable=False)

    personal_columns = ("from_number", "worker_id", "body", "reply")

    class Meta:
        model = InboundSms
        fields = ["received_at", "from_number", "worker_id", "body", "command", "opt_out_type", "reply"]
        order_by = ("-received_at",)


class FailedNumberTable(tables.Table):
    created_at = DayColumn(verbose_name=_("Since"))
    number = PersonalNumberColumn(verbose_name=_("Number"))
    workers = tables.Column(verbose_name=_("Workers"), empty_values=(), orderable=False)
    error_code = tables.Column(verbose_name=_("Error code"))
    note = tables.Column(verbose_name=_("Note"))
    clear = tables.TemplateColumn(
        template_name="notifications/_clear_failed.html", verbose_name=_("Fixed?"), orderable=False, exclude_from_export=True
    )

    personal_columns = ("number", "workers")

    class Meta:
        model = SuppressedNumber
        fields = ["created_at", "number", "workers", "error_code", "note", "clear"]
        order_by = ("-created_at",)

    def render_workers(self, record):
        workers = getattr(self, "number_owners", {}).get(record.number, [])
        if not workers:
            return "—"
        return format_html(
            ", ".join(["{}"] * len(workers)),
            *[format_html('<a href="{}">{}</a>', reverse("workers:worker_detail", args=[pk]), name) for pk, name in workers],
        )

    def value_workers(self, record):
        return ", ".join(name for _pk, name in getattr(self, "number_owners", {}).get(record.number, []))
