"""The compliance reports' figures against expectations worked out independently from the few rows each test makes."""

import datetime
import statistics
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import F
from django_fsm_log.models import StateLog

from contracts.models import Contract
from core.dates import today
from reports.figures import compute_figures
from tests.reports.conftest import END, PREVIOUS_END, PREVIOUS_START, START, moment, place_contract
from workers.models import Worker

pytestmark = pytest.mark.django_db

D = datetime.date

# Each contract's milestones; the expected counts below are read off this list, not off the code under test.
FLOW_CONTRACTS = [
    {"status": "submitted", "submitted": D(2026, 4, 1)},  # first day of the period
    {"status": "submitted", "submitted": D(2026, 3, 31)},  # last day of the previous period
    {"status": "approved", "submitted": D(2026, 4, 2), "approved": D(2026, 6, 30)},  # last day
    {"status": "returned", "submitted": D(2026, 4, 3), "returned": D(2026, 4, 5)},
    {"status": "rejected", "submitted": D(2026, 1, 3), "rejected": D(2026, 1, 5)},
    {"status": "rejected", "submitted": D(2026, 5, 3), "rejected": D(2026, 5, 5)},
    {"status": "cleared", "submitted": D(2026, 2, 1), "approved": D(2026, 3, 1), "cleared": D(2026, 4, 10)},
    {
        "status": "deployed",
        "submitted": D(2026, 2, 1),
        "approved": D(2026, 2, 2),
        "cleared": D(2026, 2, 3),
        "departed": D(2026, 4, 20),
    },
    {
        "status": "deployed",
        "submitted": D(2025, 2, 1),
        "approved": D(2025, 2, 2),
        "cleared": D(2025, 2, 3),
        "departed": D(2025, 3, 1),
    },  # abroad since last year
    {
        "status": "completed",
        "submitted": D(2025, 2, 1),
        "approved": D(2025, 2, 2),
        "cleared": D(2025, 2, 3),
        "departed": D(2025, 3, 1),
        "ended": D(2026, 6, 1),
    },
    {
        "status": "completed",
        "submitted": D(2025, 2, 1),
        "approved": D(2025, 2, 2),
        "cleared": D(2025, 2, 3),
        "departed": D(2025, 3, 1),
        "ended": D(2026, 7, 1),
    },  # ended after the period: still abroad at its end
    {
        "status": "terminated",
        "submitted": D(2025, 2, 1),
        "approved": D(2025, 2, 2),
        "cleared": D(2025, 2, 3),
        "departed": D(2025, 3, 1),
        "ended": D(2026, 2, 1),
    },
    {
        "status": "repatriated",
        "submitted": D(2025, 2, 1),
        "approved": D(2025, 2, 2),
        "cleared": D(2025, 2, 3),
        "departed": D(2026, 1, 1),
        "ended": D(2026, 5, 1),
    },
    {"status": "cancelled", "submitted": D(2026, 4, 15)},
]

MILESTONE_KEY = {
    "submitted": "submitted",
    "approved": "approved",
    "cleared": "cleared",
    "deployed": "departed",
    "returned": "returned",
    "rejected": "rejected",
}
ENDINGS = {"completed", "terminated", "repatriated"}


def expected_flow(specs, milestone, first, last):
    if milestone in ENDINGS:
        return sum(1 for spec in specs if spec["status"] == milestone and spec.get("ended") and first <= spec["ended"] <= last)
    key = MILESTONE_KEY[milestone]
    return sum(1 for spec in specs if spec.get(key) and first <= spec[key] <= last)


def expected_abroad(specs, on):
    return sum(
        1 for spec in specs if spec.get("departed") and spec["departed"] <= on and not (spec.get("ended") and spec["ended"] <= on)
    )


def test_flows_count_each_milestone_in_the_period_and_the_one_before(setting):
    for spec in FLOW_CONTRACTS:
        place_contract(setting, **spec)
    figures = compute_figures(agreement_id=setting["agreement"].pk, start=START, end=END)
    assert (figures.previous_start, figures.previous_end) == (PREVIOUS_START, PREVIOUS_END)
    for milestone in [*MILESTONE_KEY, *ENDINGS]:
        figure = figures.figure(f"contracts_{milestone}")
        assert figure.value == expected_flow(FLOW_CONTRACTS, milestone, START, END), milestone
        assert figure.previous == expected_flow(FLOW_CONTRACTS, milestone, PREVIOUS_START, PREVIOUS_END), milestone
    abroad = figures.figure("contracts_abroad")
    assert (abroad.value, abroad.previous) == (
        expected_abroad(FLOW_CONTRACTS, END),
        expected_abroad(FLOW_CONTRACTS, PREVIOUS_END),
    )
    assert figures.has_data


# --- The list behind each number --------------------------------------------------------------------------------------


def test_each_flow_links_to_a_list_of_exactly_the_contracts_it_counts(client, cast, setting):
    placed = [place_contract(setting, **spec) for spec in FLOW_CONTRACTS]
    figures = compute_figures(agreement_id=setting["agreement"].pk, start=START, end=END)
    client.force_login(cast.registrar)
    for figure in figures.headline:
        if not figure.key.startswith("contracts_"):
            continue
        assert figure.link, figure.key
        page = client.get(figure.link).content.decode()
        listed = [contract.reference for contract in placed if contract.reference in page]
        assert len(listed) == figure.value, figure.key


