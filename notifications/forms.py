from dataclasses import dataclass

from django import forms
from django.template import TemplateSyntaxError
from django.utils.translation import gettext_lazy as _

from notifications.models import SmsTemplate
from notifications.services import validate_template_body

# Three SMS segments: longer texts cost more and arrive in pieces on basic phones.
MAX_BODY_LENGTH = 459


class SmsTemplateForm(forms.ModelForm):
    class Meta:
        model = SmsTemplate
        fields = ["body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 4, "maxlength": MAX_BODY_LENGTH})}

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError(_("The text cannot be empty."))
        if len(body) > MAX_BODY_LENGTH:
            raise forms.ValidationError(_("Keep the text within %(max)s characters (three SMS).") % {"max": MAX_BODY_LENGTH})
        try:
            validate_template_body(body)
        except TemplateSyntaxError as error:
            raise forms.ValidationError(_("The text has a placeholder error: %(error)s") % {"error": error}) from None
        return body


class StaffOptOutForm(forms.Form):
    """The worker's answer about SMS as staff heard it: opt in (SMS again) or opt out (stop SMS to the number).

    The same services as START and STOP by SMS (notifications.inbound), for numbers that cannot reply by SMS.
    """

    choice = forms.ChoiceField(
        label=_("Does the worker agree to receive SMS?"),
        choices=[
            ("in", _("Yes, they agree (opt-in)")),
            ("out", _("No: stop all SMS to this number (opt-out)")),
        ],
        widget=forms.RadioSelect,
    )
    # Values of the workers app's consent methods (notifications.inbound.STAFF_METHODS); in person when not said.
    method = forms.ChoiceField(
        label=_("How did they answer?"),
        choices=[("in_person", _("In person or by phone")), ("paper", _("On paper"))],
        required=False,
    )
    note = forms.CharField(label=_("Note (where and how the worker said it)"), required=False, max_length=255)

    def clean_method(self) -> str:
        return self.cleaned_data["method"] or "in_person"


# --- Preview: the text as a worker would read it, with its cost in SMS ----------------------------------

# Realistic values for the placeholders the texts use, so the preview is as long as a real message.
SAMPLE_VALUES = {
    "reference": "CT-2026-000123",
    "agency": "Maluti Recruitment (Pty) Ltd",
    "licence": "PEA-2026-0042",
    "number": "PEA-2026-0042",
    "employer": "Harmony Gold Mining Company",
    "country": "South Africa",
    "course": "Pre-departure orientation",
    "venue": "Maseru Labour Centre",
    "district": "Maseru",
    "starts_at": "12 March 2026 09:00",
    "start": "1 April 2026",
    "end": "31 March 2027",
    "until": "31 March 2027",
    "expires_on": "2026-06-30",
    "due_on": "30/06/2026",
    "position": "3",
    "reason": "The wage is below the agreement's minimum.",
    "outcome": "upheld",
    "name": "Palesa Mokoena",
}
# Values for one event where the generic ones would mislead (keyed by template key, then placeholder).
SAMPLE_CONTEXT: dict[str, dict[str, str]] = {
    "training.waiting": {"position": "12"},
}


def placeholders(body: str) -> list[str]:
    """The names the text fills in ({{ reference }}, {{ agency|upper }} ...), in order of first use."""
    from django.template import Template
    from django.template.base import Variable, VariableNode

    names = []
    for node in Template(body).nodelist.get_nodes_by_type(VariableNode):
        variable = node.filter_expression.var
        if isinstance(variable, Variable) and variable.lookups and variable.lookups[0] not in names:
            names.append(variable.lookups[0])
    return names


def sample_context(key: str, body: str) -> dict[str, str]:
    from django.conf import settings

    values = SAMPLE_VALUES | {"helpline": settings.MINISTRY_HELPLINE} | SAMPLE_CONTEXT.get(key, {})
    return {name: values.get(name, name.replace("_", " ").upper()) for name in placeholders(body)}


@dataclass
class SmsPreview:
    text: str
    segments: int
    encoding: str
    units: int

    @property
    def too_long(self) -> bool:
        # Texts are written to fit one or two SMS; a third costs more and arrives in pieces.
        return self.segments > 2


def preview(key: str, body: str) -> SmsPreview | None:
    """The text rendered with sample data and what it costs; None when the text does not render."""
    from django.template import Template

    from notifications.segments import count_segments, units
    from notifications.services import render_text

    try:
        text = render_text(Template(body), sample_context(key, body))
    except TemplateSyntaxError:
        return None
    segments, encoding = count_segments(text)
    return SmsPreview(text, segments, encoding, units(text))
