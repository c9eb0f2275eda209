"""SMS texts of pre-departure training."""

from django.db import migrations

TEMPLATES = [
    (
        "training.enrolled",
        "Sent to a worker enrolled in a training session (or moved up from the waiting list).",
        {
            "en": "Ministry of Labour: you are enrolled in {{ course }} at {{ venue }}, {{ district }}, "
            "starting {{ starts_at }}. Bring your ID.",
            "st": "Lekala la Mesebetsi: o ngolisitsoe thupelong ea {{ course }} {{ venue }}, {{ district }}, "
            "e qala {{ starts_at }}. Tla le ID ea hao.",
        },
    ),
    (
        "training.waiting",
        "Sent to a worker placed on a full session's waiting list.",
        {
            "en": "Ministry of Labour: {{ course }} on {{ starts_at }} is full. You are number {{ position }} "
            "on the waiting list.",
            "st": "Lekala la Mesebetsi: thupelo ea {{ course }} ka {{ starts_at }} e tletse. O nomoro ea {{ position }} "
            "lethathamong la ba emetseng.",
        },
    ),
    (
        "training.reminder",
        "Sent the day before a training session starts.",
        {
            "en": "Reminder: your training {{ course }} starts tomorrow {{ starts_at }} at {{ venue }}, {{ district }}.",
            "st": "Khopotso: thupelo ea hao ea {{ course }} e qala hosane {{ starts_at }} {{ venue }}, {{ district }}.",
        },
    ),
    (
        "training.completed",
        "Sent when a worker passes a training session.",
        {
            "en": "Ministry of Labour: you completed {{ course }}. Certificate {{ number }}, valid until {{ expires_on }}.",
            "st": "Lekala la Mesebetsi: o phethile thupelo ea {{ course }}. Setifikeiti {{ number }}, "
            "se sebetsa ho fihlela {{ expires_on }}.",
        },
    ),
    (
        "training.cancelled",
        "Sent to enrolled and waiting workers when a session is cancelled.",
        {
            "en": "Ministry of Labour: training {{ course }} on {{ starts_at }} is cancelled. Your agency will tell you "
            "the new date.",
            "st": "Lekala la Mesebetsi: thupelo ea {{ course }} ka {{ starts_at }} e hlakotsoe. Mokhatlo oa hao o tla "
            "u bolella letsatsi le lecha.",
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
    dependencies = [("predeparture", "0001_initial"), ("notifications", "0002_sms_templates")]
    operations = [migrations.RunPython(seed, unseed)]
