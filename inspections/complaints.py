"""Use cases of workers' complaints against agencies: record, triage, resolve or dismiss, escalate when late.

A complaint is recorded by ministry staff (from a call, a visit or a letter) or, later, by SMS; its answer is due a
number of days after it came in, set per category by the regulatory parameter
``complaints.deadline_days.<category>`` in force that day. It lives received → triaged (being looked into) →
resolved or dismissed; a late open complaint is escalated to the chief inspector once. Every change follows the
recipe of agencies.services: lock the row, compare the state the user saw, check, change, save, tell the complainant
by SMS, all in one transaction.

Who complained (the worker, a name, a phone) is seen only by those with ``complaints.identity`` (inspectors and the
chief inspector); agencies never see complaints at all (``ComplaintQuerySet.for_agency``).
"""

from __future__ import annotations

import datetime
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Agency
from agencies.services import StaleRecord
from core import access
from core.choices import Language
from core.dates import today
from core.history import HistoryEntry, history_of
from core.models import User
from core.numbers import create_numbered
from core.parameters import MissingParameter, parameter_value
from inspections.models import OPEN_COMPLAINT_STATES, Complaint, ComplaintCategory, ComplaintChannel, ComplaintStatus
from notifications.services import InvalidSmsNumber, notify
from workers.models import SMS_CAPABLE_TYPES, Worker

__all__ = [
    "StaleRecord",
    "dismiss_complaint",
    "escalate_late_complaints",
    "record_complaint",
    "resolve_complaint",
    "triage_complaint",
]

REFERENCE_PREFIX = "CMP"
REFERENCE_WIDTH = 5
# The fields that say who complained: shown only with "complaints.identity".
IDENTITY_FIELDS = ("worker", "complainant_name", "complainant_phone", "complainant_language")
TIMELINESS_LABELS = {
    "on_time": gettext_lazy("On time"),
    "due_soon": gettext_lazy("Due soon"),
    "late": gettext_lazy("Late"),
}


def may_see_identity(user: Any) -> bool:
    return access.can(user, "complaints.identity")


def timeliness_label(complaint: Complaint, on: datetime.date) -> str:
    return str(TIMELINESS_LABELS[complaint.timeliness(on)])


def deadline_for(category: str, received_on: datetime.date) -> datetime.date:
    """The day the answer is due: the category's deadline in force on the day the complaint came in."""
    try:
        days = parameter_value(f"complaints.deadline_days.{category}", received_on)
    except MissingParameter:
        raise ValidationError(
            {"category": _("No answer deadline is set for this category on that date; ask the administrator to set one.")}
        ) from None
    return received_on + datetime.timedelta(days=int(days))


def _sms_phone(value: Any, errors: dict[str, str]) -> str:
    """The complainant's phone in E.164, or "" when none was given; a number that cannot take SMS is refused."""
    text = str(value or "").strip()
    if not text:
        return ""
    try:
        parsed = value if isinstance(value, phonenumbers.PhoneNumber) else phonenumbers.parse(text, "LS")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        errors["complainant_phone"] = _("Enter a valid phone number, such as +266 5… or +266 6…, or +27 ….")
        return ""
    if phonenumbers.number_type(parsed) not in SMS_CAPABLE_TYPES:
        errors["complainant_phone"] = _(
            "This is a fixed line and cannot receive SMS; give a mobile number, or leave the phone empty."
        )
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def _received_at(received_on: datetime.date) -> datetime.datetime:
    """Now when it came in today; the start of that day (Maseru time) when a letter or call is recorded later."""
    if received_on == today():
        return timezone.now()
    return timezone.make_aware(datetime.datetime.combine(received_on, datetime.time.min))


def _sms_day(day: datetime.date) -> str:
    # Day/month/year in digits reads the same in Sesotho and English.
    return f"{day:%d/%m/%Y}"


