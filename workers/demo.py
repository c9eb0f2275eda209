"""Workers' part of the demo: about thirty workers from all ten districts, linked to the demo agencies.

Safe to run again: workers are found by national ID, links only opened when
none is open. ``--scale N`` adds bulk workers through workers/bulk.py, not here.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from agencies.models import Agency
from core.choices import District
from core.models import User
from workers.models import AgencyWorker, ConsentMethod, Worker

MALUTI, SENQU, LERIBE, THABA_BOSIU, KHUBELU = "LS-2015/00412", "LS-2019/01877", "LS-2021/02210", "LS-2012/00077", "LS-2018/01402"

# first, last, sex, date of birth, district, village, mobile, language, agencies (registration numbers)
DEMO_WORKERS = [
    ("Thabo", "Mokhele", "male", "1988-03-14", District.MASERU, "Ha Thetsane", "+26658123401", "st", [MALUTI]),
    ("Lineo", "Ramokoena", "female", "1992-07-02", District.MASERU, "Ha Abia", "+26662123402", "st", [MALUTI]),
    ("Tšepo", "Letsie", "male", "1985-11-21", District.BEREA, "Teyateyaneng", "+26658123403", "st", [MALUTI]),
    ("Mpho", "Sekoati", "male", "1990-01-30", District.BEREA, "Ha Mokhathi", "+27821234504", "en", [MALUTI, KHUBELU]),
    ("Palesa", "Mofokeng", "female", "1995-05-17", District.LERIBE, "Hlotse", "+26659123405", "st", [LERIBE]),
    ("Teboho", "Nkuebe", "male", "1983-09-08", District.LERIBE, "Maputsoe", "+26658123406", "st", [MALUTI]),
    ("'Maseabata", "Mohapi", "female", "1987-12-25", District.BUTHA_BUTHE, "Ha Sechele", "+26662123407", "st", [SENQU]),
    ("Lerato", "Moloi", "female", "1998-04-09", District.BUTHA_BUTHE, "Likileng", "+26658123408", "en", [SENQU]),
    ("Bokang", "Ntho", "male", "1991-06-12", District.MAFETENG, "Ha Ramohapi", "+27721234509", "st", [MALUTI]),
    ("Nthabiseng", "Lebona", "female", "1993-10-03", District.MAFETENG, "Matelile", "+26659123410", "st", [KHUBELU]),
    ("Motlatsi", "Tau", "male", "1980-02-19", District.MOHALES_HOEK, "Mekaling", "+26658123411", "st", [SENQU]),
    ("Rethabile", "Makara", "female", "1996-08-27", District.MOHALES_HOEK, "Ha Pshatla", "+26662123412", "st", [SENQU]),
    ("Kabelo", "Mothibeli", "male", "1989-03-05", District.QUTHING, "Mount Moorosi", "+26658123413", "st", [THABA_BOSIU]),
    ("'Mamello", "Selebalo", "female", "1994-12-11", District.QUTHING, "Ha Makhalanyane", "+26659123414", "st", [KHUBELU]),
    ("Tumelo", "Phakoe", "male", "1986-07-22", District.QACHAS_NEK, "Sehlabathebe", "+26658123415", "st", [MALUTI]),
    ("Puleng", "Matsoso", "female", "1997-01-14", District.QACHAS_NEK, "Ha Nkau", "+26662123416", "en", [MALUTI]),
    ("Sello", "Ramone", "male", "1984-05-29", District.MOKHOTLONG, "Linakeng", "+26658123417", "st", [KHUBELU]),
    ("Karabo", "Lekhotla", "male", "1999-09-16", District.MOKHOTLONG, "Ha Tlokotsi", "+27831234518", "st", [MALUTI]),
    ("Mamello", "Khiba", "female", "1990-11-01", District.THABA_TSEKA, "Mantšonyane", "+26659123419", "st", [LERIBE]),
    ("Lehlohonolo", "Molapo", "male", "1982-04-23", District.THABA_TSEKA, "Ha Mohlakeng", "+26658123420", "st", [THABA_BOSIU]),
    ("Refiloe", "Seeiso", "female", "1993-02-07", District.MASERU, "Roma", "+26662123421", "en", [SENQU]),
    ("Neo", "Thamae", "male", "1987-06-18", District.BEREA, "Mapoteng", "+26658123422", "st", [MALUTI]),
    ("Dineo", "Motanyane", "female", "1995-03-26", District.LERIBE, "Pitseng", "+26659123423", "st", [KHUBELU]),
    ("Tšeliso", "Mokoena", "male", "1981-10-10", District.MAFETENG, "Ha Mosalla", "+26658123424", "st", []),
    ("Matšeliso", "Ntsekhe", "female", "1992-08-04", District.MOHALES_HOEK, "Ha Seeiso", "+26662123425", "st", [MALUTI]),
    ("Khotso", "Mahlaha", "male", "1988-12-30", District.QUTHING, "Tele", "+27791234526", "en", [SENQU]),
    ("Lipuo", "Tlali", "female", "1996-05-08", District.QACHAS_NEK, "Ha Ramatšeliso", "+26658123427", "st", []),
    ("Mohau", "Nthako", "male", "1985-01-25", District.MOKHOTLONG, "Sani", "+26659123428", "st", [LERIBE]),
    ("'Malerato", "Posholi", "female", "1991-09-13", District.THABA_TSEKA, "Ha Sebelekoane", "+26662123429", "st", [MALUTI]),
    ("Thapelo", "Mosala", "male", "1989-07-19", District.BUTHA_BUTHE, "Ha Ntho", "+26658123430", "st", [THABA_BOSIU]),
]
# Links that ended, so the record pages show an ended link: (national ID index, registration number, reason).
ENDED_LINKS = [(12, THABA_BOSIU, "The agency's licence was suspended; the worker moved on.")]


def _national_id(index: int, date_of_birth: datetime.date) -> str:
    return f"{date_of_birth:%d%m%Y}{index + 1:05d}"


def seed_workers(scale: int) -> list[tuple[str, str]]:
    registrar = User.objects.filter(username="registrar").first()
    agencies = {a.registration_number: a for a in Agency.objects.filter(registration_number__in=[MALUTI, SENQU, LERIBE,
                                                                                                 THABA_BOSIU, KHUBELU])}
    now = timezone.now()
    for index, (first, last, sex, born, district, village, mobile, language, numbers) in enumerate(DEMO_WORKERS):
        date_of_birth = datetime.date.fromisoformat(born)
        worker, created = Worker.objects.get_or_create(
            national_id=_national_id(index, date_of_birth),
            defaults={
                "first_name": first,
                "last_name": last,
                "sex": sex,
                "date_of_birth": date_of_birth,
                "district": district,
                "village": village,
                "mobile": mobile,
                "preferred_language": language,
                "passport_number": f"RA{index + 1:07d}" if index % 3 else "",
                "passport_expires_on": now.date().replace(year=now.year + 4) if index % 3 else None,
                "sms_consent": index % 5 != 0,
                "consent_method": ConsentMethod.IN_PERSON if index % 5 != 0 else "",
                "consent_changed_at": now if index % 5 != 0 else None,
                "next_of_kin_name": f"'Me {last}",
                "created_by": registrar,
            },
        )
        if not created:
            continue
        for number in numbers:
            if number in agencies:
                AgencyWorker.objects.create(agency=agencies[number], worker=worker, started_by=registrar)
        for ended_index, number, reason in ENDED_LINKS:
            if ended_index == index and number in agencies:
                AgencyWorker.objects.filter(agency=agencies[number], worker=worker, ended_at__isnull=True).update(
                    ended_at=now, ended_by=registrar, end_reason=reason
                )
    return []