# --- Breakdowns ---------------------------------------------------------------------------------------------------------


def age_on(born, day):
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def band_of(age):
    return "Under 25" if age < 25 else "25–34" if age < 35 else "35–44" if age < 45 else "45–54" if age < 55 else "55 and over"


def test_breakdowns_of_the_contracts_approved_in_the_period(cast, setting, client):
    from contracts.models import Employer, Occupation, Sector, SectorTerms
    from tests.factories import LicenceFactory, passport_worker

    farming = Sector.objects.get(code="agriculture")
    SectorTerms.objects.create(terms=setting["terms"], sector=farming, wage_floor=Decimal("3000"), currency="ZAR")
    farm = Employer.objects.create(
        name="Free State Farms", country_id="ZA", registration_number="ZA-FARM-1", sector=farming, address="Ficksburg"
    )
    LicenceFactory(agency=cast.agency_b)
    labourer = Occupation.objects.get(code="9211")
    workers = [
        passport_worker(cast.agency_a, sex="female", date_of_birth=D(2003, 5, 2), district="leribe"),  # 22 on 1 May 2026
        passport_worker(cast.agency_a, sex="male", date_of_birth=D(1991, 5, 1), district="maseru"),  # 35 that day
        passport_worker(cast.agency_a, sex="male", date_of_birth=D(1991, 5, 2), district="maseru"),  # 34: birthday next day
        passport_worker(cast.agency_a, sex="female", date_of_birth=D(1960, 1, 1), district="quthing"),  # 66
        passport_worker(cast.agency_a, sex="male", date_of_birth=D(1975, 12, 31), district="berea"),  # 50
    ]
    approved = [
        place_contract(setting, worker=workers[0], status="approved", approved=D(2026, 4, 2)),
        place_contract(
            setting,
            worker=workers[1],
            status="approved",
            approved=D(2026, 4, 3),
            sector=farming,
            employer=farm,
            occupation=labourer,
        ),
        place_contract(setting, worker=workers[2], status="deployed", approved=D(2026, 5, 3), agency=cast.agency_b),
        place_contract(
            setting,
            worker=workers[3],
            status="cleared",
            approved=D(2026, 6, 30),
            sector=farming,
            employer=farm,
            occupation=labourer,
        ),
    ]
    place_contract(setting, worker=workers[4], status="approved", approved=D(2026, 3, 31))  # the previous period
    figures = compute_figures(agreement_id=setting["agreement"].pk, start=START, end=END)

    def table(key):
        return {row[0]: row[1] for row in figures.table(key).rows}

    assert table("by_sector") == Counter(contract.sector.name for contract in approved)
    titles = dict(Occupation.objects.filter(level=1).values_list("code", "title"))
    assert table("by_occupation") == Counter(f"{c.occupation_id[0]} {titles[c.occupation_id[0]]}" for c in approved)
    assert table("by_employer") == Counter(f"{c.employer.name} ({c.employer.country_id})" for c in approved)
    assert table("by_agency") == Counter(str(c.agency) for c in approved)
    assert table("by_sex") == Counter(c.worker.get_sex_display() for c in approved)
    bands = Counter(band_of(age_on(c.worker.date_of_birth, c.start_date)) for c in approved)
    assert table("by_age_band") == {
        label: bands.get(label, 0) for label in ["Under 25", "25–34", "35–44", "45–54", "55 and over"]
    }
    assert table("by_district") == Counter(c.worker.get_district_display() for c in approved)

    # Each row links to the contract list showing exactly the contracts it counts (a band of none lists none).
    from tests.reports.test_figure_links import listed

    client.force_login(cast.registrar)
    for key, belongs in [
        ("by_occupation", lambda c, label: label.startswith(c.occupation_id[0] + " ")),
        ("by_employer", lambda c, label: label == f"{c.employer.name} ({c.employer.country_id})"),
        ("by_age_band", lambda c, label: label == band_of(age_on(c.worker.date_of_birth, c.start_date))),
    ]:
        breakdown = figures.table(key)
        assert len(breakdown.rows) > 1, key
        for index, (label, _count) in enumerate(breakdown.rows):
            shown = {contract.pk for contract in listed(client, breakdown.link(index, 1))}
            assert shown == {c.pk for c in approved if belongs(c, label)}, (key, label)


