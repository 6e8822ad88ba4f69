"""Benchmark of the monthly LTCI operations report (``ltci-monthly``) on a synthetic city.

    .venv/bin/python benchmarks/report_monthly.py \
        --database-url postgres://postgres@127.0.0.1:5433/bench --record

The database should be dedicated to the benchmark: it is migrated, the presets are loaded, and
``changhu synth`` (run as its own process, so its memory is not counted here) generates the
city unless it is already there: by default 100,000 beneficiaries, 300 institutions and about
three million visits and bed-days in October 2026 (the same city ``settle_city.py`` settles;
settle it first to have claims and payments in the report). Then, in this process, the report
is computed twice for the month over the whole city (``services.report_run_city``: every
section and the summary, one query per breakdown). Reported: wall time of each computation,
the number of queries, the beneficiaries counted, peak RSS and the machine's load (the machine
is shared). The target is under 30 s at 100,000 beneficiaries.

Without ``--database-url`` a scratch SQLite file is used (a small city: pass ``--persons``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "reports.md"
SCRATCH = "sqlite:////tmp/changhu-report-bench.sqlite3"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=SCRATCH)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--institutions", type=int, default=300)
    parser.add_argument("--city", default="lishui")
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--record", action="store_true", help=f"append the results to {RESULTS}")
    return parser.parse_args()


def setup(args) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "changhu.settings_test"
    os.environ["DATABASE_URL"] = args.database_url
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_policies", verbosity=0)
    call_command("load_catalogue", verbosity=0)
    from changhu.reports import definitions

    definitions.load_all()


def synthesize(args) -> float | None:
    """Run ``changhu synth`` in its own process unless the city is already there."""
    from changhu.insured.models import Person
    from changhu.settlement import synth

    marker = f"SY{list(synth.CITIES).index(args.city)}"
    if Person.objects.filter(insured_no__startswith=marker).exists():
        print(f"synthetic {args.city} already loaded")
        return None
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="changhu.settings_test",
        PYTHONPATH=str(ROOT / "src"),
    )
    started = time.monotonic()
    command = [sys.executable, "-m", "changhu", "synth", "--persons", str(args.persons)]
    command += ["--institutions", str(args.institutions), "--month", args.month]
    subprocess.run([*command, "--city", args.city], check=True, env=env)
    return time.monotonic() - started


def report(args) -> tuple[float, int, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from changhu.reports import services

    started = time.monotonic()
    with CaptureQueriesContext(connection) as queries:
        run = services.report_run_city(code="ltci-monthly", period=args.month, source="bench")
    return time.monotonic() - started, len(queries), run


def record(result: dict) -> None:
    """Append the run to the results file as a block of ``key: value`` lines."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Monthly report\n"
    if "## Runs" not in text:
        text = text.rstrip() + "\n\n## Runs\n"
    block = [f"\n### {result['when']} · {result['database']} · {result['persons']:,} persons\n"]
    block += [f"- {key}: {value}" for key, value in result.items()]
    RESULTS.write_text(text.rstrip("\n") + "\n" + "\n".join(block) + "\n", encoding="utf-8")
    print(f"recorded in {RESULTS}")


def main() -> None:
    args = parse_args()
    setup(args)
    from django.db import connection

    from changhu.care.models import Entitlement

    synth_seconds = synthesize(args)
    load_before = os.getloadavg()
    first, queries, run = report(args)
    print(f"ltci-monthly {args.month}: {first:.2f}s, {queries} queries")
    second, _, _ = report(args)
    print(f"again: {second:.2f}s")
    beneficiaries = run.result["summary"]["beneficiaries"]
    print(f"beneficiaries on {args.month}: {beneficiaries['total']:,}")
    result = {
        "when": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "database": connection.vendor,
        "persons": args.persons,
        "entitlements": Entitlement.objects.count(),
        "synth_seconds": None if synth_seconds is None else round(synth_seconds, 1),
        "report_seconds": round(first, 2),
        "report_again_seconds": round(second, 2),
        "queries": queries,
        "beneficiaries": beneficiaries["total"],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "load_before": " ".join(f"{x:.2f}" for x in load_before),
        "machine": f"{platform.machine()} {os.cpu_count()} cpu",
    }
    print(result)
    if args.record:
        record(result)


if __name__ == "__main__":
    main()
