"""Inspections' part of ``seed_demo --scale N`` (core/bulk.py): per unit three audits and ten complaints, by the
ministry's inspectors (bulk inspectors are added to make about twenty, as the ministry has).

Audits: every licensed agency was audited about once a year since its licence (the big ones more often), routine or
for a renewal, plus a follow-up where an audit found problems and a complaint-driven visit where a complaint was
serious. The older ones are closed; the last weeks' are reviewed, submitted or in progress; the coming quarter's are
scheduled, or planned in the chief inspector's proposal; a few were cancelled. Each audit with a report has an answer
for every checklist item; a non-compliant one is a finding with its corrective action (open, answered, accepted, some
overdue). A suspended or revoked licence followed an acted-on sanction recommendation; some are still pending or were
declined. The audit plans of the last quarters are confirmed, the next one proposed, an earlier draft discarded.

Complaints, from the South African agreement's workers mostly by SMS, each about the agency that recruited the
worker, in every state: received, being looked into, resolved or dismissed, answered within the category's deadline
or late; the worker got the acknowledgement and the outcome by SMS.
"""

from __future__ import annotations

import datetime

from core import bulk
from core.bulk import BulkRun, Numbers, Table, Weighted, moment, next_id
from core.dates import add_months
from workers.bulk import WorkerSms, mobile, sms_day

AUDITS_PER_UNIT = 3
COMPLAINTS_PER_UNIT = 10
INSPECTORS = 20
COMPLAINTS_SINCE = datetime.date(2024, 4, 1)  # the complaint deadlines are in force from the Act's commencement
SUMMARY = "Records and receipts checked; workers interviewed in private at the office."
REVIEW = "Findings agreed; corrective actions as proposed."
CANCELLED = "The agency's office was closed for a funeral; the audit is planned again."
ACTIONS = {
    "FEE-01": "Refund every fee charged to workers and stop charging them.",
    "FEE-02": "Issue receipts for every payment and keep copies on file.",
    "CON-01": "Give every worker a written contract in Sesotho before departure.",
    "CON-02": "Show the approved contract to the employer and report any change to the ministry.",
    "DOC-01": "Return the passports held to the workers and confirm in writing.",
    "ADV-01": "Withdraw the advertisements and show the licence number in new ones.",
    "REC-01": "Bring the register of recruited workers up to date.",
    "CMP-01": "Put up the ministry's complaints number at the office.",
    "INT-01": "Make a private room available for the inspectors' interviews.",
}
COMPLAINTS = {
    "fees": (30, "I was asked for M1,500 before my contract was signed."),
    "wages": (25, "The employer has not paid my wages for two months."),
    "substitution": (12, "The contract I signed at the mine is not the one the ministry approved."),
    "documents": (15, "The agency kept my passport after I came back."),
    "abuse": (5, "The supervisor hits workers who complain about the hours."),
    "other": (13, "The agency does not answer my calls about my deferred pay."),
}
OUTCOMES = {"resolved": "The agency refunded the fee after the inspectors' visit.",
            "dismissed": "The inspectors found the fee was a lawful passport charge paid to the government."}

AUDIT_COLUMNS = ["id", "reference", "agency_id", "kind", "inspector_id", "scheduled_on", "announced", "plan_id",
                 "complaint_id", "follow_up_of_id", "risk_at_planning", "status", "status_reason", "workers_interviewed",
                 "summary", "review_note", "created_at", "started_at", "submitted_at", "reviewed_at", "closed_at"]
ANSWER_COLUMNS = ["audit_id", "item_id", "answer", "severity", "note", "action_required", "action_due_on"]
FINDING_COLUMNS = ["id", "audit_id", "item_id", "severity", "description", "created_at", "closed_at"]
ACTION_COLUMNS = ["id", "finding_id", "description", "due_on", "status", "response", "responded_at", "decision_note",
                  "decided_at", "overdue_flagged_at"]
