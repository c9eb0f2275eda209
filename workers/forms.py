from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from core import access
from core.access import Role
from core.text import normalise_reference
from workers import services
from workers.models import ConsentMethod, Worker

MINIMUM_AGE = 18
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def age_on(date_of_birth: datetime.date, on: datetime.date) -> int:
    return on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))


def date_of_birth_problem(date_of_birth: datetime.date, today: datetime.date | None = None) -> str | None:
    """The one rule for a worker's date of birth (form and bulk import): not in the future, and 18 or older."""
    today = today or timezone.localdate()
    if date_of_birth > today:
        return str(_("The date of birth cannot be in the future."))
    if age_on(date_of_birth, today) < MINIMUM_AGE:
        return str(_("A worker must be at least %(age)d years old.") % {"age": MINIMUM_AGE})
    return None


def passport_problems(
    passport: str, expires_on: datetime.date | None, today: datetime.date | None = None, *, check_expiry: bool = True
) -> dict[str, str]:
    """The passport rules (form and bulk import): number and expiry go together, and the passport must not have expired.

    ``check_expiry=False`` leaves out the last rule: a correction that does not touch the passport keeps it on record
    even after it has expired.
    """
    today = today or timezone.localdate()
    problems = {}
    if passport and not expires_on:
        problems["passport_expires_on"] = str(_("Give the passport's expiry date."))
    if expires_on and not passport:
        problems["passport_number"] = str(_("Give the passport number, or leave its expiry date empty."))
    if check_expiry and passport and expires_on and expires_on <= today:
        problems["passport_expires_on"] = str(_("This passport has expired; the worker needs a valid passport."))
    return problems


def _agency_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Agency"),
        queryset=Agency.objects.order_by("legal_name"),
        required=False,
        help_text=_("Leave empty to register the worker without an agency."),
    )


class WorkerDetailsForm(forms.ModelForm):
    """A worker's identity and contact details with the register's rules; registering and correcting share it."""

    class Meta:
        model = Worker
        fields = list(services.WORKER_FIELDS)
        widgets = {"date_of_birth": DATE, "passport_expires_on": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mobile"].help_text = _("A mobile number that can receive SMS, such as +266 5… or +266 6…, or +27 ….")

    def clean_national_id(self) -> str:
        return normalise_reference(self.cleaned_data["national_id"])

    def clean_passport_number(self) -> str:
        return normalise_reference(self.cleaned_data.get("passport_number"))

    def clean_date_of_birth(self) -> datetime.date:
        date_of_birth = self.cleaned_data["date_of_birth"]
        problem = date_of_birth_problem(date_of_birth)
        if problem:
            raise forms.ValidationError(problem)
        return date_of_birth

    def checks_passport_expiry(self) -> bool:
        return True

    def clean(self) -> dict:
        cleaned = super().clean()
        passport, expires_on = cleaned.get("passport_number"), cleaned.get("passport_expires_on")
        for field, problem in passport_problems(passport, expires_on, check_expiry=self.checks_passport_expiry()).items():
            if field not in self.errors:
                self.add_error(field, problem)
        return cleaned

    def validate_unique(self) -> None:
        # The service checks the numbers and answers with one neutral message (services.NumberTaken),
        # never Django's "already exists" messages per field.
        pass


class WorkerRegisterForm(WorkerDetailsForm):
    different_person = forms.BooleanField(
        label=_("This is a different person"),
        required=False,
        help_text=_("Tick this only when you have checked that the similar workers listed above are someone else."),
        widget=forms.HiddenInput,  # shown as a checkbox once similar workers are found
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.near_matches: list[Worker] = []
        if Role.REGISTRAR in access.roles_of(user):
            self.fields["agency"] = _agency_field()
            self.order_fields(["agency"])

    def clean(self) -> dict:
        cleaned = super().clean()
        if not self.errors and cleaned.get("date_of_birth"):
            first_name, last_name = cleaned.get("first_name"), cleaned.get("last_name")
            matches = services.near_matches(self.user, first_name, last_name, cleaned["date_of_birth"])
            self.near_matches = list(matches[:10])
            if self.near_matches:
                self.fields["different_person"].widget = forms.CheckboxInput()
            if self.near_matches and not cleaned.get("different_person"):
                raise forms.ValidationError(
                    _("A worker with a similar name and the same date of birth is already registered. Check them below; "
                      "if this is someone else, tick “This is a different person” and save again.")
                )
        return cleaned


class WorkerEditForm(WorkerDetailsForm):
    """Correcting a registered worker. Only a registrar may change the national ID: for everyone else it is shown, not sent."""

    seen = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seen"].initial = services.worker_fingerprint(self.instance)
        if Role.REGISTRAR not in access.roles_of(user):
            self.fields["national_id"].disabled = True
            self.fields["national_id"].help_text = _(
                "Only a registrar can correct the national ID number; ask the ministry if it is wrong."
            )

    def checks_passport_expiry(self) -> bool:
        # A passport that expired since it was recorded stays on record; a newly entered one must be valid.
        return bool({"passport_number", "passport_expires_on"} & set(self.changed_data))

    def editable_details(self) -> dict:
        """The fields this user may change, as cleaned (the service compares them with the saved record)."""
        return {
            name: self.cleaned_data.get(name)
            for name in services.WORKER_FIELDS
            if name in self.fields and not self.fields[name].disabled
        }


class ClaimForm(forms.Form):
    national_id = forms.CharField(label=_("National ID number"), max_length=30)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if Role.REGISTRAR in access.roles_of(user):
            self.fields["agency"] = _agency_field()
            self.fields["agency"].required = True
            self.fields["agency"].help_text = ""
            self.order_fields(["agency"])


class EndLinkForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ConsentForm(forms.Form):
    consented = forms.TypedChoiceField(
        label=_("Does the worker agree to receive SMS?"),
        choices=[("yes", _("Yes, they agree")), ("no", _("No, they do not agree"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    method = forms.ChoiceField(label=_("How did they answer?"), choices=ConsentMethod.choices)
