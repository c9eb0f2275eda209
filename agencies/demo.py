"""Agencies' part of the demo: agencies in every state of the licence lifecycle, with real histories.

Everything goes through the services, as people would, so the transition
log, notices and documents are those a real run leaves behind.
"""

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from agencies import services
from agencies.models import (
    REQUIRED_DOCUMENTS,
    Agency,
    AgencyMembership,
    Director,
    DocumentKind,
    Licence,
    LicenceApplication,
)
from core.choices import District
from core.demo import demo_user
from core.models import User

DEMO_PDF = b"%PDF-1.4\n% Demo document of the labour-migration register\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

# legal name, trading name, registration number, district, phone, mobile, manager (username, first, last, language),
# directors [(name, national ID)], where its story ends
DEMO_AGENCIES = [
    (
        "Maluti Labour Brokers (Pty) Ltd",
        "Maluti Recruitment",
        "LS-2015/00412",
        District.MASERU,
        "+26622312345",
        "+26658012345",
        ("maluti", "Khotso", "Mahase", "st"),
        [("Khotso Mahase", "0101198500123"), ("Lineo Mahase", "0203198700456")],
        "licensed",
    ),
    (
        "Senqu Employment Services (Pty) Ltd",
        "Senqu Employment",
        "LS-2019/01877",
        District.MOHALES_HOEK,
        "+26622785412",
        "+26662785412",
        ("senqu", "Masechaba", "Tau", "en"),
        [("Masechaba Tau", "0508198000789")],
        "information_requested",
    ),
    (
        "Leribe Works Placement (Pty) Ltd",
        "Leribe Works",
        "LS-2021/02210",
        District.LERIBE,
        "+26622400110",
        "+26658400110",
        ("leribe", "Tumelo", "Ntsane", "st"),
        # Its second director directed Makhaleng, whose licence was revoked: the officer sees why approval is refused.
        [("Tumelo Ntsane", "1109199000321"), ("Rethabile Lerotholi", "0909197000111")],
        "submitted",
    ),
    (
        "Mohokare Careers (Pty) Ltd",
        "Mohokare Careers",
        "LS-2024/00931",
        District.MAFETENG,
        "+26622700931",
        "+26659700931",
        ("mohokare", "Puleng", "Sello", "st"),
        [("Puleng Sello", "0712199200654")],
        "draft",
    ),
    (
        "Thaba Bosiu Placements (Pty) Ltd",
        "Thaba Bosiu Placements",
        "LS-2012/00077",
        District.MASERU,
        "+26622310077",
        "+26658310077",
        ("thababosiu", "Mosa", "Khoeli", "en"),
        [("Mosa Khoeli", "0304197500987")],
        "suspended",
    ),
    (
        "Makhaleng Labour Services (Pty) Ltd",
        "Makhaleng Labour",
        "LS-2010/00015",
        District.QUTHING,
        "+26622750015",
        "+26658750015",
        ("makhaleng", "Rethabile", "Lerotholi", "en"),
        [("Rethabile Lerotholi", "0909197000111")],
        "revoked",
    ),
    (
        "Qiloane Careers (Pty) Ltd",
        "Qiloane Careers",
        "LS-2016/00620",
        District.BEREA,
        "+26622500620",
        "+26658500620",
        ("qiloane", "Neo", "Mokhethi", "st"),
        [("Neo Mokhethi", "1212198200222")],
        "expired",
    ),
    (
        "Khubelu Recruiters (Pty) Ltd",
        "Khubelu Recruiters",
        "LS-2018/01402",
        District.MOKHOTLONG,
        "+26622901402",
        "+26659901402",
        ("khubelu", "Lerato", "Phafane", "en"),
        [("Lerato Phafane", "0606198800333")],
        "renewing",
    ),
]
PRINTED_LOGINS = {"maluti", "senqu", "leribe"}


def _officer() -> User:
    return User.objects.get(username="licensing")


