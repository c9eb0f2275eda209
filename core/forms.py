from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from core.access import MINISTRY_ROLES, Role
from core.models import RegulatoryParameter, User
from core.parameters import DEFINITIONS

MINISTRY_ROLE_CHOICES = [(role.value, role.label) for role in Role if role in MINISTRY_ROLES]


class LoginForm(AuthenticationForm):
    """The one sign-in form: the password. The second step (core.views.two_factor_verify) follows it."""

    def clean_username(self) -> str:
        # AuthenticationForm sets the field's max_length but never checks it, and django-axes then records the name
        # in a 255-character column: a 500 on PostgreSQL. No account has such a name, so the usual refusal.
        username = self.cleaned_data["username"]
        if len(username) > self.fields["username"].max_length:
            raise self.get_invalid_login_error()
        return username


class OneTimeCodeForm(forms.Form):
    """A code from the authenticator app, or one of the backup codes."""

    otp_token = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6-digit code your authenticator app shows now, or one of your backup codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


class MinistryUserForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=MINISTRY_ROLE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=True,
        help_text=_("A ministry user may hold several roles."),
    )
    phone = PhoneNumberField(label=_("Phone"), required=False, region="LS")

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "phone", "preferred_language", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True
        if self.instance.pk:
            self.fields["roles"].initial = list(self.instance.groups.values_list("name", flat=True))
        else:
            del self.fields["is_active"]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.exclude(pk=self.instance.pk).filter(email__iexact=email).exists():
            raise forms.ValidationError(_("Another account already uses this e-mail address."))
        return email


class ParameterValueForm(forms.ModelForm):
    """Schedules a new value of a regulatory parameter."""

    class Meta:
        model = RegulatoryParameter
        fields = ["value", "effective_from", "note"]
        widgets = {"effective_from": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, key: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.key = self.instance.key = key
        self.definition = DEFINITIONS[key]
        self.fields["value"].help_text = _("In %(unit)s.") % {"unit": self.definition.unit}

    def clean_value(self):
        value = self.cleaned_data["value"]
        if value < 0:
            raise forms.ValidationError(_("The value cannot be negative."))
        if self.definition.whole_number and value != value.to_integral_value():
            raise forms.ValidationError(_("This parameter takes a whole number."))
        return value

    def clean_effective_from(self):
        effective_from = self.cleaned_data["effective_from"]
        # Records are judged by the values in force when they were submitted:
        # a backdated value would silently change decisions already taken.
        if effective_from < timezone.localdate():
            raise forms.ValidationError(_("A new value cannot take effect in the past."))
        if RegulatoryParameter.objects.filter(key=self.key, effective_from=effective_from).exists():
            raise forms.ValidationError(_("A value already takes effect on this date."))
        return effective_from
