"""Factories for every test; no fixture files."""

import factory
from django.contrib.auth.models import Group

from agencies.models import Agency, AgencyMembership
from core.access import Role
from core.choices import District
from core.models import User

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    legal_name = factory.Sequence(lambda n: f"Agency {n} (Pty) Ltd")
    trading_name = factory.Sequence(lambda n: f"Agency {n}")
    registration_number = factory.Sequence(lambda n: f"LS-TEST/{n:05d}")
    district = District.MASERU


class AgencyStaffFactory(UserFactory):
    """A user working for an agency (a new one unless given)."""

    @factory.post_generation
    def agency(self, create, extracted, **kwargs):
        if not create:
            return
        agency = extracted or AgencyFactory()
        AgencyMembership.objects.create(user=self, agency=agency, is_manager=kwargs.get("manager", False))
        self.groups.add(Group.objects.get(name=Role.AGENCY_STAFF))


def _maseru_today():
    from django.utils import timezone

    return timezone.localdate()


def _last_day_of_term(valid_from):
    import datetime

    return valid_from + datetime.timedelta(days=364)


def _next_licence_number():
    from agencies.services import next_licence_number

    return next_licence_number(_maseru_today().year)


class LicenceFactory(factory.django.DjangoModelFactory):
    """A licence of an agency (a new one unless given), active for a year from today; pass status= for another state."""

    class Meta:
        model = "agencies.Licence"

    agency = factory.SubFactory(AgencyFactory)
    number = factory.LazyFunction(_next_licence_number)
    issued_on = factory.LazyFunction(_maseru_today)
    valid_from = factory.SelfAttribute("issued_on")
    expires_on = factory.LazyAttribute(lambda licence: _last_day_of_term(licence.valid_from))


# --- Licence applications (for the licensing tests) -------------------------------------------

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def pdf_upload(name="document.pdf", content=PDF_BYTES):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


class DirectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "agencies.Director"

    agency = factory.SubFactory(AgencyFactory)
    full_name = factory.Faker("name")
    identity_kind = "national_id"
    identity_number = factory.Sequence(lambda n: f"LS{n:09d}")
    nationality = "Lesotho"


class BondFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "agencies.SecurityBond"

    agency = factory.SubFactory(AgencyFactory)
    kind = "bank_guarantee"
    issuer = "Standard Lesotho Bank"
    amount = 50000
    currency = "LSL"
    reference = factory.Sequence(lambda n: f"GTEE-{n:05d}")
    valid_until = factory.LazyFunction(lambda: _maseru_today().replace(year=_maseru_today().year + 2))


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A draft application of an agency with complete details (documents are added by ``complete_application``)."""

    class Meta:
        model = "agencies.LicenceApplication"

    agency = factory.SubFactory(
        AgencyFactory, tax_number="TIN-100200", physical_address="Kingsway, Maseru", phone="+26622312345",
        email="office@agency.example.org",
    )


def complete_application(application, by=None):
    """Give a draft application a director, a bond and every required document, as the agency would."""
    from agencies.models import REQUIRED_DOCUMENTS, ApplicationDocument, DocumentKind

    agency = application.agency
    for field, value in {"tax_number": "TIN-100200", "physical_address": "Kingsway, Maseru", "phone": "+26622312345",
                         "email": "office@agency.example.org"}.items():
        if not getattr(agency, field):
            setattr(agency, field, value)
    agency.save()
    if application.kind == "new" and not application.agency.directors.exists():
        DirectorFactory(agency=application.agency)
    application.bond = BondFactory(agency=application.agency)
    application.save(update_fields=["bond"])
    for kind in REQUIRED_DOCUMENTS[application.kind]:
        directors = list(application.agency.directors.all()) if kind == DocumentKind.POLICE_CLEARANCE else [None]
        for director in directors:
            ApplicationDocument.objects.create(
                application=application, kind=kind, director=director, file=pdf_upload(), original_name="scan.pdf",
                content_type="application/pdf", size=len(PDF_BYTES), uploaded_by=by,
            )
    return application


# --- Workers ------------------------------------------------------------------------------------


def _birthday(n):
    import datetime

    return datetime.date(1980 + n % 20, 1 + n % 12, 1 + n % 28)


class WorkerFactory(factory.django.DjangoModelFactory):
    """A registered worker; pass ``agency=`` to link them (an open link) to that agency."""

    class Meta:
        model = "workers.Worker"
        skip_postgeneration_save = True

    first_name = factory.Sequence(lambda n: ["Thabo", "Lineo", "Tšepo", "Palesa", "Mpho"][n % 5])
    last_name = factory.Sequence(lambda n: f"Mokoena{n}")
    sex = "male"
    date_of_birth = factory.Sequence(_birthday)
    national_id = factory.Sequence(lambda n: f"0101{n:09d}")
    district = District.MASERU
    mobile = factory.Sequence(lambda n: f"+2665{n % 10_000_000:07d}")

    @factory.post_generation
    def agency(self, create, extracted, **kwargs):
        if create and extracted:
            from workers.models import AgencyWorker

            AgencyWorker.objects.create(agency=extracted, worker=self)


# --- Agreements, employers, job orders and contracts ----------------------------------------------------


def contract_setting(*, agency=None, sector="mining", occupation="8111", floor=9000, deferred=None, **terms_values):
    """A licensed agency, a South Africa agreement in force since last year with terms for one sector and
    occupation, an employer there and an approved, open job order: what every contract test starts from."""
    import datetime
    from decimal import Decimal

    from contracts.models import (
        Agreement,
        AgreementStatus,
        AgreementTerms,
        Country,
        Employer,
        JobOrder,
        Occupation,
        Sector,
        SectorTerms,
    )

    today = _maseru_today()
    agency = agency or AgencyFactory()
    if not agency.licences.exists():
        LicenceFactory(agency=agency)
    country = Country.objects.get(code="ZA")
    sector_row = Sector.objects.get(code=sector)
    occupation_row = Occupation.objects.get(code=occupation)
    agreement = Agreement.objects.create(
        country=country, title="Lesotho–South Africa labour agreement", reference=f"BLA-ZA-{Agreement.objects.count() + 1}",
        in_force_from=today.replace(year=today.year - 1), status=AgreementStatus.IN_FORCE,
    )
    values = {"max_contract_months": 24, "max_worker_fee": Decimal("0"), "fee_currency": "LSL"} | terms_values
    terms = AgreementTerms.objects.create(agreement=agreement, effective_from=agreement.in_force_from, **values)
    terms.occupations.add(occupation_row)
    SectorTerms.objects.create(terms=terms, sector=sector_row, wage_floor=Decimal(floor), currency="ZAR", period="month",
                               deferred_pay_percent=deferred)
    employer = Employer.objects.create(
        name=f"Employer {Employer.objects.count() + 1} Mining", country=country,
        registration_number=f"ZA-{Employer.objects.count() + 1:06d}", sector=sector_row, address="Rustenburg, North West",
    )
    job_order = JobOrder.objects.create(
        reference=f"JO-{today.year}-{JobOrder.objects.count() + 1:05d}", agency=agency, employer=employer, agreement=agreement,
        occupation=occupation_row, sector=sector_row, positions=5, wage_amount=Decimal(floor), currency="ZAR",
        wage_period="month", hours_per_week=Decimal("45"), contract_months=12, work_place="Rustenburg",
        valid_from=today - datetime.timedelta(days=30), valid_until=today + datetime.timedelta(days=180),
        demand_letter=pdf_upload(), demand_letter_name="demand.pdf", demand_letter_type="application/pdf", status="approved",
    )
    return {"agency": agency, "agreement": agreement, "terms": terms, "employer": employer, "job_order": job_order,
            "sector": sector_row, "occupation": occupation_row}


def contract_data(setting, worker, **overrides):
    """The fields an agency types for a compliant contract in ``setting``, starting in 60 days, for 12 months."""
    import datetime
    from decimal import Decimal

    start = _maseru_today() + datetime.timedelta(days=60)
    data = {
        "worker": worker, "job_order": setting["job_order"], "job_title": "Rock drill operator", "work_place": "Rustenburg",
        "wage_amount": setting["job_order"].wage_amount, "currency": "ZAR", "wage_period": "month", "days_per_month": None,
        "hours_per_week": Decimal("45"), "start_date": start,
        "end_date": start.replace(year=start.year + 1) - datetime.timedelta(days=1), "recruitment_fee": Decimal("0"),
        "deferred_pay_percent": setting["terms"].sectors.get().deferred_pay_percent or Decimal("0"),
        "accommodation_provided": True, "transport_provided": True,
    }
    return data | overrides


_PASSPORTS = __import__("itertools").count(1000)


def passport_worker(agency, **values):
    """A worker linked to ``agency`` with a passport valid for five years."""
    import datetime

    today = _maseru_today()
    defaults = {"passport_number": f"RA{next(_PASSPORTS):07d}",
                "passport_expires_on": today + datetime.timedelta(days=5 * 365), "sms_consent": True,
                "date_of_birth": datetime.date(1990, 5, 17)}
    return WorkerFactory(agency=agency, **(defaults | values))


def certificate_for(worker, course, issued_on):
    """A completed session of ``course`` and the worker's certificate from it, issued on ``issued_on``."""
    import datetime

    from django.utils import timezone

    from predeparture.models import Certificate, Enrolment, EnrolmentStatus, Session
    from predeparture.services import certificate_expiry, next_certificate_number

    start = timezone.make_aware(datetime.datetime.combine(issued_on, datetime.time(8)))
    session = Session.objects.create(
        course=course, venue="Lesotho College of Education", district=District.MASERU, starts_at=start,
        ends_at=start + datetime.timedelta(hours=8), trainer=UserFactory(roles=[Role.TRAINER]), capacity=30,
    )
    Session.objects.filter(pk=session.pk).update(status="completed")
    enrolment = Enrolment.objects.create(session=session, worker=worker, status=EnrolmentStatus.COMPLETED)
    return Certificate.objects.create(
        enrolment=enrolment, number=next_certificate_number(issued_on.year), issued_on=issued_on,
        expires_on=certificate_expiry(course, issued_on),
    )
