"""Lesotho's public holidays from 2024 to 2035, so the planner never books an audit on one. The chief inspector
keeps the list (a holiday declared for a year is added on the holidays screen)."""

import datetime

from django.db import migrations

FIXED = [
    (1, 1, "New Year's Day"),
    (3, 11, "Moshoeshoe's Day"),
    (4, 4, "Heroes' Day"),
    (5, 1, "Workers' Day"),
    (5, 25, "Africa Day"),
    (7, 17, "King Letsie III's Birthday"),
    (10, 4, "Independence Day"),
    (12, 25, "Christmas Day"),
    (12, 26, "Boxing Day"),
]
MOVEABLE = [(-2, "Good Friday"), (1, "Easter Monday"), (39, "Ascension Day")]


def easter(year: int) -> datetime.date:
    """Easter Sunday (the Gregorian computus of Meeus, Jones and Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return datetime.date(year, month, day + 1)


def seed(apps, schema_editor):
    PublicHoliday = apps.get_model("inspections", "PublicHoliday")
    for year in range(2024, 2036):
        days = [(datetime.date(year, month, day), name) for month, day, name in FIXED]
        days += [(easter(year) + datetime.timedelta(days=offset), name) for offset, name in MOVEABLE]
        for day, name in days:
            PublicHoliday.objects.get_or_create(day=day, defaults={"name": name})


def unseed(apps, schema_editor):
    apps.get_model("inspections", "PublicHoliday").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("inspections", "0004_public_holidays")]
    operations = [migrations.RunPython(seed, unseed)]
