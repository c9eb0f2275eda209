"""Inspections' part of the demo: the inspectorate, a year of audits with findings and corrective actions, workers'
complaints, a sanction recommendation waiting for the licensing officer and a confirmed plan for the next quarter.

A risk ranking needs a register to rank: the agencies demo tells one agency per licence state, so eight more licensed
agencies come in the way agencies licensed before this system came in, through the licence-register import
(``agencies.importing``), which also loads the earlier licences of Maluti, Khubelu and Thaba Bosiu: they were licensed
long before their current licence, and a risk score must not call them new.

Everything people do goes through the services (bookings, checklists, reports, reviews, the agencies' answers, the
inspectors' decisions, complaints, the scheduled jobs that flag overdue actions and escalate late complaints, the
plan); only the inspectors' planning profiles, which the chief enters in a form with no service behind it, are
written directly. Most of it happened in the past, which the services rightly refuse (no audit booked or started on a day other
than its own, no corrective action due in the past), so each past step runs with the services' ``today()`` set to
the day its story says, and the ``Clock`` then moves what the step wrote (timestamps, transition log, history,
notices, SMS) to that moment. Audits and complaints are numbered by their own year.

Safe to run again: nothing is added once Hlotse Manpower (the first agency of the imported register) exists.
``--scale`` adds nothing here (the planner's benchmark builds its own inspectors and agencies).
"""

from __future__ import annotations

import bisect
import csv
import datetime
import functools
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

from django.apps import apps
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone

from agencies.demo import DEMO_PDF
from agencies.importing import import_licences
from agencies.models import Agency, AgencyMembership
from agencies.services import add_agency_staff
from core import access
from core.access import Role
from core.choices import District
from core.dates import add_months, today
from core.demo import demo_user
from core.models import User
from inspections import complaints as complaint_services
from inspections import services
from inspections.models import (
    Answer,
    Audit,
    AuditKind,
    ChecklistAnswer,
    ChecklistItem,
    Complaint,
    ComplaintCategory,
    CorrectiveAction,
    InspectorProfile,
    Severity,
)
from notifications.models import OutboundSms, SmsStatus
from workers.models import Worker

MARKER = "LS-2014/00233"  # Hlotse Manpower's registration number
MALUTI, THABA_BOSIU, KHUBELU = "LS-2015/00412", "LS-2012/00077", "LS-2018/01402"
MINOR, MAJOR, CRITICAL = Severity.MINOR, Severity.MAJOR, Severity.CRITICAL

# --- The inspectorate ---------------------------------------------------------------------------------------------------

# The ministry's demo inspectors (core/demo.py): home district, most audits a week.
PROFILES = {"inspector": (District.MASERU, 4), "chief": (District.MASERU, 3)}
# More inspectors, one per district office: username, first, last, language, home district, most audits a week.
INSPECTORS = [
    ("ntsoaki", "Ntsoaki", "Mokete", "st", District.LERIBE, 4),
    ("mothusi", "Mothusi", "Lebesa", "st", District.BEREA, 4),
    ("limpho", "Limpho", "Sekonyela", "en", District.MAFETENG, 3),
    ("tsietsi", "Tsietsi", "Makoae", "st", District.MOHALES_HOEK, 3),
    ("paballo", "Paballo", "Ralitsie", "st", District.MOKHOTLONG, 3),
    ("thato", "Thato", "Mphuthing", "en", District.QACHAS_NEK, 4),
]
CONFLICTS = [
    ("ntsoaki", "hlotse", "Her brother Tefo Mokete works in Hlotse Manpower's Maputsoe office."),
    ("mothusi", "maluti", "He worked for Maluti Recruitment as a recruitment clerk until 2022."),
]

# Plan adjustments: an agency's audit given to the inspector of the district next door, some weeks into the quarter.
NEIGHBOURS = [("moyeni", "tsietsi", 3), ("mantsonyane", "paballo", 6)]

# --- The register: agencies licensed before this system, and the earlier licences of three demo agencies ------------------

