"""QuickSelect writes a list filter's drop-down as Django's Select does, only faster (core/lists.py)."""

import pytest
from django import forms
from django.test.html import parse_html
from django.urls import reverse

from agencies.models import Agency
from core.lists import QuickSelect, quick_selects
from tests.factories import AgencyFactory


class Choosing(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), ("submitted", "Submitted"), ("x", "<b>Bold & \"quoted\"</b>")],
                               required=False)
    agency = forms.ModelChoiceField(queryset=Agency.objects.order_by("pk"), required=False, empty_label="All agencies")
    grouped = forms.ChoiceField(choices=[("Lesotho", [("maseru", "Maseru")]), ("other", "Other")], required=False)


def _both(data):
    plain, quick = Choosing(data), Choosing(data)
    quick_selects(quick)
    return plain, quick


@pytest.mark.django_db
@pytest.mark.parametrize("data", [{}, {"status": "submitted"}, {"status": "x", "agency": "1"}, {"status": "nonsense"}])
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
