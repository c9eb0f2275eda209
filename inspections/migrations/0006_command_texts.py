"""The answers to COMPLAIN (TLETLEBO) <what happened> by SMS (inspections registers the command)."""

from django.db import migrations

TEMPLATES = [
    (
        "complaint.sms_recorded",
        "The answer to COMPLAIN by SMS once the complaint is recorded.",
        {
            "en": "Ministry of Labour: your complaint about {{ agency }} is recorded, reference {{ reference }}. "
            "An inspector will answer by {{ due_on }}. Keep this reference.",
            "st": "Lekala la Mesebetsi: tletlebo ea hao ka {{ agency }} e ngotsoe, nomoro {{ reference }}. "
            "Mohlahlobi o tla araba pele ho {{ due_on }}. Boloka nomoro ena.",
        },
    ),
    (
        "complaint.sms_usage",
        "The answer to COMPLAIN with nothing after it.",
        {
            "en": "Ministry of Labour: to complain about your agency, send COMPLAIN and what happened, "
            "e.g. COMPLAIN they kept my passport.",
            "st": "Lekala la Mesebetsi: ho tletleba ka mokhatlo oa hao, romela TLETLEBO le se etsahetseng, "
            "mohlala TLETLEBO ba nkile phasepoto ea ka.",
        },
    ),
    (
        "complaint.sms_no_agency",
        "The answer to COMPLAIN when the system cannot tell which agency the complaint is about.",
        {
            "en": "Ministry of Labour: we could not tell which agency this is about. Send COMPLAIN, the agency's "
            "licence number, then what happened, or call {{ helpline }}.",
            "st": "Lekala la Mesebetsi: ha re tsebe hore na ke mokhatlo ofe. Romela TLETLEBO, nomoro ea laesense ea "
            "mokhatlo, ebe se etsahetseng, kapa letsetsa {{ helpline }}.",
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
    dependencies = [("inspections", "0005_seed_public_holidays"), ("notifications", "0002_sms_templates")]
    operations = [migrations.RunPython(seed, unseed)]
