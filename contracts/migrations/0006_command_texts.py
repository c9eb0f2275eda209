"""The answer to STATUS by SMS (contracts registers the command): the sender's contract, training and clearance."""

from django.db import migrations

TEMPLATES = [
    (
        "status.worker",
        "The answer to STATUS from a registered worker's number: current contract, training and clearance.",
        {
            "en": "Ministry of Labour, {{ reference }}: "
            "{% if contract %}contract {{ contract }} {{ contract_status }}, ends {{ contract_end }}.{% else %}no contract.{% endif %} "
            "{% if certificate %}Training done ({{ certificate }}).{% elif session %}Training on {{ session }}."
            "{% else %}No training yet.{% endif %} "
            "{% if clearance %}Cleared to travel ({{ clearance }}).{% else %}Not cleared to travel.{% endif %}"
            "{% if not can_reply %} Questions: {{ helpline }}{% endif %}",
            "st": "Lekala la Mesebetsi, {{ reference }}: "
            "{% if contract %}konteraka {{ contract }} {{ contract_status }}, e fela {{ contract_end }}."
            "{% else %}ha ho konteraka.{% endif %} "
            "{% if certificate %}Koetliso e phethiloe ({{ certificate }}).{% elif session %}Koetliso ka {{ session }}."
            "{% else %}Ha ho koetliso.{% endif %} "
            "{% if clearance %}U lumelletsoe ho tsamaea ({{ clearance }}).{% else %}Ha u e-s'o lumelloe ho tsamaea.{% endif %}"
            "{% if not can_reply %} Lipotso: {{ helpline }}{% endif %}",
        },
    ),
    (
        "status.unknown",
        "The answer to STATUS from a number that is not one registered worker's: nothing personal.",
        {
            "en": "Ministry of Labour: this number is not registered to a worker, so we cannot give a status. "
            "Ask your agency or call {{ helpline }}.",
            "st": "Lekala la Mesebetsi: nomoro ena ha e ngolisoe ho mosebetsi, ha re khone ho fana ka boemo. "
            "Botsa mokhatlo oa hao kapa letsetsa {{ helpline }}.",
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
    dependencies = [("contracts", "0005_list_indexes"), ("notifications", "0002_sms_templates")]
    operations = [migrations.RunPython(seed, unseed)]
