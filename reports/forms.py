"""The form that asks for a compliance report: agreement (or all), period and format."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.models import Agreement
from core import access
from core.dates import today
from reports.figures import ReportRequestError, parse_report_request
from reports.models import ReportFormat

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def last_full_quarter(on: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last calendar quarter that has ended: what ministries report on by default."""
    on = on or today()
    this_quarter_starts = datetime.date(on.year, 3 * ((on.month - 1) // 3) + 1, 1)
    end = this_quarter_starts - datetime.timedelta(days=1)
    return datetime.date(end.year, end.month - 2, 1), end


class PeriodForm(forms.Form):
    """Agreement and period, checked by the figures layer's own rules (``parse_report_request``)."""

    agreement = forms.ModelChoiceField(
        label=_("Agreement"),
        queryset=Agreement.objects.none(),
        required=False,
        empty_label=_("All agreements"),
    )
    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("To"), widget=DATE, help_text=_("The last day included."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreement"].queryset = access.visible_to(user, Agreement.objects.all()).select_related("country")
        if not self.is_bound:
            start, end = last_full_quarter()
            self.initial.setdefault("start", start)
            self.initial.setdefault("end", end)
        self.agreement_id = None

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is None or end is None:
            return cleaned
        agreement = cleaned.get("agreement")
        try:
            self.agreement_id, cleaned["start"], cleaned["end"] = parse_report_request(
                agreement_reference=agreement.reference if agreement else None, start=start, end=end
            )
        except ReportRequestError as error:
            raise forms.ValidationError(str(error)) from None
        return cleaned


class ReportRequestForm(PeriodForm):
    format = forms.ChoiceField(
        label=_("Format"), choices=ReportFormat.choices, initial=ReportFormat.PDF, widget=forms.RadioSelect
    )
