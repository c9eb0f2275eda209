"""`make load`: the HTTP load test. gunicorn on 127.0.0.1, driven by locust from a second process.

    python -m benchmarks.load [--duration 180] [--users 20] [--web-workers 2×CPUs+1] [--scale 1] [--keep]
    python -m benchmarks.load --existing    # against DATABASE_URL's own database, loaded before (seed_demo --scale 1000)

It builds a throw-away database (``load_<pid>`` on the PostgreSQL server of
DATABASE_URL, or a temporary SQLite file without it), migrates it and loads
the demo (``seed_demo --scale N``), starts gunicorn with N worker processes,
and runs locust headless against it: every demo role signs in through the
form (passing the second step with backup codes) and walks its own pages
(dashboard, lists, detail pages), while the public checks the register and
verifies licences and clearances at the pace the rate limits allow one
address. It prints requests per second, errors, and the median and 95th
percentile per page, writes them as JSON (--json), and fails unless there
are no errors and every page's 95th percentile is under the budget. The
latencies count from when every person has arrived (locust --reset-stats):
the first seconds, when twenty people sign in at once and the password hash
holds both CPUs, are the ramp, not the load. The errors count the whole run.

While the people walk their pages, a task worker (``manage.py db_worker``,
benchmarks/load_worker.py) drains the SMS outbox through the real Twilio
backend to a local stand-in of Twilio's HTTP API (never the internet), and
every minute a bulk notice of --sms-per-minute messages is queued to demo
workers. At the end the test waits for the outbox to drain and fails if any
of those messages is still queued or sending.

The 30-minute soak is the same with ``--duration 1800``. The web processes'
and the task worker's memory (RSS) are sampled every minute; in a run of ten
minutes or more, each must end within MEMORY_GROWTH_BOUND (10%) of its size
after the first five minutes (the warm-up: imports, caches and connections
that any long-lived process fills once).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_P95_MS = 300
MEMORY_GROWTH_BOUND = 0.10  # the soak's leak check: end RSS at most 10% above the RSS after the warm-up
WARM_UP_SECONDS = 300
DRAIN_WAIT_SECONDS = 180  # after the load, how long the outbox may take to empty
EXTRA_BACKUP_CODES = 400  # per ministry login: each simulated user signs in once and spends one
# The demo's logins (core/demo.py, agencies/demo.py), all with the demo password.
MINISTRY_USERS = ["admin", "licensing", "registrar", "trainer", "inspector", "chief", "analyst"]
AGENCY_USERS = ["maluti", "senqu", "leribe"]

# Each role's own pages: its dashboard, its lists, and (with "{workers}" and the like) detail pages it may see.
# tests/test_load_mix.py opens each as a user of that role: a page the role may not see fails there, not under load.
PAGES = {
    "admin": ["/my-work/", "/users/", "/sms/outbox/", "/sms/texts/", "/agencies/"],
    "licensing": ["/my-work/", "/agencies/", "/agencies/applications/", "/agencies/{agencies}/"],
    "registrar": [
        "/my-work/",
        "/contracts/",
        "/workers/",
        "/contracts/{contracts}/",
        "/workers/{workers}/",
        "/contracts/agreements/",
    ],
    "trainer": ["/my-work/", "/training/sessions/", "/training/courses/"],
    "inspector": ["/my-work/", "/inspections/audits/"],
    "chief": ["/my-work/", "/inspections/audits/", "/inspections/risk/", "/inspections/plans/"],
    # Analysts see no personal details: the reports, agreements, agencies and audits, never the contract list.
    "analyst": ["/my-work/", "/reports/", "/contracts/agreements/", "/agencies/", "/inspections/audits/"],
    "agency": ["/my-work/", "/workers/", "/contracts/", "/workers/{workers}/", "/contracts/{contracts}/"],
}

PREPARE = """
import json, secrets
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from agencies.models import Agency, Licence
from contracts.models import Contract, DeploymentClearance
from core.models import User
from workers.models import Worker

