"""Settings for the labour-migration regulation system.

Deployment settings come from environment variables (see README.md,
"Configuration"); every one has a safe default for the demo, except in
production, where the secret key and the host names must be given.
Regulatory parameters (fees, bonds, validity, reminder days, risk weights)
are not here: they live in the database (core.RegulatoryParameter).
"""

from datetime import timedelta
from pathlib import Path

from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.database import database_settings
from config.env import env_bool, env_choice, env_int, env_list, env_required, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# "development" runs the demo with safe defaults; "production" insists on real secrets.
ENVIRONMENT = env_choice("DJANGO_ENV", "development", ("development", "production"))
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION)

if PRODUCTION:
    SECRET_KEY = env_required("SECRET_KEY", "production needs a long random secret (50 characters or more).")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("The environment variable SECRET_KEY must be at least 50 characters long.")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "The environment variable ALLOWED_HOSTS must be set: the host names this site answers to, comma-separated."
        )
else:
    SECRET_KEY = env_str("SECRET_KEY") or "development-only-insecure-key-do-not-use-in-production-0123456789"
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Whom a worker abroad calls about their contract, quoted in SMS (for example when their agency is suspended).
MINISTRY_HELPLINE = env_str("MINISTRY_HELPLINE", "Labour Migration desk, Ministry of Labour, Maseru")
if not PUBLIC_BASE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("The environment variable PUBLIC_BASE_URL must start with http:// or https://.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_fsm_log",
    "django_tables2",
    "django_filters",
    "phonenumber_field",
    "simple_history",
    "axes",
    # Two-step sign-in: authenticator-app codes (TOTP) and printed backup codes (static).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_tasks",
    "django_tasks_db",
    # Our apps, in dependency order: each depends only on those before it.
    "core",
    "notifications",
    "agencies",
    "workers",
    "predeparture",
    "contracts",
    "inspections",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Only reads which second-step device (if any) verified this session; core.access enforces it.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Signs out a session idle too long or older than a working day, with a message (core/sessions.py).
    "core.sessions.SessionExpiryMiddleware",
    # A body over REQUEST_BODY_MAX_BYTES is refused (413) before it is read; forms are read here (core/request_limits.py).
    "core.request_limits.RequestSizeLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # A database error while answering becomes the 503 page with Retry-After, not a 500.
    "core.middleware.DatabaseUnavailableMiddleware",
    # Axes must come last: it turns a lockout into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# SQLite is the embedded default; DATABASE_URL (postgres://...) switches to PostgreSQL.
# DATABASE_PARALLEL_WORKERS: helper processes PostgreSQL may start for one query (unset: the server's own setting).
# The web processes set 0 (config/wsgi.py): a page's queries are short, and on a small server a query that takes
# three processes slows every other page at the same time. Even alone it gained nothing here: the risk ranking's count
# of deployed contracts per agency took 45 ms with two helpers, 36 ms without. Workers and commands keep the server's
# setting, for the long report aggregates.
DATABASE_PARALLEL_WORKERS = env_int("DATABASE_PARALLEL_WORKERS", 0) if env_str("DATABASE_PARALLEL_WORKERS") else None
if DATABASE_PARALLEL_WORKERS is not None and DATABASE_PARALLEL_WORKERS < 0:
    raise ImproperlyConfigured("The environment variable DATABASE_PARALLEL_WORKERS must be 0 or more.")
DATABASES = {
    "default": database_settings(
        env_str("DATABASE_URL"),
        BASE_DIR / "var" / "db.sqlite3",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        parallel_workers=DATABASE_PARALLEL_WORKERS,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A PostgreSQL read replica for the compliance figures (config/routers.py); every write stays on "default".
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = database_settings(
        DATABASE_REPLICA_URL,
        BASE_DIR / "var" / "db.sqlite3",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        variable="DATABASE_REPLICA_URL",
    )
    # Tests read the replica's rows from the test database itself, as replication would show them.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["config.routers.ReportsReplicaRouter"]

# --- Cache and sessions -----------------------------------------------------
# Without REDIS_URL each process keeps its own memory cache: right for one machine.
# With it, every web process and worker shares Redis (Django's own RedisCache), so the
# rate limits hold across processes and any process can serve any signed-in officer.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("The environment variable REDIS_URL must start with redis://, rediss:// or unix://.")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "lms"),
        }
    }
    # cached_db, not cache: sessions are read from Redis but written through to the database, so a Redis
    # restart or an eviction under memory pressure never signs officers out in the middle of their work.
    # Sessions are written only when they change (sign-in, messages), so the database sees few writes.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Users and sign-in ------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # throttles failed logins before the password is checked
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "core:login"

# Sessions end after a working day from signing in, after a spell without a request (ministry staff and
# agency staff each their own), and when the browser closes (core/sessions.py).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
AGENCY_SESSION_IDLE_MINUTES = env_int("AGENCY_SESSION_IDLE_MINUTES", 30)
if min(SESSION_IDLE_MINUTES, AGENCY_SESSION_IDLE_MINUTES) < 1:
    raise ImproperlyConfigured("SESSION_IDLE_MINUTES and AGENCY_SESSION_IDLE_MINUTES must be 1 minute or more.")
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Failed logins: five tries per user name and address, then a 15-minute cool-off
# (axes would otherwise lock forever).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Wrong second-step codes and re-entered passwords count as failures too; never store what was typed.
AXES_SENSITIVE_PARAMETERS = ["password", "current_password", "otp_token"]
# Reverse proxies in front of the site (nginx, a load balancer): how many. The lockout and the rate limits
# then take the client's address from X-Forwarded-For, counted from the right (core.ratelimit.client_ip);
# with 0, REMOTE_ADDR, and an X-Forwarded-For the client wrote is never believed.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("The environment variable TRUSTED_PROXY_COUNT must be 0 or more.")
AXES_CLIENT_IP_CALLABLE = "core.ratelimit.client_ip"

# Two-step sign-in (core/two_factor.py): required for ministry staff, optional for agency staff.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Lesotho Labour Migration")
# Sensitive actions (revoking a licence, changing roles, resetting someone's second step) ask for the
# password again when the last sign-in or confirmation is older than this.
REAUTHENTICATE_AFTER_MINUTES = env_int("REAUTHENTICATE_AFTER_MINUTES", 10)

# --- Language, time, money --------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("st", _("Sesotho"))]
# Django ships no locale information for Sesotho.
LANG_INFO.setdefault("st", {"bidi": False, "code": "st", "name": "Sesotho", "name_local": "Sesotho"})
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Africa/Maseru"
USE_TZ = True
PHONENUMBER_DEFAULT_REGION = "LS"
PHONENUMBER_DB_FORMAT = "E164"
PHONENUMBER_DEFAULT_FORMAT = "INTERNATIONAL"

# --- Static files -----------------------------------------------------------
# Everything is vendored and served by WhiteNoise: the system works on a network without internet.
STATIC_URL = "static/"
# collectstatic fills STATIC_ROOT in production; in development WhiteNoise reads the apps' folders.
STATIC_ROOT = BASE_DIR / "staticfiles" if PRODUCTION else None
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Uploaded documents, evidence, imports and generated reports (core.storage.private_storage).
    "private": {"BACKEND": "core.storage.PrivateFileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "var" / "media")
# Uploaded documents: outside any URL, served only by permission-checked views.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT") or BASE_DIR / "var" / "private")
# STORAGE_BUCKET puts every file in S3-compatible object storage (AWS S3, MinIO, Ceph...) through
# django-storages, so web processes and workers on several machines see the same files. Private files
# are never public: no ACL is set (the bucket's own policy applies) and they are served by our views.
STORAGE_BUCKET = env_str("STORAGE_BUCKET")
if STORAGE_BUCKET:
    _bucket = {
        "bucket_name": STORAGE_BUCKET,
        "endpoint_url": env_str("STORAGE_ENDPOINT_URL") or None,
        "region_name": env_str("STORAGE_REGION") or None,
        "access_key": env_str("STORAGE_ACCESS_KEY_ID") or None,
        "secret_key": env_str("STORAGE_SECRET_ACCESS_KEY") or None,
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
    }
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**_bucket, "location": "media"}}
    STORAGES["private"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**_bucket, "location": "private"}}
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
# No request body may be larger: the largest upload (a workers' file, 60 MB) and the rest of its form. A larger one
# is refused from its stated length before it is read, or when its files pass this while it is read.
REQUEST_BODY_MAX_BYTES = env_int("REQUEST_BODY_MAX_BYTES", 64 * 1024 * 1024)

