"""The retention periods of sign-in records and of uploaded workers' files (docs/data-protection.md, "How long"):
proposals for the ministry to confirm, in force from the Labour Act 2024's commencement like the other first values;
the administrator changes them on the parameters screen."""

import datetime
from decimal import Decimal

from django.db import migrations

COMMENCEMENT = datetime.date(2024, 4, 1)
PERIODS = {
    "retention.sign_in_failure_days": Decimal("30"),
    "retention.sign_in_log_days": Decimal("365"),
    "retention.worker_import_days": Decimal("365"),
}


def seed(apps, schema_editor):
    RegulatoryParameter = apps.get_model("core", "RegulatoryParameter")
    for key, value in PERIODS.items():
        RegulatoryParameter.objects.get_or_create(
            key=key, effective_from=COMMENCEMENT, defaults={"value": value, "note": "Proposed period (to be confirmed)"}
        )


def unseed(apps, schema_editor):
    apps.get_model("core", "RegulatoryParameter").objects.filter(key__in=PERIODS).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0003_regulatory_parameters")]
    operations = [migrations.RunPython(seed, unseed)]
