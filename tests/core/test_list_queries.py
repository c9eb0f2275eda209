"""Every list page makes as many queries with many rows as with one (issue 9): an N+1 fails here, in `make test`,
without timing anything (the timings are `make bench`'s, benchmarks/scenarios/lists.py).

Each page of ``LIST_PAGES`` is opened by a role that works with it, with one row of its kind, then with seven more,
each with its own related records (agency, worker, inspector…), so that a query per row, per related record or per
anything else that grows with the data shows as a different count. The texts each maker returns must be on the page,
so that the rows were really shown. ``test_every_list_page_is_counted`` fails when a list page is added without
being listed here.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from core.access import Role
from core.lists import RecordListView
from tests.factories import (
    AgencyFactory,
    AgencyStaffFactory,
    ApplicationFactory,
    LicenceFactory,
    UserFactory,
    WorkerFactory,
    contract_setting,
    passport_worker,
)

pytestmark = pytest.mark.django_db

MORE = 7  # rows added after the first: the count must not move
_numbers = itertools.count(1)


def _n() -> int:
    return next(_numbers)


def _today() -> datetime.date:
    return timezone.localdate()


@dataclass
class ListPage:
    url_name: str
    role: str  # an attribute of the cast
    make: Callable  # (cast, count) -> texts the new rows show on the page
    query: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.url_name} as {self.role}" + (f" ?{self.query}" if self.query else "")


# --- Makers: ``count`` more rows of the page's kind, each with related records of its own ---------------------------------


def users(cast, count):
    return [UserFactory(username=f"listed{_n()}", roles=[Role.REGISTRAR, Role.ANALYST]).username for _ in range(count)]


def parameters(cast, count):
    """Values of every parameter in force today, one more each time: the page shows one row per parameter."""
    from core.models import RegulatoryParameter
    from core.parameters import DEFINITIONS

    keys = sorted(DEFINITIONS)
    for _ in range(count):
        n = _n()
        RegulatoryParameter.objects.create(
            key=keys[n % len(keys)], value=Decimal(n), effective_from=_today() - datetime.timedelta(days=n),
            created_by=UserFactory(roles=[Role.ADMINISTRATOR]),
        )
    return []


def sms_templates(cast, count):
    from notifications.models import SmsTemplate

    return [SmsTemplate.objects.create(key=f"listed.event{_n()}", language="st", body="Lumela").key for _ in range(count)]


def _worker_with_agency():
    agency = AgencyFactory()
    return WorkerFactory(agency=agency), agency


def outbox(cast, count):
    from notifications.models import OutboundSms

    shown = []
    for _ in range(count):
        worker, agency = _worker_with_agency()
        OutboundSms.objects.create(to=worker.mobile.as_e164, worker_id=worker.pk, agency_id=agency.pk, language="st",
                                   template_key="contract.approved", body=f"Lumela {worker.first_name}", status="delivered")
        shown.append(worker.reference)
    return shown


def inbound(cast, count):
    from notifications.models import InboundSms

    shown = []
    for _ in range(count):
        worker, _agency = _worker_with_agency()
        InboundSms.objects.create(provider_id=f"SMIN{_n():010d}", from_number=worker.mobile.as_e164, body="STATUS",
                                  command="STATUS", reply="Konteraka ea hau", worker_id=worker.pk)
        shown.append(worker.reference)
    return shown


def failed_numbers(cast, count):
    from notifications.models import SuppressedNumber

    shown = []
    for _ in range(count):
        worker, _agency = _worker_with_agency()
        SuppressedNumber.objects.create(number=worker.mobile.as_e164, reason="failed", source="provider", error_code="21211")
        shown.append(str(worker))
    return shown


def delivery_rates(cast, count):
    from notifications.models import OutboundSms

    for status in ("delivered", "failed", "undelivered", "sent", "queued")[:count] * (1 + count // 5):
        worker, agency = _worker_with_agency()
        OutboundSms.objects.create(to=worker.mobile.as_e164, worker_id=worker.pk, agency_id=agency.pk, language="en",
                                   template_key=f"listed.event{_n() % 3}", body="x", status=status)
    return []


def agencies(cast, count):
    shown = []
    for _ in range(count):
        agency = AgencyFactory(legal_name=f"Listed Agency {_n()} (Pty) Ltd")
        LicenceFactory(agency=agency)
        shown.append(agency.legal_name)
    return shown


def applications(cast, count):
    return [ApplicationFactory(officer=cast.licensing_officer).reference for _ in range(count)]


def waiting_applications(cast, count):
    from agencies.models import LicenceApplication

    made = [ApplicationFactory() for _ in range(count)]
    LicenceApplication.objects.filter(pk__in=[application.pk for application in made]).update(
        status="submitted", submitted_at=timezone.now()
    )
    return [application.reference for application in made]


def licences(cast, count):
    return [LicenceFactory().number for _ in range(count)]


def workers(cast, count):
    """Workers linked to their own agency each, and to agency A (so that agency A's staff see them too)."""
    from workers.models import AgencyWorker

    shown = []
    for _ in range(count):
        worker, _agency = _worker_with_agency()
        AgencyWorker.objects.create(agency=cast.agency_a, worker=worker)
        shown.append(worker.reference)
    return shown


def worker_imports(cast, count):
    from workers.models import ImportStatus, WorkerImport

    shown = []
    for _ in range(count):
        staff = AgencyStaffFactory(agency=cast.agency_a)
        shown.append(WorkerImport.objects.create(
            agency=cast.agency_a, uploaded_by=staff, original_name=f"listed-{_n()}.csv", file="worker-imports/none",
            status=ImportStatus.INVALID, total_rows=3, problem_count=1,
        ).original_name)
    return shown


def courses(cast, count):
    from predeparture.models import Course, Module

    shown = []
    for _ in range(count):
        course = Course.objects.create(code=f"LST-{_n()}", title="Listed course")
        Module.objects.create(course=course, title="Module 1", hours=2)
        shown.append(course.code)
    return shown


def _session(days_ahead=7):
    from predeparture.models import Course, Enrolment, Session

    n = _n()
    course = Course.objects.create(code=f"SES-{n}", title="Listed session's course")
    start = timezone.make_aware(datetime.datetime.combine(_today() + datetime.timedelta(days=days_ahead), datetime.time(8)))
    session = Session.objects.create(course=course, venue=f"Hall {n}", district="maseru", starts_at=start,
                                     ends_at=start + datetime.timedelta(hours=8), trainer=UserFactory(roles=[Role.TRAINER]),
                                     capacity=10)
    for status in ("enrolled", "waiting"):
        Enrolment.objects.create(session=session, worker=WorkerFactory(), status=status)
    return session


def sessions(cast, count):
    return [_session().venue for _ in range(count)]


def sessions_this_month(cast, count):
    """Sessions on the first days of this month, so that the calendar shows them."""
    first = _today().replace(day=1)
    return [_session(days_ahead=(first - _today()).days + k % 20).venue for k in range(count)]


def agreements(cast, count):
    from contracts.models import Agreement, AgreementTerms, Country

    shown = []
    for _ in range(count):
        n = _n()
        agreement = Agreement.objects.create(country=Country.objects.order_by("?").first(), title=f"Listed agreement {n}",
                                             reference=f"BLA-LST-{n}", in_force_from=_today(), status="in_force")
        AgreementTerms.objects.create(agreement=agreement, effective_from=_today(), max_contract_months=24,
                                      max_worker_fee=Decimal("0"), fee_currency="LSL")
        shown.append(agreement.reference)
    return shown


def employers(cast, count):
    return [contract_setting()["employer"].name for _ in range(count)]


def job_orders(cast, count):
    return [contract_setting()["job_order"].reference for _ in range(count)]


def _contract(setting, status="submitted", **fields):
    from contracts.models import Contract

    job_order = setting["job_order"]
    start = _today() + datetime.timedelta(days=60)
    contract = Contract.objects.create(
        reference=f"CT-2026-{_n():06d}", worker=passport_worker(setting["agency"]), agency=setting["agency"],
        job_order=job_order, employer=setting["employer"], agreement=setting["agreement"],
        occupation=setting["occupation"], sector=setting["sector"], job_title="Rock drill operator", work_place="Rustenburg",
        wage_amount=job_order.wage_amount, currency="ZAR", wage_period="month", hours_per_week=Decimal("45"),
        start_date=start, end_date=start.replace(year=start.year + 1) - datetime.timedelta(days=1), **fields,
    )
    Contract.objects.filter(pk=contract.pk).update(status=status, submitted_at=timezone.now())
    return contract


def contracts(cast, count):
    """Contracts of their own agency, worker and employer each."""
    return [_contract(contract_setting()).reference for _ in range(count)]


def contracts_of_agency_a(cast, count):
    """Contracts of agency A (for its staff), each with its own worker and employer, and as many of other agencies."""
    contracts(cast, count)
    return [_contract(contract_setting(agency=cast.agency_a)).reference for _ in range(count)]


def contracts_needing_training(cast, count):
    """Pending contracts of agency A under terms that require a course the worker has not taken."""
    from predeparture.models import Course

    shown = []
    for _ in range(count):
        setting = contract_setting(agency=cast.agency_a)
        setting["terms"].required_courses.add(Course.objects.create(code=f"REQ-{_n()}", title="Required course"))
        shown.append(_contract(setting).reference)
    return shown


def _inspector():
    from inspections.models import InspectorProfile

    inspector = UserFactory(roles=[Role.INSPECTOR])
    InspectorProfile.objects.create(user=inspector, home_district="maseru")
    return inspector


def _audit(agency=None, inspector=None, status="scheduled", day=None):
    from inspections.models import Audit

    return Audit.objects.create(
        reference=f"AUD-LST-{_n():05d}", agency=agency or LicenceFactory().agency, inspector=inspector or _inspector(),
        scheduled_on=day or _today() + datetime.timedelta(days=3), status=status,
    )


def audits(cast, count):
    return [_audit().reference for _ in range(count)]


def audits_of_agency_a(cast, count):
    return [_audit(agency=cast.agency_a, status="in_progress").reference for _ in range(count)]


def risk_ranking(cast, count):
    return [str(LicenceFactory().agency) for _ in range(count)]


def plans(cast, count):
    from inspections.models import AuditPlan, PlanItem

    for _ in range(count):
        plan = AuditPlan.objects.create(starts_on=_today(), ends_on=_today() + datetime.timedelta(days=30),
                                        created_by=UserFactory(roles=[Role.CHIEF_INSPECTOR]))
        for k in range(2):
            PlanItem.objects.create(plan=plan, agency=AgencyFactory(), inspector=_inspector(),
                                    day=_today() + datetime.timedelta(days=k + 1), reason="risk", risk=40)
    return []


def _finding(agency):
    from inspections.models import ChecklistItem, Finding

    audit = _audit(agency=agency, status="reviewed", day=_today() - datetime.timedelta(days=10))
    return Finding.objects.create(audit=audit, item=ChecklistItem.objects.order_by("?").first(), severity="major",
                                  description="Fees were charged.")


def corrective_actions(cast, count):
    from inspections.models import CorrectiveAction

    return [
        CorrectiveAction.objects.create(finding=_finding(cast.agency_a), description=f"Refund the fees, case {_n()}",
                                        due_on=_today() + datetime.timedelta(days=14)).description
        for _ in range(count)
    ]


def findings(cast, count):
    return [_finding(LicenceFactory().agency).audit.reference for _ in range(count)]


def recommendations(cast, count):
    from inspections.models import SanctionRecommendation

    shown = []
    for _ in range(count):
        finding = _finding(LicenceFactory().agency)
        SanctionRecommendation.objects.create(audit=finding.audit, action="suspend", reason="Critical findings",
                                              recommended_by=UserFactory(roles=[Role.CHIEF_INSPECTOR]))
        shown.append(finding.audit.reference)
    return shown


def inspectors(cast, count):
    shown = []
    for _ in range(count):
        inspector = _inspector()
        _audit(inspector=inspector)
        shown.append(inspector.last_name)
    return shown


def holidays(cast, count):
    from inspections.models import PublicHoliday

    taken = set(PublicHoliday.objects.values_list("day", flat=True))
    shown = []
    day = _today()
    while len(shown) < count:
        day += datetime.timedelta(days=1)
        if day not in taken:
            shown.append(PublicHoliday.objects.create(day=day, name=f"Listed holiday {_n()}").name)
    return shown


def complaints(cast, count):
    from inspections.models import Complaint

    return [
        Complaint.objects.create(reference=f"CMP-2026-{_n():05d}", agency=LicenceFactory().agency, category="fees",
                                 description="Charged a fee.", worker=WorkerFactory(), due_on=_today(),
                                 recorded_by=UserFactory(roles=[Role.REGISTRAR])).reference
        for _ in range(count)
    ]


def reports(cast, count):
    from reports.models import GeneratedReport

    for _ in range(count):
        GeneratedReport.objects.create(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 3, 31), format="csv",
                                       requested_by=UserFactory(roles=[Role.ANALYST]))
    return []


