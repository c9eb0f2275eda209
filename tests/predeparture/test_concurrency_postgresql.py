"""Two clerks enrolling for the last seat at once: one gets it, the other the waiting list (PostgreSQL only)."""

import threading

import pytest
from django.db import connection

from predeparture import services
from predeparture.models import EnrolmentStatus
from tests.factories import UserFactory, WorkerFactory
from tests.predeparture.conftest import make_course, make_session


@pytest.mark.needs("postgresql")
@pytest.mark.django_db(transaction=True)
def test_the_last_seat_goes_to_one_worker_only(reference_data):
    registrar = UserFactory(roles=["registrar"])
    trainer = UserFactory(roles=["trainer"])
    session = make_session(make_course(), trainer, capacity=1)
    workers = [WorkerFactory() for _ in range(4)]
    barrier = threading.Barrier(len(workers))
    results, errors = [], []

    def clerk(worker):
        try:
            barrier.wait(timeout=10)
            results.append(services.enrol(by=registrar, session_id=session.pk, worker_id=worker.pk).enrolment.status)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=clerk, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(results) == [EnrolmentStatus.ENROLLED] + [EnrolmentStatus.WAITING] * 3
    assert session.enrolments.filter(status=EnrolmentStatus.ENROLLED).count() == 1
    positions = sorted(session.enrolments.filter(status="waiting").values_list("waiting_position", flat=True))
    assert positions == [1, 2, 3]
