"""Bookwork's one settings module. Every value comes from the environment (see `.env.example`).

Defaults are the production ones, except where noted; `make run` and `make test` set `DEBUG` and a throwaway key.
"""

from datetime import timedelta
from pathlib import Path

import pghistory.config

from bookwork.config import (
    DEFAULT_THROTTLE_RATES,
    ConfigError,
    env_bool,
    env_choice,
    env_database,
    env_email,
    env_float,
    env_int,
    env_list,
    env_rates,
    env_str,
    env_url,
)
from bookwork.logging import logging_config
from bookwork.openapi_settings import OPENAPI_SETTINGS

BASE_DIR = Path(__file__).resolve().parent.parent

# The embedded PostgreSQL (pgserver) listens on a Unix socket under .data/; see bookwork/devdb.py.
EMBEDDED_PG_DIR = BASE_DIR / ".data" / "pg"
EMBEDDED_DATABASE_URL = f"postgres://postgres@{str(EMBEDDED_PG_DIR).replace('/', '%2F')}/bookwork"

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ConfigError("SECRET_KEY is required when DEBUG is off")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production-0123456789"
elif not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ConfigError("SECRET_KEY must be at least 50 characters with 5 distinct ones when DEBUG is off")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
if not DEBUG and "*" in ALLOWED_HOSTS:
    raise ConfigError("ALLOWED_HOSTS must not contain '*' when DEBUG is off")

INSTALLED_APPS = [
    # Before the admin: its change-form template adds the "Events" (history) button (audit app).
    "pghistory.admin",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "corsheaders",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "pgtrigger",
    "pghistory",
    "bookwork",
    "accounts",
    "clubs",
    "events",
    "events.availability",
    "events.items",
    "procrastinate.contrib.django",
    "notifications",
    "books",
    "books.polls",
    "clubs.joining",
    "webhooks",
    "audit",
    "django_htmx",
    "web",
]

MIDDLEWARE = [
    "bookwork.middleware.RequestIdMiddleware",
    "bookwork.middleware.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # A conditional API GET whose ETag is current: 304 before the view's machinery (core/revalidation.py).
    "core.revalidation.RevalidationMiddleware",
    # Inside CORS so that its JSON errors (413, 405, ...) carry the CORS headers too.
    "bookwork.middleware.JsonErrorMiddleware",
    # Idempotency-Key: replays keep the JSON bodies; a retry below stays in one claim (bookwork/idempotency.py).
    "bookwork.idempotency.IdempotencyMiddleware",
    # Inside the JSON errors: a request whose database connection died is run once more on a
    # new connection when that cannot apply anything twice (bookwork/db_retry.py).
    "bookwork.db_retry.DatabaseRetryMiddleware",
    # Sessions, the session's user and messages: pages only, API requests skip them (web.middleware.PagesOnly).
    "web.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "web.middleware.AuthenticationMiddleware",  # Django's, the user read with the session row
    # The acting user, channel and request id of every history row (core/context.py).
    "core.context.AuditContextMiddleware",
    "web.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "web.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "bookwork.urls"
WSGI_APPLICATION = "bookwork.wsgi.application"

_PROCESSORS = ["django.contrib.auth.context_processors.auth", "django.contrib.messages.context_processors.messages"]
TEMPLATES = [  # Jinja2 for the web app's pages and emails (web/templating.py), Django's for the rest
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "web",
        "DIRS": [BASE_DIR / "web" / "jinja2"],
        "OPTIONS": {"environment": "web.templating.environment", "context_processors": ["web.templating.page_context"]},
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request", *_PROCESSORS]},
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASE_URL_CONFIG = env_database("DATABASE_URL", EMBEDDED_DATABASE_URL)
DB_STATEMENT_TIMEOUT_MS = env_int("DB_STATEMENT_TIMEOUT_MS", 5000, minimum=0)
DB_CONNECT_TIMEOUT = env_int("DB_CONNECT_TIMEOUT", 5, minimum=1)
DB_POOL = env_bool("DB_POOL", False)
DB_POOL_MIN_SIZE = env_int("DB_POOL_MIN_SIZE", 1, minimum=0)
DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 4, minimum=1)
DB_CONN_MAX_AGE = env_int("DB_CONN_MAX_AGE", 60, minimum=0)
PGBOUNCER = env_bool("PGBOUNCER", False)

_db_options = {
    **DATABASE_URL_CONFIG.pop("OPTIONS", {}),
    "connect_timeout": DB_CONNECT_TIMEOUT,
    # Applied by the server to every statement of the session, so a slow query cannot hold a
    # worker forever. 0 disables it (maintenance commands set their own).
    "options": f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS}",
    "application_name": env_str("DB_APPLICATION_NAME", "bookwork"),
}
if PGBOUNCER:
    # Transaction pooling: no server-side prepared statements survive between transactions.
    _db_options["prepare_threshold"] = None