def _tell_complainant(complaint: Complaint, template: str, **context: Any) -> bool:
    """SMS the complainant in their language; returns whether one was queued.

    A phone given for the complaint is the complainant's consent to SMS about it: they gave it for this purpose. A
    registered worker with no phone given for the complaint is told on their own mobile only if they agreed to SMS.
    """
    # The worker's id goes with an SMS to their own mobile only: the send-time consent check then applies, while a
    # phone given for the complaint is not held to the worker's general consent.
    if complaint.complainant_phone:
        to, worker_id = complaint.complainant_phone, None
    elif complaint.worker_id and complaint.worker.sms_consent and complaint.worker.mobile:
        to, worker_id = complaint.worker.mobile, complaint.worker_id
    else:
        return False
    values = {"reference": complaint.reference, "agency": str(complaint.agency), "due_on": _sms_day(complaint.due_on)}
    try:
        notify(
            to=to,
            template=template,
            language=complaint.complainant_language,
            context=values | context,
            worker_id=worker_id,
            agency_id=complaint.agency_id,
        )
    except InvalidSmsNumber:
        return False
    return True


# --- Recording ------------------------------------------------------------------------------------------------


@transaction.atomic
def record_complaint(*, by: User | None, data: dict[str, Any], tell_complainant: bool = True) -> Complaint:
    """Record a complaint against an agency and tell the complainant it was received.

    ``data``: agency (an Agency or its id), category, description, and optionally channel (web unless given),
    received_on (a date, today unless given), worker (a Worker or its id), complainant_name, complainant_phone,
    complainant_language (the worker's preferred language, or Sesotho, unless given). ``by`` is the member of staff
    recording it; only a complaint that came in by SMS may be recorded without one.
    Problems are raised together as one ValidationError keyed by field; nothing is saved.
    """
    channel = data.get("channel") or ComplaintChannel.WEB
    if channel not in ComplaintChannel.values:
        raise ValidationError(_("Unknown channel."))
    if by is not None or channel != ComplaintChannel.SMS:
        access.check(by, "complaints.record")

    errors: dict[str, str] = {}
    agency = Agency.objects.filter(pk=_pk(data.get("agency"))).first() if data.get("agency") else None
    if agency is None:
        errors["agency"] = _("Choose an agency from the register.")
    category = data.get("category") or ""
    if category not in ComplaintCategory.values:
        errors["category"] = _("Choose the kind of complaint.")
    description = (data.get("description") or "").strip()
    if not description:
        errors["description"] = _("Say what happened.")
    received_on = data.get("received_on") or today()
    if received_on > today():
        errors["received_on"] = _("A complaint cannot be received in the future.")
    worker = None
    if data.get("worker"):
        worker = Worker.objects.filter(pk=_pk(data["worker"])).first()
        if worker is None:
            errors["worker"] = _("No registered worker has this national ID.")
    name = (data.get("complainant_name") or "").strip()
    if len(name) > Complaint._meta.get_field("complainant_name").max_length:
        errors["complainant_name"] = _("The name is too long.")
    phone = _sms_phone(data.get("complainant_phone"), errors)
    language = data.get("complainant_language") or (worker.preferred_language if worker else Language.SESOTHO)
    if language not in Language.values:
        errors["complainant_language"] = _("Choose Sesotho or English.")
    if errors:
        raise ValidationError(errors)

    due_on = deadline_for(category, received_on)
    complaint = create_numbered(
        Complaint,
        "reference",
        REFERENCE_PREFIX,
        received_on.year,
        REFERENCE_WIDTH,
        agency=agency,
        category=category,
        description=description,
        channel=channel,
        worker=worker,
        complainant_name=name,
        complainant_phone=phone,
        complainant_language=language,
        received_at=_received_at(received_on),
        due_on=due_on,
        recorded_by=by,
    )
    if tell_complainant:  # a complaint by SMS is acknowledged in the reply to that SMS instead
        _tell_complainant(complaint, "complaint.received")
    return complaint


# --- Triage and closing -----------------------------------------------------------------------------------------


