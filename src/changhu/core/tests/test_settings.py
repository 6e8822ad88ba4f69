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


def test_production_defaults_are_safe():
    result = probe(
        CHANGHU_PROFILE="production",
        CHANGHU_SECRET_KEY="x" * 50,
        CHANGHU_FIELD_KEY="MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        CHANGHU_INDEX_KEY="index-key",
        CHANGHU_HSTS="1",
        DATABASE_URL="postgres://u:p@db.example:5432/changhu",
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