def test_age_bands_reach_a_29_february_birthday_on_1_march_in_a_common_year(cast, setting):
    """PostgreSQL bands by date arithmetic, SQLite by year, month and day: both as the age of the person."""
    from tests.factories import passport_worker

    # (born, start of the contract): 24 the day before the 25th birthday, 25 on it, in common and leap years.
    cases = [
        (D(2000, 2, 29), D(2025, 2, 28)),  # 24: the birthday falls on 1 March in 2025
        (D(2000, 2, 29), D(2025, 3, 1)),  # 25
        (D(2003, 2, 28), D(2028, 2, 29)),  # 25: a leap-day start, the birthday the day before
        (D(2003, 3, 1), D(2028, 2, 29)),  # 24
        (D(1971, 2, 28), D(2026, 2, 27)),  # 54
        (D(1971, 2, 28), D(2026, 2, 28)),  # 55
    ]
    for born, start in cases:
        worker = passport_worker(cast.agency_a, date_of_birth=born)
        # Placed a day later and moved, as a year after 29 February is no date for place_contract's end.
        contract = place_contract(setting, worker=worker, status="approved", approved=D(2026, 4, 2), start=start + D.resolution)
        Contract.objects.filter(pk=contract.pk).update(start_date=start)
    figures = compute_figures(agreement_id=setting["agreement"].pk, start=START, end=END)
    bands = Counter(band_of(age_on(born, start)) for born, start in cases)
    assert bands == {"Under 25": 2, "25–34": 2, "45–54": 1, "55 and over": 1}
    assert {row[0]: row[1] for row in figures.table("by_age_band").rows} == {
        label: bands.get(label, 0) for label in ["Under 25", "25–34", "35–44", "45–54", "55 and over"]
    }


def test_breakdown_rows_come_most_first_then_by_name(cast, setting):
    from contracts.models import Sector, SectorTerms
    from tests.factories import passport_worker

    farming = Sector.objects.get(code="agriculture")
    SectorTerms.objects.create(terms=setting["terms"], sector=farming, wage_floor=Decimal("3000"), currency="ZAR")
    for district, sector in [("maseru", farming), ("maseru", farming), ("leribe", None), ("berea", None)]:
        worker = passport_worker(cast.agency_a, district=district)
        chosen = {"sector": sector} if sector else {}
        place_contract(setting, worker=worker, status="approved", approved=D(2026, 4, 2), **chosen)
    figures = compute_figures(agreement_id=setting["agreement"].pk, start=START, end=END)
    assert [row[0] for row in figures.table("by_district").rows] == ["Maseru", "Berea", "Leribe"]
    assert [row[1] for row in figures.table("by_district").rows] == [2, 1, 1]
    sectors = [row[0] for row in figures.table("by_sector").rows]
    assert sectors == sorted(sectors) and len(sectors) == 2  # two contracts each: by name


# --- Compliance ----------------------------------------------------------------------------------------------------------


def stored(**outcomes):
    """Rule results as the contracts store them: every rule passes unless named with its outcome."""
    from contracts.compliance import RULES

    return [
        {"code": rule.code, "severity": rule.severity, "outcome": outcomes.get(rule.code, "pass"), "params": {}} for rule in RULES
    ]


def test_each_rules_failures_among_the_contracts_submitted_in_the_period(setting):
    from contracts.compliance import RULES

    results = [
        stored(wage_floor="fail", annual_quota="fail"),
        stored(wage_floor="fail"),
        stored(training_complete="fail", sector_occupation_covered="not_checked"),
        [],  # never checked
    ]
    for compliance_results in results:
        contract = place_contract(setting, status="submitted", submitted=D(2026, 5, 1))
        Contract.objects.filter(pk=contract.pk).update(compliance=compliance_results)
    outside = place_contract(setting, status="submitted", submitted=D(2026, 3, 1))
    Contract.objects.filter(pk=outside.pk).update(compliance=stored(wage_floor="fail"))

    rows = {
        row[1]: row
        for row in compute_figures(agreement_id=setting["agreement"].pk, start=START, end=END).table("rule_results").rows
    }
    assert list(rows) == [rule.code for rule in RULES]
    for rule in RULES:
        failing = sum(1 for result in results for row in result if row["code"] == rule.code and row["outcome"] == "fail")
        unchecked = sum(1 for result in results for row in result if row["code"] == rule.code and row["outcome"] == "not_checked")
        assert rows[rule.code][3:] == [failing, unchecked], rule.code
    assert rows["annual_quota"][2] == "Warning" and rows["wage_floor"][2] == "Error"


WAGES = [  # (amount, period, days per month, hours per week)
    (Decimal("9000"), "month", None, Decimal("45")),
    (Decimal("8999.99"), "month", None, Decimal("45")),
    (Decimal("2100"), "week", None, Decimal("45")),  # 9100 a month
    (Decimal("2076.92"), "week", None, Decimal("45")),  # 8999.99 a month: just below
    (Decimal("400"), "day", 22, Decimal("45")),  # 8800
    (Decimal("450.50"), "day", 22, Decimal("45")),  # 9911
    (Decimal("46.15"), "hour", None, Decimal("45")),  # 8999.25
    (Decimal("47"), "hour", None, Decimal("45.5")),
    (Decimal("500"), "day", None, Decimal("45")),  # no working days: cannot be compared, below
]


def test_the_database_monthly_wage_is_the_compliance_rules_monthly_wage(setting):
    from contracts.compliance import monthly
    from contracts.terms_in_force import monthly_expression

    for amount, period, days, hours in WAGES:
        contract = place_contract(setting, wage_amount=amount, wage_period=period, days_per_month=days, hours_per_week=hours)
        in_database = Contract.objects.filter(pk=contract.pk).annotate(m=monthly_expression("wage_amount", "wage_period")).get().m
        expected = monthly(amount, period, days_per_month=days, hours_per_week=hours)
        assert (in_database if in_database is None else Decimal(in_database).quantize(Decimal("0.01"))) == expected, (
            amount,
            period,
        )


