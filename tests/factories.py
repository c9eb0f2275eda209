"""Factories for every test; no fixture files."""

import factory
from django.contrib.auth.models import Group

from agencies.models import Agency, AgencyMembership
from core.access import Role
from core.choices import District
from core.models import User

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    legal_name = factory.Sequence(lambda n: f"Agency {n} (Pty) Ltd")
    trading_name = factory.Sequence(lambda n: f"Agency {n}")
    registration_number = factory.Sequence(lambda n: f"LS-TEST/{n:05d}")
    district = District.MASERU


class AgencyStaffFactory(UserFactory):
    """A user working for an agency (a new one unless given)."""

    @factory.post_generation
    def agency(self, create, extracted, **kwargs):
        if not create:
            return
        agency = extracted or AgencyFactory()
        AgencyMembership.objects.create(user=self, agency=agency, is_manager=kwargs.get("manager", False))
        self.groups.add(Group.objects.get(name=Role.AGENCY_STAFF))
