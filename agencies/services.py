"""Use cases of agencies: accounts and staff, licence applications, licences.

Every change of state follows one recipe (shared/DESIGN.md): lock the
record, compare the state the user saw, check the transition is possible
and permitted, transition, save, tell the agency; all in one transaction.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from agencies import hooks
from agencies.models import (
    REQUIRED_DOCUMENTS,
    Agency,
    AgencyMembership,
    AgencyNotice,
    ApplicationDocument,
    ApplicationKind,
    ApplicationStatus,
    Director,
    DocumentKind,
    DocumentReview,
    Licence,
    LicenceApplication,
    LicenceReminder,
    LicenceStatus,
    NoticeKind,
    SecurityBond,
)
from core import access
from core.access import Role
from core.actions import StaleRecord
from core.dates import add_months, today
from core.models import User
from core.parameters import parameter_value
from core.text import normalise_reference, public_url
from core.uploads import display_name
from notifications.services import InvalidSmsNumber, notify

BARRED_YEARS = 5


def _reason_required(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason; the agency will see it.")})
    return reason


def _apply(record: Any, transition: str, by: User, reason: str, seen_status: str | None, refusal: str) -> None:
    """The shared heart of every decision: compare, check, transition, save."""
    if seen_status is not None and record.status != seen_status:
        raise StaleRecord
    method = getattr(record, transition)
    if not can_proceed(method):
        raise ValidationError(refusal)
    # django-fsm-2 does not check permissions by itself; it asks the access module through the transition.
    if not has_transition_perm(method, by):
        raise PermissionDenied
    method(by=by, description=reason)
    try:
        record.save()
    except ConcurrentTransition:
        raise StaleRecord from None


# --- Telling the agency ------------------------------------------------------------


def tell_agency(agency: Agency, kind: NoticeKind, values: dict, *, reason: str = "", link: str = "") -> AgencyNotice:
    """Show a notice to the agency's staff in the app and e-mail each of them, in their language, after commit."""
    notice = AgencyNotice.objects.create(agency=agency, kind=kind, values=values, reason=reason, link=link)
    staff = list(User.objects.filter(agency_membership__agency=agency, agency_membership__ended_at__isnull=True, is_active=True))

    def send():
        for user in staff:
            with translation.override(user.preferred_language):
                subject = notice.text
                body = render_to_string("agencies/email/notice.txt", {"notice": notice, "user": user, "agency": agency})
            send_mail(subject[:200], body, None, [user.email], fail_silently=True)

    transaction.on_commit(send)
    return notice


# --- Agency accounts and staff ---------------------------------------------------------


@transaction.atomic
def disable_agency_account(*, agency_id: int, by: User, reason: str, seen_status: str | None = None) -> Agency:
    """Disable an agency's account, with a reason the agency sees; its staff lose access at once."""
    reason = _reason_required(reason)
    agency = Agency.objects.select_for_update().get(pk=agency_id)
    _apply(agency, "disable", by, reason, seen_status, _("This agency account is already disabled."))
    return agency


@transaction.atomic
def enable_agency_account(*, agency_id: int, by: User, reason: str, seen_status: str | None = None) -> Agency:
    """Restore a disabled agency account, with a reason."""
    reason = _reason_required(reason)
    agency = Agency.objects.select_for_update().get(pk=agency_id)
    _apply(agency, "enable", by, reason, seen_status, _("This agency account is already active."))
    return agency


@transaction.atomic
def add_agency_staff(*, agency: Agency, user: User, is_manager: bool = False) -> AgencyMembership:
    """Make ``user`` a member of ``agency``'s staff. Agency staff hold no ministry role and one agency only."""
    if access.roles_of(user) & access.MINISTRY_ROLES:
        raise ValidationError(_("A ministry user cannot also be agency staff."))
    if AgencyMembership.objects.filter(user=user).exists():
        raise ValidationError(_("This user already works for an agency."))
    membership = AgencyMembership.objects.create(user=user, agency=agency, is_manager=is_manager)
    user.groups.add(Group.objects.get(name=Role.AGENCY_STAFF))
    access.forget_roles(user)
    return membership


