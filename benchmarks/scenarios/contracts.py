"""Contracts at scale (issue 5, "Performance"): the contract and job-order lists, the searches, a contract's page.

``prepare`` builds the data once per scale and every scenario here shares it: about scale × 100,000 workers
and scale × 200,000 contracts in every state (most deployed or completed), with their milestones, transition
log, a history row each and deployment clearances, spread over 200 licensed agencies and the demo's Maluti
(a tenth of everything, so its staff see a big list), plus scale × 2,500 job orders. On PostgreSQL the big
tables are written with COPY; elsewhere with bulk_create, and the sizes divided by 20 (budgets are for
PostgreSQL). Workers and contracts are numbered after the demo's rows, so ``seed_demo`` may run before.

Each page is fetched by a signed-in client, as a browser would. ``prepare`` also fetches every page once with
its queries captured: the count is added to the scenario's name ("[9 q]") and printed, the same page is
compared with a small agency's or a short history's (the count must not grow with the data), and with
``CONTRACTS_BENCH_EXPLAIN=1`` on PostgreSQL the slowest query of each page is shown with EXPLAIN ANALYZE.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import random
import time
from decimal import Decimal

from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from benchmarks.harness import Scenario, signed_in_client

PER_SCALE = {"workers": 100_000, "contracts": 200_000, "job_orders": 2_500}
AGENCIES = 200
EMPLOYERS = 150
SQLITE_DIVISOR = 20
BATCH = 5_000
BUDGET = 0.15
REPEAT = 15
MALUTI = "LS-2015/00412"  # the demo's licensed agency (seed_demo); its staff user is "maluti"
MALUTI_SHARE = 0.10
SMALL_AGENCY_CONTRACTS = 5
SEED = 2026

_PREPARED: dict[int, dict] = {}

# Where in time a contract falls, by its position f in [0, 1) of the whole register (older first):
# the old ones have ended, the middle ones are abroad, the newest 12 % are still in the pipeline.
OLD_END, CURRENT_END = 0.55, 0.88
YEARS_BACK = 8
STATUS_WEIGHTS = {
    "old": {"completed": 88, "terminated": 4, "repatriated": 2, "rejected": 3, "cancelled": 3},
    "current": {"deployed": 82, "completed": 6, "terminated": 4, "repatriated": 2, "rejected": 3, "cancelled": 3},
    "pipeline": {"draft": 15, "submitted": 35, "returned": 7, "approved": 15, "cleared": 15, "rejected": 5, "cancelled": 8},
}
# The transitions that lead to each state (django-fsm-log rows), from draft.
PATHS = {
    "draft": [],
    "submitted": ["submit"],
    "returned": ["submit", "return_for_correction"],
    "approved": ["submit", "approve"],
    "rejected": ["submit", "reject"],
    "cancelled": ["submit", "cancel"],
    "cleared": ["submit", "approve", "clear"],
    "deployed": ["submit", "approve", "clear", "depart"],
    "completed": ["submit", "approve", "clear", "depart", "complete"],
    "terminated": ["submit", "approve", "clear", "depart", "terminate"],
    "repatriated": ["submit", "approve", "clear", "depart", "repatriate"],
}
TARGETS = {
    "submit": "submitted",
    "return_for_correction": "returned",
    "approve": "approved",
    "reject": "rejected",
    "cancel": "cancelled",
    "clear": "cleared",
    "depart": "deployed",
    "complete": "completed",
    "terminate": "terminated",
    "repatriate": "repatriated",
}
REASONS = {
    "returned": "The wage is below the job order's; correct it and submit again.",
    "rejected": "The employer's demand letter does not match the job order.",
    "cancelled": "The worker withdrew before departure.",
    "terminated": "The mine closed the shaft; the contract ended early.",
    "repatriated": "Repatriated on medical grounds.",
}
BORDER_POSTS = ["Maseru Bridge", "Ficksburg Bridge", "Van Rooyen's Gate", "Caledonspoort", "Qacha's Nek", "Sani Pass"]

FIRST_NAMES = ["Thabo", "Lineo", "Tšepo", "Mpho", "Palesa", "Teboho", "'Maseabata", "Lerato", "Bokang", "Nthabiseng",
               "Motlatsi", "Rethabile", "Kabelo", "'Mamello", "Tumelo", "Puleng", "Sello", "Karabo", "Lehlohonolo",
               "Refiloe", "Neo", "Dineo", "Tšeliso", "Khotso", "Lipuo", "Mohau", "Thapelo", "Relebohile", "Katleho"]
SURNAMES = ["Mokoena", "Mokhele", "Ramokoena", "Letsie", "Sekoati", "Mofokeng", "Nkuebe", "Mohapi", "Moloi", "Ntho",
            "Lebona", "Tau", "Makara", "Mothibeli", "Selebalo", "Phakoe", "Matsoso", "Ramone", "Lekhotla", "Khiba",
            "Molapo", "Seeiso", "Thamae", "Motanyane", "Ntsekhe", "Mahlaha", "Tlali", "Nthako", "Posholi", "Mosala",
            "Mokhothu", "Lerotholi", "Majara", "Mathaba", "Rakuoane", "Sello", "Thabane", "Mosisili", "Moshoeshoe"]
# Rarer surnames, made of syllables, so that a name search meets both common and uncommon names.
SYLLABLES = (["Mo", "Ma", "Le", "Ra", "Se", "Nt", "Kh", "Ph", "Th", "Ts", "Mak", "Mot", "Let", "Ram", "Sek", "Tl"],
             ["ko", "ha", "to", "le", "se", "li", "pu", "ne", "ka", "tla", "bo", "tso"],
             ["ena", "pi", "lo", "tsi", "ng", "ane", "tso", "ho", "li", "e", "la", "koe"])
DISTRICTS = ["maseru", "berea", "leribe", "mafeteng", "mohales_hoek", "quthing", "qachas_nek", "mokhotlong", "thaba_tseka",
             "butha_buthe"]


# --- Writing many rows ------------------------------------------------------------------------------------------------


def _fields(model) -> dict:
    return {field.attname: field for field in model._meta.concrete_fields}


def _write(model, columns: list[str], rows: list[tuple]) -> None:
    """Insert ``rows`` (values of ``columns``, attnames); COPY on PostgreSQL, bulk_create elsewhere.

    For COPY the values must be what psycopg adapts (str, int, Decimal, date, aware datetime, bool, None; JSON as
    text); every other column gets the field's default, worked out once (so no column left out may be unique)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=BATCH)
        return
    fields = _fields(model)
    rest = [field for name, field in fields.items() if name not in columns]
    rest_values = tuple(field.get_db_prep_save(field.get_default(), connection) for field in rest)
    names = ", ".join(connection.ops.quote_name(fields[name].column) for name in columns)
    names += "".join(", " + connection.ops.quote_name(field.column) for field in rest)
    rest_text = "".join("\t" + _copy_text(value) for value in rest_values)
    data = "".join("\t".join([_copy_text(value) for value in row]) + rest_text + "\n" for row in rows)
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN") as copy:
            copy.write(data)


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_TEXT = {
    str: lambda value: value.translate(_ESCAPES),
    int: str,
    Decimal: str,
    bool: lambda value: "t" if value else "f",
    type(None): lambda value: "\\N",
    datetime.date: datetime.date.isoformat,
    datetime.datetime: datetime.datetime.isoformat,
}


