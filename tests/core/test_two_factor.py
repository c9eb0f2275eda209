"""Two-step sign-in, re-authentication for sensitive actions, password rules and lockout.

These tests sign in with Django's real ``force_login`` (marker ``second_step_enforced``): the rest of the
suite's sessions pass the second step through tests/conftest.py, these must earn it.
"""

import re
import time

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import access, reauth, two_factor
from core.access import PUBLIC
from tests.factories import TEST_PASSWORD, LicenceFactory
from tests.test_permission_matrix import ALL_URLS, URL_PARAMETERS, Target

pytestmark = [pytest.mark.second_step_enforced, pytest.mark.django_db]


def confirmed_authenticator(user):
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def current_code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def wrong_code(device):
    return f"{(int(current_code(device)) + 1) % 1_000_000:06d}"


def password_sign_in(client, username):
    """Through the sign-in form, as a person would."""
    return client.post(reverse("core:login"), {"username": username, "password": TEST_PASSWORD})


# --- Enforcement ---------------------------------------------------------------


def test_ministry_staff_without_a_device_are_sent_to_set_up_and_reach_nothing_else(cast, client):
    client.force_login(cast.registrar)
    setup = reverse("core:two_factor_setup")
    reached = []
    for url_name, pattern in ALL_URLS:
        view = pattern.callback
        if access.declared_capability(view) == PUBLIC or _before_second_step(view):
            continue
        target = URL_PARAMETERS[url_name](cast) if url_name in URL_PARAMETERS else Target({})
        response = client.get(reverse(url_name, kwargs=target.kwargs))
        if response.status_code != 302 or not response["Location"].startswith(setup + "?next="):
            reached.append(f"{url_name} ({response.status_code})")
    assert not reached, "Reached before setting up the second step: " + ", ".join(reached)


def _before_second_step(view):
    return getattr(view, "before_second_step", False) or getattr(getattr(view, "view_class", None), "before_second_step", False)


def test_only_the_second_step_screens_are_open_before_it():
    open_before = sorted(name for name, pattern in ALL_URLS if _before_second_step(pattern.callback))
    assert open_before == ["core:two_factor_setup", "core:two_factor_verify"]


def test_signing_in_with_the_password_leads_ministry_staff_to_set_up(cast, client):
    response = password_sign_in(client, "registrar")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:two_factor_setup"))


def test_setting_up_shows_the_qr_code_and_secret_and_the_first_code_confirms_it(cast, client):
    client.force_login(cast.registrar)
    page = client.get(reverse("core:two_factor_setup"), {"next": reverse("workers:worker_list")})
    assert page.status_code == 200
    content = page.content.decode()
    assert "<svg" in content and '<path d="M' in content
    device = TOTPDevice.objects.get(user=cast.registrar, confirmed=False)
    secret = re.search(r'data-testid="secret-key">([A-Z2-7 ]+)<', content).group(1)
    assert secret.replace(" ", "") in device.config_url
    assert client.get(reverse("core:dashboard")).status_code == 302  # an unconfirmed device lets no one in

    response = client.post(
        reverse("core:two_factor_setup"), {"otp_token": current_code(device), "next": reverse("workers:worker_list")}
    )
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:two_factor_backup_codes"))
    device.refresh_from_db()
    assert device.confirmed
    codes_page = client.get(response["Location"])
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", codes_page.content.decode())
    assert len(codes) == two_factor.BACKUP_CODE_COUNT
    assert set(codes) == set(StaticToken.objects.filter(device__user=cast.registrar).values_list("token", flat=True))
    # Shown once: the next visit shows how many are left, not the codes.
    again = client.get(reverse("core:two_factor_backup_codes")).content.decode()
    assert codes[0] not in again and "10 unused backup codes" in again
    assert client.get(reverse("core:dashboard")).status_code == 200


def test_a_wrong_first_code_confirms_nothing(cast, client):
    client.force_login(cast.registrar)
    client.get(reverse("core:two_factor_setup"))
    device = TOTPDevice.objects.get(user=cast.registrar)
    response = client.post(reverse("core:two_factor_setup"), {"otp_token": wrong_code(device)})
    assert response.status_code == 200 and "That code is not right" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(reverse("core:dashboard")).status_code == 302


