"""Benchmark of visit screening: ``changhu screen --period`` over a month of generated visits.

    .venv/bin/python benchmarks/screen_visits.py \
        --database-url postgres://postgres@127.0.0.1:5432/bench --visits 1000000 --record

It migrates the (empty, dedicated) database, then generates in bulk with PostgreSQL ``COPY``:
care institutions, caregivers with certificates, beneficiaries with homes near their
institution, enrolment, entitlements, home-care arrangements, confirmed care plans with items,
caregiver assignments, and a month of completed visits (five a day per caregiver) with their
items and two photos each, plus planted anomalies of every rule (a few per thousand). Then it
runs ``changhu screen --period`` as a separate process with the production profile and times
it. ``--skip-generate`` screens what an earlier run generated (a re-run replaces the open
findings: the timing of an idempotent re-run).

``benchmarks/checkin_load.py`` reuses :func:`populate` for its beneficiaries.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import itertools
import json
import math
import os
import platform
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path

from changhu.core import clock

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "visits.md"
CENTRE = (30.657, 104.066)  # Chengdu, WGS-84
PRODUCTION_ENV = {
    "CHANGHU_PROFILE": "production",
    "CHANGHU_SECRET_KEY": "benchmark-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "CHANGHU_FIELD_KEY": "YmVuY2htYXJrLW9ubHktZmllbGQta2V5LTMyYnl0ZXM=",
    "CHANGHU_INDEX_KEY": "benchmark-only-index-key",
    "CHANGHU_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "CHANGHU_SECURE_COOKIES": "0",
    "CHANGHU_LOG_LEVEL": "ERROR",
}
SLOTS = [(8, 0), (9, 30), (11, 0), (14, 0), (15, 30)]  # local start times of a caregiver's day


def last_month() -> str:
    first = clock.today().replace(day=1) - dt.timedelta(days=1)
    return first.strftime("%Y-%m")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a dedicated PostgreSQL database")
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--period", default="", help="YYYY-MM (default: last month)")
    parser.add_argument("--institutions", type=int, default=200)
    parser.add_argument("--persons-per-caregiver", type=int, default=8)
    parser.add_argument("--skip-generate", action="store_true")
    parser.add_argument("--record", action="store_true", help=f"append the result to {RESULTS}")
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args(argv)


def setup_django(database_url: str) -> None:
    os.environ.update(PRODUCTION_ENV)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "changhu.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- COPY -------------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date | uuid.UUID | int | float):
        return str(value)
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def copy_rows(model, rows, *, chunk: int = 200_000) -> int:
    """COPY dict rows into ``model``'s table; fields left out take their model default (the
    primary key, when left out of the first row, comes from the table's sequence)."""
    from django.db import connection

    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    now = clock.now()
    fields = [
        f for f in model._meta.concrete_fields if not (f.primary_key and f.attname not in first)
    ]
    columns = [f.column for f in fields]
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        else:
            defaults[f.attname] = f.get_default()
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"COPY {table} ({', '.join(connection.ops.quote_name(c) for c in columns)}) FROM STDIN"
    rows = itertools.chain([first], rows)
    count = 0
    buffer = io.StringIO()
    with connection.cursor() as cursor:

        def flush():
            with cursor.cursor.copy(sql) as copy:
                copy.write(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()

        for row in rows:
            buffer.write(
                "\t".join(_text(row.get(f.attname, defaults[f.attname])) for f in fields) + "\n"
            )
            count += 1
            if count % chunk == 0:
                flush()
        if buffer.tell():
            flush()
    return count


def next_id(model) -> int:
    from django.db.models import Max

    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def reset_sequences(models) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {connection.ops.quote_name(table)}), 1))",
                [table],
            )


# --- the population ---------------------------------------------------------------------------


def _region():
    from changhu.orgs.models import Region, RegionLevel

    province, _ = Region.objects.get_or_create(
        code="510000", defaults={"name": "四川省", "level": RegionLevel.PROVINCE}
    )
    city, _ = Region.objects.get_or_create(
        code="510100", defaults={"name": "成都市", "level": RegionLevel.CITY, "parent": province}
    )
    district, _ = Region.objects.get_or_create(
        code="510104", defaults={"name": "锦江区", "level": RegionLevel.DISTRICT, "parent": city}
    )
    return district


def _offset(origin, north_m: float, east_m: float) -> tuple[float, float]:
    lat = origin[0] + north_m / 111_195
    lon = origin[1] + east_m / (111_195 * math.cos(math.radians(origin[0])))
    return lat, lon


