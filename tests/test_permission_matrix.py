"""Every named URL, as every role and as an anonymous visitor, answers what its
declared capability implies (a POST-only URL is tried with an empty form).

A URL whose view declares no capability, or whose parameters this file
cannot build, fails the test: a URL added later cannot escape it. When you
add a URL with parameters, add a builder to ``URL_PARAMETERS``.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core import access
from core.access import PUBLIC, SIGNED_IN
from notifications.models import SmsTemplate


@dataclass
class Target:
    kwargs: dict
    owner_agency: object = None  # the agency the record belongs to, for agency scoping


# url name -> function(cast) -> Target. Records of agency A are used, so that
# staff of agency A may see them and staff of agency B must get a 404.
URL_PARAMETERS: dict[str, Callable] = {
    "core:password_reset_confirm": lambda cast: Target({"uidb64": "MQ", "token": "set-password"}),
    "core:user_detail": lambda cast: Target({"pk": cast.registrar.pk}),
    "core:user_edit": lambda cast: Target({"pk": cast.registrar.pk}),
    "core:user_two_factor_reset": lambda cast: Target({"pk": cast.registrar.pk}),
    "core:parameter_detail": lambda cast: Target({"key": "licence.fee"}),
    "core:parameter_add": lambda cast: Target({"key": "licence.fee"}),
    "notifications:template_edit": lambda cast: Target({"pk": SmsTemplate.objects.order_by("pk").first().pk}),
    "notifications:failed_clear": lambda cast: Target({"pk": _failed_number().pk}),
    # One failed message of the outbox (ministry only: no owner agency); "check" refuses it, "send again" queues a copy.
    **{
        f"notifications:{name}": lambda cast: Target({"pk": _failed_sms().pk})
        for name in ("outbox_message", "outbox_check", "outbox_send_again")
    },
    "notifications:worker_opt_out": lambda cast: Target({"worker_id": _worker_of_agency_a(cast).pk}, owner_agency=cast.agency_a),
    "agencies:agency_detail": lambda cast: Target({"pk": cast.agency_a.pk}, owner_agency=cast.agency_a),
    "agencies:agency_disable": lambda cast: Target({"pk": cast.agency_a.pk}, owner_agency=cast.agency_a),
    "agencies:agency_enable": lambda cast: Target({"pk": cast.agency_a.pk}, owner_agency=cast.agency_a),
    "agencies:agency_edit": lambda cast: Target({"pk": cast.agency_a.pk}, owner_agency=cast.agency_a),
    **{
        f"agencies:{name}": lambda cast: Target({"pk": _application_of_agency_a(cast).pk}, owner_agency=cast.agency_a)
        for name in ("application_detail", "director_add", "bond_record", "document_upload", "application_submit",
                     "application_resubmit", "application_withdraw", "application_start_review",
                     "application_request_information", "application_approve", "application_reject")
    },
    "agencies:director_remove": lambda cast: Target(
        {"pk": _application_of_agency_a(cast).pk, "director_pk": cast.agency_a.directors.first().pk},
        owner_agency=cast.agency_a,
    ),
    "agencies:document_download": lambda cast: Target(
        {"pk": _application_of_agency_a(cast).documents.first().pk}, owner_agency=cast.agency_a
    ),
    "agencies:document_review": lambda cast: Target(
        {"pk": _application_of_agency_a(cast).documents.first().pk}, owner_agency=cast.agency_a
    ),
    **{
        f"agencies:{name}": lambda cast: Target({"pk": _licence_of_agency_a(cast).pk}, owner_agency=cast.agency_a)
        for name in ("licence_detail", "licence_certificate", "licence_suspend", "licence_reinstate", "licence_revoke")
    },
    "agency_account:verify": lambda cast: Target({"token": "not-a-real-token"}),
    "agency_account:staff_remove": lambda cast: Target(
        {"pk": cast.agency_staff.agency_membership.pk}, owner_agency=cast.agency_a
    ),
    # Public: anyone may verify any licence, so no owner agency.
    "register:verify": lambda cast: Target({"token": _licence_of_agency_a(cast).public_token}),
    "workers:worker_detail": lambda cast: Target({"pk": _worker_of_agency_a(cast).pk}, owner_agency=cast.agency_a),
    "workers:worker_edit": lambda cast: Target({"pk": _worker_of_agency_a(cast).pk}, owner_agency=cast.agency_a),
    "workers:worker_consent": lambda cast: Target({"pk": _worker_of_agency_a(cast).pk}, owner_agency=cast.agency_a),
    "workers:link_end": lambda cast: Target(
        {"pk": _worker_of_agency_a(cast).agency_links.get(agency=cast.agency_a).pk}, owner_agency=cast.agency_a
    ),
    "predeparture:course_edit": lambda cast: Target({"pk": _training_session(cast).course_id}),
    # Sessions are open to every agency; the cast's trainer teaches this one.
    **{
        f"predeparture:{name}": lambda cast: Target({"pk": _training_session(cast).pk})
        for name in ("session_detail", "session_edit", "session_attendance", "enrol", "session_start", "session_complete",
                     "session_cancel")
    },
    "predeparture:enrolment_withdraw": lambda cast: Target({"pk": _enrolment_of_agency_a(cast).pk}, owner_agency=cast.agency_a),
    "predeparture:certificate_pdf": lambda cast: Target({"pk": _certificate_of_agency_a(cast).pk}, owner_agency=cast.agency_a),
    # Public: anyone may verify any certificate.
    "predeparture:verify": lambda cast: Target({"token": _certificate_of_agency_a(cast).public_token}),
    **{
        f"workers:{name}": lambda cast: Target({"pk": _worker_import_of_agency_a(cast).pk}, owner_agency=cast.agency_a)
        for name in ("import_detail", "import_confirm", "import_problems")
    },
    # A contract's papers (contracts/document_urls.py): a cleared contract of agency A with its signed copy.
    **{
        f"contracts:{name}": lambda cast: Target({"pk": _cleared_contract_of_agency_a(cast).pk}, owner_agency=cast.agency_a)
        for name in ("contract_pdf", "clearance_pdf", "signed_copy")
    },
    # Public: anyone may verify any deployment clearance.
    "clearance:verify": lambda cast: Target({"token": _cleared_contract_of_agency_a(cast).clearance.public_token}),
    # Agreements and employers are shared reference data (no owner agency); job orders and contracts belong to agency A.
    **{
        f"contracts:{name}": lambda cast: Target({"pk": _cleared_contract_of_agency_a(cast).agreement_id})
        for name in ("agreement_detail", "agreement_edit", "terms_create", "agreement_in_force", "agreement_suspend",
                     "agreement_expire")
    },
    "contracts:terms_edit": lambda cast: Target({"pk": _cleared_contract_of_agency_a(cast).agreement.terms.first().pk}),
    **{
        f"contracts:{name}": lambda cast: Target({"pk": _cleared_contract_of_agency_a(cast).employer_id})
        for name in ("employer_detail", "employer_edit", "employer_blacklist", "employer_lift_blacklist")
    },
    **{
        f"contracts:{name}": lambda cast: Target(
            {"pk": _cleared_contract_of_agency_a(cast).job_order_id}, owner_agency=cast.agency_a
        )
        for name in ("job_order_detail", "demand_letter", "job_order_withdraw", "job_order_approve", "job_order_reject")
    },
    **{
        f"contracts:{name}": lambda cast: Target({"pk": _cleared_contract_of_agency_a(cast).pk}, owner_agency=cast.agency_a)
        for name in ("contract_detail", "contract_edit", "contract_submit", "contract_recheck", "contract_clear",
                     "contract_depart", "contract_return", "contract_cancel", "contract_upload", "contract_approve",
                     "contract_return_for_correction", "contract_reject")
    },
    # Audits (inspections/urls.py): a reviewed audit of agency A by the cast's inspector, with a finding, its corrective
    # action, evidence and a pending recommendation; plans and availability are the ministry's own.
    **{
        f"inspections:{name}": lambda cast: Target({"pk": _audit_of_agency_a(cast).pk}, owner_agency=cast.agency_a)
        for name in ("audit_detail", "audit_schedule", "audit_start", "audit_cancel", "audit_checklist", "audit_review",
                     "audit_send_back", "audit_close", "audit_recommend")
    },
    **{
        f"inspections:{name}": lambda cast: Target(
            {"pk": _audit_of_agency_a(cast).findings.get().actions.get().pk}, owner_agency=cast.agency_a
        )
        for name in ("action_respond", "action_accept", "action_reject")
    },
    "inspections:evidence_download": lambda cast: Target(
        {"pk": _audit_of_agency_a(cast).findings.get().actions.get().evidence.get().pk}, owner_agency=cast.agency_a
    ),
    "inspections:evidence_upload": lambda cast: Target({"pk": _audit_of_agency_a(cast).answers.first().pk}),
    **{
        f"inspections:{name}": lambda cast: Target({"pk": _audit_plan(cast).pk})
        for name in ("plan_detail", "plan_confirm", "plan_discard")
    },
    **{
        f"inspections:{name}": lambda cast: Target({"pk": _audit_plan(cast).items.first().pk})
        for name in ("plan_item_change", "plan_item_remove")
    },
    **{
        f"inspections:{name}": lambda cast: Target({"pk": _recommendation(cast).pk})
        for name in ("recommendation_accept", "recommendation_decline")
    },
    **{
        f"inspections:{name}": lambda cast: Target({"pk": _inspector_with_profile(cast).pk})
        for name in ("inspector_availability", "inspector_profile")
    },
    "inspections:holiday_remove": lambda cast: Target({"pk": _public_holiday().pk}),
    # Compliance reports are the ministry's (no owner agency): a finished report asked for by the analyst.
    **{
        f"reports:{name}": lambda cast: Target({"pk": _generated_report(cast).pk})
        for name in ("report_detail", "report_download")
    },
    # Workers' complaints (inspections/complaint_urls.py): a complaint against agency A, never seen by any agency.
    **{
        f"inspections:{name}": lambda cast: Target({"pk": _complaint_against_agency_a(cast).pk}, owner_agency=cast.agency_a)
        for name in ("complaint_detail", "complaint_triage", "complaint_resolve", "complaint_dismiss")
    },
}


def _cleared_contract_of_agency_a(cast):
    from contracts import services
    from contracts.models import Contract
    from tests.factories import contract_data, contract_setting, passport_worker, pdf_upload

    existing = Contract.objects.filter(agency=cast.agency_a, clearance__isnull=False).exclude(signed_copy="").first()
    if existing:
        return existing
    data = contract_data(contract_setting(agency=cast.agency_a), passport_worker(cast.agency_a))
    contract = services.save_draft(by=cast.agency_staff, data=data)
    services.submit(by=cast.agency_staff, contract_id=contract.pk)
    services.approve(by=cast.registrar, contract_id=contract.pk)
    services.issue_clearance(by=cast.registrar, contract_id=contract.pk)
    return services.upload_signed_copy(by=cast.agency_staff, contract_id=contract.pk, upload=pdf_upload("signed.pdf"))


def _failed_number():
    from notifications.models import SuppressedNumber

    return SuppressedNumber.objects.create(number="+26658000999", reason="failed", source="provider", error_code="21211")


def _failed_sms():
    from notifications.models import OutboundSms, SmsStatus

    return OutboundSms.objects.filter(template_key="system.matrix").first() or OutboundSms.objects.create(
        to="+26658000123", language="en", template_key="system.matrix", body="A message that failed.",
        status=SmsStatus.FAILED, attempts=5, error_code="30008", last_error="Unknown error",
    )


def _generated_report(cast):
    import datetime

    from reports.models import GeneratedReport
    from reports.services import generate_report

    existing = GeneratedReport.objects.first()
    if existing:
        return existing
    report = GeneratedReport.objects.create(
        start=datetime.date(2026, 1, 1), end=datetime.date(2026, 3, 31), format="csv", requested_by=cast.analyst
    )
    generate_report(report.pk)
    return report


def _public_holiday():
    from inspections.models import PublicHoliday

    return PublicHoliday.objects.order_by("day").first()


def _inspector_with_profile(cast):
    from inspections.models import InspectorProfile

    InspectorProfile.objects.get_or_create(
        user=cast.inspector, defaults={"home_district": "maseru", "working_weekdays": "0123456", "max_audits_per_week": 5}
    )
    return cast.inspector


def _audit_of_agency_a(cast):
    """A reviewed audit with a critical finding, its corrective action answered with evidence, and a recommendation."""
    import datetime

    from core.dates import today
    from inspections import services
    from inspections.models import Audit, ChecklistItem, CorrectiveAction
    from tests.factories import LicenceFactory, pdf_upload

    existing = Audit.objects.filter(agency=cast.agency_a).first()
    if existing:
        return existing
    _inspector_with_profile(cast)
    if not cast.agency_a.licences.exists():
        LicenceFactory(agency=cast.agency_a)
    audit = services.create_audit(by=cast.chief_inspector, agency_id=cast.agency_a.pk, inspector_id=cast.inspector.pk,
                                  day=today(), kind="routine", announced=True)
    services.start_audit(by=cast.inspector, audit_id=audit.pk)
    answers = {item.pk: {"answer": "compliant"} for item in ChecklistItem.objects.all()}
    answers[ChecklistItem.objects.get(code="FEE-01").pk] = {
        "answer": "non_compliant", "severity": "critical", "note": "Fees", "action_required": "Refund",
        "action_due_on": today() + datetime.timedelta(days=10),
    }
    services.save_checklist(by=cast.inspector, audit_id=audit.pk, answers=answers, workers_interviewed=2, summary="")
    services.submit_report(by=cast.inspector, audit_id=audit.pk)
    services.review_audit(by=cast.chief_inspector, audit_id=audit.pk)
    services.respond_to_action(by=cast.agency_staff, action_id=CorrectiveAction.objects.get(finding__audit=audit).pk,
                               response="Refunded", uploads=[pdf_upload("receipts.pdf")])
    services.recommend_sanction(by=cast.chief_inspector, audit_id=audit.pk, action="suspend", reason="Fees")
    audit.refresh_from_db()
    return audit


def _recommendation(cast):
    return _audit_of_agency_a(cast).recommendations.get()


def _audit_plan(cast):
    import datetime

    from core.dates import today
    from inspections import services
    from inspections.models import AuditPlan
    from tests.factories import LicenceFactory

    existing = AuditPlan.objects.first()
    if existing:
        return existing
    _inspector_with_profile(cast)
    if not cast.agency_a.licences.exists():
        LicenceFactory(agency=cast.agency_a)
    start = today() + datetime.timedelta(days=1)
    return services.propose_plan(by=cast.chief_inspector, starts_on=start, ends_on=start + datetime.timedelta(days=30))


def _complaint_against_agency_a(cast):
    from inspections import complaints
    from inspections.models import Complaint

    return Complaint.objects.filter(agency=cast.agency_a).first() or complaints.record_complaint(
        by=cast.registrar, data={"agency": cast.agency_a, "category": "fees", "description": "Charged a fee."}
    )


def _worker_import_of_agency_a(cast):
    from workers.models import ImportStatus, WorkerImport

    existing = WorkerImport.objects.filter(agency=cast.agency_a).first()
    return existing or WorkerImport.objects.create(
        agency=cast.agency_a, original_name="workers.csv", file="worker-imports/none", status=ImportStatus.INVALID
    )


def _worker_of_agency_a(cast):
    from tests.factories import WorkerFactory
    from workers.models import Worker

    return Worker.objects.for_agency(cast.agency_a.pk).first() or WorkerFactory(agency=cast.agency_a)


def _application_of_agency_a(cast):
    from agencies.models import LicenceApplication
    from tests.factories import ApplicationFactory, complete_application

    existing = LicenceApplication.objects.filter(agency=cast.agency_a).first()
    return existing or complete_application(ApplicationFactory(agency=cast.agency_a))


def _licence_of_agency_a(cast):
    from agencies.models import Licence
    from tests.factories import LicenceFactory

    return Licence.objects.filter(agency=cast.agency_a).first() or LicenceFactory(agency=cast.agency_a)


def _training_session(cast):
    from predeparture.models import Session
    from tests.predeparture.conftest import make_course, make_session

    return Session.objects.filter(trainer=cast.trainer).first() or make_session(make_course("PDO-MATRIX"), cast.trainer)


def _enrolment_of_agency_a(cast):
    from predeparture.models import Enrolment

    worker = _worker_of_agency_a(cast)
    return Enrolment.objects.filter(worker=worker).first() or Enrolment.objects.create(
        session=_training_session(cast), worker=worker, agency=cast.agency_a
    )


def _certificate_of_agency_a(cast):
    import datetime

    from predeparture.models import Certificate, Enrolment

    worker = _worker_of_agency_a(cast)
    existing = Certificate.objects.filter(enrolment__worker=worker).first()
    if existing:
        return existing
    enrolment = Enrolment.objects.create(session=_training_session(cast), worker=worker, agency=cast.agency_a,
                                         status="completed")
    today = datetime.date.today()
    return Certificate.objects.create(enrolment=enrolment, number=f"PDT-{today.year}-000001", issued_on=today,
                                      expires_on=today + datetime.timedelta(days=700))


def named_urls() -> list[tuple[str, URLPattern]]:
    found = []

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
            elif isinstance(entry, URLPattern):
                if not entry.name:
                    raise AssertionError(f"URL {entry.pattern} has no name; every URL needs one for the permission matrix")
                found.append((f"{namespace}{entry.name}", entry))

    walk(get_resolver().url_patterns, "")
    return found


ALL_URLS = named_urls()


# Public but signed by the SMS provider: an unsigned request (as every request here is) is refused with 403, whoever sends it.
SIGNED_BY_PROVIDER = {"sms:twilio_status", "sms:twilio_inbound"}


def expected(user, capability: str, target: Target, url_name: str = "") -> str:
    if url_name in SIGNED_BY_PROVIDER:
        return "forbidden"
    if capability == PUBLIC:
        return "allowed"
    if user is None:
        return "login"
    if not access.can(user, capability):
        return "forbidden"
    if target.owner_agency is not None and not access.is_ministry(user) and access.agency_id_of(user) != target.owner_agency.pk:
        return "not found"
    return "allowed"


def observed(response) -> str:
    # Sent to sign in (with ?next=); a plain redirect to the login page (after signing out) is an answer.
    if response.status_code == 302 and response["Location"].startswith(reverse("core:login") + "?next="):
        return "login"
    if response.status_code == 403:
        return "forbidden"
    if response.status_code == 404:
        return "not found"
    assert response.status_code < 500, f"server error {response.status_code}"
    return "allowed"


def test_every_url_declares_a_known_capability():
    missing = [name for name, pattern in ALL_URLS if not access.declared_capability(pattern.callback)]
    assert not missing, f"These URLs declare no capability: {missing}"
    for name, pattern in ALL_URLS:
        capability = access.declared_capability(pattern.callback)
        assert capability in (PUBLIC, SIGNED_IN) or capability in access.CAPABILITIES, (name, capability)


def test_every_url_with_parameters_has_a_builder():
    needing = [name for name, pattern in ALL_URLS if pattern.pattern.regex.groups and name not in URL_PARAMETERS]
    assert not needing, f"Add parameter builders to URL_PARAMETERS for: {needing}"
    stale = set(URL_PARAMETERS) - {name for name, _ in ALL_URLS}
    assert not stale, f"URL_PARAMETERS names URLs that no longer exist: {stale}"


# Methods no screen takes: core.access refuses them with 405 before any view runs.
REFUSED_METHODS = ("put", "patch", "delete", "options")
# Tables a request may write without acting on anything (the session holds the sign-in and flashed messages).
NOT_STATE = {"django_session"}


def database_state() -> dict:
    """Every row of every table but the sessions, to prove that a refused request changed nothing."""
    from django.db import connection

    state = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table not in NOT_STATE:
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
                state[table] = sorted(map(repr, cursor.fetchall()))
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(table for table in before.keys() | after.keys() if before.get(table) != after.get(table))


def is_list_page(pattern) -> bool:
    from core.lists import RecordListView

    view_class = getattr(pattern.callback, "view_class", None)
    return view_class is not None and issubclass(view_class, RecordListView)


def matches(want: str, got: str) -> bool:
    # Another agency's record may be refused as missing (404) or as forbidden (403): never shown.
    return want == got or (want == "not found" and got == "forbidden")


@pytest.mark.parametrize("url_name", [name for name, _ in ALL_URLS])
def test_permission_matrix(url_name, cast):
    """Every role (and staff of agency B for agency A's records) with every method: GET, HEAD and POST (an empty
    form) answer as the capability and the record's agency say; PUT, PATCH, DELETE and OPTIONS answer 405; a list
    page's CSV export answers like the page and any other format is refused; and no refused request changes a row."""
    pattern = dict(ALL_URLS)[url_name]
    capability = access.declared_capability(pattern.callback)
    target = URL_PARAMETERS[url_name](cast) if url_name in URL_PARAMETERS else Target({})
    url = reverse(url_name, kwargs=target.kwargs)
    people = cast.by_role() | {"other agency's staff": cast.other_agency_staff}
    wants = {role: expected(user, capability, target, url_name) for role, user in people.items()}
    mismatches = []

    # One browser per person, signed in once before anything is measured (signing in writes last_login).
    clients = {role: Client() for role in people}

    def sign_in(role):
        user = people[role]
        clients[role].logout()
        if user is not None:
            # Signed in and past the second step (tests/conftest.py): the matrix is about roles. What a
            # session that has not passed it reaches is tests/core/test_two_factor.py's walk of every URL.
            clients[role].force_login(user)
            access.forget_roles(user)

    def ask(role, method, path=url):
        return getattr(clients[role], method)(path)

    for role in people:
        sign_in(role)

    def judge(role, method, response, want):
        if response.status_code == 405 and method in ("get", "head", "post"):
            return response  # the view takes the other of GET and POST: checked below that it takes one
        got = observed(response)
        if not matches(want, got):
            mismatches.append(f"{role} {method.upper()}: expected {want}, got {got} ({response.status_code})")
        return response

    # 1. Everything that must be refused, with one snapshot of the database around it: nothing may change.
    before = database_state()
    for role in people:
        for method in REFUSED_METHODS:
            status = ask(role, method).status_code
            if status != 405:
                mismatches.append(f"{role} {method.upper()}: expected 405, got {status}")
        if wants[role] != "allowed":
            answers = [judge(role, method, ask(role, method), wants[role]).status_code for method in ("get", "head")]
            answers.append(judge(role, "post", ask(role, "post"), wants[role]).status_code)
            if answers == [405, 405, 405]:
                mismatches.append(f"{role}: every method answered 405")
            if is_list_page(pattern):
                judge(role, "export", ask(role, "get", f"{url}?export=csv"), wants[role])
    changed = changed_tables(before, database_state())
    assert not changed, f"{url_name}: refused requests changed {changed}"

    # 2. What may be read, then what may be done (an empty form: refused cleanly or done, never a 500).
    # Reads by everyone first: an action (a POST) may change what a later reader sees.
    allowed = [role for role in people if wants[role] == "allowed"]
    gets = {}
    for role in allowed:
        get = judge(role, "get", ask(role, "get"), "allowed")
        judge(role, "head", ask(role, "head"), "allowed")
        if is_list_page(pattern):
            export = ask(role, "get", f"{url}?export=csv")
            if export.status_code != 200 or not export["Content-Type"].startswith("text/csv"):
                mismatches.append(f"{role}: the CSV export answered {export.status_code} {export.get('Content-Type')}")
            for query in ("export=xlsx", "export=json", "export=", "_export=xlsx", "_export=csv"):
                refused = ask(role, "get", f"{url}?{query}")
                if query.startswith("export") and refused.status_code != 400:
                    mismatches.append(f"{role}: ?{query} answered {refused.status_code}, not 400")
                if refused.get("Content-Disposition") or not refused["Content-Type"].startswith("text/html"):
                    mismatches.append(f"{role}: ?{query} answered a file ({refused['Content-Type']})")
        gets[role] = get.status_code
    for role in allowed:
        sign_in(role)  # an earlier POST (signing out) may have ended the session
        before = database_state()
        post = ask(role, "post")
        if post.status_code in (403, 404):
            # A finer rule than the capability refused it (only an agency's manager adds staff, an inspector acts on
            # their own audits): a clean refusal that changed nothing.
            changed = changed_tables(before, database_state())
            if changed:
                mismatches.append(f"{role} POST: refused ({post.status_code}) but changed {changed}")
        else:
            judge(role, "post", post, "allowed")
        if gets[role] == 405 and post.status_code == 405:
            mismatches.append(f"{role}: both GET and POST answered 405")
    assert not mismatches, f"{url_name} ({capability}): " + "; ".join(mismatches)


def test_matrix_sees_agency_scoping(cast, client):
    """The matrix itself must tell agencies apart: staff of agency B get 404 on agency A's page."""
    client.force_login(cast.other_agency_staff)
    assert client.get(reverse("agencies:agency_detail", args=[cast.agency_a.pk])).status_code == 404
    client.force_login(cast.agency_staff)
    assert client.get(reverse("agencies:agency_detail", args=[cast.agency_a.pk])).status_code == 200
