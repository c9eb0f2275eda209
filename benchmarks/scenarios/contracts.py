"""Contracts at scale (issue 5, "Performance"): the contract and job-order lists, the searches, a contract's page.

``prepare`` loads the data once per scale, with ``seed_demo --scale`` (the apps' bulk loaders, core/bulk.py), and
every scenario here shares them: ``--scale N`` here is ``seed_demo --scale 100·N``, so scale × 100,000 workers,
200,000 contracts in every state (most deployed or completed, nearly all under the South African agreement) with
their milestones, rule results, transition log, a history row each and clearances, a million SMS, 100 agencies of
skewed sizes of which the demo's Maluti holds a tenth (so its staff see a big list), and scale × 2,500 job orders.
``--scale 10`` is the issue's full data set. On PostgreSQL the rows go in with COPY; on SQLite with batched INSERTs,
the sizes divided by 20 and at most ``seed_demo --scale 20`` (budgets are for PostgreSQL). A database that already
holds the bulk data (kept with ``--keepdb``) is used as it is.

Each page is fetched by a signed-in client, as a browser would. ``prepare`` also fetches every page once with
its queries captured: the count is added to the scenario's name ("[9 q]") and printed, the same page is
compared with the smallest agency's or a short history's (the count must not grow with the data), and with
``CONTRACTS_BENCH_EXPLAIN=1`` on PostgreSQL the slowest query of each page is shown with EXPLAIN ANALYZE.
"""

from __future__ import annotations

import io
import os
import time

from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from benchmarks.harness import Scenario, signed_in_client
from core import bulk

UNITS_PER_SCALE = 100  # a unit of seed_demo --scale is 1,000 workers and 2,000 contracts
PER_SCALE = {"workers": 100_000, "contracts": 200_000, "job_orders": 2_500}  # what one scale here loads
SQLITE_DIVISOR = 20
BATCH = bulk.BATCH
BUDGET = 0.15
REPEAT = 15
MALUTI = "LS-2015/00412"  # the demo's licensed agency (seed_demo); its staff user is "maluti"
YEARS_BACK = 5  # about how far back the register goes (the South African agreement is in force since April 2022)
DISTRICTS = ["maseru", "berea", "leribe", "mafeteng", "mohales_hoek", "quthing", "qachas_nek", "mokhotlong", "thaba_tseka",
             "butha_buthe"]

_PREPARED: dict[int, dict] = {}


# --- Writing many rows: core.bulk's, under the names the other scenarios use ---------------------------------------------


def _write(model, columns: list[str], rows: list[tuple]) -> None:
    """Insert ``rows`` (values of ``columns``, attnames): COPY on PostgreSQL, batched INSERTs elsewhere."""
    table = bulk.Table(model, columns)
    for row in rows:
        table.add(row)
    table.flush()


IndexesSetAside = bulk.IndexesSetAside
_next_id = bulk.next_id
_reset_sequences = bulk.reset_sequences


def _skip_foreign_key_triggers() -> None:
    if not bulk.skip_foreign_key_checks() and connection.vendor == "postgresql":
        print("contracts benchmark: foreign-key checks stay on (not a superuser)")


# --- The data -----------------------------------------------------------------------------------------------------------


