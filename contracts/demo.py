"""Contracts' part of the demo: bilateral agreements, foreign employers, job orders and contracts in every state.

Everything a person does goes through the services (the registrar's decisions,
the agency's job orders, drafts, submissions, clearances, departures and
returns), so the transition log, stored rule results and SMS are those a real
run leaves behind. Agreements, their terms and employers are data a registrar
enters in forms, so the demo writes those rows.

Most stories happened in the past, but the services rightly refuse what has
not happened yet (a departure before its clearance, an approval under a
licence issued today), so each story is played today, step by step, and the
``Clock`` then moves what every step wrote (timestamps, transition log,
history, SMS) to the day the story says it happened; numbers take that year.

Safe to run again: nothing is added once the South African agreement exists.
``--scale`` adds nothing here yet (bulk contracts for the benchmarks come later).
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.db.models.functions import Replace
from django.utils import timezone
from django_fsm_log.models import StateLog

from agencies.demo import DEMO_PDF
from agencies.models import Agency
from agencies.services import can_recruit
from contracts import services
from contracts.models import (
    Agreement,
    AgreementTerms,
    Contract,
    DeploymentClearance,
    Employer,
    JobOrder,
    Occupation,
    Sector,
    SectorTerms,
    WagePeriod,
)
from core.choices import District
from core.dates import add_months, today
from core.models import User
from core.numbers import next_number
from notifications.models import OutboundSms, SmsStatus
from predeparture.models import Attendance, Course, Enrolment, EnrolmentStatus, Session, SessionStatus
from predeparture.services import issue_certificate
from workers.models import AgencyWorker, ConsentMethod, Worker
from workers.services import record_consent, register_worker

MARKER = "LS-ZA/2022/01"  # the South African agreement: once it exists, the demo contracts are there
MALUTI, KHUBELU = "LS-2015/00412", "LS-2018/01402"
HOURS = Decimal("45")  # South Africa's ordinary hours a week; every demo job order and contract states them
CURRENCY = {"ZA": "ZAR", "MU": "MUR"}

# --- Agreements: terms as data -------------------------------------------------------------------------------------------

# sector: wage floor, period, deferred pay %. South Africa's national minimum wage (R28.79 an hour from 1 March 2025)
# is the floor of farm and domestic work: R5,614.05 a month at 45 hours a week. Mine work keeps deferred pay: 30% of
# the wage paid into a bank account at home.
ZA_FLOORS = {
    "mining": ("9500", WagePeriod.MONTH, "30"),
    "agriculture": ("28.79", WagePeriod.HOUR, None),
    "domestic_work": ("28.79", WagePeriod.HOUR, None),
    "construction": ("6500", WagePeriod.MONTH, None),
}
# The version the registrar has entered for South Africa's next minimum-wage review (1 March).
ZA_NEXT_FLOORS = {
    "mining": ("10000", WagePeriod.MONTH, "30"),
    "agriculture": ("30.20", WagePeriod.HOUR, None),
    "domestic_work": ("30.20", WagePeriod.HOUR, None),
    "construction": ("6850", WagePeriod.MONTH, None),
}
# Miners and quarriers, plant operators, crop farm labourers, field crop growers, domestic cleaners, housekeepers,
# bricklayers, concrete workers, building labourers.
ZA_OCCUPATIONS = ["8111", "8112", "9211", "6111", "9111", "5152", "7112", "7114", "9313"]
MU_FLOORS = {"manufacturing": ("17000", WagePeriod.MONTH, None), "hospitality": ("16500", WagePeriod.MONTH, None)}
# Sewing machine operators, sewing workers, cooks, waiters, hotel cleaners, kitchen helpers.
MU_OCCUPATIONS = ["8153", "7533", "5120", "5131", "9112", "9412"]
ZA_TERMS = {
    "max_contract_months": 24,
    "max_worker_fee": Decimal("0"),
    "fee_currency": "ZAR",
    "insurance_required": False,  # injuries are covered by South Africa's compensation fund
    "medical_required": True,  # one flag per version, so for every sector; the mines' own examination counts
}

# --- Employers -------------------------------------------------------------------------------------------------------------

# key: name, country, registration number, sector, address, contact person
EMPLOYERS = [
    ("goldfields", "Free State Goldfields Mining (Pty) Ltd", "ZA", "2004/018233/07", "mining", "Welkom", "Pieter Botha"),
    ("bokamoso", "Bokamoso Platinum (Pty) Ltd", "ZA", "2011/004512/07", "mining", "Rustenburg", "Naledi Mokoena"),
    ("caledon", "Caledon Valley Fruit Farms (Pty) Ltd", "ZA", "2008/113044/07", "agriculture", "Ficksburg", "Anna Joubert"),
    ("ladybrand", "Ladybrand Vegetable Growers (Pty) Ltd", "ZA", "2016/220871/07", "agriculture", "Ladybrand", "Johan Venter"),
    ("highveld", "Highveld Build Contractors (Pty) Ltd", "ZA", "2013/090312/07", "construction", "Bloemfontein", "Sipho Dlamini"),
    ("mangaung", "Mangaung Home Care Services CC", "ZA", "2017/145503/23", "domestic_work", "Bloemfontein", "Thandi Nkosi"),
    ("knitwear", "Port Louis Knitwear Ltd", "MU", "C06012345", "manufacturing", "Port Louis", "Vikash Ramdin"),
    ("bellemare", "Belle Mare Bay Resort Ltd", "MU", "C09054321", "hospitality", "Belle Mare, Flacq", "Marie-Claire Laval"),
]
# At most 100 characters: blacklist_employer keeps the reason as the history's change reason, a 100-character column.
BLACKLIST_REASON = "Paid workers below South Africa's minimum wage and housed them in unsafe sheds (labour inspection)."

# --- Workers --------------------------------------------------------------------------------------------------------------

# Maluti's demo workers (workers/demo.py) where they fit; whoever is missing is registered by Maluti.
# key: first, last, sex, date of birth, district, village, mobile, language
CAST = {
    "tsepo": ("Tšepo", "Letsie", "male", "1985-11-21", District.BEREA, "Teyateyaneng", "+26658123403", "st"),
    "teboho": ("Teboho", "Nkuebe", "male", "1983-09-08", District.LERIBE, "Maputsoe", "+26658123406", "st"),
    "bokang": ("Bokang", "Ntho", "male", "1991-06-12", District.MAFETENG, "Ha Ramohapi", "+27721234509", "st"),
    "tumelo": ("Tumelo", "Phakoe", "male", "1986-07-22", District.QACHAS_NEK, "Sehlabathebe", "+26658123415", "st"),
    "lineo": ("Lineo", "Ramokoena", "female", "1992-07-02", District.MASERU, "Ha Abia", "+26662123402", "st"),
    "karabo": ("Karabo", "Lekhotla", "male", "1999-09-16", District.MOKHOTLONG, "Ha Tlokotsi", "+27831234518", "st"),
    "malerato": ("'Malerato", "Posholi", "female", "1991-09-13", District.THABA_TSEKA, "Ha Sebelekoane", "+26662123429", "st"),
    "mathabo": ("'Mathabo", "Lekhanya", "female", "1989-04-17", District.MASERU, "Ha Matala", "+26657123431", "st"),
    "nthati": ("Nthati", "Mokhothu", "female", "1994-10-06", District.LERIBE, "Peka", "+26657123432", "en"),
}
# Past intakes of Maluti's workers in the South African courses: (months ago, days more, venue, district, workers).
INTAKES = [
    (16, 10, "Maseru Labour Office", District.MASERU, ["tsepo", "teboho", "bokang", "tumelo"]),
    (6, 15, "Teyateyaneng Community Hall", District.BEREA, ["mathabo", "lineo"]),
]

# --- Reasons the people in the stories give -------------------------------------------------------------------------------

TERMINATED = (
    "The employer closed the Bloemfontein site for lack of funds and ended the contract; one month's notice paid, "
    "confirmed by the labour attaché."
)
REPATRIATED = "Broke her wrist in a fall at the employer's home; brought home at the employer's cost for treatment in Maseru."
CANCELLED = "The worker withdrew before departure: he found work with a builder in Maseru."
REJECTED = (
    "The worker told the Maseru labour office that he was asked for M1,500 to secure this job. Workers may not be "
    "charged any fee; the complaint goes to the inspectorate."
)
RETURNED = "The insurance certificate on file gives another policy number than the one typed here: correct it."
OVER_WARNINGS = (
    "Maluti has booked the worker on the pre-departure courses before the start date; the clearance waits for the certificates."
)
REFUSED_DEMAND = (
    "South Africa's Department of Employment and Labour reports workers on this farm paid below the minimum wage "
    "and housed in unsafe sheds. The demand is refused and the employer blacklisted."
)


class Clock:
    """Notes when each step really ran and the moment the story gives it, then moves what the steps wrote there."""

    def __init__(self) -> None:
        self.marks: list[tuple[datetime.datetime, datetime.datetime]] = []

    def at(self, day: datetime.date, hour: int = 10, minute: int = 0) -> None:
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))
        self.marks.append((timezone.now(), moment))

    def story_time(self, real: datetime.datetime) -> datetime.datetime:
        for began, moment in reversed(self.marks):
            if real >= began:
                return moment + (real - began)
        return real

    def move(self, targets: list[type[models.Model]]) -> None:
        """Rewrite every date-time the steps wrote: only values inside this run, never another seeder's rows."""
        first, last = self.marks[0][0], timezone.now()
        for model in targets:
            for model_field in model._meta.concrete_fields:
                if not isinstance(model_field, models.DateTimeField):
                    continue
                name = model_field.attname
                written = model._default_manager.filter(**{f"{name}__gte": first, f"{name}__lte": last})
                moved = [model(pk=pk, **{name: self.story_time(value)}) for pk, value in written.values_list("pk", name)]
                model._default_manager.bulk_update(moved, [name], batch_size=500)