# key, legal name, trading name, registration number, district, phone, first licensed (months ago), manager
REGISTER = [
    ("hlotse", "Hlotse Manpower Services (Pty) Ltd", "Hlotse Manpower", MARKER, District.LERIBE, "+26622400233", 34,
     ("Nkopane", "Lesia", "st")),
    ("semonkong", "Semonkong Labour Agents (Pty) Ltd", "Semonkong Labour Agents", "LS-2011/00098", District.MASERU,
     "+26622310098", 40, ("Moeketsi", "Thejane", "st")),
    ("thabana", "Thabana Morena Recruiters (Pty) Ltd", "Thabana Morena Recruiters", "LS-2017/00761", District.MAFETENG,
     "+26622700761", 27, ("Lintle", "Mohasi", "en")),
    ("sehlabathebe", "Sehlabathebe Employment Services (Pty) Ltd", "Sehlabathebe Employment", "LS-2023/01120",
     District.QACHAS_NEK, "+26622951120", 4, ("Relebohile", "Nkhahle", "st")),
    ("teyateyaneng", "Teyateyaneng Staffing (Pty) Ltd", "Teyateyaneng Staffing", "LS-2020/00544", District.BEREA,
     "+26622500544", 18, ("Lebohang", "Mofolo", "st")),
    ("buthabuthe", "Butha-Buthe Labour Link (Pty) Ltd", "Butha-Buthe Labour Link", "LS-2019/00318", District.BUTHA_BUTHE,
     "+26622460318", 20, ("Tšepiso", "Molefi", "en")),
    ("moyeni", "Moyeni Farmworker Agency (Pty) Ltd", "Moyeni Farmworker Agency", "LS-2021/00870", District.QUTHING,
     "+26622750870", 14, ("Mpho", "Rakuoane", "st")),
    ("mantsonyane", "Mantšonyane Careers (Pty) Ltd", "Mantšonyane Careers", "LS-2024/00412", District.THABA_TSEKA,
     "+26622900412", 2, ("'Maneo", "Tsotetsi", "st")),
]
# The demo agencies' licences before their current one (months ago; it ran until yesterday).
EARLIER_LICENCES = {MALUTI: 40, THABA_BOSIU: 52, KHUBELU: 26}
REGISTER_NUMBERS_FROM = 201  # the register's numbers in this demo: PEA-<year>-0201 onwards, clear of the system's


# --- Finding words ----------------------------------------------------------------------------------------------------------


@dataclass
class Issue:
    """A non-compliant checklist item and what became of its corrective action (days counted from the audit)."""

    code: str
    severity: str
    note: str
    action: str
    due: int
    fate: str = "open"  # open, answered (waiting for the inspector), accepted, rejected (sent back, then left)
    answered: int = 0
    response: str = ""
    receipts: str = ""  # a file sent with the answer
    decision: str = ""
    new_due: int = 0  # rejected: the new due date


@dataclass
class Visit:
    agency: str
    inspector: str
    day: datetime.date
    ends_as: str  # in_progress, report_submitted, reviewed, closed
    interviewed: int | None
    summary: str
    issues: list[Issue] = field(default_factory=list)
    kind: str = AuditKind.ROUTINE
    announced: bool = True
    booked: int = 21  # days before the visit
    reviewed: int = 4  # days after the visit
    review_note: str = ""
    complaint: Complaint | None = None
    not_applicable: dict[str, str] = field(default_factory=dict)
    compliant: list[str] | None = None  # only these answered (a draft); every item when None
    photo: str = ""  # the checklist item the inspector photographed


# --- The clock ----------------------------------------------------------------------------------------------------------


class Clock:
    """Runs past steps on their story's day and moves what they wrote to that moment afterwards.

    Inside ``at(day)`` the services' ``today()`` is that day, so they check bookings, starts and due dates as they
    did then; ``move()`` then rewrites every date-time written inside a step (only those: other seeders' rows and
    today's steps keep theirs) to the step's moment plus the time the step really took, so the order is kept.
    """

    APPS = ("agencies", "core", "django_fsm_log", "inspections", "notifications")

    def __init__(self) -> None:
        self.windows: list[tuple[datetime.datetime, datetime.datetime, datetime.datetime]] = []

    @contextmanager
    def at(self, day: datetime.date, hour: int = 10, minute: int = 0) -> Iterator[None]:
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))
        began = timezone.now()
        with (
            mock.patch("inspections.services.today", return_value=day),
            mock.patch("inspections.complaints.today", return_value=day),
        ):
            yield
        self.windows.append((began, timezone.now(), moment))

    def story_time(self, value: datetime.datetime) -> datetime.datetime:
        index = bisect.bisect_right([began for began, _end, _moment in self.windows], value) - 1
        if index >= 0:
            began, ended, moment = self.windows[index]
            if value <= ended:
                return moment + (value - began)
        return value

    def move(self) -> None:
        if not self.windows:
            return
        first, last = self.windows[0][0], self.windows[-1][1]
        for label in self.APPS:
            for model in apps.get_app_config(label).get_models():
                for model_field in model._meta.concrete_fields:
                    if not isinstance(model_field, models.DateTimeField):
                        continue
                    name = model_field.attname
                    written = model._default_manager.filter(**{f"{name}__gte": first, f"{name}__lte": last})
                    moved = [model(pk=pk, **{name: self.story_time(value)}) for pk, value in written.values_list("pk", name)]
                    model._default_manager.bulk_update(moved, [name], batch_size=500)


# --- Days -------------------------------------------------------------------------------------------------------------------


@functools.cache
def public_holidays(year: int) -> frozenset[datetime.date]:
    """The public holidays the planner avoids (inspections.PublicHoliday, seeded by migration 0005)."""
    from inspections.models import PublicHoliday

    return frozenset(PublicHoliday.objects.filter(day__year=year).values_list("day", flat=True))