# --- Directors, bonds and documents (the agency's side of an application) ------------------


def _editable_application(application_id: int, by: User) -> LicenceApplication:
    application = LicenceApplication.objects.select_for_update(of=("self",)).select_related("agency").get(pk=application_id)
    access.check(by, "licensing.apply")
    if access.agency_id_of(by) != application.agency_id:
        raise PermissionDenied
    if application.status not in (ApplicationStatus.DRAFT, ApplicationStatus.INFORMATION_REQUESTED):
        raise ValidationError(_("This application can no longer be changed."))
    return application


@transaction.atomic
def add_director(
    *, application_id: int, by: User, full_name: str, identity_kind: str, identity_number: str, nationality: str
) -> Director:
    """Add a director to the agency of a draft application (or one the ministry asked more of)."""
    application = _editable_application(application_id, by)
    number = normalise_reference(identity_number)
    if Director.objects.filter(agency=application.agency, identity_number=number).exists():
        raise ValidationError({"identity_number": _("This director is already listed.")})
    return Director.objects.create(
        agency=application.agency,
        full_name=full_name.strip(),
        identity_kind=identity_kind,
        identity_number=number,
        nationality=nationality.strip(),
    )


@transaction.atomic
def remove_director(*, application_id: int, director_id: int, by: User) -> None:
    application = _editable_application(application_id, by)
    director = Director.objects.get(pk=director_id, agency=application.agency)
    if director.documents.exists():
        raise ValidationError(_("This director's police clearance is on file; the director cannot be removed now."))
    director.delete()


@transaction.atomic
def record_bond(*, application_id: int, by: User, **fields) -> SecurityBond:
    """Record the security bond or bank guarantee that backs this application."""
    application = _editable_application(application_id, by)
    bond = SecurityBond(agency=application.agency, **fields)
    bond.full_clean()
    bond.save()
    application.bond = bond
    application.save(update_fields=["bond"])
    return bond


@transaction.atomic
def upload_document(
    *, application_id: int, by: User, kind: str, upload, content_type: str, director_id: int | None = None
) -> ApplicationDocument:
    """Attach a checked file to an application; a new file of the same kind replaces the old one."""
    application = _editable_application(application_id, by)
    director = None
    if kind == DocumentKind.POLICE_CLEARANCE:
        if director_id is None:
            raise ValidationError({"director": _("Say which director this police clearance is for.")})
        director = Director.objects.get(pk=director_id, agency=application.agency)
    document = ApplicationDocument.objects.create(
        application=application,
        kind=kind,
        director=director,
        file=upload,
        original_name=display_name(upload, "document"),
        content_type=content_type,
        size=upload.size,
        uploaded_by=by,
    )
    application.documents.current().filter(kind=kind, director=director).exclude(pk=document.pk).update(replaced_by=document)
    return document


def missing_documents(application: LicenceApplication) -> list[str]:
    """What is still missing before the application can be submitted, in words the agency reads."""
    missing: list[str] = []
    current = list(application.documents.current().values_list("kind", "director_id"))
    kinds = {kind for kind, _ in current}
    for kind in REQUIRED_DOCUMENTS[application.kind]:
        if kind == DocumentKind.POLICE_CLEARANCE:
            covered = {director for kind_, director in current if kind_ == DocumentKind.POLICE_CLEARANCE}
            for director in application.agency.directors.all():
                if director.pk not in covered:
                    missing.append(_("Police clearance for %(name)s") % {"name": director.full_name})
        elif kind not in kinds:
            missing.append(str(DocumentKind(kind).label))
    return missing