def _day(days: int) -> datetime.date:
    return today() + datetime.timedelta(days=days)


def _months(months: int, days: int = 0) -> datetime.date:
    return add_months(today(), months) + datetime.timedelta(days=days)


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, DEMO_PDF, content_type="application/pdf")


def _renumber(record: models.Model, field_name: str, prefix: str, width: int, year: int) -> str:
    """Give a record the number of the year its story dates it in (the services number by today's year)."""
    number = getattr(record, field_name)
    if number.startswith(f"{prefix}-{year}-"):
        return number
    model = type(record)
    renumbered = next_number(model, field_name, prefix, year, width)
    model.objects.filter(pk=record.pk).update(**{field_name: renumbered})
    if hasattr(model, "history"):
        model.history.filter(id=record.pk).update(**{field_name: renumbered})
    setattr(record, field_name, renumbered)
    return renumbered


# --- Agreements and employers -------------------------------------------------------------------------------------------------


def _terms(agreement: Agreement, registrar: User, effective_from: datetime.date, floors: dict, occupations: list[str],
           courses: list[Course], **values) -> AgreementTerms:
    terms = AgreementTerms.objects.create(agreement=agreement, effective_from=effective_from, created_by=registrar, **values)
    terms.occupations.set(Occupation.objects.filter(code__in=occupations))
    terms.required_courses.set(courses)
    for code, (floor, period, deferred) in floors.items():
        SectorTerms.objects.create(
            terms=terms,
            sector=Sector.objects.get(code=code),
            wage_floor=Decimal(floor),
            currency=values["fee_currency"],
            period=period,
            deferred_pay_percent=Decimal(deferred) if deferred else None,
        )
    return terms


