"""Signing in and out, throttled failures, password reset, ministry users created by the administrator."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from core.access import Role
from core.models import User
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def sign_in(client, username, password=TEST_PASSWORD):
    return client.post(reverse("core:login"), {"username": username, "password": password})


def test_sign_in_leads_to_my_work(cast, client):
    response = sign_in(client, "registrar")
    assert response.status_code == 302 and response["Location"] == reverse("core:dashboard")


def test_sign_in_switches_to_the_users_language(client, db):
    UserFactory(username="palesa", preferred_language="st", roles=[Role.TRAINER])
    response = sign_in(client, "palesa")
    assert response.cookies["django_language"].value == "st"


def test_wrong_password_is_a_clear_message(cast, client):
    response = sign_in(client, "registrar", "wrong-password")
    assert response.status_code == 200
    assert "Please enter a correct" in response.content.decode()


def test_failed_sign_ins_are_throttled_with_a_cool_off(cast, client, settings):
    from datetime import timedelta

    from axes.models import AccessAttempt

    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "registrar", "wrong-password")
    locked = sign_in(client, "registrar")  # even the right password is refused now
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    assert settings.AXES_COOLOFF_TIME == timedelta(minutes=15)
    # After the cool-off the attempts expire and the user may sign in again.
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.first().attempt_time - timedelta(minutes=16))
    assert sign_in(client, "registrar").status_code == 302


def test_sign_out_needs_a_post(cast, client):
    client.force_login(cast.registrar)
    assert client.get(reverse("core:logout")).status_code == 405
    assert client.post(reverse("core:logout")).status_code == 302
    assert client.get(reverse("core:dashboard")).status_code == 302


def test_sessions_expire(settings):
    assert settings.SESSION_COOKIE_AGE <= 12 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_password_reset_sends_a_working_link(cast, client):
    client.post(reverse("core:password_reset"), {"email": cast.registrar.email})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/\S+)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "a-new-Pass-phrase-2026", "new_password2": "a-new-Pass-phrase-2026"})
    cast.registrar.refresh_from_db()
    assert cast.registrar.check_password("a-new-Pass-phrase-2026")


def test_password_reset_does_not_reveal_whether_an_address_is_known(client, db):
    response = client.post(reverse("core:password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 0


def test_administrator_creates_a_ministry_user_who_sets_their_password_by_email(cast, client, django_capture_on_commit_callbacks):
    client.force_login(cast.administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("core:user_create"),
            {
                "username": "nkhatho",
                "first_name": "Nkhatho",
                "last_name": "Lebona",
                "email": "Nkhatho@Labour.gov.ls",
                "phone": "+26658123456",
                "preferred_language": "st",
                "roles": [Role.INSPECTOR, Role.ANALYST],
            },
        )
    assert response.status_code == 302
    user = User.objects.get(username="nkhatho")
    assert user.email == "nkhatho@labour.gov.ls"
    assert not user.has_usable_password()
    assert set(user.groups.values_list("name", flat=True)) == {Role.INSPECTOR, Role.ANALYST}
    assert len(mail.outbox) == 1 and "/account/password-reset/" in mail.outbox[0].body


def test_user_form_errors_are_shown_and_nothing_is_saved(cast, client):
    client.force_login(cast.administrator)
    response = client.post(
        reverse("core:user_create"),
        {
            "username": "dup",
            "first_name": "A",
            "last_name": "B",
            "email": cast.registrar.email.upper(),
            "phone": "12",
            "preferred_language": "st",
            "roles": ["agency_staff"],
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Another account already uses this e-mail address." in body
    assert "Enter a valid phone number" in body
    assert "Select a valid choice" in body
    assert not User.objects.filter(username="dup").exists()


def test_administrator_cannot_remove_their_own_administrator_role(cast, client):
    client.force_login(cast.administrator)
    response = client.post(
        reverse("core:user_edit", args=[cast.administrator.pk]),
        {
            "username": "admin",
            "first_name": "A",
            "last_name": "B",
            "email": cast.administrator.email,
            "preferred_language": "en",
            "roles": [Role.ANALYST],
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "You cannot remove your own administrator role" in response.content.decode()
    assert cast.administrator.groups.filter(name=Role.ADMINISTRATOR).exists()


def test_agency_accounts_are_not_edited_as_ministry_users(cast, client):
    client.force_login(cast.administrator)
    response = client.get(reverse("core:user_edit", args=[cast.agency_staff.pk]))
    assert response.status_code == 302
    assert not cast.agency_staff.groups.exclude(name=Role.AGENCY_STAFF).exists()


def test_editing_a_user_is_kept_in_the_history(cast, client):
    client.force_login(cast.administrator)
    client.post(
        reverse("core:user_edit", args=[cast.registrar.pk]),
        {
            "username": "registrar",
            "first_name": "Teboho",
            "last_name": "Ramakatsa",
            "email": cast.registrar.email,
            "preferred_language": "st",
            "roles": [Role.REGISTRAR],
            "is_active": "on",
        },
    )
    page = client.get(reverse("core:user_detail", args=[cast.registrar.pk])).content.decode()
    assert "History" in page and "preferred language" in page and str(cast.administrator) in page