RECOMMENDATION_COLUMNS = ["audit_id", "action", "reason", "recommended_by_id", "recommended_at", "status", "decided_by_id",
                          "decided_at", "decision_note"]
COMPLAINT_COLUMNS = ["id", "reference", "agency_id", "category", "description", "channel", "worker_id", "complainant_name",
                     "complainant_phone", "complainant_language", "status", "received_at", "due_on", "recorded_by_id",
                     "triage_note", "escalated_at", "resolved_at", "resolution"]
PLAN_COLUMNS = ["id", "starts_on", "ends_on", "status", "unplaced", "created_by_id", "created_at", "confirmed_at"]
PLAN_ITEM_COLUMNS = ["plan_id", "agency_id", "inspector_id", "day", "reason", "risk"]


def _inspectors(run: BulkRun) -> list[int]:
    """The demo's inspectors, and bulk ones (no password: not logins) with a profile each, to make ``INSPECTORS``."""
    from django.contrib.auth.models import Group

    from core.access import Role
    from core.models import User
    from inspections.models import InspectorProfile

    group = Group.objects.get(name=Role.INSPECTOR)
    existing = list(User.objects.filter(groups=group).values_list("pk", flat=True))
    wanted = max(INSPECTORS - len(existing), 3)
    names = [("Lerato", "Mohapi"), ("Tumelo", "Sekhesa"), ("Mpho", "Lekhanya"), ("Nthabiseng", "Phafane"),
             ("Thabo", "Majara"), ("Limpho", "Rakuoane"), ("Sello", "Mathaba"), ("Puleng", "Lerotholi")]
    users = User.objects.bulk_create([
        User(username=f"bulk-inspector-{n:02d}", first_name=names[n % len(names)][0], last_name=names[n % len(names)][1],
             password="!", email=f"bulk-inspector-{n:02d}@demo.labour.gov.ls") for n in range(wanted)
    ])
    if not all(user.pk for user in users):
        users = list(User.objects.filter(username__startswith="bulk-inspector-"))
    group.user_set.add(*users)
    districts = ["maseru", "leribe", "berea", "mafeteng", "mohales_hoek", "quthing", "qachas_nek", "mokhotlong",
                 "thaba_tseka", "butha_buthe"]
    InspectorProfile.objects.bulk_create([
        InspectorProfile(user=user, home_district=districts[n % len(districts)]) for n, user in enumerate(users)
    ])
    return existing + [user.pk for user in users]


