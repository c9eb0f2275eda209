"""The answer to STATUS says when the worker's training certificate has expired, instead of "training done".

Only a text still as 0006_command_texts seeded it is replaced: an administrator's own wording is kept (the STATUS
handler no longer calls an expired certificate done either way, it just is not named in an edited text).
"""

from django.db import migrations

KEY = "status.worker"

TRAINING_WAS = {
    "en": "{% if certificate %}Training done ({{ certificate }}).{% elif session %}Training on {{ session }}.",
    "st": "{% if certificate %}Koetliso e phethiloe ({{ certificate }}).{% elif session %}Koetliso ka {{ session }}.",
}
TRAINING_NOW = {
    "en": "{% if certificate %}Training done ({{ certificate }})."
    "{% elif certificate_expired %}Training expired on {{ certificate_expired_on }} ({{ certificate_expired }})."
    "{% elif session %}Training on {{ session }}.",
    "st": "{% if certificate %}Koetliso e phethiloe ({{ certificate }})."
    "{% elif certificate_expired %}Koetliso e felletsoe ke nako ka {{ certificate_expired_on }} ({{ certificate_expired }})."
    "{% elif session %}Koetliso ka {{ session }}.",
}

# The texts as 0006_command_texts seeded them.
SEEDED = {
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
}
UPDATED = {language: SEEDED[language].replace(TRAINING_WAS[language], TRAINING_NOW[language]) for language in SEEDED}
DESCRIPTION = (
    "The answer to STATUS from a registered worker's number: current contract, training (done, expired or booked) "
    "and clearance."
)


def _replace(apps, old: dict, new: dict, description: str | None = None) -> None:
    SmsTemplate = apps.get_model("notifications", "SmsTemplate")
    for language, body in new.items():
        values = {"body": body} | ({"description": description} if description else {})
        SmsTemplate.objects.filter(key=KEY, language=language, body=old[language]).update(**values)


def forwards(apps, schema_editor):
    _replace(apps, SEEDED, UPDATED, DESCRIPTION)


def backwards(apps, schema_editor):
    _replace(apps, UPDATED, SEEDED)


class Migration(migrations.Migration):
    dependencies = [("contracts", "0007_milestone_indexes"), ("notifications", "0002_sms_templates")]
    operations = [migrations.RunPython(forwards, backwards)]
