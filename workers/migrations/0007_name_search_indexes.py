"""Indexes for the worker list and the register search (workers/queries.py).

- The list's order (last name, first name, id): its first page is read from the index.
- PostgreSQL: the pg_trgm extension and GIN trigram indexes on UPPER(last_name) and UPPER(first_name), the
  expressions Django writes for ``icontains`` (UPPER(col::text) LIKE UPPER('%x%')) and the search writes for
  similarity (UPPER(col) % 'X'), so a name found anywhere in a million workers, or a name typed with a mistake,
  is looked up in the index instead of read from every row. SQLite has no operator classes and no pg_trgm: the
  SQL runs only on PostgreSQL, and SQLite's search falls back to names' first letters (workers/queries.py).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

TRIGRAM_INDEXES = {
    "worker_last_name_trgm_idx": "last_name",
    "worker_first_name_trgm_idx": "first_name",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in TRIGRAM_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON workers_worker USING gin (UPPER({column}) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("workers", "0006_worker_record_views"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="worker",
            index=models.Index(fields=["last_name", "first_name", "id"], name="worker_name_order_idx"),
        ),
        # Does nothing on SQLite (Django's CreateExtension checks the database).
        TrigramExtension(),
        migrations.RunPython(create, drop),
    ]
