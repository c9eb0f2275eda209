"""The ministry's fill and completion rates, and the worker page's SMS section."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core import registry
from notifications.models import OutboundSms
from predeparture.models import Enrolment, Session
from tests.factories import UserFactory, WorkerFactory
from tests.predeparture.conftest import make_course, make_session

pytestmark = pytest.mark.django_db


def test_rates_count_seats_filled_and_completions_per_district(cast, rf):
    course = make_course()
    session = make_session(course, cast.trainer, capacity=4, start=timezone.now() - datetime.timedelta(days=3))
    Session.objects.filter(pk=session.pk).update(status="completed")
    for status in ("completed", "completed", "failed"):
        Enrolment.objects.create(session=session, worker=WorkerFactory(), enrolled_by=cast.registrar, status=status)
    request = rf.get("/")
    request.user = cast.registrar
    panel = next(p for p in registry.PANELS if p.key == "predeparture.rates")
    rows = panel.context(request)["rows"]
    assert rows == [{"district": "Maseru", "sessions": 1, "fill": 75, "completion": 67}]


def test_rates_are_counted_once_per_window_and_say_when(cast, rf, client, django_assert_num_queries):
    """Every training officer's home page shows the rates: they are counted at most once per
    DASHBOARD_FIGURES_SECONDS, and the panel says when, so a visit does not read every recent enrolment."""
    from django.core.cache import cache

    course = make_course()
    session = make_session(course, cast.trainer, capacity=4, start=timezone.now() - datetime.timedelta(days=3))
    Session.objects.filter(pk=session.pk).update(status="completed")
    Enrolment.objects.create(session=session, worker=WorkerFactory(), enrolled_by=cast.registrar, status="completed")
    request = rf.get("/")
    request.user = cast.registrar
    panel = next(p for p in registry.PANELS if p.key == "predeparture.rates")
    first = panel.context(request)
    Enrolment.objects.create(session=session, worker=WorkerFactory(), enrolled_by=cast.registrar, status="failed")
    with django_assert_num_queries(0):
        again = panel.context(request)
    assert again["rows"] == first["rows"] == [{"district": "Maseru", "sessions": 1, "fill": 25, "completion": 100}]
    assert again["computed_at"] == first["computed_at"]

    cache.clear()  # the window has passed
    assert panel.context(request)["rows"] == [{"district": "Maseru", "sessions": 1, "fill": 50, "completion": 50}]

    client.force_login(cast.registrar)
    page = client.get(reverse("core:dashboard")).content.decode()
    assert "Training in the last 90 days" in page and "Counted at" in page


def test_worker_page_lists_the_sms_sent_to_the_worker(cast, client):
    worker = WorkerFactory(mobile="+26658123499")
    OutboundSms.objects.create(to="+26658123499", language="st", template_key="x", body="Lumela Thabo", status="sent")
    OutboundSms.objects.create(to="+26658000000", language="st", template_key="x", body="Someone else")
    client.force_login(UserFactory(roles=["registrar"]))
    page = client.get(reverse("workers:worker_detail", args=[worker.pk])).content.decode()
    assert "Lumela Thabo" in page and "Someone else" not in page
