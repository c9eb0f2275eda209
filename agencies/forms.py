from django import forms
from django.utils.translation import gettext_lazy as _


class ReasonForm(forms.Form):
    """A decision that the affected party will read the reason for."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    # The state the user saw, so a decision on a stale screen is caught.
    seen_status = forms.CharField(widget=forms.HiddenInput)
