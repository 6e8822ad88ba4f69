"""Benchmark of the bulk register import: preview + commit of a generated file.

    .venv/bin/python benchmarks/import_insured.py --rows 100000
    .venv/bin/python benchmarks/import_insured.py --rows 100000 \
        --database-url postgres://postgres@127.0.0.1:5433/bench --record

It builds a small city (10 districts x 10 streets), an insurer and a case worker, writes a CSV
of ``--rows`` rows (a share of them deliberately wrong), then runs the same service code as the
web page: ``import_upload`` (parse + validate + store) and ``import_commit`` (re-validate +
write). Optionally a life-event file follows. Without ``--database-url`` it uses a fresh
SQLite file in a temporary directory; with one, the database should be empty and dedicated to
the benchmark (it is migrated, and the imported rows stay unless ``--cleanup``).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from changhu.core import clock

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "import_insured.md"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "建国秀英淑芬桂兰志强海燕玉梅红霞春华丽娟文明晓东伟杰子涵欣怡浩然思远雨桐家豪"
# Real Chengdu district codes: identity numbers are checked against GB/T 2260.
DISTRICTS = ["510104", "510105", "510106", "510107", "510108"]
DISTRICTS += ["510112", "510113", "510114", "510115", "510116"]
HEADER = [
    "姓名",
    "身份证号码",
    "联系电话",
    "居住地址",
    "所属街道/区县代码",
    "纬度",
    "经度",
    "参保类型",
    "参保起始日",
    "特殊群体",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--bad-share", type=float, default=0.01, help="share of rows with errors")
    parser.add_argument("--life-events", type=int, default=0, help="rows of a life-event file")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--format", choices=["csv"], default="csv")
    parser.add_argument("--record", action="store_true", help=f"append results to {RESULTS}")
    parser.add_argument("--cleanup", action="store_true", help="delete the imported rows after")
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args()


def setup_django(args: argparse.Namespace, workdir: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "changhu.settings_test")  # DEBUG off
    os.environ["CHANGHU_MEDIA_ROOT"] = str(workdir / "media")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_city():
    from changhu.orgs.models import Organization, OrgKind, Region, RegionLevel, User
    from changhu.orgs.roles import Role

    def region(code, name, level, parent=None):
        return Region.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "parent": parent}
        )[0]

    province = region("510000", "四川省", RegionLevel.PROVINCE)
    city = region("510100", "成都市", RegionLevel.CITY, province)
    streets = []
    districts = []
    for d, code in enumerate(DISTRICTS):
        district = region(code, f"第{d + 1}区", RegionLevel.DISTRICT, city)
        districts.append(district)
        for s in range(10):
            streets.append(
                region(
                    f"{code}{s + 1:03d}000",
                    f"第{d + 1}区第{s + 1}街道",
                    RegionLevel.STREET,
                    district,
                )
            )
    insurer, _ = Organization.objects.get_or_create(
        name="基准测试保险公司", defaults={"kind": OrgKind.INSURER, "region": city}
    )
    insurer.coverage.set(districts)
    user, _ = User.objects.get_or_create(
        username="bench_importer",
        defaults={
            "role": Role.INSURER_CASE_WORKER,
            "organization": insurer,
            "real_name": "基准测试",
        },
    )
    return user, streets


def write_person_file(path: Path, rows: int, bad_share: float, streets, seed: int) -> int:
    """A CSV of ``rows`` rows; every 1/bad_share-th row has one of four kinds of error."""
    from changhu.core.identity import make_id_number

    rng = random.Random(seed)
    bad_every = int(1 / bad_share) if bad_share > 0 else 0
    bad = 0
    base = dt.date(1935, 1, 1) + dt.timedelta(days=rng.randint(0, 3000))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        last_id = ""
        for i in range(rows):
            street = streets[i % len(streets)]
            birth = base + dt.timedelta(days=i // 1000)
            id_number = make_id_number(street.code[:6], birth, i % 1000)
            region_code = street.code
            start = "2020-01-01"
            if bad_every and i % bad_every == bad_every - 1:
                bad += 1
                kind = (i // bad_every) % 4
                if kind == 0:
                    id_number = id_number[:17] + ("0" if id_number[17] != "0" else "1")
                elif kind == 1:
                    start = "2020-02-30"
                elif kind == 2:
                    region_code = "510199999000"
                else:
                    id_number = last_id
            last_id = id_number
            writer.writerow(
                [
                    rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                    id_number,
                    f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}",
                    f"{street.name}幸福路{rng.randint(1, 300)}号{rng.randint(1, 30)}栋",
                    region_code,
                    f"{30.5 + rng.random() * 0.3:.6f}",
                    f"{103.9 + rng.random() * 0.3:.6f}",
                    rng.choice(["职工", "居民"]),
                    start,
                    "特困" if i % 50 == 0 else "",
                ]
            )
    return bad


def write_event_file(path: Path, rows: int, batch) -> None:
    from changhu.insured.models import ImportedRow

    persons = ImportedRow.objects.filter(batch=batch).select_related("person")[:rows]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["身份证号码", "事件", "发生/入院日期", "出院日期", "医院/登记机关"])
        for i, link in enumerate(persons):
            if i % 5 == 0:
                writer.writerow([link.person.id_number, "身故", "2024-06-01", "", "民政局"])
            else:
                writer.writerow([link.person.id_number, "住院", "2024-03-01", "2024-03-09", "医院"])


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def timed(label: str, fn, results: list, rows: int):
    from django.db import connection

    counter = QueryCounter()
    start, cpu_start = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(counter):
        value = fn()
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    results.append(
        {
            "phase": label,
            "rows": rows,
            "seconds": seconds,
            "cpu_seconds": cpu,
            "rows_per_s": rows / seconds,
            "queries": counter.count,
            "max_rss_mb": max_rss_mb(),
        }
    )
    print(
        f"{label:<22} {rows:>7} rows {seconds:7.1f} s (cpu {cpu:6.1f} s) "
        f"{rows / seconds:7.0f} rows/s {counter.count:>6} queries  max RSS {max_rss_mb():5.0f} MB",
        flush=True,
    )
    return value


def database_version(connection) -> str:
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        number = connection.pg_version
        return f"{number // 10000}.{number % 10000}"
    import sqlite3

    return sqlite3.sqlite_version


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="changhu-bench-") as tmp:
        workdir = Path(tmp)
        setup_django(args, workdir)
        from django.db import connection

        from changhu.insured import imports
        from changhu.insured.models import ImportBatch, Person

        user, streets = build_city()
        engine = connection.vendor
        version = database_version(connection)
        print(
            f"database: {engine} {version}; python {platform.python_version()}; "
            f"{os.cpu_count()} CPUs",
            flush=True,
        )
        results: list[dict] = []
        path = workdir / "persons.csv"
        start = time.perf_counter()
        bad = write_person_file(path, args.rows, args.bad_share, streets, args.seed)
        print(
            f"generated {args.rows} rows ({bad} bad, {path.stat().st_size / 1e6:.1f} MB) "
            f"in {time.perf_counter() - start:.1f} s",
            flush=True,
        )
        before = Person.objects.count()

        def preview():
            with path.open("rb") as handle:
                return imports.import_upload(
                    actor=user, kind="persons", upload=handle, file_name=path.name
                )

        batch = timed("preview (upload)", preview, results, args.rows)
        assert batch.error_rows == bad, (batch.error_rows, bad)
        mode = ImportBatch.Mode.VALID_ONLY if bad else ImportBatch.Mode.ALL_OR_NOTHING
        batch = timed(
            f"commit ({mode})",
            lambda: imports.import_commit(actor=user, batch_id=batch.pk, mode=mode),
            results,
            args.rows,
        )
        assert Person.objects.count() - before == args.rows - bad == batch.imported_rows
        total = sum(r["seconds"] for r in results)
        print(
            f"{'preview + commit':<28} {args.rows:>8} rows {total:8.1f} s "
            f"{args.rows / total:10.0f} rows/s",
            flush=True,
        )

        if args.life_events:
            events = workdir / "events.csv"
            write_event_file(events, args.life_events, batch)

            def event_preview():
                with events.open("rb") as handle:
                    return imports.import_upload(actor=user, kind="life_events", upload=handle)

            event_batch = timed("life events preview", event_preview, results, args.life_events)
            timed(
                "life events commit",
                lambda: imports.import_commit(
                    actor=user, batch_id=event_batch.pk, mode="all_or_nothing"
                ),
                results,
                args.life_events,
            )

        if args.cleanup:
            from changhu.insured.models import ImportedRow

            imported = ImportedRow.objects.filter(batch__uploaded_by=user).values("person_id")
            Person.objects.filter(pk__in=imported).delete()
        if args.record:
            record(args, engine, version, bad, results, total)


def record(args, engine: str, version, bad: int, results: list[dict], total: float) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    command = f"benchmarks/import_insured.py --rows {args.rows} --bad-share {args.bad_share}"
    if args.life_events:
        command += f" --life-events {args.life_events}"
    if args.database_url:
        command += " --database-url …"
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        f"\n### {clock.today().isoformat()} · {engine} {version} · {args.rows:,} rows "
        f"({bad:,} with errors)\n",
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average at the end {load}. `{command}`\n",
        "| phase | rows | seconds | CPU s (this process) | rows/s | queries | max RSS (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['phase']} | {r['rows']:,} | {r['seconds']:.1f} | {r['cpu_seconds']:.1f} | "
            f"{r['rows_per_s']:,.0f} | {r['queries']:,} | {r['max_rss_mb']:.0f} |"
        )
    lines.append(
        f"| **preview + commit** | {args.rows:,} | **{total:.1f}** | | "
        f"{args.rows / total:,.0f} | | |"
    )
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    print(f"recorded in {RESULTS}")


if __name__ == "__main__":
    main()