if DB_POOL and not PGBOUNCER:
    _db_options["pool"] = {"min_size": DB_POOL_MIN_SIZE, "max_size": DB_POOL_MAX_SIZE, "timeout": 10}

DATABASES = {
    "default": {
        **DATABASE_URL_CONFIG,
        "ENGINE": "django.db.backends.postgresql",
        "CONN_MAX_AGE": 0 if (DB_POOL and not PGBOUNCER) else DB_CONN_MAX_AGE,
        "CONN_HEALTH_CHECKS": True,
        "DISABLE_SERVER_SIDE_CURSORS": PGBOUNCER,
        "OPTIONS": _db_options,
        "TEST": {"NAME": env_str("TEST_DATABASE_NAME", "") or None},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (shared by every worker: throttling counters live here) ----------------------------
REDIS_URL = env_str("REDIS_URL")
_cache = {"KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "bookwork")}
_redis = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL, **_cache}
_redis["OPTIONS"] = {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2}
_db_cache = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache", **_cache}
CACHES = {"default": _redis if REDIS_URL else _db_cache}
# Shared representations (core/representations.py): Redis when REDIS_URL is set, else this
# process's memory (never the database cache: a cache read must cost less than the read it saves).
_representations_local = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "representations"}
CACHES["representations"] = (
    {**_redis, "KEY_PREFIX": _cache["KEY_PREFIX"] + ":rep"}
    if REDIS_URL
    else {**_representations_local, "OPTIONS": {"MAX_ENTRIES": 2000}}
)
# How long a shared representation stays in that cache (its key changes with every write anyway).
REPRESENTATION_CACHE_SECONDS = env_int("REPRESENTATION_CACHE_SECONDS", 3600)
# Entries of the in-process LRU in front of it, per worker process.
REPRESENTATION_CACHE_LRU_SIZE = env_int("REPRESENTATION_CACHE_LRU_SIZE", 1024)

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

ACCESS_TOKEN_LIFETIME = timedelta(seconds=env_int("ACCESS_TOKEN_LIFETIME_SECONDS", 15 * 60, minimum=1))
REFRESH_TOKEN_LIFETIME = timedelta(seconds=env_int("REFRESH_TOKEN_LIFETIME_SECONDS", 14 * 86400, minimum=1))
REFRESH_FAMILY_MAX_AGE = timedelta(seconds=env_int("REFRESH_FAMILY_MAX_AGE_SECONDS", 30 * 86400, minimum=1))
REFRESH_REUSE_GRACE_SECONDS = env_int("REFRESH_REUSE_GRACE_SECONDS", 0, minimum=0)
TOKEN_CLEANUP_RETENTION = timedelta(days=env_int("TOKEN_CLEANUP_RETENTION_DAYS", 7, minimum=0))
# Idempotency-Key answers are replayed for this long (the worker and `cleanup_tokens` delete older ones).
IDEMPOTENCY_RETENTION = timedelta(hours=env_int("IDEMPOTENCY_RETENTION_HOURS", 24, minimum=1))

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": ACCESS_TOKEN_LIFETIME,
    "REFRESH_TOKEN_LIFETIME": REFRESH_TOKEN_LIFETIME,
    "ROTATE_REFRESH_TOKENS": False,
    "BLACKLIST_AFTER_ROTATION": False,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env_str("JWT_SIGNING_KEY") or SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "LEEWAY": 5,
}

