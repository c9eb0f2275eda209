"""Use cases of workers: register, claim, correct the details, end a link, record consent; and the near-match search.

The register is national: one row per person, whichever agency brought them
in. So the answers given to an agency must never reveal another agency's
worker: a taken number and a failed claim say the same neutral sentence
whoever the number belongs to.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Agency
from agencies.services import StaleRecord, can_recruit
from core import access
from core.access import Role
from core.models import User
from core.text import normalise_reference
from notifications.inbound import lift_opt_out
from workers.models import NUMBER_TAKEN_MESSAGE, AgencyWorker, ConsentMethod, Worker, WorkerRecordView, validate_mobile

NO_MATCH_MESSAGE = gettext_lazy("No registered worker matches this national ID and date of birth.")
CANNOT_RECRUIT_MESSAGE = gettext_lazy(
    "Your agency has no licence in force, so it cannot register or claim workers. Renew or reinstate the licence first."
)

# The identity fields ``register_worker`` and ``update_worker`` accept in ``data``.
WORKER_FIELDS = (
    "first_name",
    "last_name",
    "sex",
    "date_of_birth",
    "national_id",
    "passport_number",
    "passport_expires_on",
    "district",
    "village",
    "mobile",
    "preferred_language",
    "next_of_kin_name",
    "next_of_kin_phone",
)


class NumberTaken(ValidationError):
    """The national ID or passport number is already in the register (the message never says whose)."""

    def __init__(self) -> None:
        super().__init__(NUMBER_TAKEN_MESSAGE, code="number_taken")


def _agency_for(by: User, agency_id: int | None) -> int | None:
    """Which agency ``by`` may act for: staff only their own (and only while it may recruit); registrars any or none."""
    if Role.REGISTRAR in access.roles_of(by):
        if agency_id is not None and not Agency.objects.filter(pk=agency_id).exists():
            raise ValidationError(_("There is no such agency."))
        return agency_id
    own = access.agency_id_of(by)
    if own is None or not access.can(by, "workers.register") or agency_id != own:
        raise PermissionDenied
    if not can_recruit(own):
        raise ValidationError(CANNOT_RECRUIT_MESSAGE)
    return own


def _link(worker: Worker, agency_id: int, by: User) -> AgencyWorker:
    """Open a link unless one is open already (idempotent)."""
    link = AgencyWorker.objects.filter(agency_id=agency_id, worker=worker, ended_at__isnull=True).first()
    if link is not None:
        return link
    try:
        with transaction.atomic():
            return AgencyWorker.objects.create(agency_id=agency_id, worker=worker, started_by=by)
    except IntegrityError:  # opened at the same moment by another request
        return AgencyWorker.objects.get(agency_id=agency_id, worker=worker, ended_at__isnull=True)


def register_worker(*, by: User, agency_id: int | None, data: dict[str, Any]) -> Worker:
    """A licensed agency registers a new worker for itself; a registrar for any agency or none.

    A national ID or passport number already in the register is refused with
    one neutral message that never says whose it is: the agency should claim
    the worker instead.
    """
    if not access.can(by, "workers.register"):
        raise PermissionDenied
    agency_id = _agency_for(by, agency_id)
    values = {name: data[name] for name in WORKER_FIELDS if name in data and data[name] is not None}
    values["national_id"] = normalise_reference(values.get("national_id"))
    values["passport_number"] = normalise_reference(values.get("passport_number"))
    if not values["national_id"]:
        raise ValidationError({"national_id": _("Give the worker's national ID number.")})
    if values["date_of_birth"] > timezone.localdate():
        raise ValidationError({"date_of_birth": _("The date of birth cannot be in the future.")})
    validate_mobile(values.get("mobile"))
    with transaction.atomic():
        if _number_taken(values["national_id"], values["passport_number"]):
            raise NumberTaken
        try:
            with transaction.atomic():
                worker = Worker(created_by=by, **values)
                worker._change_reason = "registered"
                worker.save()
        except IntegrityError:  # the same number registered at the same moment
            raise NumberTaken from None
        if agency_id is not None:
            _link(worker, agency_id, by)
    return worker


def _number_taken(national_id: str, passport_number: str) -> bool:
    if Worker.objects.filter(national_id=national_id).exists():
        return True
    return bool(passport_number) and Worker.objects.filter(passport_number=passport_number).exists()


REQUIRED_FIELDS = ("first_name", "last_name", "sex", "date_of_birth", "national_id", "district")


def worker_fingerprint(worker: Worker) -> str:
    """A digest of the details as a screen showed them: an edit made from an older screen is caught, not saved over."""
    seen = "\x1f".join(str(getattr(worker, name) or "") for name in WORKER_FIELDS)
    return salted_hmac("workers.worker_fingerprint", seen).hexdigest()[:32]


def update_worker(*, by: User, worker_id: int, data: dict[str, Any], seen: str | None = None) -> list[str]:
    """Correct a worker's identity and contact details, with the register's rules; returns the names of the changed fields.

    Agency staff correct only workers linked to their agency, and never the national ID: it is the key a claim
    proves, so only a registrar (who can check the identity document) changes it. A taken number gets the
    register's one neutral message. ``seen`` is ``worker_fingerprint`` of the screen the user edited; when the
    record changed since, StaleRecord is raised and nothing is saved.
    """
    if not access.can(by, "workers.register"):
        raise PermissionDenied
    values = {name: data[name] for name in WORKER_FIELDS if name in data}
    for name in ("national_id", "passport_number"):
        if name in values:
            values[name] = normalise_reference(values[name])
    for name in ("passport_number", "village", "next_of_kin_name", "mobile", "next_of_kin_phone"):
        if name in values and values[name] is None:
            values[name] = ""
    with transaction.atomic():
        try:
            worker = Worker.objects.visible_to(by).select_for_update().get(pk=worker_id)
        except Worker.DoesNotExist:
            raise PermissionDenied from None
        if seen is not None and seen != worker_fingerprint(worker):
            raise StaleRecord
        changed = [name for name, value in values.items() if getattr(worker, name) != value]
        if "national_id" in changed and Role.REGISTRAR not in access.roles_of(by):
            raise PermissionDenied
        if not changed:
            return []
        for name in changed:
            setattr(worker, name, values[name])
        _check_details(worker, check_passport_expiry=bool({"passport_number", "passport_expires_on"} & set(changed)))
        if "national_id" in changed and Worker.objects.filter(national_id=worker.national_id).exclude(pk=worker.pk).exists():
            raise NumberTaken
        if (
            "passport_number" in changed
            and worker.passport_number
            and Worker.objects.filter(passport_number=worker.passport_number).exclude(pk=worker.pk).exists()
        ):
            raise NumberTaken
        worker._change_reason = "details corrected"
        worker._history_user = by
        try:
            with transaction.atomic():
                worker.save(update_fields=changed)
        except IntegrityError:  # the same number given to someone else at the same moment
            raise NumberTaken from None
    return changed


def _check_details(worker: Worker, *, check_passport_expiry: bool) -> None:
    """The register's rules on the corrected record; a passport left as it was may have expired since."""
    # The rules live beside the register's form, which imports this module: hence the late import.
    from workers.forms import date_of_birth_problem, passport_problems

    problems: dict[str, str] = {}
    for name in REQUIRED_FIELDS:
        if not getattr(worker, name):
            problems[name] = _("This field is required.")
    if worker.date_of_birth:
        problem = date_of_birth_problem(worker.date_of_birth)
        if problem:
            problems["date_of_birth"] = problem
    passport = passport_problems(worker.passport_number, worker.passport_expires_on, check_expiry=check_passport_expiry)
    for name, problem in passport.items():
        problems.setdefault(name, problem)
    try:
        validate_mobile(worker.mobile)
    except ValidationError as error:
        problems.setdefault("mobile", " ".join(error.messages))
    if problems:
        raise ValidationError(problems)


