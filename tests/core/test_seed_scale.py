"""``seed_demo --scale N``: the bulk data keep the promises of issue 9 at a small scale, on SQLite and on PostgreSQL
(run with DATABASE_URL=postgres://… for the COPY path): every state of every state machine, the ten districts, most
contracts under the South African agreement, skewed agencies, unique identities, SMS only about workers who exist,
contracts consistent with the rules (a licence, an open agency link, one live contract per worker), and a second run
adds nothing."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django_fsm_log.models import StateLog

from agencies.models import Agency, Licence, LicenceApplication
from contracts.models import LIVE_STATES, Agreement, Contract, DeploymentClearance, JobOrder
from core import bulk
from core.choices import District
from inspections.models import Audit, AuditPlan, Complaint, CorrectiveAction, SanctionRecommendation
from notifications.models import InboundSms, OutboundSms
from predeparture.models import Certificate, Enrolment, Session
from workers.models import AgencyWorker, Worker

pytestmark = pytest.mark.django_db

SCALE = 2
STATE_MACHINES = [Agency, LicenceApplication, Licence, Agreement, JobOrder, Contract, Session, Enrolment, AuditPlan, Audit,
                  CorrectiveAction, SanctionRecommendation, Complaint, OutboundSms]


def _bulk_workers():
    return Worker.objects.filter(passport_number__startswith="RB")


def _bulk_contracts():
    return Contract.objects.filter(worker__in=_bulk_workers())


SCHEMA_BEFORE: set[tuple[str, str]] = set()  # PostgreSQL: the indexes and constraints before the load


def _indexes_and_constraints() -> set[tuple[str, str]]:
    """(table, name) of every index and (table, name and definition) of every constraint (PostgreSQL). An index is known
    by its name: one built again from its definition may read differently (``IN`` comes back as ``= ANY``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = current_schema() UNION ALL "
            "SELECT conrelid::regclass::text, conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE connamespace = current_schema()::regnamespace"
        )
        return set(cursor.fetchall())


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """Loaded once for the module (a few seconds), in a transaction rolled back after its last test."""
    output = io.StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        if connection.vendor == "postgresql":
            SCHEMA_BEFORE.update(_indexes_and_constraints())
        call_command("seed_demo", scale=SCALE, stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


def test_every_state_of_every_state_machine_is_there(loaded):
    for model in STATE_MACHINES:
        field = model._meta.get_field("status")
        present = set(model.objects.values_list("status", flat=True).distinct())
        assert {value for value, _label in field.choices} <= present, model._meta.label


def test_the_sizes_follow_the_scale(loaded):
    assert _bulk_workers().count() >= 0.97 * 1_000 * SCALE  # three in a hundred never recruited hold no passport
    assert Worker.objects.filter(national_id__regex=r"^[0-9]{8}[1-9][0-9]{4}$").count() == 1_000 * SCALE
    assert _bulk_contracts().count() == 2_000 * SCALE
    assert 0.95 * 10_000 * SCALE <= OutboundSms.objects.count() <= 1.05 * 10_000 * SCALE
    assert Agency.objects.filter(registration_number__regex=r"^LS-[0-9]{4}/[0-9]{6}$").count() >= SCALE
    assert "loaded in" in loaded


def test_workers_come_from_all_ten_districts_with_unique_identities(loaded):
    assert set(_bulk_workers().values_list("district", flat=True).distinct()) == set(District.values)
    assert not Worker.objects.values("national_id").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert not Worker.objects.exclude(passport_number="").values("passport_number").annotate(n=Count("pk")).filter(
        n__gt=1).exists()


def test_most_contracts_are_under_the_south_african_agreement_and_agencies_are_skewed(loaded):
    contracts = _bulk_contracts()
    assert contracts.filter(agreement__country_id="ZA").count() > 0.9 * contracts.count()
    sizes = sorted(contracts.values("agency").annotate(n=Count("pk")).values_list("n", flat=True))
    assert sizes[-1] >= 2 * sizes[len(sizes) // 2]  # the biggest recruits several times the middle one


def test_contracts_keep_the_rules(loaded):
    contracts = _bulk_contracts()
    linked = AgencyWorker.objects.filter(worker=OuterRef("worker"), agency=OuterRef("agency"), ended_at__isnull=True,
                                         started_at__lte=OuterRef("created_at"))
    assert not contracts.exclude(Exists(linked)).exists()  # recruited through an open link
    assert not contracts.filter(created_at__lt=F("worker__created_at")).exists()
    licensed = Licence.objects.filter(agency=OuterRef("agency"), valid_from__lte=OuterRef("created_at"))
    assert not contracts.exclude(Exists(licensed)).exists()
    assert not contracts.filter(status__in=LIVE_STATES).values("worker").annotate(n=Count("pk")).filter(n__gt=1).exists()
    cleared = ["cleared", "deployed", "completed", "terminated", "repatriated"]
    assert contracts.filter(status__in=cleared).count() == DeploymentClearance.objects.filter(contract__in=contracts).count()
    assert not contracts.filter(status__in=cleared, cleared_at__isnull=True).exists()
    # Every transition is in the log, and every contract has its "created" history row.
    deployed = contracts.filter(status="deployed").first()
    assert list(StateLog.objects.for_(deployed).values_list("transition", flat=True).order_by("timestamp")) == [
        "submit", "approve", "clear", "depart"]
    assert Contract.history.filter(id__in=contracts.values("pk")).count() == contracts.count()
    # A job order never holds more contracts than it has positions.
    over = JobOrder.objects.annotate(held=Count("contracts", filter=~Q(contracts__status__in=["draft", "submitted",
                                     "returned", "rejected", "cancelled"]))).filter(held__gt=F("positions"))
    assert not over.exists()


def test_sms_are_about_workers_who_exist_and_agreed(loaded):
    workers = Worker.objects.values("pk")
    assert not OutboundSms.objects.exclude(worker_id__isnull=True).exclude(worker_id__in=workers).exists()
    assert not InboundSms.objects.exclude(worker_id__isnull=True).exclude(worker_id__in=workers).exists()
    assert not InboundSms.objects.filter(reply_sms__isnull=True).exists()
    never = _bulk_workers().filter(sms_consent=False, consent_changed_at__isnull=True)
    assert not OutboundSms.objects.filter(worker_id__in=never.values("pk")).exclude(template_key="status.worker").exists()
    # Queued, sending and unconfirmed messages keep their text; old finished ones lost it to the retention job.
    assert not OutboundSms.objects.filter(status__in=["queued", "sending", "unconfirmed"], body="").exists()
    assert OutboundSms.objects.filter(body="").exists()


def test_training_gives_certificates_to_those_who_completed(loaded):
    completed = Enrolment.objects.filter(status="completed", worker__in=_bulk_workers())
    assert completed.exists()
    assert Certificate.objects.filter(enrolment__in=completed).count() == completed.count()
    assert not Enrolment.objects.filter(status="waiting", waiting_position__isnull=True).exists()


@pytest.mark.needs("postgresql")
def test_every_index_and_constraint_set_aside_while_loading_is_back(loaded):
    """PostgreSQL loads the big tables with their indexes and unique constraints set aside, then builds them again."""
    assert len(SCHEMA_BEFORE) > 100
    assert _indexes_and_constraints() == SCHEMA_BEFORE


def test_a_second_run_adds_nothing(loaded):
    counts = {model: model.objects.count() for model in (Worker, Contract, OutboundSms, Audit)}
    output = io.StringIO()
    call_command("seed_demo", scale=SCALE, stdout=output)
    assert "already here" in output.getvalue()
    assert {model: model.objects.count() for model in counts} == counts


def test_sqlite_refuses_a_scale_it_cannot_load_before_loading_anything():
    if connection.vendor != "sqlite":
        pytest.skip("the limit is SQLite's")
    before = Agency.objects.count()
    with pytest.raises(CommandError, match="too large for SQLite"):
        call_command("seed_demo", scale=bulk.SQLITE_MAX_SCALE + 1, stdout=io.StringIO())
    assert Agency.objects.count() == before