codes = {}
for user in User.objects.filter(username__in=USERS):
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        continue  # no second step for this login
    mine = [secrets.token_hex(6) for _ in range(COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in mine)
    codes[user.username] = mine

def ids(queryset, n=20):
    return list(queryset.order_by("-pk").values_list("pk", flat=True)[:n])

# Each login's detail pages are records it may see: agency staff their own agency's.
visible = {
    user.username: {
        "agencies": ids(Agency.objects.visible_to(user)),
        "workers": ids(Worker.objects.visible_to(user)),
        "contracts": ids(Contract.objects.visible_to(user)),
    }
    for user in User.objects.filter(username__in=USERS)
}
from notifications.models import OutboundSms

from django.utils import timezone

print(json.dumps({
    "outbox_before": OutboundSms.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
    # Messages already due when the load starts (the bulk data holds some): the worker sends them first.
    "backlog": OutboundSms.objects.filter(status="queued", next_attempt_at__lte=timezone.now()).count(),
    "codes": codes,
    "visible": visible,
    "licence_tokens": list(Licence.objects.values_list("public_token", flat=True)[:20]),
    "clearance_tokens": list(DeploymentClearance.objects.values_list("public_token", flat=True)[:20]),
}))
"""

VACUUM = """
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE")
"""

# A bulk notice of COUNT messages to ROUND's slice of the demo's workers who agreed to SMS (the same test text a ministry sends).
QUEUE_SMS = """
from notifications.services import Recipient, notify_many
from workers.models import Worker

agreed = Worker.objects.filter(sms_consent=True).exclude(mobile="").order_by("pk")
total = agreed.count()
start = (ROUND * COUNT) % max(total, 1)
chosen = list(agreed.values_list("pk", "mobile", "preferred_language")[start:start + COUNT])
# A small demo has fewer such workers than COUNT: some get the notice twice.
chosen = [chosen[n % len(chosen)] for n in range(COUNT)] if chosen else []
recipients = [Recipient(str(mobile), language, worker_id=pk) for pk, mobile, language in chosen]
print(notify_many(template="system.test", recipients=recipients))
"""

# The messages the load queued, by status.
OUTBOX = """
import json
from django.db.models import Count
from notifications.models import OutboundSms

mine = OutboundSms.objects.filter(pk__gt=BEFORE, template_key="system.test").order_by()
print(json.dumps(dict(mine.values_list("status").annotate(count=Count("*")))))
"""
UNFINISHED = ("queued", "sending", "unconfirmed")

# How many messages the worker sent (any template) since a moment, for the rate it reached.
SENT_SINCE = """
import datetime
from notifications.models import OutboundSms

print(OutboundSms.objects.filter(sent_at__gte=datetime.datetime.fromtimestamp(SINCE, datetime.UTC)).count())
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(command: list[str], env: dict, timeout: float = 1800) -> str:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-2000:] + result.stderr[-4000:])
        raise SystemExit(f"failed: {' '.join(command[:4])}")
    return result.stdout


def rss_kib(pids: list[int]) -> int:
    """Resident memory of these processes, added up (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def process_tree(pid: int) -> list[int]:
    """The gunicorn master and its workers."""
    children = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            children.append(int(status.parent.name))
    return [pid, *children]


class Database:
    """A database of the load test's own, dropped at the end unless --keep."""

    def __init__(self, url: str, keep: bool):
        self.keep = keep
        self.name = f"load_{os.getpid()}"
        self.admin = None
        if url.startswith(("postgres://", "postgresql://")):
            import dj_database_url
            import psycopg

            settings = dj_database_url.parse(url)
            self.admin = dict(
                host=settings["HOST"] or "127.0.0.1",
                port=settings["PORT"] or 5432,
                user=settings["USER"],
                password=settings["PASSWORD"] or None,
                dbname="postgres",
                autocommit=True,
            )
            with psycopg.connect(**self.admin) as connection:
                connection.execute(f'CREATE DATABASE "{self.name}"')
            self.url = url.rsplit("/", 1)[0] + f"/{self.name}"
            self.engine = "postgresql"
        else:
            self.folder = tempfile.mkdtemp(prefix="lms-load-")
            self.url = f"sqlite:///{self.folder}/db.sqlite3"
            self.engine = "sqlite"

    def drop(self) -> None:
        if self.keep:
            print(f"kept the database: {self.url}")
            return
        if self.admin:
            import psycopg

            with psycopg.connect(**self.admin) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        else:
            import shutil

            shutil.rmtree(self.folder, ignore_errors=True)


