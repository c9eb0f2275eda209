"""The answers to the SMS commands notifications handles itself: HELP (and anything not understood), STOP and START.

Each text says how to answer in a way that works for the number: +27 numbers can reply by SMS, +266 numbers
cannot (the provider passes no replies from Lesotho), so they are told to call the helpline instead.
"""

from django.db import migrations

TEMPLATES = [
    (
        "sms.help",
        "The answer to HELP and to any SMS the system does not understand (both languages to an unknown number).",
        {
            "en": "Ministry of Labour: {% if can_reply %}send STATUS, VERIFY <licence no.>, COMPLAIN <what happened> "
            "or STOP. Help:{% else %}for your status, a licence check, a complaint or to stop SMS, call{% endif %} "
            "{{ helpline }}",
            "st": "Lekala la Mesebetsi: {% if can_reply %}romela BOEMO, NETEFATSA <nomoro ea laesense>, "
            "TLETLEBO <se etsahetseng> kapa EMA. Thuso:{% else %}bakeng sa boemo, laesense, tletlebo kapa ho emisa SMS, "
            "letsetsa{% endif %} {{ helpline }}",
        },
    ),
    (
        "sms.stopped",
        "Confirms an opt-out (STOP by SMS, or recorded by staff): the one SMS a number that opted out still gets.",
        {
            "en": "Ministry of Labour: you will get no more SMS from us. To start again, "
            "{% if can_reply %}reply START.{% else %}call {{ helpline }}.{% endif %}",
            "st": "Lekala la Mesebetsi: u ke ke ua hlola u fumana SMS ho rona. Ho qala hape, "
            "{% if can_reply %}araba QALA.{% else %}letsetsa {{ helpline }}.{% endif %}",
        },
    ),
    (
        "sms.started",
        "Confirms an opt-in (START by SMS, or recorded by staff).",
        {
            "en": "Ministry of Labour: you will get SMS from us again. "
            "{% if can_reply %}Send HELP for the list of words, STOP to end.{% else %}To stop them, call {{ helpline }}.{% endif %}",
            "st": "Lekala la Mesebetsi: u tla boela u fumana SMS ho rona. "
            "{% if can_reply %}Romela THUSO bakeng sa mantsoe, EMA ho emisa.{% else %}Ho li emisa, letsetsa {{ helpline }}.{% endif %}",
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
    dependencies = [("notifications", "0003_outbox_receipts_suppression_inbound")]
    operations = [migrations.RunPython(seed, unseed)]
