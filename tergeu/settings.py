"""tergeu's one settings module. Every value comes from the environment; docs/configuration.md
lists each variable (a test fails when one is missing there)."""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# Lets Django's generic classes be subscripted at run time, as the type stubs expect.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    """A string setting; `NAME_FILE` (a path to a file holding the value) wins over `NAME`."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env_str(name, "1" if default else "0").strip().lower()
    if value not in {"1", "0", "true", "false", "yes", "no", "on", "off", ""}:
        raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")
    return value in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env_str(name, str(default))
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


# Dev/demo mode lets the product run with safe local defaults (make run); production must
# set SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL explicitly.
DEV_MODE = env_bool("TERGEU_DEV", False)
DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEV_MODE:
        raise ImproperlyConfigured("SECRET_KEY is required (set TERGEU_DEV=1 for a local demo)")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105 - dev/demo only

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEV_MODE else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

VAR_DIR = Path(env_str("TERGEU_VAR_DIR", str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Counts failed sign-ins and locks the sign-in of a user from an address (docs/security.md).
    "axes",
    # Serves the API docs page with its own copy of Swagger UI (no CDN).
    "ninja",
    "tergeu.accounts",
    "tergeu.persons",
    "tergeu.cases",
    "tergeu.journal",
    "tergeu.registry",
    "tergeu.access",
    "tergeu.attachments",
    "tergeu.defence",
    "tergeu.evidence",
    "tergeu.notifications",
    "tergeu.integrity",
    "tergeu.signing",
    "tergeu.public",
    "tergeu.statistics",
    "tergeu.web",
    "tergeu.demo",
    "tergeu.api",
    # The second factor of officials' sign-in (tergeu/web/two_factor.py).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Above WhiteNoise, so that static files carry the policies too.
    "tergeu.web.security.security_headers",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tergeu.access.audit.remember_address",
    # The API under faults: 503 when the database is away, retries made safe by a key.
    "tergeu.api.idempotency.ApiFaults",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tergeu.web.security.session_limits",
    # After the session's checks (a page signed out shows the sign-in, not this refusal).
    "tergeu.web.security.form_text_check",
    "django_otp.middleware.OTPMiddleware",
    "tergeu.web.two_factor.second_factor",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a sign-in refused for too many failures into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tergeu.urls"
WSGI_APPLICATION = "tergeu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The project's own overrides of other apps' templates (the admin's index).
        "DIRS": [BASE_DIR / "tergeu" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tergeu.web.context.menu",
            ],
        },
    },
]


def _database(url: str) -> dict[str, Any]:
    config: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the one writer; synchronous=FULL makes every commit durable;
        # IMMEDIATE transactions take the write lock at BEGIN, so two appends serialise cleanly
        # instead of failing on lock upgrade.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            # The busy timeout first: switching to WAL waits for a lock, and connections
            # opened at the same moment (several threads or processes starting) must wait for
            # it rather than fail with "database is locked".
            "init_command": "PRAGMA busy_timeout=20000; PRAGMA journal_mode=WAL; "
            "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
        }
    return config


DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tergeu.sqlite3'}")
DATABASES = {"default": _database(DATABASE_URL)}
# The indexes that carry extra columns for index-only reads are PostgreSQL's; SQLite keeps their
# key columns, which is all a small embedded database needs.
SILENCED_SYSTEM_CHECKS = (
    ["models.W040"] if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else []
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.Official"
# django-axes first: it refuses a locked-out sign-in before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:my_cases"
LOGOUT_REDIRECT_URL = "web:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "ru")
LANGUAGES = [("kk", _("Kazakh")), ("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "tergeu" / "locale"]
USE_I18N = True
# Legal times are computed in the jurisdiction's zone; all datetimes are stored in UTC.
TIME_ZONE = env_str("TIME_ZONE", "Asia/Almaty")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Attachments: the largest file accepted, in bytes (default 50 MiB).
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 50 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# The watchdog tells the supervising prosecutor of a deadline still running this many hours
# after it was due (the responsible official and the head of unit are told at once).
TERGEU_ESCALATION_GRACE_HOURS = env_int("TERGEU_ESCALATION_GRACE_HOURS", 24)

# "Immediately" (незамедлительно) has no fixed duration in the Code: the service level the
# system enforces for such duties, in hours (the pack's default is 3).
TERGEU_IMMEDIATELY_HOURS = env_int("TERGEU_IMMEDIATELY_HOURS", 3)

# How long a break-glass grant (an official outside a case's team reading it urgently, on a
# written reason) runs, in hours.
TERGEU_BREAK_GLASS_HOURS = env_int("TERGEU_BREAK_GLASS_HOURS", 4)

# The statistics' anomalies. The Code sets no term for registering a report (DOMAIN-KZ §3:
# common practice 24 hours, unverified): a report still undecided, or decided, this many hours
# after it was received is shown. A body is shown when its registrations fell by this many per
# cent or more against the same period a year earlier, from at least this many.
TERGEU_REPORT_REGISTRATION_HOURS = env_int("TERGEU_REPORT_REGISTRATION_HOURS", 24)
TERGEU_STATS_DROP_PERCENT = env_int("TERGEU_STATS_DROP_PERCENT", 30)
TERGEU_STATS_DROP_MINIMUM = env_int("TERGEU_STATS_DROP_MINIMUM", 10)

# The unified register number (ЕРДР). Placeholders: {yy} year, {region} region code,
# {authority} authority code, {seq} sequence; widths follow the default 15-digit layout.
REGISTER_NUMBER_FORMAT = env_str(
    "REGISTER_NUMBER_FORMAT", "{yy:02d}{region:0>2}{authority:0>4}{seq:07d}"
)

# Cookies: never readable by scripts (forms carry the CSRF token themselves), sent over HTTPS
# only outside dev mode, and not on requests started by other sites' forms and scripts. Lax, not
# Strict: a link to a case in an e-mail must open it signed in.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEV_MODE)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEV_MODE)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A session ends this many seconds after signing in however active it is, and after this many
# minutes without a request (tergeu.web.security.session_limits).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)

# The second factor (TOTP, with recovery codes) every official must pass after the password;
# off in dev mode, where the demo's officials sign in with a password alone.
TERGEU_OTP_REQUIRED = env_bool("TERGEU_OTP_REQUIRED", not DEV_MODE)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "tergeu")
TERGEU_SESSION_IDLE_MINUTES = env_int("TERGEU_SESSION_IDLE_MINUTES", 30)

# HTTPS: plain-HTTP requests are redirected and browsers told to use HTTPS only (HSTS), outside
# dev mode. Behind a proxy that terminates TLS, SECURE_PROXY_SSL_HEADER names the request header
# (as Django names it) by which the proxy says the client used HTTPS; the proxy must set it on
# every request and drop the client's own.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEV_MODE)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEV_MODE else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
_proxy_ssl_header = env_str("SECURE_PROXY_SSL_HEADER")
SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header, "https") if _proxy_ssl_header else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Sign-in lockout (django-axes): after this many failed attempts for one user from one address,
# that user cannot sign in from that address, even with the right password, for the cool-off.
AXES_FAILURE_LIMIT = env_int("TERGEU_LOGIN_FAILURE_LIMIT", 5)
TERGEU_LOGIN_COOLOFF_MINUTES = env_int("TERGEU_LOGIN_COOLOFF_MINUTES", 15)
AXES_COOLOFF_TIME = timedelta(minutes=TERGEU_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Attempts during the lockout do not prolong it: the page's "try again in N minutes" holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A successful sign-in forgets the earlier failures of that user from that address.
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tergeu.web.security.signin_locked"
# The address the status page's limits use too: the proxy's header when one is configured.
AXES_CLIENT_IP_CALLABLE = "tergeu.public.views.client_address"
# Axes keeps the failed requests' form data; the CSRF token is no use to anyone reading it.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]
# No start-up banner on every management command; failures and lockouts are still logged.
AXES_VERBOSE = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-axes tells of every successful sign-in at INFO; its failures and lockouts are
    # warnings.
    "loggers": {"axes": {"level": "WARNING"}},
}

# Attachment types accepted (sniffed from content), comma-separated.
ATTACHMENT_ALLOWED_TYPES = frozenset(
    env_list(
        "ATTACHMENT_ALLOWED_TYPES",
        "application/pdf,image/jpeg,image/png,image/tiff,text/plain,audio/mpeg,video/mp4,"
        "application/zip,application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
)

# E-mail to participants goes through Django's e-mail backend: the console in dev mode, SMTP
# otherwise (docs/notifications.md).
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEV_MODE
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "tergeu@localhost")

# SMS goes through the gateway class named here (a dotted path). Without one configured, a
# server's SMS fail (and are reported by the reconciliation) rather than vanish.
TERGEU_SMS_GATEWAY = env_str(
    "TERGEU_SMS_GATEWAY",
    "tergeu.notifications.sms.ConsoleGateway"
    if DEV_MODE
    else "tergeu.notifications.sms.UnconfiguredGateway",
)
TERGEU_SMS_FILE_PATH = env_str("TERGEU_SMS_FILE_PATH", str(VAR_DIR / "sms"))

# The outbox: attempts before a message is marked failed, the pause before the first retry
# (doubled after each failure), and the delivery term when the law sets none.
TERGEU_OUTBOX_MAX_ATTEMPTS = env_int("TERGEU_OUTBOX_MAX_ATTEMPTS", 6)
TERGEU_OUTBOX_RETRY_SECONDS = env_int("TERGEU_OUTBOX_RETRY_SECONDS", 60)
TERGEU_OUTBOX_DELIVERY_HOURS = env_int("TERGEU_OUTBOX_DELIVERY_HOURS", 24)
# Deliver a request's messages as soon as its transaction commits, within the request; off: only
# the worker (`outbox_deliver --loop`) delivers, and no response waits for a gateway.
TERGEU_OUTBOX_DELIVER_AFTER_COMMIT = env_bool("TERGEU_OUTBOX_DELIVER_AFTER_COMMIT", True)
# The address citizens reach the status page at, for links in the messages they receive.
TERGEU_PUBLIC_URL = env_str("TERGEU_PUBLIC_URL", "http://127.0.0.1:8000" if DEV_MODE else "")
# Procedural documents (docs/documents.md): the page an act's QR code links to ({hash}: the act's
# hash), and a directory of templates searched before the built-in ones (empty: none).
TERGEU_VERIFY_URL = env_str("TERGEU_VERIFY_URL", TERGEU_PUBLIC_URL.rstrip("/") + "/verify/{hash}")
TERGEU_DOCUMENT_TEMPLATES = env_str("TERGEU_DOCUMENT_TEMPLATES")

# The citizens' status page: how long a one-time code and a signed-in session last, and how
# many codes one IIN and one client address may ask for within the window.
TERGEU_STATUS_CODE_MINUTES = env_int("TERGEU_STATUS_CODE_MINUTES", 5)
TERGEU_STATUS_SESSION_MINUTES = env_int("TERGEU_STATUS_SESSION_MINUTES", 15)
TERGEU_STATUS_LIMIT_PER_IIN = env_int("TERGEU_STATUS_LIMIT_PER_IIN", 3)
TERGEU_STATUS_LIMIT_PER_IP = env_int("TERGEU_STATUS_LIMIT_PER_IP", 10)
TERGEU_STATUS_LIMIT_WINDOW_MINUTES = env_int("TERGEU_STATUS_LIMIT_WINDOW_MINUTES", 60)
# Behind a reverse proxy, the request header that carries the client's address (as Django
# names it, e.g. HTTP_X_REAL_IP); empty: the connection's own address (REMOTE_ADDR).
TERGEU_CLIENT_IP_HEADER = env_str("TERGEU_CLIENT_IP_HEADER")

# The integrity log (docs/integrity.md): the name its checkpoints carry, the class that signs its
# tree heads and that class's key (a PEM file, created on first use in dev mode only), the age
# after which the worker signs a fresh head though no act was added, and an RFC 3161 timestamp
# authority for the heads (empty: none) with its timeout in seconds.
TERGEU_LOG_ORIGIN = env_str("TERGEU_LOG_ORIGIN", "tergeu")
TERGEU_LOG_SIGNER = env_str("TERGEU_LOG_SIGNER", "tergeu.integrity.signer.KeyFileSigner")
TERGEU_LOG_KEY_PATH = env_str("TERGEU_LOG_KEY_PATH", str(VAR_DIR / "integrity" / "log-key.pem"))
TERGEU_LOG_HEAD_MAX_AGE_SECONDS = env_int("TERGEU_LOG_HEAD_MAX_AGE_SECONDS", 3600)
TERGEU_TSA_URL = env_str("TERGEU_TSA_URL")
TERGEU_TSA_TIMEOUT = env_int("TERGEU_TSA_TIMEOUT", 10)
# The CA certificates (files or directories) a timestamp authority's certificate must chain to;
# a token that does not is not kept.
TERGEU_TSA_TRUST_ROOTS = env_list("TERGEU_TSA_TRUST_ROOTS")

# Signatures (docs/signing.md). The trust store: CA certificates trusted as roots, intermediates
# that help build paths, and CRLs — files or directories. In dev mode, the development CA that
# `manage.py dev_ca` (and demo_load) makes in TERGEU_DEV_CA_DIR.
TERGEU_DEV_CA_DIR = Path(env_str("TERGEU_DEV_CA_DIR", str(VAR_DIR / "dev-ca")))
TERGEU_SIGNING_TRUST_ROOTS = env_list(
    "TERGEU_SIGNING_TRUST_ROOTS", str(TERGEU_DEV_CA_DIR / "ca.pem") if DEV_MODE else ""
)
TERGEU_SIGNING_INTERMEDIATES = env_list("TERGEU_SIGNING_INTERMEDIATES")
TERGEU_SIGNING_CRLS = env_list(
    "TERGEU_SIGNING_CRLS", str(TERGEU_DEV_CA_DIR / "crl.pem") if DEV_MODE else ""
)
TERGEU_SIGNING_REVOCATION_MODE = env_str("TERGEU_SIGNING_REVOCATION_MODE", "soft-fail")
if TERGEU_SIGNING_REVOCATION_MODE not in {"soft-fail", "hard-fail", "require"}:
    raise ImproperlyConfigured(
        "TERGEU_SIGNING_REVOCATION_MODE must be soft-fail, hard-fail or require, "
        f"not {TERGEU_SIGNING_REVOCATION_MODE!r}"
    )
# Fetch revocation data over the network (OCSP responders and CRL distribution points named in
# the certificates).
TERGEU_SIGNING_FETCH_REVOCATION = env_bool("TERGEU_SIGNING_FETCH_REVOCATION", False)
# How long a server-side key, once opened and its chain and revocation checked, is used without
# checking them again (a change of the trust store's files rechecks at once).
TERGEU_SIGNING_KEY_RECHECK_SECONDS = env_int("TERGEU_SIGNING_KEY_RECHECK_SECONDS", 60)
# The system's own seal: a PKCS#12 key and its password.
TERGEU_SEAL_P12 = env_str(
    "TERGEU_SEAL_P12", str(TERGEU_DEV_CA_DIR / "seal.p12") if DEV_MODE else ""
)
TERGEU_SEAL_PASSWORD = env_str(
    "TERGEU_SEAL_PASSWORD",
    "tergeu-dev" if DEV_MODE else "",  # noqa: S105 - the dev CA's published password
)
# Officials' keys kept on the server, <username>.p12 (development and demonstrations: an
# official's key belongs in their own signing application). Empty: signing on the server is off.
TERGEU_SIGNING_SERVER_KEYS = env_str(
    "TERGEU_SIGNING_SERVER_KEYS", str(TERGEU_DEV_CA_DIR / "officials") if DEV_MODE else ""
)
TERGEU_SIGNING_SERVER_KEY_PASSWORD = env_str(
    "TERGEU_SIGNING_SERVER_KEY_PASSWORD",
    "tergeu-dev" if DEV_MODE else "",  # noqa: S105 - the dev CA's published password
)
