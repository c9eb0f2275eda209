"""Contracts' part of ``seed_demo --scale N`` (core/bulk.py): per unit 2,000 contracts, 25 job orders, and the
foreign employers they are for (one per five units, at least 30).

The contracts fall under the demo's bilateral agreements, as the rules require: the South African arrangement
(``LS-ZA/2022/01``, in force since April 2022) holds nearly all of them; the Mauritian one (``LS-MU/2025/01``) only
what its annual quota of 500 allows, from September 2025. Three more agreements show the other states: the South
African arrangement it replaced (expired), one under negotiation (draft) and one suspended; none has contracts.

The register runs from a month after the South African arrangement came into force to today, oldest first: the
oldest 55 % have ended (mostly completed), the next third are abroad (mostly deployed), the newest 12 % (the last
sixty days) are in the pipeline, from draft to cleared; a few in each era were rejected or cancelled. Every contract
is for an agency that held a licence at the time, drawn by its share (so a few agencies hold most contracts), under
one of its approved job orders open at the time, for the next worker of its pool who has no live contract; it has its
milestones, stored rule results (a fee or a medical certificate where it was refused or returned), its transition
log, a history row, a clearance once cleared, and the SMS the worker was sent (approval, return, rejection,
clearance, the end-of-contract reminder, and the notice when the agency's licence was suspended or revoked). Job
orders have as many positions as their contracts hold, and more.

Workers whose contract was cleared in the last two years (or is approved and waiting) are left to the training
loader, with the courses the agreement requires and the days they had to train in.
"""

from __future__ import annotations

import array
import datetime
import functools
import math
from dataclasses import dataclass
from decimal import Decimal

from core import bulk
from core.bulk import BulkRun, Numbers, Table, TransitionLog, Weighted, moment, next_id
from core.dates import add_months
from workers.bulk import WorkerSms, can_reply, sms_day

PER_UNIT = 2_000
JOB_ORDERS_PER_UNIT = 25
ZA, MU = "LS-ZA/2022/01", "LS-MU/2025/01"  # the demo's agreements (contracts/demo.py)
MU_SHARE_OF_QUOTA = 0.8  # Mauritius: at most this part of the annual quota, so the quota rule holds
MU_CHANCE = 0.2  # of a contract of an agency that has a Mauritian job order open
EXTRA_AGREEMENTS = [
    # reference, country, title, in force from, until, status, reason
    ("LS-ZA/2012/01", "ZA", "Lesotho–South Africa arrangement on migrant mine labour (replaced)", datetime.date(2012, 4, 1),
     datetime.date(2022, 3, 31), "expired", "Replaced by LS-ZA/2022/01 from 1 April 2022."),
    ("LS-QA/2026/01", "QA", "Lesotho–Qatar arrangement on domestic and hospitality workers (under negotiation)",
     datetime.date(2027, 7, 1), None, "draft", ""),
    ("LS-BW/2023/01", "BW", "Lesotho–Botswana arrangement on construction workers", datetime.date(2023, 10, 1), None,
     "suspended", "Suspended while the wage terms are reviewed with Botswana's Ministry of Labour."),
]

# When a contract is drafted, by its place f in [0, 1) of the register (older first): the old ones have ended, the
# middle ones are abroad, the newest are still in the pipeline.
OLD_END, CURRENT_END = 0.55, 0.88
STATUS_WEIGHTS = {
    "old": {"completed": 88, "terminated": 4, "repatriated": 2, "rejected": 3, "cancelled": 3},
    "current": {"deployed": 82, "completed": 6, "terminated": 4, "repatriated": 2, "rejected": 3, "cancelled": 3},
    "pipeline": {"draft": 15, "submitted": 35, "returned": 7, "approved": 15, "cleared": 15, "rejected": 5, "cancelled": 8},
}
PATHS = {
    "draft": [], "submitted": ["submit"], "returned": ["submit", "return_for_correction"],
    "approved": ["submit", "approve"], "rejected": ["submit", "reject"], "cancelled": ["submit", "cancel"],
    "cleared": ["submit", "approve", "clear"], "deployed": ["submit", "approve", "clear", "depart"],
    "completed": ["submit", "approve", "clear", "depart", "complete"],
    "terminated": ["submit", "approve", "clear", "depart", "terminate"],
    "repatriated": ["submit", "approve", "clear", "depart", "repatriate"],
}
TARGETS = {"submit": "submitted", "return_for_correction": "returned", "approve": "approved", "reject": "rejected",
           "cancel": "cancelled", "clear": "cleared", "depart": "deployed", "complete": "completed",
           "terminate": "terminated", "repatriate": "repatriated"}