def _agreements(clock: Clock, registrar: User) -> dict[str, Agreement]:
    # The general course, and the South African one where the training demo has it.
    courses = list(Course.objects.filter(code__in=["PDO-GEN", "PDO-ZA"]).order_by("code"))
    general = [course for course in courses if course.code == "PDO-GEN"]

    clock.at(datetime.date(2022, 2, 14))
    za = Agreement.objects.create(
        country_id="ZA",
        title="Lesotho–South Africa arrangement on the employment of Basotho workers",
        reference=MARKER,
        signed_on=datetime.date(2022, 2, 10),
        in_force_from=datetime.date(2022, 4, 1),
    )
    notes = "Employers pay every recruitment fee. Mine workers' deferred pay: 30% of the wage, paid into a bank in Lesotho."
    _terms(za, registrar, za.in_force_from, ZA_FLOORS, ZA_OCCUPATIONS, courses, notes=notes, **ZA_TERMS)
    clock.at(datetime.date(2022, 3, 28), 11)
    reason = "Signed on 10 February 2022; in force from 1 April 2022."
    services.change_agreement_status(by=registrar, agreement_id=za.pk, action="bring_into_force", reason=reason)

    # Versioning: next year's floors are entered ahead; contracts starting from 1 March are judged by them.
    next_march = datetime.date(today().year, 3, 1)
    if next_march <= today():
        next_march = next_march.replace(year=next_march.year + 1)
    clock.at(_day(-6), 14)
    za.refresh_from_db()
    services.check_new_terms_date(za, next_march)
    notes = "Floors raised with South Africa's minimum-wage review of 1 March."
    _terms(za, registrar, next_march, ZA_NEXT_FLOORS, ZA_OCCUPATIONS, courses, notes=notes, **ZA_TERMS)

    clock.at(datetime.date(2025, 7, 1))
    mu = Agreement.objects.create(
        country_id="MU",
        title="Lesotho–Mauritius arrangement on the recruitment of Basotho workers",
        reference="LS-MU/2025/01",
        signed_on=datetime.date(2025, 6, 20),
        in_force_from=datetime.date(2025, 9, 1),
    )
    _terms(
        mu, registrar, mu.in_force_from, MU_FLOORS, MU_OCCUPATIONS, general,
        max_contract_months=36, max_worker_fee=Decimal("0"), fee_currency="MUR", insurance_required=True,
        medical_required=True, annual_quota=500, notes="Employers pay every fee and the air fares both ways.",
    )
    clock.at(datetime.date(2025, 8, 25), 11)
    reason = "Signed on 20 June 2025; in force from 1 September 2025."
    services.change_agreement_status(by=registrar, agreement_id=mu.pk, action="bring_into_force", reason=reason)
    return {"ZA": za, "MU": mu}


