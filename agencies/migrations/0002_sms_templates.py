"""SMS texts of the licensing capability."""

from django.db import migrations

TEMPLATES = [
    (
        "licence.expiry_reminder",
        "Sent to the agency's mobile 90, 30 and 7 days before its licence expires.",
        {
            "en": "Ministry of Labour: licence {{ licence }} expires on {{ expires_on }}. Apply for renewal before then.",
            "st": "Lekala la Mesebetsi: laesense {{ licence }} e fela ka {{ expires_on }}. Kopa nchafatso pele ho moo.",
        },
    ),
]


def seed(apps, schema_editor):
    SmsTemplate = apps.get_model("notifications", "SmsTemplate")
    for key, description, bodies in TEMPLATES:
        for language, body in bodies.items():
            SmsTemplate.objects.get_or_create(key=key, language=language, defaults={"body": body, "description": description})


def unseed(apps, schema_editor):
    apps.get_model("notifications", "SmsTemplate").objects.filter(key__in=[t[0] for t in TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("agencies", "0001_initial"), ("notifications", "0002_sms_templates")]
    operations = [migrations.RunPython(seed, unseed)]
