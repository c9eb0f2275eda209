"""Two web processes and two task workers against one PostgreSQL and one Redis, as in production.

The processes are real (gunicorn, ``manage.py db_worker``) and share nothing but
the database and Redis: a session begun on one web process is honoured, and
ended, on the other; both answer the same pages; and a bulk SMS queued once is
sent exactly once, by both workers together (SKIP LOCKED claims).

The processes cannot see pytest-django's test database (its transactions
never commit), so the test makes a PostgreSQL database of its own, migrates
it in a subprocess, and drops it at the end.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import REDIS_ADDRESS

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 3000
DEADLINE_SECONDS = 150  # the whole test, migrations included, stays under three minutes

pytestmark = [pytest.mark.needs("postgresql"), pytest.mark.needs("redis")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def admin_connection():
    import psycopg

    database = settings.DATABASES["default"]
    return psycopg.connect(
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or 5432,
        user=database["USER"],
        password=database["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


@pytest.fixture
def own_database():
    """A database of this test's own, committed to for real, dropped at the end; yields its URL."""
    database = settings.DATABASES["default"]
    name = f"scaleout_{os.getpid()}"
    with admin_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    host, port = database["HOST"] or "127.0.0.1", database["PORT"] or 5432
    try:
        yield f"postgres://{database['USER']}{password}@{host}:{port}/{name}"
    finally:
        with admin_connection() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def environment(database_url: str, redis_db: int) -> dict:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "SMS_", "TASKS_", "REDIS_"))}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://{REDIS_ADDRESS[0]}:{REDIS_ADDRESS[1]}/{redis_db}",
        "CACHE_KEY_PREFIX": f"scaleout-{os.getpid()}",
        "TASKS_BACKEND": "database",
        # The console backend prints each message with its provider reference on the worker's own output.
        "SMS_BACKEND": "console",
        "SMS_BATCH_SIZE": "20",
        "SMS_RATE_PER_SECOND": "100000",
        "PYTHONUNBUFFERED": "1",
    }


def manage(env: dict, *args: str, timeout: float = 90) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


SEED = """
from tests.factories import AgencyStaffFactory, TEST_PASSWORD
AgencyStaffFactory(username="scaleout-staff", first_name="Palesa", last_name="Mokoena")
print(TEST_PASSWORD)
"""

QUEUE_BULK_SMS = f"""
from notifications.services import Recipient, notify_many
from notifications.tasks import drain_outbox
recipients = [Recipient(to=f"+2665{{index:07d}}", language="st" if index % 3 else "en") for index in range({MESSAGES})]
print(notify_many(template="system.test", recipients=recipients))
# notify_many kicks one drain, which hands over to the next as it goes; a few more kicks (as the sweeper and
# other notices give in production) let both workers drain side by side.
for _ in range(3):
    drain_outbox.enqueue()
"""


