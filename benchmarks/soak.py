"""Soak test: the production web server under a steady mixed load, watched for errors and for
the memory of each worker.

    .venv/bin/python benchmarks/soak.py --database-url postgres://postgres@127.0.0.1:5432/soak \
        [--minutes 10] [--rate 200] [--record]

On a dedicated PostgreSQL database it migrates, loads the presets and seeds the demo city
(`seed-demo --persons 500 --force`, with the benchmark keys of the production profile; skipped
when the database already holds it), adds caregivers with logins, tokens and beneficiaries for
the check-ins (``checkin_load.prepare``), collects the static files, and starts gunicorn as
``scripts/serve.sh`` does (``scripts/gunicorn.conf.py``, production profile, 3 workers of 4
threads). Worker recycling (``max_requests``) is off unless ``--max-requests`` is given, so
that what is measured is the workers' own memory.

It then sends, open loop, ``--rate`` requests a second for ``--minutes`` over keep-alive
connections, each drawn at random from this mix (per thousand):

    450 caregiver check-ins        POST /api/v1/visits/check-in (a fresh visit each time)
    260 API lists                  persons, entitlements, visits, applications, claims (paged)
    250 back-office list pages     the register, entitlements, cases, visits, periods, institutions
     20 conclusion letters         the stored PDF, decrypted (GET …/conclusions/{id}/letter)
     19 Excel exports              a claim's statement (.xlsx) and the caregiver list (.xlsx)
      1 statement PDF              laid out on request (GET …/claims/{id}/statement.pdf)

The visits the check-ins start are cancelled out of band, as in ``checkin_load.py``, so their
caregivers can check in again. Every second it reads the resident memory (VmRSS) of each
gunicorn worker, and of the short-lived processes that lay PDFs out, from /proc.

It reports the errors (any status other than 200/201, any broken connection: there must be
none), the latency percentiles per kind after the warm-up, the rate achieved, and each worker's
memory over time, and says whether every worker's memory stayed within 15 % (max against min)
after the warm-up. When the server falls behind the schedule, what is still queued when the
time is up is not sent (and counted), so the run lasts what was asked. The exit status is
non-zero when there was an error, a worker's memory was not flat, or less than 95 % of the
target rate was achieved. ``--record`` appends the result to benchmarks/results/soak.md;
``--only KIND`` sends one kind alone (``--only "statement pdf" --rate 1``: PDF memory).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import http.client
import json
import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from checkin_load import Closer, _body, _cpu_seconds
from checkin_load import prepare as prepare_caregivers
from screen_visits import PRODUCTION_ENV, ROOT, load_average, setup_django

RESULTS = ROOT / "benchmarks" / "results" / "soak.md"
DEMO_PASSWORD = "Changhu2026"
MIX = (
    ("check-in", 450),
    ("api list", 260),
    ("page", 250),
    ("letter", 20),
    ("excel", 19),
    ("statement pdf", 1),
)
FLAT = 0.15


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", ""), help="a dedicated database"
    )
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--warmup", type=float, default=60.0, help="seconds not measured")
    parser.add_argument("--concurrency", type=int, default=64, help="open connections")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--persons", type=int, default=500, help="demo city size")
    parser.add_argument("--caregivers", type=int, default=300)
    parser.add_argument("--persons-per-caregiver", type=int, default=4)
    parser.add_argument(
        "--max-requests", type=int, default=0, help="gunicorn max_requests (0: no recycling)"
    )
    parser.add_argument(
        "--only",
        choices=[kind for kind, _ in MIX],
        help="send only this kind (e.g. 'statement pdf' at --rate 2: PDF memory alone)",
    )
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--record", action="store_true", help=f"append the result to {RESULTS}")
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgres"):
        parser.error("--database-url (or DATABASE_URL) must name a PostgreSQL database")
    return args


# --- the server -------------------------------------------------------------------------------


def _bin(name: str) -> str:
    for folder in (ROOT / ".venv" / "bin", Path(sys.executable).parent):
        if (folder / name).exists():
            return str(folder / name)
    raise SystemExit(f"{name} not found")


def server_environment(args, var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANGHU_")}
    env.update(PRODUCTION_ENV)
    env.update(
        {
            "CHANGHU_SECURE_COOKIES": "1",  # as deployed: __Host- cookies
            "DATABASE_URL": args.database_url,
            "CHANGHU_VAR_DIR": str(var_dir),
            # A handful of logins send thousands of requests a minute here.
            "CHANGHU_API_THROTTLE_USER": "1000000/min",
            "CHANGHU_API_THROTTLE_ANON": "1000000/min",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")])),
            "HOST": "127.0.0.1",
            "WEB_PORT": str(args.port),
            "WEB_WORKERS": str(args.workers),
            "WEB_MAX_REQUESTS": str(args.max_requests),
        }
    )
    return env


def seed(args, env: dict[str, str]) -> None:
    """The demo city (once per database) and the static files."""
    from changhu.insured.models import Person

    def changhu(*command: str) -> None:
        subprocess.run(
            [_bin("changhu"), *command], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL
        )

    if not Person.objects.exists():
        started = time.monotonic()
        changhu("load-presets")
        changhu("seed-demo", "--persons", str(args.persons), "--force")
        print(f"seeded the demo city in {time.monotonic() - started:.0f}s", flush=True)
    changhu("collectstatic", "--noinput", "-v", "0")


def start_server(env: dict[str, str], log_path: Path) -> subprocess.Popen:
    log = log_path.open("w")
    server = subprocess.Popen(
        [
            _bin("gunicorn"),
            "changhu.wsgi:application",
            "--config",
            str(ROOT / "scripts" / "gunicorn.conf.py"),
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    port = int(env["WEB_PORT"])
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log_path.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise SystemExit("gunicorn did not start")


def stop_server(server: subprocess.Popen) -> None:
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(server.pid, signal.SIGKILL)


# --- memory -----------------------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class MemoryWatch(threading.Thread):
    """Every second: each worker's resident memory, and the largest PDF renderer seen."""

    def __init__(self, master: int) -> None:
        super().__init__(daemon=True)
        self.master = master
        self.samples: list[tuple[float, dict[int, float]]] = []
        self.renderer_peak_mb = 0.0
        self.renderers_seen: set[int] = set()
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            tree = _children()
            workers = {}
            for pid in tree.get(self.master, []):
                rss = _rss_mb(pid)
                if rss is not None:
                    workers[pid] = rss
                for child in tree.get(pid, []):
                    self.renderers_seen.add(child)
                    self.renderer_peak_mb = max(self.renderer_peak_mb, _rss_mb(child) or 0.0)
            self.samples.append((time.monotonic(), workers))
            self.stop.wait(1.0)