def units_for(scale: int) -> int:
    """``seed_demo --scale`` for this benchmark's scale."""
    if connection.vendor == "postgresql":
        return max(2, UNITS_PER_SCALE * scale)
    return min(max(2, UNITS_PER_SCALE * scale // SQLITE_DIVISOR), bulk.SQLITE_MAX_SCALE)


def _user(username: str, role: str, agency=None):
    from django.contrib.auth.models import Group

    from agencies.models import AgencyMembership
    from core.models import User

    user, created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@bench.invalid"})
    if created:
        user.groups.add(Group.objects.get(name=role))
        if agency is not None:
            AgencyMembership.objects.create(user=user, agency=agency)
    return user


def _load(scale: int) -> list[str]:
    """seed_demo at this scale (the plain demo, then the bulk data once); its report of the bulk load."""
    output = io.StringIO()
    call_command("seed_demo", scale=units_for(scale), stdout=output)
    return [line for line in output.getvalue().splitlines() if line.startswith("bulk") or "already here" in line]


def _find(scale: int) -> dict:
    """The pages' users and records in the loaded data."""
    from django.db.models import Count

    from agencies.models import Agency, AgencyStatus
    from contracts.models import Contract, JobOrder
    from core.access import Role
    from core.models import User
    from workers.models import Worker

    maluti = Agency.objects.get(registration_number=MALUTI)
    agency_user = User.objects.get(username="maluti")
    registrar = User.objects.get(username="registrar")
    # The smallest agency with contracts, and a staff login for it: its pages must take as many queries as Maluti's.
    # An active account only: a disabled agency's staff are refused every page.
    smallest = (Contract.objects.filter(agency__status=AgencyStatus.ACTIVE).values("agency").annotate(n=Count("pk"))
                .order_by("n", "agency").values_list("agency", "n").first())
    small = Agency.objects.get(pk=smallest[0])
    small_user = _user(f"bench_small_{small.pk}", Role.AGENCY_STAFF, small)  # one per agency: --keepdb keeps users
    target = (Contract.objects.filter(agency=maluti, status="deployed", worker__passport_number__startswith="RB")
              .select_related("worker").order_by("-created_at", "-pk").first())
    short = (Contract.objects.filter(agency=maluti, status="submitted").order_by("-created_at", "-pk")
             .values_list("pk", flat=True).first())
    assert target is not None and short is not None, "no deployed and no submitted Maluti contract: raise the scale"
    worker = target.worker
    prefix = worker.last_name[:4]
    statuses = dict(Contract.objects.values_list("status").annotate(n=Count("pk")).order_by())
    return {
        "users": {"registrar": registrar, "agency": agency_user, "small": small_user},
        "urls": {
            "list": "/contracts/",
            "submitted": "/contracts/?status=submitted",
            "national_id": f"/contracts/?q={worker.national_id.lower()}",
            "passport": f"/contracts/?q={worker.passport_number}",
            "reference": f"/contracts/?q={target.reference}",
            "name": f"/contracts/?q={prefix}",
            "job_orders": "/contracts/job-orders/",
            "detail": f"/contracts/{target.pk}/",
            "detail_short": f"/contracts/{short}/",
        },
        "expect": {"target": target.reference, "name": prefix},
        "sizes": {
            "workers": Worker.objects.count(),
            "contracts": sum(statuses.values()),
            "job_orders": JobOrder.objects.count(),
            "agencies": Agency.objects.count(),
            "statuses": statuses,
            "small": (str(small), smallest[1]),
        },
    }


def _vacuum() -> None:
    """The visibility map of the big tables the pages read, as autovacuum would leave it (index-only scans)."""
    if connection.vendor != "postgresql":
        return
    from django_fsm_log.models import StateLog

    from contracts.models import Contract, DeploymentClearance, JobOrder
    from workers.models import AgencyWorker, Worker

    tables = [model._meta.db_table for model in (Worker, AgencyWorker, Contract, Contract.history.model, DeploymentClearance,
                                                 StateLog, JobOrder)]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")


def _client_for(user) -> Client:
    return signed_in_client(user)


# --- Scenarios ------------------------------------------------------------------------------------------------------------

# (name, who, url key, text the page must contain: a key of state["expect"] or None)
PAGES = [
    ("contracts: list, registrar", "registrar", "list", None),
    ("contracts: list ?status=submitted", "registrar", "submitted", None),
    ("contracts: search national ID", "registrar", "national_id", "target"),
    ("contracts: search passport", "registrar", "passport", "target"),
    ("contracts: search reference", "registrar", "reference", "target"),
    ("contracts: search last-name prefix", "registrar", "name", None),
    ("contracts: list, agency staff", "agency", "list", None),
    ("contracts: search name, agency staff", "agency", "name", None),
    ("contracts: job orders, registrar", "registrar", "job_orders", None),
    ("contracts: job orders, agency staff", "agency", "job_orders", None),
    ("contracts: detail, deployed + history", "registrar", "detail", "target"),
]


def _fetch(state: dict, who: str, url_key: str, expect: str | None):
    response = state["clients"][who].get(state["urls"][url_key])
    assert response.status_code == 200, (state["urls"][url_key], response.status_code)
    if expect is not None:
        assert state["expect"][expect].encode() in response.content, (state["urls"][url_key], state["expect"][expect])
    return response


def _count(state: dict, who: str, url_key: str, expect: str | None = None) -> tuple[int, dict, float, float, float]:
    """The page's number of queries, its slowest query, the time in SQL, this process's CPU time and the whole time."""
    # The query log keeps 9,000 entries: once preparing the data filled it, counting by its length gives 0.
    connection.queries_log.clear()
    started, cpu = time.perf_counter(), time.process_time()
    with CaptureQueriesContext(connection) as captured:
        _fetch(state, who, url_key, expect)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    slowest = max(captured.captured_queries, key=lambda query: float(query["time"]), default={"sql": "", "time": "0"})
    return len(captured), slowest, sum(float(query["time"]) for query in captured.captured_queries), cpu, elapsed


def _explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def _probe(state: dict) -> None:
    """Fetch every page once with its queries counted; compare with a small agency and a short history."""
    explain = os.environ.get("CONTRACTS_BENCH_EXPLAIN") == "1" and connection.vendor == "postgresql"
    for scenario, (name, who, url_key, expect) in zip(SCENARIOS, PAGES, strict=True):
        _count(state, who, url_key, expect)  # the first fetch compiles templates and warms the caches
        count, slowest, in_sql, cpu, elapsed = _count(state, who, url_key, expect)
        scenario.name = f"{name} [{count} q]"
        state["queries"][name] = count
        print(f"{name}: {count} queries; {elapsed * 1000:.0f} ms, of which SQL {in_sql * 1000:.0f} ms, "
              f"Python CPU {cpu * 1000:.0f} ms; slowest query {float(slowest['time']) * 1000:.0f} ms: {slowest['sql'][:80]}")
        if explain and slowest["sql"]:
            print(f"EXPLAIN ANALYZE of the slowest query of {name}:\n{slowest['sql']}\n{_explain(slowest['sql'])}\n")
    checks = [
        ("contract list of agency staff", ("agency", "list"), ("small", "list")),
        ("job-order list of agency staff", ("agency", "job_orders"), ("small", "job_orders")),
        ("contract detail (4 vs 1 transitions)", ("registrar", "detail"), ("registrar", "detail_short")),
    ]
    for label, big, little in checks:
        many, few = _count(state, *big)[0], _count(state, *little)[0]
        verdict = "constant" if many == few else "GROWS WITH THE DATA"
        print(f"queries, {label}: {many} at the prepared size, {few} with little data: {verdict}")


def prepare(scale: int) -> dict:
    if scale in _PREPARED:
        return _PREPARED[scale]
    started = time.perf_counter()
    report = _load(scale)
    loaded = time.perf_counter()
    _vacuum()
    vacuumed = time.perf_counter()
    state = _find(scale)
    state["clients"] = {who: _client_for(user) for who, user in state.pop("users").items()}
    state["queries"] = {}
    sizes = state["sizes"]
    statuses = ", ".join(f"{status} {count:,}" for status, count in sorted(sizes["statuses"].items(), key=lambda row: -row[1]))
    print("\n".join(report))
    print(f"contracts data ({connection.vendor}, scale {scale} = seed_demo --scale {units_for(scale)}): "
          f"{sizes['workers']:,} workers, {sizes['contracts']:,} contracts ({statuses}), {sizes['job_orders']:,} job orders, "
          f"{sizes['agencies']} agencies (the smallest with contracts: {sizes['small'][0]}, {sizes['small'][1]}); "
          f"seed_demo {loaded - started:.0f} s, vacuum {vacuumed - loaded:.0f} s")
    _probe(state)
    _PREPARED[scale] = state
    return state


def _scenario(name: str, who: str, url_key: str, expect: str | None) -> Scenario:
    def run(state):
        _fetch(state, who, url_key, expect)

    return Scenario(name, run, budget_seconds=BUDGET, prepare=prepare, repeat=REPEAT)


SCENARIOS = [_scenario(*page) for page in PAGES]
