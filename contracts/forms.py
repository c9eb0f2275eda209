"""Forms of agreements, employers, job orders and contracts: shape and dates here, the agreement's rules in compliance.py."""

from __future__ import annotations

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from contracts.models import (
    Agreement,
    AgreementStatus,
    AgreementTerms,
    Contract,
    Employer,
    JobOrder,
    JobOrderStatus,
    Occupation,
    SectorTerms,
    WagePeriod,
)
from core.dates import today
from workers.models import Worker

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
BORDER_POSTS = (
    "Maseru Bridge",
    "Ficksburg Bridge",
    "Van Rooyen's Gate",
    "Caledonspoort",
    "Qacha's Nek",
    "Sani Pass",
    "Moshoeshoe I International Airport",
)


def _date_widgets(*names: str) -> dict:
    return {name: DATE for name in names}


def unit_groups():
    """Contracts and job orders name an ISCO-08 unit group (four digits)."""
    return Occupation.objects.filter(level=4)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Note (optional)"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )


# --- Agreements ------------------------------------------------------------------------------------------


class AgreementForm(forms.ModelForm):
    class Meta:
        model = Agreement
        fields = ["country", "title", "reference", "signed_on", "in_force_from", "in_force_until"]
        widgets = _date_widgets("signed_on", "in_force_from", "in_force_until")

    def clean(self):
        data = super().clean()
        start, end, signed = data.get("in_force_from"), data.get("in_force_until"), data.get("signed_on")
        if start and end and end < start:
            self.add_error("in_force_until", _("The agreement cannot end before it comes into force."))
        if signed and start and start < signed:
            self.add_error("in_force_from", _("An agreement comes into force on or after it is signed."))
        return data


