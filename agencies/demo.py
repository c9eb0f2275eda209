"""Agencies' part of the demo: two agencies with a manager each, and bulk agencies at scale."""

from agencies.models import Agency, AgencyMembership
from agencies.services import add_agency_staff
from core.choices import District
from core.demo import demo_user

DEMO_AGENCIES = [
    # legal name, trading name, registration number, district, phone, manager (username, first, last, language)
    (
        "Maluti Labour Brokers (Pty) Ltd",
        "Maluti Recruitment",
        "LS-2015/00412",
        District.MASERU,
        "+26622312345",
        ("maluti", "Khotso", "Mahase", "st"),
    ),
    (
        "Senqu Employment Services (Pty) Ltd",
        "Senqu Employment",
        "LS-2019/01877",
        District.MOHALES_HOEK,
        "+26622785412",
        ("senqu", "Masechaba", "Tau", "en"),
    ),
]
SCALE_AGENCIES = 20  # extra agencies per unit of --scale beyond 1
DISTRICTS = list(District)


def seed_agencies(scale: int) -> list[tuple[str, str]]:
    logins = []
    for legal, trading, number, district, phone, (username, first, last, language) in DEMO_AGENCIES:
        agency, _ = Agency.objects.get_or_create(
            registration_number=number,
            defaults={
                "legal_name": legal,
                "trading_name": trading,
                "district": district,
                "phone": phone,
                "email": f"info@{username}.demo.co.ls",
            },
        )
        user = demo_user(username, first, last, language)
        if not AgencyMembership.objects.filter(user=user).exists():
            add_agency_staff(agency=agency, user=user, is_manager=True)
        logins.append((f"Agency staff ({trading})", username))
    if scale > 1:
        # Bulk rows for benchmarks: inserted in one statement, skipped when already there.
        Agency.objects.bulk_create(
            [
                Agency(
                    legal_name=f"Demo Agency {i:05d} (Pty) Ltd",
                    registration_number=f"LS-DEMO/{i:05d}",
                    district=DISTRICTS[i % len(DISTRICTS)],
                )
                for i in range(SCALE_AGENCIES * (scale - 1))
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
    return logins