# --- REST framework ---------------------------------------------------------------------------
THROTTLE_RATES = env_rates("THROTTLE_RATES", DEFAULT_THROTTLE_RATES)
NUM_PROXIES = env_int("NUM_PROXIES", 0, minimum=0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["core.renderers.JSONRenderer"],  # DRF's bytes, written by orjson
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.negotiation.ContentNegotiation",
    "DEFAULT_PARSER_CLASSES": ["bookwork.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # Documents every error response an operation can answer (core/openapi.py).
    "DEFAULT_SCHEMA_CLASS": "core.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["core.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": THROTTLE_RATES,
    "NUM_PROXIES": NUM_PROXIES,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

DRF_STANDARDIZED_ERRORS = {"ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True}

# drf-spectacular's settings (no environment in them): bookwork/openapi_settings.py.
SPECTACULAR_SETTINGS = OPENAPI_SETTINGS

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_CLUB_TIMEZONE = env_str("DEFAULT_CLUB_TIMEZONE", "UTC")

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Security ---------------------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BODY_BYTES", 1024 * 1024, minimum=1024)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Preloading commits the domain and its subdomains to HTTPS in browsers for good: its owner opts in with
# SECURE_HSTS_PRELOAD=true. Until then Django's reminder is silenced (`check --deploy` reports real problems).
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_ENGINE = "web.sessions"  # web/sessions.py: session rows know their user (sign out others)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
if env_bool("TRUST_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
# Development: a front end on any localhost port (e.g. http://localhost:3000) may call the API
# unless CORS_ALLOWED_ORIGINS lists origins. Never with DEBUG off.
CORS_ALLOWED_ORIGIN_REGEXES = (
    [r"^http://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$"] if DEBUG and not CORS_ALLOWED_ORIGINS else []
)
CORS_ALLOW_CREDENTIALS = env_bool("CORS_ALLOW_CREDENTIALS", False)
CORS_URLS_REGEX = r"^/api/.*$"
CORS_EXPOSE_HEADERS = ["X-Request-ID", "Retry-After", "Idempotent-Replayed"]

# --- Observability ----------------------------------------------------------------------------
LOG_FORMAT = env_choice("LOG_FORMAT", "console" if DEBUG else "json", {"json", "console"})
LOG_LEVEL = env_choice(
    "LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"}.union({"debug", "info", "warning", "error"})
).upper()
METRICS_TOKEN = env_str("METRICS_TOKEN")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])

# One JSON object per line (or console lines), with the request's context (bookwork/logging.py).
LOGGING = logging_config(level=LOG_LEVEL, fmt=LOG_FORMAT)

# --- Email, notifications and the background worker (docs/notifications.md) --------------------
# Email is ENABLED by EMAIL_ENABLED (default: on with DEBUG, i.e. `make run`, off otherwise). When it is on
# and DEBUG is off, EMAIL_URL and PUBLIC_URL are required; when off, notifications are in-app only (no jobs).
EMAIL_ENABLED = env_bool("EMAIL_ENABLED", DEBUG)
PUBLIC_URL = env_url("PUBLIC_URL")
if EMAIL_ENABLED and not DEBUG:
    _missing = [name for name, value in (("EMAIL_URL", env_str("EMAIL_URL")), ("PUBLIC_URL", PUBLIC_URL)) if not value]
    if _missing:
        raise ConfigError(f"{' and '.join(_missing)} required when EMAIL_ENABLED is on and DEBUG is off")
PUBLIC_URL = PUBLIC_URL or "http://127.0.0.1:8000"  # development only (checked above for production)
_email = env_email("EMAIL_URL", "consolemail://")  # the console backend prints mails (make run)
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS", False))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL", False))
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT_SECONDS", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Bookwork <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Retries of a failed send: EMAIL_MAX_ATTEMPTS tries, base * 2**attempt s apart (at most EMAIL_RETRY_MAX_SECONDS).
EMAIL_MAX_ATTEMPTS = env_int("EMAIL_MAX_ATTEMPTS", 12, minimum=1)
EMAIL_RETRY_BASE_SECONDS = env_int("EMAIL_RETRY_BASE_SECONDS", 5, minimum=0)
EMAIL_RETRY_MAX_SECONDS = env_int("EMAIL_RETRY_MAX_SECONDS", 3600, minimum=1)
# `manage.py worker` (procrastinate): jobs run at once per worker process; seconds a running job gets to
# finish on SIGTERM; heartbeat interval; silence after which a worker is dead and its running jobs retried.
WORKER_CONCURRENCY = env_int("WORKER_CONCURRENCY", 4, minimum=1)
WORKER_SHUTDOWN_TIMEOUT_SECONDS = env_float("WORKER_SHUTDOWN_TIMEOUT_SECONDS", 30, minimum=0)
WORKER_HEARTBEAT_SECONDS = env_float("WORKER_HEARTBEAT_SECONDS", 10, minimum=0.1)
WORKER_STALLED_SECONDS = env_float("WORKER_STALLED_SECONDS", 60, minimum=0.5)
# Seconds between polls for jobs that became due (new jobs wake the worker at once by LISTEN/NOTIFY).
WORKER_POLL_SECONDS = env_float("WORKER_POLL_SECONDS", 5, minimum=0.1)
# Days finished jobs are kept (for the admin and the failure metrics) before the worker deletes them.
WORKER_JOB_RETENTION_DAYS = env_int("WORKER_JOB_RETENTION_DAYS", 7, minimum=1)