def missing_details(application: LicenceApplication) -> list[str]:
    agency = application.agency
    missing = []
    if application.kind == ApplicationKind.NEW and not agency.directors.exists():
        missing.append(_("At least one director"))
    for field in ("tax_number", "physical_address", "phone", "email"):
        if not getattr(agency, field):
            missing.append(str(Agency._meta.get_field(field).verbose_name))
    if application.bond_id is None:
        missing.append(_("The security bond or bank guarantee record"))
    return missing


# --- The application's lifecycle ---------------------------------------------------------


@transaction.atomic
def start_application(*, agency_id: int, by: User, kind: str = ApplicationKind.NEW) -> LicenceApplication:
    """Open a draft application; an agency has at most one open application, and renews only a licence in force."""
    access.check(by, "licensing.apply")
    if access.agency_id_of(by) != agency_id:
        raise PermissionDenied
    agency = Agency.objects.select_for_update().get(pk=agency_id)
    if agency.applications.open().exists():
        raise ValidationError(_("Your agency already has an open application; finish or withdraw it first."))
    renews = None
    if kind == ApplicationKind.RENEWAL:
        renews = agency.licences.filter(status__in=[LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED]).first()
        if renews is None or renews.expires_on < today():
            raise ValidationError(_("Only a licence that has not expired can be renewed; apply for a new licence."))
    elif agency.licences.filter(status__in=[LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED]).exists():
        raise ValidationError(_("Your agency already holds a licence; apply to renew it instead."))
    try:
        with transaction.atomic():
            return LicenceApplication.objects.create(agency=agency, kind=kind, renews=renews, created_by=by)
    except IntegrityError:
        raise ValidationError(_("Your agency already has an open application; finish or withdraw it first.")) from None


@transaction.atomic
def submit_application(*, application_id: int, by: User, seen_status: str | None = None) -> LicenceApplication:
    """Submit a complete application; fee, bond and validity are fixed as they stand on the submission date."""
    application = LicenceApplication.objects.select_for_update(of=("self",)).select_related("agency").get(pk=application_id)
    if access.agency_id_of(by) != application.agency_id:
        raise PermissionDenied
    problems = missing_details(application) + missing_documents(application)
    if problems:
        raise ValidationError([_("Still missing: %(item)s") % {"item": item} for item in problems])
    on = today()
    fee_key = "licence.renewal_fee" if application.kind == ApplicationKind.RENEWAL else "licence.fee"
    application.fee_due = parameter_value(fee_key, on)
    application.bond_required = parameter_value("licence.bond_amount", on)
    application.validity_months = int(parameter_value("licence.validity_months", on))
    _apply(application, "submit", by, "", seen_status, _("This application has already been submitted."))
    tell_agency(
        application.agency,
        NoticeKind.APPLICATION_SUBMITTED,
        {"reference": application.reference},
        link=public_url("agencies:application_detail", application.pk),
    )
    return application


@transaction.atomic
def start_review(*, application_id: int, by: User, seen_status: str | None = None) -> LicenceApplication:
    """A licensing officer takes up a submitted or resubmitted application."""
    application = LicenceApplication.objects.select_for_update().get(pk=application_id)
    _apply(application, "start_review", by, "", seen_status, _("This application is not waiting for review."))
    return application


@transaction.atomic
def review_document(*, document_id: int, by: User, accepted: bool, note: str = "") -> ApplicationDocument:
    """Accept or reject one document of an application under review; a rejection says why."""
    access.check(by, "licensing.review")
    document = ApplicationDocument.objects.select_for_update(of=("self",)).select_related("application").get(pk=document_id)
    if document.application.status != ApplicationStatus.UNDER_REVIEW:
        raise ValidationError(_("Documents are reviewed while the application is under review."))
    if document.replaced_by_id:
        raise ValidationError(_("This document has been replaced by a newer one."))
    note = (note or "").strip()
    if not accepted and not note:
        raise ValidationError({"note": _("Say why the document is rejected; the agency will see it.")})
    document.review = DocumentReview.ACCEPTED if accepted else DocumentReview.REJECTED
    document.review_note = note
    document.reviewed_by = by
    document.reviewed_at = timezone.now()
    document.save()
    return document


