"""Reference data of inspections: the audit checklist (fair-recruitment principles: ILO General Principles and
Operational Guidelines for Fair Recruitment, the Employer Pays Principle), the new risk weights and the complaint
deadlines (placeholders for the ministry to confirm, like every seeded parameter), and the complaint SMS texts."""

import datetime
from decimal import Decimal

from django.db import migrations

CHECKLIST = [
    ("FEE-01", "fees", "No recruitment fee or related cost is charged to workers, directly or through deductions."),
    ("FEE-02", "fees", "Receipts show every payment a worker made, and none exceeds what the agreement allows."),
    ("CON-01", "contracts", "Each worker received a written contract in a language they understand before departure."),
    ("CON-02", "contracts", "The contract signed abroad matches the approved contract (no contract substitution)."),
    ("DOC-01", "documents", "The agency holds no worker's passport or identity document."),
    ("ADV-01", "advertising", "Advertisements show the licence number and the true terms of the job."),
    ("REC-01", "records", "A record of every worker recruited is kept and matches the register."),
    ("CMP-01", "complaints", "Workers have a complaints channel and know how to use it."),
    ("INT-01", "interviews", "Workers were interviewed in private about how they were recruited."),
]

COMMENCEMENT = datetime.date(2024, 4, 1)
PARAMETERS = {
    "risk.weight_major_finding": Decimal("5"),
    "risk.weight_critical_finding": Decimal("12"),
    "risk.weight_new_licence": Decimal("8"),
    "risk.weight_deployed_per_100": Decimal("2"),
    "risk.weight_suspensions": Decimal("6"),
    "complaints.deadline_days.fees": Decimal("14"),
    "complaints.deadline_days.substitution": Decimal("14"),
    "complaints.deadline_days.wages": Decimal("10"),
    "complaints.deadline_days.documents": Decimal("5"),
    "complaints.deadline_days.abuse": Decimal("3"),
    "complaints.deadline_days.other": Decimal("21"),
}

SMS = [
    (
        "complaint.received",
        "Sent to a worker when their complaint is recorded.",
        {
            "en": "Ministry of Labour: we received your complaint {{ reference }} about {{ agency }}. "
            "We will answer by {{ due_on }}.",
            "st": "Lekala la Mesebetsi: re amohetse tletlebo ea hao {{ reference }} ka {{ agency }}. "
            "Re tla u araba pele ho {{ due_on }}.",
        },
    ),
    (
        "complaint.resolved",
        "Sent to a worker when their complaint is closed.",
        {
            "en": "Ministry of Labour: your complaint {{ reference }} is closed. {{ outcome }}",
            "st": "Lekala la Mesebetsi: tletlebo ea hao {{ reference }} e koetsoe. {{ outcome }}",
        },
    ),
]


def seed(apps, schema_editor):
    ChecklistItem = apps.get_model("inspections", "ChecklistItem")
    for order, (code, category, text) in enumerate(CHECKLIST, start=1):
        ChecklistItem.objects.get_or_create(code=code, defaults={"category": category, "text": text, "order": order})
    RegulatoryParameter = apps.get_model("core", "RegulatoryParameter")
    for key, value in PARAMETERS.items():
        RegulatoryParameter.objects.get_or_create(
            key=key, effective_from=COMMENCEMENT, defaults={"value": value, "note": "Initial value (to be confirmed)"}
        )
    SmsTemplate = apps.get_model("notifications", "SmsTemplate")
    for key, description, bodies in SMS:
        for language, body in bodies.items():
            SmsTemplate.objects.get_or_create(key=key, language=language, defaults={"body": body, "description": description})


def unseed(apps, schema_editor):
    apps.get_model("inspections", "ChecklistItem").objects.all().delete()
    apps.get_model("core", "RegulatoryParameter").objects.filter(key__in=PARAMETERS).delete()
    apps.get_model("notifications", "SmsTemplate").objects.filter(key__in=[row[0] for row in SMS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0001_initial"),
        ("core", "0003_regulatory_parameters"),
        ("notifications", "0002_sms_templates"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
