"""Agencies' part of ``seed_demo --scale N`` (core/bulk.py): one agency per unit (at least ``MIN_AGENCIES``), with
its directors, security bond, licence and licence applications, in every state of the licence and application
lifecycles and of the agency account.

Sizes are skewed, as in the real register: a few big recruiters and many small ones (rank r recruits in proportion to
1 / (r + 5)); the demo's Maluti Recruitment, while licensed, takes a tenth of the recruitment so that its staff login
sees a big register. About seven in ten licences are simply active; the others are up for renewal (an application in
each open state), suspended, revoked (the account then mostly disabled), expired (the renewal rejected, withdrawn or
never made), or the agency is still applying for its first licence. Everything a transition would log is in the
transition log, dated.

Later loaders recruit through ``run.shared["agencies"]``: each agency that may recruit, with its share and the
period its licence let it recruit in.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Min

from core import bulk
from core.bulk import BulkRun, Numbers, Table, Weighted, moment, next_id
from core.choices import District
from core.dates import add_months

MIN_AGENCIES = 30  # below this, not every licence and application state would have an agency
MALUTI = "LS-2015/00412"  # the demo's big agency; its staff login is "maluti"
MALUTI_SHARE = 0.10
# Bulk registration numbers have six digits after the year (the demo's have five): how a later run finds them.
NUMBER_PATTERN = r"^LS-[0-9]{4}/[0-9]{6}$"
DEMO_PDF = b"%PDF-1.4\n% Bulk demo document of the labour-migration register\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

# Where agencies keep their offices: most in Maseru, then the lowland towns.
AGENCY_DISTRICTS = {
    District.MASERU: 45, District.LERIBE: 14, District.BEREA: 11, District.MAFETENG: 8, District.MOHALES_HOEK: 6,
    District.QUTHING: 4, District.BUTHA_BUTHE: 4, District.THABA_TSEKA: 3, District.QACHAS_NEK: 2, District.MOKHOTLONG: 3,
}
PLACES = ["Maluti", "Thaba", "Senqu", "Mohokare", "Makhaleng", "Letšeng", "Qiloane", "Thabana", "Mokhoabong", "Lesotho",
          "Sehlabathebe", "Matelile", "Khubelu", "Thupa-Kubu", "Semonkong", "Mafika", "Letlapa", "Lerato", "Tšepo",
          "Kopano", "Khotso", "Pula", "Nala", "Bokamoso", "Tumelo", "Liphofung", "Ketane", "Malibamatšo", "Morija",
          "Roma", "Mapoteng", "Pitseng", "Peka", "Hlotse", "Teyateyaneng", "Ha Ramabanta", "Mantšonyane", "Likhoele",
          "Sekameng", "Moyeni", "Tsoelike", "Mashai", "Sani", "Oxbow", "Kao", "Mokema", "Nazareth", "Ramabanta"]
KINDS = ["Recruitment", "Labour Brokers", "Placements", "Employment Services", "Careers", "Manpower", "Workforce",
         "Labour Agents", "Staffing", "Employment Agency"]
FIRST = ["Thabo", "Lineo", "Tšepo", "Mpho", "Palesa", "Teboho", "Lerato", "Bokang", "Motlatsi", "Rethabile", "Kabelo",
         "Puleng", "Sello", "Refiloe", "Neo", "Khotso", "Mohau", "Thapelo", "Masechaba", "Nthati", "Relebohile"]
LAST = ["Mokoena", "Mokhele", "Letsie", "Sekoati", "Mofokeng", "Mohapi", "Moloi", "Ntho", "Lebona", "Tau", "Makara",
        "Selebalo", "Phakoe", "Matsoso", "Ramone", "Lekhotla", "Khiba", "Molapo", "Seeiso", "Thamae", "Ntsekhe", "Tlali"]

# What became of each agency: (outcome, share of agencies). The renewal and first-application outcomes name the
# application's state.
OUTCOMES = {
    "active": 64,
    "renewing:draft": 2, "renewing:submitted": 3, "renewing:under_review": 3, "renewing:information_requested": 2,
    "renewing:resubmitted": 1,
    "suspended": 5,
    "revoked": 3,
    "expired:rejected": 3, "expired:withdrawn": 2, "expired:none": 3,
    "applying:draft": 2, "applying:submitted": 2, "applying:under_review": 2, "applying:information_requested": 1,
    "applying:resubmitted": 1, "applying:rejected": 1, "applying:withdrawn": 1,
}
TOP_ALWAYS_ACTIVE = 5  # the biggest recruiters keep their licences

SUSPENDED = "Workers report being charged recruitment fees; suspended pending the inspectorate's audit."
REVOKED = "Kept workers' passports and charged fees, confirmed by the inspectorate's audit."
DISABLED = "Licence revoked: the account is closed."
REJECTED = "The security bond lapsed and the tax clearance is out of date."
INFORMATION = "Please upload a current lease for your office premises."
WITHDRAWN = "The directors decided not to go on."
APPROVED = "All documents in order."

AGENCY_COLUMNS = ["id", "legal_name", "trading_name", "registration_number", "tax_number", "physical_address", "district",
                  "phone", "mobile", "email", "status", "created_at"]
DIRECTOR_COLUMNS = ["id", "agency_id", "full_name", "identity_kind", "identity_number", "nationality", "added_at"]
BOND_COLUMNS = ["id", "agency_id", "kind", "issuer", "amount", "currency", "reference", "valid_until", "recorded_at"]
LICENCE_COLUMNS = ["id", "agency_id", "number", "status", "issued_on", "valid_from", "expires_on", "conditions",
                   "public_token", "status_reason", "status_changed_at"]
APPLICATION_COLUMNS = ["id", "agency_id", "kind", "status", "renews_id", "created_at", "created_by_id", "submitted_at",
                       "fee_due", "bond_required", "validity_months", "bond_id", "officer_id", "decided_at",
                       "decision_reason", "information_request", "licence_id"]
DOCUMENT_COLUMNS = ["id", "application_id", "kind", "director_id", "file", "original_name", "content_type", "size",
                    "uploaded_at", "uploaded_by_id", "review", "review_note", "reviewed_by_id", "reviewed_at",
                    "replaced_by_id"]


@dataclass
class AgencyPlan:
    """What later loaders need of an agency that recruits."""

    id: int
    name: str  # as the agency is named in SMS (its trading name)
    share: float  # of all recruitment
    district: str
    recruits_from: datetime.datetime
    recruits_until: datetime.datetime | None  # None: it still recruits
    licence_status: str

    def recruits_at(self, when: datetime.datetime) -> bool:
        return self.recruits_from <= when and (self.recruits_until is None or when < self.recruits_until)


def _outcomes(count: int, rng) -> list[str]:
    """An outcome per agency, largest first: the biggest stay active; every outcome at least once."""
    names = list(OUTCOMES)
    counts = bulk.spread(count - TOP_ALWAYS_ACTIVE, [OUTCOMES[name] / sum(OUTCOMES.values()) for name in names])
    for index in range(len(names)):  # every state at least once, taken from the commonest
        if counts[index] == 0:
            counts[index] = 1
            counts[0] -= 1
    rest = [name for name, times in zip(names, counts, strict=True) for _ in range(times)]
    rng.shuffle(rest)
    return ["active"] * TOP_ALWAYS_ACTIVE + rest


def _name(n: int) -> tuple[str, str]:
    place, kind = PLACES[n % len(PLACES)], KINDS[(n // len(PLACES)) % len(KINDS)]
    cycle = n // (len(PLACES) * len(KINDS))
    trading = f"{place} {kind}" + (f" {cycle + 1}" if cycle else "")
    return f"{trading} (Pty) Ltd", trading


def found() -> str:
    from agencies.models import Agency

    count = Agency.objects.filter(registration_number__regex=NUMBER_PATTERN).count()
    return f"{count:,} bulk agencies" if count else ""


class _Writer:
    def __init__(self, run: BulkRun):
        from agencies.models import (
            Agency,
            ApplicationDocument,
            Director,
            Licence,
            LicenceApplication,
            SecurityBond,
        )
        from core.models import User

        self.run, self.now, self.today = run, run.now, run.today
        self.rng = run.rng("agencies")
        self.agencies = Table(Agency, AGENCY_COLUMNS)
        self.directors = Table(Director, DIRECTOR_COLUMNS)
        self.bonds = Table(SecurityBond, BOND_COLUMNS)
        self.licences = Table(Licence, LICENCE_COLUMNS)
        self.applications = Table(LicenceApplication, APPLICATION_COLUMNS)
        self.documents = Table(ApplicationDocument, DOCUMENT_COLUMNS)
        self.log = run.log
        self.ids = {model: next_id(model) for model in (Agency, Director, SecurityBond, Licence, LicenceApplication,
                                                         ApplicationDocument)}
        self.first = dict(self.ids)
        self.numbers = Numbers(Licence, "number", "PEA", 4)
        self.officer_id = User.objects.filter(username="licensing").values_list("pk", flat=True).first()
        self.file = bulk.stored_file("applications/bulk", DEMO_PDF)
        self.models = {"agency": Agency, "licence": Licence, "application": LicenceApplication}
        self.by_name = {model.__name__: model for model in self.ids}

    def take(self, name: str) -> int:
        model = self.by_name[name]
        value = self.ids[model]
        self.ids[model] += 1
        return value

    # --- One agency ------------------------------------------------------------------------------------------------

    def agency(self, n: int, outcome: str, district: str, established: datetime.date) -> AgencyPlan | None:
        from agencies.models import AgencyStatus, LicenceStatus

        rng, today = self.rng, self.today
        agency_id = self.take("Agency")
        legal, trading = _name(n)
        created = moment(established - datetime.timedelta(days=45), 9)
        disabled = outcome == "revoked" and n % 3 != 0
        self.agencies.add((
            agency_id, legal, trading, f"LS-{established.year - 1}/{100000 + n:06d}", f"TIN-{300000 + n}",
            f"{n % 90 + 1} Kingsway, {District(district).label}", district, f"+26622{n % 1_000_000:06d}",
            f"+266{5 if n % 2 else 6}{(n * 7919) % 10_000_000:07d}", f"info@agency{n}.demo.co.ls",
            AgencyStatus.DISABLED if disabled else AgencyStatus.ACTIVE, created,
        ))
        directors = []
        for d in range(1 + n % 2):
            director_id = self.take("Director")
            born = datetime.date(1960 + (n + d) % 30, 1 + n % 12, 1 + (n * 3 + d) % 28)
            self.directors.add((director_id, agency_id, f"{FIRST[(n + d) % len(FIRST)]} {LAST[(n * 5 + d) % len(LAST)]}",
                                "national_id", f"{born:%d%m%Y}{90000 + (n * 2 + d) % 10000:05d}", "Lesotho", created))
            directors.append(director_id)
        bond_id = self.take("SecurityBond")
        lapsed = outcome.startswith("expired") or outcome == "revoked"
        bond_until = today + datetime.timedelta(days=-30 - n % 300 if lapsed else 200 + n % 400)
        self.bonds.add((bond_id, agency_id, "bank_guarantee" if n % 2 else "bond", "Standard Lesotho Bank" if n % 2 else
                        "Lesotho National Insurance", Decimal("50000.00"), "LSL", f"GTEE-{100000 + n}", bond_until,
                        created + datetime.timedelta(days=5)))

        kind, _sep, state = outcome.partition(":")
        if kind == "applying":  # no licence yet: a first application in ``state``
            opened = moment(today - datetime.timedelta(days=5 + rng.randrange(60)), 10)
            self.application(agency_id, "new", state, opened, bond_id, directors)
            return None

        # The licence, issued when the agency was established and renewed every year since.
        issued = established
        licence_id = self.take("Licence")
        first_application = moment(issued - datetime.timedelta(days=35), 9)
        self.application(agency_id, "new", "approved", first_application, bond_id, directors, licence_id=licence_id,
                         decided=moment(issued, 11))
        anniversary = _next_anniversary(issued, today)
        expires = anniversary - datetime.timedelta(days=1)
        status, reason, changed = LicenceStatus.ACTIVE, "", None
        recruits_until = None
        if kind == "suspended" or kind == "revoked":
            changed = moment(today - datetime.timedelta(days=10 + rng.randrange(500)), 14)
            changed = max(changed, moment(issued + datetime.timedelta(days=60), 14))
            status = LicenceStatus.SUSPENDED if kind == "suspended" else LicenceStatus.REVOKED
            reason = SUSPENDED if kind == "suspended" else REVOKED
            recruits_until = changed
            if kind == "revoked":  # a suspended licence still runs to its term (the expiry job would end it)
                expires = _next_anniversary(issued, changed.date()) - datetime.timedelta(days=1)
            self.log.add(self.models["licence"], licence_id, changed, self.officer_id, LicenceStatus.ACTIVE, status,
                         "suspend" if kind == "suspended" else "revoke", reason)
            if disabled:
                self.log.add(self.models["agency"], agency_id, changed + datetime.timedelta(hours=1), self.officer_id,
                             AgencyStatus.ACTIVE, AgencyStatus.DISABLED, "disable", DISABLED)
        elif kind == "expired":
            expires = today - datetime.timedelta(days=20 + rng.randrange(600))
            expires = max(expires, add_months(issued, 12) - datetime.timedelta(days=1))
            changed = moment(expires + datetime.timedelta(days=1), 1)
            status, reason = LicenceStatus.EXPIRED, ""
            recruits_until = moment(expires + datetime.timedelta(days=1), 0)
            self.log.add(self.models["licence"], licence_id, changed, None, LicenceStatus.ACTIVE, status, "expire")
            if state in ("rejected", "withdrawn"):  # the renewal came too late or not at all
                self.application(agency_id, "renewal", state, moment(expires - datetime.timedelta(days=40), 10), bond_id,
                                 directors, renews=licence_id)
        elif kind == "renewing":  # the licence runs out within two months: the renewal is under way
            expires = today + datetime.timedelta(days=10 + rng.randrange(50))
            self.application(agency_id, "renewal", state, moment(today - datetime.timedelta(days=3 + rng.randrange(20)), 10),
                             bond_id, directors, renews=licence_id)
        if issued < add_months(expires, -12) and kind != "expired":  # last year's renewal, approved in time
            renewed = add_months(expires, -12) - datetime.timedelta(days=30)
            self.application(agency_id, "renewal", "approved", moment(renewed, 10), bond_id, directors, renews=licence_id,
                             decided=moment(renewed + datetime.timedelta(days=12), 11))
        expires = max(expires, issued + datetime.timedelta(days=30))
        self.licences.add((licence_id, agency_id, self.numbers.next(issued.year), status, issued, issued, expires, "",
                           f"bulk-lic-{licence_id:012d}", reason, changed))
        return AgencyPlan(id=agency_id, name=trading, share=0.0, district=district, recruits_from=moment(issued, 12),
                          recruits_until=recruits_until, licence_status=status)

    def application(self, agency_id: int, kind: str, state: str, opened: datetime.datetime, bond_id: int,
                    directors: list[int], *, licence_id: int | None = None, renews: int | None = None,
                    decided: datetime.datetime | None = None) -> None:
        from agencies.models import REQUIRED_DOCUMENTS, DocumentKind, LicenceApplication

        application_id = self.take("LicenceApplication")
        model = LicenceApplication
        submitted = opened + datetime.timedelta(days=2) if state != "draft" else None
        reviewed = opened + datetime.timedelta(days=6)
        path = {
            "draft": [], "submitted": ["submit"], "under_review": ["submit", "start_review"],
            "information_requested": ["submit", "start_review", "request_information"],
            "resubmitted": ["submit", "start_review", "request_information", "resubmit"],
            "approved": ["submit", "start_review", "approve"], "rejected": ["submit", "start_review", "reject"],
            "withdrawn": ["submit", "withdraw"],
        }[state]
        if decided is None and state in ("approved", "rejected", "withdrawn"):
            decided = opened + datetime.timedelta(days=14)
        cap = self.now - datetime.timedelta(hours=1)
        moments = {"submit": submitted, "start_review": reviewed, "request_information": reviewed + datetime.timedelta(days=1),
                   "resubmit": reviewed + datetime.timedelta(days=4), "approve": decided, "reject": decided, "withdraw": decided}
        targets = {"submit": "submitted", "start_review": "under_review", "request_information": "information_requested",
                   "resubmit": "resubmitted", "approve": "approved", "reject": "rejected", "withdraw": "withdrawn"}
        reasons = {"request_information": INFORMATION, "reject": REJECTED, "withdraw": WITHDRAWN, "approve": APPROVED}
        source = "draft"
        for transition in path:
            when = min(moments[transition], cap)
            by = self.officer_id if transition in ("start_review", "request_information", "approve", "reject") else None
            self.log.add(model, application_id, when, by, source, targets[transition], transition, reasons.get(transition))
            source = targets[transition]
        officer = self.officer_id if "start_review" in path else None
        self.applications.add((
            application_id, agency_id, kind, state, renews, opened, None, submitted and min(submitted, cap),
            Decimal("5000.00") if kind == "new" else Decimal("3000.00"), Decimal("50000.00") if submitted else None,
            12 if submitted else None, bond_id, officer, decided and min(decided, cap),
            reasons.get({"approved": "approve", "rejected": "reject", "withdrawn": "withdraw"}.get(state, ""), ""),
            INFORMATION if "request_information" in path else "", licence_id if state == "approved" else None,
        ))
        # The documents, reviewed as far as the application got.
        for document_kind in REQUIRED_DOCUMENTS[kind]:
            for director in directors if document_kind == DocumentKind.POLICE_CLEARANCE else [None]:
                review, note, reviewed_at = "pending", "", None
                if state in ("approved", "rejected") or (state == "under_review" and document_kind != DocumentKind.FEE_PAYMENT):
                    review, reviewed_at = "accepted", min(reviewed + datetime.timedelta(hours=2), cap)
                if state in ("information_requested", "resubmitted") and document_kind == DocumentKind.PREMISES:
                    review, note, reviewed_at = "rejected", "The lease shown has ended.", min(reviewed, cap)
                elif state in ("information_requested", "resubmitted"):
                    review, reviewed_at = "accepted", min(reviewed, cap)
                self.documents.add((
                    self.take("ApplicationDocument"), application_id, document_kind, director, self.file,
                    f"{document_kind}.pdf", "application/pdf", len(DEMO_PDF), opened + datetime.timedelta(hours=1), None,
                    review, note, self.officer_id if reviewed_at else None, reviewed_at, None,
                ))

    def flush(self) -> None:
        for table in (self.agencies, self.directors, self.bonds, self.licences, self.applications, self.documents):
            table.flush()


def _next_anniversary(issued: datetime.date, after: datetime.date) -> datetime.date:
    """The first yearly anniversary of ``issued`` after ``after`` (a licence is renewed for twelve months at a time)."""
    years = max(1, after.year - issued.year)
    while add_months(issued, 12 * years) <= after:
        years += 1
    while years > 1 and add_months(issued, 12 * (years - 1)) > after:
        years -= 1
    return add_months(issued, 12 * years)


def _maluti(run: BulkRun) -> AgencyPlan | None:
    """The demo's Maluti Recruitment, when its licence is in force: it recruits from its first licence on."""
    from agencies.models import Agency, Licence

    agency = Agency.objects.filter(registration_number=MALUTI).first()
    if agency is None or not Licence.objects.in_force(run.today).filter(agency=agency).exists():
        return None
    first = Licence.objects.filter(agency=agency).aggregate(first=Min("valid_from"))["first"]
    return AgencyPlan(id=agency.pk, name=str(agency), share=MALUTI_SHARE, district=agency.district,
                      recruits_from=moment(first, 12), recruits_until=None, licence_status="active")