# --- HTTP -------------------------------------------------------------------------------------


async def _read_body(reader, head: bytes) -> bytes:
    length, chunked = None, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
        elif name.strip().lower() == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
    return await reader.readexactly(length or 0)


async def send(reader, writer, port: int, method: str, path: str, headers: dict, body=b""):
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    payload = await _read_body(reader, head)
    closing = re.search(rb"\r\nconnection:\s*close", head, re.IGNORECASE) is not None
    return status, payload, closing


def sign_in(port: int, username: str) -> str:
    """A back-office session cookie, by the login form."""

    def call(method, path, headers=None, body=None):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request(
            method, path, body=body, headers={"Host": "127.0.0.1", **(headers or {})}
        )
        response = connection.getresponse()
        result = (response.status, response.getheaders(), response.read().decode())
        connection.close()
        return result

    status, headers, text = call("GET", "/login/")
    csrf = next(v.split(";")[0] for k, v in headers if k.lower() == "set-cookie" and "csrf" in v)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)
    form = urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": DEMO_PASSWORD}
    )
    status, headers, text = call(
        "POST",
        "/login/",
        {"Cookie": csrf, "Content-Type": "application/x-www-form-urlencoded"},
        form.encode(),
    )
    if status != 302:
        raise SystemExit(f"signing in as {username} failed: {status} {text[:300]}")
    return next(v.split(";")[0] for k, v in headers if k.lower() == "set-cookie" and "session" in v)


