"""Indexes that nothing reads are left out of the biggest tables: every save would pay for them, and so would the bulk
load of issue 9 (two million contracts, a million workers, eight million transitions)."""

import pytest
from django.db import connection

from contracts.models import Contract
from workers.models import Worker


@pytest.mark.parametrize("model", [Contract, Worker])
def test_a_big_history_indexes_only_what_it_is_read_by(model):
    """Histories are read one record at a time (core.history: by the record's id, newest first), not searched by a copy
    of the record's own indexed columns."""
    history = model.history.model
    indexed = {field.name for field in history._meta.concrete_fields if field.db_index or field.unique}
    assert indexed == {"history_id", "id", "history_date", "history_user"}


@pytest.mark.needs("postgresql")
@pytest.mark.django_db
def test_the_transition_log_keeps_its_state_indexes_without_the_pattern_copies():
    """Nothing searches the transition log by the start of a state (LIKE), so Django's extra pattern indexes are gone."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'django_fsm_log_statelog'")
        definitions = [definition for (definition,) in cursor.fetchall()]
    assert not [definition for definition in definitions if "pattern_ops" in definition]
    assert any(definition.endswith("(state)") for definition in definitions)
    assert any(definition.endswith("(source_state)") for definition in definitions)
