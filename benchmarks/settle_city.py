"""Benchmark of monthly settlement on a synthetic city, with a plain SQL aggregation as the floor.

    .venv/bin/python benchmarks/settle_city.py \
        --database-url postgres://postgres@127.0.0.1:5433/bench --record

The database should be empty and dedicated to the benchmark: it is migrated, the presets are
loaded, and ``changhu synth`` (run as its own process, so its memory is not counted here)
generates the city: by default 100,000 beneficiaries in every grade and care mode, 300
institutions and about three million visits and bed-days in October 2026, with anomalies.
A second run finds the city already there and only settles again.

Then, in this process: the floor — one plain SQL aggregation of the month's payable visits
(items × catalogue prices, per institution and person) — and the settlement of the month
(``services.period_compute``: eligibility, costs, rules, claim lines, exclusions, the
supplementary tier, totals), first from nothing and then as an idempotent re-run of the unpaid
period. Reported: wall time, the ratio settlement/floor, lines and totals, this process's peak
RSS and the machine's load (the machine is shared).
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
RESULTS = ROOT / "benchmarks" / "results" / "settlement.md"
REGIONS = {"chengdu": "510100", "tengzhou": "370481", "chengde": "130800", "lishui": "331100"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="an empty PostgreSQL database")
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--institutions", type=int, default=300)
    parser.add_argument("--city", default="lishui", choices=sorted(REGIONS))
    parser.add_argument("--month", default="2026-10")
    parser.add_argument(
        "--policy", default="", help="settle under this policy (default: the city's)"
    )
    parser.add_argument("--no-rerun", action="store_true", help="skip the idempotent re-run")
    parser.add_argument("--record", action="store_true", help=f"append the results to {RESULTS}")
    return parser.parse_args()


def load() -> tuple[float, float, float]:
    return os.getloadavg()


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


def synthesize(args) -> float | None:
    """Run ``changhu synth`` in its own process unless the city is already there."""
    from changhu.insured.models import Person
    from changhu.settlement import synth

    marker = f"SY{list(synth.CITIES).index(args.city)}"
    if Person.objects.filter(insured_no__startswith=marker).exists():
        print(f"synthetic {args.city} already loaded")
        return None
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="changhu.settings_test")
    started = time.monotonic()
    subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "changhu"),
            "synth",
            "--persons",
            str(args.persons),
            "--institutions",
            str(args.institutions),
            "--month",
            args.month,
            "--city",
            args.city,
        ],
        check=True,
        env=env,
    )
    return time.monotonic() - started


def counts(args) -> dict[str, int]:
    from django.db import connection

    from changhu.care.eligibility import month_bounds

    first, last = month_bounds(args.month)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM insured_person")
        persons = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM care_entitlement")
        entitlements = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM providers_institution")
        institutions = cursor.fetchone()[0]
        cursor.execute(
            "SELECT COUNT(*) FROM visits_visit WHERE service_date BETWEEN %s AND %s", [first, last]
        )
        visits = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM visits_visititem")
        items = cursor.fetchone()[0]
        cursor.execute(
            "SELECT COUNT(*) FROM visits_bedday WHERE day BETWEEN %s AND %s", [first, last]
        )
        bed_days = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM visits_finding WHERE status = 'confirmed'")
        confirmed = cursor.fetchone()[0]
    return {
        "persons": persons,
        "entitlements": entitlements,
        "institutions": institutions,
        "visits": visits,
        "visit_items": items,
        "bed_days": bed_days,
        "confirmed_findings": confirmed,
    }


def floor(args) -> float:
    """One plain aggregation over the month's visits: payable items × prices per person."""
    from django.db import connection

    from changhu.care.eligibility import month_bounds

    first, last = month_bounds(args.month)
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT v.institution_id, v.person_id, SUM(vi.quantity * ci.unit_price_fen), COUNT(*)
            FROM visits_visit v
            JOIN visits_visititem vi ON vi.visit_id = v.id
            JOIN care_catalogueitem ci ON ci.id = vi.item_id
            WHERE v.service_date BETWEEN %s AND %s AND v.status = 'completed' AND v.payable
            GROUP BY v.institution_id, v.person_id
            """,
            [first, last],
        )
        rows = len(cursor.fetchall())
    seconds = time.monotonic() - started
    print(f"floor: {rows:,} groups in {seconds:.2f}s")
    return seconds


def forget_period(period_id: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table, column in [
            ("settlement_paymentorder", "period_id"),
            ("settlement_exclusion", "period_id"),
            ("settlement_claimline", "period_id"),
            ("settlement_linedecision", "period_id"),
            ("settlement_claim", "period_id"),
            (
                "settlement_runchunk",
                "run_id IN (SELECT id FROM settlement_settlementrun WHERE period_id",
            ),
            ("settlement_settlementrun", "period_id"),
            ("settlement_settlementperiod", "id"),
        ]:
            where = f"{column} = %s" + (")" if "IN (" in column else "")
            cursor.execute(f"DELETE FROM {table} WHERE {where}", [period_id])


def settle(args, actor) -> tuple[float, object]:
    from changhu.settlement import services

    started = time.monotonic()

    def progress(done: int, total: int) -> None:
        print(f"\r  {done}/{total} chunks {time.monotonic() - started:6.1f}s", end="", flush=True)

    period = services.period_open(
        actor=actor, month=args.month, region_code=REGIONS[args.city], policy_code=args.policy
    )
    services.period_compute(actor=actor, period_id=period.pk, source="bench", progress=progress)
    seconds = time.monotonic() - started
    print()
    period.refresh_from_db()
    return seconds, period


def main() -> None:
    args = parse_args()
    setup(args)
    from changhu.settlement.management.commands._actor import system_actor
    from changhu.settlement.models import ClaimLine, Exclusion, SettlementPeriod

    load_before = load()
    synth_seconds = synthesize(args)
    data = counts(args)
    print(data)
    actor = system_actor()
    existing = SettlementPeriod.objects.filter(
        month=args.month, region_code=REGIONS[args.city]
    ).first()
    if existing is not None:
        forget_period(existing.pk)
    floor(args)  # warm the cache the same way for both measurements
    floor_seconds = floor(args)
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    settle_seconds, period = settle(args, actor)
    rerun_seconds = None
    if not args.no_rerun:
        rerun_seconds, period = settle(args, actor)
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = ClaimLine.objects.filter(period=period)
    result = {
        "when": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.node()} {os.cpu_count()} CPU",
        "postgres": _pg_version(),
        "city": args.city,
        "policy": period.policy.ref,
        "supplementary": period.supplementary.ref if period.supplementary_id else "-",
        **data,
        "synth_s": f"{synth_seconds:.0f}" if synth_seconds else "(existing)",
        "floor_s": f"{floor_seconds:.2f}",
        "settle_s": f"{settle_seconds:.1f}",
        "rerun_s": f"{rerun_seconds:.1f}" if rerun_seconds else "-",
        "ratio": f"{settle_seconds / floor_seconds:.1f}",
        "lines": lines.count(),
        "tier2_lines": lines.filter(tier=2).count(),
        "exclusions": Exclusion.objects.filter(period=period).count(),
        "fund_yuan": f"{period.fund_fen / 100:,.2f}",
        "supplementary_yuan": f"{period.supplementary_fen / 100:,.2f}",
        "personal_yuan": f"{period.personal_fen / 100:,.2f}",
        "cpu_s": f"{cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime:.1f}",
        "peak_rss_mb": f"{peak_mb:.0f}",
        **_backend_memory(),
        "load_before": " ".join(f"{x:.2f}" for x in load_before),
        "load_after": " ".join(f"{x:.2f}" for x in load()),
    }
    for key, value in result.items():
        print(f"{key:>20}: {value}")
    if args.record:
        record(result)


def _backend_memory() -> dict[str, str]:
    """The PostgreSQL backend's peak and private memory (Linux /proc; same machine only)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared = cursor.fetchone()[0]
        cursor.execute("SHOW work_mem")
        work_mem = cursor.fetchone()[0]
    fields = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "RssAnon", "RssShmem"):
                fields[key] = f"{int(value.split()[0]) / 1024:.0f}"
    except OSError:
        pass
    return {
        "pg_backend_peak_mb": fields.get("VmHWM", "?"),
        "pg_backend_private_mb": fields.get("RssAnon", "?"),
        "pg_settings": f"shared_buffers={shared} work_mem={work_mem} (128MB in the run)",
    }


def _pg_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def record(result: dict) -> None:
    """Append the run to the results file as a block of ``key: value`` lines."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Settlement\n"
    if "## Runs" not in text:
        text = text.rstrip() + "\n\n## Runs\n"
    block = [f"\n### {result['when']} · {result['policy']} · {result['persons']:,} persons\n"]
    block += [f"- {key}: {value}" for key, value in result.items()]
    RESULTS.write_text(text.rstrip("\n") + "\n" + "\n".join(block) + "\n", encoding="utf-8")
    print(f"recorded in {RESULTS}")


if __name__ == "__main__":
    main()
