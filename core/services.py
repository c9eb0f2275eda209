"""Use cases of core: ministry users and regulatory parameters."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from core import access
from core.access import MINISTRY_ROLES, Role
from core.models import RegulatoryParameter, User
from core.text import public_url


def set_password_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return public_url("core:password_reset_confirm", uidb64=uid, token=token)


def _check_ministry_roles(roles: Iterable[str]) -> list[str]:
    roles = list(roles)
    if not roles:
        raise ValidationError(_("Choose at least one role."))
    unknown = [role for role in roles if role not in MINISTRY_ROLES]
    if unknown:
        raise ValidationError(_("Not a ministry role: %(roles)s") % {"roles": ", ".join(unknown)})
    return roles


@transaction.atomic
def create_ministry_user(*, by: User, user: User, roles: Iterable[str]) -> User:
    """Create a ministry user with the given roles; they choose their own password from an e-mailed link."""
    access.check(by, "users.manage")
    roles = _check_ministry_roles(roles)
    user.set_unusable_password()
    user._change_reason = "created by administrator"
    user.save()
    user.groups.set(Group.objects.filter(name__in=roles))
    link = set_password_link(user)
    with translation.override(user.preferred_language):
        subject = _("Your account on the labour-migration register")
        body = render_to_string("core/email/invitation.txt", {"user": user, "link": link})
    transaction.on_commit(lambda: send_mail(subject, body, None, [user.email]))
    return user


@transaction.atomic
def update_ministry_user(*, by: User, user: User, roles: Iterable[str]) -> User:
    """Save a ministry user's details and roles; an administrator cannot remove their own administrator role."""
    access.check(by, "users.manage")
    roles = _check_ministry_roles(roles)
    if user.pk == by.pk and (Role.ADMINISTRATOR not in roles or not user.is_active):
        raise ValidationError(_("You cannot remove your own administrator role or deactivate yourself."))
    if Role.AGENCY_STAFF in access.roles_of(user):
        raise ValidationError(_("This is an agency account; its agency manages it."))
    user.save()
    user.groups.set(Group.objects.filter(name__in=roles))
    access.forget_roles(user)
    return user


@transaction.atomic
def schedule_parameter_value(
    *, by: User, key: str, value: Decimal, effective_from: datetime.date, note: str = ""
) -> RegulatoryParameter:
    """Record a new value of a regulatory parameter, in force from a date that is not in the past."""
    access.check(by, "parameters.manage")
    if effective_from < timezone.localdate():
        raise ValidationError(_("A new value cannot take effect in the past."))
    row = RegulatoryParameter(key=key, value=value, effective_from=effective_from, note=note, created_by=by)
    row.full_clean()
    row.save()
    return row
