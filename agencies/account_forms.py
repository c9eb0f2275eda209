"""Forms of agency accounts: sign-up, asking for a new confirmation link, adding a staff member."""

from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from agencies.models import Agency
from core.choices import District, Language
from core.models import User

EMAIL_TAKEN = _("Another account already uses this e-mail address.")
USERNAME_TAKEN = _("A user with that user name already exists. Choose another.")


def _email_not_taken(email: str, exclude_pk: int | None = None) -> str:
    email = (email or "").strip().lower()
    if User.objects.exclude(pk=exclude_pk).filter(email__iexact=email).exists():
        raise forms.ValidationError(EMAIL_TAKEN)
    return email


def _username_not_taken(username: str, exclude_pk: int | None = None) -> str:
    username = (username or "").strip()
    if User.objects.exclude(pk=exclude_pk).filter(username__iexact=username).exists():
        raise forms.ValidationError(USERNAME_TAKEN)
    return username


def _initial_language() -> str:
    language = (translation.get_language() or "").split("-")[0]
    return language if language in Language.values else Language.SESOTHO


class AgencySignUpForm(forms.Form):
    """One form for a prospective agency and its first user, who becomes its manager."""

    legal_name = forms.CharField(label=_("Legal name of the agency"), max_length=200)
    trading_name = forms.CharField(label=_("Trading name"), max_length=200, required=False)
    registration_number = forms.CharField(
        label=_("Company registration number"),
        max_length=50,
        help_text=_("As on the certificate of incorporation."),
    )
    district = forms.ChoiceField(label=_("District"), choices=[("", "—"), *District.choices])
    phone = PhoneNumberField(
        label=_("Agency phone"),
        region="LS",
        error_messages={
            "invalid": _("Enter a valid phone number: 8 digits for a Lesotho number, or an international number starting with +.")
        },
        help_text=_("For example 2231 2345 or 5812 3456; for a number outside Lesotho start with + and the country code."),
    )
    agency_email = forms.EmailField(label=_("Agency e-mail address"), max_length=254)

    username = forms.CharField(
        label=_("Your user name"),
        max_length=150,
        validators=[User.username_validator],
        help_text=_("You sign in with it. Letters, digits and @/./+/-/_ only."),
    )
    first_name = forms.CharField(label=_("Your first name"), max_length=150)
    last_name = forms.CharField(label=_("Your last name"), max_length=150)
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_("We send a link to this address to confirm it before you can sign in."),
    )
    preferred_language = forms.ChoiceField(label=_("Your preferred language"), choices=Language.choices)
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_language"].initial = _initial_language()
        self.fields["password1"].help_text = " ".join(str(text) for text in password_validators_help_texts())

    def clean_registration_number(self) -> str:
        number = self.cleaned_data["registration_number"].strip()
        if Agency.objects.filter(registration_number__iexact=number).exists():
            raise forms.ValidationError(_("An agency with this registration number is already registered."))
        return number

    def clean_username(self) -> str:
        return _username_not_taken(self.cleaned_data["username"])

    def clean_email(self) -> str:
        return _email_not_taken(self.cleaned_data["email"])

    def clean_agency_email(self) -> str:
        return self.cleaned_data["agency_email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords do not match."))
        elif password1:
            try:
                validate_password(password1, self.build_manager())
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def build_agency(self) -> Agency:
        data = self.cleaned_data
        return Agency(
            legal_name=data["legal_name"].strip(),
            trading_name=data.get("trading_name", "").strip(),
            registration_number=data["registration_number"],
            district=data["district"],
            phone=data["phone"],
            email=data["agency_email"],
        )

    def build_manager(self) -> User:
        data = self.cleaned_data
        return User(
            username=data.get("username", ""),
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
            email=data.get("email", ""),
            preferred_language=data.get("preferred_language") or Language.SESOTHO,
        )


class ResendVerificationForm(forms.Form):
    email = forms.EmailField(label=_("The e-mail address you signed up with"))


class StaffMemberForm(forms.ModelForm):
    """A manager adds a member of their agency's staff; the member chooses a password from an e-mailed link."""

    is_manager = forms.BooleanField(label=_("Manager: may add and remove the agency's staff"), required=False, initial=False)

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "preferred_language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name", "email"):
            self.fields[name].required = True
        self.fields["email"].help_text = _("The invitation to choose a password is sent here.")

    def clean_username(self) -> str:
        return _username_not_taken(self.cleaned_data["username"], self.instance.pk)

    def clean_email(self) -> str:
        return _email_not_taken(self.cleaned_data["email"], self.instance.pk)