def populate(
    *, institutions: int, caregivers: int, persons_per_caregiver: int, first: dt.date, rng
) -> dict:
    """Institutions, caregivers (certificates), beneficiaries with entitlements, arrangements,
    plans and assignments, all in force from ten days before ``first`` for a year."""
    from changhu.care import catalogue as catalogues
    from changhu.care.models import (
        Arrangement,
        Assignment,
        CarePlan,
        CarePlanItem,
        CatalogueItem,
        Entitlement,
        Package,
    )
    from changhu.insured.models import EnrolmentPeriod, Person
    from changhu.orgs.models import Organization, OrgKind
    from changhu.providers.models import Caregiver, Certificate, Institution
    from changhu.visits import rulesets

    catalogues.load_all_catalogues()
    rulesets.load_all_rule_sets()
    district = _region()
    start = first - dt.timedelta(days=10)
    until = clock.today() + dt.timedelta(days=365)
    items = {i.code: i for i in CatalogueItem.objects.filter(code__in=["SH01", "SH08", "SH03"])}
    package = Package.objects.filter(grade=4, care_mode="home_visit").first()
    tag = uuid.uuid4().hex[:6]
    orgs = Organization.objects.bulk_create(
        [
            Organization(
                kind=OrgKind.CARE,
                name=f"压测护理站{tag}-{i:04d}",
                region=district,
                care_kind="home_service",
                scope_prefixes=district.prefix,  # bulk_create skips orgs.signals
            )
            for i in range(institutions)
        ]
    )
    insts = Institution.objects.bulk_create(
        [
            Institution(
                organization=o,
                region_code=district.code,
                care_modes=["home_visit"],
                admitted_on=start,
                status_since=start,
            )
            for o in orgs
        ]
    )
    inst_pos = {
        inst.pk: _offset(CENTRE, rng.uniform(-15000, 15000), rng.uniform(-15000, 15000))
        for inst in insts
    }
    cg_id = next_id(Caregiver)
    cg_rows, cert_rows, carers = [], [], []
    for n in range(caregivers):
        inst = insts[n % len(insts)]
        pk = cg_id + n
        carers.append((pk, inst.pk))
        cg_rows.append(
            {
                "id": pk,
                "institution_id": inst.pk,
                "kind": "staff",
                "name": f"护理员{n}",
                "id_number_enc": "bench",
                "id_number_index": f"bench-cg-{tag}-{pk}",
                "id_number_masked": "5101**********0000",
                "birth_date": dt.date(1980, 1, 1),
                "sex": "F",
                "qualification": "care_worker",
                "status": "active",
                "hired_on": dt.date(2020, 1, 1),
            }
        )
        expired = n % 250 == 7  # a few without a valid certificate
        cert_rows.append(
            {
                "caregiver_id": pk,
                "kind": "care_worker",
                "qualification": "care_worker",
                "number": f"B{pk}",
                "issued_on": dt.date(2018, 1, 1),
                "expires_on": dt.date(2021, 1, 1) if expired else dt.date(2030, 12, 31),
            }
        )
    copy_rows(Caregiver, cg_rows)
    copy_rows(Certificate, cert_rows)
    person_id, ent_id, plan_id = next_id(Person), next_id(Entitlement), next_id(CarePlan)
    persons, ents, arrs, enrols, plans, plan_items, assigns = [], [], [], [], [], [], []
    homes = {}
    k = 0
    for cg, inst in carers:
        for _ in range(persons_per_caregiver):
            pid, eid, plid = person_id + k, ent_id + k, plan_id + k
            home = _offset(inst_pos[inst], rng.uniform(-1500, 1500), rng.uniform(-1500, 1500))
            homes[pid] = (home, cg, inst)
            persons.append(
                {
                    "id": pid,
                    "insured_no": f"B{tag}{pid:09d}",
                    "name": f"参保人{pid}",
                    "id_number_enc": "bench",
                    "id_number_index": f"bench-p-{tag}-{pid}",
                    "id_number_masked": "5101**********0000",
                    "birth_date": dt.date(1940, 1, 1),
                    "sex": "M",
                    "region_id": district.pk,
                    "region_code": district.code,
                    "latitude": round(home[0], 6),
                    "longitude": round(home[1], 6),
                    "insurance_type": "resident",
                    "status": "active",
                }
            )
            enrols.append({"person_id": pid, "insurance_type": "resident", "start_date": start})
            ents.append(
                {
                    "id": eid,
                    "person_id": pid,
                    "grade": 4,
                    "conclusion_ref": f"B-{tag}-{pid}",
                    "valid_from": start,
                    "valid_until": until,
                    "status": "active",
                }
            )
            arrs.append(
                {
                    "entitlement_id": eid,
                    "person_id": pid,
                    "start_date": start,
                    "care_mode": "home_visit",
                    "institution_id": inst,
                    "social_support": False,
                }
            )
            plans.append(
                {
                    "id": plid,
                    "person_id": pid,
                    "entitlement_id": eid,
                    "institution_id": inst,
                    "care_mode": "home_visit",
                    "grade": 4,
                    "package_id": package.pk,
                    "version": 1,
                    "status": "confirmed",
                    "valid_from": start,
                    "confirmation_channel": "counter",
                }
            )
            for code, times, period, monthly in (("SH01", 1, "day", 31), ("SH08", 2, "day", 62)):
                plan_items.append(
                    {
                        "plan_id": plid,
                        "item_id": items[code].pk,
                        "times": times,
                        "period": period,
                        "minutes": items[code].reference_minutes,
                        "monthly_count": monthly,
                    }
                )
            assigns.append(
                {"person_id": pid, "institution_id": inst, "caregiver_id": cg, "start_date": start}
            )
            k += 1
    copy_rows(Person, persons)
    copy_rows(EnrolmentPeriod, enrols)
    copy_rows(Entitlement, ents)
    copy_rows(Arrangement, arrs)
    copy_rows(CarePlan, plans)
    copy_rows(CarePlanItem, plan_items)
    copy_rows(Assignment, assigns)
    reset_sequences(
        [
            *(Caregiver, Certificate, Person, EnrolmentPeriod, Entitlement),
            *(Arrangement, CarePlan, CarePlanItem, Assignment),
        ]
    )
    return {"homes": homes, "carers": carers, "items": items, "institutions": insts}


