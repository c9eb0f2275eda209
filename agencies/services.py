"""Use cases of agencies (the foundation's part: agency accounts and their staff)."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from agencies.models import Agency, AgencyMembership
from core import access
from core.access import Role
from core.models import User


class StaleRecord(Exception):
    """The record changed since the user's screen was drawn."""


def _reason_required(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason; the agency will see it.")})
    return reason


def _change_account(agency_id: int, by: User, reason: str, seen_status: str | None, transition: str, refusal: str) -> Agency:
    """The one recipe for an account decision: lock, compare the state the user saw, check, transition, save."""
    reason = _reason_required(reason)
    agency = Agency.objects.select_for_update().get(pk=agency_id)
    if seen_status is not None and agency.status != seen_status:
        raise StaleRecord
    method = getattr(agency, transition)
    if not can_proceed(method):
        raise ValidationError(refusal)
    # django-fsm-2 does not check permissions by itself; it asks the access module through the transition.
    if not has_transition_perm(method, by):
        raise PermissionDenied
    method(by=by, description=reason)
    try:
        agency.save()
    except ConcurrentTransition:
        raise StaleRecord from None
    return agency


@transaction.atomic
def disable_agency_account(*, agency_id: int, by: User, reason: str, seen_status: str | None = None) -> Agency:
    """Disable an agency's account, with a reason the agency sees; its staff lose access at once."""
    return _change_account(agency_id, by, reason, seen_status, "disable", _("This agency account is already disabled."))


@transaction.atomic
def enable_agency_account(*, agency_id: int, by: User, reason: str, seen_status: str | None = None) -> Agency:
    """Restore a disabled agency account, with a reason."""
    return _change_account(agency_id, by, reason, seen_status, "enable", _("This agency account is already active."))


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
