"""core.bulk.Table, the writer behind ``seed_demo --scale N``: every kind of value comes back through the ORM as it was
given, on SQLite (batched INSERTs) and on PostgreSQL (COPY, run with DATABASE_URL=postgres://…)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction

from core import bulk
from inspections.models import AuditPlan
from notifications.models import OutboundSms
from tests.factories import AgencyFactory
from workers.models import WorkerImport

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def settle_checks():
    """As ``bulk.load`` does first: the checks of rows the test wrote before run now, and the loaded rows' foreign-key
    triggers are off (PostgreSQL will not alter a table, to set or drop a column default, with checks pending)."""
    bulk.skip_foreign_key_checks()


def test_text_json_times_and_defaults_come_back_as_given():
    agency = AgencyFactory()
    settle_checks()
    uploaded = datetime.datetime(2026, 3, 14, 23, 30, 5, 123456)  # naive UTC, as the loaders keep times
    table = bulk.Table(WorkerImport, ["id", "agency_id", "original_name", "message", "problems", "total_rows",
                                      "created_at", "finished_at", "status"])
    awkward = 'A tab\there, a line\nbreak, a back\\slash, a "quote", \\N and Sesotho: Mohlomphehi ŝ'
    table.add((900_001, agency.pk, "workers.csv", awkward, bulk.json_value([{"row": 7, "message": "ID\tmissing"}]), 12,
               uploaded, None, "failed"))
    table.add((900_002, agency.pk, "more.csv", "", bulk.json_value([]), 0, uploaded, uploaded, "done"))
    table.finish()

    first, second = WorkerImport.objects.filter(pk__gte=900_001).order_by("pk")
    assert first.message == awkward
    assert first.problems == [{"row": 7, "message": "ID\tmissing"}]
    assert first.created_at == uploaded.replace(tzinfo=UTC)  # the same instant: naive values are UTC
    assert first.finished_at is None
    assert (first.total_rows, first.status, second.status) == (12, "failed", "done")
    assert second.finished_at == uploaded.replace(tzinfo=UTC)
    assert second.problems == []
    assert table.count == 2


def test_a_value_every_row_shares_is_the_column_default_while_loading_and_only_then():
    settle_checks()
    plans = bulk.Table(AuditPlan, ["id", "starts_on", "ends_on"], same={"status": "confirmed",
                                                                        "unplaced": bulk.json_value([{"agency": 3}])})
    plans.add((900_001, datetime.date(2026, 1, 1), datetime.date(2026, 3, 31)))
    plans.finish()

    plan = AuditPlan.objects.get(pk=900_001)
    assert (plan.status, plan.unplaced, plan.ends_on) == ("confirmed", [{"agency": 3}], datetime.date(2026, 3, 31))
    later = AuditPlan.objects.create(starts_on=datetime.date(2026, 4, 1), ends_on=datetime.date(2026, 6, 30))
    later.refresh_from_db()
    assert (later.status, later.unplaced) == ("proposed", [])  # the model's own defaults again


def test_a_value_of_the_wrong_kind_fails_the_load_loudly():
    """A value that is not its column's type is refused by the load, never stored as something else: a decimal where a
    date-time belongs cannot be written as one, on either database (SQLite's text, PostgreSQL's binary COPY)."""
    table = bulk.Table(AuditPlan, ["id", "starts_on", "ends_on", "unplaced", "created_at"])
    table.add((900_001, datetime.date(2026, 1, 1), datetime.date(2026, 3, 31), bulk.json_value([]), Decimal("1.5")))
    with pytest.raises((AttributeError, TypeError)), transaction.atomic():  # as the load runs: all or nothing
        table.flush()
    assert not AuditPlan.objects.filter(pk=900_001).exists()


def _outbox_indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [OutboundSms._meta.db_table])
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.needs("postgresql")
def test_only_the_indexes_keep_names_stay_up_while_a_table_loads():
    """The outbox's partial indexes (a few thousand rows of ten million enter them) are kept up while it loads; its other
    indexes are set aside, and all are back afterwards."""
    settle_checks()
    before = _outbox_indexes()
    with transaction.atomic(), bulk.IndexesSetAside([OutboundSms], {OutboundSms._meta.db_table: ("WHERE",)}):
        during = _outbox_indexes()
        assert {"sms_waiting_idx", "sms_resend_of_idx"} <= during  # partial: kept up
        assert "sms_to_idx" not in during and "sms_status_idx" not in during  # set aside
    assert _outbox_indexes() == before
