"""The production profile as deployed: gunicorn with the production settings and throw-away keys,
checked from outside the way a security review would.

    .venv/bin/python scripts/check_production.py [--keep]

It migrates a scratch SQLite database, collects the static files, creates one staff login,
runs Django's deployment checklist (`changhu check --deploy`), and starts gunicorn twice with
scripts/gunicorn.conf.py on a free port of 127.0.0.1:

1. as behind a proxy that terminates TLS without HSTS (`CHANGHU_HSTS` unset): the login page,
   a sign-in, a static file, the API (a token, then `auth/me`), a page and an API path that do
   not exist, and a server error (the sessions table taken away under the running server);
2. with `CHANGHU_HSTS=1`: the same page through the proxy (`X-Forwarded-Proto: https`) and
   straight over HTTP.

It checks the security headers (CSP, HSTS only when enabled, nosniff, frame and referrer
policies), the cookies (`__Host-` names, Secure, HttpOnly, SameSite), that no response carries
debug output (a traceback, Django's technical pages, settings), that error pages are the
product's Chinese pages or the API's JSON error shape, and that the access log records paths
without their query strings. Every check is printed; the exit status is the number that failed.
CI runs it (.ci/run).
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
USERNAME = "prodcheck"
PASSWORD = secrets.token_urlsafe(18) + "a1"
DEBUG_MARKERS = (
    "Traceback",
    "DEBUG = True",
    "Django tried these URL patterns",
    "Using the URLconf",
    "You're seeing this error because you have",
    "django.core",
    "Exception Value",
    "SECRET_KEY",
    "/site-packages/",
)


def _bin(name: str) -> str:
    """A console script of this checkout's virtualenv, or of the one running this script."""
    for folder in (ROOT / ".venv" / "bin", Path(sys.executable).parent):
        if (folder / name).exists():
            return str(folder / name)
    raise SystemExit(f"{name} not found next to {sys.executable}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_environment(scratch: Path) -> dict[str, str]:
    """The production profile with keys made for this run, on a SQLite file in ``scratch``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHANGHU_", "DATABASE_"))}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        {
            "CHANGHU_PROFILE": "production",
            "CHANGHU_SECRET_KEY": secrets.token_urlsafe(50),
            "CHANGHU_FIELD_KEY": base64.b64encode(os.urandom(32)).decode(),
            "CHANGHU_INDEX_KEY": secrets.token_urlsafe(32),
            "CHANGHU_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CHANGHU_VAR_DIR": str(scratch),
            "CHANGHU_HOME": str(ROOT),
            "DATABASE_URL": f"sqlite:///{scratch / 'production.sqlite3'}",
            # The code of this checkout, whichever virtualenv runs it.
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")])),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


class Checks:
    def __init__(self) -> None:
        self.failed: list[str] = []
        self.passed = 0

    def check(self, label: str, ok: bool, detail: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"  ok    {label}")
        else:
            self.failed.append(label)
            print(f"  FAIL  {label}" + (f": {detail}" if detail else ""))
        return ok


class Response:
    def __init__(self, raw: http.client.HTTPResponse) -> None:
        self.status = raw.status
        self.headers = raw.getheaders()
        self.body = raw.read()

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k.lower() == name.lower()), "")

    def cookies(self) -> dict[str, str]:
        """Cookie name -> the whole Set-Cookie line."""
        found = {}
        for key, value in self.headers:
            if key.lower() == "set-cookie":
                found[value.split("=", 1)[0].strip()] = value
        return found

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def request(port: int, method: str, path: str, *, headers=None, body: bytes | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            method, path, body=body, headers={"Host": "127.0.0.1", **(headers or {})}
        )
        return Response(connection.getresponse())
    finally:
        connection.close()


def _attributes(set_cookie: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in set_cookie.split(";")[1:]}


def _samesite(set_cookie: str) -> str:
    found = re.search(r";\s*samesite=(\w+)", set_cookie, re.IGNORECASE)
    return found.group(1).lower() if found else ""


def check_cookie(checks: Checks, label: str, set_cookie: str) -> None:
    attributes = _attributes(set_cookie)
    name = set_cookie.split("=", 1)[0]
    checks.check(f"{label} cookie named __Host-…", name.startswith("__Host-"), name)
    checks.check(f"{label} cookie Secure", "secure" in attributes, set_cookie)
    checks.check(f"{label} cookie HttpOnly", "httponly" in attributes, set_cookie)
    checks.check(
        f"{label} cookie SameSite=Lax or Strict",
        _samesite(set_cookie) in {"lax", "strict"},
        set_cookie,
    )
    checks.check(f"{label} cookie has no Domain", "domain" not in attributes, set_cookie)


def check_headers(checks: Checks, label: str, response: Response, *, hsts: bool) -> None:
    csp = response.header("Content-Security-Policy")
    checks.check(
        f"{label}: Content-Security-Policy default-src 'self', frame-ancestors 'none'",
        "default-src 'self'" in csp and "frame-ancestors 'none'" in csp,
        csp or "missing",
    )
    checks.check(f"{label}: no 'unsafe-inline' in the CSP", "unsafe-inline" not in csp, csp)
    checks.check(
        f"{label}: X-Content-Type-Options nosniff",
        response.header("X-Content-Type-Options") == "nosniff",
    )
    checks.check(f"{label}: X-Frame-Options DENY", response.header("X-Frame-Options") == "DENY")
    checks.check(
        f"{label}: Referrer-Policy same-origin",
        response.header("Referrer-Policy") == "same-origin",
    )
    sts = response.header("Strict-Transport-Security")
    if hsts:
        checks.check(
            f"{label}: HSTS for a year, subdomains included",
            "max-age=31536000" in sts and "includesubdomains" in sts.lower(),
            sts or "missing",
        )
    else:
        checks.check(f"{label}: no HSTS header while HSTS is off", not sts, sts)


def check_no_debug(checks: Checks, label: str, response: Response) -> None:
    shown = [marker for marker in DEBUG_MARKERS if marker in response.text]
    checks.check(f"{label}: no debug output", not shown, ", ".join(shown))


class Server:
    """gunicorn with scripts/gunicorn.conf.py, as scripts/serve.sh runs it."""

    def __init__(self, env: dict[str, str], scratch: Path, name: str) -> None:
        self.port = _free_port()
        self.log_path = scratch / f"gunicorn-{name}.log"
        self.env = {**env, "HOST": "127.0.0.1", "WEB_PORT": str(self.port), "WEB_WORKERS": "2"}
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                _bin("gunicorn"),
                "changhu.wsgi:application",
                "--config",
                str(ROOT / "scripts" / "gunicorn.conf.py"),
            ],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited:\n{self.log()}")
            try:
                request(self.port, "GET", "/login/", headers={"X-Forwarded-Proto": "https"})
                return self
            except OSError:
                time.sleep(0.3)
        self.__exit__()
        raise SystemExit(f"gunicorn did not answer in time:\n{self.log()}")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def prepare(env: dict[str, str], checks: Checks) -> None:
    changhu = _bin("changhu")

    def run(*args: str, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [changhu, *args], env={**env, **(extra or {})}, cwd=ROOT, capture_output=True, text=True
        )

    for step in (("migrate", "--noinput"), ("collectstatic", "--noinput", "-v", "0")):
        done = run(*step)
        if done.returncode:
            raise SystemExit(f"changhu {' '.join(step)} failed:\n{done.stderr}")
    created = run(
        "createsuperuser",
        "--noinput",
        "--username",
        USERNAME,
        "--email",
        "prodcheck@example.invalid",
        extra={"DJANGO_SUPERUSER_PASSWORD": PASSWORD},
    )
    if created.returncode:
        raise SystemExit(f"changhu createsuperuser failed:\n{created.stderr}")
    deploy = run(
        "check",
        "--deploy",
        "--tag",
        "security",
        "--fail-level",
        "WARNING",
        extra={"CHANGHU_HSTS": "1"},
    )
    checks.check(
        "Django's security checklist (check --deploy --tag security, HSTS on): no warning",
        deploy.returncode == 0,
        (deploy.stderr or deploy.stdout).strip(),
    )


def static_path(scratch: Path) -> str:
    """The hashed name of the back office's stylesheet, as the pages link it."""
    manifest = json.loads((scratch / "static" / "staticfiles.json").read_text())
    return "/static/" + manifest["paths"]["web/app.css"]


def plain_http_checks(env: dict[str, str], scratch: Path, checks: Checks) -> None:
    print("== production profile, HSTS off (TLS terminated by the proxy)")
    with Server(env, scratch, "plain") as server:
        port = server.port
        login = request(port, "GET", "/login/?q=110101199003070011")
        checks.check("login page answers 200", login.status == 200, str(login.status))
        check_headers(checks, "login page", login, hsts=False)
        check_no_debug(checks, "login page", login)
        csrf = next((v for k, v in login.cookies().items() if "csrftoken" in k), "")
        checks.check("login page sets the CSRF cookie", bool(csrf), str(login.cookies()))
        if csrf:
            check_cookie(checks, "CSRF", csrf)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
        checks.check("login form carries a CSRF token", bool(token))

        cookie = SimpleCookie()
        cookie.load(csrf.split(";", 1)[0] if csrf else "")
        signed_in = request(
            port,
            "POST",
            "/login/",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": "; ".join(f"{k}={m.value}" for k, m in cookie.items()),
                "Referer": f"http://127.0.0.1:{port}/login/",
            },
            body=urlencode(
                {
                    "csrfmiddlewaretoken": token.group(1) if token else "",
                    "username": USERNAME,
                    "password": PASSWORD,
                }
            ).encode(),
        )
        checks.check("sign-in redirects (302)", signed_in.status == 302, str(signed_in.status))
        session = next((v for k, v in signed_in.cookies().items() if "sessionid" in k), "")
        checks.check("sign-in sets the session cookie", bool(session), str(signed_in.headers))
        if session:
            check_cookie(checks, "session", session)

        stylesheet = request(port, "GET", static_path(scratch))
        checks.check("static file answers 200", stylesheet.status == 200, str(stylesheet.status))
        checks.check(
            "static file is cached for long (hashed name)",
            "max-age=315360000" in stylesheet.header("Cache-Control"),
            stylesheet.header("Cache-Control"),
        )
        checks.check(
            "static file: X-Content-Type-Options nosniff",
            stylesheet.header("X-Content-Type-Options") == "nosniff",
        )

        issued = request(
            port,
            "POST",
            "/api/v1/auth/token",
            headers={"Content-Type": "application/json"},
            body=json.dumps({"username": USERNAME, "password": PASSWORD, "name": "check"}).encode(),
        )
        checks.check("API token issued (200)", issued.status == 200, issued.text[:300])
        api_token = json.loads(issued.body).get("token", "") if issued.status == 200 else ""
        me = request(
            port, "GET", "/api/v1/auth/me", headers={"Authorization": f"Bearer {api_token}"}
        )
        checks.check("API auth/me answers 200 JSON", me.status == 200, me.text[:300])
        check_headers(checks, "API response", me, hsts=False)

        missing = request(port, "GET", "/no-such-page/")
        checks.check("unknown page is 404", missing.status == 404, str(missing.status))
        checks.check(
            "404 is the product's Chinese page", "页面不存在" in missing.text, missing.text[:300]
        )
        check_headers(checks, "404 page", missing, hsts=False)
        check_no_debug(checks, "404 page", missing)

        api_missing = request(port, "GET", "/api/v1/no-such-thing")
        checks.check(
            "unknown API path is a JSON 404",
            api_missing.status == 404
            and api_missing.header("Content-Type").startswith("application/json")
            and json.loads(api_missing.body).get("code") == "not_found",
            f"{api_missing.status} {api_missing.text[:200]}",
        )
        check_no_debug(checks, "API 404", api_missing)

        time.sleep(1)  # the access log is written after the response
        before_the_error = server.log()
        checks.check(
            "no error logged so far",
            "Traceback" not in before_the_error and " 500 " not in before_the_error,
            before_the_error[-2000:],
        )

        # A server error: the sessions table goes away under the running server.
        database = scratch / "production.sqlite3"
        with sqlite3.connect(database) as db:
            db.execute("ALTER TABLE django_session RENAME TO django_session_away")
        try:
            broken = request(port, "GET", "/login/", headers={"Cookie": session.split(";")[0]})
        finally:
            with sqlite3.connect(database) as db:
                db.execute("ALTER TABLE django_session_away RENAME TO django_session")
        checks.check("a failing database gives a 500", broken.status == 500, str(broken.status))
        checks.check(
            "500 is the product's Chinese page", "系统出现错误" in broken.text, broken.text[:300]
        )
        check_headers(checks, "500 page", broken, hsts=False)
        check_no_debug(checks, "500 page", broken)

        checks.check(
            "access log records the login page without its query string",
            '"GET /login/ ' in before_the_error and "110101199003070011" not in before_the_error,
            before_the_error[-500:],
        )


def hsts_checks(env: dict[str, str], scratch: Path, checks: Checks) -> None:
    print("== production profile, CHANGHU_HSTS=1")
    with Server({**env, "CHANGHU_HSTS": "1"}, scratch, "hsts") as server:
        proxied = request(server.port, "GET", "/login/", headers={"X-Forwarded-Proto": "https"})
        checks.check(
            "login page through the proxy answers 200", proxied.status == 200, str(proxied.status)
        )
        check_headers(checks, "login page over HTTPS", proxied, hsts=True)
        plain = request(server.port, "GET", "/login/")
        checks.check(
            "plain HTTP is redirected to HTTPS",
            plain.status == 301 and plain.header("Location").startswith("https://"),
            f"{plain.status} {plain.header('Location')}",
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="changhu-production-"))
    checks = Checks()
    try:
        env = production_environment(scratch)
        prepare(env, checks)
        plain_http_checks(env, scratch, checks)
        hsts_checks(env, scratch, checks)
    finally:
        if args.keep:
            print(f"scratch directory kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print(f"{checks.passed} checks passed, {len(checks.failed)} failed")
    for label in checks.failed:
        print(f"  failed: {label}")
    return len(checks.failed)


if __name__ == "__main__":
    sys.exit(main())