@transaction.atomic
def request_information(*, application_id: int, by: User, reason: str, seen_status: str | None = None) -> LicenceApplication:
    """Ask the agency for more information, in words it will read."""
    reason = _reason_required(reason)
    application = LicenceApplication.objects.select_for_update(of=("self",)).select_related("agency").get(pk=application_id)
    _apply(application, "request_information", by, reason, seen_status, _("This application is not under review."))
    tell_agency(
        application.agency,
        NoticeKind.INFORMATION_REQUESTED,
        {"reference": application.reference},
        reason=reason,
        link=public_url("agencies:application_detail", application.pk),
    )
    return application


@transaction.atomic
def resubmit_application(*, application_id: int, by: User, seen_status: str | None = None) -> LicenceApplication:
    """Send the application back to the ministry once every rejected document has been replaced."""
    application = LicenceApplication.objects.select_for_update(of=("self",)).select_related("agency").get(pk=application_id)
    if access.agency_id_of(by) != application.agency_id:
        raise PermissionDenied
    still_rejected = application.documents.current().filter(review=DocumentReview.REJECTED)
    problems = [
        _("Replace the rejected document: %(document)s") % {"document": document.get_kind_display()}
        for document in still_rejected
    ] + [_("Still missing: %(item)s") % {"item": item} for item in missing_details(application) + missing_documents(application)]
    if problems:
        raise ValidationError(problems)
    _apply(application, "resubmit", by, "", seen_status, _("The ministry has not asked for more information."))
    return application


@dataclass
class BarredDirector:
    director: Director
    agency: Agency
    licence: Licence


def barred_directors(agency: Agency) -> list[BarredDirector]:
    """Directors of this agency who directed an agency whose licence was revoked in the last five years."""
    since = timezone.now() - datetime.timedelta(days=365 * BARRED_YEARS + 1)
    numbers = {director.identity_number: director for director in agency.directors.all()}
    if not numbers:
        return []
    revoked = {
        licence.agency_id: licence
        for licence in Licence.objects.filter(status=LicenceStatus.REVOKED, status_changed_at__gte=since).select_related("agency")
    }
    matches = Director.objects.filter(identity_number__in=numbers, agency_id__in=revoked).select_related("agency")
    return [BarredDirector(numbers[match.identity_number], match.agency, revoked[match.agency_id]) for match in matches]


def approval_blockers(application: LicenceApplication) -> list[str]:
    """Why this application may not be approved yet, in the officer's words; empty when it may."""
    blockers = []
    current = application.documents.current()
    not_accepted = [d.get_kind_display() for d in current if d.review != DocumentReview.ACCEPTED]
    if not_accepted:
        blockers.append(_("Documents not accepted: %(documents)s") % {"documents": ", ".join(not_accepted)})
    blockers += [_("Still missing: %(item)s") % {"item": item} for item in missing_documents(application)]
    bond = application.bond
    if bond is None or not bond.covers(application.bond_required or Decimal(0), today()):
        blockers.append(
            _("The security bond or guarantee does not cover %(amount)s LSL today.") % {"amount": application.bond_required}
        )
    for barred in barred_directors(application.agency):
        blockers.append(
            _("%(director)s was a director of %(agency)s, whose licence %(licence)s was revoked on %(date)s.")
            % {
                "director": barred.director.full_name,
                "agency": barred.agency,
                "licence": barred.licence.number,
                "date": timezone.localtime(barred.licence.status_changed_at).date().isoformat(),
            }
        )
    return blockers


def next_licence_number(year: int) -> str:
    prefix = f"PEA-{year}-"
    last = Licence.objects.filter(number__startswith=prefix).aggregate(last=Max("number"))["last"]
    sequence = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{sequence:04d}"


