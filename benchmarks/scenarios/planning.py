"""The audit planner at the issue's scale: 1,000 agencies, 60 inspectors, a quarter (pure Python, no database)."""

import random
from datetime import date, timedelta

from benchmarks.harness import Scenario
from inspections.planning import AgencyToPlan, InspectorToPlan, check_plan, propose_plan

DISTRICTS = (
    "berea",
    "butha_buthe",
    "leribe",
    "mafeteng",
    "maseru",
    "mohales_hoek",
    "mokhotlong",
    "qachas_nek",
    "quthing",
    "thaba_tseka",
)
START, END = date(2026, 1, 1), date(2026, 3, 31)
HOLIDAYS = frozenset({date(2026, 1, 1), date(2026, 3, 11)})  # New Year's Day, Moshoeshoe Day


def prepare_plan_inputs(scale: int):
    """Seeded inputs shaped like the ministry's: Maseru heavy, a quarter of the agencies due, some leave and conflicts."""
    rng = random.Random(20260101)
    weights = [4 if district == "maseru" else 1 for district in DISTRICTS]
    inspectors = []
    for inspector_id in range(1, 61):
        leave = []
        for _ in range(rng.randint(0, 3)):
            first = START + timedelta(days=rng.randint(0, 85))
            leave.append((first, first + timedelta(days=rng.randint(1, 15))))
        booked = {START + timedelta(days=rng.randint(0, 89)) for _ in range(rng.randint(0, 4))}
        inspectors.append(
            InspectorToPlan(
                inspector_id=inspector_id,
                name=f"Inspector {inspector_id}",
                home_district=rng.choices(DISTRICTS, weights)[0],
                working_weekdays=frozenset(range(5)) if rng.random() < 0.85 else frozenset({0, 1, 2, 3}),
                leave=tuple(leave),
                max_per_week=rng.choice((1, 1, 2)),  # few inspectors, many agencies: capacity runs out,
                conflicts=frozenset(rng.randint(1, 1000) for _ in range(rng.randint(0, 5))),
                booked=frozenset(booked),
            )
        )
    agencies = [
        AgencyToPlan(
            agency_id=agency_id,
            name=f"Agency {agency_id}",
            district=rng.choices(DISTRICTS, weights)[0],
            risk=rng.randint(0, 100),
            statutory_due=rng.random() < 0.3,
            last_inspector_id=rng.randint(1, 60) if rng.random() < 0.7 else None,
        )
        for agency_id in range(1, 1001)
    ]
    state = {"agencies": agencies, "inspectors": inspectors}
    plan = plan_quarter(state)  # once, untimed: the benchmark must time a valid plan
    assert check_plan(plan.assignments, agencies, inspectors, START, END, HOLIDAYS) == []
    return state


def plan_quarter(state):
    plan = propose_plan(state["agencies"], state["inspectors"], START, END, holidays=HOLIDAYS)
    assert plan.assignments
    return plan


SCENARIOS = [
    Scenario(
        "audit plan: 1,000 agencies, 60 inspectors, a quarter",
        plan_quarter,
        budget_seconds=5.0,
        prepare=prepare_plan_inputs,
        repeat=5,
    ),
]
