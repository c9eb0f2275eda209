"""The database settings from DATABASE_URL, or the embedded SQLite file."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def database_settings(
    url: str, sqlite_path: Path, conn_max_age: int = 60, variable: str = "DATABASE_URL", parallel_workers: int | None = None
) -> dict:
    """``parallel_workers``: on PostgreSQL, at most this many helper processes per query (max_parallel_workers_per_gather);
    None leaves the server's own setting."""
    if url:
        try:
            # A reused connection is checked before its first use in each request, so one
            # that died (database restarted, failed over) is replaced instead of failing a page.
            database = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=conn_max_age > 0)
        except Exception as error:  # dj-database-url raises several kinds
            raise ImproperlyConfigured(f"The environment variable {variable} is not a valid database URL: {error}") from None
        if not database.get("ENGINE"):
            raise ImproperlyConfigured(f"The environment variable {variable} names an unknown database engine.")
    else:
        sqlite_path.parent.mkdir(exist_ok=True)
        database = {"ENGINE": "django.db.backends.sqlite3", "NAME": sqlite_path}
    if parallel_workers is not None and database["ENGINE"] == "django.db.backends.postgresql":
        options = database.setdefault("OPTIONS", {})
        given = options.get("options", "")
        options["options"] = f"{given} -c max_parallel_workers_per_gather={parallel_workers}".strip()
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # The web server and the task worker share the file: WAL lets readers and
        # one writer work side by side, and the busy timeout makes a writer wait
        # for the lock instead of failing at once.
        database["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return database