LIVE = {"submitted", "approved", "cleared", "deployed"}  # contracts.models.LIVE_STATES: one at a time per worker
WAITING = {"draft", "returned"}  # the worker waits on this contract: no other for now
HOLDS_POSITION = {"approved", "cleared", "deployed", "completed", "terminated", "repatriated"}
REASONS = {
    "returned": "The medical certificate on file is not valid on the start date; attach a current one.",
    "rejected": "The worker told the labour office he was asked for M1,500 to secure this job: workers may not be charged.",
    "cancelled": "The worker withdrew before departure.",
    "terminated": "The employer closed the site; the contract ended early with a month's notice paid.",
    "repatriated": "Repatriated on medical grounds.",
}
OVER_WARNINGS = "The agency has booked the worker on the pre-departure courses before the start date."
BORDER_POSTS = ["Maseru Bridge", "Ficksburg Bridge", "Van Rooyen's Gate", "Caledonspoort", "Qacha's Nek", "Sani Pass"]
ENDING_NOTICE_DAYS = 30  # contracts.services.ENDING_NOTICE_DAYS
TRAINED_SINCE = 0.70  # contracts cleared after this point (about 15 months ago) have their training in the register

# Sector: ISCO-08 occupations (with the job title) and a monthly wage range above every floor of the agreements.
SECTORS = {
    "mining": ([("8111", "Underground miner"), ("8112", "Mineral processing plant operator")], (11_200, 13_800), (12, 24)),
    "agriculture": ([("9211", "Farm worker"), ("6111", "Field crop grower")], (6_400, 7_200), (12,)),
    "domestic_work": ([("9111", "Live-in domestic worker"), ("5152", "Housekeeper")], (6_300, 6_900), (12,)),
    "construction": ([("7112", "Bricklayer"), ("7114", "Concrete worker"), ("9313", "Building labourer")], (7_800, 9_200),
                     (12,)),
    "manufacturing": ([("8153", "Sewing machine operator"), ("7533", "Sewing worker")], (18_500, 19_500), (24,)),
    "hospitality": ([("5120", "Cook"), ("9112", "Hotel cleaner"), ("9412", "Kitchen helper")], (17_500, 19_800), (24,)),
}
ZA_SECTOR_WEIGHTS = {"mining": 40, "agriculture": 25, "construction": 20, "domestic_work": 15}
TOWNS = {"ZA": {"mining": ["Welkom", "Rustenburg", "Carletonville", "Klerksdorp", "Virginia", "Kimberley"],
                "agriculture": ["Ficksburg", "Ladybrand", "Clocolan", "Ceres", "Bethlehem", "Wepener"],
                "construction": ["Bloemfontein", "Johannesburg", "Pretoria", "Kroonstad"],
                "domestic_work": ["Bloemfontein", "Johannesburg", "Durban", "Cape Town"]},
         "MU": {"manufacturing": ["Port Louis", "Curepipe", "Vacoas"],
                "hospitality": ["Grand Baie", "Flic en Flac", "Belle Mare"]}}
KINDS = {"mining": ["Gold Mining", "Platinum", "Coal Mining", "Diamond Mining"],
         "agriculture": ["Fruit Farms", "Vegetable Growers", "Farming", "Orchards"],
         "construction": ["Builders", "Construction", "Civil Works"],
         "domestic_work": ["Home Care Services", "Household Services"], "manufacturing": ["Knitwear", "Textiles"],
         "hospitality": ["Resorts", "Hotels"]}
EMPLOYER_PDF = b"%PDF-1.4\n% Bulk demo demand letter\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

JOB_ORDER_COLUMNS = ["id", "reference", "agency_id", "employer_id", "agreement_id", "occupation_id", "sector_id",
                     "positions", "wage_amount", "currency", "wage_period", "days_per_month", "hours_per_week",
                     "contract_months", "work_place", "valid_from", "valid_until", "demand_letter", "demand_letter_name",
                     "demand_letter_type", "status", "decision_reason", "submitted_at", "submitted_by_id", "decided_at"]
CONTRACT_COLUMNS = ["id", "reference", "worker_id", "agency_id", "job_order_id", "employer_id", "agreement_id",
                    "occupation_id", "sector_id", "job_title", "work_place", "wage_amount", "start_date", "end_date",
                    "deferred_pay_percent", "medical_on", "medical_until", "status", "status_reason", "compliance_checked_at",
                    "created_at", "submitted_at", "approved_at", "cleared_at", "departed_on", "departure_border_post",
                    "ended_on", "return_border_post", "ending_reminded_at", "signed_copy", "signed_copy_name",
                    "signed_copy_type", "signed_copy_uploaded_at"]
# The same in nearly every contract (a South African one whose rules all passed): COPY leaves them out, the table's
# column defaults give them (core.bulk.Table's ``same``); the others write them.
USUAL = {"currency": "ZAR", "wage_period": "month", "days_per_month": None, "hours_per_week": Decimal("45.0"),
         "recruitment_fee": Decimal("0"), "accommodation_provided": True, "transport_provided": True, "insurer": "",
         "insurance_policy": "", "insurance_until": None, "warnings_override": "", "created_by_id": None}
CLEARANCE_COLUMNS = ["id", "contract_id", "number", "issued_on", "valid_until", "issued_at", "issued_by_id", "automatic",
                     "public_token"]