def test_wage_compliance_fees_and_deferred_pay_by_sector(setting):
    from contracts.compliance import monthly

    terms = setting["terms"]
    terms.sectors.update(deferred_pay_percent=Decimal("30"))
    floor = terms.sectors.get().wage_floor
    specs = []
    for index, (amount, period, days, hours) in enumerate(WAGES):
        fields = {
            "wage_amount": amount,
            "wage_period": period,
            "days_per_month": days,
            "hours_per_week": hours,
            "recruitment_fee": Decimal(["0", "150.50", "0", "900"][index % 4]),
            "deferred_pay_percent": Decimal("30") if index % 3 else Decimal("0"),
        }
        place_contract(setting, status="submitted", submitted=D(2026, 4, 1) + datetime.timedelta(days=index), **fields)
        specs.append(fields)
    place_contract(
        setting, status="submitted", submitted=D(2026, 3, 30), wage_amount=Decimal("100"), recruitment_fee=Decimal("5000")
    )

    figures = compute_figures(agreement_id=setting["agreement"].pk, start=START, end=END)
    wages = [
        monthly(s["wage_amount"], s["wage_period"], days_per_month=s["days_per_month"], hours_per_week=s["hours_per_week"])
        for s in specs
    ]
    floors = [monthly(floor, "month", days_per_month=s["days_per_month"], hours_per_week=s["hours_per_week"]) for s in specs]
    at_floor = sum(1 for wage, monthly_floor in zip(wages, floors, strict=True) if wage is not None and wage >= monthly_floor)
    cent = Decimal("0.01")
    [row] = figures.table("wage_compliance").rows
    assert row[:5] == ["Mining", "ZAR", len(specs), at_floor, (Decimal(at_floor * 100) / len(specs)).quantize(Decimal("0.1"))]
    assert row[5] == Decimal(statistics.median([wage for wage in wages if wage is not None])).quantize(
        cent, rounding=ROUND_HALF_UP
    )
    assert row[6] == Decimal(statistics.median(floors)).quantize(cent, rounding=ROUND_HALF_UP)
    share = figures.figure("wage_at_floor_share")
    assert share.value == row[4] and share.previous == Decimal("0.0")  # the one earlier contract is far below

    fees = [s["recruitment_fee"] for s in specs if s["recruitment_fee"] > 0]
    assert figures.table("fees_charged").rows == [["ZAR", len(fees), sum(fees), max(fees)]]
    assert (figures.figure("fees_charged").value, figures.figure("fees_charged").previous) == (len(fees), 1)

    applied = sum(1 for s in specs if s["deferred_pay_percent"] == 30)
    assert figures.table("deferred_pay").rows == [
        ["Mining", len(specs), applied, (Decimal(applied * 100) / len(specs)).quantize(Decimal("0.1"))]
    ]


def test_quota_used_counts_places_held_by_contracts_starting_in_the_year(setting):
    setting["terms"].annual_quota = 10
    setting["terms"].save()
    holding = ["approved", "cleared", "deployed", "completed", "terminated", "repatriated"]
    for status in [*holding, "submitted", "cancelled", "rejected"]:
        place_contract(setting, status=status, start=D(2026, 2, 1))
    place_contract(setting, status="approved", start=D(2025, 12, 31))  # last year's place
    [row] = compute_figures(agreement_id=setting["agreement"].pk, start=START, end=END).table("quota").rows
    assert row == [setting["agreement"].reference, 2026, 10, len(holding), Decimal("60.0")]


# --- Pre-departure ---------------------------------------------------------------------------------------------------------


def test_training_complete_under_versions_requiring_different_courses(setting):
    """Each contract is held to the courses of the terms in force on its start date: one course, two, or none."""
    from contracts.models import AgreementTerms
    from predeparture.models import Course
    from tests.factories import certificate_for, passport_worker

    orientation = Course.objects.create(code="PDO", title="Pre-departure orientation", validity_months=12)
    safety = Course.objects.create(code="MSF", title="Mine safety", validity_months=12)
    setting["terms"].required_courses.add(orientation)
    agreement = setting["agreement"]
    both = AgreementTerms.objects.create(
        agreement=agreement, effective_from=D(2026, 3, 1), max_contract_months=24, max_worker_fee=Decimal("0")
    )
    both.required_courses.add(orientation, safety)
    AgreementTerms.objects.create(agreement=agreement, effective_from=D(2026, 4, 1), max_contract_months=24, max_worker_fee=0)
    required = [(D(2026, 4, 1), set()), (D(2026, 3, 1), {orientation, safety}), (agreement.in_force_from, {orientation})]
    departed = D(2026, 5, 15)
    # (start of the contract, courses the worker holds a certificate for, issued before departure)
    cases = [
        (D(2026, 2, 1), {orientation}),  # one course required, held
        (D(2026, 2, 1), set()),  # one required, none held
        (D(2026, 3, 15), {orientation}),  # two required, one held
        (D(2026, 3, 15), {orientation, safety}),  # two required, both held
        (D(2026, 4, 15), set()),  # none required
    ]
    for start, held in cases:
        worker = passport_worker(setting["agency"])
        for course in held:
            certificate_for(worker, course, D(2026, 1, 10))
        place_contract(setting, worker=worker, status="deployed", departed=departed, start=start)

    def courses_on(start):
        return next(courses for effective, courses in required if effective <= start)

    complete = sum(1 for start, held in cases if courses_on(start) <= held)
    none_required = sum(1 for start, _held in cases if not courses_on(start))
    assert (complete, none_required) == (3, 1)
    figures = compute_figures(agreement_id=agreement.pk, start=START, end=END)
    share = (Decimal(complete * 100) / len(cases)).quantize(Decimal("0.1"))
    assert figures.table("training_at_deployment").rows == [[len(cases), complete, share, none_required]]