# --- E-mail -----------------------------------------------------------------
# The console backend prints mail in development; EMAIL_HOST switches to SMTP.
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Ministry of Labour and Employment <no-reply@labour.gov.ls>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- SMS --------------------------------------------------------------------
SMS_BACKEND = env_choice("SMS_BACKEND", "console", ("console", "memory", "twilio"))
SMS_BATCH_SIZE = env_int("SMS_BATCH_SIZE", 200)
SMS_MAX_ATTEMPTS = env_int("SMS_MAX_ATTEMPTS", 5)
# Seconds to wait for the provider's answer; the twilio client waits for ever unless told.
SMS_PROVIDER_TIMEOUT = env_int("SMS_PROVIDER_TIMEOUT", 10)
# Messages per second across every worker (the provider's limit for the sender, shared through SmsThrottle).
SMS_RATE_PER_SECOND = env_int("SMS_RATE_PER_SECOND", 10)
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
# The sender: a Messaging Service (preferred: it picks the number and handles opt-outs) or one number.
TWILIO_MESSAGING_SERVICE_SID = env_str("TWILIO_MESSAGING_SERVICE_SID")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER")
if SMS_PROVIDER_TIMEOUT < 1:
    raise ImproperlyConfigured("The environment variable SMS_PROVIDER_TIMEOUT must be 1 second or more.")
