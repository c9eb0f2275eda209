"""Forms of workers' complaints: shape here; the rules (phone that takes SMS, deadline, states) in complaints.py."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from core import access
from core.choices import Language
from core.dates import moment_within, today
from core.filters import NamedModelChoiceFilter, RegisteredFiltersMixin
from core.text import normalise_reference
from inspections.models import OPEN_COMPLAINT_STATES, Complaint, ComplaintCategory, ComplaintStatus
from workers.models import Worker

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ComplaintForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=_("Agency complained about"),
        queryset=Agency.objects.order_by("legal_name"),
        error_messages={"invalid_choice": _("Choose an agency from the register.")},
    )
    category = forms.ChoiceField(label=_("Kind of complaint"), choices=[("", "—")] + ComplaintCategory.choices)
    description = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)
    received_on = forms.DateField(
        label=_("Received on"),
        widget=DATE,
        required=False,
        help_text=_("The day the call, visit or letter came in; today if left empty. The answer is due from this day."),
    )
    worker_national_id = forms.CharField(
        label=_("Worker's national ID"),
        required=False,
        max_length=30,
        help_text=_("If the complainant is a registered worker."),
    )
    complainant_name = forms.CharField(label=_("Complainant's name"), required=False, max_length=200)
    complainant_phone = forms.CharField(
        label=_("Complainant's phone"),
        required=False,
        max_length=30,
        help_text=_(
            "A mobile that can receive SMS. Giving it is agreeing to SMS about this complaint: "
            "that it was received and how it was closed."
        ),
    )
    complainant_language = forms.ChoiceField(
        label=_("Language of the SMS"),
        required=False,
        choices=[("", _("The worker's own language (Sesotho if not a registered worker)"))] + Language.choices,
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["received_on"].initial = today

    def clean_worker_national_id(self) -> Worker | None:
        number = normalise_reference(self.cleaned_data.get("worker_national_id") or "")
        if not number:
            return None
        worker = access.visible_to(self.user, Worker.objects.all()).filter(national_id=number).first()
        if worker is None:
            raise forms.ValidationError(_("No registered worker has this national ID."))
        return worker

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["worker"] = data.pop("worker_national_id")
        return data


class TriageForm(forms.Form):
    seen_status = forms.CharField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(
        label=_("Triage note"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text=_("What will be done about this complaint, and by whom."),
    )


class ResolveForm(forms.Form):
    seen_status = forms.CharField(widget=forms.HiddenInput, required=False)
    outcome = forms.CharField(
        label=_("Outcome"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=300,
        help_text=_("The complainant is sent this by SMS: keep it short and plain."),
    )


class DismissForm(forms.Form):
    seen_status = forms.CharField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=300,
        help_text=_("The complainant is sent this by SMS: keep it short and plain."),
    )


def _agencies(request):
    return Agency.objects.order_by("legal_name")


class ComplaintFilter(RegisteredFiltersMixin, django_filters.FilterSet):
    list_key = "inspections.complaint"
    folded_filters = ("received_from", "received_to", "closed_from", "closed_to", "active_under")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ComplaintStatus.choices)
    category = django_filters.ChoiceFilter(label=_("Kind of complaint"), choices=ComplaintCategory.choices)
    agency = NamedModelChoiceFilter(label=_("Agency"), queryset=_agencies, name_fields=Agency.NAME_FIELDS)
    late = django_filters.BooleanFilter(label=_("Late only"), method="filter_late", widget=forms.CheckboxInput)
    # Periods on the day a complaint was received and the day it was closed (resolved or dismissed), in Maseru.
    received_from = django_filters.DateFilter(label=_("Received from"), method="filter_moment")
    received_to = django_filters.DateFilter(label=_("Received to"), method="filter_moment")
    closed_from = django_filters.DateFilter(label=_("Closed from"), method="filter_moment")
    closed_to = django_filters.DateFilter(label=_("Closed to"), method="filter_moment")

    class Meta:
        model = Complaint
        fields = ["status", "category", "agency", "late", "received_from", "received_to", "closed_from", "closed_to"]

    def filter_moment(self, queryset, name, value):
        field = "received_at" if name.startswith("received") else "resolved_at"
        start, end = (value, None) if name.endswith("_from") else (None, value)
        return queryset.filter(moment_within(field, start, end))

    def filter_late(self, queryset, name, value):
        """Late: still open after the due date, or closed after it (as Complaint.timeliness judges)."""
        if not value:
            return queryset
        return queryset.filter(
            Q(status__in=OPEN_COMPLAINT_STATES, due_on__lt=today())
            | Q(resolved_at__isnull=False, resolved_at__date__gt=F("due_on"))
        )