ONE_DAY, SIX_DAYS, FIFTEEN_DAYS = datetime.timedelta(days=1), datetime.timedelta(days=6), datetime.timedelta(days=15)


@functools.lru_cache(maxsize=50_000)
def _end(start: datetime.date, months: int) -> datetime.date:
    """The last day of a contract of ``months`` from ``start``."""
    return add_months(start, months) - datetime.timedelta(days=1)


class Clock:
    """Place in the register (0 oldest … 1 newest) to a moment: see OLD_END and CURRENT_END."""

    def __init__(self, start: datetime.datetime, now: datetime.datetime):
        self.now = now
        old = now - datetime.timedelta(days=694)
        start = min(start, old - datetime.timedelta(days=180))
        self.points = [(0.0, start), (OLD_END, old), (CURRENT_END, now - datetime.timedelta(days=60)), (1.0, now)]

    def at(self, f: float) -> datetime.datetime:
        for (f0, t0), (f1, t1) in zip(self.points, self.points[1:], strict=False):
            if f < f1:
                return t0 + (t1 - t0) * ((f - f0) / (f1 - f0))
        return self.now

    @staticmethod
    def era(f: float) -> str:
        return "old" if f < OLD_END else "current" if f < CURRENT_END else "pipeline"


@dataclass
class Terms:
    agreement_id: int
    country: str
    country_name: str
    currency: str
    insured: bool
    sectors: dict  # sector code → (sector id, deferred pay %)
    occupations: set
    courses: tuple  # the course codes it requires
    quota: int | None
    since: datetime.date


def _terms(run: BulkRun) -> dict[str, Terms]:
    """The demo's two agreements, as their terms stand; wages are checked against every version's floors."""
    from contracts import compliance
    from contracts.models import Agreement

    result = {}
    for reference in (ZA, MU):
        agreement = Agreement.objects.select_related("country").filter(reference=reference).first()
        if agreement is None:
            if reference == ZA:
                raise bulk.BulkRefused(f"The bulk contracts need the demo's South African agreement {ZA}: the plain demo "
                                       "did not load (see the messages above).")
            continue
        versions = list(agreement.terms.prefetch_related("sectors__sector", "occupations", "required_courses"))
        current = max((terms for terms in versions if terms.effective_from <= run.today), key=lambda t: t.effective_from)
        for terms in versions:
            for row in terms.sectors.all():
                floor = compliance.monthly(row.wage_floor, row.period, days_per_month=None, hours_per_week=Decimal("45"))
                lowest = SECTORS.get(row.sector.code, ([], (0, 0), ()))[1][0]
                if floor is not None and lowest < floor:
                    raise bulk.BulkRefused(f"The {row.sector.code} floor of {reference} ({floor:.2f}) is above the bulk "
                                           f"wages ({lowest}): raise contracts.bulk.SECTORS.")
        result[reference] = Terms(
            agreement_id=agreement.pk, country=agreement.country_id, country_name=agreement.country.name,
            currency={"ZA": "ZAR", "MU": "MUR"}.get(agreement.country_id, "LSL"),
            insured=current.insurance_required,
            sectors={row.sector.code: (row.sector_id, row.deferred_pay_percent or Decimal("0"))
                     for row in current.sectors.all() if row.sector.code in SECTORS},
            occupations={occupation.code for occupation in current.occupations.all()},
            courses=tuple(sorted(course.code for course in current.required_courses.all())),
            quota=current.annual_quota, since=agreement.in_force_from,
        )
    return result


def _extra_agreements(run: BulkRun, log: TransitionLog, registrar_id: int | None) -> int:
    """The agreements in the states the demo's two do not show; written through the ORM (three rows)."""
    from contracts.models import Agreement, AgreementTerms, Occupation, Sector, SectorTerms

    added = 0
    for reference, country, title, since, until, status, reason in EXTRA_AGREEMENTS:
        if Agreement.objects.filter(reference=reference).exists():
            continue
        agreement = Agreement.objects.create(
            country_id=country, title=title, reference=reference, signed_on=since - datetime.timedelta(days=60),
            in_force_from=since, in_force_until=until, status=status, status_reason=reason,
        )
        terms = AgreementTerms.objects.create(agreement=agreement, effective_from=since, max_contract_months=24,
                                              max_worker_fee=Decimal("0"), fee_currency="LSL", created_by_id=registrar_id)
        sector = "mining" if country == "ZA" else "construction" if country == "BW" else "hospitality"
        codes = [code for code, _title in SECTORS[sector][0]]
        terms.occupations.set(Occupation.objects.filter(code__in=codes))
        SectorTerms.objects.create(terms=terms, sector=Sector.objects.get(code=sector), wage_floor=Decimal("5000"),
                                   currency={"ZA": "ZAR", "BW": "LSL", "QA": "USD"}.get(country, "LSL"), period="month")
        brought = moment(since - datetime.timedelta(days=5), 11)
        if status in ("expired", "suspended"):
            log.add(Agreement, agreement.pk, brought, registrar_id, "draft", "in_force", "bring_into_force",
                    f"In force from {sms_day(since)}.")
            ended = moment(until + datetime.timedelta(days=1), 8) if until else run.now - datetime.timedelta(days=200)
            log.add(Agreement, agreement.pk, ended, registrar_id, "in_force", status,
                    "expire" if status == "expired" else "suspend", reason)
        added += 1
    return added