def _employers(clock: Clock) -> dict[str, Employer]:
    employers = {}
    for key, name, country, number, sector, town, contact in EMPLOYERS:
        clock.at(_months(-18) if country == "ZA" else _months(-2), 9)
        employers[key] = Employer.objects.create(
            name=name,
            country_id=country,
            registration_number=number,
            sector=Sector.objects.get(code=sector),
            address=town,
            contact_name=contact,
            contact_email=f"recruitment@{key}.demo.{'co.za' if country == 'ZA' else 'mu'}",
        )
    return employers


# --- Job orders ---------------------------------------------------------------------------------------------------------------


@dataclass
class Order:
    """A foreign employer's demand as the agency records it; a decision comes a week after it is recorded."""

    employer: str
    occupation: str
    job_title: str
    positions: int
    wage: str
    months: int
    work_place: str
    opens: datetime.date
    closes: datetime.date
    recorded: datetime.date | None = None  # two weeks before it opens, unless said
    decision: str | None = "approve"
    agency: str = MALUTI


def _orders() -> dict[str, Order]:
    """In the order they were recorded, so their numbers follow one another."""
    return {
        "mining": Order("goldfields", "8111", "Underground miner", 25, "11200", 12, "Welkom", _months(-17), _day(60)),
        "farm": Order("caledon", "9211", "Farm worker (fruit harvest)", 12, "6100", 12, "Ficksburg", _months(-13), _day(60)),
        "building": Order("highveld", "7112", "Bricklayer", 8, "7800", 12, "Bloemfontein", _months(-10), _day(75)),
        "domestic": Order("mangaung", "9111", "Live-in domestic worker", 6, "6000", 12, "Bloemfontein", _months(-7), _day(90)),
        "sewing": Order("knitwear", "8153", "Sewing machine operator", 40, "18500", 24, "Port Louis", _months(-1), _day(150)),
        "vegetables": Order("ladybrand", "9211", "Farm worker", 15, "5700", 12, "Ladybrand", _day(0), _day(90), _day(-21),
                            "reject"),
        "cooks": Order("bellemare", "5120", "Cook", 6, "19500", 24, "Belle Mare", _day(14), _day(180), _day(-3), None),
        "platinum": Order("bokamoso", "8111", "Underground miner", 10, "10800", 12, "Rustenburg", _day(7), _day(120), _day(-2),
                          None, KHUBELU),
    }