def load(run: BulkRun) -> str:
    from agencies.models import Agency, Director, Licence, SecurityBond

    count = max(run.units, MIN_AGENCIES)
    writer = _Writer(run)
    rng = writer.rng
    outcomes = _outcomes(count, rng)
    districts = Weighted(AGENCY_DISTRICTS)
    plans = []
    for n, outcome in enumerate(outcomes):
        # Bigger agencies are older: the biggest have recruited for fifteen years, the smallest for one or two.
        years = 1.2 + 14 * (1 - n / count) ** 2 + rng.random()
        if outcome.startswith("expired"):
            years = max(years, 2.5)
        established = run.today - datetime.timedelta(days=int(years * 365))
        plan = writer.agency(n, outcome, districts.draw(rng), established)
        if plan is not None:
            plans.append(plan)
    writer.flush()

    maluti = _maluti(run)
    shares = bulk.skewed_shares(len(plans))
    rest = 1 - (maluti.share if maluti else 0)
    for plan, share in zip(plans, shares, strict=True):
        plan.share = share * rest
    run.shared["agencies"] = ([maluti] if maluti else []) + plans

    first = writer.first
    bulk.copy_history(Agency, first[Agency])
    bulk.copy_history(Licence, first[Licence], at=run.now)
    bulk.copy_history(SecurityBond, first[SecurityBond], date_column="recorded_at")
    bulk.copy_history(Director, first[Director], date_column="added_at")
    states = {}
    for outcome in outcomes:
        states[outcome.split(":")[0]] = states.get(outcome.split(":")[0], 0) + 1
    return (f"{count:,} agencies ({', '.join(f'{name} {number:,}' for name, number in states.items())}), "
            f"{writer.applications.count:,} licence applications, {writer.documents.count:,} documents")


bulk.register(bulk.BulkLoader(
    name="agencies", load=load, order=20, found=found,
    tables=("agencies.Agency", "agencies.Licence", "agencies.LicenceApplication", "agencies.ApplicationDocument",
            "django_fsm_log.StateLog"),
))
