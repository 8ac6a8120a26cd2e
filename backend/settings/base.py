"""Everything Attune needs, read from the environment. Other modules only adjust."""

from datetime import timedelta

from backend.env import BASE_DIR, env

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served by us, not from a CDN
    "axes",
    "pgtrigger",
    "pghistory",
    "backend.api",  # model serializers' dates are bounded (backend/api/apps.py)
    "practice",
    "scheduling",
    "intake",
    "notes",
    "reminders",
    "backend.web",  # the browser shell: sign-in, layout, navigation, error pages (docs/webapp.md)
    "backend.portal",  # the client portal's pages (docs/webapp.md, "Portal")
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "backend.api.middleware.RequestIdMiddleware",
    "backend.api.middleware.ApiErrorPagesMiddleware",  # no DEBUG page (with its URL list) under /api/
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "backend.api.sessions.SessionLifetimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "backend.web.middleware.PageMiddleware",  # page error pages, CSP, no-store (after CommonMiddleware)
    "pghistory.middleware.HistoryMiddleware",
    # Last, as django-axes asks: it turns a lockout into a response for session logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"
ASGI_APPLICATION = "backend.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "backend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "backend.web.context.shell",
            ],
        },
    },
]

# PostgreSQL only: exclusion constraints, array fields and triggers are part of the design.
DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@localhost:5432/attune")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
# A kept connection is checked before a request uses it, so after a database restart the first
# request on each worker reconnects instead of failing on a dead socket.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# How long a client is told to wait (Retry-After) when the database cannot be reached (503).
DATABASE_UNAVAILABLE_RETRY_AFTER = env.int("DATABASE_UNAVAILABLE_RETRY_AFTER", default=5)
# How long the reply to a booking sent with an Idempotency-Key is kept for its retries (scheduling/idempotency.py).
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# REDIS_URL="" is the embedded mode of `make run` on a machine without Redis: a per-process
# cache and a filesystem Celery broker (see CELERY_BROKER_URL below). Production always sets it.
REDIS_URL = env("REDIS_URL", default="redis://localhost:6379/0")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "attune"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

AUTH_USER_MODEL = "practice.User"
AUTHENTICATION_BACKENDS = [
    # axes first: it refuses a locked-out (email, IP) pair before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60)  # one hour
INVITATION_MAX_AGE = env.int("INVITATION_MAX_AGE", default=7 * 24 * 60 * 60)  # one week
# Fernet keys for the TOTP secrets of second factors, newest first (rotation: practice.services.mfa). Independent
# of SECRET_KEY and of NOTES_ENCRYPTION_KEYS; local.py and test.py give development keys, production.py none.
MFA_ENCRYPTION_KEYS = env.list("MFA_ENCRYPTION_KEYS", default=[])
# `manage.py seed_demo` (a practice with published passwords) runs only where this is on; production.py turns it
# off unless ATTUNE_DEMO_DATA=1.
DEMO_DATA_ALLOWED = True

# Failed-login throttling (django-axes). The lock is on the (email, IP) pair and cools off:
# an attacker guessing one account from one address is stopped, but cannot lock the real
# user out from the user's own address, and every lock expires by itself.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = True
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# Browser sessions: the pages (backend/web, practice staff and clients) and the admin site (operators).
# The API is token-only and never accepts a session. A practice may shorten both limits for its own
# pages (Practice.settings session_idle_minutes, session_max_hours: backend/web/access.py).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=30 * 60)  # automatic logoff (164.312(a)(2)(iii))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_MAX_AGE_HOURS = env.float("SESSION_MAX_AGE_HOURS", default=8)  # from log-in, however active
ADMIN_MFA_REQUIRED = env.bool("ADMIN_MFA_REQUIRED", default=True)  # practice/admin_auth.py
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)  # production: always on
# Forms carry the token; app.js reads it from a <meta> tag for htmx, so no script needs the cookie.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
CSRF_FAILURE_VIEW = "backend.web.errors.csrf_failure"
LOGIN_URL = "web:sign-in"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "outbox"))
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=1025)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Attune <no-reply@attune.local>")
# Where links in emails, SMS and the calendar feed point (the public origin, no trailing slash). `make run`
# (scripts/stack.py) exports the address it serves, so local links work on any --port; production sets it.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://localhost:8000")

