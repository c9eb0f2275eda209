"""The sessions calendar: one month, day by day, filtered by district and course, fill and status, trainers see their
own sessions, bad input answered with a message, and a constant number of queries."""

import datetime
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from predeparture import services
from predeparture.models import Session
from tests.factories import UserFactory, WorkerFactory
from tests.predeparture.conftest import make_course, make_session

pytestmark = pytest.mark.django_db

URL = reverse("predeparture:session_calendar")


def at(day, hour=9):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def page(client, **query):
    response = client.get(URL, query)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_month_lists_each_session_under_its_day_with_fill_and_status(cast, client, clock):
    clock(datetime.date(2026, 3, 1))
    course = make_course("PDO-GEN")
    session = make_session(course, cast.trainer, start=at(datetime.date(2026, 3, 10)), capacity=12, district="leribe")
    for worker in (WorkerFactory(), WorkerFactory()):
        services.enrol(by=cast.registrar, session_id=session.pk, worker_id=worker.pk)
    make_session(course, cast.trainer, start=at(datetime.date(2026, 4, 2)))  # next month
    client.force_login(cast.registrar)
    text = page(client, month="2026-03")
    assert "Training calendar: March 2026" in text
    assert "Tuesday 2026-03-10" in text and "2 / 12" in text and "Scheduled" in text and "Leribe" in text
    assert reverse("predeparture:session_detail", args=[session.pk]) in text
    assert "2026-04-02" not in text
    assert "1 session this month: 2 of 12 seats taken." in text


def test_a_session_of_several_days_shows_on_each_day(cast, client, clock):
    clock(datetime.date(2026, 3, 1))
    make_session(make_course(), cast.trainer, start=at(datetime.date(2026, 3, 30)), hours=24 * 3)
    client.force_login(cast.registrar)
    march = page(client, month="2026-03")
    assert "Monday 2026-03-30" in march and "Tuesday 2026-03-31" in march and "day 2 of 4" in march
    april = page(client, month="2026-04")  # it runs on into April
    assert "Wednesday 2026-04-01" in april and "day 3 of 4" in april and "Thursday 2026-04-02" in april


def test_filters_by_district_and_course(cast, client, clock):
    clock(datetime.date(2026, 3, 1))
    general, country = make_course("PDO-GEN"), make_course("PDO-RSA")
    make_session(general, cast.trainer, start=at(datetime.date(2026, 3, 3)), district="maseru")
    make_session(country, cast.trainer, start=at(datetime.date(2026, 3, 4)), district="mokhotlong")
    client.force_login(cast.registrar)
    text = page(client, month="2026-03", district="mokhotlong")
    assert "2026-03-04" in text and "2026-03-03" not in text
    text = page(client, month="2026-03", course=general.pk)
    assert "2026-03-03" in text and "2026-03-04" not in text


def test_previous_and_next_month_keep_the_filters(cast, client, clock):
    clock(datetime.date(2026, 3, 15))
    client.force_login(cast.registrar)
    text = page(client, month="2026-01", district="quthing")
    assert "?month=2025-12&amp;district=quthing" in client.get(URL, {"month": "2026-01", "district": "quthing"}).content.decode()
    assert "December 2025" in text and "February 2026" in text
    assert "Training calendar: March 2026" in page(client)  # no month: the current one


def test_trainer_sees_only_their_own_sessions(cast, client, clock):
    clock(datetime.date(2026, 3, 1))
    course = make_course()
    make_session(course, cast.trainer, start=at(datetime.date(2026, 3, 5)))
    other_trainer = UserFactory(username="trainer2", roles=["trainer"])
    make_session(course, other_trainer, start=at(datetime.date(2026, 3, 6)))
    client.force_login(cast.trainer)
    text = page(client, month="2026-03")
    assert "2026-03-05" in text and "2026-03-06" not in text
    client.force_login(cast.agency_staff)  # agencies see every session, to enrol their workers
    text = page(client, month="2026-03")
    assert "2026-03-05" in text and "2026-03-06" in text


@pytest.mark.parametrize("month", ["2026-13", "March", "9999-12", "2026-3-1", "<script>"])
def test_a_bad_month_is_explained_and_the_current_month_shown(cast, client, clock, month):
    clock(datetime.date(2026, 3, 15))
    client.force_login(cast.registrar)
    text = page(client, month=month)
    assert "Write the month as YYYY-MM" in text and "Training calendar: March 2026" in text


def test_an_unknown_course_or_district_is_explained(cast, client, clock):
    clock(datetime.date(2026, 3, 15))
    client.force_login(cast.registrar)
    text = page(client, course="999999", district="gauteng")
    assert text.count("Select a valid choice") == 2


def test_cancelled_sessions_show_their_status(cast, client, clock):
    clock(datetime.date(2026, 3, 1))
    session = make_session(make_course(), cast.trainer, start=at(datetime.date(2026, 3, 20)))
    services.cancel_session(by=cast.registrar, session_id=session.pk, reason="Venue flooded")
    client.force_login(cast.registrar)
    assert "Cancelled" in page(client, month="2026-03")


def test_session_list_links_to_the_calendar(cast, client):
    client.force_login(cast.registrar)
    assert URL in client.get(reverse("predeparture:session_list")).content.decode()


def test_queries_do_not_grow_with_the_number_of_sessions(cast, client, clock):
    clock(datetime.date(2026, 3, 1))
    course = make_course()
    client.force_login(cast.registrar)
    make_session(course, cast.trainer, start=at(datetime.date(2026, 3, 2)))
    with CaptureQueriesContext(connection) as one:
        page(client, month="2026-03")
    baseline = len(one)  # now: the next request empties the query log this counts from
    trainers = [UserFactory(username=f"trainer-{n}", roles=["trainer"]) for n in range(5)]
    for n in range(20):
        session = make_session(make_course(f"PDO-{n}"), trainers[n % 5], start=at(datetime.date(2026, 3, 3 + n)),
                               hours=30, district=["maseru", "berea", "leribe"][n % 3])
        services.enrol(by=cast.registrar, session_id=session.pk, worker_id=WorkerFactory().pk)
    assert Session.objects.count() == 21
    with CaptureQueriesContext(connection) as many:
        text = page(client, month="2026-03")
    assert "PDO-19" in text
    assert len(many) == baseline, [query["sql"] for query in many]


def test_a_completed_session_still_shows_its_seats_taken(cast, client, clock):
    clock(datetime.date(2026, 3, 1))
    course = make_course(pass_mark=None, modules=1)
    session = make_session(course, cast.trainer, start=at(datetime.date(2026, 3, 2)), capacity=5)
    enrolments = [services.enrol(by=cast.registrar, session_id=session.pk, worker_id=WorkerFactory().pk).enrolment
                  for _ in range(2)]
    clock(at(datetime.date(2026, 3, 2), hour=10))
    services.start_session(by=cast.trainer, session_id=session.pk)
    services.mark_attendance(by=cast.trainer, enrolment_id=enrolments[0].pk, module_id=course.modules.get().pk,
                             present=True)
    services.complete_session(by=cast.trainer, session_id=session.pk)  # one completed, one no-show
    client.force_login(cast.registrar)
    assert "2 / 5" in page(client, month="2026-03")
    assert "2 / 5" in client.get(reverse("predeparture:session_list")).content.decode()
    assert "2 / 5" in client.get(reverse("predeparture:session_detail", args=[session.pk])).content.decode()