def _job_orders(clock: Clock, orders: dict[str, Order], staff: dict[str, User], registrar: User, agreements: dict,
                employers: dict) -> dict[str, JobOrder]:
    job_orders = {}
    for key, order in orders.items():
        by = staff.get(order.agency)
        if by is None:  # Khubelu may no longer recruit: its demand only puts a second agency in the queue
            continue
        employer = employers[order.employer]
        recorded = order.recorded or order.opens - datetime.timedelta(days=14)
        clock.at(recorded, 9, 30)
        job_order = services.record_job_order(
            by=by,
            data={
                "employer": employer,
                "agreement": agreements[employer.country_id],
                "occupation": Occupation.objects.get(code=order.occupation),
                "sector": employer.sector,
                "positions": order.positions,
                "wage_amount": Decimal(order.wage),
                "currency": CURRENCY[employer.country_id],
                "wage_period": WagePeriod.MONTH,
                "hours_per_week": HOURS,
                "contract_months": order.months,
                "work_place": order.work_place,
                "valid_from": order.opens,
                "valid_until": order.closes,
            },
            demand_letter=_pdf("demand-letter.pdf"),
        )
        _renumber(job_order, "reference", "JO", 5, recorded.year)
        if order.decision:
            clock.at(recorded + datetime.timedelta(days=7), 11)
            job_order = services.decide_job_order(
                by=registrar,
                job_order_id=job_order.pk,
                approve=order.decision == "approve",
                reason=REFUSED_DEMAND if order.decision == "reject" else "Demand letter confirmed with the employer.",
            )
        job_orders[key] = job_order
    clock.at(_day(-14), 11, 30)
    services.blacklist_employer(by=registrar, employer_id=employers["ladybrand"].pk, reason=BLACKLIST_REASON)
    return job_orders


# --- Workers and their training -----------------------------------------------------------------------------------------------


def _cast(clock: Clock, maluti: Agency, staff: User, latest_end: datetime.date) -> dict[str, Worker]:
    """Maluti's demo workers whose passports outlast their contracts; whoever is missing is registered by Maluti."""
    workers = {}
    for number, (key, (first, last, sex, born, district, village, mobile, language)) in enumerate(CAST.items(), start=1):
        date_of_birth = datetime.date.fromisoformat(born)
        worker = (
            Worker.objects.for_agency(maluti.pk)
            .filter(first_name=first, last_name=last, date_of_birth=date_of_birth, passport_expires_on__gte=latest_end)
            .first()
        )
        if worker is None:
            clock.at(_months(-11), 9, number)
            worker = register_worker(
                by=staff,
                agency_id=maluti.pk,
                data={
                    "first_name": first,
                    "last_name": last,
                    "sex": sex,
                    "date_of_birth": date_of_birth,
                    "national_id": f"{date_of_birth:%d%m%Y}{900 + number:05d}",
                    "passport_number": f"RA{900 + number:07d}",
                    "passport_expires_on": add_months(today(), 96),
                    "district": district,
                    "village": village,
                    "mobile": mobile,
                    "preferred_language": language,
                    "next_of_kin_name": f"'Me {last}",
                },
            )
            record_consent(by=staff, worker_id=worker.pk, consented=True, method=ConsentMethod.IN_PERSON)
        workers[key] = worker
    return workers