def _copy_text(value) -> str:
    """A value in COPY's text format (psycopg's write_row does the same, several times slower)."""
    try:
        return _TEXT[type(value)](value)
    except KeyError:
        if isinstance(value, str):  # a choices member
            return str(value).translate(_ESCAPES)
        from psycopg.adapt import Transformer  # an adapter object (a default's JSON, say): psycopg's own text dump

        return bytes(Transformer().get_dumper(value, "t").dump(value)).decode().translate(_ESCAPES)


class IndexesSetAside:
    """On PostgreSQL, drop the plain indexes of ``models``' tables while they are loaded and build them again after:
    one CREATE INDEX is much faster than millions of insertions. Indexes that back a constraint (primary keys,
    unique columns) stay; a partial unique index is rebuilt, so a duplicate would still fail loudly."""

    def __init__(self, models: list):
        self.tables = [model._meta.db_table for model in models]
        self.definitions: list[str] = []

    def __enter__(self):
        if connection.vendor != "postgresql":
            return self
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY(%s) "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u', 'x'))",
                [self.tables],
            )
            rows = cursor.fetchall()
            for name, _definition in rows:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        self.definitions = [definition for _name, definition in rows]
        return self

    def __exit__(self, *exc_info):
        if exc_info[0] is None and self.definitions:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                for definition in self.definitions:
                    cursor.execute(definition)
        return False


def _next_id(model) -> int:
    from django.db.models import Max

    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def _reset_sequences(models: list) -> None:
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


# --- The data -----------------------------------------------------------------------------------------------------------