def staff(cast, count):
    return [AgencyStaffFactory(agency=cast.agency_a).username for _ in range(count)]


# --- The pages ----------------------------------------------------------------------------------------------------------

LIST_PAGES = [
    ListPage("core:user_list", "administrator", users),
    ListPage("core:parameter_list", "analyst", parameters),
    ListPage("notifications:template_list", "administrator", sms_templates),
    ListPage("notifications:outbox", "registrar", outbox),
    ListPage("notifications:inbound", "registrar", inbound),
    ListPage("notifications:failed_numbers", "registrar", failed_numbers),
    ListPage("notifications:delivery_rates", "registrar", delivery_rates),
    ListPage("agencies:agency_list", "licensing_officer", agencies),
    ListPage("agencies:application_list", "licensing_officer", applications),
    ListPage("agencies:application_queue", "licensing_officer", waiting_applications),
    ListPage("agencies:licence_list", "licensing_officer", licences),
    ListPage("agency_account:staff", "agency_staff", staff),
    ListPage("workers:worker_list", "registrar", workers),
    ListPage("workers:worker_list", "agency_staff", workers),
    ListPage("workers:import_list", "agency_staff", worker_imports),
    ListPage("predeparture:course_list", "registrar", courses),
    ListPage("predeparture:session_list", "registrar", sessions),
    ListPage("predeparture:session_calendar", "registrar", sessions_this_month),
    ListPage("contracts:agreement_list", "registrar", agreements),
    ListPage("contracts:employer_list", "registrar", employers),
    ListPage("contracts:job_order_list", "registrar", job_orders),
    ListPage("contracts:contract_list", "registrar", contracts),
    ListPage("contracts:contract_list", "agency_staff", contracts_of_agency_a),
    ListPage("contracts:contract_list", "registrar", contracts, {"status": "submitted"}),
    ListPage("contracts:training_needed", "agency_staff", contracts_needing_training),
    ListPage("inspections:risk_ranking", "chief_inspector", risk_ranking),
    ListPage("inspections:plan_list", "chief_inspector", plans),
    ListPage("inspections:audit_list", "chief_inspector", audits),
    ListPage("inspections:audit_list", "agency_staff", audits_of_agency_a),
    ListPage("inspections:my_actions", "agency_staff", corrective_actions),
    ListPage("inspections:finding_list", "chief_inspector", findings),
    ListPage("inspections:action_list", "chief_inspector", corrective_actions),
    ListPage("inspections:recommendation_list", "licensing_officer", recommendations),
    ListPage("inspections:inspector_list", "chief_inspector", inspectors),
    ListPage("inspections:holiday_list", "chief_inspector", holidays),
    ListPage("inspections:complaint_list", "inspector", complaints),
    ListPage("reports:report_list", "analyst", reports),
]

