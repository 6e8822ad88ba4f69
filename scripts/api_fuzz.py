"""Schemathesis against the live API, as three roles: 0 server errors, 0 responses that break
their schema, 0 statuses the document does not declare.

    .venv/bin/python scripts/api_fuzz.py [--max-examples 6] [--max-time 110]

It builds the demo city in a scratch directory (SQLite, or $DATABASE_URL when set: give it an
empty database), starts gunicorn on a free port, signs in as the case worker, the care
institution's administrator and a caregiver, and runs `schemathesis run` once per role with a
bounded number of examples per operation and a time budget per role. A role that fails runs
once more: a failure that comes back makes the exit status non-zero; one that does not is printed
as FLAKY with its failures and the server's tracebacks, and does not. Either way the end of the
output names each role's result (CI shows only the tail). CI runs it (.ci/run); a run takes
about 7 minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
ROLES = ("caseworker", "careadmin", "caregiver")
DEMO_PASSWORD = "Changhu2026"
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _changhu(env: dict, *args: str) -> None:
    subprocess.run([str(BIN / "changhu"), *args], env=env, check=True, stdout=subprocess.DEVNULL)


def _token(base: str, username: str) -> str:
    body = json.dumps({"username": username, "password": DEMO_PASSWORD, "name": "schemathesis"})
    request = urllib.request.Request(
        f"{base}/api/v1/auth/token",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["token"]


def _wait(base: str, server: subprocess.Popen, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited before it answered")
        try:
            urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=5).read()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer in time")


def _failures_section(output: str, limit: int = 80) -> str:
    """Schemathesis's FAILURES section (its first `limit` lines), or its last lines."""
    lines = output.splitlines()
    fallback = max(len(lines) - limit, 0)
    start = next((i for i, line in enumerate(lines) if "FAILURES" in line), fallback)
    return "\n".join(lines[start : start + limit])


def _print_server_errors(log: Path, limit: int = 120) -> None:
    """The server log's tracebacks and 5xx lines, at most `limit` lines, to standard error."""
    lines = log.read_text(errors="replace").splitlines()
    picked: list[str] = []
    for i, line in enumerate(lines):
        if "Traceback" in line or "Internal Server Error" in line or "WORKER TIMEOUT" in line:
            picked.extend(lines[i : i + 25])
        if len(picked) >= limit:
            break
    print(f"gunicorn log: {log}", file=sys.stderr)
    print("\n".join(picked[:limit]) or "(no traceback in the server log)", file=sys.stderr)


def _schemathesis(base: str, token: str, args, env: dict, scratch: Path) -> tuple[int, str]:
    """One schemathesis run as the holder of ``token``: its exit status and its output."""
    result = subprocess.run(
        [
            str(BIN / "schemathesis"),
            "run",
            f"{base}/api/v1/openapi.json",
            "--checks",
            CHECKS,
            "--header",
            f"Authorization: Bearer {token}",
            "--max-examples",
            str(args.max_examples),
            "--max-time",
            str(args.max_time),
            "--phases",
            "examples,coverage,fuzzing",
            "--workers",
            "2",
            "--request-timeout",
            "60",
            "--suppress-health-check",
            "all",
            "--no-color",
            "--seed",
            "20261205",
            "--generation-database",
            "none",
            "--no-shrink",
            # Signing out or changing the password would end the run's own token.
            "--exclude-path-regex",
            "^/api/v1/auth/(token/revoke|password)$",
        ],
        env=env,
        cwd=scratch,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    print(result.stdout, flush=True)
    return result.returncode, result.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=6)
    parser.add_argument("--max-time", type=int, default=110, help="seconds per role")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="changhu-fuzz-"))
    env = {
        **os.environ,
        "CHANGHU_PROFILE": "demo",
        "CHANGHU_VAR_DIR": str(scratch),
        "CHANGHU_API_THROTTLE_USER": "1000000/min",
        "CHANGHU_API_THROTTLE_ANON": "1000000/min",
        "PYTHONUNBUFFERED": "1",
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{scratch / 'fuzz.sqlite3'}")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = None
    try:
        for step in (("migrate", "--noinput"), ("load-presets",), ("seed-demo",), ("demo-logins",)):
            _changhu(env, *step)
        _changhu(env, "collectstatic", "--noinput", "-v", "0")
        log = (scratch / "gunicorn.log").open("w")
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "changhu.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--worker-class",
                "gthread",
                "--threads",
                "4",
                "--timeout",
                "120",
            ],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        _wait(base, server)
        outcome: dict[str, int] = {}
        failures: dict[str, str] = {}
        flaky: list[str] = []
        for role in ROLES:
            token = _token(base, role)
            print(f"==> schemathesis as {role}", flush=True)
            code, output = _schemathesis(base, token, args, env, scratch)
            if code:
                # A failure is printed in full below. The same role runs once more: a failure
                # that comes back fails the run; one that does not is reported as flaky.
                failures[role] = _failures_section(output)
                print(f"==> schemathesis as {role}, again", flush=True)
                code, output = _schemathesis(base, token, args, env, scratch)
                if code == 0:
                    flaky.append(role)
            outcome[role] = code
        # CI shows only the tail of the output: say here which role failed, and what the server
        # logged for it, so the cause can be read without rerunning.
        print("==> schemathesis by role: " + ", ".join(f"{r} exit {c}" for r, c in outcome.items()))
        for role, text in failures.items():
            label = "FLAKY (passed when run again)" if role in flaky else "failures"
            print(f"==> {label} as {role}:\n{text}", file=sys.stderr)
        if failures:
            _print_server_errors(scratch / "gunicorn.log")
        return 1 if any(outcome.values()) else 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if not args.keep and not os.environ.get("CHANGHU_FUZZ_KEEP"):
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