def wait_until_answering(port: int, process: subprocess.Popen, deadline: float) -> None:
    import requests

    while time.monotonic() < deadline:
        assert process.poll() is None, f"the process on port {port} stopped"
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise AssertionError(f"nothing answered on 127.0.0.1:{port} in time")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def outbox_rows(database_url: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(database_url) as connection:
        return connection.execute("SELECT status, attempts, provider_id FROM notifications_outboundsms").fetchall()


def test_two_web_processes_and_two_workers_share_sessions_and_send_every_sms_once(own_database, tmp_path):
    import psycopg
    import requests

    started = time.monotonic()
    deadline = started + DEADLINE_SECONDS
    env = environment(own_database, redis_db=14)
    manage(env, "migrate", "--noinput", timeout=120)
    password = manage(env, "shell", "-c", SEED).strip().splitlines()[-1]

    ports = [free_port(), free_port()]
    processes: list[subprocess.Popen] = []
    logs = {}
    try:
        for port in ports:
            log = open(tmp_path / f"web-{port}.log", "w")  # noqa: SIM115 - closed with the process
            command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
            processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True))
        for worker in ("worker-a", "worker-b"):
            logs[worker] = tmp_path / f"{worker}.log"
            command = [sys.executable, "manage.py", "db_worker", "--interval", "0.5", "--no-reload", "--worker-id", worker]
            out = open(logs[worker], "w")  # noqa: SIM115 - closed with the process
            processes.append(
                subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            )
        for port, process in zip(ports, processes, strict=False):
            wait_until_answering(port, process, deadline)
        first, second = (f"http://127.0.0.1:{port}" for port in ports)

        # Sign in on the first web process ...
        browser = requests.Session()  # cookies of 127.0.0.1 go to either port, as behind one proxy
        browser.get(f"{first}/account/login/", timeout=10)
        answer = browser.post(
            f"{first}/account/login/",
            data={"username": "scaleout-staff", "password": password, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
            headers={"Referer": f"{first}/account/login/"},
            allow_redirects=False,
            timeout=10,
        )
        assert answer.status_code == 302, answer.text[:2000]
        # ... and the second knows who it is: the session is in Redis and the database, not in a process.
        for base in (second, first, second):
            page = browser.get(f"{base}/my-work/", allow_redirects=False, timeout=10)
            assert page.status_code == 200
            assert "Palesa Mokoena" in page.text

        # Traffic to both: every page answers the same on either process.
        pages = ["/my-work/", "/workers/", "/contracts/", "/register/", "/healthz"]
        for _ in range(3):
            for path in pages:
                answers = [browser.get(f"{base}{path}", allow_redirects=False, timeout=10) for base in (first, second)]
                assert [a.status_code for a in answers] == [200, 200], path
                titles = [re.search(r"<title>(.*?)</title>", a.text, re.S) for a in answers]
                assert [t and t.group(1).strip() for t in titles][0] == [t and t.group(1).strip() for t in titles][1], path

        # A bulk SMS queued once ...
        queued = manage(env, "shell", "-c", QUEUE_BULK_SMS).strip().splitlines()[-1]
        assert int(queued) == MESSAGES
        while time.monotonic() < deadline:
            rows = outbox_rows(own_database)
            if sum(1 for status, _, _ in rows if status != "queued" and status != "sending") == MESSAGES:
                break
            time.sleep(1)
        rows = outbox_rows(own_database)
        # ... is sent exactly once: every row sent on its first attempt, each with its own provider reference.
        assert len(rows) == MESSAGES
        assert {status for status, _, _ in rows} == {"sent"}
        assert {attempts for _, attempts, _ in rows} == {1}
        assert len({provider_id for _, _, provider_id in rows}) == MESSAGES

        # Signing out on the second process ends the session on the first too.
        browser.post(
            f"{second}/account/logout/",
            data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]},
            headers={"Referer": f"{second}/my-work/"},
            timeout=10,
        )
        assert browser.get(f"{first}/my-work/", allow_redirects=False, timeout=10).status_code == 302
    finally:
        stop(processes)

    # Both workers took part, and no message left twice: each worker's own output lists what it handed over.
    handed_over = {}
    for worker, path in logs.items():
        handed_over[worker] = re.findall(r"^SMS to \S+ \[(console-[0-9a-f]+)\]", path.read_text(), re.M)
    assert all(handed_over.values()), {worker: len(refs) for worker, refs in handed_over.items()}
    every = handed_over["worker-a"] + handed_over["worker-b"]
    assert len(every) == len(set(every)) == MESSAGES
    assert set(every) == {provider_id for _, _, provider_id in rows}
    with psycopg.connect(own_database) as connection:
        claimed_by = connection.execute(
            "SELECT DISTINCT jsonb_array_elements_text(worker_ids::jsonb) FROM django_tasks_database_dbtaskresult"
        ).fetchall()
    assert {worker for (worker,) in claimed_by} == {"worker-a", "worker-b"}
    assert time.monotonic() - started < 180