def _sizes(scale: int) -> dict:
    divisor = 1 if connection.vendor == "postgresql" else SQLITE_DIVISOR
    return {name: max(per_scale * scale // divisor, 100) for name, per_scale in PER_SCALE.items()}


def _user(username: str, role: str, agency=None):
    from django.contrib.auth.models import Group

    from agencies.models import AgencyMembership
    from core.models import User

    user, created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@bench.invalid"})
    if created:
        user.groups.add(Group.objects.get(name=role))
        if agency is not None:
            AgencyMembership.objects.create(user=user, agency=agency)
    return user


def _licensed_agency(number: str, licence: str, name: str, today: datetime.date):
    from agencies.models import Agency, Licence

    agency, created = Agency.objects.get_or_create(
        registration_number=number, defaults={"legal_name": f"{name} (Pty) Ltd", "trading_name": name, "district": "maseru"}
    )
    if created:
        Licence.objects.create(agency=agency, number=licence, issued_on=today - datetime.timedelta(days=100),
                               valid_from=today - datetime.timedelta(days=100), expires_on=today + datetime.timedelta(days=265))
    return agency


def _agreements(today: datetime.date) -> list[dict]:
    """Two agreements in force for years, each with one version of terms: what contracts and job orders refer to."""
    from contracts.models import Agreement, AgreementStatus, AgreementTerms, Occupation, Sector, SectorTerms

    plans = [
        ("ZA", "Lesotho–South Africa labour arrangement (benchmark)", "BENCH-LS-ZA", 24, False, "ZAR",
         {"mining": (Decimal("9500"), "month", Decimal("30")), "agriculture": (Decimal("5614.05"), "month", None),
          "domestic_work": (Decimal("5614.05"), "month", None), "construction": (Decimal("6500"), "month", None)},
         ["8111", "8112", "9211", "6111", "9111", "5152", "7112", "7114", "9313"]),
        ("MU", "Lesotho–Mauritius labour agreement (benchmark)", "BENCH-LS-MU", 36, True, "MUR",
         {"manufacturing": (Decimal("17000"), "month", None), "hospitality": (Decimal("16500"), "month", None)},
         ["8153", "7533", "5120", "5131", "9112", "9412"]),
    ]
    sectors = {sector.code: sector for sector in Sector.objects.all()}
    result = []
    for country, title, reference, months, insured, currency, sector_terms, occupations in plans:
        since = today.replace(year=today.year - YEARS_BACK - 1)
        agreement, created = Agreement.objects.get_or_create(
            reference=reference,
            defaults={"country_id": country, "title": title, "in_force_from": since, "signed_on": since,
                      "status": AgreementStatus.IN_FORCE},
        )
        if created:
            terms = AgreementTerms.objects.create(agreement=agreement, effective_from=since, max_contract_months=months,
                                                  max_worker_fee=Decimal("0"), insurance_required=insured,
                                                  medical_required=insured)
            terms.occupations.add(*Occupation.objects.filter(code__in=occupations))
            for code, (floor, period, deferred) in sector_terms.items():
                SectorTerms.objects.create(terms=terms, sector=sectors[code], wage_floor=floor, currency=currency,
                                           period=period, deferred_pay_percent=deferred)
        result.append({"agreement_id": agreement.pk, "country": country, "currency": currency, "insured": insured,
                       "sectors": {code: (sectors[code].pk, floor, deferred) for code, (floor, _p, deferred)
                                   in sector_terms.items()},
                       "occupations": occupations})
    return result


def _employers(agreements: list[dict], rng: random.Random) -> list[dict]:
    from contracts.models import Employer

    start = _next_id(Employer)
    kinds = {"mining": "Mining", "agriculture": "Farms", "domestic_work": "Household Services", "construction": "Builders",
             "manufacturing": "Textiles", "hospitality": "Resorts"}
    towns = {"ZA": ["Welkom", "Rustenburg", "Ficksburg", "Bloemfontein", "Johannesburg", "Ladybrand"],
             "MU": ["Port Louis", "Curepipe", "Grand Baie", "Flic en Flac"]}
    rows, employers = [], []
    for n in range(EMPLOYERS):
        agreement = agreements[0] if n % 5 else agreements[1]  # four in five in South Africa
        sector = list(agreement["sectors"])[n % len(agreement["sectors"])]
        town = towns[agreement["country"]][n % len(towns[agreement["country"]])]
        rows.append(Employer(id=start + n, name=f"{town} {kinds[sector]} {n:03d} (Pty) Ltd", country_id=agreement["country"],
                             registration_number=f"BENCH/{n:05d}/07", sector_id=agreement["sectors"][sector][0],
                             address=f"{n + 1} Main Road, {town}", blacklisted=n % 50 == 49,
                             blacklist_reason="Workers unpaid for three months." if n % 50 == 49 else ""))
        employers.append({"id": start + n, "agreement": agreement, "sector": sector})
    Employer.objects.bulk_create(rows, batch_size=BATCH)
    rng.shuffle(employers)
    return employers


def _agencies(today: datetime.date) -> list[int]:
    from agencies.models import Agency, Licence, LicenceStatus

    start, licence_start = _next_id(Agency), _next_id(Licence)
    since = today - datetime.timedelta(days=200)
    Agency.objects.bulk_create(
        [Agency(id=start + n, legal_name=f"Bench Recruitment {n:03d} (Pty) Ltd", trading_name=f"Bench Recruitment {n:03d}",
                registration_number=f"LS-BENCH-C/{n:05d}", district=DISTRICTS[n % len(DISTRICTS)]) for n in range(AGENCIES)],
        batch_size=BATCH,
    )
    Licence.objects.bulk_create(
        [Licence(id=licence_start + n, agency_id=start + n, number=f"PEA-BC-{n:05d}", issued_on=since, valid_from=since,
                 expires_on=today + datetime.timedelta(days=165),
                 status=LicenceStatus.SUSPENDED if n % 20 == 19 else LicenceStatus.ACTIVE) for n in range(AGENCIES)],
        batch_size=BATCH,
    )
    return [start + n for n in range(AGENCIES)]


class Clock:
    """Position in the register (0 oldest … 1 newest) to a moment: see OLD_END and CURRENT_END."""

    def __init__(self, now: datetime.datetime):
        self.now = now
        self.points = [(0.0, now - datetime.timedelta(days=365 * YEARS_BACK)), (OLD_END, now - datetime.timedelta(days=694)),
                       (CURRENT_END, now - datetime.timedelta(days=60)), (1.0, now)]

    def at(self, f: float) -> datetime.datetime:
        for (f0, t0), (f1, t1) in zip(self.points, self.points[1:], strict=False):
            if f < f1:
                return t0 + (t1 - t0) * ((f - f0) / (f1 - f0))
        return self.now

    @staticmethod
    def era(f: float) -> str:
        return "old" if f < OLD_END else "current" if f < CURRENT_END else "pipeline"


def _job_orders(agency_ids: list[int], shares: list[float], employers: list[dict], count: int, clock: Clock,
                rng: random.Random) -> dict[int, list[dict]]:
    """Job orders per agency, oldest first; each agency gets its share of them (at least two)."""
    from contracts.models import JobOrder

    start = _next_id(JobOrder)
    rows, by_agency, per_year = [], {}, {}
    for agency_id, share in zip(agency_ids, shares, strict=True):
        mine = max(2, round(count * share))
        for j in range(mine):
            f = j / mine
            employer = employers[(agency_id * 7 + j) % len(employers)]
            agreement = employer["agreement"]
            sector_id, floor, deferred = agreement["sectors"][employer["sector"]]
            submitted = clock.at(f) - datetime.timedelta(days=14)
            year = submitted.year
            per_year[year] = per_year.get(year, 50_000) + 1
            status = "approved"
            if f >= 0.97:
                status = rng.choice(["submitted", "submitted", "approved", "rejected", "withdrawn"])
            job_order = {
                "id": start + len(rows), "agreement_id": agreement["agreement_id"], "employer_id": employer["id"],
                "occupation_id": agreement["occupations"][j % len(agreement["occupations"])], "sector_id": sector_id,
                "wage": (floor * Decimal("1.1")).quantize(Decimal("0.01")), "currency": agreement["currency"],
                "months": 12 if j % 3 else 24, "deferred": deferred or Decimal("0"), "insured": agreement["insured"],
                "work_place": f"Site {employer['id']}",
            }
            rows.append(JobOrder(
                id=job_order["id"], reference=f"JO-{year}-{per_year[year]:05d}", agency_id=agency_id,
                employer_id=employer["id"], agreement_id=agreement["agreement_id"], occupation_id=job_order["occupation_id"],
                sector_id=sector_id, positions=100 + j % 50, wage_amount=job_order["wage"], currency=agreement["currency"],
                wage_period="month", hours_per_week=Decimal("45"), contract_months=job_order["months"],
                work_place=job_order["work_place"], valid_from=submitted.date() + datetime.timedelta(days=7),
                valid_until=submitted.date() + datetime.timedelta(days=7 + 365), demand_letter="job-orders/bench/demand.pdf",
                demand_letter_name="demand.pdf", demand_letter_type="application/pdf", status=status,
                submitted_at=submitted, decided_at=None if status == "submitted" else submitted + datetime.timedelta(days=3),
                decision_reason="The employer is not registered in the sector." if status == "rejected" else "",
            ))
            by_agency.setdefault(agency_id, []).append(job_order)
    JobOrder.objects.bulk_create(rows, batch_size=BATCH)
    return by_agency


def _surname(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return SURNAMES[min(int(rng.paretovariate(1.2)) - 1, len(SURNAMES) - 1)] if rng.random() < 0.5 else rng.choice(SURNAMES)
    return "".join(rng.choice(part) for part in SYLLABLES)


WORKER_COLUMNS = ["id", "first_name", "last_name", "sex", "date_of_birth", "national_id", "passport_number",
                  "passport_expires_on", "district", "village", "mobile", "preferred_language", "sms_consent",
                  "consent_changed_at", "consent_method", "created_at"]
LINK_COLUMNS = ["id", "agency_id", "worker_id", "started_at"]


def _workers(pools: list[tuple[int, int, int]], first_worker: int, first_link: int, clock: Clock, rng: random.Random,
             today: datetime.date) -> dict[int, tuple]:
    """Every worker of every pool (agency, first id, count) with an open link to that agency.

    Returns the rows of the first pool's (Maluti's) passport holders: the searches look for one of them."""
    from workers.models import AgencyWorker, Worker

    kept = {}
    workers, links = [], []
    for agency_id, first, count in pools:
        for k in range(count):
            w = first + k
            n = w - first_worker
            registered = clock.at(k / count) - datetime.timedelta(days=20)
            passport = f"RC{n:07d}" if n % 10 < 7 else ""
            row = (w, FIRST_NAMES[n % len(FIRST_NAMES)], _surname(rng), "female" if n % 3 == 0 else "male",
                   datetime.date(1965 + n % 38, 1 + n % 12, 1 + n % 28), f"BC{n:010d}", passport,
                   today + datetime.timedelta(days=200 + n % 3000) if passport else None, DISTRICTS[n % len(DISTRICTS)],
                   f"Ha {FIRST_NAMES[(n // 7) % len(FIRST_NAMES)].strip(chr(39))}", f"+2665{n % 10_000_000:07d}",
                   "st" if n % 4 else "en", n % 5 != 0, registered if n % 5 else None, "paper" if n % 5 else "", registered)
            workers.append(row)
            links.append((first_link + n, agency_id, w, registered))
            if passport and agency_id == pools[0][0]:
                kept[w] = row
            if len(workers) >= BATCH:
                _write(Worker, WORKER_COLUMNS, workers)
                _write(AgencyWorker, LINK_COLUMNS, links)
                workers, links = [], []
    _write(Worker, WORKER_COLUMNS, workers)
    _write(AgencyWorker, LINK_COLUMNS, links)
    return kept


CONTRACT_COLUMNS = ["id", "reference", "worker_id", "agency_id", "job_order_id", "employer_id", "agreement_id", "occupation_id",
                    "sector_id", "job_title", "work_place", "wage_amount", "currency", "wage_period", "hours_per_week",
                    "start_date", "end_date", "recruitment_fee", "deferred_pay_percent", "accommodation_provided",
                    "transport_provided", "insurer", "insurance_policy", "insurance_until", "medical_on", "medical_until",
                    "status", "status_reason", "compliance", "compliance_checked_at", "created_at", "submitted_at",
                    "approved_at", "cleared_at", "departed_on", "departure_border_post", "ended_on", "return_border_post",
                    "signed_copy_name", "signed_copy_type"]
LOG_COLUMNS = ["id", "timestamp", "by_id", "source_state", "state", "transition", "content_type_id", "object_id", "description"]
CLEARANCE_COLUMNS = ["id", "contract_id", "number", "issued_on", "valid_until", "issued_at", "issued_by_id", "automatic",
                     "public_token"]


class ContractWriter:
    """Builds a contract's row, its transition log and its clearance, and writes them BATCH contracts at a time."""

    def __init__(self, clock: Clock, rng: random.Random, today: datetime.date, registrar_id: int):
        from django.contrib.contenttypes.models import ContentType
        from django_fsm_log.models import StateLog

        from contracts import compliance
        from contracts.models import Contract, DeploymentClearance

        self.clock, self.rng, self.today, self.registrar_id = clock, rng, today, registrar_id
        self.content_type_id = ContentType.objects.get_for_model(Contract).pk
        self.next_contract, self.next_log = _next_id(Contract), _next_id(StateLog)
        self.next_clearance = _next_id(DeploymentClearance)
        self.first_contract = self.next_contract
        self.references: dict[int, int] = {}
        self.clearance_numbers: dict[int, int] = {}
        passed = [{"code": rule.code, "severity": rule.severity, "outcome": "pass", "params": {}} for rule in compliance.RULES]
        failed = [dict(passed[0], outcome="fail")] + passed[1:] if passed else []
        # COPY takes JSON as text; bulk_create takes the list.
        encode = json.dumps if connection.vendor == "postgresql" else (lambda value: value)
        self.compliance = {"pass": encode(passed), "fail": encode(failed)}
        self.contracts, self.logs, self.clearances = [], [], []
        self.status_counts: dict[str, int] = {}
        self.eras = {era: (list(weights), list(_cumulative(weights.values()))) for era, weights in STATUS_WEIGHTS.items()}

    def add(self, f: float, agency_id: int, worker_id: int, job_order: dict, status: str | None = None) -> tuple[int, str, str]:
        from core.dates import add_months

        rng, today = self.rng, self.today
        era = Clock.era(f)
        if status is None:
            states, cumulative = self.eras[era]
            status = rng.choices(states, cum_weights=cumulative)[0]
        created = self.clock.at(f)
        age = self.clock.now - created
        start = created.date() + datetime.timedelta(days=30 if era != "pipeline" else 30 + rng.randrange(60))
        months = job_order["months"]
        if era == "old" and add_months(start, months) > today:
            months = 12
        if era == "current" and add_months(start, months) <= today:
            months = 24
        end = add_months(start, months) - datetime.timedelta(days=1)
        if status in ("completed",) and end >= today:
            status = "deployed"
        path = PATHS[status]

        def moment(step: int) -> datetime.datetime:  # submit, decision, clearance: days after drafting, never in the future
            offset = [datetime.timedelta(days=1), datetime.timedelta(days=6), datetime.timedelta(days=15)][step]
            return created + min(offset, age * [0.2, 0.5, 0.8][step])

        departed = start if "depart" in path else None
        ended = None
        if status == "completed":
            ended = end
        elif status in ("terminated", "repatriated"):
            ended = min(start + datetime.timedelta(days=30 + rng.randrange(300)), today - datetime.timedelta(days=1))
        submitted = moment(0) if path else None
        decided = moment(1) if len(path) > 1 else None
        approved = decided if "approve" in path else None
        cleared = moment(2) if "clear" in path else None
        n = self.next_contract
        self.next_contract += 1
        year = created.year
        self.references[year] = self.references.get(year, 100_000) + 1
        reference = f"CT-{year}-{self.references[year]:06d}"
        insured = job_order["insured"]
        signed = approved is not None and status != "cancelled"
        self.contracts.append((
            n, reference, worker_id, agency_id, job_order["id"], job_order["employer_id"], job_order["agreement_id"],
            job_order["occupation_id"], job_order["sector_id"], "General worker", job_order["work_place"], job_order["wage"],
            job_order["currency"], "month", Decimal("45"), start, end, Decimal("0"), job_order["deferred"], True, True,
            "Sanlam Bench" if insured else "", f"POL-{n}" if insured else "", end if insured else None,
            start - datetime.timedelta(days=40) if insured else None, end if insured else None,
            status, REASONS.get(status, ""), self.compliance["fail" if status in ("returned", "rejected") else "pass"],
            submitted or created, created, submitted, approved, cleared, departed,
            BORDER_POSTS[n % len(BORDER_POSTS)] if departed else "", ended,
            BORDER_POSTS[(n + 1) % len(BORDER_POSTS)] if ended else "",
            "signed.pdf" if signed else "", "application/pdf" if signed else "",
        ))
        source = "draft"
        for transition in path:
            when = {"submit": submitted, "approve": decided, "reject": decided, "return_for_correction": decided,
                    "clear": cleared}.get(transition)
            if when is None:
                day = departed if transition == "depart" else ended
                when = (datetime.datetime.combine(day, datetime.time(7), tzinfo=datetime.UTC) if day
                        else min((decided or submitted or created) + datetime.timedelta(days=2), self.clock.now))
            by = self.registrar_id if transition in ("approve", "reject", "return_for_correction", "clear") else None
            self.logs.append((self.next_log, when, by, source, TARGETS[transition], transition, self.content_type_id, n,
                              REASONS.get(TARGETS[transition]) if transition != "submit" else None))
            self.next_log += 1
            source = TARGETS[transition]
        if cleared is not None:
            self.clearance_numbers[cleared.year] = self.clearance_numbers.get(cleared.year, 100_000) + 1
            self.clearances.append((self.next_clearance, n, f"DC-{cleared.year}-{self.clearance_numbers[cleared.year]:06d}",
                                    cleared.date(), start + datetime.timedelta(days=30), cleared, self.registrar_id,
                                    n % 4 == 0, f"bench{n:020d}"))
            self.next_clearance += 1
        self.status_counts[status] = self.status_counts.get(status, 0) + 1
        if len(self.contracts) >= BATCH:
            self.flush()
        return n, reference, status

    def flush(self) -> None:
        from django_fsm_log.models import StateLog

        from contracts.models import Contract, DeploymentClearance

        _write(Contract, CONTRACT_COLUMNS, self.contracts)
        _write(StateLog, LOG_COLUMNS, self.logs)
        _write(DeploymentClearance, CLEARANCE_COLUMNS, self.clearances)
        self.contracts, self.logs, self.clearances = [], [], []

    def write_history(self) -> None:
        """One "created" history row per contract, copied by one INSERT … SELECT (as the bulk import does for workers)."""
        from contracts.models import Contract

        history = Contract.history.model
        contract_columns = {field.attname: field.column for field in Contract._meta.concrete_fields}
        names, values = [], []
        for field in history._meta.concrete_fields:
            if field.attname == "history_id":
                continue
            names.append(connection.ops.quote_name(field.column))
            if field.attname == "history_date":
                values.append("c.created_at")
            elif field.attname == "history_type":
                values.append("'+'")
            elif field.attname in contract_columns:
                values.append("c." + connection.ops.quote_name(contract_columns[field.attname]))
            else:
                values.append("NULL")
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {connection.ops.quote_name(history._meta.db_table)} ({', '.join(names)}) "
                f"SELECT {', '.join(values)} FROM {connection.ops.quote_name(Contract._meta.db_table)} c WHERE c.id >= %s",
                [self.first_contract],
            )


def _contracts(writer: ContractWriter, total: int, agency_ids: list[int], shares: list[float], pools: list[tuple],
               job_orders: dict, kept: dict, maluti_id: int, small_id: int) -> tuple[dict | None, int | None]:
    """``total`` contracts, oldest first, each for an agency drawn by its share and the next worker of its pool, under
    the agency's job order of that time; then the small agency's few. Returns the searched contract and a short one."""
    rng = writer.rng
    cumulative = _cumulative(shares)
    turns = {agency_id: 0 for agency_id in agency_ids}
    pool_of = {agency_id: (first, count) for agency_id, first, count in pools}
    target = short = None
    for i in range(total):
        f = i / total
        agency_id = rng.choices(agency_ids, cum_weights=cumulative)[0]
        first, count = pool_of[agency_id]
        worker_id = first + turns[agency_id] % count
        turns[agency_id] += 1
        mine = job_orders[agency_id]
        pk, reference, status = writer.add(f, agency_id, worker_id, mine[min(int(f * len(mine)), len(mine) - 1)])
        if agency_id == maluti_id and worker_id in kept and status == "deployed" and target is None and f > 0.7:
            target = {"pk": pk, "reference": reference, "worker": kept[worker_id]}
        if agency_id == maluti_id and status == "submitted" and short is None:
            short = pk
    first, _count = pool_of[small_id]
    for k in range(SMALL_AGENCY_CONTRACTS):
        writer.add(0.95, small_id, first + k, job_orders[small_id][-1], status="submitted")
    writer.flush()
    return target, short


def _cumulative(weights) -> list[float]:
    total, result = 0.0, []
    for weight in weights:
        total += weight
        result.append(total)
    return result


def _shares(count: int) -> list[float]:
    """Maluti's tenth, then the benchmark agencies' shares, skewed (a few big agencies, many small)."""
    weights = [1 / (rank + 5) for rank in range(count)]
    total = sum(weights)
    return [MALUTI_SHARE] + [(1 - MALUTI_SHARE) * weight / total for weight in weights]


def _client_for(user) -> Client:
    return signed_in_client(user)


def _build(scale: int) -> dict:
    from django.utils import timezone
    from django_fsm_log.models import StateLog

    from agencies.models import Agency, Licence
    from contracts.models import Contract, DeploymentClearance, Employer, JobOrder
    from core.access import Role
    from core.models import User
    from workers.models import AgencyWorker, Worker

    rng = random.Random(SEED + scale)
    today = timezone.localdate()
    now = timezone.now().replace(microsecond=0)
    clock = Clock(now)
    sizes = _sizes(scale)

    maluti = Agency.objects.filter(registration_number=MALUTI).first()
    agency_user = User.objects.filter(username="maluti").first()
    if maluti is None or agency_user is None:  # seed_demo failed or changed: a stand-in with its own staff member
        maluti = _licensed_agency("LS-BENCH-C/MALUTI", "PEA-BC-MALUTI", "Bench Maluti", today)
        agency_user = _user("bench_maluti", Role.AGENCY_STAFF, maluti)
    registrar = User.objects.filter(username="registrar", groups__name=Role.REGISTRAR).first()
    registrar = registrar or _user("bench_registrar", Role.REGISTRAR)
    small = _licensed_agency("LS-BENCH-C/SMALL", "PEA-BC-SMALL", "Bench Small Agency", today)
    small_user = _user("bench_small", Role.AGENCY_STAFF, small)

    agreements = _agreements(today)
    employers = _employers(agreements, rng)
    agency_ids = [maluti.pk] + _agencies(today)
    shares = _shares(AGENCIES)
    job_orders = _job_orders(agency_ids + [small.pk], shares + [0.0], employers, sizes["job_orders"], clock, rng)

    # Workers: each agency a pool of its share, with an open link; contracts take them in turn (about two each).
    first_worker, first_link = _next_id(Worker), _next_id(AgencyWorker)
    pools, next_worker = [], first_worker
    for agency_id, share in zip(agency_ids, shares, strict=True):
        count = max(1, round(sizes["workers"] * share))
        pools.append((agency_id, next_worker, count))
        next_worker += count
    pools.append((small.pk, next_worker, SMALL_AGENCY_CONTRACTS))
    phases = {"setup": time.perf_counter()}
    big_tables = [Worker, AgencyWorker, Contract, Contract.history.model, StateLog, DeploymentClearance]
    with IndexesSetAside(big_tables):
        kept = _workers(pools, first_worker, first_link, clock, rng, today)
        phases["workers"] = time.perf_counter()
        writer = ContractWriter(clock, rng, today, registrar.pk)
        target, short = _contracts(writer, sizes["contracts"], agency_ids, shares, pools, job_orders, kept, maluti.pk, small.pk)
        phases["contracts"] = time.perf_counter()
        writer.write_history()
        phases["history"] = time.perf_counter()
    phases["indexes"] = time.perf_counter()

    _reset_sequences([Agency, Licence, Employer, JobOrder, Worker, AgencyWorker, Contract, DeploymentClearance, StateLog])
    assert target is not None and short is not None, "no deployed Maluti contract with a passport holder: raise the scale"

    worker = target["worker"]
    national_id, passport, last_name = worker[5], worker[6], worker[2]
    prefix = last_name[:4]
    total = sizes["contracts"]
    return {
        "users": {"registrar": registrar, "agency": agency_user, "small": small_user},
        "urls": {
            "list": "/contracts/",
            "submitted": "/contracts/?status=submitted",
            "national_id": f"/contracts/?q={national_id.lower()}",
            "passport": f"/contracts/?q={passport}",
            "reference": f"/contracts/?q={target['reference']}",
            "name": f"/contracts/?q={prefix}",
            "job_orders": "/contracts/job-orders/",
            "detail": f"/contracts/{target['pk']}/",
            "detail_short": f"/contracts/{short}/",
        },
        "expect": {"target": target["reference"], "name": prefix},
        "sizes": {
            "workers": sizes["workers"] + SMALL_AGENCY_CONTRACTS,
            "contracts": total + SMALL_AGENCY_CONTRACTS,
            "job_orders": sum(len(rows) for rows in job_orders.values()),
            "agencies": len(agency_ids) + 1,
            "statuses": writer.status_counts,
        },
        "phases": phases,
    }


def _skip_foreign_key_triggers() -> None:
    """On PostgreSQL, for the rest of the transaction, leave out the foreign-key checks of the rows written here.

    They are consistent by construction, and Django's deferred constraints would otherwise queue millions of
    checks until the commit (most of the preparation's time). Needs a superuser; without one the checks run."""
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except Exception as error:  # not a superuser: slower, still right
        print(f"contracts benchmark: foreign-key checks stay on ({error})")


def _vacuum() -> None:
    if connection.vendor != "postgresql":
        return
    from django_fsm_log.models import StateLog

    from contracts.models import Contract, DeploymentClearance, JobOrder
    from workers.models import AgencyWorker, Worker

    tables = [model._meta.db_table for model in (Worker, AgencyWorker, Contract, Contract.history.model, DeploymentClearance,
                                                 StateLog, JobOrder)]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")


# --- Scenarios ------------------------------------------------------------------------------------------------------------

# (name, who, url key, text the page must contain: a key of state["expect"] or None)
PAGES = [
    ("contracts: list, registrar", "registrar", "list", None),
    ("contracts: list ?status=submitted", "registrar", "submitted", None),
    ("contracts: search national ID", "registrar", "national_id", "target"),
    ("contracts: search passport", "registrar", "passport", "target"),
    ("contracts: search reference", "registrar", "reference", "target"),
    ("contracts: search last-name prefix", "registrar", "name", None),
    ("contracts: list, agency staff", "agency", "list", None),
    ("contracts: search name, agency staff", "agency", "name", None),
    ("contracts: job orders, registrar", "registrar", "job_orders", None),
    ("contracts: job orders, agency staff", "agency", "job_orders", None),
    ("contracts: detail, deployed + history", "registrar", "detail", "target"),
]


def _fetch(state: dict, who: str, url_key: str, expect: str | None):
    response = state["clients"][who].get(state["urls"][url_key])
    assert response.status_code == 200, (state["urls"][url_key], response.status_code)
    if expect is not None:
        assert state["expect"][expect].encode() in response.content, (state["urls"][url_key], state["expect"][expect])
    return response


def _count(state: dict, who: str, url_key: str, expect: str | None = None) -> tuple[int, dict, float, float, float]:
    """The page's number of queries, its slowest query, the time in SQL, this process's CPU time and the whole time."""
    # The query log keeps 9,000 entries: once preparing the data filled it, counting by its length gives 0.
    connection.queries_log.clear()
    started, cpu = time.perf_counter(), time.process_time()
    with CaptureQueriesContext(connection) as captured:
        _fetch(state, who, url_key, expect)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    slowest = max(captured.captured_queries, key=lambda query: float(query["time"]), default={"sql": "", "time": "0"})
    return len(captured), slowest, sum(float(query["time"]) for query in captured.captured_queries), cpu, elapsed


def _explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def _probe(state: dict) -> None:
    """Fetch every page once with its queries counted; compare with a small agency and a short history."""
    explain = os.environ.get("CONTRACTS_BENCH_EXPLAIN") == "1" and connection.vendor == "postgresql"
    for scenario, (name, who, url_key, expect) in zip(SCENARIOS, PAGES, strict=True):
        _count(state, who, url_key, expect)  # the first fetch compiles templates and warms the caches
        count, slowest, in_sql, cpu, elapsed = _count(state, who, url_key, expect)
        scenario.name = f"{name} [{count} q]"
        state["queries"][name] = count
        print(f"{name}: {count} queries; {elapsed * 1000:.0f} ms, of which SQL {in_sql * 1000:.0f} ms, "
              f"Python CPU {cpu * 1000:.0f} ms; slowest query {float(slowest['time']) * 1000:.0f} ms: {slowest['sql'][:80]}")
        if explain and slowest["sql"]:
            print(f"EXPLAIN ANALYZE of the slowest query of {name}:\n{slowest['sql']}\n{_explain(slowest['sql'])}\n")
    checks = [
        ("contract list of agency staff", ("agency", "list"), ("small", "list")),
        ("job-order list of agency staff", ("agency", "job_orders"), ("small", "job_orders")),
        ("contract detail (4 vs 1 transitions)", ("registrar", "detail"), ("registrar", "detail_short")),
    ]
    for label, big, little in checks:
        many, few = _count(state, *big)[0], _count(state, *little)[0]
        verdict = "constant" if many == few else "GROWS WITH THE DATA"
        print(f"queries, {label}: {many} at the prepared size, {few} with little data: {verdict}")


def prepare(scale: int) -> dict:
    if scale in _PREPARED:
        return _PREPARED[scale]
    started = time.perf_counter()
    try:
        call_command("seed_demo", scale=scale, stdout=io.StringIO())
    except Exception as error:  # the demo is a convenience here; the bulk rows do not need it
        print(f"contracts benchmark: seed_demo failed ({error!r}); using stand-in users")
    seeded = time.perf_counter()
    with transaction.atomic():
        _skip_foreign_key_triggers()
        state = _build(scale)
    built = time.perf_counter()
    _vacuum()
    state["clients"] = {who: _client_for(user) for who, user in state.pop("users").items()}
    state["queries"] = {}
    sizes = state["sizes"]
    phases = state.pop("phases")
    marks = [("seed_demo", started), ("setup", seeded), ("workers", phases["setup"]), ("contracts", phases["workers"]),
             ("history", phases["contracts"]), ("indexes", phases["history"]), ("commit", phases["indexes"]), ("vacuum", built),
             ("end", time.perf_counter())]
    timings = ", ".join(f"{name} {end - begin:.0f} s" for (name, begin), (_next, end) in zip(marks, marks[1:], strict=False))
    statuses = ", ".join(f"{status} {count:,}" for status, count in sorted(sizes["statuses"].items(), key=lambda row: -row[1]))
    print(f"contracts data ({connection.vendor}, scale {scale}): {sizes['workers']:,} workers, {sizes['contracts']:,} contracts "
          f"({statuses}), {sizes['job_orders']:,} job orders, {sizes['agencies']} agencies; prepared in {timings}")
    _probe(state)
    _PREPARED[scale] = state
    return state


def _scenario(name: str, who: str, url_key: str, expect: str | None) -> Scenario:
    def run(state):
        _fetch(state, who, url_key, expect)

    return Scenario(name, run, budget_seconds=BUDGET, prepare=prepare, repeat=REPEAT)


SCENARIOS = [_scenario(*page) for page in PAGES]