class TermsForm(forms.ModelForm):
    class Meta:
        model = AgreementTerms
        fields = [
            "effective_from",
            "max_contract_months",
            "max_worker_fee",
            "fee_currency",
            "insurance_required",
            "medical_required",
            "annual_quota",
            "occupations",
            "required_courses",
            "notes",
        ]
        widgets = {
            "effective_from": DATE,
            "occupations": forms.SelectMultiple(attrs={"size": 12}),
            "required_courses": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occupations"].queryset = unit_groups()
        self.fields["occupations"].help_text = _("ISCO-08 unit groups; hold Ctrl to choose several.")


class SectorTermsForm(forms.ModelForm):
    class Meta:
        model = SectorTerms
        fields = ["sector", "wage_floor", "currency", "period", "deferred_pay_percent"]


SectorTermsFormSet = inlineformset_factory(
    AgreementTerms, SectorTerms, form=SectorTermsForm, extra=2, can_delete=True, min_num=1, validate_min=True
)


# --- Employers --------------------------------------------------------------------------------------------


class EmployerForm(forms.ModelForm):
    class Meta:
        model = Employer
        fields = ["name", "country", "registration_number", "sector", "address", "contact_name", "contact_email", "contact_phone"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def clean_registration_number(self):
        return " ".join(self.cleaned_data["registration_number"].split()).upper()


# --- Job orders ---------------------------------------------------------------------------------------------


class WageFields(forms.ModelForm):
    """The shared checks of a wage: a daily wage needs the working days per month."""

    def clean(self):
        data = super().clean()
        if data.get("wage_period") == WagePeriod.DAY and not data.get("days_per_month"):
            self.add_error("days_per_month", _("A daily wage needs the working days per month, to compare it per month."))
        return data


class JobOrderForm(WageFields):
    demand_letter = forms.FileField(label=_("Signed demand letter"), help_text=_("PDF, JPEG or PNG, at most 10 MB."))

    class Meta:
        model = JobOrder
        fields = [
            "employer",
            "agreement",
            "occupation",
            "sector",
            "positions",
            "wage_amount",
            "currency",
            "wage_period",
            "days_per_month",
            "hours_per_week",
            "contract_months",
            "work_place",
            "valid_from",
            "valid_until",
        ]
        widgets = _date_widgets("valid_from", "valid_until")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = Employer.objects.filter(blacklisted=False).select_related("country")
        self.fields["agreement"].queryset = Agreement.objects.filter(status=AgreementStatus.IN_FORCE).select_related("country")
        self.fields["occupation"].queryset = unit_groups()
        self.fields["positions"].error_messages["min_value"] = _("A job order needs at least one position.")

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("Recruitment cannot close before it opens."))
        if end and end < today():
            self.add_error("valid_until", _("This date has passed."))
        return data


# --- Contracts ------------------------------------------------------------------------------------------------


class ContractForm(WageFields):
    """What the agency types. The employer, agreement, occupation and sector come from the job order."""

    class Meta:
        model = Contract
        fields = [
            "worker",
            "job_order",
            "job_title",
            "work_place",
            "wage_amount",
            "currency",
            "wage_period",
            "days_per_month",
            "hours_per_week",
            "start_date",
            "end_date",
            "recruitment_fee",
            "deferred_pay_percent",
            "accommodation_provided",
            "transport_provided",
            "insurer",
            "insurance_policy",
            "insurance_until",
            "medical_on",
            "medical_until",
        ]
        widgets = _date_widgets("start_date", "end_date", "insurance_until", "medical_on", "medical_until")

    def __init__(self, *args, agency_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = Worker.objects.for_agency(agency_id).order_by("last_name", "first_name")
        self.fields["worker"].label_from_instance = lambda worker: f"{worker.reference} {worker.full_name}"
        self.fields["worker"].error_messages["invalid_choice"] = _(
            "This worker is not linked to your agency: register or claim them first."
        )
        job_orders = JobOrder.objects.filter(agency_id=agency_id, status=JobOrderStatus.APPROVED, valid_until__gte=today())
        if self.instance.job_order_id:
            job_orders = job_orders | JobOrder.objects.filter(pk=self.instance.job_order_id)
        self.fields["job_order"].queryset = job_orders.select_related("employer", "occupation")
        self.fields["job_order"].error_messages["invalid_choice"] = _("Choose one of your agency's approved, open job orders.")
        self.fields["work_place"].required = False
        self.fields["work_place"].help_text = _("Leave empty to use the job order's.")

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end <= start:
            self.add_error("end_date", _("The contract must end after it starts."))
        medical_on, medical_until = data.get("medical_on"), data.get("medical_until")
        if medical_on and medical_until and medical_until < medical_on:
            self.add_error("medical_until", _("The medical certificate cannot expire before it was issued."))
        if medical_on and medical_on > today():
            self.add_error("medical_on", _("This date is in the future."))
        return data


class OverrideForm(forms.Form):
    override_reason = forms.CharField(
        label=_("Reason for approving over the warnings"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )


class DepartureForm(forms.Form):
    departed_on = forms.DateField(label=_("Departed on"), widget=DATE)
    border_post = forms.CharField(label=_("Border post"), max_length=100, help_text=", ".join(BORDER_POSTS[:4]) + " …")


class ReturnForm(forms.Form):
    OUTCOMES = [
        ("complete", _("Completed the contract")),
        ("terminate", _("Terminated early")),
        ("repatriate", _("Repatriated")),
    ]
    outcome = forms.ChoiceField(label=_("How the contract ended"), choices=OUTCOMES, widget=forms.RadioSelect)
    ended_on = forms.DateField(label=_("Date of return"), widget=DATE)
    border_post = forms.CharField(label=_("Border post"), max_length=100, required=False)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        help_text=_("Required when the contract was terminated early or the worker repatriated."),
    )

    def clean(self):
        data = super().clean()
        if data.get("outcome") in ("terminate", "repatriate") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason."))
        return data


class SignedCopyForm(forms.Form):
    file = forms.FileField(label=_("Signed copy"), help_text=_("PDF, JPEG or PNG, at most 10 MB."))
