"""Django settings, 12-factor: everything that differs between machines comes from the environment.

Profiles: ``CHANGHU_PROFILE=demo`` (what ``make demo`` uses: SQLite under ``var/``, demo keys,
DEBUG off so people see the product's own Chinese error pages), ``dev`` (as demo, with DEBUG and
Django's debug pages, for developers) and ``production`` (the default: DEBUG off, secure cookies,
keys required).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("CHANGHU_HOME", BASE_DIR.parent.parent)).resolve()
VAR_DIR = Path(os.environ.get("CHANGHU_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PROFILE = os.environ.get("CHANGHU_PROFILE") or "production"
if PROFILE not in {"demo", "dev", "production", "test"}:
    raise ImproperlyConfigured("CHANGHU_PROFILE must be demo, dev, production or test")
# The profiles that run on one machine with the built-in demo keys and plain HTTP.
DEMO = PROFILE in {"demo", "dev", "test"}

# Demo-only keys: clearly marked, never accepted in production.
_DEMO_SECRET = "demo-only-insecure-secret-key-change-me-in-production-0123456789"
_DEMO_FIELD_KEY = "ZGVtby1vbmx5LWZpZWxkLWtleS0zMi1ieXRlcyEhISE="  # base64 of 32 bytes
_DEMO_INDEX_KEY = "demo-only-blind-index-key"


# Keys missing in the production profile. Settings still import (so tooling such as
# ``makemigrations`` works), but the web server and the encryption code refuse to run.
MISSING_SECRETS: list[str] = []


def _secret(name: str, demo_value: str) -> str:
    value = os.environ.get(name)
    if value:
        return value
    if DEMO:
        return demo_value
    MISSING_SECRETS.append(name)
    return ""


def require_secrets() -> None:
    """Raise unless every key is configured; called by the WSGI entry point and by crypto."""
    if MISSING_SECRETS:
        names = ", ".join(MISSING_SECRETS)
        raise ImproperlyConfigured(f"{names} must be set in the production profile")


SECRET_KEY = _secret("CHANGHU_SECRET_KEY", _DEMO_SECRET)
# Key for encrypting personal data at rest (AES-256-GCM), base64 of 32 bytes.
FIELD_ENCRYPTION_KEY = _secret("CHANGHU_FIELD_KEY", _DEMO_FIELD_KEY)
# Separate key for the keyed hashes (blind indexes) used to look up encrypted values.
BLIND_INDEX_KEY = _secret("CHANGHU_INDEX_KEY", _DEMO_INDEX_KEY)

# Only developers see Django's debug pages; everyone else gets the Chinese error pages.
DEBUG = env_bool("CHANGHU_DEBUG", PROFILE == "dev")
ALLOWED_HOSTS = env_list("CHANGHU_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEMO else "")
CSRF_TRUSTED_ORIGINS = env_list("CHANGHU_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "ninja",
    "changhu.core",
    "changhu.orgs",
    "changhu.insured",
    "changhu.providers",
    "changhu.care",
    "changhu.visits",
    "changhu.supervision",
    "changhu.assessment",
    "changhu.fund",
    "changhu.settlement",
    "changhu.feedback",
    "changhu.matching",
    "changhu.scorecards",
    "changhu.training",
    "changhu.public",
    "changhu.assessment_fees",
    "changhu.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside everything that can fail, so that every response gets the policy: error pages
    # made by a later middleware (a database that fails while the session is read) included.
    "changhu.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "changhu.api.guard.ApiGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "changhu.core.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
    "changhu.web.middleware.PasswordChangeRequiredMiddleware",
    "changhu.web.page_rights.PageRightsMiddleware",  # before any form is read
    "changhu.web.middleware.FormTextMiddleware",
]

ROOT_URLCONF = "changhu.urls"
# A refused CSRF check gets the product's Chinese page (or the API's JSON error shape).
CSRF_FAILURE_VIEW = "changhu.web.errors.csrf_failure"
WSGI_APPLICATION = "changhu.wsgi.application"
AUTH_USER_MODEL = "orgs.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "changhu.web.context.navigation",
            ],
            # {{ value|label:"kind" }} on every page: codes are shown by their Chinese labels.
            "builtins": ["changhu.web.templatetags.labels"],
        },
    }
]

SILENCED_SYSTEM_CHECKS: list[str] = []

_default_db = f"sqlite:///{VAR_DIR / 'changhu.sqlite3'}"
if "DATABASE_URL" not in os.environ:
    # The embedded default must work on a fresh clone: its directory is created on demand.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _default_db), conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg prepares a statement a connection has run this many times, for the cursors that
    # bind parameters on the server (core.db.prepared_statements); Django's default, client-side
    # binding cursors are unaffected.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            # Take the write lock when a transaction begins: a transaction that reads and then
            # writes can otherwise fail at once with "database is locked" under concurrent
            # writers instead of waiting for the timeout.
            "transaction_mode": "IMMEDIATE",
        }
    )
    # Covering indexes (INCLUDE) are a PostgreSQL speed-up; SQLite uses the key columns only.
    SILENCED_SYSTEM_CHECKS.append("models.W040")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "changhu.orgs.passwords.CharacterClassValidator"},
    {"NAME": "changhu.orgs.passwords.HistoryValidator"},
]
# A password older than this many days must be changed at the next sign-in (0: never expires);
# a new password may not repeat the last PASSWORD_HISTORY ones (0: no history kept).
# The demo and the test suite keep passwords forever (the demo's logins are published; tests
# move the clock by months); production and dev expire them.
PASSWORD_MAX_AGE_DAYS = int(
    os.environ.get("CHANGHU_PASSWORD_MAX_AGE_DAYS", "0" if PROFILE in ("demo", "test") else "90")
)
PASSWORD_HISTORY = int(os.environ.get("CHANGHU_PASSWORD_HISTORY", "5"))

# django-axes: lock a username + IP pair after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("CHANGHU_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("CHANGHU_LOGIN_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "changhu.orgs.auth.lockout_response"
AXES_VERBOSE = False
AXES_ENABLED = env_bool("CHANGHU_AXES_ENABLED", True)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("CHANGHU_STATIC_ROOT", VAR_DIR / "static"))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": os.environ.get("CHANGHU_MEDIA_ROOT", str(VAR_DIR / "media"))},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEMO
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEMO
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Security: safe production defaults; the demo runs on plain HTTP on 127.0.0.1.
SECURE = not DEMO and env_bool("CHANGHU_SECURE_COOKIES", True)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
# Over HTTPS the cookies carry the "__Host-" prefix: a browser takes them only if they are
# Secure, for the whole site and from this very host, so a sibling subdomain cannot plant or
# overwrite them (OWASP ASVS 3.4.4).
SESSION_COOKIE_NAME = "__Host-sessionid" if SECURE else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if SECURE else "csrftoken"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("CHANGHU_SESSION_SECONDS", str(8 * 3600)))
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Scripts take the CSRF token from the page (<meta name="csrf-token">), never from the cookie.
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("CHANGHU_HSTS", False):
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading puts the domain in the browsers' built-in HTTPS-only list, which is hard to
    # leave: the site's owner decides it (CHANGHU_HSTS_PRELOAD=1), so Django's reminder is off.
    SECURE_HSTS_PRELOAD = env_bool("CHANGHU_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS.append("security.W021")
    SECURE_SSL_REDIRECT = env_bool("CHANGHU_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'"
)

# API throttles (django-ninja), per authenticated user or per IP for anonymous callers.
API_THROTTLE_ANON = os.environ.get("CHANGHU_API_THROTTLE_ANON", "60/min")
API_THROTTLE_USER = os.environ.get("CHANGHU_API_THROTTLE_USER", "6000/min")
API_TOKEN_DAYS = int(os.environ.get("CHANGHU_API_TOKEN_DAYS", "30"))
# A token unused for this long stops working (it is recorded as used at most every 5 minutes,
# so the effective idle time is within 5 minutes of this).
API_TOKEN_IDLE_MINUTES = int(os.environ.get("CHANGHU_API_TOKEN_IDLE_MINUTES", str(7 * 24 * 60)))
# Import batches left in preview longer are given up and their uploads deleted (purge-imports).
IMPORT_RETENTION_DAYS = int(os.environ.get("CHANGHU_IMPORT_RETENTION_DAYS", "7"))
# PDFs are laid out in a short-lived child process (changhu.core.pdf): at most this many at once
# per web worker, each given this many seconds.
PDF_RENDERS_AT_ONCE = int(os.environ.get("CHANGHU_PDF_RENDERS", "1"))
PDF_RENDER_SECONDS = int(os.environ.get("CHANGHU_PDF_RENDER_SECONDS", "60"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CHANGHU_LOG_LEVEL", "WARNING")},
}

CHANGHU_PRESETS_DIR = BASE_DIR / "presets"

# Working days a supervisor has to decide an institution's appeal against a finding.
SUPERVISION_APPEAL_WORKING_DAYS = int(os.environ.get("CHANGHU_SUPERVISION_APPEAL_DAYS", "10"))
# Complaints, return visits and satisfaction surveys (changhu.feedback).
COMPLAINT_ACK_WORKING_DAYS = int(os.environ.get("CHANGHU_COMPLAINT_ACK_WORKING_DAYS", "1"))
COMPLAINT_REPLY_WORKING_DAYS = int(os.environ.get("CHANGHU_COMPLAINT_REPLY_WORKING_DAYS", "5"))
RETURN_VISIT_SHARE = float(os.environ.get("CHANGHU_RETURN_VISIT_SHARE", "0.05"))
RETURN_VISIT_MINIMUM = int(os.environ.get("CHANGHU_RETURN_VISIT_MINIMUM", "2"))
RETURN_VISIT_SEED = os.environ.get("CHANGHU_RETURN_VISIT_SEED", "changhu")
PUBLIC_COMPLAINTS_PER_HOUR = int(os.environ.get("CHANGHU_PUBLIC_COMPLAINTS_PER_HOUR", "5"))
PUBLIC_FORM_MIN_SECONDS = int(os.environ.get("CHANGHU_PUBLIC_FORM_MIN_SECONDS", "3"))
SERVICE_HOTLINE = os.environ.get("CHANGHU_SERVICE_HOTLINE", "028-12393")
# The public site (changhu.public): consultations one address may leave an hour.
PUBLIC_CONSULTATIONS_PER_HOUR = int(os.environ.get("CHANGHU_PUBLIC_CONSULTATIONS_PER_HOUR", "3"))