def _employers(run: BulkRun, terms: dict[str, Terms], rng) -> list[dict]:
    from contracts.models import Employer

    count = max(30, run.units // 5)
    first = next_id(Employer)
    rows = Table(Employer, ["id", "name", "country_id", "registration_number", "sector_id", "address", "contact_name",
                            "contact_email", "contact_phone", "blacklisted", "blacklist_reason", "blacklisted_at",
                            "created_at"])
    sectors = Weighted(ZA_SECTOR_WEIGHTS)
    employers = []
    start = min(term.since for term in terms.values())
    for n in range(count):
        country = "MU" if MU in terms and n % 20 == 7 else "ZA"
        term = terms[ZA if country == "ZA" else MU]
        sector = sectors.draw(rng) if country == "ZA" else ("manufacturing" if n % 2 else "hospitality")
        if sector not in term.sectors:
            sector = next(iter(term.sectors))
        town = rng.choice(TOWNS[country][sector])
        kind = KINDS[sector][n % len(KINDS[sector])]
        name = f"{town} {kind} (Pty) Ltd" if n < 40 else f"{town} {kind} {n:03d} (Pty) Ltd"
        blacklisted = n % 50 == 49
        recorded = moment(start - datetime.timedelta(days=rng.randrange(400)), 10)
        rows.add((first + n, name, country, f"{2000 + n % 20}/{1000000 + n:07d}/07", term.sectors[sector][0],
                  f"{n + 1} Main Road, {town}", f"{rng.choice(['Pieter', 'Naledi', 'Anna', 'Sipho', 'Thandi', 'Johan'])} "
                  f"{rng.choice(['Botha', 'Mokoena', 'Joubert', 'Dlamini', 'Nkosi', 'Venter'])}",
                  f"recruitment@employer{n}.demo.{'co.za' if country == 'ZA' else 'mu'}", "",
                  blacklisted, "Workers unpaid for three months (labour inspection)." if blacklisted else "",
                  run.now - datetime.timedelta(days=90) if blacklisted else None, recorded))
        if not blacklisted:
            employers.append({"id": first + n, "name": name, "country": country, "sector": sector, "town": town,
                              "terms": ZA if country == "ZA" else MU})
    rows.flush()
    bulk.copy_history(Employer, first)
    return employers


class JobOrders:
    """Each recruiting agency's approved job orders, one per slice of the time it recruits in (oldest first), and its
    Mauritian one when it has one; a few more per agency that were never approved (waiting, rejected, withdrawn)."""

    def __init__(self, run: BulkRun, terms: dict[str, Terms], employers: list[dict], rng):
        from contracts.models import JobOrder

        self.run, self.terms, self.rng = run, terms, rng
        self.next = next_id(JobOrder)
        self.numbers = Numbers(JobOrder, "reference", "JO", 5)
        self.rows: dict[int, list] = {}  # job order id → row values, positions filled in at the end
        self.holding: dict[int, int] = {}
        self.by_agency: dict[int, tuple[datetime.datetime, float, list[dict]]] = {}
        self.mu: dict[int, dict] = {}
        self.za_employers = [employer for employer in employers if employer["country"] == "ZA"]
        self.mu_employers = [employer for employer in employers if employer["country"] == "MU"]
        self.file = bulk.stored_file("job-orders/bulk", EMPLOYER_PDF, "demand-letter.pdf")
        self.extra = 0

    def plan(self, agencies: list, total: int, registrar_id: int | None, log: TransitionLog) -> None:
        from contracts.models import JobOrder

        self.model, self.registrar_id, self.log = JobOrder, registrar_id, log
        now = self.run.now
        for rank, agency in enumerate(agencies):
            begin = agency.recruits_from
            end = agency.recruits_until or now
            if end <= begin:
                continue
            count = max(2, round(total * agency.share))
            length = (end - begin) / count
            orders = []
            for k in range(count):
                opens = begin + length * k
                closes = begin + length * (k + 1)
                employer = self.za_employers[(agency.id * 7 + k * 3) % len(self.za_employers)]
                orders.append(self._order(agency.id, employer, opens, closes, k))
            self.by_agency[agency.id] = (begin, length.total_seconds(), orders)
            mu = self.terms.get(MU)
            if mu and self.mu_employers and rank % 5 == 0 and rank < 100:
                opens = max(begin, moment(mu.since + datetime.timedelta(days=14), 9))
                if opens < end - datetime.timedelta(days=30):
                    employer = self.mu_employers[rank % len(self.mu_employers)]
                    self.mu[agency.id] = self._order(agency.id, employer, opens, end, 0)
            # Job orders never used: one waiting for the registrar, and now and then a refused or withdrawn one.
            for state in ["submitted"] + (["rejected"] if rank % 3 == 0 else []) + (["withdrawn"] if rank % 4 == 1 else []):
                employer = self.za_employers[(agency.id + rank) % len(self.za_employers)]
                when = now - datetime.timedelta(days=2 + self.rng.randrange(20 if state == "submitted" else 300))
                if when > begin:
                    self._order(agency.id, employer, when, when + datetime.timedelta(days=180), 0, status=state)
                    self.extra += 1

    def _order(self, agency_id: int, employer: dict, opens: datetime.datetime, closes: datetime.datetime, k: int,
               status: str = "approved") -> dict:
        terms = self.terms[employer["terms"]]
        occupations, (low, high), months = SECTORS[employer["sector"]]
        covered = [pair for pair in occupations if pair[0] in terms.occupations] or occupations
        occupation, title = covered[(agency_id + k) % len(covered)]
        sector_id, deferred = terms.sectors[employer["sector"]]
        wage = Decimal(low + (agency_id * 37 + k * 11) % (high - low)).quantize(Decimal("1.00"))
        order_id = self.next
        self.next += 1
        submitted = opens - datetime.timedelta(days=14)
        decided = None if status == "submitted" else min(submitted + datetime.timedelta(days=4), self.run.now)
        reason = {"rejected": "The employer's registration could not be confirmed.",
                  "withdrawn": "The employer cancelled the demand."}.get(status, "")
        row = [order_id, self.numbers.next(submitted.year), agency_id, employer["id"], terms.agreement_id, occupation,
               sector_id, None, wage, terms.currency, "month", None, Decimal("45.0"), months[k % len(months)],
               employer["town"], (opens - datetime.timedelta(days=7)).date(), (closes + datetime.timedelta(days=7)).date(),
               self.file, "demand-letter.pdf", "application/pdf", status, reason, submitted, None, decided]
        self.rows[order_id] = row
        if status == "approved" or status == "rejected":
            self.log.add(self.model, order_id, decided, self.registrar_id, "submitted", status,
                         "approve" if status == "approved" else "reject", reason or "Demand letter and terms in order.")
        elif status == "withdrawn":
            self.log.add(self.model, order_id, decided, None, "submitted", "withdrawn", "withdraw", reason)
        return {"id": order_id, "employer": employer, "occupation": occupation, "title": title, "sector_id": sector_id,
                "deferred": deferred, "wage": wage, "months": months[k % len(months)], "terms": terms,
                "closes": closes}

    def for_contract(self, agency_id: int, when: datetime.datetime) -> dict:
        begin, length, orders = self.by_agency[agency_id]
        index = min(int((when - begin).total_seconds() / length), len(orders) - 1)
        return orders[max(index, 0)]

    def write(self) -> int:
        table = Table(self.model, JOB_ORDER_COLUMNS)
        for order_id, row in self.rows.items():
            held = self.holding.get(order_id, 0)
            row[7] = max(5, math.ceil(held * 1.2 / 5) * 5)  # positions: what the contracts hold, and some left
            table.add(tuple(row))
        table.flush()
        return table.count


class ContractWriter:
    def __init__(self, run: BulkRun, clock: Clock, job_orders: JobOrders, registrar_id: int | None, log: TransitionLog,
                 sms: WorkerSms, rng):
        from contracts import compliance
        from contracts.models import Contract, DeploymentClearance

        self.run, self.clock, self.job_orders, self.registrar_id = run, clock, job_orders, registrar_id
        self.log, self.sms, self.rng = log, sms, rng
        self.today, self.now = run.today, run.now
        self.clearances = Table(DeploymentClearance, CLEARANCE_COLUMNS)
        self.model = Contract
        self.next = self.first = next_id(Contract)
        self.next_clearance = next_id(DeploymentClearance)
        self.references = Numbers(Contract, "reference", "CT", 6)
        self.clearance_numbers = Numbers(DeploymentClearance, "number", "DC", 6)
        self.signed = bulk.stored_file("contracts/bulk", EMPLOYER_PDF, "signed-contract.pdf")
        passed = [{"code": rule.code, "severity": rule.severity, "outcome": "pass", "params": {}} for rule in compliance.RULES]

        def failing(code: str, message: str, params: dict) -> str:
            return bulk.json_value([dict(result, outcome="fail", params=dict(params, _message=message))
                                    if result["code"] == code else result for result in passed])

        self.compliance = {
            "pass": bulk.json_value(passed),
            "fee": failing("fee_within_cap", "Under this agreement the employer pays every recruitment fee; the worker may "
                                             "not be charged %(fee)s.", {"fee": "1,500.00 ZAR"}),
            "medical": failing("insurance_medical", "The agreement requires %(missing)s.",
                               {"missing": [["a medical certificate valid on the start date", {}]]}),
            "training": failing("training_complete", "Required training not complete: %(missing)s.",
                                {"missing": "PDO-GEN, PDO-ZA"}),
        }
        # Most contracts are South African and passed every rule: what they have in common goes in once.
        self.usual = Table(Contract, CONTRACT_COLUMNS, same=dict(USUAL, compliance=self.compliance["pass"]))
        self.contracts = Table(Contract, [*CONTRACT_COLUMNS, *USUAL, "compliance"])
        self.eras = {era: Weighted(weights) for era, weights in STATUS_WEIGHTS.items()}
        self.status_counts: dict[str, int] = {}
        self.mu_per_year: dict[int, int] = {}
        self.trainees: list[tuple] = []
        self.sanctioned: dict[int, list] = {}  # agency id → [(worker index, status)] of its last year before it
        # What a STATUS query would have been answered, for workers who can text us (South African numbers):
        # (worker index, reference, status then, end date, clearance number, from, until) as timestamps.
        self.statuses: list[tuple] = []
        self.samples: dict[int, list] = {}  # agency id → a few of its workers (who may complain about it)
        self.fallbacks = 0
        self.plan = run.shared["workers"]

    def add(self, f: float, agency, worker: int, busy_until: array.array, live_worker: bool) -> str:
        """One contract at place ``f`` for ``agency`` and worker index ``worker``; returns its status."""
        rng, today, clock = self.rng, self.today, self.clock
        plan_ = self.plan
        era = Clock.era(f)
        created = clock.at(f).replace(microsecond=0) + datetime.timedelta(seconds=int(rng.random() * 3600))
        created = min(created, self.now - datetime.timedelta(minutes=5))
        job_order = self.job_orders.for_contract(agency.id, created)
        mu_order = self.job_orders.mu.get(agency.id)
        if mu_order is not None and created >= moment(mu_order["terms"].since, 0) and rng.random() < MU_CHANCE:
            cap = int((mu_order["terms"].quota or 10**9) * MU_SHARE_OF_QUOTA)
            if self.mu_per_year.get(created.year, 0) < cap:
                self.mu_per_year[created.year] = self.mu_per_year.get(created.year, 0) + 1
                job_order = mu_order
        status = "cancelled" if live_worker else self.eras[era].draw(rng)
        start = created.date() + datetime.timedelta(days=30 if era != "pipeline" else 30 + int(rng.random() * 60))
        months = job_order["months"]
        if era == "old" and _end(start, months) >= today:
            months = 12
        if era == "current" and _end(start, months) < today:
            months = 24
        end = _end(start, months)
        if status == "completed" and end >= today:
            status = "deployed"
        if status in ("deployed", "terminated", "repatriated") and start >= today:
            status = "cleared"
        path = [] if live_worker else PATHS[status]  # a draft the worker dropped while under another contract
        if live_worker:
            path = ["cancel"]
        age = self.now - created
        # Submission, decision and clearance come 1, 6 and 15 days after drafting (sooner for a recent draft: never in
        # the future).
        recent = age < FIFTEEN_DAYS * 1.25
        departed = start if "depart" in path else None
        ended = None
        if status == "completed":
            ended = end
        elif status in ("terminated", "repatriated"):
            ended = min(start + datetime.timedelta(days=30 + rng.randrange(300)), today - datetime.timedelta(days=1))
        submitted = (created + (min(ONE_DAY, age * 0.2) if recent else ONE_DAY)) if "submit" in path else None
        decided = None
        if len(path) > 1 and path[1] in ("approve", "reject", "return_for_correction", "cancel"):
            decided = created + (min(SIX_DAYS, age * 0.5) if recent else SIX_DAYS)
        approved = decided if "approve" in path else None
        cleared = (created + (min(FIFTEEN_DAYS, age * 0.8) if recent else FIFTEEN_DAYS)) if "clear" in path else None
        cancelled_at = min(created + datetime.timedelta(days=3), self.now) if live_worker else decided
        contract_id = self.next
        self.next += 1
        reference = self.references.next(created.year)
        terms = job_order["terms"]
        insured = terms.insured
        holds = status in HOLDS_POSITION
        if holds:
            self.job_orders.holding[job_order["id"]] = self.job_orders.holding.get(job_order["id"], 0) + 1
        fee = Decimal("1500.00") if status == "rejected" else Decimal("0")
        medical_ok = status != "returned"
        trained = (status in ("cleared", "deployed", "completed", "terminated", "repatriated") and f >= TRAINED_SINCE
                   and terms.courses)
        waiting_training = status == "approved" and terms.courses
        results = ("fee" if status == "rejected" else "medical" if status == "returned"
                   else "training" if waiting_training else "pass")
        signed = approved is not None and status != "cancelled"
        reminded = None
        if status in ("deployed", "completed") and end - datetime.timedelta(days=ENDING_NOTICE_DAYS) <= today:
            reminded = max(moment(end - datetime.timedelta(days=ENDING_NOTICE_DAYS), 6), cleared or created)
            reminded = min(reminded, self.now - datetime.timedelta(minutes=1))
        row = (
            contract_id, reference, plan_.first_id + worker, agency.id, job_order["id"], job_order["employer"]["id"],
            terms.agreement_id, job_order["occupation"], job_order["sector_id"], job_order["title"],
            job_order["employer"]["town"], job_order["wage"], start, end, job_order["deferred"],
            start - datetime.timedelta(days=40) if medical_ok else None,
            start + datetime.timedelta(days=335) if medical_ok else None,
            status, REASONS.get(status, ""), submitted or created, created, submitted, approved, cleared, departed,
            BORDER_POSTS[contract_id % len(BORDER_POSTS)] if departed else "", ended,
            BORDER_POSTS[(contract_id + 1) % len(BORDER_POSTS)] if ended else "", reminded,
            self.signed if signed else "", "signed-contract.pdf" if signed else "", "application/pdf" if signed else "",
            submitted if signed else None,
        )
        if results == "pass" and not insured and terms.currency == "ZAR":
            self.usual.add(row)
        else:
            self.contracts.add((
                *row, terms.currency, "month", None, Decimal("45.0"), fee, True, True,
                "Mauritius Union Assurance" if insured else "", f"POL-{contract_id}" if insured else "",
                end if insured else None, OVER_WARNINGS if waiting_training else "", None, self.compliance[results],
            ))
        # The transition log, as each step wrote it.
        source = "draft"
        for transition in path:
            when = {"submit": submitted, "approve": decided, "reject": decided, "return_for_correction": decided,
                    "clear": cleared, "cancel": cancelled_at}.get(transition)
            if when is None:
                day = departed if transition == "depart" else ended
                when = moment(day, 7) if day else min((decided or created) + datetime.timedelta(days=2), self.now)
            by = self.registrar_id if transition in ("approve", "reject", "return_for_correction", "clear") else None
            self.log.add(self.model, contract_id, when, by, source, TARGETS[transition], transition,
                         REASONS.get(TARGETS[transition]) if transition != "submit" else None)
            source = TARGETS[transition]
        number = None
        if cleared is not None:
            number = self.clearance_numbers.next(cleared.year)
            self.clearances.add((self.next_clearance, contract_id, number, cleared.date(), end, cleared, self.registrar_id,
                                 False, bulk.token(rng)))
            self.next_clearance += 1
        # What the worker was told.
        context = {"reference": reference, "employer": job_order["employer"]["name"], "country": terms.country_name,
                   "agency": agency.name, "start": sms_day(start), "end": sms_day(end)}
        if approved:
            self.sms.send(worker, "contract.approved", approved + datetime.timedelta(seconds=5), context)
        if "return_for_correction" in path:
            self.sms.send(worker, "contract.returned", decided + datetime.timedelta(seconds=5), context)
        if status == "rejected":
            self.sms.send(worker, "contract.rejected", decided + datetime.timedelta(seconds=5),
                          dict(context, reason=REASONS["rejected"]))
        if number:
            self.sms.send(worker, "contract.cleared", cleared + datetime.timedelta(seconds=5), dict(context, number=number))
        if reminded:
            self.sms.send(worker, "contract.ending", reminded, context)
        # When the worker is free for another contract.
        if status in LIVE or status in WAITING:
            busy = float("inf")
        elif ended:
            busy = bulk.timestamp(moment(ended, 12))
        else:
            busy = bulk.timestamp(cancelled_at or created)
        if not live_worker:  # a dropped draft leaves the worker as busy as their live contract keeps them
            busy_until[worker] = busy
        plan_.needed(worker, created)
        if trained or waiting_training:
            earliest = created + datetime.timedelta(days=2)
            latest = (cleared - datetime.timedelta(days=1)) if cleared else moment(start - datetime.timedelta(days=3), 17)
            self.trainees.append((worker, agency.id, terms.courses, bulk.timestamp(earliest), bulk.timestamp(latest),
                                  bool(trained), reference, status, end.toordinal(), number or ""))
        sample = self.samples.setdefault(agency.id, [])
        if len(sample) < 12 and f >= 0.4:
            sample.append(worker)
        if agency.recruits_until is not None and agency.licence_status != "expired":
            if agency.recruits_until - created < datetime.timedelta(days=365):
                self.sanctioned.setdefault(agency.id, []).append((worker, status))
        if can_reply(worker):
            if departed:
                shown, since, until = "deployed", moment(departed, 7), moment(ended, 12) if ended else self.now
            else:
                since = cleared or decided or cancelled_at or submitted or created
                shown, until = status, self.now
            if since < until:
                self.statuses.append((worker, reference, shown, end, number or "", bulk.timestamp(since), bulk.timestamp(until)))
        self.status_counts[status] = self.status_counts.get(status, 0) + 1
        return status

    def flush(self) -> None:
        self.contracts.flush()
        self.usual.flush()
        self.clearances.flush()

    def tell_of_sanctions(self, agencies: dict) -> int:
        """The SMS every worker with a pending or active contract got when the agency's licence was sanctioned."""
        from django.conf import settings

        told = 0
        for agency_id, workers in self.sanctioned.items():
            agency = agencies[agency_id]
            key = "contract.agency_suspended" if agency.licence_status == "suspended" else "contract.agency_revoked"
            context = {"agency": agency.name, "licence": "", "helpline": settings.MINISTRY_HELPLINE}
            for worker, status in dict(workers).items():
                if status in ("submitted", "returned", "approved", "cleared", "deployed", "completed", "terminated"):
                    told += self.sms.send(worker, key, agency.recruits_until + datetime.timedelta(minutes=10), context,
                                          agency_id=agency_id)
        return told


def _contracts(run: BulkRun, writer: ContractWriter, agencies: list) -> None:
    """``PER_UNIT`` × units contracts, oldest first, each for an agency drawn by its share that held a licence then, and
    the next worker of its pool who is free."""
    plan_ = run.shared["workers"]
    rng = writer.rng
    total = PER_UNIT * run.units
    draw = Weighted([(agency, agency.share) for agency in agencies])
    pools = {agency_id: [first, size, 0] for agency_id, first, size in plan_.pools if size}
    busy_until = array.array("d", bytes(8 * plan_.count))
    biggest = sorted(agencies, key=lambda agency: -agency.share)
    for i in range(total):
        f = i / total
        when = writer.clock.at(f)
        agency = draw.draw(rng)
        tries = 0
        while (not agency.recruits_at(when) or agency.id not in pools) and tries < 20:
            agency, tries = draw.draw(rng), tries + 1
        if not agency.recruits_at(when) or agency.id not in pools:
            agency = next((candidate for candidate in biggest if candidate.recruits_at(when) and candidate.id in pools), None)
            if agency is None:
                continue
        pool = pools[agency.id]
        first, size, pointer = pool
        stamp = bulk.timestamp(when)
        worker, live = None, False
        for _attempt in range(min(size, 40)):
            candidate = first + pointer % size
            pointer += 1
            if busy_until[candidate] <= stamp:
                worker = candidate
                break
        if worker is None:  # everyone tried is abroad or waiting: the draft is dropped, as happens
            worker, live = first + pointer % size, True
            pointer += 1
            writer.fallbacks += 1
        pool[2] = pointer
        writer.add(f, agency, worker, busy_until, live)


def load(run: BulkRun) -> str:
    from contracts.models import Contract
    from core.models import User

    rng = run.rng("contracts")
    registrar_id = User.objects.filter(username="registrar").values_list("pk", flat=True).first()
    log = run.log
    terms = _terms(run)
    extra = _extra_agreements(run, log, registrar_id)
    employers = _employers(run, terms, rng)
    agencies = [agency for agency in run.shared.get("agencies", []) if agency.share > 0]
    za_start = moment(terms[ZA].since + datetime.timedelta(days=30), 9)
    clock = Clock(za_start, run.now)
    for agency in agencies:  # nobody recruits under the agreement before it is in force
        agency.recruits_from = max(agency.recruits_from, za_start)
    job_orders = JobOrders(run, terms, employers, rng)
    job_orders.plan(agencies, JOB_ORDERS_PER_UNIT * run.units, registrar_id, log)
    agencies = [agency for agency in agencies if agency.id in job_orders.by_agency]
    sms = WorkerSms(run, "contracts")
    writer = ContractWriter(run, clock, job_orders, registrar_id, log, sms, rng)
    _contracts(run, writer, agencies)
    writer.flush()
    told = writer.tell_of_sanctions({agency.id: agency for agency in agencies})
    orders = job_orders.write()
    sms.flush()
    bulk.copy_history(Contract, writer.first)
    run.shared["trainees"] = writer.trainees
    run.shared["status_answers"] = writer.statuses
    run.shared["agency_workers"] = writer.samples
    statuses = ", ".join(f"{status} {count:,}" for status, count in sorted(writer.status_counts.items(), key=lambda r: -r[1]))
    contracts = writer.contracts.count + writer.usual.count
    return (f"{contracts:,} contracts ({statuses}), {writer.clearances.count:,} clearances, {orders:,} job "
            f"orders, {len(employers):,} employers, {extra} more agreements, {sms.count:,} SMS ({told:,} sanction notices), "
            f"{len(writer.trainees):,} workers to train, {writer.fallbacks:,} drafts dropped for a busy worker")


def found() -> str:
    from contracts.models import Employer

    count = Employer.objects.filter(registration_number__regex=r"^[0-9]{4}/[0-9]{7}/07$").count()
    return f"{count:,} bulk employers" if count else ""


bulk.register(bulk.BulkLoader(
    name="contracts", load=load, order=50, found=found,
    tables=("contracts.Contract", "contracts.HistoricalContract", "contracts.DeploymentClearance", "contracts.JobOrder",
            "django_fsm_log.StateLog", "notifications.OutboundSms"),
    # The outbox's partial indexes (messages waiting, resent ones) hold a few thousand of its ten million rows.
    keep={"notifications.OutboundSms": ("WHERE",)},
))
