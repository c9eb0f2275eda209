"""QuickSelect writes a list filter's drop-down as Django's Select does, only faster (core/lists.py)."""

import pytest
from django import forms
from django.db import connection
from django.test.html import parse_html
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Agency
from core.lists import NamedModelChoiceField, QuickSelect, quick_selects
from tests.factories import AgencyFactory


class Choosing(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), ("submitted", "Submitted"), ("x", "<b>Bold & \"quoted\"</b>"),
                                        ("a&b", "A value to escape")], required=False)
    agency = forms.ModelChoiceField(queryset=Agency.objects.order_by("pk"), required=False, empty_label="All agencies")
    grouped = forms.ChoiceField(choices=[("Lesotho", [("maseru", "Maseru")]), ("other", "Other")], required=False)


def _both(data):
    plain, quick = Choosing(data), Choosing(data)
    quick_selects(quick)
    return plain, quick


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data", [{}, {"status": "submitted"}, {"status": "x", "agency": "1"}, {"status": "nonsense"}, {"status": "a&b"}]
)
def test_quick_select_writes_the_same_markup_as_djangos(data):
    first = AgencyFactory(legal_name="<Lesotho> & Sons")
    AgencyFactory()
    if "agency" in data:
        data = data | {"agency": str(first.pk)}
    plain, quick = _both(data)
    plain.is_valid(), quick.is_valid()
    for name in ("status", "agency", "grouped"):
        assert parse_html(str(quick[name])) == parse_html(str(plain[name])), name
    assert isinstance(quick.fields["status"].widget, QuickSelect)


@pytest.mark.django_db
def test_list_pages_write_their_drop_downs_with_it(cast, client):
    client.force_login(cast.registrar)
    response = client.get(reverse("contracts:contract_list"))
    assert any(isinstance(field.field.widget, QuickSelect) for field in response.context["filter"].form)


class Named(forms.Form):
    agency = NamedModelChoiceField(
        queryset=Agency.objects.order_by("pk"), required=False, empty_label="All agencies", name_fields=Agency.NAME_FIELDS
    )


@pytest.mark.django_db
@pytest.mark.parametrize("chosen", ["", "first", "nonsense"])
def test_named_choices_read_only_the_names_and_write_the_same_markup(chosen):
    """A drop-down of a thousand agencies reads (key, trading name, legal name) rows, not whole agencies, and shows
    what the agency is called (its trading name, else its legal name) exactly as the plain ModelChoiceField does."""
    first = AgencyFactory(legal_name="<Lesotho> & Sons", trading_name="")
    AgencyFactory(legal_name="Legal Name Ltd", trading_name="Maluti Recruiters")
    data = {"agency": {"": "", "first": str(first.pk), "nonsense": "x"}[chosen]}
    plain, named = Choosing(data), Named(data)
    quick_selects(plain), quick_selects(named)
    assert plain.is_valid() is named.is_valid() is (chosen != "nonsense")
    with CaptureQueriesContext(connection) as read:
        markup = str(named["agency"])
    assert parse_html(markup) == parse_html(str(plain["agency"]))
    assert "Maluti Recruiters" in markup and "Legal Name Ltd" not in markup
    assert len(read) == 1 and '"status"' not in read[0]["sql"] and '"registration_number"' not in read[0]["sql"]
    if chosen == "first":
        assert named.cleaned_data["agency"] == first
