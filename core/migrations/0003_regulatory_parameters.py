"""Seed each regulatory parameter's first value, in force from the Labour Act 2024's commencement.

The figures are placeholders for the ministry to confirm; the administrator
schedules real values from the parameters screen.
"""

import datetime
from decimal import Decimal

from django.db import migrations

COMMENCEMENT = datetime.date(2024, 4, 1)
INITIAL = {
    "licence.fee": Decimal("5000.00"),
    "licence.renewal_fee": Decimal("3000.00"),
    "licence.bond_amount": Decimal("50000.00"),
    "licence.validity_months": Decimal("12"),
    "licence.reminder_days_first": Decimal("90"),
    "licence.reminder_days_second": Decimal("30"),
    "licence.reminder_days_last": Decimal("7"),
    "corrective_action.reminder_days": Decimal("7"),
    "risk.weight_complaints": Decimal("3"),
    "risk.weight_findings": Decimal("2"),
    "risk.weight_days_since_audit": Decimal("1"),
}


def seed(apps, schema_editor):
    RegulatoryParameter = apps.get_model("core", "RegulatoryParameter")
    for key, value in INITIAL.items():
        RegulatoryParameter.objects.get_or_create(
            key=key,
            effective_from=COMMENCEMENT,
            defaults={"value": value, "note": "Initial value at the Labour Act 2024's commencement (to be confirmed)"},
        )


def unseed(apps, schema_editor):
    apps.get_model("core", "RegulatoryParameter").objects.filter(effective_from=COMMENCEMENT).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_roles")]
    operations = [migrations.RunPython(seed, unseed)]
