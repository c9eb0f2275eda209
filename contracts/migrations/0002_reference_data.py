"""Reference data: ISCO-08 occupations (all four levels, from contracts/data/isco08.csv), sectors and countries.

Registrars add countries and sectors as agreements need them; ISCO-08 is the ILO's list and is not edited.
"""

import csv
from pathlib import Path

from django.db import migrations

ISCO_FILE = Path(__file__).resolve().parent.parent / "data" / "isco08.csv"

SECTORS = [
    ("agriculture", "Agriculture"),
    ("construction", "Construction"),
    ("domestic_work", "Domestic work"),
    ("health_care", "Health and care work"),
    ("hospitality", "Hospitality and tourism"),
    ("manufacturing", "Manufacturing"),
    ("mining", "Mining"),
    ("security", "Security services"),
    ("transport", "Transport"),
]

# Southern African neighbours and the usual destinations of Basotho workers.
COUNTRIES = [
    ("BW", "Botswana"),
    ("CA", "Canada"),
    ("GB", "United Kingdom"),
    ("MU", "Mauritius"),
    ("MZ", "Mozambique"),
    ("NA", "Namibia"),
    ("QA", "Qatar"),
    ("SA", "Saudi Arabia"),
    ("SZ", "Eswatini"),
    ("AE", "United Arab Emirates"),
    ("ZA", "South Africa"),
    ("ZM", "Zambia"),
    ("ZW", "Zimbabwe"),
]


def load(apps, schema_editor):
    Occupation = apps.get_model("contracts", "Occupation")
    with ISCO_FILE.open(encoding="utf-8", newline="") as handle:
        rows = [Occupation(code=row["code"], level=int(row["level"]), title=row["title"]) for row in csv.DictReader(handle)]
    Occupation.objects.bulk_create(rows, ignore_conflicts=True)
    Sector = apps.get_model("contracts", "Sector")
    for code, name in SECTORS:
        Sector.objects.get_or_create(code=code, defaults={"name": name})
    Country = apps.get_model("contracts", "Country")
    for code, name in COUNTRIES:
        Country.objects.get_or_create(code=code, defaults={"name": name})


def unload(apps, schema_editor):
    apps.get_model("contracts", "Occupation").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("contracts", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
