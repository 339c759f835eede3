"""Settings, read from the environment.

With nothing set the project runs as the one-process demo: SQLite and the in-memory
channel layer. With DATABASE_URL and REDIS_URL it runs in production shape: PostgreSQL,
channels-redis, any number of daphne processes.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
# The demo key is public on purpose; production must set DJANGO_SECRET_KEY.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "linli-demo-secret-key-change-me-in-production")
# Django's test runner adds "testserver" itself; production never answers to it.
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list(
    "DJANGO_CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000"
)
# A refused form answers with the translated error page in the site's layout.
CSRF_FAILURE_VIEW = "config.error_pages.csrf_failure"

# Personal data at rest: ID numbers are encrypted with LINLI_FIELD_KEYS (Fernet keys,
# comma-separated, newest first so keys can rotate) and matched by a keyed hash under
# LINLI_HASH_KEY. The demo derives both from SECRET_KEY; production sets them.
LINLI_FIELD_KEYS = env_list("LINLI_FIELD_KEYS", "")
LINLI_HASH_KEY = os.environ.get("LINLI_HASH_KEY", "")
# How long a household code printed on a letter stays valid.
LINLI_CODE_DAYS = int(os.environ.get("LINLI_CODE_DAYS", "30"))
# One delegate may hold this many proxies (委托) per ballot, unless the ballot says otherwise.
LINLI_PROXY_LIMIT = int(os.environ.get("LINLI_PROXY_LIMIT", "1"))
# A secret ballot needs an electorate of at least this many (docs/voting.md).
LINLI_SECRET_MIN_ELECTORS = int(os.environ.get("LINLI_SECRET_MIN_ELECTORS", "10"))

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "channels",
    # Listed before allauth so that its templates (account/*.html in the site's layout,
    # Chinese first) override allauth's own.
    "accounts",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "realtime",
    "forum",
    "voting",
    "moderation",
    "frontend",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "config.input_guard.RefuseBadInput",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.auth.middleware.rate_limited_as_429",
    "config.error_pages.method_not_allowed_page",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "frontend.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

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
                "accounts.places.context.nav",
                "accounts.notifications.context.notifications",
                "accounts.elder.context.elder",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
# The few hot statements that ask for it (the vote's, through core.db.prepared_row) run
# prepared, so PostgreSQL plans them once per connection. Django's own cursors bind on the
# client and never prepare, and the huge threshold keeps psycopg from preparing anything by
# itself. Behind a pooler in transaction mode without prepared-statement support
# (PgBouncer < 1.21), set LINLI_DB_PREPARED=0: the same statements then run unprepared.
PREPARED_STATEMENTS = os.environ.get("LINLI_DB_PREPARED", "1") != "0"
# PostgreSQL: one bounded pool per process (psycopg_pool), never persistent connections.
# Under ASGI each request's view runs on a thread of its own and a persistent connection
# belongs to its thread, so it stayed open until the garbage collector found the dead
# thread: a burst of anonymous requests held hundreds and every later request got a 500.
# With the pool "closing" a connection gives it back; a process holds at most
# LINLI_DB_POOL_MAX (processes x that stays under max_connections, docs/deploy.md), and a
# request that waits LINLI_DB_POOL_TIMEOUT seconds for one gets a 503
# (config/unavailable.py). The pool checks each connection it lends, so a database restart
# costs no request an error; config/postgresql asks the kernel first and sends the empty
# query only when the socket has something waiting (no extra round trip per vote).
DB_POOL_MIN = int(os.environ.get("LINLI_DB_POOL_MIN", "2"))
DB_POOL_MAX = int(os.environ.get("LINLI_DB_POOL_MAX", "10"))
DB_POOL_TIMEOUT = float(os.environ.get("LINLI_DB_POOL_TIMEOUT", "10"))
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=0, conn_health_checks=True)
    if DATABASE_URL
    else {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
        # Several daphne threads write to the demo database; wait instead of failing.
        "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        # A file, not memory, so a daphne subprocess in the tests sees the same data.
        "TEST": {"NAME": os.environ.get("SQLITE_TEST_PATH", str(BASE_DIR / "test-db.sqlite3"))},
    }
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "config.postgresql"
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        # Prepared statements belong to a connection; pooled connections keep theirs.
        prepare_threshold=2**31 - 1 if PREPARED_STATEMENTS else None,
        pool={
            "min_size": min(DB_POOL_MIN, DB_POOL_MAX),
            "max_size": DB_POOL_MAX,
            "timeout": DB_POOL_TIMEOUT,
        },
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = os.environ.get("REDIS_URL", "")
# Redis may be sharded over several hosts: REDIS_URL="redis://a:6379/0,redis://b:6379/0".
REDIS_HOSTS = [url for url in REDIS_URL.split(",") if url]
# Every process keeps one subscription per stream, not one per connection, but a burst
# of thousands of connects must never hit redis-py's default async pool cap of 100.
REDIS_POOL_SIZE = int(os.environ.get("REDIS_POOL_SIZE", "4000"))
# Failover through Sentinel: REDIS_SENTINELS="s1:26379,s2:26379" REDIS_MASTER=mymaster
# (REDIS_URL still names a host, used for the cache).
REDIS_SENTINELS = [
    (host, int(port))
    for host, _, port in (item.partition(":") for item in env_list("REDIS_SENTINELS", ""))
]
REDIS_LAYER_HOSTS: list[dict[str, object]] = (
    [
        {
            "sentinels": REDIS_SENTINELS,
            "master_name": os.environ.get("REDIS_MASTER", "mymaster"),
            "max_connections": REDIS_POOL_SIZE,
        }
    ]
    if REDIS_SENTINELS
    else [{"address": url, "max_connections": REDIS_POOL_SIZE} for url in REDIS_HOSTS]
)
if REDIS_HOSTS:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": REDIS_LAYER_HOSTS,
                "prefix": os.environ.get("LINLI_CHANNEL_PREFIX", "linli"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_HOSTS,
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            # The hub is the only member of each stream group in a process; a small
            # capacity would silently drop events during a burst.
            # Memberships are the hub's, held for the life of the process.
            "CONFIG": {"capacity": 100_000, "expiry": 60, "group_expiry": 10**9},
        }
    }

# Argon2 first: new and changed passwords are hashed with it, and an older PBKDF2 hash
# still verifies and is upgraded on the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    # Phone + password and phone + SMS code (docs/accounts.md, "Signing up and in").
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Accounts a resident makes alone (django-allauth): a mainland mobile number is the
# login; a password is optional (sign in by SMS code instead); no email at all. The
# demo's and staff's user names keep working with their passwords.
ACCOUNT_ADAPTER = "accounts.auth.adapter.AccountAdapter"
ACCOUNT_FORMS = {"login": "accounts.auth.forms.LoginForm"}
ACCOUNT_LOGIN_METHODS = {"phone", "username"}
ACCOUNT_SIGNUP_FIELDS = ["phone*", "password1"]
ACCOUNT_USER_MODEL_EMAIL_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = True
# Six digits, as every Chinese SMS code is: typed on a phone keypad.
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = ACCOUNT_LOGIN_BY_CODE_FORMAT = {
    "numeric": True,
    "length": 6,
    "dashed": False,
}
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_GET = False
# Every sign-in path, per account ("key": the phone or user name) and per client address
# ("ip": REMOTE_ADDR as config/forwarded.py resolved it from LINLI_TRUSTED_PROXIES, never
# a raw X-Forwarded-For; accounts/auth/adapter.py). Counted in the cache (Redis when set).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "10/m/ip,50/h/ip",
    "request_login_code": "10/m/ip,3/m/key,10/h/key",
    # The code texted after sign-up counts here too, so per address it allows what
    # "signup" allows (a family or a community centre behind one address).
    "verify_phone": "1/30s/key,10/m/ip,50/h/ip",
    "change_phone": "1/m/user",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
}
# Second factor (allauth.mfa; accounts/auth/mfa.py, docs/accounts.md "Second factor"): an
# authenticator app (TOTP), recovery codes, and a security key or passkey where the browser
# has WebAuthn. Roles that can reveal, export or grant must have one and must have passed it
# within ACCOUNT_REAUTHENTICATION_TIMEOUT seconds in this session before any of those.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TOTP_ISSUER = "Linli"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
ACCOUNT_REAUTHENTICATION_TIMEOUT = int(os.environ.get("LINLI_MFA_FRESH_SECONDS", "900"))
LINLI_MFA_REQUIRED_ROLES = frozenset(
    role.strip()
    for role in os.environ.get("LINLI_MFA_REQUIRED_ROLES", "staff,secretary,admin").split(",")
    if role.strip()
)
# The proxies are ours to name (LINLI_TRUSTED_PROXIES), not allauth's to count.
ALLAUTH_TRUSTED_PROXY_COUNT = 0
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = None
# Phone numbers without "+": read as numbers of this region (E.164 is what is stored).
LINLI_PHONE_REGION = os.environ.get("LINLI_PHONE_REGION", "CN")

# Text messages (accounts/auth/sms.py), chosen like Django's email backends. The console
# backend prints each message on the server's console (`make run`) and, with
# LINLI_SMS_OUTBOX set, appends it as a JSON line to that file (the browser tests read
# the code there). Production sets the HTTP gateway backend and its LINLI_SMS_GATEWAY_*
# settings (docs/deploy.md).
LINLI_SMS_BACKEND = os.environ.get("LINLI_SMS_BACKEND", "accounts.auth.sms.ConsoleBackend")
LINLI_SMS_OUTBOX = os.environ.get("LINLI_SMS_OUTBOX", "")
LINLI_SMS_GATEWAY_URL = os.environ.get("LINLI_SMS_GATEWAY_URL", "")
LINLI_SMS_GATEWAY_KEY = os.environ.get("LINLI_SMS_GATEWAY_KEY", "")
LINLI_SMS_GATEWAY_TIMEOUT = float(os.environ.get("LINLI_SMS_GATEWAY_TIMEOUT", "5"))
LINLI_SMS_GATEWAY_RETRIES = int(os.environ.get("LINLI_SMS_GATEWAY_RETRIES", "3"))
LINLI_SMS_GATEWAY_BACKOFF = float(os.environ.get("LINLI_SMS_GATEWAY_BACKOFF", "0.5"))
# At most this many messages to one number per hour, whatever asked for them.
LINLI_SMS_PER_NUMBER_HOUR = int(os.environ.get("LINLI_SMS_PER_NUMBER_HOUR", "5"))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates on a 24-hour clock, without "a.m." (config/formats/en/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# WhiteNoise serves static files from the app folders in the demo and from STATIC_ROOT in
# production (LINLI_COLLECTED_STATIC=1 manage.py collectstatic); no separate file server.
COLLECTED_STATIC = env_bool("LINLI_COLLECTED_STATIC", False)
STATIC_ROOT = BASE_DIR / "staticfiles" if COLLECTED_STATIC else None
WHITENOISE_USE_FINDERS = not COLLECTED_STATIC
# Without collectstatic (the demo), serve files as they are now, not as at startup.
WHITENOISE_AUTOREFRESH = not COLLECTED_STATIC
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# The demo serves MEDIA_ROOT itself (config/media.py); production serves it from object
# storage or the web server (docs/deploy.md) and sets LINLI_SERVE_MEDIA=0.
LINLI_SERVE_MEDIA = env_bool("LINLI_SERVE_MEDIA", True)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "config.input_guard.JSONParser",
        "config.input_guard.FormParser",
        "config.input_guard.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "config.schema.LinliSchema",
    "EXCEPTION_HANDLER": "core.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Linli API",
    "DESCRIPTION": "Open API of the Linli neighborhood platform",
    "VERSION": "0.1.0",
}

# The realtime spine (docs/realtime.md).
LINLI_WS_MAX_MESSAGE_BYTES = int(os.environ.get("LINLI_WS_MAX_MESSAGE_BYTES", str(64 * 1024)))
LINLI_WS_IDLE_SECONDS = int(os.environ.get("LINLI_WS_IDLE_SECONDS", "120"))
LINLI_WS_RATE = (20.0, 60.0)  # frames per second, burst
LINLI_WS_MAX_STREAMS = int(os.environ.get("LINLI_WS_MAX_STREAMS", "50"))  # per socket
# A socket with more unsent bytes than this is dropped; its client resumes with `since`.
LINLI_WS_SEND_BUFFER_MAX = int(os.environ.get("LINLI_WS_SEND_BUFFER_MAX", str(1024 * 1024)))
# A reply or replay waiting for a client that reads nothing for this long drops it.
LINLI_WS_SEND_STALL_SECONDS = float(os.environ.get("LINLI_WS_SEND_STALL_SECONDS", "10"))
# How often each process checks its streams against the event table (lost pub/sub messages).
LINLI_WS_RECONCILE_SECONDS = float(os.environ.get("LINLI_WS_RECONCILE_SECONDS", "30"))
# A publish Redis has not taken by then is left to gap fill and reconcile (events are stored).
LINLI_PUBLISH_TIMEOUT_SECONDS = float(os.environ.get("LINLI_PUBLISH_TIMEOUT_SECONDS", "0.5"))
# How often each process checks the sessions of its sockets (one query): a socket whose
# session was deleted or expired closes with 4401 within this, and acts no longer.
LINLI_WS_SESSION_CHECK_SECONDS = float(os.environ.get("LINLI_WS_SESSION_CHECK_SECONDS", "10"))
LINLI_BACKLOG_EVENTS = int(os.environ.get("LINLI_BACKLOG_EVENTS", "1000"))
LINLI_BACKLOG_DAYS = int(os.environ.get("LINLI_BACKLOG_DAYS", "7"))
# A server process killed without warning stops counting as present (a room's chair on it)
# within this many seconds plus a third (realtime/lease.py).
LINLI_PROCESS_LEASE_SECONDS = float(os.environ.get("LINLI_PROCESS_LEASE_SECONDS", "15"))
# On SIGTERM a server finishes in-flight requests for at most this long (realtime/serve.py).
LINLI_SHUTDOWN_GRACE_SECONDS = float(os.environ.get("LINLI_SHUTDOWN_GRACE_SECONDS", "10"))

# Request bodies (config/bodylimit.py): larger ones are refused with 413 as they arrive.
LINLI_BODY_MAX_BYTES = int(os.environ.get("LINLI_BODY_MAX_BYTES", str(1024 * 1024)))
# The routes that take files: the ledger's spreadsheet (5 MiB), paper-ballot photos and
# avatars (10 MiB each), with room for the multipart envelope.
LINLI_UPLOAD_MAX_BYTES = int(os.environ.get("LINLI_UPLOAD_MAX_BYTES", str(12 * 1024 * 1024)))
LINLI_UPLOAD_ROUTES = frozenset(
    {"ledger_import", "api_ledger_import", "ballot_paper", "api-ballot-paper", "profile"}
)

# The proxies (nginx) whose X-Forwarded-For / X-Forwarded-Proto are believed: addresses or
# CIDR blocks, comma-separated; none by default (config/clientip.py).
LINLI_TRUSTED_PROXIES = env_list("LINLI_TRUSTED_PROXIES", "")

# HTTPS in production (README's table, docs/deploy.md); off for the demo on plain HTTP.
# nginx terminates TLS and says so in X-Forwarded-Proto, believed only from
# LINLI_TRUSTED_PROXIES (config/clientip.py), so Django sees the request's real scheme.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", False)
# The load balancer's health check may come over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = env_bool(
    "DJANGO_SECURE_COOKIES", False
)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}

# Links in posts to these hosts stay in the tab; others open a new one (core/rich.py).
# Defaults to ALLOWED_HOSTS.
LINLI_SITE_HOSTS = env_list("LINLI_SITE_HOSTS", ",".join(ALLOWED_HOSTS))