def test_training_complete_and_valid_on_the_departure_day(setting):
    from predeparture.models import Course, Enrolment, Session
    from tests.factories import UserFactory, certificate_for, passport_worker

    orientation = Course.objects.create(code="PDO", title="Pre-departure orientation", validity_months=12)
    safety = Course.objects.create(code="MSF", title="Mine safety", validity_months=12)
    setting["terms"].required_courses.add(orientation, safety)
    departed = D(2026, 5, 15)
    complete = passport_worker(setting["agency"])
    certificate_for(complete, orientation, D(2026, 1, 10))
    certificate_for(complete, safety, D(2025, 5, 15))  # valid through 14 May 2026... expires the day before departure?
    fresh = passport_worker(setting["agency"])
    certificate_for(fresh, orientation, D(2026, 5, 1))
    certificate_for(fresh, safety, D(2026, 5, 15))  # issued on the departure day: valid
    half = passport_worker(setting["agency"])
    certificate_for(half, orientation, D(2026, 5, 1))
    late = passport_worker(setting["agency"])
    certificate_for(late, orientation, D(2026, 5, 16))
    certificate_for(late, safety, D(2026, 5, 16))  # after departure
    workers = [complete, fresh, half, late]
    for worker in workers:
        place_contract(setting, worker=worker, status="deployed", departed=departed)

    def valid(worker):
        from predeparture.models import Certificate

        return all(
            Certificate.objects.filter(enrolment__worker=worker, enrolment__session__course=course).valid_on(departed).exists()
            for course in (orientation, safety)
        )

    expected = sum(1 for worker in workers if valid(worker))
    figures = compute_figures(agreement_id=setting["agreement"].pk, start=START, end=END)
    assert figures.table("training_at_deployment").rows == [
        [4, expected, (Decimal(expected * 100) / 4).quantize(Decimal("0.1")), 0]
    ]
    assert figures.figure("training_complete_share").value == (Decimal(expected * 100) / 4).quantize(Decimal("0.1"))
    assert figures.figure("training_complete_share").previous is None  # nobody left in the previous period

    # Sessions: the certificates above each came with a completed 30-seat session holding one seat.
    trainer = UserFactory()
    held = [s for s in Session.objects.filter(status="completed") if START <= s.starts_at.date() <= END]
    extra = Session.objects.create(
        course=orientation,
        venue="Maseru",
        district="maseru",
        starts_at=moment(D(2026, 6, 1)),
        ends_at=moment(D(2026, 6, 1), 16),
        trainer=trainer,
        capacity=10,
    )
    Session.objects.filter(pk=extra.pk).update(status="completed")
    for index, status in enumerate(["completed", "failed", "no_show", "withdrawn"]):
        Enrolment.objects.create(session=extra, worker=workers[index], status=status)
    held.append(extra)
    figures = compute_figures(agreement_id=setting["agreement"].pk, start=START, end=END)
    seats = {session.pk: session.enrolments.exclude(status__in=["withdrawn", "waiting"]).count() for session in held}
    capacity = {session.pk: session.capacity for session in held}
    rows = {row[0]: row for row in figures.table("training_sessions").rows}
    for course in (orientation, safety):
        mine = [s.pk for s in held if s.course_id == course.pk]
        taken, seats_offered = sum(seats[pk] for pk in mine), sum(capacity[pk] for pk in mine)
        assert rows[course.code][2:] == [
            len(mine),
            seats_offered,
            taken,
            (Decimal(taken * 100) / seats_offered).quantize(Decimal("0.1")),
        ]
    assert figures.figure("training_sessions_held").value == len(held)


# --- Oversight ---------------------------------------------------------------------------------------------------------------


