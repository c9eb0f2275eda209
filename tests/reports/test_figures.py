"""The compliance reports' figures against expectations worked out independently from the few rows each test makes."""

import datetime

import pytest

from reports.figures import compute_figures
from tests.reports.conftest import END, PREVIOUS_END, PREVIOUS_START, START, place_contract

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
