"""Use cases of agency accounts: sign-up, e-mail verification, adding and removing staff.

A prospective agency signs itself up: its first user becomes its manager but
stays inactive until they follow the link e-mailed to them. A manager then
adds and removes the agency's other staff; removing someone ends their
access at once.
"""

from __future__ import annotations

import datetime
import logging

from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, QuerySet, RestrictedError
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.models import Agency, AgencyMembership
from agencies.services import add_agency_staff
from core import access
from core.models import User
from core.services import set_password_link
from core.text import public_url

logger = logging.getLogger(__name__)

VERIFICATION_SALT = "agencies.accounts.signup-verification"
VERIFICATION_MAX_AGE = datetime.timedelta(days=3)
# Sign-ups not confirmed within this time are deleted, freeing their user name, e-mail and registration number.
UNVERIFIED_SIGNUP_DAYS = 7


class VerificationLinkExpired(Exception):
    """The link was genuine but is older than VERIFICATION_MAX_AGE."""


class VerificationLinkInvalid(Exception):
    """The link was altered, or its sign-up no longer waits for confirmation."""


def _send_after_commit(user: User, subject_text: str, template: str, context: dict) -> None:
    """E-mail ``user`` in their language once the transaction commits; a mail failure never undoes the change."""
    with translation.override(user.preferred_language):
        subject = str(subject_text)
        body = render_to_string(template, {"user": user, **context})
    address = user.email

    def send() -> None:
        try:
            send_mail(subject, body, None, [address])
        except Exception:  # the change is saved; the person can ask for the e-mail again
            logger.exception("could not send %s to user %s", template, user.pk)

    transaction.on_commit(send)


# --- Sign-up and e-mail verification ---------------------------------------------------------


def unverified_signups() -> QuerySet:
    """Managers who signed their agency up and have never confirmed their e-mail address.

    A removed member (membership ended) or anyone who has ever signed in is
    not a pending sign-up, whatever ``is_active`` says, so an old link can
    never bring a removed account back.
    """
    return User.objects.filter(
        is_active=False,
        last_login__isnull=True,
        agency_membership__is_manager=True,
        agency_membership__ended_at__isnull=True,
    )


def _never_activated(user: User) -> bool:
    # An account the ministry deactivated by hand after it was confirmed must stay off: the history shows it was once active.
    return not user.history.filter(is_active=True).exists()


def verification_link(user: User) -> str:
    token = signing.dumps({"user": user.pk, "email": user.email}, salt=VERIFICATION_SALT, compress=True)
    return public_url("agency_account:verify", token=token)


def _send_verification(user: User, agency: Agency) -> None:
    with translation.override(user.preferred_language):
        subject = _("Confirm your e-mail address")
    _send_after_commit(
        user,
        subject,
        "agencies/email/signup_verify.txt",
        {"link": verification_link(user), "days": VERIFICATION_MAX_AGE.days, "agency": agency},
    )


def sign_up_agency(*, agency: Agency, manager: User, password: str) -> AgencyMembership:
    """Register an agency and its first user, its manager, who stays inactive until they confirm their e-mail address."""
    validate_password(password, manager)
    try:
        with transaction.atomic():
            manager.is_active = False
            manager.set_password(password)
            manager._change_reason = "agency sign-up"
            manager.save()
            agency._change_reason = "agency sign-up"
            agency.save()
            membership = add_agency_staff(agency=agency, user=manager, is_manager=True)
            _send_verification(manager, agency)
    except IntegrityError:
        # The form checked every unique value; only a simultaneous sign-up gets here.
        raise ValidationError(
            _("An agency or user with these details was registered a moment ago. Check the form and try again.")
        ) from None
    return membership


@transaction.atomic
def verify_signup(token: str) -> User:
    """Activate the manager whose sign-up link this is; a link is good for three days."""
    try:
        payload = signing.loads(token, salt=VERIFICATION_SALT, max_age=VERIFICATION_MAX_AGE)
    except signing.SignatureExpired:
        raise VerificationLinkExpired from None
    except signing.BadSignature:
        raise VerificationLinkInvalid from None
    user = User.objects.select_for_update().filter(pk=payload.get("user"), email=payload.get("email")).first()
    if user is None:
        raise VerificationLinkInvalid
    if user.is_active:
        return user  # followed the link twice: nothing more to do
    if not unverified_signups().filter(pk=user.pk).exists() or not _never_activated(user):
        raise VerificationLinkInvalid
    user.is_active = True
    user._change_reason = "e-mail address confirmed"
    user.save(update_fields=["is_active"])
    access.forget_roles(user)
    return user