def _draft(agency: Agency, manager: User, kind: str = "new") -> LicenceApplication:
    application = services.start_application(agency_id=agency.pk, by=manager, kind=kind)
    services.record_bond(
        application_id=application.pk,
        by=manager,
        kind="bank_guarantee",
        issuer="Standard Lesotho Bank",
        amount=50000,
        currency="LSL",
        reference=f"GTEE-{agency.registration_number[-5:]}",
        valid_until=timezone.localdate() + datetime.timedelta(days=730),
    )
    for kind_ in REQUIRED_DOCUMENTS[application.kind]:
        directors = list(agency.directors.all()) if kind_ == DocumentKind.POLICE_CLEARANCE else [None]
        for director in directors:
            services.upload_document(
                application_id=application.pk,
                by=manager,
                kind=kind_,
                upload=ContentFile(DEMO_PDF, name=f"{kind_}.pdf"),
                content_type="application/pdf",
                director_id=director.pk if director else None,
            )
    return application


def _approve(application: LicenceApplication, manager: User) -> Licence:
    officer = _officer()
    services.submit_application(application_id=application.pk, by=manager)
    services.start_review(application_id=application.pk, by=officer)
    for document in application.documents.current():
        services.review_document(document_id=document.pk, by=officer, accepted=True)
    return services.approve_application(application_id=application.pk, by=officer, note="All documents in order.")


def _tell_story(agency: Agency, manager: User, story: str) -> None:
    officer = _officer()
    if story == "draft":
        _draft(agency, manager)
        return
    if story in ("submitted", "information_requested"):
        application = _draft(agency, manager)
        services.submit_application(application_id=application.pk, by=manager)
        if story == "information_requested":
            services.start_review(application_id=application.pk, by=officer)
            premises = application.documents.current().get(kind=DocumentKind.PREMISES)
            services.review_document(document_id=premises.pk, by=officer, accepted=False, note="The lease shown ended in 2024.")
            services.request_information(
                application_id=application.pk, by=officer, reason="Please upload a current lease for your office premises."
            )
        return
    licence = _approve(_draft(agency, manager), manager)
    if story == "suspended":
        services.sanction_licence(
            licence_id=licence.pk,
            action="suspend",
            by=officer,
            reason="Workers report being charged a recruitment fee of M2,500. Suspended pending an audit.",
        )
    elif story == "revoked":
        services.sanction_licence(
            licence_id=licence.pk,
            action="revoke",
            by=officer,
            reason="Kept workers' passports and charged fees; confirmed by the inspectorate.",
        )
    elif story == "expired":
        # The licence's term ran out: the scheduled job expires it, as it would at night.
        Licence.objects.filter(pk=licence.pk).update(
            issued_on=licence.issued_on - datetime.timedelta(days=400),
            valid_from=licence.valid_from - datetime.timedelta(days=400),
            expires_on=timezone.localdate() - datetime.timedelta(days=36),
        )
        services.expire_licences()
    elif story == "renewing":
        Licence.objects.filter(pk=licence.pk).update(expires_on=timezone.localdate() + datetime.timedelta(days=25))
        renewal = _draft(agency, manager, kind="renewal")
        services.submit_application(application_id=renewal.pk, by=manager)


def seed_agencies(scale: int) -> list[tuple[str, str]]:
    logins = []
    for legal, trading, number, district, phone, mobile, (username, first, last, language), directors, story in DEMO_AGENCIES:
        agency, created = Agency.objects.get_or_create(
            registration_number=number,
            defaults={
                "legal_name": legal,
                "trading_name": trading,
                "district": district,
                "phone": phone,
                "mobile": mobile,
                "email": f"info@{username}.demo.co.ls",
                "tax_number": f"TIN-{number[-5:]}",
                "physical_address": f"{trading}, main road, {District(district).label}",
            },
        )
        manager = demo_user(username, first, last, language)
        if not AgencyMembership.objects.filter(user=manager).exists():
            services.add_agency_staff(agency=agency, user=manager, is_manager=True)
        if created:
            for name, national_id in directors:
                Director.objects.create(agency=agency, full_name=name, identity_kind="national_id", identity_number=national_id)
            _tell_story(agency, manager, story)
        if username in PRINTED_LOGINS:
            logins.append((f"Agency staff ({trading})", username))
    return logins
