"""Production defaults are safe; the demo profile is the only one with built-in keys."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import changhu

# The subprocesses import the settings of the code under test, not an installed copy.
SRC = str(Path(changhu.__file__).resolve().parents[1])

PROBE = (
    "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='changhu.settings'; "
    "from django.conf import settings as s; "
    "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.TIME_ZONE, s.LANGUAGE_CODE,"
    " s.DATABASES['default']['ENGINE'], getattr(s, 'SECURE_HSTS_SECONDS', 0))"
)


def _environment(env) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CHANGHU_", "DATABASE"))}
    clean["PYTHONPATH"] = os.pathsep.join(filter(None, [SRC, clean.get("PYTHONPATH")]))
    clean.update(env)
    return clean


def probe(**env):
    clean = _environment(env)
    return subprocess.run(
        [sys.executable, "-c", PROBE], env=clean, capture_output=True, text=True, timeout=60
    )


def run(code, **env):
    clean = _environment(env)
    return subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, timeout=60
    )


def test_production_server_refuses_to_start_without_keys():
    result = run("import changhu.wsgi", CHANGHU_PROFILE="production")
    assert result.returncode != 0
    assert "CHANGHU_SECRET_KEY, CHANGHU_FIELD_KEY, CHANGHU_INDEX_KEY must be set" in result.stderr


def test_production_without_keys_still_runs_tooling_but_never_encrypts():
    # Settings import, so makemigrations and checks work; personal data is never touched.
    probe_ok = probe(CHANGHU_PROFILE="production")
    assert probe_ok.returncode == 0, probe_ok.stderr
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='changhu.settings'; "
        "django.setup(); from changhu.core import crypto; crypto.encrypt('13812345678')"
    )
    result = run(code, CHANGHU_PROFILE="production")
    assert result.returncode != 0
    assert "CHANGHU_FIELD_KEY must be set" in result.stderr


PRODUCTION_KEYS = {
    "CHANGHU_SECRET_KEY": "x" * 50,
    "CHANGHU_FIELD_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    "CHANGHU_INDEX_KEY": "index-key",
}


def test_production_defaults_are_safe():
    database = "postgres://u:p@db.example:5432/changhu"
    result = probe(
        CHANGHU_PROFILE="production", CHANGHU_HSTS="1", DATABASE_URL=database, **PRODUCTION_KEYS
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "True",
        "True",
        "Asia/Shanghai",
        "zh-hans",
        "django.db.backends.postgresql",
        "31536000",
    ]


def test_demo_profile_runs_on_sqlite_without_debug():
    # People trying the demo see the product's Chinese error pages, never Django's debug page.
    result = probe(CHANGHU_PROFILE="demo")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["False", "False"]
    assert "django.db.backends.sqlite3" in result.stdout


def test_dev_profile_keeps_debug_for_developers():
    result = probe(CHANGHU_PROFILE="dev")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["True", "False"]
    assert "django.db.backends.sqlite3" in result.stdout
    # CHANGHU_DEBUG still decides when it is set.
    assert probe(CHANGHU_PROFILE="dev", CHANGHU_DEBUG="0").stdout.split()[0] == "False"
    assert probe(CHANGHU_PROFILE="demo", CHANGHU_DEBUG="1").stdout.split()[0] == "True"


def test_unknown_profile_is_refused():
    result = probe(CHANGHU_PROFILE="staging")
    assert result.returncode != 0
    assert "CHANGHU_PROFILE must be demo, dev, production or test" in result.stderr


@pytest.mark.django_db
def test_security_headers(client):
    response = client.get("/api/v1/openapi.json")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


COOKIES = (
    "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='changhu.settings'; "
    "from django.conf import settings as s; "
    "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.CSRF_COOKIE_HTTPONLY,"
    " s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_SAMESITE,"
    " getattr(s, 'SECURE_HSTS_PRELOAD', None), 'security.W021' in s.SILENCED_SYSTEM_CHECKS)"
)


def test_production_cookies_are_host_only_and_hidden_from_scripts():
    result = run(COOKIES, CHANGHU_PROFILE="production", CHANGHU_HSTS="1", **PRODUCTION_KEYS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "Lax",
        "Lax",
        "False",
        "True",  # preloading is the owner's decision: Django's reminder is silenced
    ]
    preload = run(
        COOKIES,
        CHANGHU_PROFILE="production",
        CHANGHU_HSTS="1",
        CHANGHU_HSTS_PRELOAD="1",
        **PRODUCTION_KEYS,
    )
    assert preload.stdout.split()[-2:] == ["True", "False"]


def test_plain_http_profiles_keep_the_plain_cookie_names():
    # A "__Host-" cookie needs Secure, which the demo on http://127.0.0.1 cannot have.
    for env in (
        {"CHANGHU_PROFILE": "demo"},
        {"CHANGHU_PROFILE": "production", "CHANGHU_SECURE_COOKIES": "0", **PRODUCTION_KEYS},
    ):
        result = run(COOKIES, **env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split()[:3] == ["sessionid", "csrftoken", "True"]


@pytest.mark.django_db
def test_error_responses_made_before_the_view_carry_the_policy(client, monkeypatch):
    # A failure while a middleware reads the session is answered outside the inner middleware;
    # the policy is set outside all of them.
    from django.contrib.sessions.backends.db import SessionStore

    def broken(self, *args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(SessionStore, "load", broken)
    client.raise_request_exception = False
    client.cookies["sessionid"] = "x" * 32
    response = client.get("/login/")
    assert response.status_code == 500
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
