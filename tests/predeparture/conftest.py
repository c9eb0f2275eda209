"""Shared set-up of the training tests: a course with modules, sessions, a clock."""

import datetime

import pytest
from django.utils import timezone

from predeparture.models import Course, Module, Session


@pytest.fixture
def clock(monkeypatch):
    """Set "now" to a Maseru moment (noon of a date unless a datetime is given)."""

    def set_now(when):
        if isinstance(when, datetime.datetime):
            moment = timezone.make_aware(when) if timezone.is_naive(when) else when
        else:
            moment = timezone.make_aware(datetime.datetime.combine(when, datetime.time(12)))
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return set_now


def make_course(code="PDO-GEN", pass_mark=60, validity_months=24, modules=2):
    course = Course.objects.create(code=code, title=f"Course {code}", pass_mark=pass_mark, validity_months=validity_months)
    for n in range(1, modules + 1):
        Module.objects.create(course=course, order=n, title=f"Module {n}", hours=2)
    return course


def make_session(course, trainer, *, days_ahead=7, hours=8, capacity=10, district="maseru", start=None):
    starts_at = start or timezone.now() + datetime.timedelta(days=days_ahead)
    return Session.objects.create(
        course=course, venue="Manthabiseng Convention Centre", district=district, starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=hours), trainer=trainer, capacity=capacity,
    )


@pytest.fixture
def course(db):
    return make_course()


@pytest.fixture
def licensed(cast):
    from tests.factories import LicenceFactory

    LicenceFactory(agency=cast.agency_a)
    LicenceFactory(agency=cast.agency_b)
    return cast