def _train(clock: Clock, people: dict[str, User], maluti: Agency, workers: list[Worker], day: datetime.date, venue: str,
           district: str) -> None:
    """A past intake in both South African courses, written as the training demo writes its past sessions (the
    services enrol only in sessions still to come); the certificates come from the training services."""
    for offset, course in enumerate(Course.objects.filter(code__in=["PDO-GEN", "PDO-ZA"]).order_by("code")):
        held = day + datetime.timedelta(days=offset)
        modules = list(course.modules.all())
        starts_at = timezone.make_aware(datetime.datetime.combine(held, datetime.time(8)))
        clock.at(held - datetime.timedelta(days=21), 9)
        session = Session.objects.create(
            course=course,
            venue=venue,
            district=district,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=math.ceil(sum(module.hours for module in modules))),
            trainer=people["trainer"],
            capacity=20,
        )
        Session.objects.filter(pk=session.pk).update(status=SessionStatus.COMPLETED)
        for position, worker in enumerate(workers):
            enrolment = Enrolment.objects.create(
                session=session,
                worker=worker,
                enrolled_by=people["maluti"],
                agency=maluti,
                status=EnrolmentStatus.COMPLETED,
                score=72 + 4 * position if course.pass_mark is not None else None,
            )
            for module in modules:
                Attendance.objects.create(
                    enrolment=enrolment, module=module, present=True, marked_by=people["trainer"], marked_at=session.ends_at
                )
            issue_certificate(enrolment, held)


# --- Contracts ------------------------------------------------------------------------------------------------------------------

# The steps that bring a contract from its draft to each state.
PATHS = {
    "draft": [],
    "submitted": ["submit"],
    "returned": ["submit", "return_for_correction"],
    "rejected": ["submit", "reject"],
    "approved": ["submit", "approve"],
    "cancelled": ["submit", "approve", "cancel"],
    "cleared": ["submit", "approve", "signed_copy", "clear"],
    "deployed": ["submit", "approve", "signed_copy", "clear", "depart"],
    "completed": ["submit", "approve", "signed_copy", "clear", "depart", "complete"],
    "terminated": ["submit", "approve", "signed_copy", "clear", "depart", "terminate"],
    "repatriated": ["submit", "approve", "signed_copy", "clear", "depart", "repatriate"],
}
# Days from the step before; a departure is two days before the start, an end on the day the story says.
GAPS = {"submit": 2, "return_for_correction": 7, "reject": 7, "approve": 7, "cancel": 6, "signed_copy": 5, "clear": 10}


@dataclass
class Story:
    """One contract's life: who, under which job order, from when, and the state it ends the demo in."""

    worker: str
    order: str
    start: datetime.date
    ends_as: str
    drafted: datetime.date | None = None  # 40 days before the start, unless said
    reason: str = ""  # of the last step: return, rejection, cancellation, early end
    over_warnings: str = ""  # the registrar's reason for approving over warnings
    ended_on: datetime.date | None = None
    border_post: str = "Maseru Bridge"
    cleared_by: str = "registrar"
    wage: str | None = None  # the job order's, unless said

    def day_of_draft(self) -> datetime.date:
        return self.drafted or self.start - datetime.timedelta(days=40)


