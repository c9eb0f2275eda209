"""The inspection risk score of licensed agencies: points per factor, each explainable.

Factors (weights are regulatory parameters the administrator edits):
- a new licence (the agency's first licence issued in the last six months);
- months since the last audit that reached a report (or since the first licence when never audited), up to 24;
- open findings, by severity;
- complaints received in the last twelve months;
- workers deployed now, per hundred;
- past suspensions of the agency's licences.

``risk_scores`` works for any number of agencies with a fixed number of
queries (one per factor), so the planner can rank a thousand agencies at once.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Max, Min
from django.utils.translation import gettext_lazy as _

from core.dates import add_months, moment_within, today
from core.parameters import parameter_values

MONTHS_CAP = 24
AUDITED_STATES = ("report_submitted", "reviewed", "closed")

# The factors' words, translated when shown.
NEW_LICENCE = _("New licence")
FIRST_LICENSED = _("first licensed %(date)s")
TIME_SINCE_AUDIT = _("Time since the last audit")
MONTHS_SINCE_AUDIT = _("%(months)s months since the audit of %(date)s")
NEVER_AUDITED = _("never audited; licensed %(months)s months ago")
COMPLAINTS = _("Complaints in the last 12 months")
DEPLOYED = _("Workers deployed now")
SUSPENSIONS = _("Past suspensions")
OPEN_CRITICAL = _("Open critical findings")
OPEN_MAJOR = _("Open major findings")
OPEN_MINOR = _("Open minor findings")


@dataclass(frozen=True)
class Factor:
    code: str
    label: str
    points: int
    # The detail's words and their values, put together only when shown: the ranking scores every licensed agency
    # (a thousand) and shows fifty.
    detail_text: str
    detail_values: dict = field(default_factory=dict)

    @property
    def detail(self) -> str:
        return self.detail_text % self.detail_values if self.detail_values else str(self.detail_text)


@dataclass
class RiskScore:
    agency_id: int
    factors: list[Factor] = field(default_factory=list)
    last_audit_on: datetime.date | None = None

    @property
    def total(self) -> int:
        return sum(factor.points for factor in self.factors)


def months_between(earlier: datetime.date, later: datetime.date) -> int:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month - (later.day < earlier.day)
    return max(months, 0)


def licensed_agency_ids(on: datetime.date) -> list[int]:
    from agencies.models import Licence

    # order_by(): the licences' default order would make DISTINCT keep one row per licence, not per agency.
    in_force = Licence.objects.in_force(on).filter(agency__status="active").order_by()
    return list(in_force.values_list("agency_id", flat=True).distinct())


def risk_scores(agency_ids: list[int] | None = None, on: datetime.date | None = None) -> dict[int, RiskScore]:
    """Scores of the given agencies (the licensed ones by default) on day ``on``."""
    from django_fsm_log.models import StateLog

    from agencies.models import Licence
    from contracts.models import Contract, ContractStatus
    from inspections.models import Audit, Complaint, Finding, Severity

    on = on or today()
    # Ranking every licensed agency, the counts are asked of all agencies and read for the licensed ones: a thousand
    # ids written into each of seven queries cost more (building and planning them) than the rows they leave out.
    every_licensed = agency_ids is None
    ids = licensed_agency_ids(on) if every_licensed else list(agency_ids)

    def of_agencies(lookup: str = "agency_id") -> dict:
        return {} if every_licensed else {f"{lookup}__in": ids}

    parameters = {
        "new_licence": "risk.weight_new_licence",
        "months": "risk.weight_days_since_audit",
        Severity.MINOR: "risk.weight_findings",
        Severity.MAJOR: "risk.weight_major_finding",
        Severity.CRITICAL: "risk.weight_critical_finding",
        "complaints": "risk.weight_complaints",
        "deployed": "risk.weight_deployed_per_100",
        "suspensions": "risk.weight_suspensions",
    }
    values = parameter_values(list(parameters.values()), on)
    weights = {factor: int(values[key]) for factor, key in parameters.items()}
    first_licence = dict(
        Licence.objects.filter(**of_agencies())
        .values("agency_id")
        .annotate(first=Min("issued_on"))
        .values_list("agency_id", "first")
    )
    last_audit = dict(
        Audit.objects.filter(**of_agencies(), status__in=AUDITED_STATES)
        .values("agency_id")
        .annotate(last=Max("scheduled_on"))
        .values_list("agency_id", "last")
    )
    findings: dict[int, dict[str, int]] = defaultdict(dict)
    for agency_id, severity, count in (
        Finding.objects.filter(**of_agencies("audit__agency_id"), closed_at__isnull=True)
        .values("audit__agency_id", "severity")
        .annotate(count=Count("pk"))
        .values_list("audit__agency_id", "severity", "count")
    ):
        findings[agency_id][severity] = count
    year_ago = on - datetime.timedelta(days=365)
    complaints = dict(
        Complaint.objects.filter(moment_within("received_at", year_ago + datetime.timedelta(days=1), None), **of_agencies())
        .values("agency_id")
        .annotate(count=Count("pk"))
        .values_list("agency_id", "count")
    )
    deployed = dict(
        # Count("*"), not of the key: read from the partial index of deployed contracts alone (contract_deployed_agency_idx).
        Contract.objects.filter(**of_agencies(), status=ContractStatus.DEPLOYED)
        .order_by()
        .values("agency_id")
        .annotate(count=Count("*"))
        .values_list("agency_id", "count")
    )
    licence_agency = dict(Licence.objects.filter(**of_agencies()).values_list("pk", "agency_id"))
    suspensions: dict[int, int] = defaultdict(int)
    for object_id, count in (
        StateLog.objects.filter(
            content_type=ContentType.objects.get_for_model(Licence),
            transition="suspend",
        )
        .filter(**({} if every_licensed else {"object_id__in": [str(pk) for pk in licence_agency]}))
        .values("object_id")
        .annotate(count=Count("pk"))
        .values_list("object_id", "count")
    ):
        if int(object_id) in licence_agency:
            suspensions[licence_agency[int(object_id)]] += count

    scores = {}
    six_months_ago = add_months(on, -6)
    open_findings = ((Severity.CRITICAL, OPEN_CRITICAL), (Severity.MAJOR, OPEN_MAJOR), (Severity.MINOR, OPEN_MINOR))
    for agency_id in ids:
        score = RiskScore(agency_id=agency_id, last_audit_on=last_audit.get(agency_id))
        first = first_licence.get(agency_id)
        if first and first > six_months_ago:
            score.factors.append(
                Factor("new_licence", NEW_LICENCE, weights["new_licence"], FIRST_LICENSED, {"date": first})
            )
        since = last_audit.get(agency_id) or first
        if since:
            months = min(months_between(since, on), MONTHS_CAP)
            if months:
                detail = (
                    (MONTHS_SINCE_AUDIT, {"months": months, "date": since})
                    if agency_id in last_audit
                    else (NEVER_AUDITED, {"months": months})
                )
                score.factors.append(Factor("time_since_audit", TIME_SINCE_AUDIT, months * weights["months"], *detail))
        for severity, label in open_findings:
            count = findings[agency_id].get(severity, 0)
            if count:
                score.factors.append(Factor(f"findings_{severity}", label, count * weights[severity], str(count)))
        count = complaints.get(agency_id, 0)
        if count:
            score.factors.append(Factor("complaints", COMPLAINTS, count * weights["complaints"], str(count)))
        count = deployed.get(agency_id, 0)
        if count >= 100:
            score.factors.append(Factor("deployed", DEPLOYED, (count // 100) * weights["deployed"], str(count)))
        count = suspensions.get(agency_id, 0)
        if count:
            score.factors.append(Factor("suspensions", SUSPENSIONS, count * weights["suspensions"], str(count)))
        scores[agency_id] = score
    return scores


def statutory_due(score: RiskScore, period_end: datetime.date) -> bool:
    """Each licensed agency is audited at least once a year: due when no audit reached a report in the year before the end."""
    return score.last_audit_on is None or score.last_audit_on <= period_end - datetime.timedelta(days=365)
