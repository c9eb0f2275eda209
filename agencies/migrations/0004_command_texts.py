"""The answers to VERIFY <licence number> by SMS (agencies registers the command)."""

from django.db import migrations

TEMPLATES = [
    (
        "verify.usage",
        "The answer to VERIFY without a licence number.",
        {
            "en": "Ministry of Labour: to check an agency, send VERIFY and its licence number, e.g. VERIFY PEA-2026-0042.",
            "st": "Lekala la Mesebetsi: ho hlahloba mokhatlo, romela NETEFATSA le nomoro ea laesense ea oona, "
            "mohlala NETEFATSA PEA-2026-0042.",
        },
    ),
    (
        "verify.active",
        "The answer to VERIFY when the licence is in force.",
        {
            "en": "Ministry of Labour: licence {{ number }} of {{ agency }} is ACTIVE until {{ until }}. It may recruit.",
            "st": "Lekala la Mesebetsi: laesense {{ number }} ea {{ agency }} e SEBETSA ho fihlela {{ until }}. "
            "Mokhatlo o ka hira basebetsi.",
        },
    ),
    (
        "verify.not_recruiting",
        "The answer to VERIFY when the licence is active but the agency may not recruit now (stopped, or not yet valid).",
        {
            "en": "Ministry of Labour: {{ agency }} (licence {{ number }}) may NOT recruit at present. Do not pay this agency.",
            "st": "Lekala la Mesebetsi: {{ agency }} (laesense {{ number }}) HA E a lumelloa ho hira hona joale. "
            "U se ke ua lefa mokhatlo ona.",
        },
    ),
    (
        "verify.suspended",
        "The answer to VERIFY when the licence is suspended.",
        {
            "en": "Ministry of Labour: licence {{ number }} of {{ agency }} is SUSPENDED. It may not recruit. "
            "Do not pay this agency.",
            "st": "Lekala la Mesebetsi: laesense {{ number }} ea {{ agency }} e EMISITSOE. Mokhatlo ha o a lumelloa ho hira. "
            "U se ke ua o lefa.",
        },
    ),
    (
        "verify.revoked",
        "The answer to VERIFY when the licence is revoked.",
        {
            "en": "Ministry of Labour: licence {{ number }} of {{ agency }} is REVOKED. It may not recruit. "
            "Do not pay this agency.",
            "st": "Lekala la Mesebetsi: laesense {{ number }} ea {{ agency }} e HULETSOE. Mokhatlo ha o a lumelloa ho hira. "
            "U se ke ua o lefa.",
        },
    ),
    (
        "verify.expired",
        "The answer to VERIFY when the licence has expired.",
        {
            "en": "Ministry of Labour: licence {{ number }} of {{ agency }} EXPIRED on {{ until }}. It may not recruit.",
            "st": "Lekala la Mesebetsi: laesense {{ number }} ea {{ agency }} e FELILE ka {{ until }}. "
            "Mokhatlo ha o a lumelloa ho hira.",
        },
    ),
    (
        "verify.unknown",
        "The answer to VERIFY when no licence has that number.",
        {
            "en": "Ministry of Labour: no licence {{ number }} is in the register. Do not pay an unlicensed recruiter. "
            "Call {{ helpline }}.",
            "st": "Lekala la Mesebetsi: ha ho laesense {{ number }} ngolisong. U se ke ua lefa mohiri ea se nang laesense. "
            "Letsetsa {{ helpline }}.",
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
    dependencies = [("agencies", "0003_alter_agencynotice_kind"), ("notifications", "0002_sms_templates")]
    operations = [migrations.RunPython(seed, unseed)]
