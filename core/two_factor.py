"""Two-step sign-in: who needs it, their devices, and resetting them.

Ministry staff must confirm an authenticator app (a TOTP device) and pass the
second step in every session; agency staff may set one up, and once they have,
it is required of them too. Backup codes (a static device) stand in for a lost
phone, each code once. Enforcement is not here but in ``core.access`` (every
view passes through it); this module only answers the questions it asks.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.utils.html import format_html, mark_safe
from django.utils.translation import gettext as _
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from reportlab.graphics.barcode import qrencoder

from core import access

SETUP = "setup"
VERIFY = "verify"

AUTHENTICATOR_NAME = "Authenticator app"
BACKUP_NAME = "Backup codes"
BACKUP_CODE_COUNT = 10
# Eight characters from an alphabet without look-alikes (0/O, 1/l/I): easy to copy off paper.
BACKUP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
BACKUP_CODE_LENGTH = 8


def is_verified(user: Any) -> bool:
    """Whether this session passed the second step (OTPMiddleware reads it from the session)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def second_step_due(user: Any) -> str | None:
    """What a signed-in user must do before anything else: SETUP, VERIFY or nothing (None)."""
    if is_verified(user):
        return None
    # Asked by the access check and the menu of the same request: look the devices up once.
    if not hasattr(user, "_second_step_due"):
        if user_has_device(user, confirmed=True):
            user._second_step_due = VERIFY
        else:
            user._second_step_due = SETUP if access.is_ministry(user) else None
    return user._second_step_due


def authenticator_of(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def pending_authenticator(user: Any) -> TOTPDevice:
    """The authenticator being set up: kept until confirmed, so that reloading the page keeps the same QR code."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def secret_for_typing(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an app that cannot scan."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(text: str, module: int = 5) -> str:
    """``text`` as a QR code in SVG markup, drawn here so that the page needs no image request or inline style.

    Reuses reportlab's encoder (already used for certificates) rather than adding a QR package.
    """
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(text)
    code.make()
    count = code.getModuleCount()
    quiet = 4  # the white border scanners need
    side = (count + 2 * quiet) * module
    path = "".join(
        f"M{(column + quiet) * module},{(row + quiet) * module}h{module}v{module}h-{module}z"
        for row in range(count)
        for column in range(count)
        if code.isDark(row, column)
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {0} {0}" width="{0}" height="{0}" role="img" '
        'aria-label="{1}"><rect width="{0}" height="{0}" fill="#fff"/><path d="{2}" fill="#000"/></svg>',
        side,
        _("QR code for your authenticator app"),
        mark_safe(path),  # only digits and path letters
    )


@transaction.atomic
def confirm_authenticator(*, user: Any, device_id: int, token: str) -> bool:
    """Confirm a new authenticator with the first code it shows; False when the code is wrong."""
    device = TOTPDevice.objects.select_for_update().filter(pk=device_id, user=user, confirmed=False).first()
    if device is None or not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # One authenticator per person: a replaced phone is reset by an administrator.
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return True


@transaction.atomic
def new_backup_codes(user: Any) -> list[str]:
    """Replace the user's backup codes with fresh ones (the old ones stop working) and return them."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name=BACKUP_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = ["".join(secrets.choice(BACKUP_ALPHABET) for _ in range(BACKUP_CODE_LENGTH)) for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def backup_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic  # the devices are locked while a code is checked, so a code cannot be used twice at once
def match_code(user: Any, token: str) -> Any:
    """The confirmed device that accepts ``token`` (authenticator or an unused backup code), or None."""
    token = "".join(token.split()).lower()
    if not token or len(token) > 16:
        return None
    for device in devices_for_user(user, confirmed=True, for_verify=True):
        if device.verify_token(token):
            return device
    return None


def record_failed_code(request: Any) -> bool:
    """Count a wrong code as a failed sign-in for django-axes; True when the user is now locked out."""
    user_login_failed.send(sender=__name__, credentials={"username": request.user.get_username()}, request=request)
    return bool(getattr(request, "axes_locked_out", False))


@transaction.atomic
def reset_two_factor(*, by: Any, user_id: int) -> Any:
    """Remove every second-step device of a user (a lost phone): ministry staff set up a new one at next sign-in."""
    from core.models import User

    access.check(by, "users.manage")
    user = User.objects.select_for_update().get(pk=user_id)
    removed = [device for device in devices_for_user(user, confirmed=None)]
    for device in removed:
        device.delete()
    # A row in the user's history says who reset it and when (shown in the History section).
    user._change_reason = f"two-step sign-in reset by {by.get_username()}"
    user._history_user = by
    user.save()
    return user
