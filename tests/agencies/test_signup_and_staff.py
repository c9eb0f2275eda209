"""Agency accounts: an agency signs itself up and confirms its e-mail; its managers add and remove staff."""

import datetime
import re
import time
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agencies import accounts
from agencies.models import Agency, AgencyMembership, LicenceApplication
from core import access
from core.access import Role
from core.models import User
from tests.factories import AgencyFactory, AgencyStaffFactory

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "Mohlomong-Letsatsi-42"


def signup_data(**changes) -> dict:
    data = {
        "legal_name": "Maloti Recruitment (Pty) Ltd",
        "trading_name": "Maloti Jobs",
        "registration_number": "I2024/012345",
        "district": "leribe",
        "phone": "2240 1234",
        "agency_email": "office@maloti.co.ls",
        "username": "mpho",
        "first_name": "Mpho",
        "last_name": "Mokoena",
        "email": "Mpho@Maloti.co.ls",
        "preferred_language": "st",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
    }
    data.update(changes)
    return data


def sign_up(client, django_capture_on_commit_callbacks, **changes):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("agency_account:signup"), signup_data(**changes), follow=True)


def link_in(message) -> str:
    return re.search(r"http\S+", message.body).group(0)


def path_of(link: str) -> str:
    return urlsplit(link).path


def counts() -> tuple[int, int, int]:
    return User.objects.count(), Agency.objects.count(), AgencyMembership.objects.count()


# --- Sign-up --------------------------------------------------------------------------------


def test_signup_creates_an_inactive_manager_of_a_new_agency_and_sends_one_email(client, django_capture_on_commit_callbacks):
    response = sign_up(client, django_capture_on_commit_callbacks)

    assert "Check your e-mail" in response.content.decode()
    agency = Agency.objects.get(registration_number="I2024/012345")
    assert (agency.legal_name, agency.district, agency.email, agency.phone.as_e164) == (
        "Maloti Recruitment (Pty) Ltd", "leribe", "office@maloti.co.ls", "+26622401234",
    )
    user = User.objects.get(username="mpho")
    assert not user.is_active
    assert user.email == "mpho@maloti.co.ls"
    assert user.check_password(STRONG_PASSWORD)
    assert user.groups.filter(name=Role.AGENCY_STAFF).exists()
    membership = user.agency_membership
    assert membership.agency == agency and membership.is_manager and membership.ended_at is None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["mpho@maloti.co.ls"]
    assert "/agency-account/confirm/" in mail.outbox[0].body


def test_the_unconfirmed_manager_cannot_sign_in(client, django_capture_on_commit_callbacks):
    sign_up(client, django_capture_on_commit_callbacks)
    response = client.post(reverse("core:login"), {"username": "mpho", "password": STRONG_PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_emailed_link_activates_the_manager(client, django_capture_on_commit_callbacks):
    sign_up(client, django_capture_on_commit_callbacks)

    response = client.get(path_of(link_in(mail.outbox[0])))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Your e-mail address is confirmed; sign in to fill in your licence application" in page
    assert reverse("core:login") in page
    user = User.objects.get(username="mpho")
    assert user.is_active
    client.force_login(user)
    access.forget_roles(user)
    assert access.can(user, "agencies.manage_staff") and accounts.may_manage_staff(user)


@pytest.mark.parametrize("change", ["tamper", "truncate"])
def test_a_tampered_link_is_a_clear_message_not_an_error(client, django_capture_on_commit_callbacks, change):
    sign_up(client, django_capture_on_commit_callbacks)
    token = path_of(link_in(mail.outbox[0])).rstrip("/").rsplit("/", 1)[1]
    bad = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB") if change == "tamper" else token[: len(token) // 2]

    response = client.get(reverse("agency_account:verify", args=[bad]))

    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()
    assert reverse("agency_account:resend") in response.content.decode()
    assert not User.objects.get(username="mpho").is_active


def test_an_expired_link_is_a_clear_message_and_offers_a_new_one(client, django_capture_on_commit_callbacks):
    four_days_ago = time.time() - 4 * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=four_days_ago):
        sign_up(client, django_capture_on_commit_callbacks)

    response = client.get(path_of(link_in(mail.outbox[0])))

    assert response.status_code == 400
    page = response.content.decode()
    assert "This link has expired" in page
    assert reverse("agency_account:resend") in page
    assert not User.objects.get(username="mpho").is_active


def test_a_link_is_good_for_three_days(client, django_capture_on_commit_callbacks):
    two_days_ago = time.time() - 2 * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=two_days_ago):
        sign_up(client, django_capture_on_commit_callbacks)
    client.get(path_of(link_in(mail.outbox[0])))
    assert User.objects.get(username="mpho").is_active


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"registration_number": " i2024/000001 "}, "registration_number",
         "An agency with this registration number is already registered."),
        ({"phone": "1234"}, "phone", "Enter a valid phone number"),
        ({"phone": "+266 1234 5"}, "phone", "Enter a valid phone number"),
        ({"password1": "password123", "password2": "password123"}, "password1", "This password is too common."),
        ({"password1": "short", "password2": "short"}, "password1", "This password is too short."),
        ({"password2": STRONG_PASSWORD + "x"}, "password2", "The two passwords do not match."),
        ({"email": "taken@example.org"}, "email", "Another account already uses this e-mail address."),
        ({"username": "TAKEN"}, "username", "A user with that user name already exists."),
    ],
)
def test_a_bad_signup_says_what_is_wrong_and_creates_nothing(client, django_capture_on_commit_callbacks, changes, field, message):
    AgencyFactory(registration_number="I2024/000001")
    AgencyStaffFactory(username="taken", email="taken@example.org")
    before = counts()

    response = sign_up(client, django_capture_on_commit_callbacks, **changes)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in error for error in errors[field]), errors
    assert message in response.content.decode().replace("&#x27;", "'")
    assert counts() == before
    assert mail.outbox == []


