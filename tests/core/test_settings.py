"""Start-up refuses a wrong or missing setting and names the variable; production passes check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "x" * 30 + "-production-secret-for-tests-0123456789"


CONTROLLED = ("DJANGO_ENV", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")


def run_manage(*args, **env):
    """manage.py in a fresh process, with only the given deployment variables set."""
    environment = {k: v for k, v in os.environ.items() if k not in CONTROLLED}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    command = [sys.executable, "manage.py", *args]
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)


def test_production_refuses_to_start_without_secret_key():
    result = run_manage("check", DJANGO_ENV="production", ALLOWED_HOSTS="register.labour.gov.ls")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = run_manage("check", DJANGO_ENV="production", SECRET_KEY="short", ALLOWED_HOSTS="register.labour.gov.ls")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "50" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_manage("check", DJANGO_ENV="production", SECRET_KEY=GOOD_SECRET)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


@pytest.mark.parametrize(
    "variable,value",
    [
        ("DJANGO_ENV", "staging"),
        ("DJANGO_DEBUG", "maybe"),
        ("EMAIL_PORT", "twenty-five"),
        ("DATABASE_URL", "nonsense://x"),
        ("SMS_BACKEND", "pigeon"),
        ("PUBLIC_BASE_URL", "register.labour.gov.ls"),
        ("DATABASE_PARALLEL_WORKERS", "-1"),
        ("DATABASE_PARALLEL_WORKERS", "two"),
    ],
)
def test_a_wrong_setting_names_its_variable(variable, value):
    extra = {"EMAIL_HOST": "smtp.example.org"} if variable == "EMAIL_PORT" else {}
    result = run_manage("check", **{variable: value}, **extra)
    assert result.returncode != 0
    assert variable in result.stderr


def test_check_deploy_with_production_settings_reports_nothing():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "DEBUG",
        DJANGO_ENV="production",
        SECRET_KEY=GOOD_SECRET,
        ALLOWED_HOSTS="register.labour.gov.ls",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_development_needs_no_variable():
    result = run_manage("check")
    assert result.returncode == 0, result.stderr


def test_embedded_sqlite_uses_wal_and_a_busy_timeout(tmp_path):
    from config.database import database_settings

    database = database_settings("", tmp_path / "db.sqlite3")
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["OPTIONS"]["timeout"] >= 5
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]


def test_database_url_switches_to_postgresql(tmp_path):
    from config.database import database_settings

    database = database_settings("postgres://postgres@127.0.0.1:5432/test", tmp_path / "db.sqlite3")
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["NAME"] == "test" and database["HOST"] == "127.0.0.1"


def test_parallel_workers_are_capped_on_postgresql_only_when_asked(tmp_path):
    from config.database import database_settings

    url = "postgres://postgres@127.0.0.1:5432/test?options=-c%20statement_timeout%3D5000"
    capped = database_settings(url, tmp_path / "db.sqlite3", parallel_workers=0)
    # The URL's own options are kept beside the cap.
    assert capped["OPTIONS"]["options"] == "-c statement_timeout=5000 -c max_parallel_workers_per_gather=0"
    assert "max_parallel" not in database_settings(url, tmp_path / "db.sqlite3").get("OPTIONS", {}).get("options", "")
    assert "options" not in database_settings("", tmp_path / "db.sqlite3", parallel_workers=0)["OPTIONS"]


def test_web_processes_run_each_query_on_one_core():
    # config.wsgi is what gunicorn loads; commands and task workers keep the server's setting.
    code = (
        "import config.wsgi; from django.conf import settings; "
        "print(settings.DATABASE_PARALLEL_WORKERS, settings.DATABASES['default'].get('OPTIONS'))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test"}
    env.pop("DATABASE_PARALLEL_WORKERS", None)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("0 ") and "max_parallel_workers_per_gather=0" in result.stdout
