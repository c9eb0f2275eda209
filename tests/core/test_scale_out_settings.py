"""Scale-out options, environment -> settings: Redis for cache and sessions, object storage, a read replica.

Each option is read by a fresh process with only that variable set, as a deployment would start.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTROLLED = (
    "DJANGO_ENV",
    "DATABASE_URL",
    "DATABASE_REPLICA_URL",
    "REDIS_URL",
    "STORAGE_BUCKET",
    "STORAGE_ENDPOINT_URL",
    "STORAGE_REGION",
    "STORAGE_ACCESS_KEY_ID",
    "STORAGE_SECRET_ACCESS_KEY",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    """Python with Django set up from config.settings, in a fresh process with only the given variables set."""
    environment = {k: v for k, v in os.environ.items() if k not in CONTROLLED}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    script = "import django, json\ndjango.setup()\nfrom django.conf import settings\n" + code
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)


def settings_seen(code: str, **env) -> dict:
    result = run_python(code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


CACHE_AND_SESSIONS = (
    "from django.core.cache import caches\n"
    "print(json.dumps({'cache': settings.CACHES['default']['BACKEND'], 'location': settings.CACHES['default'].get('LOCATION'),"
    " 'sessions': settings.SESSION_ENGINE, 'cache_class': type(caches['default']).__name__}))"
)


def test_without_redis_each_process_keeps_its_own_cache_and_sessions_are_in_the_database():
    seen = settings_seen(CACHE_AND_SESSIONS)
    assert seen["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert seen["sessions"] == "django.contrib.sessions.backends.db"


def test_redis_url_puts_the_cache_in_redis_and_sessions_in_the_cache_backed_by_the_database():
    seen = settings_seen(CACHE_AND_SESSIONS, REDIS_URL="redis://cache.internal:6379/1")
    assert seen["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert seen["cache_class"] == "RedisCache"
    assert seen["location"] == "redis://cache.internal:6379/1"
    # cached_db: a Redis restart or eviction does not sign anyone out.
    assert seen["sessions"] == "django.contrib.sessions.backends.cached_db"


def test_a_redis_url_of_another_kind_names_its_variable():
    result = run_python("print(settings.CACHES)", REDIS_URL="http://cache.internal:6379")
    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr


STORAGE = (
    "from core.storage import private_storage\n"
    "from django.core.files.storage import storages\n"
    "private, default = private_storage(), storages['default']\n"
    "print(json.dumps({'private': type(private).__name__, 'default': type(default).__name__,"
    " 'private_location': str(private.location), 'default_location': str(default.location),"
    " 'bucket': getattr(private, 'bucket_name', None), 'endpoint': getattr(private, 'endpoint_url', None),"
    " 'acl': getattr(private, 'default_acl', 'n/a'), 'root': str(settings.PRIVATE_MEDIA_ROOT),"
    " 'fields': sorted({type(f.storage).__name__ for m in __import__('django.apps').apps.apps.get_models()"
    " for f in m._meta.fields if f.get_internal_type() == 'FileField'})}))"
)


def test_without_a_bucket_uploads_stay_in_the_private_folder_on_disk(tmp_path):
    seen = settings_seen(STORAGE, PRIVATE_MEDIA_ROOT=str(tmp_path))
    assert seen["private"] == "PrivateFileSystemStorage"
    assert seen["private_location"] == str(tmp_path)
    assert seen["fields"] == ["PrivateFileSystemStorage"]


def test_storage_bucket_puts_every_file_in_s3_compatible_storage():
    seen = settings_seen(
        STORAGE,
        STORAGE_BUCKET="ministry-files",
        STORAGE_ENDPOINT_URL="http://minio.internal:9000",
        STORAGE_ACCESS_KEY_ID="key",
        STORAGE_SECRET_ACCESS_KEY="secret",
    )
    assert seen["private"] == seen["default"] == "S3Storage"
    assert seen["bucket"] == "ministry-files"
    assert seen["endpoint"] == "http://minio.internal:9000"
    # Private documents and public media are kept apart in the bucket, and no object is made public.
    assert seen["private_location"] == "private" and seen["default_location"] == "media"
    assert seen["acl"] is None
    # Every FileField of every app reaches the bucket: none keeps a folder of its own.
    assert seen["fields"] == ["S3Storage"]


ROUTING = (
    "from config.routers import replica_reads\n"
    "from django.db import router\n"
    "from contracts.models import Contract\n"
    "from reports.models import GeneratedReport\n"
    "outside = router.db_for_read(Contract)\n"
    "with replica_reads():\n"
    "    inside = [router.db_for_read(Contract), router.db_for_read(GeneratedReport)]\n"
    "    writes = [router.db_for_write(Contract), router.db_for_write(GeneratedReport)]\n"
    "print(json.dumps({'aliases': sorted(settings.DATABASES), 'outside': outside, 'inside': inside, 'writes': writes,"
    " 'migrate': [router.allow_migrate(alias, 'contracts') for alias in ('default', 'replica')],"
    " 'replica_name': settings.DATABASES.get('replica', {}).get('NAME'),"
    " 'mirror': settings.DATABASES.get('replica', {}).get('TEST', {}).get('MIRROR')}))"
)


def test_without_a_replica_reports_read_from_the_one_database():
    seen = settings_seen(ROUTING)
    assert seen["aliases"] == ["default"]
    assert seen["outside"] == "default" and seen["inside"] == ["default", "default"]


def test_a_replica_serves_the_reports_reads_and_never_a_write():
    seen = settings_seen(
        ROUTING,
        DATABASE_URL="postgres://postgres@db-primary.internal:5432/register",
        DATABASE_REPLICA_URL="postgres://reader@db-replica.internal:5432/register",
    )
    assert seen["aliases"] == ["default", "replica"]
    assert seen["replica_name"] == "register"
    assert seen["outside"] == "default"
    assert seen["inside"] == ["replica", "replica"]
    assert seen["writes"] == ["default", "default"]
    assert seen["migrate"] == [True, False]
    assert seen["mirror"] == "default"


def test_a_wrong_replica_url_names_its_variable():
    result = run_python("print(settings.DATABASES)", DATABASE_REPLICA_URL="nonsense://x")
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URL" in result.stderr


def test_import_progress_goes_to_the_cache_when_private_storage_has_no_folder(db, monkeypatch):
    from django.core.files.storage import InMemoryStorage

    from workers import importing
    from workers.models import WorkerImport

    monkeypatch.setattr(WorkerImport._meta.get_field("file"), "storage", InMemoryStorage())
    importing.record_progress(7, 1500)
    assert importing.import_progress(7) == 1500
    importing._forget_progress(7)
    assert importing.import_progress(7) is None


@pytest.mark.needs("redis")
def test_with_redis_the_rate_limit_holds_across_processes():
    """Two processes, one counter: a public page's limit is the site's, not each process's."""
    limit = 6
    code = (
        "from django.http import HttpResponse\n"
        "from django.test import RequestFactory\n"
        "from core.ratelimit import rate_limited\n"
        f"view = rate_limited('scale-out-test', {limit}, 3600)(lambda request: HttpResponse('ok'))\n"
        "request = RequestFactory().get('/register/', REMOTE_ADDR='198.51.100.7')\n"
        f"print(json.dumps([view(request).status_code for _ in range({limit // 2 + 1})]))"
    )
    env = {"REDIS_URL": "redis://127.0.0.1:6379/15", "CACHE_KEY_PREFIX": f"ratelimit-test-{os.getpid()}-{time.time_ns()}"}
    first = settings_seen(code, **env)
    second = settings_seen(code, **env)
    # Each process alone stays under the limit; together they pass it.
    assert first == [200] * (limit // 2 + 1)
    assert second.count(429) == len(first + second) - limit