def _issue_or_extend_licence(application: LicenceApplication) -> Licence:
    on = today()
    months = application.validity_months
    if application.kind == ApplicationKind.RENEWAL:
        licence = Licence.objects.select_for_update().get(pk=application.renews_id)
        if licence.status != LicenceStatus.EXPIRED:
            # Renewed before expiry: the licence continues without a gap from the day after its current term.
            licence.expires_on = add_months(licence.expires_on, months)
            licence.save(update_fields=["expires_on"])
            return licence
        # Decided only after the licence expired: a new licence starts today.
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Licence.objects.create(
                    agency=application.agency,
                    number=next_licence_number(on.year),
                    issued_on=on,
                    valid_from=on,
                    expires_on=add_months(on, months) - datetime.timedelta(days=1),
                )
        except IntegrityError:  # another officer took the number a moment earlier
            continue
    raise ValidationError(_("Could not allot a licence number; try again."))


@transaction.atomic
def approve_application(*, application_id: int, by: User, note: str = "", seen_status: str | None = None) -> Licence:
    """Approve a reviewed application and issue (or, for a renewal, extend) the licence."""
    access.check(by, "licensing.decide")
    application = (
        LicenceApplication.objects.select_for_update(of=("self",)).select_related("agency", "bond").get(pk=application_id)
    )
    if seen_status is not None and application.status != seen_status:
        raise StaleRecord
    blockers = approval_blockers(application)
    if blockers:
        raise ValidationError(blockers)
    _apply(application, "approve", by, (note or "").strip(), seen_status, _("This application is not under review."))
    licence = _issue_or_extend_licence(application)
    application.licence = licence
    application.save(update_fields=["licence"])
    tell_agency(
        application.agency,
        NoticeKind.APPLICATION_APPROVED,
        {"reference": application.reference, "licence": licence.number},
        link=public_url("agencies:licence_detail", licence.pk),
    )
    return licence


@transaction.atomic
def reject_application(*, application_id: int, by: User, reason: str, seen_status: str | None = None) -> LicenceApplication:
    """Reject an application, with a reason the agency sees."""
    reason = _reason_required(reason)
    application = LicenceApplication.objects.select_for_update(of=("self",)).select_related("agency").get(pk=application_id)
    _apply(application, "reject", by, reason, seen_status, _("This application is not under review."))
    tell_agency(
        application.agency,
        NoticeKind.APPLICATION_REJECTED,
        {"reference": application.reference},
        reason=reason,
        link=public_url("agencies:application_detail", application.pk),
    )
    return application


@transaction.atomic
def withdraw_application(*, application_id: int, by: User, seen_status: str | None = None) -> LicenceApplication:
    """The agency withdraws its application before a decision."""
    application = LicenceApplication.objects.select_for_update().get(pk=application_id)
    if access.agency_id_of(by) != application.agency_id:
        raise PermissionDenied
    _apply(application, "withdraw", by, "", seen_status, _("A decided application cannot be withdrawn."))
    return application


# --- Licence sanctions --------------------------------------------------------------------

SANCTIONS = {
    # transition: (hook, notice, refusal)
    "suspend": (hooks.licence_suspended, NoticeKind.LICENCE_SUSPENDED, _("Only an active licence can be suspended.")),
    "reinstate": (hooks.licence_reinstated, NoticeKind.LICENCE_REINSTATED, _("Only a suspended licence can be reinstated.")),
    "revoke": (hooks.licence_revoked, NoticeKind.LICENCE_REVOKED, _("This licence can no longer be revoked.")),
}