if SMS_RATE_PER_SECOND < 1:
    raise ImproperlyConfigured("The environment variable SMS_RATE_PER_SECOND must be 1 or more.")
if SMS_BACKEND == "twilio":
    env_required("TWILIO_ACCOUNT_SID", "SMS_BACKEND=twilio sends through this Twilio account.")
    env_required("TWILIO_AUTH_TOKEN", "SMS_BACKEND=twilio needs the account's auth token.")
    if not (TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER):
        raise ImproperlyConfigured(
            "The environment variable TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER must be set: "
            "SMS_BACKEND=twilio needs a sender."
        )

# --- Reports --------------------------------------------------------------------
# How long the home pages keep their figures (each agreement's headline figures, the training rates) before computing
# them again; reports never cache. An hour: a year's figures on two million contracts take one core some 16 s per
# language (twice that for English and Sesotho) on a 2-core machine, which every ten minutes would cost the pages.
DASHBOARD_FIGURES_SECONDS = env_int("DASHBOARD_FIGURES_SECONDS", 3600)

# --- Background tasks ---------------------------------------------------------
# The database backend needs nothing else installed; `manage.py db_worker` runs it.
TASKS_BACKEND = env_choice("TASKS_BACKEND", "database", ("database", "immediate"))
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks_db.DatabaseBackend"
            if TASKS_BACKEND == "database"
            else "django_tasks.backends.immediate.ImmediateBackend"
        ),
    }
}
TASK_RESULT_RETENTION_DAYS = env_int("TASK_RESULT_RETENTION_DAYS", 14)

# --- Security ---------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content Security Policy (django-csp 4): everything from this site only; no inline script or style
# anywhere (tests/core/test_security_headers.py checks the templates), no framing, no plug-ins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logging ----------------------------------------------------------------
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "axes": {"level": "WARNING"},
    },
}

DJANGO_TABLES2_TEMPLATE = "core/table.html"
