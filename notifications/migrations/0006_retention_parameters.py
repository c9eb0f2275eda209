"""The retention periods of SMS records (docs/data-protection.md, "How long"): proposals for the ministry to confirm,
in force from the Labour Act 2024's commencement like the other first values; the administrator changes them on the
parameters screen."""

import datetime
from decimal import Decimal

from django.db import migrations

COMMENCEMENT = datetime.date(2024, 4, 1)
PERIODS = {
    "retention.sms_text_days": Decimal("365"),
    "retention.sms_number_days": Decimal("730"),
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
    dependencies = [("notifications", "0005_command_texts"), ("core", "0003_regulatory_parameters")]
    operations = [migrations.RunPython(seed, unseed)]
