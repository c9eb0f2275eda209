"""SMS texts of contracts (administrators edit them under SMS texts)."""

from django.db import migrations

TEMPLATES = [
    (
        "contract.approved",
        "Sent to the worker when the ministry approves their contract.",
        {
            "en": "Ministry of Labour: your contract {{ reference }} with {{ employer }} ({{ country }}) is approved. "
            "It runs {{ start }} to {{ end }}.",
            "st": "Lekala la Mesebetsi: konteraka ea hao {{ reference }} le {{ employer }} ({{ country }}) e amohetsoe. "
            "E qala {{ start }} ho fihla {{ end }}.",
        },
    ),
    (
        "contract.returned",
        "Sent to the worker when the ministry returns their contract to the agency for correction.",
        {
            "en": "Ministry of Labour: your contract {{ reference }} was returned to {{ agency }} for correction. "
            "Ask your agency.",
            "st": "Lekala la Mesebetsi: konteraka ea hao {{ reference }} e khutliselitsoe ho {{ agency }} hore e lokisoe. "
            "Botsa mokhatlo oa hao.",
        },
    ),
    (
        "contract.rejected",
        "Sent to the worker when the ministry rejects their contract.",
        {
            "en": "Ministry of Labour: your contract {{ reference }} with {{ employer }} was not approved. Reason: {{ reason }}",
            "st": "Lekala la Mesebetsi: konteraka ea hao {{ reference }} le {{ employer }} ha ea amoheloa. Lebaka: {{ reason }}",
        },
    ),
    (
        "contract.cleared",
        "Sent to the worker when their deployment clearance is issued.",
        {
            "en": "Ministry of Labour: you are cleared to travel to {{ country }} for {{ employer }}. "
            "Clearance {{ number }}. Carry your passport.",
            "st": "Lekala la Mesebetsi: o lumelletsoe ho ea {{ country }} ho {{ employer }}. "
            "Tumello {{ number }}. Tsamaea le phasepoto ea hao.",
        },
    ),
    (
        "contract.ending",
        "Sent to a deployed worker 30 days before the contract ends.",
        {
            "en": "Ministry of Labour: your contract {{ reference }} with {{ employer }} ends on {{ end }}. "
            "Plan your return with {{ agency }}.",
            "st": "Lekala la Mesebetsi: konteraka ea hao {{ reference }} le {{ employer }} e fela ka {{ end }}. "
            "Rera ho khutla ha hao le {{ agency }}.",
        },
    ),
    (
        "contract.agency_suspended",
        "Sent to workers with a pending or active contract when their agency's licence is suspended.",
        {
            "en": "Ministry of Labour: the licence of {{ agency }} is suspended. It may not place you for now; your rights "
            "under your contract stay. Questions: {{ helpline }}.",
            "st": "Lekala la Mesebetsi: laesense ea {{ agency }} e emisitsoe. Ha e khone ho u romela hona joale; litokelo tsa "
            "hao tsa konteraka li ntse li le teng. Lipotso: {{ helpline }}.",
        },
    ),
    (
        "contract.agency_revoked",
        "Sent to workers with a pending or active contract when their agency's licence is revoked.",
        {
            "en": "Ministry of Labour: the licence of {{ agency }} is revoked. Do not pay it any fee. Your contract "
            "rights stay. Call {{ helpline }}.",
            "st": "Lekala la Mesebetsi: laesense ea {{ agency }} e hlakotsoe. Se ke oa e lefa chelete. Litokelo tsa hao tsa "
            "konteraka li ntse li le teng. Letsetsa {{ helpline }}.",
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
    dependencies = [("contracts", "0002_reference_data"), ("notifications", "0002_sms_templates")]
    operations = [migrations.RunPython(seed, unseed)]