@transaction.atomic
def sanction_licence(*, licence_id: int, action: str, by: User, reason: str, seen_status: str | None = None) -> Licence:
    """Suspend, reinstate or revoke a licence with a reason; the agency is told and later apps hear the hook."""
    if action not in SANCTIONS:
        raise ValueError(action)
    hook, notice, refusal = SANCTIONS[action]
    reason = _reason_required(reason)
    licence = Licence.objects.select_for_update(of=("self",)).select_related("agency").get(pk=licence_id)
    _apply(licence, action, by, reason, seen_status, refusal)
    tell_agency(
        licence.agency, notice, {"licence": licence.number}, reason=reason, link=public_url("agencies:licence_detail", licence.pk)
    )
    hook.send(sender=Licence, licence_id=licence.pk, reason=reason)
    return licence


def can_recruit(agency_id: int, on: datetime.date | None = None) -> bool:
    """The one check later apps call: may this agency submit contracts or enrol workers today?"""
    on = on or today()
    return Licence.objects.in_force(on).filter(agency_id=agency_id, agency__status="active").exists()


# --- Scheduled duties ------------------------------------------------------------------------


def expire_licences() -> str:
    """Expire every licence whose last valid day (Maseru time) has passed. Idempotent."""
    expired = 0
    for licence_id in Licence.objects.filter(
        status__in=[LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED], expires_on__lt=today()
    ).values_list("pk", flat=True):
        with transaction.atomic():
            licence = Licence.objects.select_for_update(of=("self",)).select_related("agency").get(pk=licence_id)
            if not can_proceed(licence.expire) or licence.expires_on >= today():
                continue
            licence.expire(description=_("Reached its expiry date."))
            licence.save()
            tell_agency(licence.agency, NoticeKind.LICENCE_EXPIRED, {"licence": licence.number})
            expired += 1
    return f"expired {expired} licences"


def reminder_thresholds(on: datetime.date) -> list[int]:
    keys = ("licence.reminder_days_first", "licence.reminder_days_second", "licence.reminder_days_last")
    return sorted({int(parameter_value(key, on)) for key in keys}, reverse=True)


def send_expiry_reminders() -> str:
    """Remind each agency 90, 30 and 7 days before its licence expires: each once, catching up after a missed run.

    After a missed run only the most urgent reminder due is sent, and the
    earlier ones it stands for are recorded as done, so nobody gets three
    messages in one morning.
    """
    on = today()
    thresholds = reminder_thresholds(on)
    sent = 0
    horizon = on + datetime.timedelta(days=max(thresholds))
    candidates = Licence.objects.filter(status=LicenceStatus.ACTIVE, expires_on__gte=on, expires_on__lte=horizon)
    for licence in candidates.select_related("agency"):
        days_left = (licence.expires_on - on).days
        due = [days for days in thresholds if days_left <= days]
        done = set(
            LicenceReminder.objects.filter(licence=licence, expires_on=licence.expires_on).values_list("days_before", flat=True)
        )
        if not due or set(due) <= done:
            continue
        with transaction.atomic():
            try:
                LicenceReminder.objects.bulk_create(
                    [
                        LicenceReminder(licence=licence, expires_on=licence.expires_on, days_before=days)
                        for days in due
                        if days not in done
                    ]
                )
            except IntegrityError:
                continue  # another run sent it a moment ago
            values = {"licence": licence.number, "expires_on": licence.expires_on.isoformat()}
            tell_agency(
                licence.agency, NoticeKind.LICENCE_EXPIRING, values, link=public_url("agencies:licence_detail", licence.pk)
            )
            if licence.agency.mobile:
                manager = licence.agency.memberships.filter(is_manager=True, ended_at__isnull=True).select_related("user").first()
                language = manager.user.preferred_language if manager else "st"
                try:
                    notify(
                        to=licence.agency.mobile,
                        template="licence.expiry_reminder",
                        language=language,
                        context=values,
                        agency_id=licence.agency_id,
                    )
                except InvalidSmsNumber:
                    pass  # the e-mail and the notice still reach the agency
            sent += 1
    return f"sent {sent} expiry reminders"