def test_a_failure_midway_leaves_nothing_half_saved(client, django_capture_on_commit_callbacks):
    before = counts()
    with mock.patch("agencies.accounts.add_agency_staff", side_effect=RuntimeError("boom")):
        with pytest.raises(RuntimeError):
            sign_up(client, django_capture_on_commit_callbacks)
    assert counts() == before
    assert mail.outbox == []


# --- Asking for a new link ------------------------------------------------------------------


def test_resend_sends_a_new_link_to_an_unconfirmed_signup(client, django_capture_on_commit_callbacks):
    sign_up(client, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("agency_account:resend"), {"email": "MPHO@maloti.co.ls"}, follow=True)
    assert len(mail.outbox) == 1
    client.get(path_of(link_in(mail.outbox[0])))
    assert User.objects.get(username="mpho").is_active
    assert "we have sent it a new link" in response.content.decode()


def test_resend_answers_the_same_for_unknown_and_confirmed_addresses(client, django_capture_on_commit_callbacks, cast):
    sign_up(client, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    pages = []
    for email in ("mpho@maloti.co.ls", "nobody@example.org", cast.agency_staff.email):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("agency_account:resend"), {"email": email}, follow=True)
        assert response.status_code == 200
        pages.append(re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode()))
    assert len(mail.outbox) == 1  # only the pending sign-up got a link
    assert pages[0] == pages[1] == pages[2]


def test_an_old_link_cannot_reactivate_a_removed_manager(client, django_capture_on_commit_callbacks):
    sign_up(client, django_capture_on_commit_callbacks)
    link = path_of(link_in(mail.outbox[0]))
    client.get(link)
    manager = User.objects.get(username="mpho")
    other_manager = AgencyStaffFactory(agency=manager.agency_membership.agency, agency__manager=True)
    accounts.remove_staff_member(by=other_manager, membership_id=manager.agency_membership.pk)

    response = client.get(link)

    assert response.status_code == 400
    manager.refresh_from_db()
    assert not manager.is_active


# --- Purging sign-ups never confirmed --------------------------------------------------------


def _signup(username: str, registration_number: str, days_ago: int) -> User:
    manager = User(username=username, email=f"{username}@example.org", first_name="A", last_name="B")
    agency = Agency(legal_name=f"{username} Ltd", registration_number=registration_number, district="maseru")
    accounts.sign_up_agency(agency=agency, manager=manager, password=STRONG_PASSWORD)
    User.objects.filter(pk=manager.pk).update(date_joined=timezone.now() - datetime.timedelta(days=days_ago))
    return manager


def test_unconfirmed_signups_older_than_seven_days_are_purged_and_newer_ones_kept():
    old = _signup("old", "OLD-1", days_ago=8)
    recent = _signup("recent", "NEW-1", days_ago=6)
    confirmed_old = _signup("confirmed", "OK-1", days_ago=30)
    User.objects.filter(pk=confirmed_old.pk).update(is_active=True)

    summary = accounts.purge_unverified_signups()

    assert "purged 1" in summary
    assert not User.objects.filter(pk=old.pk).exists()
    assert not Agency.objects.filter(registration_number="OLD-1").exists()
    assert not AgencyMembership.objects.filter(user_id=old.pk).exists()
    assert User.objects.filter(pk=recent.pk).exists() and Agency.objects.filter(registration_number="NEW-1").exists()
    assert Agency.objects.filter(registration_number="OK-1").exists()
    assert accounts.purge_unverified_signups().startswith("purged 0")  # idempotent


def test_an_unconfirmed_signup_whose_agency_has_an_application_is_kept():
    old = _signup("old", "OLD-1", days_ago=8)
    LicenceApplication.objects.create(agency=old.agency_membership.agency)

    accounts.purge_unverified_signups()

    assert User.objects.filter(pk=old.pk).exists()
    assert Agency.objects.filter(registration_number="OLD-1").exists()


def test_a_removed_member_is_not_purged_as_an_unconfirmed_signup(cast):
    manager = AgencyStaffFactory(agency=cast.agency_a, agency__manager=True)
    accounts.remove_staff_member(by=manager, membership_id=cast.agency_staff.agency_membership.pk)
    User.objects.filter(pk=cast.agency_staff.pk).update(date_joined=timezone.now() - datetime.timedelta(days=30))

    accounts.purge_unverified_signups()

    assert User.objects.filter(pk=cast.agency_staff.pk).exists()


