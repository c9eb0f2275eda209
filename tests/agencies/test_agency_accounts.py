"""The foundation's part of agencies: ministry staff disable and restore an agency account, with a reason, logged."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django_fsm_log.models import StateLog

from agencies import services
from agencies.models import AgencyStatus
from core import access
from core.access import Role
from tests.factories import AgencyStaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_disabling_an_agency_is_logged_with_who_when_and_why(cast):
    services.disable_agency_account(agency_id=cast.agency_a.pk, by=cast.licensing_officer, reason="Operating without premises")
    cast.agency_a.refresh_from_db()
    assert cast.agency_a.status == AgencyStatus.DISABLED
    log = StateLog.objects.for_(cast.agency_a).get()
    assert (log.source_state, log.state, log.by, log.description) == (
        "active",
        "disabled",
        cast.licensing_officer,
        "Operating without premises",
    )


def test_disabling_needs_a_reason(cast):
    with pytest.raises(ValidationError):
        services.disable_agency_account(agency_id=cast.agency_a.pk, by=cast.licensing_officer, reason="  ")
    cast.agency_a.refresh_from_db()
    assert cast.agency_a.status == AgencyStatus.ACTIVE
    assert not StateLog.objects.exists()


def test_only_licensing_officers_and_administrators_disable_agencies(cast):
    with pytest.raises(PermissionDenied):
        services.disable_agency_account(agency_id=cast.agency_a.pk, by=cast.registrar, reason="x")
    with pytest.raises(PermissionDenied):
        services.disable_agency_account(agency_id=cast.agency_a.pk, by=cast.agency_staff, reason="x")


def test_a_decision_on_a_stale_screen_is_refused(cast, client):
    client.force_login(cast.licensing_officer)
    page = client.get(reverse("agencies:agency_detail", args=[cast.agency_a.pk]))
    seen = page.context["reason_form"].initial["seen_status"]
    # Someone else disables it first.
    services.disable_agency_account(agency_id=cast.agency_a.pk, by=UserFactory(roles=[Role.ADMINISTRATOR]), reason="first")
    services.enable_agency_account(agency_id=cast.agency_a.pk, by=UserFactory(roles=[Role.ADMINISTRATOR]), reason="second")
    services.disable_agency_account(agency_id=cast.agency_a.pk, by=UserFactory(roles=[Role.ADMINISTRATOR]), reason="third")
    response = client.post(
        reverse("agencies:agency_enable", args=[cast.agency_a.pk]), {"reason": "mine", "seen_status": "active"}, follow=True
    )
    assert seen == "active"
    assert "Someone else changed this record" in response.content.decode()
    assert StateLog.objects.for_(cast.agency_a).count() == 3


def test_disabling_twice_is_a_message_not_a_500(cast, client):
    client.force_login(cast.licensing_officer)
    url = reverse("agencies:agency_disable", args=[cast.agency_a.pk])
    client.post(url, {"reason": "first", "seen_status": "active"})
    response = client.post(url, {"reason": "again", "seen_status": "disabled"}, follow=True)
    assert response.status_code == 200
    assert "already disabled" in response.content.decode()


def test_disable_form_without_a_reason_shows_the_error_next_to_the_field(cast, client):
    client.force_login(cast.licensing_officer)
    response = client.post(reverse("agencies:agency_disable", args=[cast.agency_a.pk]), {"reason": "", "seen_status": "active"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    cast.agency_a.refresh_from_db()
    assert cast.agency_a.is_active


def test_staff_of_a_disabled_agency_lose_access_at_once(cast, client):
    client.force_login(cast.agency_staff)
    assert client.get(reverse("agencies:agency_detail", args=[cast.agency_a.pk])).status_code == 200
    services.disable_agency_account(agency_id=cast.agency_a.pk, by=cast.licensing_officer, reason="Bond lapsed")
    assert client.get(reverse("agencies:agency_detail", args=[cast.agency_a.pk])).status_code == 403


def test_agency_staff_belong_to_exactly_one_agency(cast):
    with pytest.raises(ValidationError):
        services.add_agency_staff(agency=cast.agency_b, user=cast.agency_staff)


def test_a_ministry_user_cannot_also_be_agency_staff(cast):
    with pytest.raises(ValidationError):
        services.add_agency_staff(agency=cast.agency_a, user=cast.registrar)
    assert not access.agency_id_of(cast.registrar)


def test_agency_list_shows_agency_staff_only_their_agency(cast, client):
    client.force_login(cast.agency_staff)
    rows = [row.record for row in client.get(reverse("agencies:agency_list")).context["table"].paginated_rows]
    assert rows == [cast.agency_a]
    other = AgencyStaffFactory(agency=cast.agency_b)
    client.force_login(other)
    rows = [row.record for row in client.get(reverse("agencies:agency_list")).context["table"].paginated_rows]
    assert rows == [cast.agency_b]