def test_oversight_of_the_agencies_active_under_the_agreement(cast, setting):
    from agencies.models import Licence
    from inspections.models import Audit, ChecklistItem, Complaint, CorrectiveAction, Finding
    from tests.factories import LicenceFactory, UserFactory

    place_contract(setting, status="submitted", submitted=D(2025, 1, 1))  # makes agency A active under the agreement
    inspector = UserFactory()
    items = list(ChecklistItem.objects.order_by("code")[:3])
    assert len({item.category for item in items}) >= 2 or len(items) == 3
    audits = []
    for number, (agency, reported, reviewed, closed) in enumerate(
        [
            (cast.agency_a, D(2026, 4, 5), D(2026, 4, 9), D(2026, 7, 1)),
            (cast.agency_a, D(2026, 3, 5), D(2026, 4, 1), D(2026, 6, 30)),
            (cast.agency_b, D(2026, 4, 5), D(2026, 4, 9), D(2026, 5, 1)),  # not active under the agreement
        ]
    ):
        audit = Audit.objects.create(
            reference=f"AUD-2026-{number:04d}", agency=agency, inspector=inspector, scheduled_on=reported
        )
        Audit.objects.filter(pk=audit.pk).update(
            submitted_at=moment(reported), reviewed_at=moment(reviewed), closed_at=moment(closed)
        )
        audits.append(audit)
    findings = []
    for audit, item, severity, day in [
        (audits[0], items[0], "critical", D(2026, 4, 5)),
        (audits[0], items[1], "minor", D(2026, 4, 5)),
        (audits[1], items[2], "major", D(2026, 3, 5)),
        (audits[2], items[0], "critical", D(2026, 4, 5)),
    ]:
        findings.append(
            Finding.objects.create(audit=audit, item=item, severity=severity, description="-", created_at=moment(day))
        )
    actions = [  # (finding, due, status, decided)
        (findings[0], D(2026, 5, 1), "accepted", D(2026, 5, 1)),  # on time, on the day
        (findings[0], D(2026, 5, 1), "accepted", D(2026, 5, 2)),  # late
        (findings[1], D(2026, 6, 1), "responded", None),  # open
        (findings[2], D(2026, 3, 1), "accepted", D(2026, 2, 1)),  # previous period, on time
        (findings[3], D(2026, 5, 1), "open", None),  # agency B
    ]
    for finding, due, status, decided in actions:
        CorrectiveAction.objects.create(
            finding=finding, description="-", due_on=due, status=status, decided_at=decided and moment(decided, 23)
        )
    licence_a = cast.agency_a.licences.first() or LicenceFactory(agency=cast.agency_a)
    other_licence = LicenceFactory(agency=cast.agency_a)
    licence_b = LicenceFactory(agency=cast.agency_b)
    for licence, day in [
        (licence_a, D(2026, 4, 2)),
        (licence_a, D(2026, 5, 2)),
        (licence_b, D(2026, 4, 2)),
        (other_licence, D(2026, 1, 2)),
    ]:
        StateLog.objects.create(
            content_type=ContentType.objects.get_for_model(Licence),
            object_id=licence.pk,
            state="suspended",
            source_state="active",
            transition="suspend",
            timestamp=moment(day),
        )
    Licence.objects.filter(pk=other_licence.pk).update(status="revoked", status_changed_at=moment(D(2026, 6, 3)))
    Licence.objects.filter(pk=licence_b.pk).update(status="revoked", status_changed_at=moment(D(2026, 6, 3)))
    complaints = [  # (agency, received, status, closed)
        (cast.agency_a, D(2026, 4, 1), "resolved", D(2026, 4, 20)),
        (cast.agency_a, D(2026, 3, 1), "dismissed", D(2026, 4, 2)),
        (cast.agency_a, D(2026, 6, 30), "received", None),
        (cast.agency_b, D(2026, 4, 1), "resolved", D(2026, 4, 20)),
    ]
    for number, (agency, received, status, closed) in enumerate(complaints):
        Complaint.objects.create(
            reference=f"CMP-{number}",
            agency=agency,
            category="fees",
            description="-",
            due_on=received,
            received_at=moment(received),
            status=status,
            resolved_at=closed and moment(closed),
        )

    figures = compute_figures(agreement_id=setting["agreement"].pk, start=START, end=END)

    def within(day, first=START, last=END):
        return day is not None and first <= day <= last

    mine = [audit for audit in audits if audit.agency_id == cast.agency_a.pk]
    expected_audits = {
        "Report submitted": sum(within(Audit.objects.get(pk=a.pk).submitted_at.date()) for a in mine),
        "Reviewed": sum(within(Audit.objects.get(pk=a.pk).reviewed_at.date()) for a in mine),
        "Closed": sum(within(Audit.objects.get(pk=a.pk).closed_at.date()) for a in mine),
    }
    assert {row[0]: row[1] for row in figures.table("audits").rows} == expected_audits
    assert figures.figure("audits_reported").value == expected_audits["Report submitted"]

    my_findings = [f for f in findings if f.audit.agency_id == cast.agency_a.pk and within(f.created_at.date())]
    by_category = {}
    for finding in my_findings:
        label = finding.item.get_category_display()
        row = by_category.setdefault(label, {"minor": 0, "major": 0, "critical": 0})
        row[finding.severity] += 1
    assert {row[0]: row[1:] for row in figures.table("findings").rows} == {
        label: [counts["minor"], counts["major"], counts["critical"], sum(counts.values())]
        for label, counts in by_category.items()
    }

    due = [a for a in actions if a[0].audit.agency_id == cast.agency_a.pk and within(a[1])]
    on_time = sum(1 for _f, d, status, decided in due if status == "accepted" and decided <= d)
    late = sum(1 for _f, d, status, decided in due if status == "accepted" and decided > d)
    assert {row[0]: row[1] for row in figures.table("corrective_actions").rows} == {
        "Closed on time": on_time,
        "Closed late": late,
        "Still open": len(due) - on_time - late,
    }
    assert figures.figure("actions_on_time_share").value == (Decimal(on_time * 100) / len(due)).quantize(Decimal("0.1"))
    assert figures.figure("actions_on_time_share").previous == Decimal("100.0")

    # Licences, not suspensions: licence A, suspended twice in the period, counts once (as the licence list shows it).
    assert (figures.figure("licences_suspended").value, figures.figure("licences_suspended").previous) == (1, 1)
    assert figures.figure("licences_revoked").value == 1
    received = sum(1 for agency, day, _s, _c in complaints if agency == cast.agency_a and within(day))
    resolved = sum(
        1 for agency, _d, status, closed in complaints if agency == cast.agency_a and status == "resolved" and within(closed)
    )
    dismissed = sum(
        1 for agency, _d, status, closed in complaints if agency == cast.agency_a and status == "dismissed" and within(closed)
    )
    assert {row[0]: row[1] for row in figures.table("complaints").rows} == {
        "Received": received,
        "Resolved": resolved,
        "Dismissed": dismissed,
    }