def _stories() -> list[Story]:
    farm_start = _months(-11, -12)
    next_farm_start = add_months(farm_start, 12) + datetime.timedelta(days=14)
    return [
        # A year underground, home through Maseru Bridge two days after the contract ended.
        Story("tsepo", "mining", _months(-15), "completed", ended_on=_months(-3, 1)),
        # Past its end date with no return recorded: on the follow-up list.
        Story("teboho", "mining", _months(-12, -20), "deployed"),
        # Ends within 30 days: the end-of-contract SMS is due.
        Story("bokang", "farm", farm_start, "deployed", border_post="Maputsoe Bridge"),
        Story("tumelo", "building", _months(-8), "terminated", reason=TERMINATED, ended_on=_months(-2),
              border_post="Van Rooyen's Gate"),
        Story("mathabo", "domestic", _months(-5), "repatriated", reason=REPATRIATED, ended_on=_months(-1, -6)),
        # Maluti asked for the clearance and every condition held, so it was issued at once.
        Story("lineo", "domestic", _day(10), "cleared", drafted=_day(-30), cleared_by="maluti"),
        Story("tumelo", "building", _day(21), "cancelled", drafted=_day(-20), reason=CANCELLED),
        Story("tsepo", "mining", _day(30), "rejected", drafted=_day(-15), reason=REJECTED),
        # Approved over the training warning: the clearance is blocked until the certificates exist.
        Story("karabo", "mining", _day(35), "approved", drafted=_day(-12), over_warnings=OVER_WARNINGS),
        Story("nthati", "sewing", _months(2, 7), "returned", drafted=_day(-11), reason=RETURNED),
        Story("malerato", "sewing", _months(2), "submitted", drafted=_day(-8)),
        # The rules while drafting: R4,200 a month is below the farm floor (and the job order's R6,100).
        Story("bokang", "farm", next_farm_start, "draft", drafted=_day(-1), wage="4200"),
    ]


def _draft(story: Story, job_order: JobOrder, job_title: str, worker: Worker) -> dict:
    end = add_months(story.start, job_order.contract_months) - datetime.timedelta(days=1)
    medical_on = min(story.start - datetime.timedelta(days=45), story.day_of_draft() - datetime.timedelta(days=5))
    data = {
        "worker": worker,
        "job_order": job_order,
        "job_title": job_title,
        "wage_amount": Decimal(story.wage or job_order.wage_amount),
        "currency": job_order.currency,
        "wage_period": WagePeriod.MONTH,
        "hours_per_week": HOURS,
        "start_date": story.start,
        "end_date": end,
        "deferred_pay_percent": Decimal("30") if job_order.sector.code == "mining" else Decimal("0"),
        "accommodation_provided": True,
        "transport_provided": True,
        "medical_on": medical_on,
        "medical_until": add_months(medical_on, 12),
    }
    if job_order.employer.country_id == "MU":
        data |= {
            "insurer": "Mascarene Insurance Co. Ltd",
            "insurance_policy": f"MIC-HL-{story.start.year}-{worker.pk:04d}",
            "insurance_until": end + datetime.timedelta(days=30),
        }
    return data


