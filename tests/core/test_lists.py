"""The list-page pattern: allow-listed CSV export, neutralised formulas, personal columns only for those who may export them."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.lists import neutralise_formula
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def read_csv(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_formula_cells_are_neutralised():
    assert neutralise_formula('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    for dangerous in ("+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise_formula(dangerous).startswith("'")
    assert neutralise_formula("Maseru") == "Maseru"
    assert neutralise_formula(42) == 42


def test_csv_export_neutralises_formulas(cast, client):
    UserFactory(username="zz_evil", first_name="=cmd|' /C calc'!A0", last_name="x")
    client.force_login(cast.administrator)
    rows = read_csv(client.get(reverse("core:user_list"), {"export": "csv", "q": "zz_evil"}))
    assert rows[1][1].startswith("'=")


def test_only_the_offered_export_format_is_answered(cast, client):
    client.force_login(cast.administrator)
    for format_name in ("xlsx", "json", "latex", ""):
        response = client.get(reverse("core:user_list"), {"export": format_name})
        assert response.status_code == 400
        assert "This export format is not offered." in response.content.decode()


def test_personal_columns_are_left_out_for_roles_that_may_not_export_them(cast, client, settings):
    from core import access

    # The users list is the administrator's; give the analyst's rule to the administrator for this test.
    settings_caps = dict(access.CAPABILITIES)
    try:
        access.CAPABILITIES["personal_data.export"] = frozenset()
        client.force_login(cast.administrator)
        header = read_csv(client.get(reverse("core:user_list"), {"export": "csv"}))[0]
        assert "E-mail" not in header and "Name" not in header
        assert "User name" in header
    finally:
        access.CAPABILITIES.clear()
        access.CAPABILITIES.update(settings_caps)
    client.force_login(cast.administrator)
    header = read_csv(client.get(reverse("core:user_list"), {"export": "csv"}))[0]
    assert "E-mail" in header and "Name" in header


def test_export_respects_the_filter(cast, client):
    client.force_login(cast.administrator)
    rows = read_csv(client.get(reverse("core:user_list"), {"export": "csv", "q": "registrar"}))
    assert [row[0] for row in rows[1:]] == ["registrar"]


def test_list_pages_do_not_count_the_whole_table(cast, client):
    for _ in range(60):
        UserFactory()
    client.force_login(cast.administrator)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("core:user_list"))
    assert response.status_code == 200
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert response.context["table"].page.has_next()


def test_list_page_queries_do_not_grow_with_rows(cast, client, django_assert_max_num_queries):
    client.force_login(cast.administrator)
    for _ in range(40):
        UserFactory(roles=["registrar", "analyst"])
    with django_assert_max_num_queries(10):
        assert client.get(reverse("core:user_list")).status_code == 200


def test_a_bad_filter_value_is_a_message_not_a_500(cast, client):
    client.force_login(cast.administrator)
    response = client.get(reverse("core:user_list"), {"role": "emperor", "is_active": "perhaps"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_a_render_method_s_parameters_are_worked_out_once_not_per_cell(db, monkeypatch):
    """django-tables2 asks every cell's render method for its signature; core.lists remembers it per function, so a
    page of many rows asks no more than a page of two (about 20 ms a list page)."""
    import inspect

    from django.test import RequestFactory
    from django_tables2 import utils

    from core import lists
    from core.models import User
    from core.tables import UserTable

    asked = []
    real = inspect.signature

    def counting(fn, *args, **kwargs):
        asked.append(fn)
        return real(fn, *args, **kwargs)

    monkeypatch.setattr(utils.inspect, "signature", counting)
    request = RequestFactory().get("/")

    def asked_for(rows: int) -> int:
        UserFactory.create_batch(rows - User.objects.count())
        lists.RENDER_SIGNATURES.clear()
        asked.clear()
        html = UserTable(User.objects.order_by("pk")[:rows]).as_html(request)
        assert html.count("<tr") == rows + 1
        return len(asked)

    asked_for(2)  # the first page also compiles its templates, which ask for signatures of their own
    few, many = asked_for(2), asked_for(30)
    assert few > 0
    assert many == few