class Existing:
    """DATABASE_URL's own database, loaded before (``--existing``): used as it is and kept. The run adds its backup
    codes and its SMS to it."""

    def __init__(self, url: str):
        if not url.startswith(("postgres://", "postgresql://")):
            raise SystemExit("--existing needs DATABASE_URL to name a PostgreSQL database that is migrated and seeded")
        self.url, self.engine = url, "postgresql"

    def drop(self) -> None:
        pass


def read_stats(prefix: Path) -> list[dict]:
    with open(f"{prefix}_stats.csv", newline="") as stream:
        return list(csv.DictReader(stream))


class Background(threading.Thread):
    """Once a minute during the load: queue a bulk notice, and sample the web processes' and the worker's memory."""

    def __init__(self, env: dict, per_minute: int, web: subprocess.Popen, worker: subprocess.Popen):
        super().__init__(daemon=True)
        self.env, self.per_minute, self.web, self.worker = env, per_minute, web, worker
        self.stop = threading.Event()
        self.queued = 0
        self.samples: list[dict] = []  # {"second", "web_kib", "worker_kib"}

    def run(self) -> None:
        started = time.monotonic()
        round_number = 0
        while not self.stop.is_set():
            if self.per_minute:
                script = QUEUE_SMS.replace("ROUND", str(round_number)).replace("COUNT", str(self.per_minute))
                self.queued += int(run([sys.executable, "manage.py", "shell", "-c", script], self.env).split()[-1])
            round_number += 1
            self.samples.append(
                {
                    "second": round(time.monotonic() - started),
                    "web_kib": rss_kib(process_tree(self.web.pid)),
                    "worker_kib": rss_kib([self.worker.pid]),
                }
            )
            self.stop.wait(60 - (time.monotonic() - started) % 60)


def outbox(env: dict, before: int) -> dict[str, int]:
    printed = run([sys.executable, "manage.py", "shell", "-c", OUTBOX.replace("BEFORE", str(before))], env)
    return json.loads(printed.strip().splitlines()[-1])


