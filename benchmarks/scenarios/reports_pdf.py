"""Compliance reports at scale (issue 8, "Performance"): the figures and the PDF of one agreement over a year.

The data are the contracts benchmark's (``benchmarks.scenarios.contracts.prepare``: scale × 200,000 contracts
in every state, nearly all under the South African agreement), built once and shared. The issue's budgets
are for 2 million contracts on PostgreSQL: figures under 10 s, the PDF under 20 s, memory under 300 MB.

``prepare`` computes the figures once for the layout scenario and renders the PDF once under ``tracemalloc``,
printing the peak memory Python allocated for it and the process's peak resident size, so the memory budget
can be read next to the timings.
"""

from __future__ import annotations

import datetime
import resource
import tracemalloc

from django.utils import timezone

from benchmarks.harness import Scenario
from benchmarks.scenarios import contracts as contracts_benchmark

AGREEMENT = "LS-ZA/2022/01"  # the South African agreement of seed_demo, which holds nearly all bulk contracts
FIGURES_BUDGET = 10.0
PDF_BUDGET = 20.0
MEMORY_BUDGET_MB = 300

_PREPARED: dict[int, dict] = {}


def _figures(state: dict):
    from reports.figures import compute_figures

    return compute_figures(agreement_id=state["agreement_id"], start=state["start"], end=state["end"])


def _render(figures) -> bytes:
    from reports.pdf import render_pdf

    return render_pdf(figures, generated_at=timezone.now(), generated_by="benchmark")


def _pdf(state: dict) -> bytes:
    return _render(_figures(state))


def prepare(scale: int) -> dict:
    if scale in _PREPARED:
        return _PREPARED[scale]
    from contracts.bulk import found as bulk_contracts_found
    from contracts.models import Agreement
    from core.dates import add_months, today

    # Load the contracts benchmark's data unless another scenario (reports_figures) already has in this run.
    if not bulk_contracts_found():
        try:
            contracts_benchmark.prepare(scale)
        except AssertionError as error:  # its page probe failed after the data were committed; the report needs only the data
            print(f"reports PDF: the contracts benchmark's page probe failed ({error!r}); its data are loaded, carrying on")
    end = today()
    state = {
        "agreement_id": Agreement.objects.get(reference=AGREEMENT).pk,
        "start": add_months(end, -12) + datetime.timedelta(days=1),
        "end": end,
    }
    state["figures"] = _figures(state)
    # Memory: the PDF laid out under tracemalloc (which slows Python; the timings come from the scenarios).
    tracemalloc.start()
    content = _render(state["figures"])
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    resident = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    figures = state["figures"]
    rows = sum(len(table.rows) for table in figures.tables)
    verdict = "ok" if peak / 2**20 <= MEMORY_BUDGET_MB else "OVER BUDGET"
    print(
        f"reports: {AGREEMENT} {state['start']} to {state['end']}: {len(figures.headline)} headline figures, "
        f"{len(figures.tables)} tables ({rows:,} rows), PDF {len(content) / 2**10:,.0f} KiB; peak Python memory of the PDF "
        f"{peak / 2**20:.1f} MB ({verdict}, budget {MEMORY_BUDGET_MB} MB); process peak resident {resident:,.0f} MB "
        "(includes the benchmark's own data)"
    )
    _PREPARED[scale] = state
    return state


# The figures alone are timed by reports_figures.py; here the PDF: its layout, and the whole of it with the figures.
# Computing the figures dominates; once is enough to read it (and keeps a run at scale within minutes).
SCENARIOS = [
    Scenario(
        "reports_pdf: PDF layout of a year's figures",
        lambda state: _render(state["figures"]),
        budget_seconds=PDF_BUDGET - FIGURES_BUDGET,
        prepare=prepare,
        repeat=5,
    ),
    Scenario("reports_pdf: PDF, figures included", _pdf, budget_seconds=PDF_BUDGET, prepare=prepare, repeat=1),
]
