"""django-fsm-log indexes its ``state`` and ``source_state`` columns, and on PostgreSQL Django adds a second index to
each for LIKE (``varchar_pattern_ops``). Nothing searches the transition log by the start of a state, so those two only
cost every transition a write and the million-contract load (issue 9) some 16 seconds: they go. The plain indexes stay.
"""

from django.db import migrations

COLUMNS = ("state", "source_state")
TABLE = "django_fsm_log_statelog"


def _like_index_names(schema_editor) -> list[tuple[str, str]]:
    return [(column, schema_editor._create_index_name(TABLE, [column], suffix="_like")) for column in COLUMNS]


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _column, name in _like_index_names(schema_editor):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def restore(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column, name in _like_index_names(schema_editor):
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(name)} ON {TABLE} "
                              f"({schema_editor.quote_name(column)} varchar_pattern_ops)")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_retention_parameters"),
        ("django_fsm_log", "0005_description_null"),
    ]

    operations = [migrations.RunPython(drop, restore)]