def api_token(port: int, username: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = json.dumps({"username": username, "password": DEMO_PASSWORD, "name": "soak"})
    connection.request(
        "POST",
        "/api/v1/auth/token",
        body=body,
        headers={"Host": "127.0.0.1", "Content-Type": "application/json"},
    )
    response = connection.getresponse()
    data = response.read()
    connection.close()
    if response.status != 200:
        raise SystemExit(f"no API token for {username}: {response.status} {data[:300]!r}")
    return json.loads(data)["token"]


# --- the workload -----------------------------------------------------------------------------


@dataclass
class Targets:
    """What each kind of request asks for, with whose credentials."""

    api: list[str]
    pages: list[str]
    letters: list[str]
    excel: list[str]
    pdfs: list[str]
    token: str = ""
    cookie: str = ""
    clients: list[dict] = field(default_factory=list)


def targets(port: int) -> Targets:
    from changhu.assessment.models import Conclusion
    from changhu.settlement.models import Claim

    claims = list(Claim.objects.order_by("pk").values_list("pk", flat=True)[:20])
    letters = list(
        Conclusion.objects.exclude(letter="").order_by("pk").values_list("pk", flat=True)[:20]
    )
    if not claims or not letters:
        raise SystemExit("the demo city has no claims or conclusion letters")
    api = [
        f"/api/v1/{path}?page={page}"
        for path in (
            "insured/persons",
            "care/entitlements",
            "visits",
            "assessment/applications",
            "settlement/claims",
        )
        for page in (1, 2, 3)
    ]
    pages = [
        "/insured/",
        "/insured/?page=2",
        "/care/entitlements/",
        "/assessment/",
        "/visits/",
        "/settlement/periods/",
        "/providers/",
    ]
    return Targets(
        api=api,
        pages=pages,
        letters=[f"/api/v1/assessment/conclusions/{pk}/letter" for pk in letters],
        excel=[f"/api/v1/settlement/claims/{pk}/statement.xlsx" for pk in claims]
        + ["/api/v1/providers/exports/caregivers.xlsx"],
        pdfs=[f"/api/v1/settlement/claims/{pk}/statement.pdf" for pk in claims],
        token=api_token(port, "bureau"),
        cookie=sign_in(port, "bureau"),
    )


def preflight(port: int, t: Targets) -> None:
    """Every address answers 200 before the clock starts (else the set-up is wrong, not the
    product under load)."""
    bad = []
    for path in [*t.api, *t.letters, *t.excel, *t.pdfs[:1]]:
        status = _get(port, path, {"Authorization": f"Bearer {t.token}"})
        if status != 200:
            bad.append(f"{status} {path}")
    for path in t.pages:
        status = _get(port, path, {"Cookie": t.cookie})
        if status != 200:
            bad.append(f"{status} {path}")
    if bad:
        raise SystemExit("set-up: these do not answer 200:\n  " + "\n  ".join(bad))


def _get(port: int, path: str, headers: dict) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", path, headers={"Host": "127.0.0.1", **headers})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


@dataclass
class Result:
    kind: str
    at: float  # seconds since the start
    seconds: float
    status: int
    late: float  # how far behind its schedule the request was sent


async def drive(args, t: Targets, started: float) -> tuple[list[Result], list[str], int, int]:
    port = args.port
    rng = random.Random(2026)
    kinds = [k for k, _ in MIX if args.only in (None, k)]
    weights = [w for k, w in MIX if args.only in (None, k)]
    results: list[Result] = []
    problems: list[str] = []
    retries: list[str] = []
    unsent: list[str] = []
    finish = started + args.minutes * 60
    queue: asyncio.Queue = asyncio.Queue()
    closer = Closer(args.database_url, t.clients)
    done = asyncio.Event()
    total = int(args.rate * args.minutes * 60)

    async def schedule() -> None:
        for n in range(total):
            due = started + n / args.rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            queue.put_nowait((rng.choices(kinds, weights)[0], due))
        for _ in range(args.concurrency):
            queue.put_nowait(None)

    def request_for(kind: str, r: random.Random, client: dict | None):
        bearer = {"Authorization": f"Bearer {t.token}"}
        if kind == "check-in":
            headers = {
                "Authorization": f"Bearer {client['token']}",
                "Content-Type": "application/json",
            }
            return "POST", "/api/v1/visits/check-in", headers, _body(client, r)
        if kind == "page":
            return "GET", r.choice(t.pages), {"Cookie": t.cookie}, b""
        pool = {"api list": t.api, "letter": t.letters, "excel": t.excel, "statement pdf": t.pdfs}
        return "GET", r.choice(pool[kind]), bearer, b""

    async def connection(index: int) -> None:
        r = random.Random(index)
        reader = writer = None
        while (ticket := await queue.get()) is not None:
            kind, due = ticket
            if time.monotonic() > finish:
                # The server fell behind the schedule: what is still queued at the end is not
                # sent (and counted), so the run lasts what it was asked to.
                unsent.append(kind)
                continue
            client = await closer.free.get() if kind == "check-in" else None
            method, path, headers, body = request_for(kind, r, client)
            sent = time.monotonic()
            for attempt in (1, 2):
                reused = writer is not None
                try:
                    if writer is None:
                        reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    status, payload, closing = await send(
                        reader, writer, port, method, path, headers, body
                    )
                    break
                except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    status, payload, closing = 0, repr(exc).encode(), True
                    if writer is not None:
                        writer.close()
                    writer = None
                    # The server closes a connection idle past its keep-alive time; as HTTP
                    # clients do, a request that met such a connection is sent once more on a
                    # new one (a check-in repeats its client UUID: the API makes that safe).
                    if not reused or attempt == 2:
                        break
                    retries.append(kind)
            elapsed = time.monotonic() - sent
            if closing and writer is not None:
                writer.close()
                writer = None
            if client is not None:
                if status == 201:
                    closer.started.append((client, json.loads(payload)["id"]))
                else:
                    closer.free.put_nowait(client)
            results.append(Result(kind, sent - started, elapsed, status, sent - due))
            if status not in (200, 201) and len(problems) < 20:
                problems.append(f"{kind} {method} {path}: {status} {payload[:200]!r}")
        if writer is not None:
            writer.close()

    closing = asyncio.create_task(closer.run(done))
    progress = asyncio.create_task(_progress(results, args, started, done))
    await asyncio.gather(schedule(), *(connection(i) for i in range(args.concurrency)))
    done.set()
    await closing
    await progress
    await closer.flush()
    closer.close()
    return results, problems, len(retries), len(unsent)


async def _progress(results: list[Result], args, started: float, done: asyncio.Event) -> None:
    while not done.is_set():
        await asyncio.sleep(30)
        if done.is_set():
            break
        window = [r for r in results if r.at > time.monotonic() - started - 30]
        errors = sum(1 for r in results if r.status not in (200, 201))
        print(
            f"  {time.monotonic() - started:5.0f}s  {len(window) / 30:6.1f} req/s  "
            f"{len(results):7d} sent  {errors} errors",
            flush=True,
        )


# --- the report -------------------------------------------------------------------------------


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0


def report(args, results, problems, watch: MemoryWatch, started: float, ended: float) -> dict:
    measured = [r for r in results if r.at >= args.warmup]
    errors = [r for r in results if r.status not in (200, 201)]
    kinds = {}
    for kind, _ in MIX:
        mine = [r.seconds for r in measured if r.kind == kind]
        kinds[kind] = {
            "requests": len(mine),
            "errors": sum(1 for r in errors if r.kind == kind),
            "p50_ms": round(_pct(mine, 0.50), 1),
            "p95_ms": round(_pct(mine, 0.95), 1),
            "p99_ms": round(_pct(mine, 0.99), 1),
        }
    everything = [r.seconds for r in measured]
    span = max(1e-9, (max(r.at for r in measured) - args.warmup) if measured else 1e-9)

    warm = started + args.warmup
    workers: dict[int, list[tuple[float, float]]] = {}
    for at, sample in watch.samples:
        for pid, rss in sample.items():
            workers.setdefault(pid, []).append((at - started, rss))
    memory = {}
    for pid, series in sorted(workers.items()):
        after = [rss for at, rss in series if at >= warm - started]
        if not after:
            continue
        memory[pid] = {
            "start_mb": round(series[0][1], 1),
            "after_warmup_mb": round(after[0], 1),
            "min_mb": round(min(after), 1),
            "max_mb": round(max(after), 1),
            "end_mb": round(after[-1], 1),
            "spread": round(max(after) / min(after) - 1, 3),
            "timeline": [round(rss) for at, rss in series[:: max(1, len(series) // 20)]],
        }
    flat = bool(memory) and all(m["spread"] <= FLAT for m in memory.values())
    return {
        "minutes": args.minutes,
        "target_rate": args.rate,
        "achieved_rate": round(len(measured) / span, 1),
        "requests": len(results),
        "measured": len(measured),
        "errors": len(errors),
        "p50_ms": round(_pct(everything, 0.50), 1),
        "p95_ms": round(_pct(everything, 0.95), 1),
        "p99_ms": round(_pct(everything, 0.99), 1),
        "late_p95_ms": round(_pct([r.late for r in measured], 0.95), 1),
        "kinds": kinds,
        "workers": memory,
        "worker_restarts": max(0, len(workers) - args.workers),
        "renderer_peak_mb": round(watch.renderer_peak_mb, 1),
        "renderers_seen": len(watch.renderers_seen),
        "flat": flat,
        "problems": problems[:10],
        "seconds": round(ended - started, 1),
    }


def markdown(args, result: dict, before: str, after: str) -> str:
    rows = [
        f"\n<!-- soak {platform.node()} -->",
        f"### {dt.datetime.now():%Y-%m-%d %H:%M} — {args.only or 'mixed load'}, "
        f"{args.minutes:g} min at {args.rate:g} req/s "
        f"(warm-up {args.warmup:g} s), {args.workers} workers, max_requests {args.max_requests}, "
        f"load {before} / {after}",
        "",
        f"{result['measured']:,} requests measured, {result['achieved_rate']} req/s achieved, "
        f"**{result['errors']} errors** ({result['keepalive_retries']} requests sent again "
        "after meeting a connection closed at its keep-alive time); "
        f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
        f"p99 {result['p99_ms']} ms; PDF renderers: {result['renderers_seen']}, "
        f"peak {result['renderer_peak_mb']} MB. CPU per request (ms) / cores kept busy: "
        + ", ".join(
            f"{name} {ms} / {result['cpu_cores_busy'][name]}"
            for name, ms in result["cpu_ms_per_request"].items()
        ),
        "",
        "| Kind | Requests | Errors | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|---|",
    ]
    rows += [
        f"| {kind} | {k['requests']:,} | {k['errors']} | {k['p50_ms']} | {k['p95_ms']} | "
        f"{k['p99_ms']} |"
        for kind, k in result["kinds"].items()
    ]
    rows += [
        "",
        "| Worker | Start MB | After warm-up | Min | Max | End | Spread |",
        "|---|---|---|---|---|---|---|",
    ]
    rows += [
        f"| {pid} | {m['start_mb']} | {m['after_warmup_mb']} | {m['min_mb']} | {m['max_mb']} | "
        f"{m['end_mb']} | {m['spread']:.1%} |"
        for pid, m in result["workers"].items()
    ]
    verdict = "flat" if result["flat"] else "NOT flat"
    reached = "reached" if result["rate_reached"] else "NOT reached"
    rows += [
        "",
        f"Memory after warm-up: **{verdict}** (every worker within {FLAT:.0%}). Target rate "
        f"**{reached}** ({result['unsent']:,} requests not sent: the server was behind the "
        f"schedule at the end; p95 lateness of those sent {result['late_p95_ms']} ms).",
        "",
    ]
    return "\n".join(rows)


def main(argv=None) -> int:
    args = parse_args(argv)
    args.port = args.port or _free_port()
    var_dir = Path(tempfile.gettempdir()) / f"changhu-soak-{urlsplit(args.database_url).path[1:]}"
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ["CHANGHU_VAR_DIR"] = str(var_dir)
    setup_django(args.database_url)  # migrates
    env = server_environment(args, var_dir)
    seed(args, env)
    clients = prepare_caregivers(args)
    from django.db import connections

    connections.close_all()
    server = start_server(env, var_dir / "gunicorn.log")
    watch = MemoryWatch(server.pid)
    try:
        t = targets(args.port)
        t.clients = clients
        preflight(args.port, t)
        watch.start()
        before = load_average()
        print(f"soak: {args.minutes:g} min at {args.rate:g} req/s on port {args.port}", flush=True)
        cpu_before = _cpu_seconds()
        started = time.monotonic()
        results, problems, retries, unsent = asyncio.run(drive(args, t, started))
        ended = time.monotonic()
        cpu_after = _cpu_seconds()
        after = load_average()
    finally:
        watch.stop.set()
        stop_server(server)
    result = report(args, results, problems, watch, started, ended)
    result["cpu_ms_per_request"] = {
        name: round((cpu_after[name] - cpu_before[name]) * 1000 / max(1, len(results)), 1)
        for name in cpu_before
    }
    result["cpu_cores_busy"] = {
        name: round((cpu_after[name] - cpu_before[name]) / (ended - started), 2)
        for name in cpu_before
    }
    result["keepalive_retries"] = retries
    result["unsent"] = unsent
    result["rate_reached"] = result["achieved_rate"] >= 0.95 * args.rate
    print(json.dumps(result, ensure_ascii=False, indent=1))
    text = markdown(args, result, before, after)
    print(text)
    if args.record:
        with RESULTS.open("a", encoding="utf-8") as out:
            out.write(text)
    return 0 if result["errors"] == 0 and result["flat"] and result["rate_reached"] else 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