def claim_worker(*, by: User, agency_id: int, national_id: str, date_of_birth: datetime.date) -> Worker:
    """An agency links itself to a worker already in the register, proving it knows them by national ID and date of birth.

    No such ID and a wrong date give the same message, so a failed claim reveals nothing.
    """
    if not access.can(by, "workers.register"):
        raise PermissionDenied
    agency_id = _agency_for(by, agency_id)
    if agency_id is None:
        raise ValidationError(_("Choose the agency that claims the worker."))
    worker = Worker.objects.filter(national_id=normalise_reference(national_id), date_of_birth=date_of_birth).first()
    if worker is None:
        raise ValidationError(NO_MATCH_MESSAGE, code="no_match")
    with transaction.atomic():
        _link(worker, agency_id, by)
    return worker


def end_link(*, by: User, link_id: int, reason: str) -> AgencyWorker:
    """The agency ends one of its own links (or a registrar any), with a reason; the agency stops seeing the worker at once."""
    if not access.can(by, "workers.end_link"):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for ending the link.")})
    with transaction.atomic():
        try:
            link = access.visible_to(by, AgencyWorker.objects.all()).select_for_update().get(pk=link_id)
        except AgencyWorker.DoesNotExist:
            raise PermissionDenied from None
        if link.ended_at is not None:
            raise ValidationError(_("This link has already ended."))
        link.ended_at = timezone.now()
        link.ended_by = by
        link.end_reason = reason
        link._change_reason = reason[:100]  # the history column holds 100 characters
        link.save()
    return link