# --- Reach ---------------------------------------------------------------------------------------------------------------------


def test_sms_reach_and_opt_outs_of_the_agreements_workers(setting):
    from notifications.models import OutboundSms, SuppressedNumber
    from tests.factories import passport_worker

    mine = [place_contract(setting, status="submitted", submitted=D(2026, 4, 1)).worker for _ in range(3)]
    stranger = passport_worker(setting["agency"])
    messages = [  # (worker, queued, status, sent)
        (mine[0], D(2026, 4, 2), "delivered", True),
        (mine[0], D(2026, 4, 3), "sent", True),
        (mine[1], D(2026, 5, 3), "undelivered", True),
        (mine[1], D(2026, 5, 4), "suppressed", False),
        (mine[2], D(2026, 3, 4), "delivered", True),  # previous period
        (stranger, D(2026, 4, 2), "delivered", True),  # not under the agreement
    ]
    for worker, day, status, sent in messages:
        OutboundSms.objects.create(
            to=worker.mobile.as_e164,
            worker_id=worker.pk,
            language="st",
            template_key="x",
            body="x",
            status=status,
            created_at=moment(day),
            sent_at=moment(day) if sent else None,
        )
    SuppressedNumber.objects.create(
        number=mine[0].mobile.as_e164, reason="opted_out", source="sms", created_at=moment(D(2026, 5, 1))
    )
    SuppressedNumber.objects.create(
        number=mine[1].mobile.as_e164, reason="failed", source="provider", created_at=moment(D(2026, 5, 1))
    )
    SuppressedNumber.objects.create(
        number=stranger.mobile.as_e164, reason="opted_out", source="sms", created_at=moment(D(2026, 5, 1))
    )
    Worker.objects.filter(pk=mine[2].pk).update(sms_consent=False, consent_changed_at=moment(D(2026, 6, 1)))

    figures = compute_figures(agreement_id=setting["agreement"].pk, start=START, end=END)
    current = [m for m in messages if m[0] in mine and START <= m[1] <= END]
    rows = {row[0]: row[1] for row in figures.table("sms_reach").rows}
    assert rows == {
        "Messages queued": len(current),
        "Sent": sum(1 for m in current if m[3]),
        "Delivered": sum(1 for m in current if m[2] == "delivered"),
        "Not delivered or failed": sum(1 for m in current if m[2] in ("undelivered", "failed")),
        "Not sent (no consent or number blocked)": sum(1 for m in current if m[2] == "suppressed"),
        "Numbers opted out (STOP)": 1,
        "Workers who withdrew consent": 1,
    }
    assert (figures.figure("sms_delivered").value, figures.figure("sms_delivered").previous) == (1, 1)


# --- Periods, scope and requests -----------------------------------------------------------------------------------------------


def test_a_period_with_no_data_gives_zeros_and_says_so(setting):
    place_contract(setting, status="submitted", submitted=D(2026, 5, 1))
    figures = compute_figures(agreement_id=setting["agreement"].pk, start=D(2020, 1, 1), end=D(2020, 1, 31))
    assert not figures.has_data
    assert all(figure.value in (0, None) and figure.previous in (0, None) for figure in figures.headline)
    assert all(table.note.startswith("No data in this period.") for table in figures.tables)


def test_all_agreements_together(cast, setting):
    from tests.factories import contract_setting

    other = contract_setting(agency=cast.agency_a)
    place_contract(setting, status="approved", submitted=D(2026, 4, 1), approved=D(2026, 4, 2))
    place_contract(other, status="approved", submitted=D(2026, 4, 1), approved=D(2026, 4, 3))
    place_contract(other, status="submitted", submitted=D(2026, 4, 1))
    together = compute_figures(agreement_id=None, start=START, end=END)
    alone = compute_figures(agreement_id=other["agreement"].pk, start=START, end=END)
    assert together.agreement_label == "All agreements" and other["agreement"].reference in alone.agreement_label
    assert (together.figure("contracts_submitted").value, alone.figure("contracts_submitted").value) == (3, 2)
    assert (together.figure("contracts_approved").value, alone.figure("contracts_approved").value) == (2, 1)
    assert "agreement=" not in together.figure("contracts_approved").link


