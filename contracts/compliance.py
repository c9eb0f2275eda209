"""The compliance rules a contract is checked against: each a small named function with a code and a severity.

A rule receives a ``Facts`` (the contract, possibly unsaved while the agency
is still drafting, with the agreement terms in force on its start date) and
returns ``None`` when the contract passes, ``NOT_CHECKED`` when it cannot
say (the agreement has no terms for that date: the agreement rule already
fails), or a ``Failure`` naming what is wrong. Messages are translated when
they are shown, so the agency reads them in its language and the registrar
in theirs; the stored results keep only the code, the outcome and the values.

To add a rule: write the function, decorate it with ``@rule(code, severity,
title)``, and add a test that fails without it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from contracts.models import (
    HOLDS_POSITION,
    LIVE_STATES,
    AgreementTerms,
    Contract,
    JobOrder,
    SectorTerms,
    WagePeriod,
)
from core.choices import Currency
from core.dates import today

ERROR = "error"
WARNING = "warning"
PASS = "pass"
FAIL = "fail"
NOT_CHECKED = "not_checked"
CENT = Decimal("0.01")
WEEKS_PER_MONTH = Decimal(52) / Decimal(12)
ADULT_AGE = 18

# Currencies that compare one to one: the loti is pegged at par to the rand (Common Monetary Area).
AT_PAR = frozenset({Currency.LSL, Currency.ZAR})


def comparable(currency_a: str, currency_b: str) -> bool:
    return currency_a == currency_b or (currency_a in AT_PAR and currency_b in AT_PAR)


def monthly(amount: Decimal, period: str, *, days_per_month: int | None, hours_per_week: Decimal | None) -> Decimal | None:
    """A wage per month: weekly × 52 / 12, daily × the working days stated on the contract, hourly × hours per week × 52 / 12.

    ``None`` when the contract lacks what the period needs (days for a daily wage, hours for an hourly one).
    """
    if amount is None:
        return None
    amount = Decimal(amount)
    if period == WagePeriod.MONTH:
        result = amount
    elif period == WagePeriod.WEEK:
        result = amount * WEEKS_PER_MONTH
    elif period == WagePeriod.DAY:
        if not days_per_month:
            return None
        result = amount * days_per_month
    elif period == WagePeriod.HOUR:
        if not hours_per_week:
            return None
        result = amount * Decimal(hours_per_week) * WEEKS_PER_MONTH
    else:
        return None
    return result.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Failure:
    message: str  # English, marked with gettext_noop for the catalogue; translated when shown
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    title: Any
    check: Callable[[Facts], Failure | str | None]


RULES: list[Rule] = []


def rule(code: str, severity: str, title: Any) -> Callable:
    def register(check: Callable) -> Callable:
        RULES.append(Rule(code=code, severity=severity, title=title, check=check))
        return check

    return register


def rule_by_code(code: str) -> Rule | None:
    return next((candidate for candidate in RULES if candidate.code == code), None)


# --- What the rules look at -------------------------------------------------------------------------


@dataclass
class Facts:
    contract: Contract
    on: datetime.date  # the day of the check (licence, job-order validity)

    @cached_property
    def terms(self) -> AgreementTerms | None:
        if not self.contract.agreement_id or not self.contract.start_date:
            return None
        return (
            AgreementTerms.objects.filter(agreement_id=self.contract.agreement_id, effective_from__lte=self.contract.start_date)
            .prefetch_related("sectors", "occupations", "required_courses")
            .order_by("-effective_from")
            .first()
        )

    @cached_property
    def sector_terms(self) -> SectorTerms | None:
        return self.terms.sector_terms_for(self.contract.sector_id) if self.terms else None

    @cached_property
    def job_order(self) -> JobOrder | None:
        return self.contract.job_order if self.contract.job_order_id else None

    @cached_property
    def required_course_codes(self) -> list[str]:
        return [course.code for course in self.terms.required_courses.all()] if self.terms else []

    def monthly_wage(self) -> Decimal | None:
        contract = self.contract
        return monthly(
            contract.wage_amount,
            contract.wage_period,
            days_per_month=contract.days_per_month,
            hours_per_week=contract.hours_per_week,
        )

    def monthly_of(self, amount: Decimal, period: str) -> Decimal | None:
        """Another amount (a floor, a job order's wage) per month, by this contract's days and hours."""
        return monthly(amount, period, days_per_month=self.contract.days_per_month, hours_per_week=self.contract.hours_per_week)


def _number(value) -> str:
    """12.50 → "12.5", 40.0 → "40"."""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _money(amount: Decimal | None, currency: str) -> str:
    return f"{amount:,.2f} {currency}" if amount is not None else "—"


# --- The rules, in the order the screens show them -----------------------------------------------------


@rule("licence_active", ERROR, _("Agency licence active"))
def licence_active(facts: Facts):
    from agencies.services import can_recruit

    if not can_recruit(facts.contract.agency_id, facts.on):
        return Failure(gettext_noop("The agency's licence is not active: it may not recruit."))
    return None


@rule("agreement_in_force", ERROR, _("Agreement in force for the employer's country"))
def agreement_in_force(facts: Facts):
    contract = facts.contract
    agreement, employer = contract.agreement, contract.employer
    if not agreement.is_in_force_on(contract.start_date):
        return Failure(
            gettext_noop("Agreement %(agreement)s is not in force on the start date %(date)s."),
            {"agreement": agreement.reference, "date": contract.start_date.isoformat()},
        )
    if employer.country_id != agreement.country_id:
        return Failure(
            gettext_noop("The employer is in %(employer_country)s but agreement %(agreement)s is with %(agreement_country)s."),
            {
                "employer_country": employer.country.name,
                "agreement": agreement.reference,
                "agreement_country": agreement.country.name,
            },
        )
    if facts.terms is None:
        return Failure(
            gettext_noop("Agreement %(agreement)s has no terms in force on %(date)s."),
            {"agreement": agreement.reference, "date": contract.start_date.isoformat()},
        )
    return None


@rule("sector_occupation_covered", ERROR, _("Sector and occupation covered"))
def sector_occupation_covered(facts: Facts):
    if facts.terms is None:
        return NOT_CHECKED
    contract = facts.contract
    if facts.sector_terms is None:
        return Failure(gettext_noop("The agreement does not cover the sector %(sector)s."), {"sector": contract.sector.name})
    if not any(occupation.code == contract.occupation_id for occupation in facts.terms.occupations.all()):
        return Failure(
            gettext_noop("The agreement does not cover the occupation %(occupation)s."), {"occupation": str(contract.occupation)}
        )
    return None


@rule("wage_floor", ERROR, _("Wage at or above the floor"))
def wage_floor(facts: Facts):
    floor = facts.sector_terms
    if floor is None:
        return NOT_CHECKED
    contract = facts.contract
    if not comparable(contract.currency, floor.currency):
        return Failure(
            gettext_noop(
                "The wage is in %(currency)s but the floor is in %(floor_currency)s; state the wage in %(floor_currency)s."
            ),
            {"currency": contract.currency, "floor_currency": floor.currency},
        )
    wage = facts.monthly_wage()
    floor_monthly = facts.monthly_of(floor.wage_floor, floor.period)
    if wage is None or floor_monthly is None:
        return Failure(gettext_noop("State the working days per month: a daily wage is compared per month."))
    if wage < floor_monthly:
        return Failure(
            gettext_noop("The wage comes to %(wage)s a month, below the floor of %(floor)s a month for %(sector)s."),
            {
                "wage": _money(wage, contract.currency),
                "floor": _money(floor_monthly, floor.currency),
                "sector": contract.sector.name,
            },
        )
    return None


@rule("length_within_maximum", ERROR, _("Length within the maximum"))
def length_within_maximum(facts: Facts):
    if facts.terms is None:
        return NOT_CHECKED
    months = facts.contract.length_months
    if months > facts.terms.max_contract_months:
        return Failure(
            gettext_noop("The contract runs %(months)s months; the agreement allows at most %(maximum)s."),
            {"months": months, "maximum": facts.terms.max_contract_months},
        )
    return None


@rule("fee_within_cap", ERROR, _("Fee charged within the cap"))
def fee_within_cap(facts: Facts):
    terms = facts.terms
    if terms is None:
        return NOT_CHECKED
    contract = facts.contract
    fee = contract.recruitment_fee or Decimal("0")
    if fee == 0:
        return None
    if terms.max_worker_fee == 0:
        return Failure(
            gettext_noop("Under this agreement the employer pays every recruitment fee; the worker may not be charged %(fee)s."),
            {"fee": _money(fee, contract.currency)},
        )
    if not comparable(contract.currency, terms.fee_currency):
        return Failure(
            gettext_noop("The fee is in %(currency)s but the cap is in %(cap_currency)s."),
            {"currency": contract.currency, "cap_currency": terms.fee_currency},
        )
    if fee > terms.max_worker_fee:
        return Failure(
            gettext_noop("The worker is charged %(fee)s; the agreement allows at most %(cap)s."),
            {"fee": _money(fee, contract.currency), "cap": _money(terms.max_worker_fee, terms.fee_currency)},
        )
    return None


@rule("deferred_pay", ERROR, _("Deferred pay as the agreement says"))
def deferred_pay(facts: Facts):
    if facts.sector_terms is None:
        return NOT_CHECKED
    required = facts.sector_terms.deferred_pay_percent or Decimal("0")
    stated = facts.contract.deferred_pay_percent or Decimal("0")
    if Decimal(stated) != Decimal(required):
        return Failure(
            gettext_noop(
                "The agreement sets deferred pay at %(required)s%% of the wage for this sector; the contract says %(stated)s%%."
            ),
            {"required": _number(required), "stated": _number(stated)},
        )
    return None


@rule("worker_adult", ERROR, _("Worker at least 18 on the start date"))
def worker_adult(facts: Facts):
    contract = facts.contract
    born = contract.worker.date_of_birth
    start = contract.start_date
    age = start.year - born.year - ((start.month, start.day) < (born.month, born.day))
    if age < ADULT_AGE:
        return Failure(gettext_noop("The worker is %(age)s on the start date; the minimum is 18."), {"age": age})
    return None


@rule("passport_valid", ERROR, _("Passport valid until the contract ends"))
def passport_valid(facts: Facts):
    worker = facts.contract.worker
    if not worker.passport_number or not worker.passport_expires_on:
        return Failure(gettext_noop("The worker's passport number and expiry date are not recorded."))
    if worker.passport_expires_on < facts.contract.end_date:
        return Failure(
            gettext_noop("The passport expires on %(expiry)s, before the contract ends on %(end)s."),
            {"expiry": worker.passport_expires_on.isoformat(), "end": facts.contract.end_date.isoformat()},
        )
    return None


@rule("employer_not_blacklisted", ERROR, _("Employer not blacklisted"))
def employer_not_blacklisted(facts: Facts):
    employer = facts.contract.employer
    if employer.blacklisted:
        return Failure(
            gettext_noop("The employer %(employer)s is blacklisted: %(reason)s"),
            {"employer": employer.name, "reason": employer.blacklist_reason},
        )
    return None


def positions_taken(job_order_id: int, *, excluding: int | None = None) -> int:
    taken = Contract.objects.filter(job_order_id=job_order_id, status__in=HOLDS_POSITION)
    if excluding:
        taken = taken.exclude(pk=excluding)
    return taken.count()


@rule("job_order_open", ERROR, _("Job order approved, open, matching and with a free position"))
def job_order_open(facts: Facts):
    job_order, contract = facts.job_order, facts.contract
    if job_order is None:
        return Failure(gettext_noop("Name the approved job order this contract fills."))
    if job_order.status != "approved":
        return Failure(gettext_noop("Job order %(reference)s is not approved."), {"reference": job_order.reference})
    if not job_order.is_open_on(facts.on):
        return Failure(
            gettext_noop("Job order %(reference)s is open for recruitment from %(start)s to %(end)s."),
            {
                "reference": job_order.reference,
                "start": job_order.valid_from.isoformat(),
                "end": job_order.valid_until.isoformat(),
            },
        )
    if job_order.agency_id != contract.agency_id:
        return Failure(gettext_noop("Job order %(reference)s belongs to another agency."), {"reference": job_order.reference})
    if job_order.employer_id != contract.employer_id or job_order.occupation_id != contract.occupation_id:
        return Failure(
            gettext_noop("The employer or occupation differs from job order %(reference)s."), {"reference": job_order.reference}
        )
    if contract.status not in HOLDS_POSITION and positions_taken(job_order.pk, excluding=contract.pk) >= job_order.positions:
        return Failure(
            gettext_noop("All %(positions)s positions of job order %(reference)s are taken."),
            {"positions": job_order.positions, "reference": job_order.reference},
        )
    return None


@rule("no_substitution", ERROR, _("Terms no worse than the job order's"))
def no_substitution(facts: Facts):
    job_order, contract = facts.job_order, facts.contract
    if job_order is None:
        return NOT_CHECKED
    problems = []
    if not comparable(contract.currency, job_order.currency):
        problems.append(
            [
                gettext_noop("the wage is in %(currency)s, the job order's in %(order_currency)s"),
                {"currency": contract.currency, "order_currency": job_order.currency},
            ]
        )
    else:
        wage = facts.monthly_wage()
        offered = facts.monthly_of(job_order.wage_amount, job_order.wage_period)
        if wage is not None and offered is not None and wage < offered:
            problems.append(
                [
                    gettext_noop("a wage of %(wage)s a month against %(offered)s offered"),
                    {"wage": _money(wage, contract.currency), "offered": _money(offered, job_order.currency)},
                ]
            )
    if contract.length_months > job_order.contract_months:
        problems.append(
            [
                gettext_noop("%(months)s months against %(offered)s offered"),
                {"months": str(contract.length_months), "offered": str(job_order.contract_months)},
            ]
        )
    if Decimal(contract.hours_per_week) > Decimal(job_order.hours_per_week):
        problems.append(
            [
                gettext_noop("%(hours)s hours a week against %(offered)s offered"),
                {"hours": _number(contract.hours_per_week), "offered": _number(job_order.hours_per_week)},
            ]
        )
    if problems:
        return Failure(
            gettext_noop("Worse than job order %(reference)s: %(problems)s."),
            {"reference": job_order.reference, "problems": problems},
        )
    return None


@rule("insurance_medical", ERROR, _("Insurance and medical certificate where required"))
def insurance_medical(facts: Facts):
    terms, contract = facts.terms, facts.contract
    if terms is None:
        return NOT_CHECKED
    missing = []
    if terms.insurance_required:
        if not (contract.insurer and contract.insurance_policy and contract.insurance_until):
            missing.append([gettext_noop("the insurer, policy number and cover date"), {}])
        elif contract.insurance_until < contract.end_date:
            missing.append([gettext_noop("insurance cover until the contract ends"), {}])
    if terms.medical_required:
        if not (contract.medical_on and contract.medical_until):
            missing.append([gettext_noop("the medical certificate's dates"), {}])
        elif contract.medical_until < contract.start_date or contract.medical_on > facts.on:
            missing.append([gettext_noop("a medical certificate valid on the start date"), {}])
    if missing:
        return Failure(gettext_noop("The agreement requires %(missing)s."), {"missing": missing})
    return None


@rule("no_overlap", ERROR, _("No overlapping contract for the worker"))
def no_overlap(facts: Facts):
    contract = facts.contract
    others = Contract.objects.filter(
        worker_id=contract.worker_id,
        status__in=LIVE_STATES,
        start_date__lte=contract.end_date,
        end_date__gte=contract.start_date,
    )
    if contract.pk:
        others = others.exclude(pk=contract.pk)
    other = others.values_list("reference", flat=True).first()
    if other:
        return Failure(gettext_noop("The worker already has contract %(reference)s over these dates."), {"reference": other})
    return None


@rule("annual_quota", WARNING, _("Annual quota not exceeded"))
def annual_quota(facts: Facts):
    terms, contract = facts.terms, facts.contract
    if terms is None or terms.annual_quota is None:
        return None if terms is not None else NOT_CHECKED
    year = contract.start_date.year
    used = Contract.objects.filter(agreement_id=contract.agreement_id, status__in=HOLDS_POSITION, start_date__year=year)
    if contract.pk:
        used = used.exclude(pk=contract.pk)
    count = used.count()
    if count >= terms.annual_quota:
        return Failure(
            gettext_noop("The quota of %(quota)s contracts for %(year)s is used (%(used)s approved)."),
            {"quota": terms.annual_quota, "year": year, "used": count},
        )
    return None


@rule("training_complete", WARNING, _("Required training complete"))
def training_complete(facts: Facts):
    from predeparture.services import training_gate

    if facts.terms is None:
        return NOT_CHECKED
    codes = facts.required_course_codes
    if not codes:
        return None
    gate = training_gate(facts.contract.worker_id, codes, facts.contract.start_date)
    if not gate.passed:
        return Failure(
            gettext_noop("Training not yet valid for the start date: %(detail)s Clearance will require it."),
            {"detail": " ".join(gate.explanation())},
        )
    return None


# --- Running the rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    code: str
    severity: str
    outcome: str
    params: dict

    @property
    def passed(self) -> bool:
        return self.outcome != FAIL

    @property
    def title(self) -> str:
        found = rule_by_code(self.code)
        return str(found.title) if found else self.code

    @property
    def message(self) -> str:
        """The failure in the active language: worked out when shown, not when stored."""
        if self.outcome != FAIL:
            return ""
        return _render(self.params.get("_message", self.code), self.params)

    def as_json(self) -> dict:
        return {"code": self.code, "severity": self.severity, "outcome": self.outcome, "params": self.params}

    @classmethod
    def from_json(cls, row: dict) -> Result:
        return cls(code=row["code"], severity=row["severity"], outcome=row["outcome"], params=row.get("params", {}))


def _render(message: str, params: dict) -> str:
    values = {}
    for name, value in params.items():
        if name.startswith("_"):
            continue
        if isinstance(value, list):  # a list of [message, params] parts, each translated and joined
            value = "; ".join(_render(part, part_params) for part, part_params in value)
        values[name] = value
    text = gettext(message)
    return text % values if values else text


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [[part, {key: _plain(item) for key, item in part_params.items()}] for part, part_params in value]
    return str(value)


def evaluate(contract: Contract, on: datetime.date | None = None) -> list[Result]:
    """Every rule against ``contract`` on day ``on`` (today by default)."""
    facts = Facts(contract=contract, on=on or today())
    results = []
    for current in RULES:
        outcome = current.check(facts)
        if outcome is None:
            results.append(Result(current.code, current.severity, PASS, {}))
        elif outcome == NOT_CHECKED:
            results.append(Result(current.code, current.severity, NOT_CHECKED, {}))
        else:
            params = {name: _plain(value) for name, value in outcome.params.items()}
            params["_message"] = outcome.message
            results.append(Result(current.code, current.severity, FAIL, params))
    return results


def store(contract: Contract, results: list[Result]) -> None:
    contract.compliance = [result.as_json() for result in results]
    contract.compliance_checked_at = timezone.now()


def stored_results(contract: Contract) -> list[Result]:
    return [Result.from_json(row) for row in contract.compliance or []]


def errors(results: list[Result]) -> list[Result]:
    return [result for result in results if result.outcome == FAIL and result.severity == ERROR]


def warnings(results: list[Result]) -> list[Result]:
    return [result for result in results if result.outcome == FAIL and result.severity == WARNING]
