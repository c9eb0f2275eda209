"""Every number is a filtered list: each figure's link, followed by ministry staff, lists exactly the records the figure
counts, in a world built so that records outside the period, the agreement or the condition sit beside them.

The expected counts are read off the world below, not off the code under test; the table test then follows every
linked cell (this period and the previous one) and holds the list to the cell's number.
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django_fsm_log.models import StateLog

from agencies.models import Licence
from contracts.models import Contract
from core.access import Role
from inspections.models import Audit, ChecklistItem, Complaint, CorrectiveAction, Finding
from notifications.models import OutboundSms, SuppressedNumber, SuppressionReason
from predeparture.models import Course, Session
from reports.figures import compute_figures
from tests.factories import LicenceFactory, UserFactory, certificate_for, contract_setting, passport_worker
from tests.reports.conftest import END, START, moment, place_contract

pytestmark = pytest.mark.django_db

D = datetime.date


def stored(**outcomes):
    from contracts.compliance import RULES

    return [
        {"code": rule.code, "severity": rule.severity, "outcome": outcomes.get(rule.code, "pass"), "params": {}} for rule in RULES
    ]


@pytest.fixture
def world(cast, setting):
    """Agreement A (agency A) and agreement B (agency B), with records in the period, in the one before, under the
    other agreement and failing each condition."""
    other = contract_setting(agency=cast.agency_b)
    terms = setting["terms"]
    terms.sectors.update(deferred_pay_percent=Decimal("30"))
    terms.annual_quota = 10
    terms.save()
    orientation = Course.objects.create(code="PDO", title="Pre-departure orientation", validity_months=24)
    safety = Course.objects.create(code="MSF", title="Mine safety", validity_months=24)
    terms.required_courses.add(orientation)

    # Compliance: three contracts of A submitted in the period, one before it, one of B in it.
    for day, wage, fee, deferred, results in [
        (D(2026, 5, 1), "9000", "0", "30", stored()),
        (D(2026, 5, 2), "8000", "500", "0", stored(wage_floor="fail", annual_quota="not_checked")),
        (D(2026, 5, 3), "9500", "200", "30", stored(annual_quota="fail")),
        (D(2026, 3, 1), "8000", "100", "0", stored(wage_floor="fail")),
    ]:
        place_contract(
            setting,
            status="submitted",
            submitted=day,
            wage_amount=Decimal(wage),
            recruitment_fee=Decimal(fee),
            deferred_pay_percent=Decimal(deferred),
            compliance=results,
        )
    place_contract(
        other,
        status="submitted",
        submitted=D(2026, 5, 1),
        wage_amount=Decimal("8000"),
        recruitment_fee=Decimal("100"),
        compliance=stored(wage_floor="fail"),
    )

    # Deployment: A's worker with the orientation certificate, one without, one who left in the previous period; B's.
    trained, untrained, earlier = (passport_worker(cast.agency_a) for _ in range(3))
    certificate_for(trained, orientation, D(2026, 4, 10))
    certificate_for(earlier, orientation, D(2026, 1, 5))
    place_contract(setting, worker=trained, status="deployed", approved=D(2026, 4, 20), departed=D(2026, 5, 10))
    place_contract(setting, worker=untrained, status="deployed", approved=D(2026, 4, 21), departed=D(2026, 5, 11))
    place_contract(setting, worker=earlier, status="deployed", approved=D(2026, 1, 20), departed=D(2026, 2, 10))
    b_worker = passport_worker(cast.agency_b)
    place_contract(other, worker=b_worker, status="deployed", approved=D(2026, 4, 22), departed=D(2026, 5, 12))

    # Sessions beside the two certificates' (10 April in the period, 5 January before it).
    trainer = UserFactory(roles=[Role.TRAINER])
    for course, day, status in [
        (orientation, D(2026, 6, 1), "completed"),  # held
        (safety, D(2026, 5, 5), "completed"),  # a course the agreement does not require
        (orientation, D(2026, 5, 20), "scheduled"),  # not held
        (orientation, D(2026, 7, 2), "completed"),  # after the period
    ]:
        session = Session.objects.create(
            course=course,
            venue="Maseru",
            district="maseru",
            starts_at=moment(day, 8),
            ends_at=moment(day, 16),
            trainer=trainer,
            capacity=20,
        )
        Session.objects.filter(pk=session.pk).update(status=status)

    # Oversight: agency A is active under A, agency B under B.
    inspector = UserFactory(roles=[Role.INSPECTOR])
    items = list(ChecklistItem.objects.order_by("code")[:3])
    audits = []
    for number, (agency, reported, reviewed, closed) in enumerate(
        [
            (cast.agency_a, D(2026, 4, 5), D(2026, 4, 9), D(2026, 7, 1)),
            (cast.agency_a, D(2026, 3, 5), D(2026, 4, 1), D(2026, 6, 30)),
            (cast.agency_a, D(2026, 5, 5), None, None),
            (cast.agency_b, D(2026, 4, 5), D(2026, 4, 9), D(2026, 5, 1)),
        ]
    ):
        audit = Audit.objects.create(
            reference=f"AUD-2026-{number:05d}", agency=agency, inspector=inspector, scheduled_on=reported
        )
        status = "closed" if closed and closed <= D(2026, 6, 30) else "reviewed" if reviewed else "report_submitted"
        Audit.objects.filter(pk=audit.pk).update(
            status=status,
            submitted_at=moment(reported),
            reviewed_at=reviewed and moment(reviewed),
            closed_at=closed and moment(closed),
        )
        audits.append(audit)
    findings = [
        Finding.objects.create(audit=audit, item=item, severity=severity, description="-", created_at=moment(day))
        for audit, item, severity, day in [
            (audits[0], items[0], "critical", D(2026, 4, 5)),
            (audits[0], items[1], "minor", D(2026, 4, 5)),
            (audits[1], items[2], "major", D(2026, 3, 5)),
            (audits[3], items[0], "critical", D(2026, 4, 5)),
        ]
    ]
    for finding, due, status, decided in [
        (findings[0], D(2026, 5, 1), "accepted", D(2026, 5, 1)),  # on time, decided late on the due day
        (findings[0], D(2026, 5, 1), "accepted", D(2026, 5, 2)),  # late
        (findings[1], D(2026, 6, 1), "responded", None),  # open
        (findings[2], D(2026, 3, 1), "accepted", D(2026, 2, 1)),  # the previous period, on time
        (findings[3], D(2026, 5, 1), "accepted", D(2026, 5, 1)),  # agency B
    ]:
        CorrectiveAction.objects.create(
            finding=finding, description="-", due_on=due, status=status, decided_at=decided and moment(decided, 23)
        )
    licence_a = cast.agency_a.licences.first()
    licence_b = cast.agency_b.licences.first()
    for licence, day in [(licence_a, D(2026, 4, 2)), (licence_a, D(2026, 5, 2)), (licence_b, D(2026, 4, 2))]:
        StateLog.objects.create(
            content_type=ContentType.objects.get_for_model(Licence),
            object_id=licence.pk,
            state="suspended",
            source_state="active",
            transition="suspend",
            timestamp=moment(day),
        )
    for agency, day in [(cast.agency_a, D(2026, 6, 3)), (cast.agency_a, D(2026, 3, 3)), (cast.agency_b, D(2026, 6, 3))]:
        revoked = LicenceFactory(agency=agency)
        Licence.objects.filter(pk=revoked.pk).update(status="revoked", status_changed_at=moment(day))
    for number, (agency, received, status, closed) in enumerate(
        [
            (cast.agency_a, D(2026, 4, 1), "resolved", D(2026, 4, 20)),
            (cast.agency_a, D(2026, 3, 1), "resolved", D(2026, 4, 2)),
            (cast.agency_a, D(2026, 6, 30), "received", None),
            (cast.agency_a, D(2026, 5, 1), "dismissed", D(2026, 5, 5)),
            (cast.agency_b, D(2026, 4, 1), "resolved", D(2026, 4, 20)),
        ]
    ):
        Complaint.objects.create(
            reference=f"CMP-2026-{number:05d}",
            agency=agency,
            category="fees",
            description="-",
            due_on=received + datetime.timedelta(days=14),
            received_at=moment(received),
            status=status,
            resolved_at=closed and moment(closed),
        )

    # Reach: messages to A's workers, in the period and before it, to B's worker and to no worker.
    for worker, day, status, sent in [
        (trained, D(2026, 4, 2), "delivered", True),
        (trained, D(2026, 4, 3), "sent", True),
        (untrained, D(2026, 5, 3), "undelivered", True),
        (untrained, D(2026, 5, 4), "suppressed", False),
        (trained, D(2026, 3, 4), "delivered", True),
        (b_worker, D(2026, 4, 2), "delivered", True),
        (None, D(2026, 4, 2), "delivered", True),
    ]:
        OutboundSms.objects.create(
            to=(worker.mobile.as_e164 if worker else "+26658000000"),
            worker_id=worker and worker.pk,
            language="st",
            template_key="x",
            body="x",
            status=status,
            created_at=moment(day),
            sent_at=moment(day) if sent else None,
        )
    # Opt-outs: A's worker said STOP in the period, another before it; B's worker and a number of no worker in it;
    # a number of A's that the provider refused (not an opt-out).
    for number, day, reason in [
        (trained.mobile.as_e164, D(2026, 4, 20), SuppressionReason.OPTED_OUT),
        (untrained.mobile.as_e164, D(2026, 3, 5), SuppressionReason.OPTED_OUT),
        (b_worker.mobile.as_e164, D(2026, 4, 21), SuppressionReason.OPTED_OUT),
        ("+26658000001", D(2026, 4, 22), SuppressionReason.OPTED_OUT),
        (earlier.mobile.as_e164, D(2026, 4, 23), SuppressionReason.PERMANENT_FAILURE),
    ]:
        SuppressedNumber.objects.create(number=number, reason=reason, source="sms", created_at=moment(day))
    return {"A": setting["agreement"], "B": other["agreement"]}


@pytest.fixture
def ministry(db):
    """Ministry staff who may open every list behind the figures."""
    return UserFactory(roles=[Role.REGISTRAR, Role.CHIEF_INSPECTOR, Role.LICENSING_OFFICER])


def listed(client, link) -> list:
    """The records the list at ``link`` shows (one page, which must be all of them); the filter must be valid."""
    response = client.get(link)
    assert response.status_code == 200, link
    context = response.context
    if "filter_form" in context:  # the training sessions' list
        assert context["filter_form"].is_valid(), (link, context["filter_form"].errors)
        page = context["page_obj"]
        assert not page.has_next()
        return list(page.object_list)
    assert context["filter"].is_valid(), (link, context["filter"].errors)
    page = context["table"].page
    assert not page.has_next()
    return [row.record for row in page.object_list]


# (figure, the number of records behind it: for a share, the records meeting it). Read off the world above.
HEADLINE = [
    ("wage_at_floor_share", 2),  # 9000 and 9500 against a 9000 floor; 8000 is below
    ("fees_charged", 2),
    ("deferred_pay_share", 2),  # 30% where 30% is required; 0% is not applied
    ("training_complete_share", 1),  # of the two of A who left in the period, one held the certificate
    ("training_sessions_held", 2),  # orientation on 10 April and 1 June
    ("training_fill_rate", 2),  # the seats of those two sessions
    ("audits_reported", 2),
    ("findings", 2),
    ("actions_on_time_share", 1),
    ("licences_suspended", 1),  # licence A, suspended twice
    ("licences_revoked", 1),
    ("complaints_received", 3),
    ("complaints_resolved", 2),
    ("sms_sent", 3),
    ("sms_delivered", 1),
    ("sms_opt_outs", 1),  # A's worker in the period; the other was before it, B's is under B, the last refused
]
SHARES = {  # share figures: (records meeting it, records it is a share of)
    "wage_at_floor_share": (2, 3),
    "deferred_pay_share": (2, 3),
    "training_complete_share": (1, 2),
    "actions_on_time_share": (1, 3),
}


@pytest.mark.parametrize(("key", "expected"), HEADLINE, ids=[key for key, _n in HEADLINE])
def test_each_headline_figure_links_to_exactly_the_records_it_counts(client, world, ministry, key, expected):
    figures = compute_figures(agreement_id=world["A"].pk, start=START, end=END)
    figure = figures.figure(key)
    assert figure.link, key
    if key in SHARES:
        part, whole = SHARES[key]
        assert figure.value == (Decimal(part * 100) / whole).quantize(Decimal("0.1"))
    elif key != "training_fill_rate":
        assert figure.value == expected
    client.force_login(ministry)
    assert len(listed(client, figure.link)) == expected, figure.link


def test_every_linked_table_number_lists_that_many_records(client, world, ministry):
    client.force_login(ministry)
    for agreement in (world["A"].pk, None):
        figures = compute_figures(agreement_id=agreement, start=START, end=END)
        followed = 0
        for table in figures.tables:
            for index, row in enumerate(table.rows):
                for position, value in enumerate(row):
                    link = table.link(index, position)
                    if link:
                        assert len(listed(client, link)) == value, (table.key, row, table.columns[position], link)
                        followed += 1
        assert followed > 70  # every section's tables carry links
        linked = ("by_sector", "by_occupation", "by_employer", "by_agency", "by_sex", "by_age_band", "by_district", "quota")
        assert all(figures.table(key).links for key in linked)


def test_all_agreements_link_to_every_agreement_but_only_agencies_active_under_one(client, world, ministry):
    """With no agreement chosen the lists take any agreement: agency B's records count, an agency without contracts'
    do not."""
    from tests.factories import AgencyFactory

    idle = AgencyFactory()
    Audit.objects.create(reference="AUD-2026-09999", agency=idle, inspector=ministry, scheduled_on=D(2026, 4, 5))
    Audit.objects.filter(reference="AUD-2026-09999").update(submitted_at=moment(D(2026, 4, 6)))
    figures = compute_figures(agreement_id=None, start=START, end=END)
    client.force_login(ministry)
    audits = listed(client, figures.figure("audits_reported").link)
    assert len(audits) == figures.figure("audits_reported").value == 3
    assert idle.pk not in {audit.agency_id for audit in audits}
    assert len(listed(client, figures.figure("sms_sent").link)) == figures.figure("sms_sent").value == 4


def _agency_of(record) -> int | None:
    if isinstance(record, Contract | Audit | Licence | Complaint):
        return record.agency_id
    if isinstance(record, Finding):
        return record.audit.agency_id
    if isinstance(record, CorrectiveAction):
        return record.finding.audit.agency_id
    return None  # sessions are open to every agency


def test_agency_staff_following_the_links_see_only_their_own_agencys_records(client, cast, world):
    from reports.dashboard import followable

    figures = compute_figures(agreement_id=None, start=START, end=END)
    links = [figure.link for figure in figures.headline] + [
        table.link(index, position)
        for table in figures.tables
        for index, row in enumerate(table.rows)
        for position in range(len(row))
    ]
    client.force_login(cast.agency_staff)
    opened = refused = 0
    for link in filter(None, links):
        if not followable(cast.agency_staff, link):
            assert client.get(link).status_code in (403, 404), link
            continue
        response = client.get(link)
        assert response.status_code == 200, link
        if "filter" in response.context and not response.context["filter"].is_valid():
            # Another agency named in the link is not a choice for them: a message, and nothing listed.
            assert "Select a valid choice" in response.content.decode(), link
            assert not response.context["table"].page.object_list, link
            refused += 1
            continue
        agencies = {_agency_of(record) for record in listed(client, link)} - {None}
        assert agencies <= {cast.agency_a.pk}, link
        opened += 1
    assert opened > 20 and refused


BAD_FILTERS = [
    ("contracts:contract_list", {"wage": "lots"}),
    ("contracts:contract_list", {"rule": "no_such_rule", "rule_outcome": "maybe"}),
    ("contracts:contract_list", {"deferred_pay": "x", "training": "x", "fee_charged": "perhaps"}),
    ("contracts:contract_list", {"milestone": "submitted", "milestone_from": "2026-13-45", "sector": "999999"}),
    ("contracts:contract_list", {"agency": "abc", "sex": "x", "district": "Gauteng", "quota_year": "soon"}),
    ("inspections:audit_list", {"stage": "x", "stage_from": "yesterday", "active_under": "999999"}),
    ("inspections:finding_list", {"severity": "x", "recorded_from": "2026-02-30", "active_under": "abc"}),
    ("inspections:action_list", {"outcome": "x", "due_to": "soon"}),
    ("inspections:complaint_list", {"received_from": "x", "closed_to": "2026-00-01", "active_under": "-1"}),
    ("agencies:licence_list", {"sanction": "fined", "sanction_from": "x", "active_under": "any1"}),
    ("agencies:agency_list", {"active_under": "∞"}),
    ("notifications:outbox", {"agreement": "abc", "sent": "maybe", "not_delivered": "perhaps"}),
    ("predeparture:session_list", {"course": "abc", "until": "x", "status": "finished"}),
]


@pytest.mark.parametrize(("url_name", "query"), BAD_FILTERS, ids=[f"{name}-{'-'.join(query)}" for name, query in BAD_FILTERS])
def test_a_bad_filter_value_is_a_message_not_a_500(client, world, ministry, url_name, query):
    client.force_login(ministry)
    response = client.get(reverse(url_name), query)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Select a valid choice" in page or "Enter a valid date" in page or "Enter a list of values" in page
    if "filter" in response.context:
        assert not response.context["filter"].is_valid() and not response.context["table"].page.object_list


def test_agency_staff_cannot_filter_by_an_agreement_they_may_not_see(client, cast, world):
    from contracts.models import Agreement

    draft = Agreement.objects.create(country_id="ZA", title="Still a draft", reference="BLA-ZA-DRAFT", in_force_from=START)
    client.force_login(cast.agency_staff)
    for url_name, name in [("inspections:audit_list", "active_under"), ("agencies:licence_list", "active_under")]:
        response = client.get(reverse(url_name), {name: draft.pk})
        assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
        response = client.get(reverse(url_name), {name: world["A"].pk})
        assert response.status_code == 200 and response.context["filter"].is_valid()


def test_the_figures_page_and_the_dashboard_link_the_numbers(client, cast, world, ministry):
    client.force_login(ministry)
    query = {"agreement": world["A"].pk, "start": START, "end": END}
    page = client.get(reverse("reports:figures"), query).content.decode()
    figures = compute_figures(agreement_id=world["A"].pk, start=START, end=END)
    for key in ("audits_reported", "sms_sent", "training_sessions_held", "licences_suspended"):
        assert f'href="{figures.figure(key).link.replace("&", "&amp;")}"' in page, key
    findings = figures.table("findings")
    assert f'href="{findings.link(0, len(findings.columns) - 1).replace("&", "&amp;")}"' in page
    # The list opens with the report's filters shown, unfolded.
    assert '<details class="more-filters" open>' in client.get(figures.figure("audits_reported").link).content.decode()
    assert '<details class="more-filters">' in client.get(reverse("inspections:audit_list")).content.decode()

    # Analysts read the figures but may not open contract or SMS lists: those numbers are not links for them.
    client.force_login(cast.analyst)
    page = client.get(reverse("reports:figures"), query).content.decode()
    assert 'href="/contracts/?' not in page and 'href="/sms/outbox/?' not in page
    assert 'href="/inspections/audits/?' in page

    client.force_login(ministry)
    response = client.get(reverse("core:dashboard"))
    panel = next(item for item in response.context["panels"] if item["panel"].key == "reports.agreements")
    headline = next(entry for entry in panel["context"]["agreements"] if entry["agreement"].pk == world["A"].pk)["headline"]
    links = {item["figure"].key: item["link"] for item in headline}
    assert all(links[key] for key, _expected in HEADLINE)
    assert f'href="{links["complaints_received"].replace("&", "&amp;")}"' in response.content.decode()