def test_bad_requests_are_refused_with_a_reason(setting):
    from reports.figures import ReportRequestError, parse_report_request

    reference = setting["agreement"].reference
    assert parse_report_request(agreement_reference=f" {reference.lower()} ", start=START, end=END) == (
        setting["agreement"].pk,
        START,
        END,
    )
    assert parse_report_request(agreement_reference="", start=START, end=END) == (None, START, END)
    with pytest.raises(ReportRequestError, match="no agreement with the reference BLA-XX-9"):
        parse_report_request(agreement_reference="BLA-XX-9", start=START, end=END)
    with pytest.raises(ReportRequestError, match="ends before it starts"):
        parse_report_request(agreement_reference=reference, start=END, end=START)
    tomorrow = today() + datetime.timedelta(days=1)
    with pytest.raises(ReportRequestError, match="starts in the future"):
        parse_report_request(agreement_reference=reference, start=tomorrow, end=tomorrow + datetime.timedelta(days=30))


def test_the_number_of_queries_does_not_grow_with_the_data(setting, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as captured:
            compute_figures(agreement_id=setting["agreement"].pk, start=START, end=END)
        return len(captured)

    for index in range(3):
        place_contract(
            setting, status="deployed", submitted=D(2026, 4, 1), approved=D(2026, 4, 2), departed=D(2026, 4, 3 + index)
        )
    few = queries()
    for index in range(27):
        place_contract(
            setting,
            status="deployed",
            submitted=D(2026, 4, 1),
            approved=D(2026, 4, 2),
            departed=D(2026, 5, 1 + index),
            compliance=stored(wage_floor="fail"),
        )
    with django_assert_max_num_queries(few):
        compute_figures(agreement_id=setting["agreement"].pk, start=START, end=END)


def test_the_median_matches_statistics_median(setting):
    """PERCENTILE_CONT on PostgreSQL, the ordered-column fallback on SQLite: both the median statistics.median gives."""
    from reports.figures import _medians

    amounts = [Decimal("9000"), Decimal("9100.01"), Decimal("9000.02"), Decimal("12000"), Decimal("9300.55"), Decimal("9000.01")]
    contracts = [place_contract(setting, wage_amount=amount) for amount in amounts]
    for values in (amounts, amounts[:-1]):  # an even count, then an odd one
        Contract.objects.exclude(pk__in=[c.pk for c in contracts[: len(values)]]).delete()
        medians = _medians(Contract.objects.all(), ["currency"], {"wage": F("wage_amount")})["wage"]
        assert medians == {("ZAR",): Decimal(statistics.median(values)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)}


def test_the_monthly_trend(setting):
    from reports.figures import monthly_trend

    place_contract(setting, status="deployed", submitted=D(2026, 4, 30), approved=D(2026, 5, 1), departed=D(2026, 6, 1))
    place_contract(setting, status="completed", submitted=D(2025, 1, 1), departed=D(2025, 2, 1), ended=D(2026, 6, 15))
    place_contract(setting, status="submitted", submitted=D(2025, 6, 30))  # before the twelve months
    trend = monthly_trend(agreement_id=setting["agreement"].pk, months=12, until=D(2026, 6, 20))
    rows = {row[0]: row[1:] for row in trend.rows}
    assert list(rows) == [
        f"{year}-{month:02d}" for year, month in [(2025, m) for m in range(7, 13)] + [(2026, m) for m in range(1, 7)]
    ]
    assert rows["2026-04"] == [1, 0, 0, 0] and rows["2026-05"] == [0, 1, 0, 0] and rows["2026-06"] == [0, 0, 1, 1]
    assert sum(sum(values) for values in rows.values()) == 4


def test_an_agreement_without_terms_reports_zeros(cast):
    from contracts.models import Agreement

    agreement = Agreement.objects.create(country_id="ZA", title="No terms yet", reference="BLA-ZA-EMPTY", in_force_from=START)
    figures = compute_figures(agreement_id=agreement.pk, start=START, end=END)
    assert not figures.has_data and figures.table("wage_compliance").rows == []


def test_figures_are_read_where_the_replica_router_sends_report_reads(monkeypatch):
    """Every query of the figures goes through the router inside replica_reads, so a read replica can serve them."""
    from config import routers

    asked = []
    original = routers.ReportsReplicaRouter.db_for_read

    def spy(self, model, **hints):
        asked.append(routers._reading_for_reports.get())
        return original(self, model, **hints)

    monkeypatch.setattr(routers.ReportsReplicaRouter, "db_for_read", spy)
    compute_figures(agreement_id=None, start=datetime.date(2026, 4, 1), end=datetime.date(2026, 6, 30))
    assert asked and all(asked)
    asked.clear()
    routers.ReportsReplicaRouter().db_for_read(None)
    assert asked == [False]  # outside the figures, reads stay on the default database
