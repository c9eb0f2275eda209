"""The register search (workers/queries.py): numbers compared whole, names by prefix or anywhere in them, the close
names when a name matches nobody (pg_trgm on PostgreSQL, the same first letters elsewhere), newest first."""

import pytest
from django.db import connection
from django.urls import reverse

from tests.factories import WorkerFactory
from workers.models import Worker
from workers.queries import close_names_condition, name_condition, phone_forms, search_workers

pytestmark = pytest.mark.django_db


def found(text):
    return list(search_workers(Worker.objects.all(), text))


@pytest.fixture
def people():
    return {
        "thabo": WorkerFactory(first_name="Thabo", last_name="Mokoena", national_id="0302199300021",
                               passport_number="RA1234567", mobile="+26658123456"),
        "lineo": WorkerFactory(first_name="Lineo", last_name="Ramokoena", mobile="+27821234567"),
        "mpho": WorkerFactory(first_name="Mpho", last_name="Letsie"),
        "palesa": WorkerFactory(first_name="Palesa", last_name="Mofokeng"),
    }


def test_a_short_name_matches_the_beginning_of_first_or_last_names(people):
    assert set(found("mo")) == {people["thabo"], people["palesa"]}
    assert found("li") == [people["lineo"]]


def test_a_name_of_three_letters_or_more_matches_anywhere_in_first_or_last_names(people):
    assert set(found("koena")) == {people["thabo"], people["lineo"]}
    assert found("etsi") == [people["mpho"]]


def test_two_words_are_a_first_and_a_last_name_either_way_round(people):
    assert found("Thabo Mokoena") == [people["thabo"]]
    assert found("mokoena thabo") == [people["thabo"]]
    assert found("  Lineo   Ramokoena ") == [people["lineo"]]


def test_workers_found_by_name_come_newest_registered_first(people):
    assert found("koena") == [people["lineo"], people["thabo"]]


def test_numbers_are_compared_whole_whatever_their_spacing_and_case(people):
    thabo = people["thabo"]
    assert found("0302 1993 00021") == [thabo]
    assert found("ra 123 4567") == [thabo]
    assert found("030219930002") == []  # part of an identity number finds nobody


def test_a_phone_number_is_found_whichever_way_it_was_typed(people):
    for typed in ("5812 3456", "+266 5812 3456", "26658123456", "(+266) 58-123-456"):
        assert found(typed) == [people["thabo"]], typed
    for typed in ("082 123 4567", "+27 82 123 4567", "0027821234567"):
        assert found(typed) == [people["lineo"]], typed
    assert found("123 456") == []


def test_phone_forms_are_only_valid_numbers():
    assert phone_forms("5812 3456") == ["+26658123456"]
    assert "+27821234567" in phone_forms("082 123 4567")
    assert phone_forms("1234") == []


def test_a_name_typed_with_a_mistake_finds_the_worker(people):
    # On PostgreSQL by trigram similarity; elsewhere by the first three letters, which this mistake keeps.
    assert people["thabo"] in found("Mokeona")
    assert people["palesa"] in found("Palesa Mofkoeng")


def test_close_names_are_looked_for_only_when_the_name_matches_nobody(people):
    WorkerFactory(first_name="Neo", last_name="Mokoane")
    assert "Mokoane" not in [worker.last_name for worker in found("Mokoena")]
    assert "Mokoane" in [worker.last_name for worker in found("Mokaone")]


@pytest.mark.needs("postgresql")
def test_on_postgresql_a_mistake_anywhere_in_the_name_is_tolerated(people):
    # The first three letters are wrong: SQLite's stand-in would not find this one, pg_trgm does.
    assert people["thabo"] in found("Mkoena")
    assert people["thabo"] in found("Thabo Mkoena")
    assert people["mpho"] not in found("Mkoena")


@pytest.mark.needs("postgresql")
def test_on_postgresql_name_searches_are_answered_by_the_trigram_indexes(people):
    """The migration's indexes are on the very expressions the search writes (else a million rows are read)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    for condition in (name_condition("koena", ["koena"]), close_names_condition(["Mkoena"])):
        plan = Worker.objects.filter(condition).order_by().explain()
        assert "worker_last_name_trgm_idx" in plan and "worker_first_name_trgm_idx" in plan, plan


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite's stand-in: PostgreSQL uses pg_trgm instead")
def test_elsewhere_a_name_that_matches_nobody_finds_the_names_with_its_first_three_letters(people):
    assert set(found("Mokxyz")) == {people["thabo"]}
    assert found("Mkoena") == []


def test_the_register_page_searches_with_it(cast, client, people):
    client.force_login(cast.registrar)
    page = client.get(reverse("workers:worker_list"), {"q": "Mokeona"})
    assert people["thabo"] in [row.record for row in page.context["table"].page.object_list]


def test_agency_staff_find_by_name_only_their_agencys_workers_each_once(cast, client):
    from workers.models import AgencyWorker

    ours = WorkerFactory(first_name="Thabo", last_name="Sekoati", agency=cast.agency_a)
    AgencyWorker.objects.create(agency=cast.agency_b, worker=ours)  # also recruited by agency B
    WorkerFactory(first_name="Lineo", last_name="Sekoati", agency=cast.agency_b)
    ended = WorkerFactory(first_name="Mpho", last_name="Sekoati", agency=cast.agency_a)
    AgencyWorker.objects.filter(worker=ended).update(ended_at="2026-01-01T00:00:00Z")
    client.force_login(cast.agency_staff)
    for text in ("seko", "Sekaoti", "Thabo Sekoati"):
        rows = client.get(reverse("workers:worker_list"), {"q": text}).context["table"].page.object_list
        assert [row.record for row in rows] == [ours], text
