"""Seed the SMS texts of the foundation; later issues add their events the same way."""

from django.db import migrations

TEMPLATES = [
    (
        "system.test",
        "A test message an administrator sends to check that SMS reach phones.",
        {
            "en": "Ministry of Labour and Employment: this is a test message. No reply is needed.",
            "st": "Lekala la Mesebetsi le Khiro: ona ke molaetsa oa teko. Ha ho hlokahale ho araba.",
        },
    ),
]


def seed(apps, schema_editor):
    SmsTemplate = apps.get_model("notifications", "SmsTemplate")
    for key, description, bodies in TEMPLATES:
        for language, body in bodies.items():
            SmsTemplate.objects.get_or_create(
                key=key, language=language, defaults={"body": body, "description": description}
            )


def unseed(apps, schema_editor):
    apps.get_model("notifications", "SmsTemplate").objects.filter(key__in=[t[0] for t in TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
