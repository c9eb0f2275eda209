from __future__ import annotations

import datetime
import re

from django import forms
from django.contrib.auth import get_user_model
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from core import access
from core.access import Role
from core.choices import District
from core.dates import moment_within
from core.text import normalise_reference
from predeparture.models import Course, Module, Session, SessionStatus
from workers.models import Worker

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CourseForm(forms.ModelForm):
    class Meta:
        model = Course
        fields = ["code", "title", "language", "pass_mark", "validity_months"]

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).upper()


ModuleFormSet = inlineformset_factory(Course, Module, fields=["order", "title", "hours"], extra=3, can_delete=True)


class SessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = ["course", "venue", "district", "starts_at", "ends_at", "trainer", "capacity"]
        widgets = {"starts_at": DATETIME, "ends_at": DATETIME}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trainer"].queryset = get_user_model().objects.filter(groups__name=Role.TRAINER, is_active=True).distinct()
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("The session must end after it starts."))
        return cleaned


class SessionFilterForm(forms.Form):
    district = forms.ChoiceField(label=_("District"), choices=[("", _("All districts"))] + list(District.choices), required=False)
    date = forms.DateField(label=_("On or after"), required=False, widget=DATE)
    # The rest serve the compliance reports' "sessions held" figure: completed sessions of the agreement's courses
    # starting on a day of the period.
    until = forms.DateField(label=_("On or before"), required=False, widget=DATE)
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All"))] + list(SessionStatus.choices), required=False)
    course = forms.ModelMultipleChoiceField(label=_("Courses"), queryset=Course.objects.order_by("code"), required=False)

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("date"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The last day comes before the first."))
        return cleaned

    def filter(self, sessions):
        """``sessions`` narrowed to what the valid form asks for."""
        data = self.cleaned_data
        if data["district"]:
            sessions = sessions.filter(district=data["district"])
        sessions = sessions.filter(moment_within("starts_at", data["date"], data["until"]))
        if data["status"]:
            sessions = sessions.filter(status=data["status"])
        if data["course"]:
            sessions = sessions.filter(course__in=data["course"])
        return sessions


MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
CALENDAR_YEARS = (2000, 2099)


class CalendarFilterForm(forms.Form):
    """The month (YYYY-MM), district and course of the sessions calendar; every field may be left empty."""

    month = forms.CharField(
        label=_("Month"), required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )
    district = forms.ChoiceField(label=_("District"), choices=[("", _("All districts"))] + list(District.choices), required=False)
    course = forms.ModelChoiceField(
        label=_("Course"), queryset=Course.objects.order_by("code"), required=False, empty_label=_("All courses")
    )

    def clean_month(self) -> datetime.date | None:
        raw = self.cleaned_data["month"].strip()
        if not raw:
            return None
        match = MONTH.match(raw)
        year, month = (int(match[1]), int(match[2])) if match else (0, 0)
        if not (CALENDAR_YEARS[0] <= year <= CALENDAR_YEARS[1] and 1 <= month <= 12):
            raise forms.ValidationError(
                _("Write the month as YYYY-MM, for example 2026-03, between %(first)d and %(last)d.")
                % {"first": CALENDAR_YEARS[0], "last": CALENDAR_YEARS[1]}
            )
        return datetime.date(year, month, 1)


class EnrolForm(forms.Form):
    worker = forms.CharField(
        label=_("Worker"),
        max_length=40,
        help_text=_("The worker's reference (WRK-000123), national ID number or passport number."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_worker(self):
        raw = normalise_reference(self.cleaned_data["worker"])
        workers = access.visible_to(self.user, Worker.objects.all())
        worker = None
        if raw.startswith("WRK-") and raw[4:].isdigit():
            worker = workers.filter(pk=int(raw[4:])).first()
        worker = worker or workers.filter(national_id=raw).first() or (raw and workers.filter(passport_number=raw).first())
        if not worker:
            raise forms.ValidationError(_("No worker you can see has this reference or number."))
        return worker


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The workers are told by SMS that the session is cancelled."),
    )


class LookupForm(forms.Form):
    number = forms.CharField(label=_("Certificate number"), max_length=20, help_text=_("For example PDT-2026-000123."))
    passport_number = forms.CharField(label=_("Holder's passport number"), max_length=30)