def _tell(clock: Clock, story: Story, job_order: JobOrder, job_title: str, worker: Worker, people: dict[str, User],
          first_sms: int) -> Contract:
    staff, registrar = people["maluti"], people["registrar"]
    day = story.day_of_draft()
    clock.at(day, 9, 15)
    contract = services.save_draft(by=staff, data=_draft(story, job_order, job_title, worker))
    _renumber(contract, "reference", "CT", 6, day.year)
    for step in PATHS[story.ends_as]:
        if step == "depart":
            day = story.start - datetime.timedelta(days=2)
        elif step in ("complete", "terminate", "repatriate"):
            day = story.ended_on
        else:
            day += datetime.timedelta(days=GAPS[step])
        clock.at(day, 9 + len(clock.marks) % 7, 15)
        if step == "submit":
            services.submit(by=staff, contract_id=contract.pk)
        elif step == "approve":
            services.approve(by=registrar, contract_id=contract.pk, override_reason=story.over_warnings)
        elif step == "return_for_correction":
            services.return_for_correction(by=registrar, contract_id=contract.pk, reason=story.reason)
        elif step == "reject":
            services.reject(by=registrar, contract_id=contract.pk, reason=story.reason)
        elif step == "cancel":
            services.cancel(by=staff, contract_id=contract.pk, reason=story.reason)
        elif step == "signed_copy":
            services.upload_signed_copy(by=staff, contract_id=contract.pk, upload=_pdf("signed-contract.pdf"))
        elif step == "clear":
            clearance = services.issue_clearance(by=people[story.cleared_by], contract_id=contract.pk)
            DeploymentClearance.objects.filter(pk=clearance.pk).update(issued_on=day)
            number = clearance.number
            if _renumber(clearance, "number", "DC", 6, day.year) != number:  # the worker's SMS gave the old number
                renumbered = Replace("body", models.Value(number), models.Value(clearance.number))
                OutboundSms.objects.filter(pk__gt=first_sms, body__contains=number).update(body=renumbered)
        elif step == "depart":
            # Recorded today (the service refuses a day before the clearance), then dated when it happened.
            services.record_departure(by=staff, contract_id=contract.pk, departed_on=today(), border_post=story.border_post)
            Contract.objects.filter(pk=contract.pk).update(departed_on=day)
        else:
            services.record_return(
                by=registrar if step == "repatriate" else staff,
                contract_id=contract.pk,
                outcome=step,
                ended_on=today(),
                border_post=story.border_post,
                reason=story.reason,
            )
            Contract.objects.filter(pk=contract.pk).update(ended_on=day)
    return contract


def seed_contracts(scale: int) -> list[tuple[str, str]]:
    if Agreement.objects.filter(reference=MARKER).exists():
        return []
    maluti = Agency.objects.filter(registration_number=MALUTI).first()
    people = {user.username: user for user in User.objects.filter(username__in=["registrar", "trainer", "maluti", "khubelu"])}
    if maluti is None or not {"registrar", "trainer", "maluti"} <= set(people) or not can_recruit(maluti.pk):
        return []  # without the ministry's and agencies' demo there is no one to tell these stories
    staff = {MALUTI: people["maluti"]}
    khubelu = Agency.objects.filter(registration_number=KHUBELU).first()
    if khubelu is not None and "khubelu" in people and can_recruit(khubelu.pk):
        staff[KHUBELU] = people["khubelu"]
    first_sms = OutboundSms.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    clock = Clock()
    agreements = _agreements(clock, people["registrar"])
    employers = _employers(clock)
    orders = _orders()
    job_orders = _job_orders(clock, orders, staff, people["registrar"], agreements, employers)
    stories = _stories()
    latest_end = max(add_months(story.start, job_orders[story.order].contract_months) for story in stories)
    workers = _cast(clock, maluti, people["maluti"], latest_end)
    for months, days, venue, district, keys in INTAKES:
        _train(clock, people, maluti, [workers[key] for key in keys], _months(-months, -days), venue, district)
    for story in stories:
        _tell(clock, story, job_orders[story.order], orders[story.order].job_title, workers[story.worker], people, first_sms)

    clock.move([
        Agreement.history.model, AgreementTerms, Employer, Employer.history.model, JobOrder, JobOrder.history.model,
        Contract, Contract.history.model, DeploymentClearance, StateLog, OutboundSms, Worker, Worker.history.model,
        AgencyWorker, Session, Session.history.model, Enrolment, Enrolment.history.model,
    ])
    # The SMS of these stories went out when they happened.
    OutboundSms.objects.filter(pk__gt=first_sms, status=SmsStatus.QUEUED).update(
        status=SmsStatus.SENT, attempts=1, claimed_at=models.F("created_at"), sent_at=models.F("created_at")
    )
    return []