def test_a_password_alone_cannot_replace_a_confirmed_authenticator(cast, client):
    confirmed_authenticator(cast.registrar)
    client.force_login(cast.registrar)
    response = client.get(reverse("core:two_factor_setup"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:two_factor_verify"))
    assert TOTPDevice.objects.filter(user=cast.registrar).count() == 1


def test_with_a_device_but_not_verified_staff_are_sent_to_verify_then_back(cast, client):
    device = confirmed_authenticator(cast.registrar)
    client.force_login(cast.registrar)
    asked = reverse("workers:worker_list")
    response = client.get(asked)
    assert response.status_code == 302 and response["Location"] == f"{reverse('core:two_factor_verify')}?next=%2Fworkers%2F"
    response = client.post(reverse("core:two_factor_verify"), {"otp_token": current_code(device), "next": asked})
    assert response.status_code == 302 and response["Location"] == asked
    assert client.get(asked).status_code == 200


def test_the_verify_page_never_sends_anyone_off_the_site(cast, client):
    device = confirmed_authenticator(cast.registrar)
    client.force_login(cast.registrar)
    response = client.post(
        reverse("core:two_factor_verify"), {"otp_token": current_code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("core:dashboard")


def test_a_wrong_code_is_refused_with_a_clear_message_and_counts_toward_the_lockout(cast, client):
    device = confirmed_authenticator(cast.registrar)
    client.force_login(cast.registrar)
    response = client.post(reverse("core:two_factor_verify"), {"otp_token": wrong_code(device)})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert AccessAttempt.objects.get(username="registrar").failures_since_start == 1
    assert client.get(reverse("core:dashboard")).status_code == 302


def test_too_many_wrong_codes_sign_out_and_lock_the_account(cast, client):
    device = confirmed_authenticator(cast.registrar)
    client.force_login(cast.registrar)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("core:two_factor_verify"), {"otp_token": wrong_code(device)})
    assert response.status_code == 429  # the lockout page
    assert "_auth_user_id" not in client.session
    # Even the right password is refused until the cool-off has passed.
    response = password_sign_in(client, "registrar")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_has_a_cool_off_period():
    assert settings.AXES_COOLOFF_TIME is not None and settings.AXES_COOLOFF_TIME.total_seconds() > 0
    assert {"current_password", "otp_token"} <= set(settings.AXES_SENSITIVE_PARAMETERS)


def test_a_backup_code_signs_in_once(cast, client):
    confirmed_authenticator(cast.registrar)
    codes = two_factor.new_backup_codes(cast.registrar)
    client.force_login(cast.registrar)
    response = client.post(reverse("core:two_factor_verify"), {"otp_token": codes[0].upper()})
    assert response.status_code == 302 and client.get(reverse("core:dashboard")).status_code == 200
    assert two_factor.backup_codes_left(cast.registrar) == len(codes) - 1
    client.logout()
    client.force_login(cast.registrar)
    response = client.post(reverse("core:two_factor_verify"), {"otp_token": codes[0]})
    assert response.status_code == 200 and "That code is not right" in response.content.decode()


def test_new_backup_codes_make_the_old_ones_useless(cast, client):
    old = two_factor.new_backup_codes(cast.registrar)
    new = two_factor.new_backup_codes(cast.registrar)
    assert not set(old) & set(new)
    assert set(StaticToken.objects.filter(device__user=cast.registrar).values_list("token", flat=True)) == set(new)


def test_agency_staff_without_a_device_go_straight_in(cast, client):
    client.force_login(cast.agency_staff)
    assert client.get(reverse("core:dashboard")).status_code == 200
    assert client.get(reverse("core:two_factor_verify"))["Location"] == reverse("core:dashboard")


def test_agency_staff_who_set_it_up_must_pass_it(cast, client):
    device = confirmed_authenticator(cast.agency_staff)
    client.force_login(cast.agency_staff)
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:two_factor_verify"))
    client.post(reverse("core:two_factor_verify"), {"otp_token": current_code(device)})
    assert client.get(reverse("core:dashboard")).status_code == 200


def test_the_menu_is_empty_before_the_second_step(cast, client):
    client.force_login(cast.administrator)
    page = client.get(reverse("core:two_factor_setup"))
    assert reverse("core:user_list") not in page.content.decode()


# --- Resetting someone's devices (administrator) ---------------------------------


def _stale(client):
    session = client.session
    session[reauth.SESSION_KEY] = int(time.time()) - settings.REAUTHENTICATE_AFTER_MINUTES * 60 - 1
    session.save()


def _verified_sign_in(client, user):
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or confirmed_authenticator(user)
    client.force_login(user)
    client.post(reverse("core:two_factor_verify"), {"otp_token": current_code(device)})
    assert client.get(reverse("core:account")).status_code == 200


def test_an_administrator_resets_a_lost_phone_and_the_user_sets_up_again(cast, client):
    confirmed_authenticator(cast.registrar)
    two_factor.new_backup_codes(cast.registrar)
    _verified_sign_in(client, cast.administrator)
    url = reverse("core:user_two_factor_reset", args=[cast.registrar.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=cast.registrar).exists()
    assert not StaticDevice.objects.filter(user=cast.registrar).exists()
    entry = cast.registrar.history.order_by("-history_date").first()
    assert entry.history_user == cast.administrator and "two-step sign-in reset" in entry.history_change_reason
    detail = client.get(reverse("core:user_detail", args=[cast.registrar.pk])).content.decode()
    assert "two-step sign-in reset by admin" in detail
    # The registrar's next sign-in sets up a new authenticator.
    client.logout()
    client.force_login(cast.registrar)
    assert client.get(reverse("core:dashboard"))["Location"].startswith(reverse("core:two_factor_setup"))


def test_a_reset_asks_for_the_password_when_the_sign_in_is_not_recent(cast, client):
    confirmed_authenticator(cast.registrar)
    _verified_sign_in(client, cast.administrator)
    _stale(client)
    url = reverse("core:user_two_factor_reset", args=[cast.registrar.pk])
    assert 'name="current_password"' in client.get(url).content.decode()
    client.post(url, {})
    assert TOTPDevice.objects.filter(user=cast.registrar).exists()
    client.post(url, {"current_password": "not-my-password"})
    assert TOTPDevice.objects.filter(user=cast.registrar).exists()
    assert AccessAttempt.objects.get(username="admin").failures_since_start == 1
    client.post(url, {"current_password": TEST_PASSWORD})
    assert not TOTPDevice.objects.filter(user=cast.registrar).exists()


# --- Re-authentication for revocation and role changes -----------------------------


def _revoke(client, licence, **extra):
    return client.post(
        reverse("agencies:licence_revoke", args=[licence.pk]),
        {"reason": "Passport retention", "seen_status": licence.status, **extra},
    )


def test_revoking_a_licence_needs_the_password_when_the_sign_in_is_not_recent(cast, client):
    licence = LicenceFactory(agency=cast.agency_a)
    _verified_sign_in(client, cast.licensing_officer)
    _stale(client)
    page = client.get(reverse("agencies:licence_detail", args=[licence.pk])).content.decode()
    assert 'name="current_password"' in page
    response = _revoke(client, licence)
    licence.refresh_from_db()
    assert licence.status != "revoked"
    assert "enter your password" in str(list(response.wsgi_request._messages)[0])
    _revoke(client, licence, current_password="wrong-password-entirely")
    licence.refresh_from_db()
    assert licence.status != "revoked"
    _revoke(client, licence, current_password=TEST_PASSWORD)
    licence.refresh_from_db()
    assert licence.status == "revoked"


def test_revoking_right_after_signing_in_needs_no_password_again(cast, client):
    licence = LicenceFactory(agency=cast.agency_a)
    _verified_sign_in(client, cast.licensing_officer)
    assert 'name="current_password"' not in client.get(reverse("agencies:licence_detail", args=[licence.pk])).content.decode()
    _revoke(client, licence)
    licence.refresh_from_db()
    assert licence.status == "revoked"


def test_changing_roles_needs_the_password_when_the_sign_in_is_not_recent(cast, client):
    _verified_sign_in(client, cast.administrator)
    _stale(client)
    url = reverse("core:user_edit", args=[cast.registrar.pk])
    data = {
        "username": "registrar",
        "first_name": "Teboho",
        "last_name": "Ramakatsa",
        "email": cast.registrar.email,
        "phone": "",
        "preferred_language": "en",
        "is_active": "on",
        "roles": ["registrar", "analyst"],
    }
    client.post(url, data)
    access.forget_roles(cast.registrar)
    assert access.roles_of(cast.registrar) == {"registrar"}
    client.post(url, {**data, "current_password": TEST_PASSWORD})
    access.forget_roles(cast.registrar)
    assert access.roles_of(cast.registrar) == {"registrar", "analyst"}


# --- Passwords and sessions ------------------------------------------------------


@pytest.mark.parametrize(
    "password,problem",
    [
        ("Short-pw-9", "at least 12 characters"),
        ("password1234", "too common"),
        ("registrar-teboho", "too similar"),
        ("739164825031", "entirely numeric"),
    ],
)
def test_password_rules(cast, password, problem):
    cast.registrar.first_name = "Teboho"
    with pytest.raises(ValidationError) as refusal:
        validate_password(password, cast.registrar)
    assert problem in " ".join(refusal.value.messages)


def test_a_good_password_passes(cast):
    validate_password("maloti-highlands-2026", cast.registrar)


def test_sessions_end_after_a_working_day_and_with_the_browser():
    assert settings.SESSION_COOKIE_AGE <= 8 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE and settings.SESSION_COOKIE_HTTPONLY


# --- The demo ----------------------------------------------------------------------


def test_demo_ministry_logins_pass_the_second_step_with_the_printed_backup_codes(client):
    from io import StringIO

    from django.core.management import call_command

    from core.demo import DEMO_BACKUP_CODES, DEMO_PASSWORD

    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert " ".join(DEMO_BACKUP_CODES) in out.getvalue()

    def sign_in_with(code):
        client.logout()
        client.post(reverse("core:login"), {"username": "registrar", "password": DEMO_PASSWORD})
        client.post(reverse("core:two_factor_verify"), {"otp_token": code})
        return client.get(reverse("core:dashboard")).status_code

    assert sign_in_with(DEMO_BACKUP_CODES[0]) == 200
    assert sign_in_with(DEMO_BACKUP_CODES[0]) == 302  # used up
    call_command("seed_demo", stdout=StringIO())
    assert sign_in_with(DEMO_BACKUP_CODES[0]) == 200  # renewed by the next run