def record_consent(*, by: User, worker_id: int, consented: bool, method: str) -> Worker:
    """Record that the worker agreed (or no longer agrees) to SMS, and how they said so."""
    if not access.can(by, "workers.register"):
        raise PermissionDenied
    if method not in ConsentMethod.values:
        raise ValidationError({"method": _("Say how the worker gave their answer.")})
    with transaction.atomic():
        try:
            worker = Worker.objects.visible_to(by).select_for_update().get(pk=worker_id)
        except Worker.DoesNotExist:
            raise PermissionDenied from None
        worker.sms_consent = consented
        worker.consent_method = method
        worker.consent_changed_at = timezone.now()
        worker._change_reason = "consent recorded"
        worker.save(update_fields=["sms_consent", "consent_method", "consent_changed_at"])
        if consented and worker.mobile:
            # An earlier STOP suppressed the number itself; the worker's fresh consent lifts it.
            lift_opt_out(worker.mobile.as_e164)
    return worker


def record_consent_for_number(*, number: str, consented: bool, method: str, by: User | None = None) -> list[int]:
    """The owner of a phone number said STOP or START (by SMS, or to staff who hold ``sms.manage``): record it on
    every worker with that mobile. Returns their ids. Called by notifications inside its opt-out transaction, which
    checked who may do it; the workers need not be visible to ``by`` (a trainer hears it at a session).
    """
    if method not in ConsentMethod.values:
        raise ValidationError({"method": _("Say how the worker gave their answer.")})
    changed = []
    with transaction.atomic():
        for worker in Worker.objects.select_for_update().filter(mobile=number).order_by("pk"):
            if worker.sms_consent == consented and worker.consent_method == method:
                continue  # the same answer again (a repeated STOP) changes nothing
            worker.sms_consent = consented
            worker.consent_method = method
            worker.consent_changed_at = timezone.now()
            worker._change_reason = "opted in" if consented else "opted out"
            worker.save(update_fields=["sms_consent", "consent_method", "consent_changed_at"])
            changed.append(worker.pk)
    return changed


def record_view(*, by: User, worker_id: int, what: str = "page") -> None:
    """Every showing of a worker's full record is kept (who, when, which worker), whoever looks; one row each time."""
    WorkerRecordView.objects.create(worker_id=worker_id, viewed_by=by, what=what)


def near_matches(user: User, first_name: str, last_name: str, date_of_birth: datetime.date) -> QuerySet:
    """Workers this user may see born the same day with a similar name (same last name, first name's first three letters).

    Searched only among the user's visible workers: a warning must not reveal another agency's worker.
    """
    first_name, last_name = (first_name or "").strip(), (last_name or "").strip()
    if not (first_name and last_name and date_of_birth):
        return Worker.objects.none()
    return Worker.objects.visible_to(user).filter(
        date_of_birth=date_of_birth, last_name__iexact=last_name, first_name__istartswith=first_name[:3]
    )
