import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from core import services
from core.models import RegulatoryParameter
from core.parameters import DEFINITIONS, MissingParameter, parameter_value

pytestmark = pytest.mark.django_db


def test_every_defined_parameter_is_seeded():
    seeded = set(RegulatoryParameter.objects.values_list("key", flat=True))
    assert seeded == set(DEFINITIONS)


def test_value_in_force_is_the_latest_on_or_before_the_date():
    RegulatoryParameter.objects.create(key="licence.fee", value=Decimal("7500"), effective_from=datetime.date(2026, 7, 1))
    assert parameter_value("licence.fee", datetime.date(2026, 6, 30)) == Decimal("5000.00")
    assert parameter_value("licence.fee", datetime.date(2026, 7, 1)) == Decimal("7500")


def test_no_value_before_the_first_one():
    with pytest.raises(MissingParameter):
        parameter_value("licence.fee", datetime.date(2020, 1, 1))


def test_unknown_parameter_is_refused():
    with pytest.raises(KeyError):
        parameter_value("licence.colour", datetime.date(2026, 1, 1))


def test_administrator_schedules_a_new_value(cast):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    services.schedule_parameter_value(by=cast.administrator, key="licence.fee", value=Decimal("6000"), effective_from=tomorrow)
    assert parameter_value("licence.fee", timezone.localdate()) == Decimal("5000.00")
    assert parameter_value("licence.fee", tomorrow) == Decimal("6000")


def test_a_new_value_cannot_be_backdated(cast):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    with pytest.raises(ValidationError):
        services.schedule_parameter_value(by=cast.administrator, key="licence.fee", value=Decimal("1"), effective_from=yesterday)
    assert not RegulatoryParameter.objects.filter(effective_from=yesterday).exists()


def test_only_the_administrator_changes_parameters(cast):
    with pytest.raises(PermissionDenied):
        services.schedule_parameter_value(
            by=cast.licensing_officer, key="licence.fee", value=Decimal("1"), effective_from=timezone.localdate()
        )


def test_parameter_form_shows_errors_next_to_fields_and_saves_nothing(cast, client):
    client.force_login(cast.administrator)
    before = RegulatoryParameter.objects.count()
    response = client.post(
        reverse("core:parameter_add", args=["licence.validity_months"]),
        {"value": "12.5", "effective_from": "2000-01-01", "note": ""},
    )
    assert response.status_code == 200
    assert "This parameter takes a whole number." in response.content.decode()
    assert "A new value cannot take effect in the past." in response.content.decode()
    assert RegulatoryParameter.objects.count() == before


def test_parameter_form_records_a_value(cast, client):
    client.force_login(cast.administrator)
    today = timezone.localdate()
    response = client.post(
        reverse("core:parameter_add", args=["licence.validity_months"]),
        {"value": "24", "effective_from": today.isoformat(), "note": "Gazette notice 12 of 2026"},
    )
    assert response.status_code == 302
    row = RegulatoryParameter.objects.get(key="licence.validity_months", effective_from=today)
    assert row.value == 24 and row.created_by == cast.administrator


def test_parameter_list_shows_the_value_in_force_in_constant_queries(cast, client, django_assert_max_num_queries):
    client.force_login(cast.analyst)
    for offset in range(1, 6):
        RegulatoryParameter.objects.create(key="licence.fee", value=offset, effective_from=datetime.date(2025, 1, offset))
    with django_assert_max_num_queries(8):
        response = client.get(reverse("core:parameter_list"))
    assert response.status_code == 200
    table = response.context["table"]
    fees = [row.record for row in table.paginated_rows if row.record.key == "licence.fee"]
    assert [fee.value for fee in fees] == [Decimal("5")]