@transaction.atomic
def resend_verification(email: str) -> None:
    """Send a new confirmation link if a pending sign-up uses this address; say nothing either way."""
    cutoff = timezone.now() - datetime.timedelta(days=UNVERIFIED_SIGNUP_DAYS)
    user = (
        unverified_signups()
        .filter(email__iexact=(email or "").strip(), date_joined__gte=cutoff)
        .select_related("agency_membership__agency")
        .first()
    )
    if user is not None and _never_activated(user):
        _send_verification(user, user.agency_membership.agency)


def purge_unverified_signups() -> str:
    """Delete sign-ups not confirmed within seven days (user, membership, agency), unless the agency has records. Idempotent."""
    cutoff = timezone.now() - datetime.timedelta(days=UNVERIFIED_SIGNUP_DAYS)
    purged = kept = 0
    for user_id in unverified_signups().filter(date_joined__lt=cutoff).values_list("pk", flat=True):
        try:
            with transaction.atomic():
                # Locked and checked again: the person may be following their link right now.
                user = unverified_signups().select_for_update(of=("self",)).filter(pk=user_id, date_joined__lt=cutoff).first()
                if user is None or not _never_activated(user):
                    continue
                membership = AgencyMembership.objects.select_related("agency").get(user=user)
                agency = membership.agency
                if (
                    agency.applications.exists()
                    or agency.licences.exists()
                    or agency.memberships.exclude(pk=membership.pk).exists()
                ):
                    kept += 1
                    continue
                membership.delete()
                user.delete()
                agency.delete()
                purged += 1
        except (ProtectedError, RestrictedError):
            # Another app holds a record of this agency: it is no longer an empty sign-up.
            kept += 1
    return f"purged {purged} unverified sign-ups, kept {kept} with records"


# --- Staff management by the agency's managers ------------------------------------------------


def managing_membership(user: User) -> AgencyMembership:
    """The current membership through which ``user`` manages their agency's staff, or PermissionDenied."""
    access.check(user, "agencies.manage_staff")
    membership = (
        AgencyMembership.objects.select_related("agency")
        .filter(user=user, agency_id=access.agency_id_of(user), is_manager=True, ended_at__isnull=True)
        .first()
    )
    if membership is None:
        raise PermissionDenied
    return membership


def may_manage_staff(user: User) -> bool:
    try:
        managing_membership(user)
    except PermissionDenied:
        return False
    return True


def current_staff(agency_id: int) -> QuerySet:
    return (
        AgencyMembership.objects.filter(agency_id=agency_id, ended_at__isnull=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )


@transaction.atomic
def invite_staff_member(*, by: User, user: User, is_manager: bool = False) -> AgencyMembership:
    """A manager adds a member to their agency's staff; the member chooses a password from an e-mailed link."""
    agency = managing_membership(by).agency
    user.is_active = True
    user.set_unusable_password()
    user._change_reason = f"added to agency staff by {by.username}"
    user.save()
    membership = add_agency_staff(agency=agency, user=user, is_manager=is_manager)
    with translation.override(user.preferred_language):
        subject = _("Your account for %(agency)s on the labour-migration register") % {"agency": agency}
    _send_after_commit(
        user, subject, "agencies/email/staff_invitation.txt", {"link": set_password_link(user), "agency": agency, "by": by}
    )
    return membership


@transaction.atomic
def remove_staff_member(*, by: User, membership_id: int) -> AgencyMembership:
    """A manager ends a member's access to the agency at once; the last manager cannot remove themself."""
    agency = managing_membership(by).agency
    # Locking every current manager keeps two managers from removing each other at the same moment.
    managers = list(
        AgencyMembership.objects.select_for_update()
        .filter(agency=agency, is_manager=True, ended_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    membership = AgencyMembership.objects.select_for_update(of=("self",)).select_related("user").get(pk=membership_id)
    if membership.agency_id != agency.pk:
        raise PermissionDenied
    if membership.ended_at is not None:
        raise ValidationError(_("%(user)s has already been removed.") % {"user": membership.user})
    if membership.is_manager and managers == [membership.pk]:
        raise ValidationError(_("You are the agency's last manager, so you cannot remove yourself. Add another manager first."))
    reason = f"removed by {by.username} (user {by.pk})"
    membership.ended_at = timezone.now()
    membership._change_reason = reason[:100]  # the history column holds 100 characters
    membership.save()
    user = membership.user
    user.is_active = False
    user._change_reason = reason[:100]
    user.save(update_fields=["is_active"])
    access.forget_roles(user)
    return membership
