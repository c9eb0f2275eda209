import pytest
from django.utils import timezone

from agencies.models import Agency, AgencyMembership
from core import access
from core.access import Role
from tests.factories import AgencyFactory, AgencyStaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_roles_come_from_groups_and_a_ministry_user_may_hold_several():
    user = UserFactory(roles=[Role.CHIEF_INSPECTOR, Role.INSPECTOR])
    assert access.roles_of(user) == {Role.CHIEF_INSPECTOR, Role.INSPECTOR}


def test_inactive_user_has_no_roles():
    user = UserFactory(roles=[Role.ADMINISTRATOR], is_active=False)
    assert access.roles_of(user) == frozenset()
    assert not access.can(user, "users.manage")


def test_capability_follows_the_table():
    admin = UserFactory(roles=[Role.ADMINISTRATOR])
    analyst = UserFactory(roles=[Role.ANALYST])
    assert access.can(admin, "users.manage")
    assert not access.can(analyst, "users.manage")


def test_analyst_may_not_export_personal_data():
    assert not access.can(UserFactory(roles=[Role.ANALYST]), "personal_data.export")
    assert access.can(UserFactory(roles=[Role.REGISTRAR]), "personal_data.export")


def test_unknown_capability_is_a_programming_error():
    with pytest.raises(ValueError):
        access.can(UserFactory(), "no.such.thing")


def test_agency_staff_see_only_their_own_agency():
    mine, theirs = AgencyFactory(), AgencyFactory()
    staff = AgencyStaffFactory(agency=mine)
    assert list(Agency.objects.visible_to(staff)) == [mine]
    assert theirs not in Agency.objects.visible_to(staff)


def test_ministry_staff_see_every_agency():
    AgencyFactory(), AgencyFactory()
    officer = UserFactory(roles=[Role.LICENSING_OFFICER])
    assert Agency.objects.visible_to(officer).count() == 2


def test_user_without_role_sees_nothing():
    AgencyFactory()
    assert Agency.objects.visible_to(UserFactory()).count() == 0


def test_ended_membership_ends_access_at_once():
    agency = AgencyFactory()
    staff = AgencyStaffFactory(agency=agency)
    assert access.can(staff, "agencies.view")
    AgencyMembership.objects.filter(user=staff).update(ended_at=timezone.now())
    staff.refresh_from_db()
    access.forget_roles(staff)
    assert access.agency_id_of(staff) is None
    assert not access.can(staff, "agencies.view")
    assert Agency.objects.visible_to(staff).count() == 0


def test_staff_of_a_disabled_agency_lose_access():
    agency = AgencyFactory()
    staff = AgencyStaffFactory(agency=agency)
    Agency.objects.filter(pk=agency.pk).update(status="disabled")
    staff = type(staff).objects.get(pk=staff.pk)
    assert not access.can(staff, "agencies.view")


def test_get_visible_or_404_hides_other_agencies_records():
    from django.http import Http404

    mine, theirs = AgencyFactory(), AgencyFactory()
    staff = AgencyStaffFactory(agency=mine)
    assert access.get_visible_or_404(staff, Agency.objects.all(), pk=mine.pk) == mine
    with pytest.raises(Http404):
        access.get_visible_or_404(staff, Agency.objects.all(), pk=theirs.pk)
    with pytest.raises(Http404):
        access.get_visible_or_404(staff, Agency.objects.all(), pk="not-a-number")


def test_transition_permission_asks_the_access_module():
    permission = access.transition_permission("agencies.disable")
    assert permission(None, UserFactory(roles=[Role.LICENSING_OFFICER]))
    assert not permission(None, UserFactory(roles=[Role.REGISTRAR]))