def _off(day: datetime.date) -> bool:
    """Not a working day: a weekend or a public holiday."""
    return day.weekday() >= 5 or day in public_holidays(day.year)


def _working_day(days: int) -> datetime.date:
    """The day ``days`` from today, moved off a weekend or holiday: back in the past, on in the future."""
    day = today() + datetime.timedelta(days=days)
    step = datetime.timedelta(days=1 if days > 0 else -1)
    while _off(day):
        day += step
    return day


def _after(day: datetime.date, days: int) -> datetime.date:
    later = day + datetime.timedelta(days=days)
    while _off(later):
        later += datetime.timedelta(days=1)
    return later


def _within(day: datetime.date, days: int) -> datetime.date:
    """The last working day at most ``days`` after ``day`` (a deadline kept whatever holidays fall in between)."""
    earlier = day + datetime.timedelta(days=days)
    while _off(earlier):
        earlier -= datetime.timedelta(days=1)
    return earlier


def _before(day: datetime.date, days: int) -> datetime.date:
    return _within(day, -days)


def _next_quarter() -> tuple[datetime.date, datetime.date]:
    on = today()
    first = datetime.date(on.year, 3 * ((on.month - 1) // 3) + 1, 1)
    start = add_months(first, 3)
    return start, add_months(start, 3) - datetime.timedelta(days=1)


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, DEMO_PDF, content_type="application/pdf")


# --- The inspectorate and the register ------------------------------------------------------------------------------------


def _inspectorate(clock: Clock, people: dict[str, User]) -> None:
    inspector_group = Group.objects.get(name=Role.INSPECTOR)
    profiles = dict(PROFILES)
    for username, first, last, language, district, most in INSPECTORS:
        user = demo_user(username, first, last, language)
        user.groups.add(inspector_group)
        access.forget_roles(user)
        people[username] = user
        profiles[username] = (district, most)
    # The chief inspector entered each inspector's planning profile when the register went live.
    with clock.at(_working_day(-440), 9):
        for username, (district, most) in profiles.items():
            InspectorProfile.objects.get_or_create(
                user=people[username],
                defaults={"home_district": district, "working_weekdays": "01234", "max_audits_per_week": most},
            )


def _import_register(clock: Clock, people: dict[str, User]) -> dict[str, Agency]:
    """The ministry's spreadsheet register, loaded through the import as it was when the system went live."""
    on = today()
    rows = []
    number = REGISTER_NUMBERS_FROM

    def licence(issued: datetime.date, expires: datetime.date, status: str) -> dict[str, str]:
        nonlocal number
        number += 1
        return {
            "licence_number": f"PEA-{issued.year}-{number:04d}",
            "issued_on": issued.isoformat(),
            "expires_on": expires.isoformat(),
            "status": status,
        }

    for key, legal, trading, registration, district, phone, months, _manager in REGISTER:
        issued = add_months(on, -months)
        years = 1
        while add_months(issued, 12 * years) <= on + datetime.timedelta(days=45):  # renewed every year, without a gap
            years += 1
        agency = {"legal_name": legal, "trading_name": trading, "registration_number": registration,
                  "district": District(district).label, "phone": phone, "email": f"info@{key}.demo.co.ls"}
        rows.append(agency | licence(issued, add_months(issued, 12 * years) - datetime.timedelta(days=1), "active"))
    for agency in Agency.objects.filter(registration_number__in=EARLIER_LICENCES):
        issued = add_months(on, -EARLIER_LICENCES[agency.registration_number])
        rows.append(
            {"legal_name": agency.legal_name, "trading_name": agency.trading_name,
             "registration_number": agency.registration_number, "district": District(agency.district).label,
             "phone": "", "email": ""}
            | licence(issued, on - datetime.timedelta(days=1), "expired")
        )
    with tempfile.TemporaryDirectory() as folder, clock.at(_working_day(-450), 9):
        path = Path(folder) / "licence-register.csv"
        with path.open("w", newline="", encoding="utf-8") as file:
            writer = csv.DictWriter(file, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        import_licences(path)
        agencies = {}
        for key, _legal, _trading, registration, _district, _phone, _months, (first, last, language) in REGISTER:
            agencies[key] = Agency.objects.get(registration_number=registration)
            manager = demo_user(key, first, last, language)
            if not AgencyMembership.objects.filter(user=manager).exists():
                add_agency_staff(agency=agencies[key], user=manager, is_manager=True)
            people[key] = manager
    return agencies


def _availability(clock: Clock, people: dict[str, User], agencies: dict[str, Agency]) -> None:
    """Conflicts declared long ago; leave asked for in the coming weeks and in the next quarter (before any booking)."""
    with clock.at(_working_day(-300), 11):
        for username, agency, note in CONFLICTS:
            services.declare_conflict(by=people[username], inspector_id=people[username].pk, agency_id=agencies[agency].pk,
                                      note=note)
    quarter, _end = _next_quarter()
    leave = [
        ("ntsoaki", _working_day(8), 14, "Annual leave"),
        ("mothusi", _after(quarter, 14), 5, "Labour inspection course (ILO), Pretoria"),
        ("limpho", _after(quarter, 35), 3, "Study leave: diploma examinations"),
    ]
    taken = [(_working_day(-75), "thato", _working_day(-60), 5, "Annual leave")]
    for asked, username, first, days, note in [*taken, *[(_working_day(-45), *row) for row in leave]]:
        person, last = people[username], first
        for _day in range(days - 1):  # working days
            last = _after(last, 1)
        with clock.at(asked, 14):
            services.add_leave(by=person, inspector_id=person.pk, starts_on=first, ends_on=last, note=note)


def _move(chief: User, item, inspector_id: int, day: datetime.date, until: datetime.date) -> None:
    """The chief moves a proposed audit to the first working day from ``day`` that keeps every rule of the plan."""
    while day <= until:
        if not _off(day):
            try:
                services.change_plan_item(by=chief, item_id=item.pk, inspector_id=inspector_id, day=day)
                return
            except ValidationError:
                pass
        day += datetime.timedelta(days=1)


def _adjust(chief: User, people: dict[str, User], agencies: dict[str, Agency], plan) -> None:
    """What the chief changes in the proposal before confirming it.

    The planner avoids public holidays itself now; this moves any audit still on one (none, normally) to the
    inspector's next possible day. It knows travel only as "home district or not": two audits in districts
    without an inspector of their own go to the inspector next door, later in the quarter.
    """
    holidays = public_holidays(plan.starts_on.year) | public_holidays(plan.ends_on.year)
    for item in plan.items.filter(day__in=holidays):
        _move(chief, item, item.inspector_id, item.day, plan.ends_on)
    for agency, username, weeks in NEIGHBOURS:
        item = plan.items.filter(agency=agencies[agency]).first()
        if item is not None:
            _move(chief, item, people[username].pk, plan.starts_on + datetime.timedelta(weeks=weeks), plan.ends_on)


# --- Audits -----------------------------------------------------------------------------------------------------------------


def _answers(visit: Visit, items: dict[str, ChecklistItem]) -> dict[int, dict]:
    answers = {}
    codes = visit.compliant if visit.compliant is not None else list(items)
    for code in codes:
        answers[items[code].pk] = {"answer": Answer.COMPLIANT}
    for code, note in visit.not_applicable.items():
        answers[items[code].pk] = {"answer": Answer.NOT_APPLICABLE, "note": note}
    for issue in visit.issues:
        answers[items[issue.code].pk] = {
            "answer": Answer.NON_COMPLIANT,
            "severity": issue.severity,
            "note": issue.note,
            "action_required": issue.action,
            "action_due_on": visit.day + datetime.timedelta(days=issue.due),
        }
    return answers


def _visit(clock: Clock, people: dict[str, User], agencies: dict[str, Agency], items: dict[str, ChecklistItem],
           visit: Visit) -> Audit:
    """One audit from its booking to the state its story ends in."""
    chief, inspector = people["chief"], people[visit.inspector]
    agency = agencies[visit.agency]
    with clock.at(_before(visit.day, visit.booked), 11):
        audit = services.create_audit(
            by=chief, agency_id=agency.pk, inspector_id=inspector.pk, day=visit.day, kind=visit.kind,
            announced=visit.announced, complaint_id=visit.complaint.pk if visit.complaint else None,
        )
        services.schedule_audit(by=chief, audit_id=audit.pk, announced=visit.announced)
    with clock.at(visit.day, 9, 30):
        services.start_audit(by=inspector, audit_id=audit.pk)
        services.save_checklist(by=inspector, audit_id=audit.pk, answers=_answers(visit, items),
                                workers_interviewed=visit.interviewed, summary=visit.summary)
        if visit.photo:
            answer = ChecklistAnswer.objects.get(audit=audit, item=items[visit.photo])
            services.add_evidence(by=inspector, answer_id=answer.pk, upload=_pdf(f"{visit.photo.lower()}-photo.pdf"))
    if visit.ends_as == "in_progress":
        return audit
    with clock.at(visit.day, 15, 45):
        services.submit_report(by=inspector, audit_id=audit.pk)
    if visit.ends_as == "report_submitted":
        return audit
    reviewed = _after(visit.day, visit.reviewed)
    with clock.at(reviewed, 10):
        services.review_audit(by=chief, audit_id=audit.pk, note=visit.review_note)
    last = reviewed
    manager = people[visit.agency]
    for issue in visit.issues:
        if issue.fate == "open":
            continue
        action = CorrectiveAction.objects.get(finding__audit=audit, finding__item=items[issue.code])
        answered = _after(visit.day, issue.answered)
        with clock.at(answered, 14, 20):
            uploads = [_pdf(issue.receipts)] if issue.receipts else []
            services.respond_to_action(by=manager, action_id=action.pk, response=issue.response, uploads=uploads)
        if issue.fate == "answered":
            continue
        decided = _after(answered, 2)
        with clock.at(decided, 11, 10):
            new_due = visit.day + datetime.timedelta(days=issue.new_due) if issue.fate == "rejected" else None
            services.decide_action(by=inspector, action_id=action.pk, accept=issue.fate == "accepted",
                                   note=issue.decision, new_due_on=new_due)
        last = max(last, decided)
    if visit.ends_as == "closed":
        with clock.at(_after(last, 1), 9, 15):
            services.close_audit(by=chief, audit_id=audit.pk)
    return audit


def _history(clock: Clock, people: dict[str, User], agencies: dict[str, Agency], items: dict[str, ChecklistItem]) -> None:
    """Closed audits of the last year and a half: findings answered and accepted, or none."""
    visits = [
        Visit("khubelu", "paballo", _working_day(-410), "closed", 5,
              "Office in Mokhotlong town; mine recruitment for the Free State goldfields. Records in order.",
              [Issue("ADV-01", MINOR, "A Moafrika FM advertisement for mine work did not give the agency's licence number.",
                     "Give the licence number in every radio and print advertisement; send the corrected script.", 30,
                     "accepted", 16, "The new script reads the licence number at the start and the end.",
                     "radio-script.pdf", "Corrected script received.")]),
        Visit("maluti", "chief", _working_day(-395), "closed", 6,
              "Well-kept office in Maseru; workers interviewed in private at the labour office.",
              [Issue("ADV-01", MINOR, "A Facebook advertisement for farm work in Ficksburg gave neither the licence number "
                     "nor the wage.", "Show the licence number and the true wage on every advertisement.", 30,
                     "accepted", 18, "All our advertisements now carry the licence number and the wage; the Facebook "
                     "page was corrected.", "facebook-advert.pdf", "Seen on the page.")]),
        Visit("thababosiu", "tsietsi", _working_day(-330), "closed", 4,
              "Small office near Maseru Bridge; most workers placed in Rustenburg platinum mines.",
              [Issue("FEE-02", MAJOR, "Receipts of M400 a worker for 'transport to the border'; the agreement allows no "
                     "charge to workers.", "Refund the M400 to each worker charged and stop the charge.", 30,
                     "accepted", 25, "Refunded 11 workers; their signed receipts attached.", "refund-receipts.pdf",
                     "Receipts checked against the worker list."),
               Issue("REC-01", MINOR, "Two workers' files lack the pre-departure training certificate.",
                     "Add the certificates to both files.", 30, "accepted", 12, "Both certificates filed.", "",
                     "Checked on the register.")]),
        Visit("buthabuthe", "ntsoaki", _working_day(-240), "closed", 6,
              "Workers mostly placed on farms in the eastern Free State.",
              [Issue("REC-01", MINOR, "The workers' register is kept in an exercise book; two entries lack the passport "
                     "number.", "Keep the register on the ministry's system and complete both entries.", 30, "accepted",
                     20, "Entries completed; workers now registered on the ministry's system.", "",
                     "Both workers found on the register.")]),
        Visit("semonkong", "limpho", _working_day(-150), "closed", 5,
              "No finding: contracts in Sesotho given a week before departure, receipts for nothing charged, "
              "complaints notice in the office.", review_note="A model office."),
    ]
    for visit in visits:
        _visit(clock, people, agencies, items, visit)


# --- Complaints -------------------------------------------------------------------------------------------------------------


def _complaint(clock: Clock, by: User, agency: Agency, category: str, received: datetime.date, description: str,
               **who) -> Complaint:
    with clock.at(received, 11, 40):
        return complaint_services.record_complaint(
            by=by, data={"agency": agency, "category": category, "description": description, "received_on": received} | who
        )


def _worker(first: str, last: str) -> Worker | None:
    return Worker.objects.filter(first_name=first, last_name=last).first()


# --- The stories ------------------------------------------------------------------------------------------------------------


def seed_inspections(scale: int) -> list[tuple[str, str]]:
    if Agency.objects.filter(registration_number=MARKER).exists():
        return []
    people = {user.username: user for user in User.objects.filter(username__in=["chief", "inspector", "registrar"])}
    demo_agencies = {a.registration_number: a for a in Agency.objects.filter(registration_number__in=EARLIER_LICENCES)}
    if not {"chief", "inspector"} <= set(people) or set(demo_agencies) != set(EARLIER_LICENCES):
        return []  # without the ministry's and the agencies' demo there is nobody to tell these stories
    for username in ("maluti", "thababosiu", "khubelu"):
        people[username] = User.objects.get(username=username)
    first_sms = OutboundSms.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    items = {item.code: item for item in ChecklistItem.objects.filter(active=True)}
    chief, inspector = people["chief"], people["inspector"]
    recorder = people.get("registrar", chief)  # a complaint by letter or at the counter, recorded by the registry

    clock = Clock()
    _inspectorate(clock, people)
    agencies = _import_register(clock, people)
    agencies |= {"maluti": demo_agencies[MALUTI], "thababosiu": demo_agencies[THABA_BOSIU], "khubelu": demo_agencies[KHUBELU]}
    _availability(clock, people, agencies)
    _history(clock, people, agencies, items)

    # Hlotse: workers charged a "registration fee"; a complaint-driven audit; the refund refused, then left overdue.
    received = _working_day(-82)
    hlotse_complaint = _complaint(
        clock, recorder, agencies["hlotse"], ComplaintCategory.FEES, received,
        "Paid M1,200 in cash at the Hlotse office as a 'registration fee' to be put on the list for farm work in "
        "Ficksburg. No receipt. Others in my village paid the same.",
        complainant_name="Tlotliso Lepheana", complainant_phone="+26657234501",
    )
    with clock.at(_after(received, 1), 8, 50):
        complaint_services.triage_complaint(by=chief, complaint_id=hlotse_complaint.pk,
                                            note="Several workers named. Unannounced complaint-driven audit to be booked.")
    # The audit within the complaint's 14 days; the refund is sent back with a new date, the day before the nightly job
    # flags it overdue.
    hlotse_day, flag_day = _within(received, 13), _working_day(-2)
    hlotse = _visit(clock, people, agencies, items, Visit(
        "hlotse", "mothusi", hlotse_day, "reviewed", 7,
        "Unannounced visit after complaint. The manager confirmed the fee; 17 workers paid it since January.",
        [Issue("FEE-01", MAJOR, "Seventeen workers paid a 'registration fee' of M1,200 in cash to be put on the list for "
               "farm work in Ficksburg; no receipts were given. The manager confirmed it.",
               "Refund the M1,200 to each of the 17 workers and send their signed receipts; charge workers no fee.", 30,
               "rejected", 26, "We have stopped charging the registration fee.", "",
               "Stopping is not enough: refund the M1,200 to each of the 17 workers and send their signed receipts.",
               (flag_day - hlotse_day).days - 1),
         Issue("ADV-01", MINOR, "Posters at the Hlotse taxi rank advertise 'jobs in South Africa' without the licence "
               "number or the employer's name.", "Replace the posters with ones that give the licence number and the "
               "employer.", 21, "accepted", 15, "New posters put up; photo attached.", "new-poster.pdf",
               "Poster seen at the rank.")],
        kind=AuditKind.COMPLAINT, announced=False, booked=(hlotse_day - _after(received, 1)).days, complaint=hlotse_complaint,
        review_note="Fee confirmed. Follow the refunds closely.",
    ))
    with clock.at(hlotse_day, 17, 20):
        complaint_services.resolve_complaint(
            by=people["mothusi"], complaint_id=hlotse_complaint.pk,
            outcome=f"Audit {hlotse.reference} confirmed the fee. Hlotse Manpower must refund every worker; call the "
            "Leribe labour office if you are not refunded.",
        )

    # Thabana Morena: a contract substitution resolved through the labour attaché; unpaid wages now late and escalated.
    received = _working_day(-50)
    substitution = _complaint(
        clock, chief, agencies["thabana"], ComplaintCategory.SUBSTITUTION, received,
        "My contract signed in Mafeteng said R6,100 a month. At the farm near Ladybrand they gave us a new contract at "
        "R4,000 and said to sign or go home.",
        complainant_name="Rethabile Nkofo", complainant_phone="+26662234502",
    )
    with clock.at(_after(received, 1), 9):
        complaint_services.triage_complaint(by=inspector, complaint_id=substitution.pk,
                                            note="Asked the labour attaché in Bloemfontein to visit the farm.")
    with clock.at(_within(received, 12), 15):
        complaint_services.resolve_complaint(
            by=chief, complaint_id=substitution.pk,
            outcome="The attaché confirmed the second contract. The employer now pays the approved R6,100 and paid the "
            "difference for the months worked.",
        )
    received = _working_day(-30)
    wages = _complaint(
        clock, inspector, agencies["thabana"], ComplaintCategory.WAGES, received,
        "Placed by Thabana Morena on a vegetable farm near Ladybrand. Not paid for two months; the agency says it is "
        "the farmer's business.",
        complainant_name="Motšeoa Khanyapa", complainant_phone="+26658234503", complainant_language="st",
    )
    with clock.at(_after(received, 2), 10):
        complaint_services.triage_complaint(
            by=chief, complaint_id=wages.pk,
            note="Asked the labour attaché in Bloemfontein to contact the farm; asked Thabana Morena for the placement "
            "contract. No answer yet from either.",
        )

    # Maluti: contracts handed over late; one answer waiting for the inspector, one action for Maluti to answer.
    _visit(clock, people, agencies, items, Visit(
        "maluti", "inspector", _working_day(-40), "reviewed", 8,
        "Routine audit. Office and records in good order except as noted; eight workers interviewed at the Maseru labour "
        "office.",
        [Issue("CON-01", MAJOR, "Three of the eight workers interviewed first saw their contracts at Maseru Bridge on the "
               "day they left, and only in English.", "Give every worker the contract in Sesotho (or a language they "
               "understand) at least seven days before departure, and keep the signed receipt.", 54),
         Issue("REC-01", MINOR, "The register lists 42 workers placed through Maluti; the office holds 39 files: those of "
               "three farm workers placed in Ficksburg are missing.", "Complete the three missing files (contract, "
               "clearance, training certificate).", 45, "answered", 34,
               "The three files are complete; copies of the contracts and clearances attached.", "worker-files.pdf"),
         Issue("CMP-01", MINOR, "No notice in the waiting room tells workers how to complain to the ministry.",
               "Put up the ministry's complaints notice, in Sesotho and English, in the waiting room; send a photo.", 21,
               "accepted", 9, "The notice is up beside the door; photo attached.", "complaints-notice.pdf",
               "Notice seen in the photo.")],
        review_note="Report accepted. The contract timing matters most: check it at the next audit.",
    ))

    # Khubelu: a worker's passport withheld; the renewal audit finds fourteen; the chief recommends suspension.
    received = _working_day(-22)
    renewal_day = _within(received, 5)  # booked long before; the complaint came in a few days ahead of it
    sello = _worker("Sello", "Ramone")
    passport = _complaint(
        clock, inspector, agencies["khubelu"], ComplaintCategory.DOCUMENTS, received,
        "My passport has been at Khubelu's office since I registered in March 'for safekeeping'. They say I get it on the "
        "bus the day we leave; I asked for it and they refused.",
        **({"worker": sello} if sello else {"complainant_name": "Sello Ramone", "complainant_phone": "+26658123417"}),
    )
    with clock.at(_after(received, 1), 8, 5):
        complaint_services.triage_complaint(
            by=inspector, complaint_id=passport.pk,
            note=f"Khubelu's renewal audit on {renewal_day:%d/%m/%Y} will look for passports held at the office.",
        )
    khubelu = _visit(clock, people, agencies, items, Visit(
        "khubelu", "inspector", renewal_day, "reviewed", 9,
        "Renewal audit. Passports found in the manager's cabinet; workers interviewed outside the office.",
        [Issue("DOC-01", CRITICAL, "Passports of 14 workers waiting to leave for the mines were in a locked cabinet in "
               "the manager's office, kept 'for safekeeping' until departure. Two workers said they had asked for theirs "
               "and been refused.", "Return every passport to its holder at once, with a receipt signed by each worker; "
               "keep no identity document.", 7, "answered", 6,
               "All 14 passports returned to their holders; the receipts signed by each worker are attached.",
               "passport-receipts.pdf"),
         Issue("FEE-01", MAJOR, "Workers paid M850 each for 'medicals' at a Mokhotlong clinic the agency chose; the "
               "receipts are on Khubelu letterhead.", "Refund the M850 to each of the 23 workers charged and stop charging "
               "for medical examinations: the employer pays them.", 45)],
        kind=AuditKind.RENEWAL, booked=28, reviewed=2, photo="DOC-01",
        review_note="Passports withheld and fees charged: serious. Recommending suspension to the licensing officer.",
    ))
    with clock.at(_after(renewal_day, 2), 16):
        services.recommend_sanction(
            by=chief, audit_id=khubelu.pk, action="suspend",
            reason="Passports of 14 workers withheld 'for safekeeping' (critical) and M850 charged to each worker for "
            "medicals. Suspend the licence until every passport is confirmed returned and the fees refunded; the renewal "
            "should wait for the same.",
        )
    with clock.at(renewal_day, 17, 30):
        complaint_services.resolve_complaint(
            by=inspector, complaint_id=passport.pk,
            outcome=f"Audit {khubelu.reference} found 14 passports kept at Khubelu's office; yours was handed back to you "
            "at the audit. Keep your passport yourself.",
        )

    # The scheduled job, run on the morning after the wages complaint fell due: late, escalated to the chief.
    with clock.at(wages.due_on + datetime.timedelta(days=1), 0, 15):
        complaint_services.escalate_late_complaints()

    # Maluti: a complaint that was no breach.
    received = _working_day(-15)
    other = _complaint(
        clock, recorder, agencies["maluti"], ComplaintCategory.OTHER,
        received, "Registered with Maluti in March for hotel work in Mauritius and they have not found me a job.",
        complainant_name="Teboho Sefali", complainant_phone="+26659234504", complainant_language="en",
    )
    with clock.at(_after(received, 4), 10):
        complaint_services.dismiss_complaint(
            by=inspector, complaint_id=other.pk,
            reason="No breach: registering with an agency does not promise a job. Maluti keeps you on its list and "
            "charged you nothing.",
        )

    # The last fortnight's complaints: a registered worker's M2,500 fee at Thaba Bosiu (its licence now suspended), a
    # fee at Teyateyaneng, a slap at Sehlabathebe's office not yet looked at.
    lehlohonolo = _worker("Lehlohonolo", "Molapo")
    fee_received = _working_day(-9)
    fee = _complaint(
        clock, chief, agencies["thababosiu"], ComplaintCategory.FEES, fee_received,
        "Paid M2,500 to Thaba Bosiu Placements in September for a job at a platinum mine in Rustenburg. The job never "
        "came and they will not give the money back.",
        **({"worker": lehlohonolo} if lehlohonolo else {"complainant_name": "Lehlohonolo Molapo"}),
    )
    with clock.at(_after(fee_received, 1), 8, 30):
        complaint_services.triage_complaint(
            by=chief, complaint_id=fee.pk,
            note="Three more workers called with the same story. Unannounced complaint-driven audit to be booked.",
        )
    visit_day = _working_day(-1)
    received = _working_day(-6)
    file_fee = _complaint(
        clock, inspector, agencies["teyateyaneng"], ComplaintCategory.FEES, received,
        "Teyateyaneng Staffing charged me M300 for a 'file and photos' before they would send my CV to a farm.",
        complainant_name="Nthati Ramoeletsi", complainant_phone="+26657234505",
    )
    with clock.at(_after(received, 1), 9, 45):
        complaint_services.triage_complaint(by=inspector, complaint_id=file_fee.pk,
                                            note=f"Will check receipts during the audit of {visit_day:%d/%m/%Y}.")
    _complaint(
        clock, inspector, agencies["sehlabathebe"], ComplaintCategory.ABUSE, today() - datetime.timedelta(days=1),
        "At the Qacha's Nek office the agency's driver shouted at a woman who asked for her deposit back and slapped her. "
        "I saw it.",
        complainant_name="'Mathabo Lesenyeho", complainant_phone="+26662234506",
    )

    # Teyateyaneng: the audit the inspector began yesterday and will finish (a saved draft).
    _visit(clock, people, agencies, items, Visit(
        "teyateyaneng", "inspector", visit_day, "in_progress", None,
        "Manager away in Maseru; records to be checked on the next visit.",
        [Issue("FEE-01", MAJOR, "Two workers showed receipts of M300 for a 'file and photos'.",
               "Refund every worker charged for a file or photos and stop the charge.", 30)],
        compliant=["CON-01", "DOC-01"], booked=30,
        not_applicable={"ADV-01": "The agency does not advertise; workers come by word of mouth."},
    ))
    # Sehlabathebe: the first audit of a new licensee, reported and waiting for the chief's review.
    _visit(clock, people, agencies, items, Visit(
        "sehlabathebe", "thato", _working_day(-4), "report_submitted", 3,
        "First audit since the licence. Hotel workers placed in Mauritius; contracts in English only.",
        [Issue("CMP-01", MINOR, "No complaints notice or number displayed; the staff did not know of the ministry's "
               "complaints desk.", "Put up the ministry's complaints notice and tell every worker of it.", 30),
         Issue("REC-01", MAJOR, "The files of 11 workers placed in Mauritian hotels hold no copy of the signed contract.",
               "Obtain and file the signed contract of each of the 11 workers.", 21)],
    ))
    # Thaba Bosiu: the unannounced complaint-driven audit, this week.
    with clock.at(_after(fee_received, 1), 11, 15):
        audit = services.create_audit(by=chief, agency_id=agencies["thababosiu"].pk, inspector_id=inspector.pk,
                                      day=_working_day(2), kind=AuditKind.COMPLAINT, announced=False, complaint_id=fee.pk)
        services.schedule_audit(by=chief, audit_id=audit.pk, announced=False)

    # The nightly job on the morning after Hlotse's new due date passed: flagged, follow-up audit planned.
    with clock.at(flag_day, 0, 10):
        services.flag_overdue_actions()

    # The next quarter's plan, proposed by the planner and adjusted and confirmed by the chief yesterday; the follow-up
    # and the plan's first audits fixed and announced.
    starts_on, ends_on = _next_quarter()
    with clock.at(_working_day(-1), 14):
        plan = services.propose_plan(by=chief, starts_on=starts_on, ends_on=ends_on)
    with clock.at(_working_day(-1), 15, 10):
        _adjust(chief, people, agencies, plan)
    with clock.at(_working_day(-1), 16, 30):
        booked = services.confirm_plan(by=chief, plan_id=plan.pk)
        follow_ups = Audit.objects.filter(follow_up_of__isnull=False, status="planned")
        for audit in [*follow_ups, *sorted(booked, key=lambda audit: (audit.scheduled_on, audit.pk))[:3]]:
            services.schedule_audit(by=chief, audit_id=audit.pk, announced=True)

    clock.move()
    # The SMS of these stories went out when they happened.
    OutboundSms.objects.filter(pk__gt=first_sms, status=SmsStatus.QUEUED).update(
        status=SmsStatus.SENT, attempts=1, claimed_at=models.F("created_at"), sent_at=models.F("created_at")
    )
    return []