class Inspectorate:
    def __init__(self, run: BulkRun, rng):
        from core.models import User
        from inspections.models import (
            Audit,
            AuditPlan,
            ChecklistAnswer,
            ChecklistItem,
            Complaint,
            CorrectiveAction,
            Finding,
            PlanItem,
            SanctionRecommendation,
        )

        self.run, self.rng, self.now, self.today = run, rng, run.now, run.today
        self.audits = Table(Audit, AUDIT_COLUMNS)
        self.answers = Table(ChecklistAnswer, ANSWER_COLUMNS)
        self.findings = Table(Finding, FINDING_COLUMNS)
        self.actions = Table(CorrectiveAction, ACTION_COLUMNS)
        self.recommendations = Table(SanctionRecommendation, RECOMMENDATION_COLUMNS)
        self.complaints = Table(Complaint, COMPLAINT_COLUMNS)
        self.plans = Table(AuditPlan, PLAN_COLUMNS)
        self.plan_items = Table(PlanItem, PLAN_ITEM_COLUMNS)
        self.log = run.log
        self.model = Audit
        self.first = {model: next_id(model) for model in (Audit, Finding, CorrectiveAction, Complaint, AuditPlan)}
        self.ids = dict(self.first)
        self.audit_numbers = Numbers(Audit, "reference", "AUD", 5)
        self.complaint_numbers = Numbers(Complaint, "reference", "CMP", 5)
        self.items = list(ChecklistItem.objects.order_by("order").values_list("pk", "code"))
        people = dict(User.objects.filter(username__in=["chief", "licensing"]).values_list("username", "pk"))
        self.chief, self.officer = people.get("chief"), people.get("licensing")
        self.inspectors = _inspectors(run)
        self.sms = WorkerSms(run, "inspections")
        self.counts: dict[str, int] = {}
        self.deadlines: dict[str, list] | None = None
        self.models = {"Audit": Audit, "Finding": Finding, "CorrectiveAction": CorrectiveAction, "Complaint": Complaint,
                       "AuditPlan": AuditPlan}

    def take(self, name: str) -> int:
        model = self.models[name]
        value = self.ids[model]
        self.ids[model] += 1
        return value

    def count(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1

    # --- Audits ----------------------------------------------------------------------------------------------------

    def audit(self, agency, day: datetime.date, kind: str, *, status: str | None = None, plan_id: int | None = None,
              complaint_id: int | None = None, follow_up_of: int | None = None, problems: float = 0.25) -> int:
        rng, now, today = self.rng, self.now, self.today
        audit_id = self.take("Audit")
        inspector = self.inspectors[(agency.id * 3 + day.toordinal()) % len(self.inspectors)]
        created = moment(day - datetime.timedelta(days=30 + rng.randrange(30)), 10)
        if status is None:
            age = (today - day).days
            status = ("closed" if age > 75 else "reviewed" if age > 35 else "report_submitted" if age > 12
                      else "in_progress" if age >= 0 else "scheduled")
            if rng.random() < 0.03:
                status = "cancelled"
        started = moment(day, 9) if status not in ("planned", "scheduled", "cancelled") else None
        submitted = moment(min(day + datetime.timedelta(days=7), today), 16) if status in (
            "report_submitted", "reviewed", "closed") else None
        reviewed = moment(day + datetime.timedelta(days=20), 11) if status in ("reviewed", "closed") else None
        closed = moment(day + datetime.timedelta(days=70), 12) if status == "closed" else None
        announced = kind != "complaint"
        self.audits.add((
            audit_id, self.audit_numbers.next(day.year), agency.id, kind, inspector, day, announced, plan_id, complaint_id,
            follow_up_of, rng.randrange(5, 60), status, CANCELLED if status == "cancelled" else "",
            rng.randrange(3, 25) if submitted else None, SUMMARY if submitted else "", REVIEW if reviewed else "",
            created, started, submitted, reviewed, closed,
        ))
        self.count("audit " + status)
        # The transition log.
        path = {"planned": [], "scheduled": ["schedule"], "in_progress": ["schedule", "start"],
                "report_submitted": ["schedule", "start", "submit_report"],
                "reviewed": ["schedule", "start", "submit_report", "review"],
                "closed": ["schedule", "start", "submit_report", "review", "close"], "cancelled": ["schedule", "cancel"]}[status]
        targets = {"schedule": "scheduled", "start": "in_progress", "submit_report": "report_submitted", "review": "reviewed",
                   "close": "closed", "cancel": "cancelled"}
        moments = {"schedule": created + datetime.timedelta(days=1), "start": started, "submit_report": submitted,
                   "review": reviewed, "close": closed, "cancel": moment(day - datetime.timedelta(days=1), 8)}
        source = "planned"
        for transition in path:
            by = self.chief if transition in ("schedule", "review", "close", "cancel") else inspector
            self.log.add(self.model, audit_id, min(moments[transition], now), by, source, targets[transition], transition,
                         {"review": REVIEW, "cancel": CANCELLED}.get(transition))
            source = targets[transition]
        if submitted:
            self._report(audit_id, day, status, problems)
        return audit_id

    def _report(self, audit_id: int, day: datetime.date, status: str, problems: float) -> None:
        """An answer per checklist item; a non-compliant one is a finding with its corrective action."""
        rng, today = self.rng, self.today
        for item_id, code in self.items:
            if rng.random() < problems / 3:
                severity = Weighted({"minor": 60, "major": 32, "critical": 8}).draw(rng)
                due = day + datetime.timedelta(days=30 if severity != "critical" else 14)
                self.answers.add((audit_id, item_id, "non_compliant", severity, "Seen in the files and in interviews.",
                                  ACTIONS.get(code, "Correct this."), due))
                if status not in ("reviewed", "closed"):
                    continue  # findings are recorded when the chief inspector reviews the report
                finding_id = self.take("Finding")
                created = moment(day + datetime.timedelta(days=20), 11)
                if status == "closed":
                    action_status = "accepted"
                else:
                    action_status = Weighted({"open": 50, "responded": 30, "accepted": 20}).draw(rng)
                responded = moment(due - datetime.timedelta(days=3), 10) if action_status != "open" else None
                decided = moment(due + datetime.timedelta(days=2), 15) if action_status == "accepted" else None
                overdue = moment(due + datetime.timedelta(days=1), 6) if action_status == "open" and due < today else None
                closed = decided if action_status == "accepted" else None
                self.findings.add((finding_id, audit_id, item_id, severity, f"Not met: {code}.", created, closed))
                self.actions.add((
                    self.take("CorrectiveAction"), finding_id, ACTIONS.get(code, "Correct this."), due, action_status,
                    "Done; receipts attached." if responded else "", responded, "Accepted." if decided else "", decided,
                    overdue,
                ))
                self.count("action " + action_status)
            else:
                answer = "not_applicable" if code == "ADV-01" and rng.random() < 0.3 else "compliant"
                self.answers.add((audit_id, item_id, answer, "", "", "", None))

    def history(self, agency) -> None:
        """An agency's audits: about yearly since its licence, more for the big ones; what its licence went through."""
        rng, today = self.rng, self.today
        since = agency.recruits_from.date()
        until = (agency.recruits_until or self.now).date()
        every = 365 if agency.share < 0.002 else 240 if agency.share < 0.01 else 150
        day = since + datetime.timedelta(days=rng.randrange(60, 200))
        last = None
        while day <= until and day <= today + datetime.timedelta(days=80):
            kind = "renewal" if rng.random() < 0.3 else "routine"
            last = self.audit(agency, _working(day), kind)
            if rng.random() < 0.12 and day + datetime.timedelta(days=90) < today:
                self.audit(agency, _working(day + datetime.timedelta(days=90)), "follow_up", follow_up_of=last,
                           problems=0.15)
            day += datetime.timedelta(days=every + rng.randrange(-30, 30))
        if agency.licence_status in ("suspended", "revoked") and agency.recruits_until is not None:
            # The audit that found it, and the chief inspector's recommendation the licensing officer acted on.
            visit = _working(agency.recruits_until.date() - datetime.timedelta(days=45))
            audit_id = self.audit(agency, visit, "routine", status="closed", problems=0.9)
            action = "suspend" if agency.licence_status == "suspended" else "revoke"
            recommended = moment(visit + datetime.timedelta(days=21), 10)
            self.recommendations.add((audit_id, action, "Critical findings: fees charged and passports kept.", self.chief,
                                      recommended, "decided", self.officer, agency.recruits_until,
                                      "Licence sanctioned as recommended."))
            self.count("recommendation decided")

    # --- Complaints ------------------------------------------------------------------------------------------------

    def deadline_days(self, category: str, on: datetime.date) -> int:
        """``complaints.deadline_days.<category>`` in force on ``on`` (core.parameters.parameter_value), read once."""
        if self.deadlines is None:
            from core.models import RegulatoryParameter

            self.deadlines = {}
            rows = RegulatoryParameter.objects.filter(key__startswith="complaints.deadline_days.").order_by("effective_from")
            for key, since, value in rows.values_list("key", "effective_from", "value"):
                self.deadlines.setdefault(key.rsplit(".", 1)[1], []).append((since, int(value)))
        in_force = [days for since, days in self.deadlines.get(category, []) if since <= on]
        if not in_force:
            raise bulk.BulkRefused(f"No answer deadline for {category} complaints on {on}: run migrate first.")
        return in_force[-1]

    def complaint(self, agency, worker: int | None, received: datetime.datetime, status: str) -> int:
        rng = self.rng
        plan = self.run.shared["workers"]
        categories = Weighted({name: weight for name, (weight, _text) in COMPLAINTS.items()})
        category = categories.draw(rng)
        complaint_id = self.take("Complaint")
        days = self.deadline_days(category, bulk.local_date(received))
        due = received.date() + datetime.timedelta(days=days)
        late = rng.random() < 0.15
        resolved = None
        if status in ("resolved", "dismissed"):
            resolved = moment(due + datetime.timedelta(days=rng.randrange(1, 10)) if late
                              else due - datetime.timedelta(days=rng.randrange(0, max(days, 1))), 15)
            resolved = min(max(resolved, received + datetime.timedelta(hours=2)), self.now)
        triaged = status != "received"
        escalated = received + datetime.timedelta(days=1) if category == "abuse" and triaged else None
        language = "st"
        name, phone, worker_id = "", "", None
        if worker is not None:
            worker_id = plan.first_id + worker
            language = "en" if plan.language[worker] else "st"
            name, phone = f"Worker {worker_id}", mobile(worker)
        reference = self.complaint_numbers.next(received.year)
        self.complaints.add((
            complaint_id, reference, agency.id, category, COMPLAINTS[category][1], "sms" if worker is not None and
            rng.random() < 0.6 else "web", worker_id, name, phone, language, status, received, due, self.chief,
            "Passed to the inspector for the district." if triaged else "", escalated, resolved,
            OUTCOMES.get(status, ""),
        ))
        self.count("complaint " + status)
        if worker is not None:
            context = {"reference": reference, "agency": agency.name, "due_on": sms_day(due)}
            self.sms.send(worker, "complaint.received", received + datetime.timedelta(minutes=2), context, may_stop=False)
            if resolved:
                self.sms.send(worker, "complaint.resolved", resolved + datetime.timedelta(minutes=2),
                              {"reference": reference, "outcome": OUTCOMES[status]}, may_stop=False)
        looked_into = received.date() < self.today - datetime.timedelta(days=10)
        if status == "triaged" and category in ("fees", "documents") and looked_into:
            self.audit(agency, _working(received.date() + datetime.timedelta(days=7)), "complaint",
                       complaint_id=complaint_id, problems=0.5)
        return complaint_id

    # --- Plans ------------------------------------------------------------------------------------------------------

    def plans_of_quarters(self, agencies: list) -> None:
        """Confirmed plans for the last four quarters, the next quarter's proposal, and a discarded draft."""
        today = self.today
        quarter_start = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        for back, status in [(-4, "confirmed"), (-3, "confirmed"), (-2, "confirmed"), (-1, "confirmed"),
                             (0, "confirmed"), (1, "discarded"), (1, "proposed")]:
            starts = add_months(quarter_start, 3 * back)
            ends = add_months(starts, 3) - datetime.timedelta(days=1)
            plan_id = self.take("AuditPlan")
            proposed = moment(starts - datetime.timedelta(days=20 if status != "discarded" else 25), 10)
            self.plans.add((plan_id, starts, ends, status, bulk.json_value([]), self.chief, min(proposed, self.now),
                            min(proposed + datetime.timedelta(days=3), self.now) if status == "confirmed" else None))
            self.count("plan " + status)
            for n, agency in enumerate(agencies[: max(3, len(agencies) // 4)]):
                day = _working(starts + datetime.timedelta(days=(n * 3) % 85))
                inspector = self.inspectors[n % len(self.inspectors)]
                self.plan_items.add((plan_id, agency.id, inspector, day, "statutory" if n % 3 else "risk", 10 + n % 50))
                if status == "proposed" and n < 3:
                    # The proposal's first visits are already in the register as planned audits.
                    self.audit(agency, day, "routine", status="planned", plan_id=plan_id)

    def flush(self) -> None:
        for table in (self.plans, self.plan_items, self.complaints, self.audits, self.answers, self.findings, self.actions,
                      self.recommendations):
            table.flush()
        self.sms.flush()


def _working(day: datetime.date) -> datetime.date:
    """The next weekday from ``day`` (audits are not planned on weekends)."""
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def load(run: BulkRun) -> str:
    from inspections.models import Audit, Complaint, CorrectiveAction

    rng = run.rng("inspections")
    agencies = [agency for agency in run.shared.get("agencies", []) if agency.share > 0]
    inspectorate = Inspectorate(run, rng)
    if not inspectorate.items:
        return "no checklist (run migrate): skipped"
    inspectorate.plans_of_quarters(agencies)
    for agency in agencies:
        inspectorate.history(agency)
    # Pending and declined recommendations, after a critical finding at agencies that kept their licence.
    for status, agency in zip(["pending", "declined"], [agency for agency in agencies if agency.licence_status == "active"][-2:],
                              strict=False):
        visit = _working(run.today - datetime.timedelta(days=50 if status == "pending" else 200))
        audit_id = inspectorate.audit(agency, visit, "routine", status="reviewed" if status == "pending" else "closed",
                                      problems=0.9)
        inspectorate.recommendations.add((
            audit_id, "suspend", "A critical finding: workers' passports kept at the office.", inspectorate.chief,
            moment(visit + datetime.timedelta(days=21), 10), status,
            inspectorate.officer if status == "declined" else None,
            moment(visit + datetime.timedelta(days=30), 10) if status == "declined" else None,
            "The passports were returned the same week; a follow-up audit is enough." if status == "declined" else "",
        ))
        inspectorate.count("recommendation " + status)
    # Complaints: by workers of the agency's contracts where there are some, otherwise anonymous.
    samples = run.shared.get("agency_workers", {})
    weights = Weighted([(agency, agency.share) for agency in agencies])
    states = Weighted({"resolved": 55, "dismissed": 15, "triaged": 18, "received": 12})
    since = max(moment(COMPLAINTS_SINCE, 9), run.now - datetime.timedelta(days=3 * 365))
    span = (run.now - since).total_seconds()
    total = COMPLAINTS_PER_UNIT * run.units
    for n in range(total):
        agency = weights.draw(rng)
        received = since + datetime.timedelta(seconds=span * (n + rng.random()) / total)
        if not agency.recruits_at(received) and agency.recruits_until is None:
            received = max(received, agency.recruits_from + datetime.timedelta(days=30))
        received = min(received, run.now - datetime.timedelta(hours=1)).replace(microsecond=0)
        age = (run.now - received).days
        status = states.draw(rng) if age > 30 else ("received" if age < 3 else "triaged")
        if n < 4:  # every state at least once
            status = ["received", "triaged", "resolved", "dismissed"][n]
        workers = samples.get(agency.id) or []
        worker = workers[n % len(workers)] if workers and n % 4 else None
        inspectorate.complaint(agency, worker, received, status)
    inspectorate.flush()
    first = inspectorate.first
    bulk.copy_history(Audit, first[Audit])
    bulk.copy_history(Complaint, first[Complaint], date_column="received_at")
    bulk.copy_history(CorrectiveAction, first[CorrectiveAction], at=run.now)
    counts = inspectorate.counts
    return (f"{inspectorate.audits.count:,} audits, {inspectorate.findings.count:,} findings, "
            f"{inspectorate.complaints.count:,} complaints ({', '.join(f'{k} {v:,}' for k, v in sorted(counts.items()))}), "
            f"{inspectorate.sms.count:,} SMS")


bulk.register(bulk.BulkLoader(name="inspections", load=load, order=55,
                               tables=("notifications.OutboundSms", "django_fsm_log.StateLog")))
