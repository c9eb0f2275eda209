from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from agencies.models import Agency, ApplicationKind, Director, DocumentKind, SecurityBond
from core.uploads import check_document


class ReasonForm(forms.Form):
    """A decision that the affected party will read the reason for."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    # The state the user saw, so a decision on a stale screen is caught.
    seen_status = forms.CharField(widget=forms.HiddenInput)


class NoteForm(forms.Form):
    """A decision with an optional note (approval)."""

    note = forms.CharField(label=_("Note (optional)"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False)
    seen_status = forms.CharField(widget=forms.HiddenInput)


class ConfirmForm(forms.Form):
    """A step that needs no words, only the state the user saw."""

    seen_status = forms.CharField(widget=forms.HiddenInput)


class StartApplicationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of application"), choices=ApplicationKind.choices, widget=forms.RadioSelect)


class AgencyDetailsForm(forms.ModelForm):
    phone = PhoneNumberField(label=_("Phone"), region="LS")
    mobile = PhoneNumberField(
        label=_("Mobile for SMS"), region="LS", required=False, help_text=_("Licence reminders are sent here by SMS.")
    )

    class Meta:
        model = Agency
        fields = ["legal_name", "trading_name", "tax_number", "physical_address", "district", "phone", "mobile", "email"]
        widgets = {"physical_address": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("tax_number", "physical_address", "email"):
            self.fields[name].required = True

    def clean_mobile(self):
        mobile = self.cleaned_data.get("mobile")
        # Lesotho fixed lines start with 2 after +266 and cannot receive SMS.
        if mobile and str(mobile).startswith("+2662"):
            raise forms.ValidationError(_("This is a fixed line; give a mobile number that can receive SMS."))
        return mobile


class DirectorForm(forms.ModelForm):
    class Meta:
        model = Director
        fields = ["full_name", "identity_kind", "identity_number", "nationality"]


class BondForm(forms.ModelForm):
    class Meta:
        model = SecurityBond
        fields = ["kind", "issuer", "amount", "currency", "reference", "valid_until"]
        widgets = {"valid_until": forms.DateInput(attrs={"type": "date"})}

    def clean_valid_until(self):
        valid_until = self.cleaned_data["valid_until"]
        if valid_until < timezone.localdate():
            raise forms.ValidationError(_("This bond or guarantee has already lapsed."))
        return valid_until

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount <= 0:
            raise forms.ValidationError(_("The amount must be more than zero."))
        return amount


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=DocumentKind.choices)
    director = forms.ModelChoiceField(
        label=_("Director (for a police clearance)"), queryset=Director.objects.none(), required=False
    )
    file = forms.FileField(label=_("File"), help_text=_("PDF, JPEG or PNG, at most 10 MB."))

    def __init__(self, *args, agency=None, **kwargs):
        super().__init__(*args, **kwargs)
        if agency is not None:
            self.fields["director"].queryset = agency.directors.all()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.content_type = check_document(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == DocumentKind.POLICE_CLEARANCE and not cleaned.get("director"):
            self.add_error("director", _("Say which director this police clearance is for."))
        if cleaned.get("kind") != DocumentKind.POLICE_CLEARANCE:
            cleaned["director"] = None
        return cleaned


class DocumentReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("accept", _("Accept")), ("reject", _("Reject"))], widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note to the agency"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "reject" and not (cleaned.get("note") or "").strip():
            self.add_error("note", _("Say why the document is rejected; the agency will see it."))
        return cleaned