REST_FRAMEWORK = {
    # Tokens only. A session log-in (the admin site's) would skip the API's second factor and the
    # practice's token rules, so the API never accepts one.
    # knox's, refusing a token that is not ASCII hex with a 401 (backend/api/authentication.py).
    "DEFAULT_AUTHENTICATION_CLASSES": ["backend.api.authentication.SafeTokenAuthentication"],
    # JSON only, refusing nesting beyond 64 levels, lone surrogates and NUL with a 400 (backend/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["backend.api.parsers.SafeJSONParser"],
    # JSON only, as the parsers. DRF's default adds the browsable API, which a browser's `Accept: text/html` (or
    # `?format=api`) would get in production: an HTML page with forms, rendered for whoever asks; and content
    # negotiation weighs both renderers on every request (docs/performance.md, the way in).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "backend.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "backend.api.filters.IdFilterBackend",  # foreign keys filter as plain ids (no tenant oracle)
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "backend.api.schema.AttuneAutoSchema",  # the error body and own descriptions
    "EXCEPTION_HANDLER": "backend.api.errors.exception_handler",
    # Per client address, counted atomically in Redis (backend/api/throttling.py).
    "DEFAULT_THROTTLE_RATES": {
        "anon_auth": env("ANON_AUTH_THROTTLE", default="30/min"),  # log-in, reset, invitation, MFA
        "public_link": env("PUBLIC_LINK_THROTTLE", default="120/min"),  # signed links, calendar feeds
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# A token dies after TOKEN_TTL_MINUTES without use (automatic logoff, 164.312(a)(2)(iii)); each use
# extends it, so a clinician working all day stays logged in.
REST_KNOX = {
    "TOKEN_TTL": timedelta(minutes=env.int("TOKEN_TTL_MINUTES", default=60)),
    "AUTO_REFRESH": True,
    "MIN_REFRESH_INTERVAL": 60,
    # Absolute lifetime: however active, a token ends this long after log-in (practices may set less).
    "AUTO_REFRESH_MAX_TTL": timedelta(hours=env.int("TOKEN_MAX_HOURS", default=12)),
    "TOKEN_LIMIT_PER_USER": 20,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Attune API",
    "DESCRIPTION": (
        "Practice management for relational therapy. Authenticate with `Authorization: Token <token>` "
        "from `POST /api/v1/auth/login/`, and name the practice you act in with the `X-Practice` header "
        "(the practice's slug); it may be left out when you belong to exactly one practice."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Several models have a "status" or "kind": give each choice set its own schema name.
    "ENUM_NAME_OVERRIDES": {
        "ProgressNoteStatusEnum": "notes.models.ProgressNote.Status",
        "AppointmentStatusEnum": "scheduling.models.Status",
        "AvailabilityExceptionKindEnum": "scheduling.models.AvailabilityException.Kind",
        "FormKindEnum": "intake.models.FormDefinition.Kind",
        "FormVersionStatusEnum": "intake.models.FormVersion.Status",
        "PacketStatusEnum": "intake.models.Packet.Status",
        "ResponseStatusEnum": "intake.models.Response.Status",
        "SessionCheckinStateEnum": "intake.models.SessionCheckIn.State",
        "OutboundMessageKindEnum": "reminders.models.OutboundMessage.Kind",
        "OutboundMessageStatusEnum": "reminders.models.OutboundMessage.Status",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}


def _redis_db(url: str, db: int) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{db}" if base.startswith("redis") else url


# The broker gets its own Redis database (the cache's + 1), so clearing the cache never drops
# queued tasks. Without Redis (embedded `make run`): Celery's filesystem broker.
CELERY_BROKER_URL = env(
    "CELERY_BROKER_URL",
    default=_redis_db(REDIS_URL, int(REDIS_URL.rpartition("/")[2] or 0) + 1) if REDIS_URL else "filesystem://",
)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
# visibility_timeout: longer than any task can run (time limit above), so Redis never redelivers a task
# that is still running. max_retries: a web process publishing a task (the dispatcher kick after a
# booking) gives up at the first refused connection instead of retrying for broker_connection_timeout
# (4 s): with Redis down a booking answers at once and the next beat sends (docs/reliability.md). The
# worker's own consumer connection keeps Celery's broker_connection_max_retries.
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": 60 * 60, "max_retries": 0}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = BASE_DIR / "var" / "broker"
    for _sub in ("queue", "processed"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connection around every task unless told to reuse it: reuse it for
# this many tasks, and let backend/celery.py apply Django's own rules (CONN_MAX_AGE, health checks) per task.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_BEAT_SCHEDULE: dict = {}
CELERY_BEAT_SCHEDULE["intake-schedules"] = {"task": "intake.tasks.measure_schedules_run_task", "schedule": 3600.0}
CELERY_BEAT_SCHEDULE["reminders-dispatch"] = {"task": "reminders.tasks.reminders_dispatch_task", "schedule": 30.0}
CELERY_BEAT_SCHEDULE["reminders-intake-nudges"] = {
    "task": "intake.tasks.intake_nudges_queue_task",
    "schedule": 300.0,
}
CELERY_BEAT_SCHEDULE["scheduling-series-extend"] = {
    "task": "scheduling.tasks.series_extend_all_task",
    "schedule": 6 * 60 * 60.0,
}
CELERY_BEAT_SCHEDULE["notes-overdue-unsigned"] = {"task": "notes.tasks.overdue_notes_flag_task", "schedule": 3600.0}
CELERY_BEAT_SCHEDULE["scheduling-idempotency-expire"] = {
    "task": "scheduling.tasks.idempotency_records_expire_task",
    "schedule": 3600.0,
}
# Expired API tokens are refused by authentication itself; this deletes their rows (backend/api/authentication.py).
CELERY_BEAT_SCHEDULE["practice-auth-tokens-expire"] = {
    "task": "practice.tasks.auth_tokens_expire_task",
    "schedule": 600.0,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

AXES_LOCKOUT_CALLABLE = "practice.auth.lockout_response"
# A locked-out pair that keeps trying does not extend its own lock: every lock ends after the cool-off.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False

# --- Messages that leave the system (reminders outbox, intake links, alerts) --------------------
# SMS: console in development; "reminders.backends.twilio_sms.TwilioSmsBackend" in production.
REMINDERS_SMS_BACKEND = env("REMINDERS_SMS_BACKEND", default="reminders.backends.sms.ConsoleSmsBackend")
# A bug or an attacker cannot run up an SMS bill: at most this many SMS per practice per window.
REMINDERS_SMS_RATE_LIMIT = env.int("REMINDERS_SMS_RATE_LIMIT", default=300)
REMINDERS_SMS_RATE_WINDOW = env.int("REMINDERS_SMS_RATE_WINDOW", default=3600)
# A claimed row whose send task has not started within this many seconds (its worker died with the task
# prefetched or queued) is claimed again. Short: a send under way holds an advisory lock the dispatcher
# respects, so the timeout only covers the wait in the broker. See docs/reliability.md.
REMINDERS_CLAIM_TIMEOUT = env.int("REMINDERS_CLAIM_TIMEOUT", default=30)
# A message the provider accepted whose `sent` could not be committed (database gone) is recorded again
# for up to this long (less than the soft time limit) before at-least-once takes over.
REMINDERS_RECORD_SENT_WITHIN = env.int("REMINDERS_RECORD_SENT_WITHIN", default=60)
REMINDERS_LINK_MAX_AGE = env.int("REMINDERS_LINK_MAX_AGE", default=30 * 24 * 3600)
REMINDERS_MESSAGE_ID_DOMAIN = env("REMINDERS_MESSAGE_ID_DOMAIN", default="attune.local")
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER", default="")
TWILIO_MESSAGING_SERVICE_SID = env("TWILIO_MESSAGING_SERVICE_SID", default="")
INTAKE_LINK_MAX_AGE = env.int("INTAKE_LINK_MAX_AGE", default=14 * 24 * 3600)
