"""Reports read from a PostgreSQL read replica when DATABASE_REPLICA_URL is set.

Compliance figures are long read-only aggregates over millions of rows: on a
replica they take no capacity from the officers' pages and never wait for a
lock. Only reads made inside ``replica_reads()`` go there; everything else,
and every write, goes to "default". The report's own record (its status and
file) stays on "default" on purpose: a replica is a little behind, and a page
that has just created a report must find it.
"""

from __future__ import annotations

from contextlib import ContextDecorator
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
_reading_for_reports: ContextVar[bool] = ContextVar("reading_for_reports", default=False)


class replica_reads(ContextDecorator):  # noqa: N801 - used like a function: `with replica_reads():`
    """Inside this block (or decorated function), reads go to the replica when there is one."""

    def __enter__(self):
        self._token = _reading_for_reports.set(True)
        return self

    def __exit__(self, *exc):
        _reading_for_reports.reset(self._token)
        return False


class ReportsReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reading_for_reports.get() and REPLICA in settings.DATABASES:
            return REPLICA
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, first, second, **hints):
        # The replica holds the same rows as "default": a record read from either may point at the other's.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica follows "default" by streaming replication; nothing is ever migrated on it directly.
        return db == "default"
