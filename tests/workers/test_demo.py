"""Workers' demo data: every district, linked to the demo agencies, safe to run again (bulk: tests/core/test_seed_scale.py)."""

import pytest
from django.core.management import call_command

from agencies.models import Agency
from core.choices import District
from workers.models import AgencyWorker, Worker

pytestmark = pytest.mark.django_db


def test_demo_workers_come_from_every_district_and_are_linked_once():
    call_command("seed_demo")
    count, links = Worker.objects.count(), AgencyWorker.objects.count()
    call_command("seed_demo")
    assert Worker.objects.count() == count >= 30
    assert AgencyWorker.objects.count() == links
    assert set(Worker.objects.values_list("district", flat=True)) == set(District.values)
    maluti = Agency.objects.get(registration_number="LS-2015/00412")
    assert Worker.objects.for_agency(maluti.pk).exists()

