import datetime

import django_filters
from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.filters import RegisteredFiltersMixin
from notifications import commands
from notifications.models import InboundSms, OutboundSms, SmsStatus, SmsTemplate, SuppressedNumber, SuppressionReason
from notifications.services import InvalidSmsNumber, normalise_number


class SmsTemplateFilter(django_filters.FilterSet):
    key = django_filters.CharFilter(label=_("Event"), lookup_expr="icontains")

    class Meta:
        model = SmsTemplate
        fields = ["key", "language"]


def start_of(day: datetime.date) -> datetime.datetime:
    """The first moment of a day in Maseru time: ranges compare the indexed timestamp, not its date."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _events():
    return [(key, key) for key in SmsTemplate.objects.order_by("key").values_list("key", flat=True).distinct()]


def _number(value: str) -> str:
    """A number as the outbox stores it (E.164, so the index is used); as typed when it is not a phone number."""
    try:
        return normalise_number(value)
    except InvalidSmsNumber:
        return value.strip()


def _agencies():
    # A typed choice filter adds no empty choice of its own: without one the first agency looked chosen.
    return [("", _("All agencies")), *commands.agency_choices()]


class DayRangeFilterSet(django_filters.FilterSet):
    """``since`` and ``until`` (both days included) on the model's timestamp named by ``moment``."""

    moment = "created_at"
    since = django_filters.DateFilter(label=_("From"), method="filter_since")
    until = django_filters.DateFilter(label=_("To"), method="filter_until")

    def filter_since(self, queryset, name, value):
        return queryset.filter(**{f"{self.moment}__gte": start_of(value)})

    def filter_until(self, queryset, name, value):
        return queryset.filter(**{f"{self.moment}__lt": start_of(value + datetime.timedelta(days=1))})


class OutboxFilter(RegisteredFiltersMixin, DayRangeFilterSet):
    # Later apps add filters here without notifications importing them (contracts: the workers under an agreement).
    list_key = "notifications.outbox"
    folded_filters = ("agreement", "not_delivered")
    to = django_filters.CharFilter(label=_("Number"), method="filter_number")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=SmsStatus.choices)
    # Handed to the provider, whatever came of it since: what the compliance reports count as sent.
    sent = django_filters.BooleanFilter(
        label=_("Handed to the provider"), field_name="sent_at", lookup_expr="isnull", exclude=True
    )
    # Undelivered or failed: the reports' "not delivered or failed" (the status filter takes one status).
    not_delivered = django_filters.BooleanFilter(label=_("Not delivered or failed"), method="filter_not_delivered")
    template_key = django_filters.ChoiceFilter(label=_("Event"), choices=_events)
    # Agencies are named by the agencies app (notifications keeps only their ids).
    agency_id = django_filters.TypedChoiceFilter(label=_("Agency"), choices=_agencies, coerce=int)

    class Meta:
        model = OutboundSms
        fields = ["to", "status", "sent", "not_delivered", "template_key", "agency_id", "since", "until"]

    def filter_number(self, queryset, name, value):
        return queryset.filter(to=_number(value))

    def filter_not_delivered(self, queryset, name, value):
        not_delivered = {"status__in": [SmsStatus.UNDELIVERED, SmsStatus.FAILED]}
        return queryset.filter(**not_delivered) if value else queryset.exclude(**not_delivered)


class InboundFilter(DayRangeFilterSet):
    moment = "received_at"
    from_number = django_filters.CharFilter(label=_("Number"), method="filter_number")
    command = django_filters.CharFilter(label=_("Command"), method="filter_command")

    class Meta:
        model = InboundSms
        fields = ["from_number", "command", "since", "until"]

    def filter_number(self, queryset, name, value):
        return queryset.filter(from_number=_number(value))

    def filter_command(self, queryset, name, value):
        return queryset.filter(command=value.strip().upper())


class FailedNumberFilter(RegisteredFiltersMixin, DayRangeFilterSet):
    """Numbers that get no SMS. By default the ones the provider refused for good (the numbers staff must fix);
    ``reason=opted_out`` lists the numbers that said STOP, which the compliance reports count as opt-outs.
    Later apps add filters (contracts: the numbers of workers under an agreement)."""

    list_key = "notifications.failed_numbers"
    number = django_filters.CharFilter(label=_("Number"), lookup_expr="icontains")
    reason = django_filters.ChoiceFilter(
        label=_("Why blocked"), choices=SuppressionReason.choices, empty_label=None, method="filter_reason"
    )

    class Meta:
        model = SuppressedNumber
        fields = ["number", "reason", "since", "until"]

    def __init__(self, data=None, *args, **kwargs):
        # Without a reason chosen the page is the list of numbers to fix, as it always was (the view passes no data
        # at all when the address has no query).
        if data is None or not data.get("reason"):
            data = data.copy() if data is not None else QueryDict(mutable=True)
            data["reason"] = SuppressionReason.PERMANENT_FAILURE
        super().__init__(data, *args, **kwargs)

    def filter_reason(self, queryset, name, value):
        return queryset.filter(reason=value)


# The delivery-rates page looks at the last 30 days unless told otherwise, and at most a year at once.
DEFAULT_RATE_DAYS = 30
MAX_RATE_DAYS = 366


class DeliveryRatesForm(forms.Form):
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The start of the period must come before its end."))
        if since and until and (until - since).days > MAX_RATE_DAYS:
            raise forms.ValidationError(_("Choose a period of at most a year."))
        return data

    def period(self) -> tuple[datetime.date, datetime.date]:
        """The period asked for, or the last 30 days when the form is empty or wrong (its errors are shown)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        until = data.get("until") or timezone.localdate()
        since = data.get("since") or until - datetime.timedelta(days=DEFAULT_RATE_DAYS - 1)
        if (until - since).days > MAX_RATE_DAYS:
            since = until - datetime.timedelta(days=MAX_RATE_DAYS)
        return since, until