# --- Ops --------------------------------------------------------------------------------------
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(BASE_DIR / "backups")))
BACKUP_KEEP_DAYS = env_int("BACKUP_KEEP_DAYS", 7, minimum=0)
# Least-privilege roles made by `manage.py create_db_roles` (run as the owner role).
DB_APP_ROLE = env_str("DB_APP_ROLE", "bookwork_app")
DB_APP_PASSWORD = env_str("DB_APP_PASSWORD")
DB_READONLY_ROLE = env_str("DB_READONLY_ROLE", "bookwork_readonly")
DB_READONLY_PASSWORD = env_str("DB_READONLY_PASSWORD")
# Where `manage.py backup`/`restore` look first for pg_dump/pg_restore (then PATH, then pgserver's).
PG_BIN_DIR = env_str("PG_BIN_DIR")
SEED_DEMO_PASSWORD = env_str("SEED_DEMO_PASSWORD", "bookwork-demo-2026")
EVENT_UPCOMING_GAUGE_DAYS = env_float("EVENT_UPCOMING_GAUGE_DAYS", 30, minimum=1)

# --- Webhooks (webhooks/, docs/integrations.md): refuse non-public addresses and plain http unless allowed.
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", False)
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", False)

# --- Audit history (audit/, django-pghistory) ---------------------------------------------------
# Triggers are created by `migrate` (pgtrigger's migration integration); history rows older than
# HISTORY_RETENTION_DAYS are deleted by `manage.py prune_history` (run by `maintenance`).
HISTORY_RETENTION_DAYS = env_int("HISTORY_RETENTION_DAYS", 365, minimum=1)
# The time of the change itself (NOW() is the transaction's start): orders a request's changes.
PGHISTORY_CREATED_AT_FUNCTION = "clock_timestamp()"
# Requests that may change rows run inside a history context; reads do not (no GET, HEAD or OPTIONS
# writes a tracked row), which spares every read pghistory's per-statement wrapper.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Copied foreign keys (an RSVP's user, an event's creator, each row's context) are not indexed:
# every index is one more write per history row, and these are never searched. audit/models.py
# indexes what is: each object's own rows, the club and event the activity feed filters on.
PGHISTORY_FOREIGN_KEY_FIELD = pghistory.config.ForeignKey(db_index=False)
PGHISTORY_ADMIN_MODEL = "pghistory.MiddlewareEvents"
PGHISTORY_ADMIN_LIST_DISPLAY = ["pgh_created_at", "pgh_label", "pgh_obj_model", "pgh_obj_id", "user", "pgh_diff"]
