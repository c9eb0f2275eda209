"""The second step of signing in, for browser tests: a real code from the user's authenticator.

Ministry staff must pass it (core/two_factor.py); the sign-in helpers of the browser tests call
``prepare`` before submitting the password and ``enter_code`` after it.
"""

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.access import MINISTRY_ROLES
from core.models import User


def prepare(username):
    """The user's confirmed authenticator (made for ministry staff who have none), ready to accept a code now.

    Returns None for agency staff without one: they go straight in."""
    user = User.objects.get(username=username)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        if not user.groups.filter(name__in=MINISTRY_ROLES).exists():
            return None
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    # A code is accepted once per 30-second step; tests sign the same person in again within one.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    device.refresh_from_db()
    return device


def code_of(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def enter_code(page, device):
    """On the page after the password: type the code the authenticator shows now."""
    if device is None:
        return
    page.wait_for_url("**/account/two-step/verify/**")
    page.get_by_role("textbox", name="Code").fill(code_of(device))
    page.get_by_role("button", name="Continue").click()
