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
    "changhu.assessment",
    "changhu.fund",
    "changhu.settlement",
    "changhu.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "changhu.core.middleware.RequestContextMiddleware",
    "changhu.core.middleware.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
    "changhu.web.middleware.PasswordChangeRequiredMiddleware",
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
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
    # Covering indexes (INCLUDE) are a PostgreSQL speed-up; SQLite uses the key columns only.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
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
]

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
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("CHANGHU_SESSION_SECONDS", str(8 * 3600)))
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("CHANGHU_HSTS", False):
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
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
# Import batches left in preview longer are given up and their uploads deleted (purge-imports).
IMPORT_RETENTION_DAYS = int(os.environ.get("CHANGHU_IMPORT_RETENTION_DAYS", "7"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CHANGHU_LOG_LEVEL", "WARNING")},
}

CHANGHU_PRESETS_DIR = BASE_DIR / "presets"
