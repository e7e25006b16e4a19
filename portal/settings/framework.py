"""Django's own settings and the framework's (security, the admin lockout, the API, django-q2),
read from the environment with django-environ. The portal's own are in ``features``.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parents[2]

env = environ.Env()
# A .env file is a convenience for local runs; the process environment always wins.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
_LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=_LOOPBACK_HOSTS)
# A deployment is DEBUG off with any host beyond this machine. "*" counts as one: it answers to
# every host, so a portal started that way is reachable like a deployed one and must not run
# with the public dev key or over plain HTTP by default (check --deploy also warns about it).
DEPLOYED = not DEBUG and any(h not in _LOOPBACK_HOSTS for h in ALLOWED_HOSTS)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    # The contract gives local runs a dev-only key. A site that answers to any host beyond this
    # machine is a deployment, and a deployment with a guessable key can have its sessions
    # forged, so there a missing SECRET_KEY stops the start-up.
    if DEPLOYED:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off and ALLOWED_HOSTS naming a host beyond "
            "this machine (or '*'), set SECRET_KEY to a long random value (see .env.example)."
        )
    SECRET_KEY = "django-insecure-dev-only-key-for-local-runs-never-in-production"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # django.contrib.admin with the portal's site (its home page and the role-ordered app list).
    "portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    # Swagger UI and Redoc served from our own static files, not a CDN (SPECTACULAR_SETTINGS).
    "drf_spectacular_sidecar",
    "import_export",
    # Admin login lockout after repeated failures (AXES_* below).
    "axes",
    # Before django_q: the portal's `qcluster` (django-q2's, telling workers when a stop begins).
    "portal",
    "django_q",
    "messaging",
    "oncall",
    "incidents",
    "shifts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, which answers static files without calling what follows: every response
    # carries the policy (portal/csp.py).
    "portal.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a lockout raised during login into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal_tools",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'portal.sqlite3'}")}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Web and qcluster processes write at once; without WAL, a busy timeout and IMMEDIATE
    # transactions SQLite answers "database is locked" (DESIGN.md).
    _db.setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
        }
    )
else:
    # Reuse connections between requests; workers are long-lived.
    _db.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    _db.setdefault("CONN_HEALTH_CHECKS", True)
    if _db["ENGINE"] == "django.db.backends.postgresql" and env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        # Lets the SNS ingest statement (messaging/ingest.py) be planned once per connection
        # instead of once per notification. Django's own cursors bind on the client and are
        # never prepared, so nothing else changes. Django leaves this off for transaction-mode
        # poolers (PgBouncer before 1.21): behind one, set DATABASE_PREPARED_STATEMENTS=false.
        _db.setdefault("OPTIONS", {}).setdefault("prepare_threshold", 1000)
# Lets parallel test runs (several engineers, xdist) use their own test database.
if env.str("TEST_DATABASE_NAME", default=""):
    _db.setdefault("TEST", {})["NAME"] = env.str("TEST_DATABASE_NAME")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# 24-hour, short dates in the admin ("7 Dec 2026 11:38"): portal/formats/en/formats.py says why.
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Compressed, hashed file names once `collectstatic` has written its manifest (production);
# plain finders before that, so a fresh checkout serves the admin with DEBUG off too.
_MANIFEST = (STATIC_ROOT / "staticfiles.json").exists()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if _MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not _MANIFEST
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "admin:login"

# Shift CSV export and import (django-import-export) need the model's view and add permissions;
# without these any staff user could do both. IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT stays off:
# it strips only one leading "=" and turns empty cells into "None"; shifts.resources escapes.
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"

# django-axes first: it refuses a locked-out username and address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lock a username from one address after this many wrong passwords in a row. Keyed on the pair,
# so someone guessing from elsewhere cannot lock a user out of their own desk.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Minutes, not hours: long enough to make guessing useless (5 tries per 15 min), short enough
# that a dispatcher who mistyped is back before the next shift. `manage.py axes_reset` unlocks.
AXES_COOLOFF_TIME = timedelta(minutes=env.float("AXES_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/lockout.html"
# The address is messaging.api.client_ip's: REMOTE_ADDR, or X-Forwarded-For only as far as
# TRUSTED_PROXY_COUNT (below) says proxies wrote it. Without that, behind a proxy every user
# would share the proxy's address and anyone could lock the real user out.
AXES_CLIENT_IP_CALLABLE = "messaging.api.client_ip.client_ip"

# --- Security ---


def _proxy_ssl_header(value: str):
    """SECURE_PROXY_SSL_HEADER from the environment: off, ``true`` (X-Forwarded-Proto) or a header.

    Off unless asked for: with it on, Django takes the header's word from whoever sends it, so a
    client that reaches the portal directly could claim HTTPS. Only a proxy in front that always
    sets (or strips) the header makes it trustworthy, and only the operator knows there is one.
    """
    value = value.strip()
    if value.lower() in ("", "0", "false", "no", "off"):
        return None
    if value.lower() in ("1", "true", "yes", "on"):
        value = "X-Forwarded-Proto"
    name = value.upper().replace("-", "_")
    if not name.replace("_", "").isalnum():
        raise ImproperlyConfigured(f"SECURE_PROXY_SSL_HEADER={value!r}: give true, false or a header name.")
    return (name if name.startswith("HTTP_") else f"HTTP_{name}", "https")


SECURE_PROXY_SSL_HEADER = _proxy_ssl_header(env.str("SECURE_PROXY_SSL_HEADER", default=""))
# How many proxies stand in front and append to X-Forwarded-For. 0: the header is ignored (any
# client can send it) and the client is the connection's address. The admin lockout and the API
# throttles read the client through messaging.api.client_ip. API_TRUSTED_PROXIES is its older name.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=env.int("API_TRUSTED_PROXIES", default=0))
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT={TRUSTED_PROXY_COUNT}: give 0 or the number of proxies.")
# A deployment (DEBUG off, a host beyond loopback) gets HTTPS-only defaults, so that
# ``manage.py check --deploy`` is clean; local runs on loopback stay plain HTTP. Behind a proxy
# that terminates TLS, set SECURE_PROXY_SSL_HEADER too, or the redirect loops.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=DEPLOYED)
# SNS delivers to whatever URL the subscription names; let it reach /sns/ over plain HTTP only
# when the operator subscribed an http:// endpoint on purpose.
SECURE_REDIRECT_EXEMPT = [r"^sns/$"] if env.bool("SNS_ALLOW_HTTP", default=False) else []
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=DEPLOYED)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=DEPLOYED)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if DEPLOYED else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = DEPLOYED
SECURE_HSTS_PRELOAD = DEPLOYED
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- API ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["messaging.api.auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["messaging.api.auth.ApiScopePermission"],
    # JSON only, parsed strictly (messaging/api/parsers.py); a view that takes another type,
    # such as CSV, names its own parser.
    "DEFAULT_PARSER_CLASSES": ["messaging.api.parsers.StrictJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
    "UNAUTHENTICATED_USER": None,
    # Counted in the default cache (per process unless CACHES is shared; see messaging/api/auth.py).
    "DEFAULT_THROTTLE_CLASSES": ["messaging.api.auth.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api_key": env.str("API_RATE_PER_KEY", default="3000/min") or None,
        "api_failed_auth": env.str("API_RATE_FAILED_AUTH", default="20/min") or None,
    },
    # DRF's own reading of X-Forwarded-For; the portal's throttles use messaging.api.client_ip, and this
    # is kept equal to it for any DRF throttle class used as is.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
# /api/docs/ and /api/schema/ map every endpoint and field: in a deployment only a signed-in
# staff user reads them; a local run keeps them open (portal/views.py, api_docs_guard).
API_DOCS_LOGIN_REQUIRED = env.bool("API_DOCS_LOGIN_REQUIRED", default=DEPLOYED)
SPECTACULAR_SETTINGS = {
    "TITLE": "Operations portal API",
    "DESCRIPTION": "Contacts, allow-lists, incidents, shifts and omnichannel messages.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs page runs JavaScript with the reader's session; load it from our own static files
    # (drf-spectacular-sidecar), pinned with the code, never from a CDN's "latest".
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One enum per status vocabulary, named after the model's TextChoices.
    "ENUM_NAME_OVERRIDES": {
        "MessageStatusEnum": "messaging.models.MessageStatus",
        "AlertStatusEnum": "incidents.models.AlertStatus",
        # Two "urgency" choice sets: an incident's (high, low) and a notification rule's (adds any).
        "UrgencyEnum": "incidents.models.Urgency",
        "RuleUrgencyEnum": "messaging.models.RuleUrgency",
        # Every channel (the message log, templates, bulk sends), and the three an omnichannel
        # message may choose.
        "ChannelEnum": "messaging.models.Channel",
        "SendChannelEnum": [("sms", "sms"), ("whatsapp", "whatsapp"), ("email", "email")],
    },
}

# --- django-q2 ---
Q_CLUSTER = {
    "name": "portal",
    # The ORM broker is the only one of django-q2's brokers that can hold a task until a due
    # time (its `lock` column), which the durable timers rely on (docs/architecture.md).
    "orm": "default",
    "workers": env.int("Q_WORKERS", default=4),
    # Bounded: a task that keeps failing stops after 3 tries instead of forever (the default 0
    # means unlimited). Sends and timers are idempotent, so a retry is safe.
    "max_attempts": 3,
    # A task is killed after `timeout` s; `retry` must be larger, or a slow task is handed to a
    # second worker while the first still runs it. `retry` is also how long the tasks of a
    # killed cluster wait before another cluster takes them up, so both are short: no task of
    # ours runs long (a paced batch hands its rest back after half the timeout), and a claim on
    # a message outlives a dead worker by only a little (messaging.outbound.deliver.CLAIM_TTL).
    "timeout": env.int("Q_TIMEOUT", default=15),
    "retry": env.int("Q_RETRY", default=20),
    # Tasks a pusher holds ahead of its workers (django-q2's default is workers²). A killed
    # cluster strands these (and the up to `bulk` more in its pusher's hand) until `retry`,
    # and a stopping one runs them all first; one each keeps every worker fed.
    "queue_limit": env.int("Q_QUEUE_LIMIT", default=env.int("Q_WORKERS", default=4)),
    # A failed task is acknowledged (removed from the queue) rather than redelivered: our own
    # rows (message log, timers) carry the retry state, so the queue never loops on a poison task.
    "ack_failures": True,
    # Successes are not stored: our own rows already record them (Timer.fired_at,
    # OutboundMessage.sent_at), and django-q2 prunes a bounded history by locking and loading
    # every stored success on each task; at 500 rows that held 10,000 timers a minute to a p99
    # lateness of 50 s (docs/benchmarks.md). Failures are still stored.
    "save_limit": env.int("Q_SAVE_LIMIT", default=-1),
    # A worker is replaced after this many tasks (django-q2's default is 500). Each new worker
    # starts Django again, which under a burst of thousands of timers is a stall of its own;
    # leaks are still contained.
    "recycle": env.int("Q_RECYCLE", default=5000),
    # How often an idle pusher polls the ORM queue; this bounds timer lateness.
    "poll": env.float("Q_POLL", default=0.1),
    # Due tasks are claimed in due order, up to `bulk` per statement (messaging.scheduling.queue).
    "broker_class": "messaging.scheduling.queue.PortalOrmBroker",
    "bulk": env.int("Q_BULK", default=10),
    "catch_up": False,
    "label": "Background tasks",
    "sync": env.bool("Q_SYNC", default=False),
}