# Pages that list records but are function views: the walk below cannot tell them from a record page by their class.
FUNCTION_LIST_PAGES = {
    "agency_account:staff", "notifications:delivery_rates", "predeparture:course_list", "predeparture:session_list",
    "predeparture:session_calendar", "contracts:agreement_list", "contracts:training_needed", "inspections:risk_ranking",
    "inspections:plan_list", "inspections:my_actions", "inspections:recommendation_list", "inspections:inspector_list",
    "inspections:holiday_list",
}


def _named_urls():
    found = []

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
            elif isinstance(entry, URLPattern) and entry.name:
                found.append((f"{namespace}{entry.name}", entry))

    walk(get_resolver().url_patterns, "")
    return found


def test_every_list_page_is_counted():
    """A list page (a RecordListView, or a function view named in FUNCTION_LIST_PAGES or called *_list) needs a row
    in LIST_PAGES."""
    counted = {page.url_name for page in LIST_PAGES}
    lists = set()
    for name, pattern in _named_urls():
        view_class = getattr(pattern.callback, "view_class", None)
        if (view_class and issubclass(view_class, RecordListView)) or name in FUNCTION_LIST_PAGES or name.endswith("_list"):
            lists.add(name)
    assert lists - counted == set(), "list pages without a query-count test: add them to LIST_PAGES"
    assert FUNCTION_LIST_PAGES <= lists, "FUNCTION_LIST_PAGES names a URL that no longer exists"


def _fetch(client, url, shown):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    content = response.content.decode()
    missing = [text for text in shown if text not in content]
    assert not missing, f"{url} does not show {missing}"


@pytest.mark.parametrize("page", LIST_PAGES, ids=str)
def test_list_page_queries_do_not_grow_with_its_rows(page, cast, client, django_assert_num_queries):
    client.force_login(getattr(cast, page.role))
    url = reverse(page.url_name) + ("?" + "&".join(f"{key}={value}" for key, value in page.query.items()) if page.query else "")
    shown = page.make(cast, 1)
    _fetch(client, url, shown)  # the first visit may fill caches (roles, parameters) that later visits reuse
    with CaptureQueriesContext(connection) as one_row:
        _fetch(client, url, shown)
    shown += page.make(cast, MORE)
    with django_assert_num_queries(len(one_row)):
        _fetch(client, url, shown)
