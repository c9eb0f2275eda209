"""The audit planner (inspections.planning): pure Python, no database.

Property tests (Hypothesis, derandomized so CI is repeatable) check that no
proposal ever breaks a rule, that every statutory audit is placed or explained,
and that nothing is left out that would have fitted; example tests pin each
rule and each choice with a hand-built case.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from random import Random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspections.planning import (
    ALL_INSPECTORS_CONFLICTED,
    NO_CAPACITY,
    NO_INSPECTORS,
    NO_WORKING_DAY,
    ONLY_LAST_INSPECTOR_ELIGIBLE,
    ONLY_LAST_INSPECTOR_FREE,
    RISK,
    SOME_INSPECTORS_CONFLICTED,
    STATUTORY,
    UNPLACED_REASONS,
    VIOLATIONS,
    AgencyToPlan,
    Assignment,
    InspectorToPlan,
    Unplaced,
    Violation,
    check_plan,
    find_violations,
    propose_plan,
)

# Fast and repeatable: the same examples on every run, no example database kept between runs.
PROPERTY = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SECONDARY = settings(PROPERTY, max_examples=100)  # properties that restate others from another angle

MON = date(2026, 1, 5)  # a Monday, ISO week 2026-W02
TUE, WED, THU, FRI, SAT = (MON + timedelta(days=n) for n in range(1, 6))
WEEKDAYS = frozenset(range(5))


def inspector(inspector_id, district="maseru", **fields) -> InspectorToPlan:
    values = {"working_weekdays": WEEKDAYS, "leave": (), "max_per_week": 5} | fields
    return InspectorToPlan(inspector_id=inspector_id, name=f"Inspector {inspector_id}", home_district=district, **values)


def agency(agency_id, district="maseru", risk=10, statutory_due=True, last_inspector_id=None) -> AgencyToPlan:
    return AgencyToPlan(agency_id, f"Agency {agency_id}", district, risk, statutory_due, last_inspector_id)


def placed(plan) -> dict[int, Assignment]:
    return {assignment.agency_id: assignment for assignment in plan.assignments}


def reasons(plan) -> dict[int, tuple[str, ...]]:
    return {unplaced.agency_id: unplaced.reasons for unplaced in plan.unplaced}


# --- random cases ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    agencies: list[AgencyToPlan]
    inspectors: list[InspectorToPlan]
    start: date
    end: date
    holidays: frozenset[date]
    risk_threshold: int

    def plan(self):
        return propose_plan(
            self.agencies, self.inspectors, self.start, self.end, risk_threshold=self.risk_threshold, holidays=self.holidays
        )

    def check(self, assignments) -> list[str]:
        return check_plan(assignments, self.agencies, self.inspectors, self.start, self.end, self.holidays)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


DISTRICTS = ("berea", "leribe", "maseru", "quthing")


@st.composite
def cases(draw, *, min_inspectors=0, conflicts=True, max_agencies=80, weekdays=("random", "weekdays", "all"), most_leave=3):
    """A random planning case.

    Hypothesis draws its shape (sizes, period, how dense leave, bookings, conflicts and last inspectors are, ...) and
    a seed that fills in the details. Drawing every field through Hypothesis cost about 40 ms an example, too slow for
    `make test`; this keeps the edge cases Hypothesis is good at (no inspectors, one-day periods, nobody free, everyone
    conflicted) and shrinks a failure to a small case.
    """
    # Periods cross the turn of the year, so ISO weeks of 2025 and 2026 both occur.
    start = draw(st.dates(date(2025, 12, 1), date(2026, 2, 28)))
    end = start + timedelta(days=draw(st.integers(0, 39)))
    inspector_count = draw(st.integers(min_inspectors, 12))
    agency_count = draw(st.integers(0, max_agencies))
    districts = DISTRICTS[: draw(st.integers(1, len(DISTRICTS)))]
    weekdays = draw(st.sampled_from(weekdays))
    leave_ranges = draw(st.integers(0, most_leave))
    booked_days = draw(st.integers(0, 6))
    conflict_rate = draw(st.sampled_from((0.0, 0.05, 0.3, 1.0))) if conflicts else 0.0
    last_rate = draw(st.sampled_from((0.0, 0.5, 1.0)))
    statutory_rate = draw(st.sampled_from((0.0, 0.3, 0.7, 1.0)))
    threshold = draw(st.integers(0, 11))
    rng = Random(draw(st.integers(0, 2**32 - 1)))

    width = (end - start).days + 15

    def around() -> date:  # holidays, booked days and leave spill over the edges of the period
        return start - timedelta(days=7) + timedelta(days=rng.randrange(width))

    holidays = frozenset(around() for _ in range(rng.randint(0, 3)))
    inspector_ids = rng.sample(range(1, 500), inspector_count)
    agency_ids = rng.sample(range(1, 5000), agency_count)
    inspectors = []
    for inspector_id in inspector_ids:
        if weekdays == "random":
            working = frozenset(day for day in range(7) if rng.random() < 0.6)
        else:
            working = frozenset(range(5 if weekdays == "weekdays" else 7))
        leave = []
        for _ in range(rng.randint(0, leave_ranges)):
            first = around()
            leave.append((first, first + timedelta(days=rng.randint(0, 12))))
        inspectors.append(
            InspectorToPlan(
                inspector_id=inspector_id,
                name=f"Inspector {inspector_id}",
                home_district=rng.choice(districts),
                working_weekdays=working,
                leave=tuple(leave),
                max_per_week=rng.randint(1, 5),
                conflicts=frozenset(agency_id for agency_id in agency_ids if rng.random() < conflict_rate),
                booked=frozenset(around() for _ in range(rng.randint(0, booked_days))),
            )
        )
    agencies = [
        AgencyToPlan(
            agency_id=agency_id,
            name=f"Agency {agency_id}",
            district=rng.choice(districts),
            risk=rng.randint(0, 10),  # few values: plenty of ties to break
            statutory_due=rng.random() < statutory_rate,
            last_inspector_id=rng.choice(inspector_ids) if inspector_ids and rng.random() < last_rate else None,
        )
        for agency_id in agency_ids
    ]
    return Case(agencies, inspectors, start, end, holidays, threshold)


def fits(agency_to_place: AgencyToPlan, case: Case, assignments: list[Assignment]) -> bool:
    """Independent oracle: could this agency still be added to the plan without breaking a rule?"""
    used = defaultdict(set)
    per_week = Counter()
    for assignment in assignments:
        used[assignment.inspector_id].add(assignment.day)
        per_week[assignment.inspector_id, assignment.day.isocalendar()[:2]] += 1
    for person in case.inspectors:
        if agency_to_place.agency_id in person.conflicts or agency_to_place.last_inspector_id == person.inspector_id:
            continue
        booked_per_week = Counter(booked.isocalendar()[:2] for booked in person.booked)
        for day in case.days():
            if (
                day.weekday() not in person.working_weekdays
                or day in case.holidays
                or day in person.booked
                or day in used[person.inspector_id]
                or any(first <= day <= last for first, last in person.leave)
            ):
                continue
            week = day.isocalendar()[:2]
            if per_week[person.inspector_id, week] + booked_per_week[week] < person.max_per_week:
                return True
    return False


def capacity(person: InspectorToPlan, case: Case) -> int:
    weeks = Counter()
    for day in case.days():
        if (
            day.weekday() in person.working_weekdays
            and day not in case.holidays
            and day not in person.booked
            and not any(first <= day <= last for first, last in person.leave)
        ):
            weeks[day.isocalendar()[:2]] += 1
    total = 0
    for week, free in weeks.items():
        booked_that_week = sum(1 for booked in person.booked if booked.isocalendar()[:2] == week)
        total += max(0, min(free, person.max_per_week - booked_that_week))
    return total


# --- properties -----------------------------------------------------------------------------------------------------


@PROPERTY
@given(cases())
def test_a_proposal_never_breaks_a_rule_and_explains_what_it_leaves_out(case):
    plan = case.plan()
    assert case.check(plan.assignments) == []

    assigned = [assignment.agency_id for assignment in plan.assignments]
    left_out = [unplaced.agency_id for unplaced in plan.unplaced]
    assert len(assigned) == len(set(assigned)), "an agency appears twice in the plan"
    assert len(left_out) == len(set(left_out))
    assert not set(assigned) & set(left_out)
    assert plan.assignments == sorted(plan.assignments, key=lambda a: (a.day, a.inspector_id, a.agency_id))

    by_id = {agency.agency_id: agency for agency in case.agencies}
    for assignment in plan.assignments:
        assert assignment.reason == (STATUTORY if by_id[assignment.agency_id].statutory_due else RISK)
    for unplaced in plan.unplaced:
        assert unplaced.reasons, "unplaced without a reason"
        assert set(unplaced.reasons) <= set(UNPLACED_REASONS)
        assert unplaced.statutory == by_id[unplaced.agency_id].statutory_due
        # Nothing left out would have fitted: all its allowed inspectors are full.
        assert not fits(by_id[unplaced.agency_id], case, plan.assignments)
        if not case.inspectors:
            assert unplaced.reasons == (NO_INSPECTORS,)

    for agency_ in case.agencies:
        if agency_.statutory_due or agency_.risk >= case.risk_threshold:
            assert agency_.agency_id in assigned or agency_.agency_id in left_out
        else:
            assert agency_.agency_id not in assigned and agency_.agency_id not in left_out

    # Statutory audits first: a risk pick never holds a slot a due agency could have had.
    statutory_only = [assignment for assignment in plan.assignments if assignment.reason == STATUTORY]
    for unplaced in plan.unplaced:
        if unplaced.statutory:
            assert not fits(by_id[unplaced.agency_id], case, statutory_only)


@SECONDARY
@given(cases(), st.integers(0, 2**32 - 1))
def test_the_same_input_gives_the_same_plan_whatever_the_order(case, seed):
    first = case.plan()
    rng = Random(seed)
    agencies, inspectors = list(case.agencies), list(case.inspectors)
    rng.shuffle(agencies)
    rng.shuffle(inspectors)
    again = propose_plan(agencies, inspectors, case.start, case.end, risk_threshold=case.risk_threshold, holidays=case.holidays)
    assert again == first


@st.composite
def roomy_cases(draw):
    """No conflicts, and capacity to spare: the inspectors other than any one of them could audit every agency.

    Then no agency can be stranded, even by the one inspector it may not have (the last): if it were, all the
    others would be full, holding every agency already.
    """
    case = draw(cases(min_inspectors=2, conflicts=False, max_agencies=0))
    rooms = [capacity(person, case) for person in case.inspectors]
    inspector_ids = [person.inspector_id for person in case.inspectors]
    count = min(sum(rooms) - max(rooms), 80)  # the tightest case that is still ample
    rng = Random(draw(st.integers(0, 2**32 - 1)))
    agencies = [
        agency(
            agency_id,
            rng.choice(DISTRICTS),
            risk=rng.randint(0, 10),
            statutory_due=rng.random() < 0.7,
            last_inspector_id=rng.choice([None, *inspector_ids]),
        )
        for agency_id in range(1, count + 1)
    ]
    return Case(agencies, case.inspectors, case.start, case.end, case.holidays, case.risk_threshold)


@PROPERTY
@given(roomy_cases())
def test_with_ample_capacity_and_no_conflicts_every_statutory_audit_is_placed(case):
    plan = case.plan()
    assert case.check(plan.assignments) == []
    assert plan.unplaced == []
    statutory = {agency_.agency_id for agency_ in case.agencies if agency_.statutory_due}
    assert statutory <= set(placed(plan))


@SECONDARY
@given(cases(), st.data())
def test_check_plan_finds_a_double_booking_slipped_into_any_proposal(case, data):
    plan = case.plan()
    outside = [agency_ for agency_ in case.agencies if agency_.agency_id not in placed(plan)]
    if not plan.assignments or not outside:
        return
    victim = data.draw(st.sampled_from(plan.assignments))
    extra = Assignment(data.draw(st.sampled_from(outside)).agency_id, victim.inspector_id, victim.day, RISK)
    codes = {text.split()[0] for text in case.check([*plan.assignments, extra])}
    assert "double_booking" in codes
    assert codes <= set(VIOLATIONS)


# --- each rule, by example ------------------------------------------------------------------------------------------


def test_leave_is_respected():
    plan = propose_plan([agency(1)], [inspector(1, leave=((MON, THU),))], MON, FRI)
    assert placed(plan)[1].day == FRI


def test_an_inspector_on_leave_all_period_has_no_working_day():
    plan = propose_plan([agency(1)], [inspector(1, leave=((MON - timedelta(days=3), FRI + timedelta(days=3)),))], MON, FRI)
    assert plan.assignments == []
    assert plan.unplaced == [Unplaced(1, (NO_WORKING_DAY,), statutory=True)]


def test_working_weekdays_and_holidays_are_respected():
    plan = propose_plan(
        [agency(1), agency(2)],
        [inspector(1, working_weekdays=frozenset({2, 3}))],  # Wednesday and Thursday only
        MON,
        FRI,
        holidays=frozenset({WED}),
    )
    assert [assignment.day for assignment in plan.assignments] == [THU]
    assert reasons(plan) == {2: (NO_CAPACITY,)}


def test_at_most_one_audit_per_inspector_per_day():
    plan = propose_plan([agency(1, risk=5), agency(2, risk=9)], [inspector(1)], MON, MON)
    assert set(placed(plan)) == {2}
    assert reasons(plan) == {1: (NO_CAPACITY,)}


def test_booked_days_are_not_offered():
    plan = propose_plan([agency(1)], [inspector(1, booked=frozenset({MON, TUE}))], MON, WED)
    assert placed(plan)[1].day == WED


def test_at_most_max_per_week_per_inspector():
    plan = propose_plan([agency(n) for n in (1, 2, 3)], [inspector(1, max_per_week=2)], MON, FRI)
    assert len(plan.assignments) == 2
    assert reasons(plan) == {3: (NO_CAPACITY,)}


def test_the_weekly_maximum_counts_audits_already_booked_that_week_even_before_the_period():
    person = inspector(1, max_per_week=2, booked=frozenset({MON}))
    plan = propose_plan([agency(n) for n in (1, 2)], [person], MON, FRI)
    assert len(plan.assignments) == 1

    booked_early = inspector(1, max_per_week=2, booked=frozenset({MON, TUE}))
    plan = propose_plan([agency(1)], [booked_early], WED, FRI)  # the week is already full
    assert plan.assignments == []
    assert reasons(plan) == {1: (NO_WORKING_DAY,)}


def test_a_declared_conflict_is_respected():
    home, away = inspector(1, "maseru", conflicts=frozenset({7})), inspector(2, "berea")
    plan = propose_plan([agency(7, "maseru")], [home, away], MON, FRI)
    assert placed(plan)[7].inspector_id == 2


def test_an_agency_every_inspector_is_conflicted_with_is_explained():
    plan = propose_plan([agency(7)], [inspector(1, conflicts=frozenset({7})), inspector(2, conflicts=frozenset({7}))], MON, FRI)
    assert plan.unplaced == [Unplaced(7, (ALL_INSPECTORS_CONFLICTED,), statutory=True)]


def test_never_the_same_inspector_twice_in_a_row():
    plan = propose_plan([agency(1, "maseru", last_inspector_id=1)], [inspector(1, "maseru"), inspector(2, "berea")], MON, FRI)
    assert placed(plan)[1].inspector_id == 2


def test_when_only_the_last_inspector_is_left_the_agency_is_explained():
    alone = propose_plan([agency(1, last_inspector_id=1)], [inspector(1)], MON, FRI)
    assert reasons(alone) == {1: (ONLY_LAST_INSPECTOR_ELIGIBLE,)}

    others_conflicted = propose_plan(
        [agency(1, last_inspector_id=1)], [inspector(1), inspector(2, conflicts=frozenset({1}))], MON, FRI
    )
    assert reasons(others_conflicted) == {1: (ONLY_LAST_INSPECTOR_ELIGIBLE, SOME_INSPECTORS_CONFLICTED)}

    # Inspector 2 is full after agency 1; agency 2 was audited by inspector 1, who still has room.
    others_full = propose_plan(
        [agency(1, risk=9, last_inspector_id=1), agency(2, risk=5, last_inspector_id=1)],
        [inspector(1), inspector(2, max_per_week=1)],
        MON,
        FRI,
    )
    assert placed(others_full)[1].inspector_id == 2
    assert reasons(others_full) == {2: (ONLY_LAST_INSPECTOR_FREE, NO_CAPACITY)}


def test_the_home_district_inspector_is_preferred():
    plan = propose_plan([agency(1, "quthing")], [inspector(1, "maseru"), inspector(2, "quthing")], MON, FRI)
    assert placed(plan)[1].inspector_id == 2


def test_among_equals_the_least_loaded_inspector_goes():
    busy = inspector(1, booked=frozenset({THU, FRI}))  # both free from Monday on, but 1 already holds two audits
    idle = inspector(2)
    plan = propose_plan([agency(1, risk=3), agency(2, risk=2), agency(3, risk=1)], [busy, idle], MON, FRI)
    assert {assignment.agency_id: assignment.inspector_id for assignment in plan.assignments} == {1: 2, 2: 2, 3: 1}
    # Equal loads (2 and 2) then go to the inspector free earliest: 1 on Monday rather than 2 on Wednesday.
    assert placed(plan)[3].day == MON


def test_audits_are_spread_over_the_weeks_of_the_period():
    plan = propose_plan([agency(n) for n in (1, 2, 3)], [inspector(1)], MON, FRI + timedelta(days=14))
    weeks = [assignment.day.isocalendar()[1] for assignment in plan.assignments]
    assert sorted(weeks) == [2, 3, 4]
    assert [assignment.day.weekday() for assignment in plan.assignments] == [0, 0, 0]


def test_statutory_audits_come_before_riskier_agencies():
    due = agency(1, risk=1, statutory_due=True)
    risky = agency(2, risk=99, statutory_due=False)
    plan = propose_plan([risky, due], [inspector(1)], MON, MON)
    assert plan.assignments == [Assignment(1, 1, MON, STATUTORY)]
    assert plan.unplaced == [Unplaced(2, (NO_CAPACITY,), statutory=False)]


def test_riskiest_first_among_statutory_audits_and_ids_break_ties():
    plan = propose_plan([agency(3, risk=5), agency(2, risk=5), agency(1, risk=4)], [inspector(1)], MON, TUE)
    assert [assignment.agency_id for assignment in plan.assignments] == [2, 3]
    assert reasons(plan) == {1: (NO_CAPACITY,)}


def test_the_risk_threshold_picks_the_other_agencies():
    low, edge, high = (agency(n, risk=n, statutory_due=False) for n in (4, 5, 6))
    plan = propose_plan([low, edge, high], [inspector(1)], MON, FRI, risk_threshold=5)
    assert {assignment.agency_id: assignment.reason for assignment in plan.assignments} == {5: RISK, 6: RISK}
    assert plan.unplaced == []


def test_no_inspectors_at_all_leaves_every_statutory_audit_unplaced_and_says_why():
    plan = propose_plan([agency(1), agency(2, statutory_due=False), agency(3)], [], MON, FRI)
    assert plan.assignments == []
    assert plan.unplaced == [
        Unplaced(1, (NO_INSPECTORS,), statutory=True),
        Unplaced(3, (NO_INSPECTORS,), statutory=True),
        Unplaced(2, (NO_INSPECTORS,), statutory=False),
    ]


def test_a_planned_audit_moves_over_to_make_room_for_a_statutory_one():
    # Agency 1 (riskier) goes to its home inspector 1 first; agency 2 may only have inspector 1 (it had inspector 2
    # last time), who can do one audit this week. Moving agency 1 to inspector 2 fits both.
    plan = propose_plan(
        [agency(1, "maseru", risk=9), agency(2, "berea", risk=5, last_inspector_id=2)],
        [inspector(1, "maseru", max_per_week=1), inspector(2, "berea", max_per_week=1)],
        MON,
        FRI,
    )
    assert {a.agency_id: a.inspector_id for a in plan.assignments} == {1: 2, 2: 1}
    assert plan.unplaced == []


def test_bad_periods_and_repeated_ids_are_refused():
    with pytest.raises(ValueError):
        propose_plan([], [], FRI, MON)
    with pytest.raises(ValueError):
        propose_plan([agency(1), agency(1)], [], MON, FRI)
    with pytest.raises(ValueError):
        propose_plan([], [inspector(1), inspector(1)], MON, FRI)


# --- check_plan on manual edits -------------------------------------------------------------------------------------

AGENCIES = [agency(1), agency(2, last_inspector_id=2), agency(3)]
INSPECTORS = [
    inspector(1, max_per_week=2, leave=((THU, FRI),), conflicts=frozenset({3})),
    inspector(2, max_per_week=1, booked=frozenset({MON - timedelta(days=1)})),  # the Sunday before: ISO week 1, not week 2
]


def check(*assignments, holidays=frozenset()):
    return check_plan(list(assignments), AGENCIES, INSPECTORS, MON, FRI, holidays)


def test_a_valid_manual_plan_passes():
    assert check(Assignment(1, 1, MON, STATUTORY), Assignment(2, 1, TUE, RISK), Assignment(3, 2, MON, RISK)) == []


def test_check_plan_finds_a_double_booking():
    found = check(Assignment(1, 1, MON, STATUTORY), Assignment(2, 1, MON, RISK))
    assert found == ["double_booking inspector=1 agency=1,2 day=2026-01-05"]


def test_check_plan_finds_an_audit_during_leave():
    assert check(Assignment(1, 1, THU, STATUTORY)) == ["on_leave inspector=1 agency=1 day=2026-01-08"]


def test_check_plan_finds_a_conflict_of_interest():
    assert check(Assignment(3, 1, MON, STATUTORY)) == ["conflict_of_interest inspector=1 agency=3 day=2026-01-05"]


def test_check_plan_finds_the_weekly_maximum_exceeded():
    found = check(Assignment(1, 1, MON, STATUTORY), Assignment(2, 1, TUE, RISK), Assignment(3, 2, WED, RISK))
    assert found == []
    over = check(Assignment(1, 1, MON, STATUTORY), Assignment(2, 1, TUE, RISK), Assignment(3, 1, WED, RISK))
    assert "weekly_max inspector=1 week=2026-W02" in over


def test_the_weekly_maximum_counts_booked_days_of_the_same_week():
    person = inspector(1, max_per_week=1, booked=frozenset({SAT}))  # Saturday: outside the period, same ISO week
    found = check_plan([Assignment(1, 1, MON, STATUTORY)], AGENCIES, [person], MON, FRI)
    assert found == ["weekly_max inspector=1 week=2026-W02"]


def test_check_plan_finds_an_audit_outside_the_period():
    assert check(Assignment(1, 2, SAT + timedelta(days=2), STATUTORY)) == ["outside_period inspector=2 agency=1 day=2026-01-12"]


def test_check_plan_finds_every_other_kind_of_violation():
    found = find_violations(
        [
            Assignment(2, 2, MON, RISK),  # inspector 2 audited agency 2 last time
            Assignment(1, 2, SAT, RISK),  # a Saturday, outside the period, not a working day
            Assignment(1, 2, TUE, RISK),  # agency 1 again
            Assignment(3, 1, WED, RISK),  # a holiday; inspector 1 is conflicted with agency 3
            Assignment(99, 77, MON, RISK),  # nobody knows agency 99 or inspector 77
        ],
        AGENCIES,
        INSPECTORS,
        MON,
        FRI,
        frozenset({WED}),
    )
    assert [violation.code for violation in found] == [
        "twice_in_a_row",
        "outside_period",
        "not_working_day",
        "agency_twice",
        "holiday",
        "conflict_of_interest",
        "unknown_agency",
        "unknown_inspector",
        "weekly_max",  # inspector 2 does three audits in week 2, one at most
    ]
    booked = find_violations([Assignment(1, 4, TUE, RISK)], AGENCIES, [inspector(4, booked=frozenset({TUE}))], MON, FRI)
    assert booked == [Violation("already_booked", inspector_id=4, agency_ids=(1,), day=TUE)]
