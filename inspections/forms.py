"""Forms of inspections: plans, audits, the checklist, corrective actions, recommendations, availability."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from core.access import Role
from core.dates import today
from core.models import User
from inspections.models import WEEKDAYS, Answer, AuditKind, InspectorProfile, SanctionRecommendation, Severity

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def inspector_choices():
    return User.objects.filter(groups__name=Role.INSPECTOR, is_active=True, inspector_profile__isnull=False).order_by(
        "last_name", "first_name", "pk"
    )


class InspectorField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name() or user.username


class PlanForm(forms.Form):
    starts_on = forms.DateField(label=_("From"), widget=DATE)
    ends_on = forms.DateField(label=_("To"), widget=DATE)
    risk_threshold = forms.IntegerField(
        label=_("Lowest risk score to include"),
        min_value=0,
        initial=10,
        help_text=_("Agencies due for their yearly audit are always included, whatever their score."),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("The period must end on or after its first day."))
        return data


class PlanItemForm(forms.Form):
    inspector = InspectorField(label=_("Inspector"), queryset=User.objects.none())
    day = forms.DateField(label=_("Day"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = inspector_choices()


class AuditForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.filter(status="active").order_by("trading_name"))
    kind = forms.ChoiceField(label=_("Kind"), choices=AuditKind.choices, initial=AuditKind.COMPLAINT)
    inspector = InspectorField(label=_("Inspector"), queryset=User.objects.none())
    day = forms.DateField(label=_("Day"), widget=DATE)
    announced = forms.BooleanField(label=_("Announce it to the agency"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = inspector_choices()

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day < today():
            raise forms.ValidationError(_("An audit cannot be booked in the past."))
        return day


class ScheduleForm(forms.Form):
    announced = forms.BooleanField(label=_("Announce it to the agency (in the app and by e-mail)"), required=False, initial=True)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False)


class AnswerForm(forms.Form):
    """One checklist item, as the inspector fills it on a phone."""

    answer = forms.ChoiceField(label=_("Answer"), choices=Answer.choices, widget=forms.RadioSelect, required=False)
    severity = forms.ChoiceField(label=_("Severity"), choices=[("", "—"), *Severity.choices], required=False)
    note = forms.CharField(label=_("What you saw"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000)
    action_required = forms.CharField(
        label=_("Corrective action required"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )
    action_due_on = forms.DateField(label=_("Due by"), widget=DATE, required=False)

    def clean_action_due_on(self):
        due = self.cleaned_data.get("action_due_on")
        if due and due <= today():
            raise forms.ValidationError(_("A corrective action must be due after today."))
        return due


class ReportForm(forms.Form):
    workers_interviewed = forms.IntegerField(label=_("Workers interviewed"), min_value=0, max_value=10000, required=False)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=10000)


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Photo or scan"), help_text=_("PDF, JPEG or PNG, at most 10 MB."))


class ResponseForm(forms.Form):
    response = forms.CharField(label=_("What you did"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    evidence = forms.FileField(label=_("Evidence (optional)"), required=False, help_text=_("PDF, JPEG or PNG, at most 10 MB."))


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the agency"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )
    new_due_on = forms.DateField(label=_("New due date (optional)"), widget=DATE, required=False)


class RecommendationForm(forms.Form):
    action = forms.ChoiceField(label=_("Recommendation"), choices=SanctionRecommendation.ACTIONS)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class LeaveForm(forms.Form):
    starts_on = forms.DateField(label=_("First day"), widget=DATE)
    ends_on = forms.DateField(label=_("Last day"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("Leave cannot end before it starts."))
        return data


class ConflictForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.order_by("trading_name"))
    note = forms.CharField(label=_("What the conflict is"), max_length=300)


class ProfileForm(forms.ModelForm):
    working_days = forms.TypedMultipleChoiceField(
        label=_("Working days"), choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = InspectorProfile
        fields = ["home_district", "max_audits_per_week"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["working_days"].initial = sorted(self.instance.weekdays) if self.instance.pk else [0, 1, 2, 3, 4]

    def save(self, commit=True):
        self.instance.working_weekdays = "".join(str(day) for day in sorted(self.cleaned_data["working_days"]))
        return super().save(commit)


def week_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=6)


class HolidayForm(forms.ModelForm):
    class Meta:
        from inspections.models import PublicHoliday

        model = PublicHoliday
        fields = ["day", "name"]
        widgets = {"day": DATE}
        error_messages = {"day": {"unique": _("This day is already a public holiday.")}}