def wait_for_drain(env: dict, before: int, extra_seconds: float = 0) -> dict[str, int]:
    """The statuses of the load's messages once none is queued or sending (or when DRAIN_WAIT_SECONDS, and
    ``extra_seconds`` for a backlog that was due before the load, have passed)."""
    deadline = time.monotonic() + DRAIN_WAIT_SECONDS + extra_seconds
    while True:
        statuses = outbox(env, before)
        if not any(statuses.get(status) for status in UNFINISHED) or time.monotonic() > deadline:
            return statuses
        time.sleep(5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=180, help="seconds of load (the soak: 1800)")
    parser.add_argument("--users", type=int, default=20, help="simulated people at once (closed loop)")
    parser.add_argument("--web-workers", type=int, default=(os.cpu_count() or 1) * 2 + 1, help="gunicorn worker processes")
    parser.add_argument("--scale", type=int, default=1, help="seed_demo --scale of the load database")
    parser.add_argument("--sms-per-minute", type=int, default=300, help="SMS queued each minute for the worker to drain")
    parser.add_argument(
        "--sms-rate", type=int, default=10, help="the worker's SMS_RATE_PER_SECOND (10, the default of the settings)"
    )
    parser.add_argument("--json", type=Path, default=ROOT / "var" / "load.json", help="where to write the results")
    parser.add_argument("--keep", action="store_true", help="keep the load database afterwards")
    parser.add_argument(
        "--existing",
        action="store_true",
        help="use DATABASE_URL's database as it is, migrated and seeded before (the million-worker data), and keep it",
    )
    options = parser.parse_args()
    if options.duration < 5 or options.users < 1 or options.web_workers < 1 or options.scale < 1:
        parser.error("--duration must be 5 or more; --users, --web-workers and --scale 1 or more")
    if options.sms_per_minute < 0:
        parser.error("--sms-per-minute must be 0 or more")
    if options.sms_rate < 1:
        parser.error("--sms-rate must be 1 or more")

    from benchmarks.scenarios.sms import ACCOUNT_SID, start_stand_in

    url = os.environ.get("DATABASE_URL", "")
    database = Existing(url) if options.existing else Database(url, options.keep)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": database.url,
        "SMS_BACKEND": "console",
        "TASKS_BACKEND": "database",
        "PYTHONUNBUFFERED": "1",
    }
    web = worker = background = None
    work = Path(tempfile.mkdtemp(prefix="lms-load-results-"))
    try:
        if options.existing:
            print(f"--- using the database as it is ({database.engine})", flush=True)
        else:
            print(f"--- preparing the load database ({database.engine}, seed_demo --scale {options.scale})", flush=True)
            run([sys.executable, "manage.py", "migrate", "--noinput"], env)
            run([sys.executable, "manage.py", "seed_demo", "--scale", str(options.scale)], env)
        # The tables as autovacuum leaves them in service. Just loaded, a table has no visibility map, so each
        # index-only scan reads the table's rows as well (the risk ranking's count of deployed workers: 0.9 s instead of
        # 40 ms); a server for tests may run without autovacuum, and where it runs this finds little left to do.
        print("--- vacuuming (VACUUM (ANALYZE), as autovacuum would leave the tables)", flush=True)
        began = time.monotonic()
        run([sys.executable, "manage.py", "shell", "-c", VACUUM], env, timeout=3600)
        print(f"    {time.monotonic() - began:.0f} s", flush=True)
        # The home page's figures as the scheduled job keeps them in service: computed afresh just before the timed
        # window (DASHBOARD_FIGURES_SECONDS=0 for this one run: 16 s per agreement and language at two million
        # contracts), so that no refresh falls inside a run shorter than DASHBOARD_FIGURES_SECONDS by chance. The
        # hourly refresh's own cost is measured apart (BENCHMARKS.md).
        print("--- computing the dashboard's figures (reports.refresh_dashboard)", flush=True)
        refresh = [sys.executable, "manage.py", "run_scheduled_jobs", "--only", "reports.refresh_dashboard"]
        run(refresh, {**env, "DASHBOARD_FIGURES_SECONDS": "0"})
        script = PREPARE.replace("USERS", repr(MINISTRY_USERS + AGENCY_USERS)).replace("COUNT", str(EXTRA_BACKUP_CODES))
        plan = json.loads(run([sys.executable, "manage.py", "shell", "-c", script], env).strip().splitlines()[-1])
        (work / "plan.json").write_text(json.dumps(plan))

        port = free_port()
        web_log = open(work / "gunicorn.log", "w")  # noqa: SIM115 - closed at the end
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(options.web_workers),
            ],
            cwd=ROOT,
            env=env,
            stdout=web_log,
            stderr=web_log,
            start_new_session=True,
        )
        # The task worker sends through the real Twilio backend to the stand-in (its own process).
        sms_env = {
            **env,
            "SMS_BACKEND": "twilio",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": "load-test-token",
            "TWILIO_MESSAGING_SERVICE_SID": "MG" + "4" * 32,
            "LOAD_TWILIO_URL": start_stand_in(),
            "SMS_RATE_PER_SECOND": str(options.sms_rate),
        }
        # Sent from now on, by the worker (the backlog first: it was due earlier), for the rate it reaches.
        sms_started = time.time()
        worker_log = open(work / "worker.log", "w")  # noqa: SIM115 - closed at the end
        worker = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.load_worker"],
            cwd=ROOT,
            env=sms_env,
            stdout=worker_log,
            stderr=worker_log,
            start_new_session=True,
        )
        wait_for(port, web)
        time.sleep(1)  # let every gunicorn worker finish importing
        rss_start = rss_kib(process_tree(web.pid))
        print(
            f"--- load: {options.users} users for {options.duration} s on gunicorn x{options.web_workers}, "
            f"{options.sms_per_minute} SMS a minute drained by a task worker",
            flush=True,
        )
        background = Background(env, options.sms_per_minute, web, worker)
        background.start()
        locust = [
            sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless",
            "--host", f"http://127.0.0.1:{port}", "--users", str(options.users),
            "--spawn-rate", "2", "--run-time", f"{options.duration}s", "--reset-stats",
            "--csv", str(work / "load"), "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
        ]  # fmt: skip
        tally_file = work / "tally.json"
        locust_env = {**os.environ, "LOAD_PLAN": str(work / "plan.json"), "LOAD_TALLY": str(tally_file)}
        subprocess.run(locust, cwd=ROOT, env=locust_env, check=True)
        tally = json.loads(tally_file.read_text())
        background.stop.set()
        background.join()
        memory = {
            "web_start": rss_start,
            "web_end": rss_kib(process_tree(web.pid)),
            "worker_end": rss_kib([worker.pid]),
            "samples": background.samples,
        }
        if worker.poll() is not None:
            raise SystemExit(f"the task worker stopped during the load; see {work / 'worker.log'}")
        # A backlog due before the load (the million-worker data holds a few thousand queued messages) is sent first,
        # oldest due first, at the configured rate: the wait allows for it.
        backlog_seconds = plan["backlog"] / options.sms_rate
        statuses = wait_for_drain(env, plan["outbox_before"], extra_seconds=backlog_seconds)
        sending_seconds = time.time() - sms_started
        sent_script = SENT_SINCE.replace("SINCE", str(sms_started))
        sent = int(run([sys.executable, "manage.py", "shell", "-c", sent_script], env).split()[-1])
        sms = {"queued": background.queued, "statuses": statuses, "backlog": plan["backlog"], "rate": options.sms_rate,
               "sent_per_second": round(sent / sending_seconds, 1)}
        rows = read_stats(work / "load")
    finally:
        if background is not None:
            background.stop.set()
        for process in (web, worker):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
        database.drop()

    return report(rows, options, database.engine, memory, sms, tally)


