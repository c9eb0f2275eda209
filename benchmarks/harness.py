"""The benchmark harness: scenarios run against a throw-away database and are timed.

A scenario module under ``benchmarks/scenarios/`` defines ``SCENARIOS``, a
list of ``Scenario``, and may define ``COMPARISONS``, a list of
``Comparison`` (two scenarios' times as a ratio, such as our contract list
against Django admin's changelist). ``prepare`` builds the data once (not
timed); ``run`` is timed ``repeat`` times, with its database queries counted.
The budget is the issue's figure, in seconds, for the median or, where the
issue says so, the 95th percentile (``budget_on="p95"``). Budgets are meant
for PostgreSQL at scale (DATABASE_URL); on SQLite the figures are only
indicative.

Every figure is written with what it means: the data size (the scenario's
own, from its prepared state's ``"sizes"`` or its ``size`` function, and the
rows of the main tables at the time), the engine, the number of queries of
one run, and the median and 95th percentile of the runs (``results_json``,
``table``).
"""

from __future__ import annotations

import contextlib
import datetime
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# The tables whose rows say how big the register is, named as the figures name them.
MAIN_TABLES = {
    "agencies": ("agencies", "Agency"),
    "workers": ("workers", "Worker"),
    "contracts": ("contracts", "Contract"),
    "training_sessions": ("predeparture", "Session"),
    "audits": ("inspections", "Audit"),
    "sms_outbox": ("notifications", "OutboundSms"),
}


@dataclass
class Scenario:
    name: str
    run: Callable[[Any], Any]
    # None: timed for comparison only (Django admin's changelist), no budget of ours.
    budget_seconds: float | None
    prepare: Callable[[int], Any] = field(default=lambda scale: None)
    repeat: int = 5
    # Which figure the budget is for: "median", or "p95" (the budgets for pages).
    budget_on: str = "median"
    # The data this scenario ran on, from its prepared state; by default the state's "sizes", when it has them.
    size: Callable[[Any], dict] | None = None
    # A stable name for comparisons and the JSON (``name`` may change: some scenarios add their query count to it).
    key: str = ""
    # The module under benchmarks/scenarios that defines it (set when the scenarios are collected; --only may name it).
    module: str = ""

    def __post_init__(self) -> None:
        if self.budget_on not in ("median", "p95"):
            raise ValueError(f"budget_on must be 'median' or 'p95', not {self.budget_on!r}")
        self.key = self.key or self.name


@dataclass
class Comparison:
    """``ours``' median divided by ``theirs``' (scenario keys); over ``max_ratio`` fails the run."""

    label: str
    ours: str
    theirs: str
    max_ratio: float = 1.0


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile (0.95 for p95), interpolated linearly between the two nearest runs."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * share
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Result:
    scenario: Scenario
    timings: list[float]
    queries: list[int] = field(default_factory=list)
    size: dict = field(default_factory=dict)
    rows: dict = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.timings)

    @property
    def p95(self) -> float:
        return percentile(self.timings, 0.95)

    @property
    def worst(self) -> float:
        return max(self.timings)

    @property
    def budgeted(self) -> float:
        return self.p95 if self.scenario.budget_on == "p95" else self.median

    @property
    def within_budget(self) -> bool:
        return self.scenario.budget_seconds is None or self.budgeted <= self.scenario.budget_seconds

    @property
    def query_count(self) -> int | None:
        """The queries of one run (the most any run made: a warm cache may save one)."""
        return max(self.queries) if self.queries else None


@dataclass
class ComparisonResult:
    comparison: Comparison
    ours: Result
    theirs: Result

    @property
    def ratio(self) -> float:
        return self.ours.median / self.theirs.median if self.theirs.median else math.inf

    @property
    def holds(self) -> bool:
        return self.ratio <= self.comparison.max_ratio


@contextlib.contextmanager
def counting_queries() -> Iterator[list[int]]:
    """Count the statements this thread sends through every configured database connection.

    An execute wrapper, not CaptureQueriesContext: that keeps the SQL of each query in a log of at most 9,000
    entries, which a bulk scenario overflows (its count then reads 0), and it formats every statement."""
    from django.db import connections

    counter = [0]

    def count(execute, sql, params, many, context):
        counter[0] += 1
        return execute(sql, params, many, context)

    with contextlib.ExitStack() as stack:
        for alias in connections:
            stack.enter_context(connections[alias].execute_wrapper(count))
        yield counter


def _scenario_size(scenario: Scenario, state: Any) -> dict:
    if scenario.size is not None:
        return dict(scenario.size(state))
    if isinstance(state, dict) and isinstance(state.get("sizes"), dict):
        return dict(state["sizes"])
    return {}


def table_rows() -> dict[str, int]:
    """Rows of the main tables now. On PostgreSQL the planner's estimate (exact after the loaders' ANALYZE; a
    count of 10 million SMS would take longer than many scenarios), elsewhere a count."""
    from django.apps import apps
    from django.db import connection

    models = {name: apps.get_model(app, model) for name, (app, model) in MAIN_TABLES.items()}
    if connection.vendor != "postgresql":
        return {name: model.objects.count() for name, model in models.items()}
    rows = {}
    with connection.cursor() as cursor:
        for name, model in models.items():
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table])
            estimate = cursor.fetchone()[0]
            if estimate is None or estimate < 0:  # never analysed
                estimate = model.objects.count()
            rows[name] = int(estimate)
    return rows


