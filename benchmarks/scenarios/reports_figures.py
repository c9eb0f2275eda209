"""The compliance report's figures at scale (issue 8, "Performance"): ``compute_figures`` for one agreement and a year.

The data are the contracts benchmark's (``benchmarks.scenarios.contracts.prepare``: scale × 200,000 contracts in
every state with their milestones, stored rule results and transition log, COPY-loaded on PostgreSQL), so running
both costs one load. Two agreements share them unevenly: the South African one holds nearly all, the Mauritian
one what its annual quota allows. The timed scenario is the big agreement (the issue's budget: 10 s at 2 million
contracts, ``--scale 10``);
``prepare`` prints, for both, the number of contracts, the number of queries (it must not depend on the data), the
first run's time and, with ``REPORTS_BENCH_EXPLAIN=1`` on PostgreSQL, the slowest query with EXPLAIN ANALYZE. The
issue's other budget (1 s for a register of 10,000 contracts) needs a register that small, which this data set is
not: the Mauritius line is only an indication.
"""

from __future__ import annotations

import datetime
import os
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from benchmarks.harness import Scenario
from benchmarks.scenarios import contracts as contracts_bench

BIG, SMALL = "LS-ZA/2022/01", "LS-MU/2025/01"  # seed_demo's agreements: the South African holds nearly everything
BIG_BUDGET = 10.0
REPEAT = 3

_PREPARED: dict[int, dict] = {}


def _period() -> tuple[datetime.date, datetime.date]:
    """The last twelve whole months before today."""
    from core.dates import add_months, today

    end = today().replace(day=1) - datetime.timedelta(days=1)
    return add_months(end.replace(day=1), -11), end


def prepare(scale: int) -> dict:
    if scale in _PREPARED:
        return _PREPARED[scale]
    from contracts.models import Agreement, Contract
    from reports.figures import compute_figures

    try:
        contracts_bench.prepare(scale)
    except AssertionError as error:  # its page probe failed after the data were committed: the figures need only the data
        print(f"reports figures: the contracts benchmark's page probe failed ({error!r}); its data are loaded, carrying on")
    start, end = _period()
    state = {"start": start, "end": end, "agreements": {}}
    for reference in (BIG, SMALL):
        agreement_id = Agreement.objects.get(reference=reference).pk
        state["agreements"][reference] = agreement_id
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            figures = compute_figures(agreement_id=agreement_id, start=start, end=end)
            took = time.perf_counter() - began
        slowest = max(captured.captured_queries, key=lambda query: float(query["time"]))
        print(
            f"reports figures, {reference}: {Contract.objects.filter(agreement_id=agreement_id).count():,} contracts, "
            f"{start} to {end}: {len(captured)} queries, first run {took:.2f} s, slowest query {float(slowest['time']):.2f} s; "
            f"submitted {figures.figure('contracts_submitted').value:,}, "
            f"deployed {figures.figure('contracts_deployed').value:,}, abroad {figures.figure('contracts_abroad').value:,}"
        )
        if os.environ.get("REPORTS_BENCH_EXPLAIN") == "1" and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN ANALYZE " + slowest["sql"])
                print("\n".join(row[0] for row in cursor.fetchall()))
    _PREPARED[scale] = state
    return state


def _scenario(reference: str, budget: float) -> Scenario:
    def run(state):
        from reports.figures import compute_figures

        compute_figures(agreement_id=state["agreements"][reference], start=state["start"], end=state["end"])

    return Scenario(f"report figures, {reference}, a year", run, budget_seconds=budget, prepare=prepare, repeat=REPEAT)


SCENARIOS = [_scenario(BIG, BIG_BUDGET)]
