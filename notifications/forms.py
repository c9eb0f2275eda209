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
