"""Load test of the check-in endpoint: gunicorn + PostgreSQL, production profile, 127.0.0.1 only.

    .venv/bin/python benchmarks/checkin_load.py \
        --database-url postgres://postgres@127.0.0.1:5432/bench --requests 20000 \
        --workers 4 --threads 1 --concurrency 8 --worker-class sync --record

It migrates the (dedicated) database, generates caregivers with logins and API tokens, their
beneficiaries (entitlement, arrangement, plan, assignment: the same generator as
``screen_visits.py``) and one uploaded photo each, starts ``gunicorn changhu.wsgi`` with the
production profile (CHANGHU_* keys from the environment of this script), and drives
``POST /api/v1/visits/check-in`` from an asyncio load generator over keep-alive connections:
a warm-up, then ``--requests`` measured requests or ``--duration`` seconds, whichever comes
first. Every request is a new visit (a fresh client UUID) of one caregiver to one of their
beneficiaries. A caregiver has one visit in progress at a time (a second check-in is refused
with 409 ``visit_overlaps``), so the generator takes a caregiver who is free, and a side task
cancels the visits just started, twenty times a second in one ``UPDATE`` on its own
connection, and frees their caregivers (the check-out is not what is measured; its cost lands
in PostgreSQL's and the generator's CPU). It prints requests per second, p50/p95/p99 latency,
the CPU each request cost in gunicorn, PostgreSQL and the generator itself, and the load
average before and after (the machine is shared: rerun when it was busy).

Photos are uploaded separately (``POST /api/v1/visits/photos``) and the check-in refers to
the photo by its SHA-256, as the PWA does; the photo upload is not part of this measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import resource
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from changhu.core import clock

sys.path.insert(0, str(Path(__file__).resolve().parent))

from screen_visits import PRODUCTION_ENV, ROOT, load_average, populate, setup_django

RESULTS = ROOT / "benchmarks" / "results" / "visits.md"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--caregivers", type=int, default=300)
    parser.add_argument("--persons-per-caregiver", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"])
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (gthread)")
    parser.add_argument("--concurrency", type=int, default=24, help="open connections")
    parser.add_argument("--warmup", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--duration", type=float, default=90.0, help="seconds, at most")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--record", action="store_true")
    return parser.parse_args(argv)


def prepare(args) -> list[dict]:
    """Caregivers with a login, a token, their beneficiaries and an uploaded photo."""
    from django.db import transaction

    from changhu.api.auth import issue_token
    from changhu.orgs.models import User
    from changhu.orgs.roles import Role
    from changhu.providers.models import Caregiver, Institution
    from changhu.visits.models import Photo

    rng = random.Random(7)
    today = clock.today()
    pop = populate(
        institutions=max(1, args.caregivers // 20),
        caregivers=args.caregivers,
        persons_per_caregiver=args.persons_per_caregiver,
        first=today,
        rng=rng,
    )
    persons: dict[int, list[tuple[int, tuple[float, float]]]] = {}
    for pid, (home, cg, _inst) in pop["homes"].items():
        persons.setdefault(cg, []).append((pid, home))
    orgs = dict(Institution.objects.values_list("pk", "organization_id"))
    clients = []
    tag = uuid.uuid4().hex[:6]
    with transaction.atomic():
        for n, (cg, inst) in enumerate(pop["carers"]):
            user = User.objects.create(
                username=f"bench_{tag}_{n}", role=Role.CAREGIVER, organization_id=orgs[inst]
            )
            Caregiver.objects.filter(pk=cg).update(user=user)
            key, _ = issue_token(user, name="benchmark")
            sha = uuid.uuid4().hex + uuid.uuid4().hex
            Photo.objects.create(
                sha256=sha,
                file=f"visits/photos/bench/{sha}.jpg",
                content_type="image/jpeg",
                size=40000,
            )
            clients.append({"token": key, "persons": persons[cg], "photo": sha})
    return clients


def start_server(args) -> subprocess.Popen:
    env = {**os.environ, **PRODUCTION_ENV, "DATABASE_URL": args.database_url}
    env["CHANGHU_API_THROTTLE_USER"] = "100000/min"  # each benchmark caregiver sends a lot
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    if not gunicorn.exists():  # a checkout without its own virtualenv: the one running this
        gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [
        str(gunicorn),
        "changhu.wsgi",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--threads",
        str(args.threads),
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
        "--preload",
    ]
    server = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 60
    import socket

    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", args.port), timeout=1):
                return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise SystemExit("gunicorn did not start")


def stop_server(server: subprocess.Popen) -> None:
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(server.pid, signal.SIGKILL)


def _cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by the web server, PostgreSQL and this load generator (``soak.py``
    uses it too)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {"gunicorn": 0.0, "postgres": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # Its own CPU and that of its children it has waited for (PDF renderers of a worker).
        used = sum(int(f) for f in fields[11:15]) / tick
        if b"gunicorn" in cmdline:
            out["gunicorn"] += used
        elif cmdline.startswith(b"postgres"):
            out["postgres"] += used
    me = resource.getrusage(resource.RUSAGE_SELF)
    out["load generator"] = me.ru_utime + me.ru_stime
    return out


def _body(client: dict, rng: random.Random) -> bytes:
    pid, home = rng.choice(client["persons"])
    return json.dumps(
        {
            "client_uuid": str(uuid.uuid4()),
            "person_id": pid,
            "device_time": dt.datetime.now(dt.UTC).isoformat(),
            "latitude": home[0] + rng.uniform(-0.0002, 0.0002),
            "longitude": home[1] + rng.uniform(-0.0002, 0.0002),
            "accuracy_m": 15,
            "photo_sha256": client["photo"],
        }
    ).encode()


async def _send(reader, writer, port: int, token: str, body: bytes) -> tuple[int, bytes]:
    writer.write(
        b"POST /api/v1/visits/check-in HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
        b"Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (port, token.encode(), len(body), body)
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    closing = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
        elif name.lower() == b"connection" and value.strip().lower() == b"close":
            closing = True
    payload = await reader.readexactly(length)
    return (status if not closing else -status), payload


class Closer:
    """Ends the visits the load starts, out of band, so their caregivers may check in again."""

    def __init__(self, database_url: str, clients: list[dict]) -> None:
        import psycopg

        self.db = psycopg.connect(database_url, autocommit=True)
        self.free: asyncio.Queue = asyncio.Queue()
        for client in clients:
            self.free.put_nowait(client)
        self.started: list[tuple[dict, int]] = []

    def _cancel(self, visit_ids: list[int]) -> None:
        self.db.execute(
            "UPDATE visits_visit SET status = 'cancelled', cancel_reason = 'benchmark' "
            "WHERE id = ANY(%s) AND status = 'in_progress'",
            (visit_ids,),
        )

    async def flush(self) -> None:
        batch, self.started = self.started, []
        if batch:
            await asyncio.to_thread(self._cancel, [visit_id for _, visit_id in batch])
        for client, _ in batch:
            self.free.put_nowait(client)

    async def run(self, done: asyncio.Event) -> None:
        while not done.is_set():
            await asyncio.sleep(0.05)
            await self.flush()

    def close(self) -> None:
        self.db.close()


async def drive(args, clients, total: int, duration: float) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []
    sent = 0
    stop_at = time.monotonic() + duration
    closer = Closer(args.database_url, clients)
    done = asyncio.Event()

    async def connection(index: int) -> None:
        nonlocal sent
        rng = random.Random(index)
        reader = writer = None
        while sent < total and time.monotonic() < stop_at:
            sent += 1
            client = await closer.free.get()
            body = _body(client, rng)
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", args.port)
            t0 = time.perf_counter()
            try:
                status, payload = await _send(reader, writer, args.port, client["token"], body)
            except (OSError, asyncio.IncompleteReadError) as exc:
                errors.append(type(exc).__name__)
                writer.close()
                writer = None
                closer.free.put_nowait(client)
                continue
            latencies.append(time.perf_counter() - t0)
            if status < 0:
                status = -status
                writer.close()
                writer = None
            if status == 201:
                closer.started.append((client, json.loads(payload)["id"]))
            else:
                closer.free.put_nowait(client)
            statuses[status] = statuses.get(status, 0) + 1
            if status >= 400 and len(errors) < 5:
                errors.append(payload[:200].decode(errors="replace"))
        if writer is not None:
            writer.close()

    started = time.monotonic()
    closing = asyncio.create_task(closer.run(done))
    await asyncio.gather(*(connection(i) for i in range(args.concurrency)))
    elapsed = time.monotonic() - started
    done.set()
    await closing
    await closer.flush()
    closer.close()
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0

    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "rps": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(pct(0.50), 1),
        "p95_ms": round(pct(0.95), 1),
        "p99_ms": round(pct(0.99), 1),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 1) if ordered else 0.0,
        "statuses": statuses,
        "errors": errors[:5],
    }


def main(argv=None) -> None:
    args = parse_args(argv)
    setup_django(args.database_url)
    t0 = time.monotonic()
    clients = prepare(args)
    print(f"prepared {len(clients)} caregivers in {time.monotonic() - t0:.1f}s", flush=True)
    from django.db import connections

    connections.close_all()
    server = start_server(args)
    try:
        warm = asyncio.run(drive(args, clients, args.warmup, 60))
        print(f"warm-up: {warm['requests']} requests, {warm['rps']} rps", flush=True)
        before = load_average()
        cpu_before = _cpu_seconds()
        result = asyncio.run(drive(args, clients, args.requests, args.duration))
        cpu_after = _cpu_seconds()
        after = load_average()
        result["cpu_ms_per_request"] = {
            name: round((cpu_after[name] - cpu_before[name]) * 1000 / max(1, result["requests"]), 2)
            for name in cpu_before
        }
    finally:
        stop_server(server)
    print(json.dumps(result, ensure_ascii=False))
    line = (
        f"| {dt.datetime.now():%Y-%m-%d %H:%M} | "
        f"{args.workers}×{args.threads} {args.worker_class} | "
        f"{args.concurrency} | {result['requests']:,} | {result['rps']} | {result['p50_ms']} | "
        f"{result['p95_ms']} | {result['p99_ms']} | "
        f"{' / '.join(str(v) for v in result['cpu_ms_per_request'].values())} | "
        f"{before} / {after} |"
    )
    print(line)
    if args.record:
        with RESULTS.open("a", encoding="utf-8") as out:
            out.write(f"\n<!-- checkin_load {platform.node()} -->\n{line}\n")


if __name__ == "__main__":
    main()