def generate_visits(pop: dict, *, first: dt.date, last: dt.date, total: int, rng) -> dict:
    """A month of completed visits (five a day per caregiver) with items and photos, and a
    few planted anomalies of every kind. Returns the planted counts."""
    from django.utils import timezone

    from changhu.insured.models import LifeEvent, Person
    from changhu.visits.models import Photo, Visit, VisitItem

    by_carer: dict[int, list[int]] = {}
    for pid, (_home, cg, _inst) in pop["homes"].items():
        by_carer.setdefault(cg, []).append(pid)
    items = pop["items"]
    ref = items["SH01"].reference_minutes + items["SH08"].reference_minutes
    tz = timezone.get_default_timezone()
    days = [(first + dt.timedelta(days=d)) for d in range((last - first).days + 1)]
    planted = dict.fromkeys(
        ["too_short", "outside", "overlap", "too_fast", "photo", "not_in_plan", "identical"], 0
    )
    visit_id, photo_id = next_id(Visit), next_id(Photo)
    counter = {"visit": 0}
    identical = {cg for i, cg in enumerate(by_carer) if i % 97 == 3}

    def photo_rows(count: int):
        for n in range(count):
            sha = f"{photo_id + n:064x}"
            yield {
                "id": photo_id + n,
                "sha256": sha,
                "file": f"visits/photos/bench/{sha}.jpg",
                "content_type": "image/jpeg",
                "size": 40000,
            }

    def item_rows(count: int):
        for n in range(count):
            vid = visit_id + n
            yield {"visit_id": vid, "item_id": items["SH01"].pk, "quantity": 1}
            yield {"visit_id": vid, "item_id": items["SH08"].pk, "quantity": 1}
            if n % 1000 == 67:
                yield {"visit_id": vid, "item_id": items["SH03"].pk, "quantity": 1}

    def visit_rows():
        for cg, persons in by_carer.items():
            inst = pop["homes"][persons[0]][2]
            for d_index, day in enumerate(days):
                previous_photo = None
                for s_index, (hour, minute) in enumerate(SLOTS):
                    if counter["visit"] >= total:
                        return
                    pid = persons[(d_index + s_index) % len(persons)]
                    home = pop["homes"][pid][0]
                    start = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)
                    minutes = 60 if cg in identical else rng.randint(30, 75)
                    n = counter["visit"]
                    position = _offset(home, rng.uniform(-20, 20), rng.uniform(-20, 20))
                    distance = 15
                    photos = [photo_id + 2 * n, photo_id + 2 * n + 1]
                    roll = n % 1000
                    if roll == 11:
                        minutes = 8
                        planted["too_short"] += 1
                    elif roll == 23:
                        position = _offset(home, 3000, 0)
                        distance = 3000
                        planted["outside"] += 1
                    elif roll == 37 and s_index > 0:
                        start -= dt.timedelta(minutes=70)
                        planted["overlap"] += 1
                    elif roll == 41 and s_index > 0:
                        position = _offset(home, 40000, 0)
                        distance = 40000
                        planted["too_fast"] += 1
                    elif roll == 53 and previous_photo:
                        photos[0] = previous_photo
                        planted["photo"] += 1
                    elif roll == 67:
                        planted["not_in_plan"] += 1
                    previous_photo = photos[1]
                    end = start + dt.timedelta(minutes=minutes)
                    vid = visit_id + n
                    counter["visit"] += 1
                    yield {
                        "id": vid,
                        "client_uuid": uuid.UUID(int=rng.getrandbits(128), version=4),
                        "caregiver_id": cg,
                        "person_id": pid,
                        "institution_id": inst,
                        "region_code": "510104",
                        "service_date": day,
                        "status": "completed",
                        "offline": False,
                        "rule_version": "2026.1",
                        "check_in_at": start,
                        "check_in_device_at": start,
                        "check_in_received_at": start,
                        "check_in_latitude": position[0],
                        "check_in_longitude": position[1],
                        "check_in_accuracy_m": 15.0,
                        "check_in_distance_m": distance,
                        "check_in_place": "violation" if distance > 400 else "compliant",
                        "check_in_photo_id": photos[0],
                        "check_out_uuid": uuid.UUID(int=rng.getrandbits(128), version=4),
                        "check_out_at": end,
                        "check_out_device_at": end,
                        "check_out_received_at": end,
                        "check_out_latitude": home[0],
                        "check_out_longitude": home[1],
                        "check_out_accuracy_m": 12.0,
                        "check_out_distance_m": 5,
                        "check_out_place": "compliant",
                        "check_out_photo_id": photos[1],
                        "confirmation_method": "code",
                        "duration_minutes": minutes,
                        "reference_minutes": ref,
                        "place_result": "violation" if distance > 400 else "compliant",
                        "payable": True,
                        "cancel_reason": "",
                        "short_reason": "",
                        "short_reason_note": "",
                    }

    started = time.monotonic()
    # Photos first (the visits refer to them), two per visit; then visits, then their items.
    copy_rows(Photo, photo_rows(2 * total))
    copy_rows(Visit, visit_rows())
    copy_rows(VisitItem, item_rows(counter["visit"]))
    # A few persons died in the middle of the month, a few were in hospital for some days.
    pids = sorted(pop["homes"])
    dead = pids[5::500]
    Person.objects.filter(pk__in=dead).update(
        status="deceased", died_on=first + dt.timedelta(days=19)
    )
    LifeEvent.objects.bulk_create(
        [
            LifeEvent(
                person_id=pid,
                kind="hospital_stay",
                start_date=first + dt.timedelta(days=9),
                end_date=first + dt.timedelta(days=13),
            )
            for pid in pids[9::300]
        ]
    )
    planted["deceased_persons"] = len(dead)
    planted["hospital_persons"] = len(pids[9::300])
    planted["identical_caregivers"] = len(identical)
    reset_sequences([Photo, Visit, VisitItem])
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    planted["seconds"] = round(time.monotonic() - started, 1)
    planted["visits"] = counter["visit"]
    return planted