def measure(scenario: Scenario, scale: int, repeat: int | None = None) -> Result:
    state = scenario.prepare(scale)
    timings, queries = [], []
    for _ in range(repeat or scenario.repeat):
        with counting_queries() as counted:
            started = time.perf_counter()
            scenario.run(state)
            timings.append(time.perf_counter() - started)
        queries.append(counted[0])
    return Result(scenario, timings, queries, size=_scenario_size(scenario, state), rows=table_rows())


def compare(comparisons: list[Comparison], results: list[Result]) -> list[ComparisonResult]:
    by_key = {result.scenario.key: result for result in results}
    return [
        ComparisonResult(comparison, by_key[comparison.ours], by_key[comparison.theirs])
        for comparison in comparisons
        if comparison.ours in by_key and comparison.theirs in by_key
    ]


# --- What the figures were measured on ---------------------------------------------------------------------------------


def engine() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        version = connection.pg_version  # e.g. 150020
        return f"postgresql {version // 10000}.{version % 10000}"
    if connection.vendor == "sqlite":
        import sqlite3

        return f"sqlite {sqlite3.sqlite_version}"
    return connection.vendor


def machine() -> dict:
    memory = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = round(int(line.split()[1]) / 2**20, 1)
    load = None
    with contextlib.suppress(OSError):
        load = [round(value, 2) for value in os.getloadavg()]
    return {
        "cpus": os.cpu_count(),
        "memory_gib": memory,
        "load_average_at_end": load,
        "platform": platform.platform(),
        "python": sys.version.split()[0],
    }


def _commit() -> str | None:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        answer = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=5)
        return answer.stdout.strip() or None
    return None


# --- Output --------------------------------------------------------------------------------------------------------------


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _size_text(result: Result) -> str:
    """A short reading of the data size: the scenario's own figures, else the register's main tables."""
    figures = {key: value for key, value in (result.size or result.rows).items() if isinstance(value, int)}
    return ", ".join(f"{key} {_short(value)}" for key, value in list(figures.items())[:3]) or "-"


def _short(number: int) -> str:
    if number >= 1_000_000:
        return f"{number / 1_000_000:.1f}M"
    if number >= 10_000:
        return f"{number / 1000:.0f}k"
    return str(number)


def results_json(results: list[Result], comparisons: list[ComparisonResult], scale: int, started: datetime.datetime) -> dict:
    engine_name = engine()
    return {
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "engine": engine_name,
        "scale": scale,
        "machine": machine(),
        "commit": _commit(),
        "results": [
            {
                "scenario": result.scenario.key,
                "name": result.scenario.name,
                "engine": engine_name,
                "scale": scale,
                "data_size": result.size,
                "table_rows": result.rows,
                "runs": len(result.timings),
                "queries": result.query_count,
                "queries_per_run": result.queries,
                "median_ms": _ms(result.median),
                "p95_ms": _ms(result.p95),
                "worst_ms": _ms(result.worst),
                "timings_ms": [_ms(timing) for timing in result.timings],
                "budget_ms": None if result.scenario.budget_seconds is None else _ms(result.scenario.budget_seconds),
                "budget_on": result.scenario.budget_on,
                "within_budget": result.within_budget,
            }
            for result in results
        ],
        "comparisons": [
            {
                "label": item.comparison.label,
                "ours": item.comparison.ours,
                "theirs": item.comparison.theirs,
                "ours_median_ms": _ms(item.ours.median),
                "theirs_median_ms": _ms(item.theirs.median),
                "ours_queries": item.ours.query_count,
                "theirs_queries": item.theirs.query_count,
                "ratio": round(item.ratio, 3),
                "max_ratio": item.comparison.max_ratio,
                "holds": item.holds,
            }
            for item in comparisons
        ],
    }


def table(results: list[Result], engine_name: str, scale: int, comparisons=()) -> str:
    name_width = max([44, *(len(result.scenario.name) for result in results)])
    lines = [
        f"engine: {engine_name}   scale: {scale}   machine: {os.cpu_count()} CPUs",
        f"{'scenario':<{name_width}} {'data size':<34} {'queries':>7} {'median ms':>10} {'p95 ms':>9} "
        f"{'budget ms':>10}  verdict",
        "-" * (name_width + 90),
    ]
    for result in results:
        verdict = "-" if result.scenario.budget_seconds is None else "ok" if result.within_budget else "OVER BUDGET"
        queries = "-" if result.query_count is None else str(result.query_count)
        budget = "-" if result.scenario.budget_seconds is None else (
            f"{result.scenario.budget_seconds * 1000:.0f} {'p95' if result.scenario.budget_on == 'p95' else 'med'}"
        )
        lines.append(
            f"{result.scenario.name:<{name_width}} {_size_text(result):<34} {queries:>7} {result.median * 1000:>10.1f} "
            f"{result.p95 * 1000:>9.1f} {budget:>10}  {verdict}"
        )
    for item in comparisons:
        verdict = "ok" if item.holds else "SLOWER"
        lines.append(
            f"{item.comparison.label}: {item.ours.median * 1000:.1f} ms / {item.theirs.median * 1000:.1f} ms "
            f"= {item.ratio:.2f} (must be at most {item.comparison.max_ratio:.2f})  {verdict}"
        )
    return "\n".join(lines)


def signed_in_client(user: Any) -> Any:
    """A test client signed in as ``user`` and past the second step of signing in (core/two_factor.py),
    with the user's confirmed device (an authenticator made for ministry staff who have none)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from core import access

    client = Client()
    client.force_login(user)
    device = next(devices_for_user(user, confirmed=True), None)
    if device is None and access.is_ministry(user):
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