# --- Staff management ----------------------------------------------------------------------


@pytest.fixture
def manager_a(cast):
    return AgencyStaffFactory(username="manager_a", agency=cast.agency_a, agency__manager=True)


def staff_data(**changes) -> dict:
    data = {
        "username": "lerato",
        "first_name": "Lerato",
        "last_name": "Thabane",
        "email": "lerato@example.org",
        "preferred_language": "en",
        "is_manager": "",
    }
    data.update(changes)
    return data


def test_a_manager_sees_the_agency_staff(client, cast, manager_a):
    client.force_login(manager_a)
    response = client.get(reverse("agency_account:staff"))
    page = response.content.decode()
    assert response.status_code == 200
    assert cast.agency_staff.email in page and manager_a.email in page
    assert cast.other_agency_staff.email not in page
    assert response.context["form"] is not None


def test_a_manager_adds_staff_who_get_an_invitation(client, cast, manager_a, django_capture_on_commit_callbacks):
    client.force_login(manager_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("agency_account:staff"), staff_data(is_manager="on"))

    assert response.status_code == 302
    user = User.objects.get(username="lerato")
    assert user.is_active and not user.has_usable_password()
    assert user.agency_membership.agency == cast.agency_a and user.agency_membership.is_manager
    assert access.agency_id_of(user) == cast.agency_a.pk
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["lerato@example.org"]
    assert "/reset/" in mail.outbox[0].body or "password" in mail.outbox[0].body.lower()
    # The link in the invitation lets them choose a password.
    assert client.get(path_of(link_in(mail.outbox[0])), follow=True).status_code == 200


def test_a_non_manager_cannot_add_staff(client, cast, django_capture_on_commit_callbacks):
    client.force_login(cast.agency_staff)
    page = client.get(reverse("agency_account:staff"))
    assert page.context["form"] is None
    before = counts()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("agency_account:staff"), staff_data())
    assert response.status_code == 403
    assert counts() == before and mail.outbox == []


def test_a_non_manager_cannot_remove_staff(client, cast, manager_a):
    client.force_login(cast.agency_staff)
    response = client.post(reverse("agency_account:staff_remove", args=[manager_a.agency_membership.pk]))
    assert response.status_code == 403
    manager_a.agency_membership.refresh_from_db()
    assert manager_a.agency_membership.ended_at is None


def test_ministry_staff_do_not_manage_agency_staff(client, cast):
    client.force_login(cast.administrator)
    assert client.get(reverse("agency_account:staff")).status_code == 403


def test_removal_ends_access_at_once_and_records_who_removed_whom(client, cast, manager_a):
    removed = Client()
    removed.force_login(cast.agency_staff)
    assert removed.get(reverse("agencies:agency_list")).status_code == 200

    client.force_login(manager_a)
    response = client.post(reverse("agency_account:staff_remove", args=[cast.agency_staff.agency_membership.pk]))

    assert response.status_code == 302
    after = removed.get(reverse("agencies:agency_list"))
    assert after.status_code == 403 or (after.status_code == 302 and after["Location"].startswith(reverse("core:login")))
    membership = AgencyMembership.objects.get(pk=cast.agency_staff.agency_membership.pk)
    assert membership.ended_at is not None
    assert not User.objects.get(pk=cast.agency_staff.pk).is_active
    assert "manager_a" in membership.history.first().history_change_reason
    assert cast.agency_staff.email not in client.get(reverse("agency_account:staff")).content.decode()


def test_the_last_manager_cannot_remove_themself(client, cast, manager_a):
    client.force_login(manager_a)
    response = client.post(reverse("agency_account:staff_remove", args=[manager_a.agency_membership.pk]), follow=True)

    assert "last manager" in response.content.decode()
    manager_a.agency_membership.refresh_from_db()
    assert manager_a.agency_membership.ended_at is None
    assert User.objects.get(pk=manager_a.pk).is_active


def test_a_manager_may_remove_themself_when_another_manager_remains(client, cast, manager_a):
    AgencyStaffFactory(agency=cast.agency_a, agency__manager=True)
    client.force_login(manager_a)
    response = client.post(reverse("agency_account:staff_remove", args=[manager_a.agency_membership.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:login"))
    assert not User.objects.get(pk=manager_a.pk).is_active


def test_a_manager_cannot_remove_staff_of_another_agency(client, cast, manager_a):
    client.force_login(manager_a)
    response = client.post(reverse("agency_account:staff_remove", args=[cast.other_agency_staff.agency_membership.pk]))
    assert response.status_code == 404
    assert User.objects.get(pk=cast.other_agency_staff.pk).is_active
    assert AgencyMembership.objects.get(user=cast.other_agency_staff).ended_at is None


def test_the_service_refuses_another_agencys_member_too(cast, manager_a):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        accounts.remove_staff_member(by=manager_a, membership_id=cast.other_agency_staff.agency_membership.pk)