def _locked(complaint_id: int, by: User, seen_status: str | None) -> Complaint:
    access.check(by, "complaints.handle")
    complaint = Complaint.objects.select_for_update(of=("self",)).select_related("agency", "worker").get(pk=complaint_id)
    if seen_status is not None and complaint.status != seen_status:
        raise StaleRecord
    return complaint


def _refuse_closed(complaint: Complaint) -> None:
    if complaint.status not in OPEN_COMPLAINT_STATES:
        raise ValidationError(_("This complaint is already closed (%(status)s).") % {"status": complaint.get_status_display()})


def _required(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _save(complaint: Complaint, by: User, reason: str, fields: list[str]) -> None:
    complaint._history_user = by
    complaint._change_reason = reason[:100]
    complaint.save(update_fields=fields)


@transaction.atomic
def triage_complaint(*, by: User, complaint_id: int, note: str, seen_status: str | None = None) -> Complaint:
    """Take up a received complaint: it is being looked into, with a note of what will be done."""
    complaint = _locked(complaint_id, by, seen_status)
    _refuse_closed(complaint)
    if complaint.status != ComplaintStatus.RECEIVED:
        raise ValidationError(_("This complaint is already being looked into."))
    note = _required(note, "note", _("Write the triage note: what will be done about this complaint."))
    complaint.status = ComplaintStatus.TRIAGED
    complaint.triage_note = note
    _save(complaint, by, note, ["status", "triage_note"])
    return complaint


def _close(complaint: Complaint, by: User, status: str, text: str) -> Complaint:
    complaint.status = status
    complaint.resolution = text
    complaint.resolved_at = timezone.now()
    _save(complaint, by, text, ["status", "resolution", "resolved_at"])
    _tell_complainant(complaint, "complaint.resolved", outcome=text)
    return complaint


@transaction.atomic
def resolve_complaint(*, by: User, complaint_id: int, outcome: str, seen_status: str | None = None) -> Complaint:
    """Close an open complaint with its outcome; the complainant is told the outcome by SMS."""
    complaint = _locked(complaint_id, by, seen_status)
    _refuse_closed(complaint)
    outcome = _required(outcome, "outcome", _("Write the outcome; the complainant is told it by SMS."))
    return _close(complaint, by, ComplaintStatus.RESOLVED, outcome)


@transaction.atomic
def dismiss_complaint(*, by: User, complaint_id: int, reason: str, seen_status: str | None = None) -> Complaint:
    """Dismiss an open complaint with the reason; the complainant is told the reason by SMS."""
    complaint = _locked(complaint_id, by, seen_status)
    _refuse_closed(complaint)
    reason = _required(reason, "reason", _("Give the reason; the complainant is told it by SMS."))
    return _close(complaint, by, ComplaintStatus.DISMISSED, reason)


# --- Escalation (a scheduled job) ---------------------------------------------------------------------------------


def escalate_late_complaints() -> str:
    """Mark every open complaint past its due date as escalated to the chief inspector, once each (idempotent)."""
    late = Complaint.objects.filter(status__in=OPEN_COMPLAINT_STATES, due_on__lt=today(), escalated_at__isnull=True)
    escalated = 0
    for complaint_id in late.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            complaint = late.select_for_update().filter(pk=complaint_id).first()
            if complaint is None:  # closed or escalated meanwhile
                continue
            complaint.escalated_at = timezone.now()
            complaint._change_reason = "late: escalated to the chief inspector"
            complaint.save(update_fields=["escalated_at"])
            escalated += 1
    return f"escalated {escalated} late complaints"


# --- Reading -------------------------------------------------------------------------------------------------------


def complaint_history(complaint: Complaint, user: Any) -> list[HistoryEntry]:
    """The complaint's history; without ``complaints.identity`` the names of identity fields are left out too."""
    entries = history_of(complaint)
    if may_see_identity(user):
        return entries
    hidden = {str(Complaint._meta.get_field(name).verbose_name) for name in IDENTITY_FIELDS}
    for entry in entries:
        entry.detail = ", ".join(part for part in entry.detail.split(", ") if part and part not in hidden)
    return entries
