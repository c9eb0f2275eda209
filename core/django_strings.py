"""Django's own user-facing strings, listed so that our catalogue translates them.

Django, django-phonenumber-field and django-filter ship no Sesotho ("st")
catalogue, so their form errors, sign-in and password messages would stay in
English on a Sesotho page. ``makemessages`` only extracts strings from this
project's own files; listing the msgids here (copied exactly from the
installed sources, typographic quotes and apostrophes included) puts them in
locale/st/LC_MESSAGES/django.po, and LOCALE_PATHS takes precedence over the
libraries' catalogues, so our translation is the one used.

Nothing imports this module at runtime (only the i18n test does). If a
library changes one of these msgids, re-copy it from the source and run
``make messages``.

Plural messages use ``ngettext_lazy`` (Django has no ``ngettext_noop`` and
makemessages only knows ``ngettext_lazy:1,2`` among the lazy plural
keywords); messages with a context use ``pgettext_lazy``. The lazy objects are
never evaluated here.
"""

from django.utils.translation import gettext_noop as _
from django.utils.translation import ngettext_lazy, pgettext_lazy

# django/forms/fields.py, django/forms/models.py, django/forms/widgets.py
FORM_FIELDS = (
    _("This field is required."),
    _("Enter a whole number."),
    _("Enter a number."),
    _("Enter a valid date."),
    _("Enter a valid time."),
    _("Enter a valid date/time."),
    _("Enter a valid duration."),
    _("Enter a valid URL."),
    _("Enter a list of values."),
    _("Enter a complete value."),
    _("No file was submitted. Check the encoding type on the form."),
    _("No file was submitted."),
    _("The submitted file is empty."),
    _("Please either submit a file or check the clear checkbox, not both."),
    _("Upload a valid image. The file you uploaded was either not an image or a corrupted image."),
    _("Select a valid choice. %(value)s is not one of the available choices."),
    _("Select a valid choice. That choice is not one of the available choices."),
    _("“%(pk)s” is not a valid value."),
    _("Please correct the duplicate values below."),
    # NullBooleanSelect (also django-filter's BooleanFilter)
    _("Unknown"),
    _("Yes"),
    _("No"),
    # ClearableFileInput
    _("Clear"),
    _("Currently"),
    _("Change"),
)

# django/core/validators.py
VALIDATORS = (
    _("Enter a valid value."),
    _("Enter a valid email address."),
    _("Enter a valid integer."),
    _("Enter only digits separated by commas."),
    _("Ensure this value is %(limit_value)s (it is %(show_value)s)."),
    _("Ensure this value is less than or equal to %(limit_value)s."),
    _("Ensure this value is greater than or equal to %(limit_value)s."),
    _("Ensure this value is a multiple of step size %(limit_value)s."),
    _("Null characters are not allowed."),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        1,
    ),
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        1,
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit in total.",
        "Ensure that there are no more than %(max)s digits in total.",
        1,
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s decimal place.",
        "Ensure that there are no more than %(max)s decimal places.",
        1,
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit before the decimal point.",
        "Ensure that there are no more than %(max)s digits before the decimal point.",
        1,
    ),
)

# django/db/models/fields/__init__.py, django/db/models/base.py, django/db/models/constraints.py
MODEL_VALIDATION = (
    _("This field cannot be null."),
    _("This field cannot be blank."),
    _("%(model_name)s with this %(field_label)s already exists."),
    _("%(model_name)s with this %(field_labels)s already exists."),
    _("Constraint “%(name)s” is violated."),
    _("and"),
)

# django/contrib/auth/forms.py
# (There is no "Username" msgid: AuthenticationForm labels the field with
# capfirst() of AbstractUser's verbose_name "username", listed below.)
AUTH_FORMS = (
    _("Password"),
    _("Password confirmation"),
    _("Enter the same password as before, for verification."),
    _("The two password fields didn’t match."),
    _("Please enter a correct %(username)s and password. Note that both fields may be case-sensitive."),
    _("This account is inactive."),
    _("Email"),
    _("Old password"),
    _("New password"),
    _("New password confirmation"),
    _("Your old password was entered incorrectly. Please enter it again."),
)

# django/contrib/auth/password_validation.py
PASSWORD_VALIDATION = (
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        1,
    ),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        1,
    ),
    _("The password is too similar to the %(verbose_name)s."),
    _("Your password can’t be too similar to your other personal information."),
    _("This password is too common."),
    _("Your password can’t be a commonly used password."),
    _("This password is entirely numeric."),
    _("Your password can’t be entirely numeric."),
)

# django/contrib/auth/models.py (AbstractUser) and django/contrib/auth/validators.py
USER_MODEL = (
    _("username"),
    _("first name"),
    _("last name"),
    _("active"),
    _("Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."),
    _("A user with that username already exists."),
    _("Designates whether this user should be treated as active. Unselect this instead of deleting accounts."),
    _("Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."),
)

# phonenumber_field/formfields.py, phonenumber_field/validators.py
PHONE_NUMBERS = (
    pgettext_lazy(
        "{example_number} is a national phone number.",
        "Enter a valid phone number (e.g. {example_number}) or a number with an international call prefix.",
    ),
    pgettext_lazy(
        "{example_number} is an international phone number.",
        "Enter a valid phone number (e.g. {example_number}).",
    ),
    pgettext_lazy(
        "{example_number} is a national phone number.",
        "Enter a valid phone number (e.g. {example_number}).",
    ),
    _("The phone number entered is not valid."),
)

# django_filters/filters.py (DateRangeFilter). django-tables2 is skipped: we render tables with our own template.
FILTERS = (
    _("Today"),
    _("Yesterday"),
    _("Past 7 days"),
    _("This month"),
    _("This year"),
)

# django/utils/dates.py: short weekday and month names of the date filter ("D", "M" formats).
DATES = (
    _("Mon"),
    _("Tue"),
    _("Wed"),
    _("Thu"),
    _("Fri"),
    _("Sat"),
    _("Sun"),
    _("jan"),
    _("feb"),
    _("mar"),
    _("apr"),
    _("may"),
    _("jun"),
    _("jul"),
    _("aug"),
    _("sep"),
    _("oct"),
    _("nov"),
    _("dec"),
)

# simple_history/models.py: what a history row did.
HISTORY = (
    _("Created"),
    _("Changed"),
    _("Deleted"),
)
