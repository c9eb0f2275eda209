"""An index for name-prefix searches (last_name__istartswith, i.e. UPPER(last_name) LIKE 'X%') on PostgreSQL.

text_pattern_ops lets LIKE use the index whatever the database's collation. SQLite has no operator classes and
needs nothing here, so the SQL runs only on PostgreSQL.
"""

from django.db import migrations

CREATE = 'CREATE INDEX IF NOT EXISTS worker_last_name_upper_idx ON workers_worker (UPPER(last_name) text_pattern_ops)'
DROP = "DROP INDEX IF EXISTS worker_last_name_upper_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("workers", "0004_import_problem_report")]
    operations = [migrations.RunPython(create, drop)]