def run_screen(database_url: str, period: str) -> tuple[float, dict]:
    env = {**os.environ, **PRODUCTION_ENV, "DATABASE_URL": database_url}
    started = time.monotonic()
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "changhu"), "screen", "--period", period, "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.monotonic() - started, json.loads(result.stdout)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv=None) -> None:
    args = parse_args(argv)
    setup_django(args.database_url)
    args.period = args.period or last_month()  # the clock needs the settings
    from changhu.care.eligibility import month_bounds

    first, last = month_bounds(args.period)
    rng = random.Random(args.seed)
    planted = {}
    if not args.skip_generate:
        days = (last - first).days + 1
        caregivers = math.ceil(args.visits / (days * len(SLOTS)))
        t0 = time.monotonic()
        pop = populate(
            institutions=args.institutions,
            caregivers=caregivers,
            persons_per_caregiver=args.persons_per_caregiver,
            first=first,
            rng=rng,
        )
        print(f"population: {caregivers} caregivers in {time.monotonic() - t0:.1f}s", flush=True)
        planted = generate_visits(pop, first=first, last=last, total=args.visits, rng=rng)
        print(f"visits: {json.dumps(planted)}", flush=True)
    before = load_average()
    seconds, summary = run_screen(args.database_url, args.period)
    after = load_average()
    findings = {k: v["total"] for k, v in summary["findings"].items()}
    line = (
        f"| {dt.datetime.now():%Y-%m-%d %H:%M} | {summary['visits_screened']:,} | "
        f"{summary['institutions']} | {seconds:.1f} s | {summary['findings_total']:,} | "
        f"{before} / {after} |"
    )
    print(
        json.dumps(
            {
                "seconds": round(seconds, 2),
                "findings": findings,
                "rule_seconds": summary.get("rule_seconds"),
            },
            ensure_ascii=False,
        )
    )
    print(line)
    if args.record:
        with RESULTS.open("a", encoding="utf-8") as out:
            out.write(
                f"\n<!-- screen_visits {platform.node()} period {args.period} -->\n{line}\n"
                f"<!-- findings per rule: {json.dumps(findings, ensure_ascii=False)} -->\n"
            )


if __name__ == "__main__":
    main()
