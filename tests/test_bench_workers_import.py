"""The workers-import benchmark (benchmarks/scenarios/workers_import.py) on a kept database (--keepdb): it may run
again and again on the same data, so each run leaves the register as it found it, and its passport numbers are none
that seed_demo gives (RB0000000 to RB0999999 at --scale 1000)."""

import pytest

from benchmarks.scenarios import workers_import
from tests.factories import WorkerFactory
from workers.models import Worker

pytestmark = pytest.mark.django_db


def test_the_import_can_run_again_on_the_same_database_and_leaves_the_register_as_it_was(monkeypatch):
    monkeypatch.setattr(workers_import, "ROWS", 12)
    WorkerFactory(passport_number="RB0000001")  # a seeded worker's passport number
    before = Worker.objects.count()
    for _ in range(2):
        state = workers_import.prepare_import(scale=1)
        workers_import.validate_and_import(state)
        assert Worker.objects.count() == before