def wait_for(port: int, process: subprocess.Popen) -> None:
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn stopped while starting")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer within a minute")


def memory_growth(samples: list[dict], end_kib: int, key: str) -> float | None:
    """How much the processes grew from the first sample after the warm-up to the end (0.05 = 5%); None in a run
    too short to have a warm-up and an end apart."""
    warm = next((sample for sample in samples if sample["second"] >= WARM_UP_SECONDS), None)
    if warm is None or samples[-1]["second"] < 2 * WARM_UP_SECONDS or not warm[key]:
        return None
    return (end_kib - warm[key]) / warm[key]


def report(rows: list[dict], options, engine: str, memory: dict, sms: dict, tally: dict) -> int:
    """``rows``: locust's statistics from when every person had arrived (the latencies); ``tally``: every request of
    the whole run, sign-ins included (the errors)."""
    pages = [row for row in rows if row["Name"] != "Aggregated"]
    total = next(row for row in rows if row["Name"] == "Aggregated")
    statuses = sms["statuses"]
    growth = {
        "web": memory_growth(memory["samples"], memory["web_end"], "web_kib"),
        "worker": memory_growth(memory["samples"], memory["worker_end"], "worker_kib"),
    }
    results = {
        "engine": engine,
        "scale": "existing database" if options.existing else options.scale,
        "duration_seconds": options.duration,
        "users": options.users,
        "web_workers": options.web_workers,
        "cpus": os.cpu_count(),
        "requests": int(total["Request Count"]),
        "requests_whole_run": tally["requests"],
        "errors": tally["errors"],
        "error_examples": tally["failures"],
        "requests_per_second": round(float(total["Requests/s"]), 1),
        "p50_ms": float(total["50%"]),
        "p95_ms": float(total["95%"]),
        "web_rss_mib_start": round(memory["web_start"] / 1024, 1),
        "web_rss_mib_end": round(memory["web_end"] / 1024, 1),
        "worker_rss_mib_end": round(memory["worker_end"] / 1024, 1),
        "memory_samples_mib": [
            {"second": sample["second"], **{name: round(sample[f"{name}_kib"] / 1024, 1) for name in ("web", "worker")}}
            for sample in memory["samples"]
        ],
        "memory_growth_after_warm_up": growth,
        "memory_growth_bound": MEMORY_GROWTH_BOUND,
        "sms_queued": sms["queued"],
        "sms_backlog_due_at_start": sms["backlog"],
        "sms_rate_per_second": sms["rate"],
        "sms_sent_per_second": sms["sent_per_second"],
        "sms_statuses": statuses,
        "sms_left_in_outbox": sum(statuses.get(status, 0) for status in UNFINISHED),
        "budget_p95_ms": BUDGET_P95_MS,
        "pages": [
            {
                "page": row["Name"],
                "requests": int(row["Request Count"]),
                "errors": int(row["Failure Count"]),
                "p50_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
            }
            for row in sorted(pages, key=lambda row: row["Name"])
        ],
    }
    # Signing in is slow on purpose (the password hash costs a few hundred milliseconds of CPU): it is shown, not budgeted.
    over = [page for page in results["pages"] if page["p95_ms"] >= BUDGET_P95_MS and not page["page"].startswith("sign in")]
    grew = [name for name, value in growth.items() if value is not None and value > MEMORY_GROWTH_BOUND]
    drained = results["sms_left_in_outbox"] == 0 and sum(statuses.values()) == sms["queued"]
    results["within_budget"] = results["errors"] == 0 and not over and not grew and drained
    options.json.parent.mkdir(parents=True, exist_ok=True)
    options.json.write_text(json.dumps(results, indent=2))

    print(f"engine: {engine}   scale: {results['scale']}   gunicorn workers: {options.web_workers}   cpus: {os.cpu_count()}")
    print("latencies from when every person had arrived (after the sign-ins); errors over the whole run")
    print(f"{'page':<44} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8}")
    print("-" * 80)
    for page in results["pages"]:
        flag = "  OVER BUDGET" if page in over else ""
        print(f"{page['page']:<44} {page['requests']:>9} {page['errors']:>7} {page['p50_ms']:>8.0f} {page['p95_ms']:>8.0f}{flag}")
    print("-" * 80)
    print(
        f"{'all pages':<44} {results['requests']:>9} {int(total['Failure Count']):>7} "
        f"{results['p50_ms']:>8.0f} {results['p95_ms']:>8.0f}"
    )
    print(f"requests/s: {results['requests_per_second']}   budget: zero errors, p95 < {BUDGET_P95_MS} ms (sign-in not budgeted)")
    print(f"whole run, sign-ins included: {results['requests_whole_run']} requests, {results['errors']} errors")
    for example in results["error_examples"]:
        print(f"  error: {example}")
    start, end = results["web_rss_mib_start"], results["web_rss_mib_end"]
    print(f"web processes' memory (RSS): {start} MiB at the start, {end} MiB at the end")
    for name, value in growth.items():
        if value is None:
            print(f"{name} memory after the warm-up: not judged (a run of {2 * WARM_UP_SECONDS} s or more is)")
        else:
            flag = "  OVER THE BOUND" if name in grew else ""
            print(f"{name} memory after the warm-up: {value:+.1%} (bound {MEMORY_GROWTH_BOUND:.0%}){flag}")
    shown = ", ".join(f"{status} {count}" for status, count in sorted(statuses.items())) or "none"
    drain_flag = "" if drained else "  NOT DRAINED"
    print(f"SMS: {sms['queued']} queued during the load; in the outbox at the end: {shown}{drain_flag}")
    print(
        f"SMS: {sms['backlog']} already due when the load started (sent first); the worker sent "
        f"{sms['sent_per_second']} a second, at most SMS_RATE_PER_SECOND={sms['rate']}"
    )
    print(f"results: {options.json}")
    print("verdict:", "ok" if results["within_budget"] else "OVER BUDGET")
    return 0 if results["within_budget"] else 1


if __name__ == "__main__":
    sys.exit(main())
