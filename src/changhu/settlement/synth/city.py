"""Generating a synthetic city: organizations, persons, entitlements, visits, bed-days and findings
for a month's settlement.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction

from changhu.care.catalogue import catalogue_in_force
from changhu.care.models import Arrangement, CatalogueItem, Entitlement, Pause
from changhu.core import clock, crypto, masking
from changhu.core.identity import make_id_number
from changhu.core.months import bounds as month_bounds
from changhu.insured.models import EnrolmentPeriod, LifeEvent, Person
from changhu.insured.services import ID_PURPOSE, PHONE_PURPOSE
from changhu.orgs.models import Organization, OrgKind, Region, RegionLevel
from changhu.providers.models import Caregiver, Institution
from changhu.providers.services import CAREGIVER_ID_PURPOSE
from changhu.settlement.models import InstitutionTariff, SupplementaryMember
from changhu.settlement.synth._common import (
    CITIES,
    CLASSES,
    FINDING_RULES,
    GIVEN,
    GRADES,
    MODES,
    SHANGHAI,
    SURNAMES,
    SynthConfig,
    SynthRefused,
    SynthReport,
)
from changhu.settlement.synth.rows import Table, _next_id, _reset_sequences
from changhu.visits.models import BedDay, Finding, Visit, VisitItem

# --- the city ---------------------------------------------------------------------------------


def _pick(rng: random.Random, weighted: list[tuple]) -> object:
    x = rng.random()
    for value, weight in weighted:
        x -= weight
        if x < 0:
            return value
    return weighted[-1][0]


def _regions(city: str) -> tuple[Region, list[Region]]:
    (prov_code, prov_name), (pool_code, pool_name, pool_level), districts = CITIES[city]

    def region(code, name, level, parent):
        return Region.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "parent": parent, "full_name": name}
        )[0]

    province = region(prov_code, prov_name, RegionLevel.PROVINCE, None)
    pool = region(pool_code, pool_name, pool_level, province)
    streets = []
    if pool_level == RegionLevel.CITY:
        for code, name in districts:
            district = region(code, name, RegionLevel.DISTRICT, pool)
            for i in range(1, 5):
                streets.append(
                    region(f"{code}{i:03d}000", f"{name}第{i}街道", RegionLevel.STREET, district)
                )
    else:
        for i in range(1, 13):
            streets.append(
                region(f"{pool_code}{i:03d}000", f"{pool_name}第{i}镇街", RegionLevel.STREET, pool)
            )
    return pool, streets


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _institutions(cfg: SynthConfig, rng: random.Random, streets: list[Region], first: dt.date):
    orgs = Organization.objects.bulk_create(
        Organization(
            kind=OrgKind.CARE,
            name=f"合成{CITIES[cfg.city][1][1]}第{i:04d}护理机构",
            region=streets[i % len(streets)],
            care_kind=rng.choice(["nursing_home", "hospital_ward", "home_service"]),
            uscc="",
            # No coverage, no parent: the street is the scope (bulk_create skips orgs.signals).
            scope_prefixes=streets[i % len(streets)].prefix,
        )
        for i in range(1, cfg.institutions + 1)
    )
    orgs = list(
        Organization.objects.filter(name__startswith=f"合成{CITIES[cfg.city][1][1]}")
        .select_related("region")
        .order_by("pk")
    )
    institutions = Institution.objects.bulk_create(
        Institution(
            organization=o,
            region_code=o.region.code,
            beds=rng.randint(40, 400),
            care_modes=[m for m, _ in MODES],
            admitted_on=dt.date(2024, 1, 1),
            status_since=dt.date(2024, 1, 1),
        )
        for o in orgs
    )
    institutions = list(Institution.objects.filter(organization__in=orgs).order_by("pk"))
    InstitutionTariff.objects.bulk_create(
        InstitutionTariff(
            institution=inst,
            valid_from=dt.date(2024, 1, 1),
            institution_class=_pick(rng, CLASSES),
            bed_day_fen=rng.randrange(6000, 16001, 100),
        )
        for inst in institutions
    )
    caregivers = []
    serial = 0
    for inst in institutions:
        for _ in range(cfg.caregivers_per_institution):
            serial += 1
            number = make_id_number(
                inst.region_code[:6],
                dt.date(1970 + serial % 25, 1 + serial % 12, 1 + serial % 28),
                serial,
            )
            caregivers.append(
                Caregiver(
                    institution=inst,
                    kind="staff",
                    name=_name(rng),
                    id_number_enc=crypto.encrypt(number),
                    id_number_index=crypto.blind_index(number, purpose=CAREGIVER_ID_PURPOSE),
                    id_number_masked=masking.mask_id_number(number),
                    birth_date=dt.date(1970 + serial % 25, 1, 1),
                    sex="F" if serial % 3 else "M",
                    qualification="nurse" if serial % 5 == 0 else "care_worker",
                    hired_on=dt.date(2023, 1, 1),
                )
            )
    Caregiver.objects.bulk_create(caregivers, batch_size=2000)
    by_inst: dict[int, list[int]] = {}
    for cid, inst_id in Caregiver.objects.filter(institution__in=institutions).values_list(
        "pk", "institution_id"
    ):
        by_inst.setdefault(inst_id, []).append(cid)
    return institutions, by_inst


@dataclass
class Plan:
    """One beneficiary's month, decided once and used by every table's rows."""

    pid: int
    street: Region
    grade: int
    segments: list[tuple[dt.date, dt.date | None, str, Institution]]  # start, end, mode, inst
    hospital: tuple[dt.date, dt.date | None] | None = None
    died_on: dt.date | None = None
    pause: tuple[dt.date, dt.date] | None = None
    enrolment_end: dt.date | None = None


def _plan(cfg, rng, pid, streets, by_street, first, last) -> Plan:
    street = streets[pid % len(streets)]
    institutions = by_street.get(street.code[:6]) or by_street["*"]
    inst = institutions[rng.randrange(len(institutions))]
    mode = _pick(rng, MODES)
    start = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(600))
    if rng.random() < 0.04:  # a few start during the month
        start = first + dt.timedelta(days=rng.randrange(28))
    segments = [(start, None, mode, inst)]
    if rng.random() < 0.03:  # change of care mode (and often of institution) mid-month
        change = first + dt.timedelta(days=rng.randrange(5, 26))
        if change > start:
            other = institutions[rng.randrange(len(institutions))]
            new_mode = rng.choice([m for m, _ in MODES if m != mode])
            segments = [
                (start, change - dt.timedelta(days=1), mode, inst),
                (change, None, new_mode, other),
            ]
    plan = Plan(pid, street, _pick(rng, GRADES), segments)
    x = rng.random()
    if x < 0.05:
        begin = first + dt.timedelta(days=rng.randrange(30))
        end = (
            None
            if rng.random() < 0.1
            else min(last, begin + dt.timedelta(days=rng.randrange(1, 10)))
        )
        plan.hospital = (begin, end)
    elif x < 0.06:
        plan.died_on = first + dt.timedelta(days=rng.randrange(31))
    elif x < 0.065:
        begin = first + dt.timedelta(days=rng.randrange(25))
        plan.pause = (begin, begin + dt.timedelta(days=rng.randrange(3, 8)))
    elif x < 0.068:
        plan.enrolment_end = first + dt.timedelta(days=rng.randrange(28))
    return plan


def _in_hospital(plan: Plan, day: dt.date) -> bool:
    if plan.hospital is None:
        return False
    begin, end = plan.hospital
    return begin <= day and (end is None or day < end or (end == begin and day == begin))


def generate(cfg: SynthConfig, *, log: Callable[[str], None] = print) -> SynthReport:
    """Generate the city and its month (see the module docstring)."""
    if cfg.city not in CITIES:
        raise SynthRefused(f"unknown city {cfg.city}; one of {', '.join(CITIES)}")
    started = time.monotonic()
    first, last = month_bounds(cfg.month)
    marker = f"SY{list(CITIES).index(cfg.city)}"
    if Person.objects.filter(insured_no__startswith=marker).exists():
        raise SynthRefused(f"synthetic {cfg.city} data is already loaded; use a fresh database")
    catalogue = catalogue_in_force(first)
    if catalogue is None:
        raise SynthRefused("no service catalogue in force; run `changhu load-presets` first")
    items = list(CatalogueItem.objects.filter(catalogue=catalogue).select_related("category"))
    life = [i for i in items if i.category.kind == "life_care"]
    medical = [i for i in items if i.category.kind == "medical_care"]
    social = [i for i in items if i.category.kind == "social_support"] or life
    rng = random.Random(cfg.seed)
    pg = connection.vendor == "postgresql"
    report = SynthReport(cfg.city, cfg.month)
    with transaction.atomic():
        _pool, streets = _regions(cfg.city)
        institutions, caregivers = _institutions(cfg, rng, streets, first)
        log(f"{len(institutions)} institutions, {sum(map(len, caregivers.values()))} caregivers")
        # Persons are cared for by institutions of their district (or any, if it has none).
        by_street: dict[str, list[Institution]] = {"*": institutions}
        for inst in institutions:
            by_street.setdefault(inst.region_code[:6], []).append(inst)
        workdir = Path(tempfile.mkdtemp(prefix="changhu-synth-"))
        tables = {
            m: Table(m, workdir, pg)
            for m in (
                Person,
                EnrolmentPeriod,
                Entitlement,
                Arrangement,
                LifeEvent,
                Pause,
                SupplementaryMember,
                Visit,
                VisitItem,
                BedDay,
                Finding,
            )
        }
        ids = {m: _next_id(m) for m in tables}
        has_plan = cfg.city == "lishui"
        now = clock.now()
        # Caregivers and persons with a visit left in progress: at most one each (a constraint).
        open_visits: set[tuple[str, int]] = set()
        for n in range(cfg.persons):
            pid = ids[Person] + n
            plan = _plan(cfg, rng, pid, streets, by_street, first, last)
            _person_rows(tables, plan, marker, n, rng, now)
            _care_rows(tables, ids, plan, rng, last)
            if has_plan and rng.random() < cfg.member_share:
                tables[SupplementaryMember].add(
                    {
                        "id": ids[SupplementaryMember],
                        "plan_code": "lishui-hmb",
                        "person_id": pid,
                        "year": first.year,
                        "premium_fen": 12900,
                        "paid_from": "personal_account",
                        "family_size": 1,
                        "joined_on": dt.date(first.year, 1, 1),
                        "recorded_at": now,
                    }
                )
                ids[SupplementaryMember] += 1
            _month_rows(
                cfg,
                tables,
                ids,
                plan,
                rng,
                first,
                last,
                caregivers,
                life,
                medical,
                social,
                now,
                open_visits,
            )
            if (n + 1) % 20000 == 0:
                log(f"generated {n + 1:,} beneficiaries ({time.monotonic() - started:.0f}s)")
        with connection.cursor() as cursor:
            if pg:
                cursor.execute("SET LOCAL synchronous_commit = off")
            for model, table in tables.items():
                t0 = time.monotonic()
                table.load(cursor)
                report.counts[model._meta.model_name] = table.count
                log(
                    f"loaded {table.count:,} {model._meta.verbose_name_plural} "
                    f"({time.monotonic() - t0:.1f}s)"
                )
            _reset_sequences(cursor, list(tables.values()))
            if pg:
                for table in tables.values():
                    cursor.execute(f"ANALYZE {table.model._meta.db_table}")
        shutil.rmtree(workdir, ignore_errors=True)
    report.counts["institutions"] = len(institutions)
    report.seconds = time.monotonic() - started
    return report


def _person_rows(tables, plan: Plan, marker: str, n: int, rng, now) -> None:
    birth = dt.date(1930, 1, 1) + dt.timedelta(days=(n // 1000) % 12800)
    number = make_id_number(plan.street.code[:6], birth, n % 1000)
    phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
    address = f"{plan.street.name}{rng.randrange(1, 400)}号"
    tables[Person].add(
        {
            "id": plan.pid,
            "insured_no": f"{marker}{n:010d}",
            "name": _name(rng),
            "id_number_enc": crypto.encrypt(number),
            "id_number_index": crypto.blind_index(number, purpose=ID_PURPOSE),
            "id_number_masked": masking.mask_id_number(number),
            "birth_date": birth,
            "sex": "M" if int(number[16]) % 2 else "F",
            "phone_enc": crypto.encrypt(phone),
            "phone_index": crypto.blind_index(phone, purpose=PHONE_PURPOSE),
            "phone_masked": masking.mask_phone(phone),
            "address_enc": crypto.encrypt(address),
            "address_masked": masking.mask_address(address),
            "region_id": plan.street.pk,
            "region_code": plan.street.code,
            "latitude": "28.450000",
            "longitude": "119.920000",
            "insurance_type": "employee" if n % 3 else "resident",
            "status": "deceased" if plan.died_on else "active",
            "died_on": plan.died_on,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
    )


def _care_rows(tables, ids, plan: Plan, rng, last: dt.date) -> None:
    tables[EnrolmentPeriod].add(
        {
            "id": ids[EnrolmentPeriod],
            "person_id": plan.pid,
            "insurance_type": "employee",
            "start_date": dt.date(2018, 1, 1),
            "end_date": plan.enrolment_end,
            "note": "",
        }
    )
    ids[EnrolmentPeriod] += 1
    eid = ids[Entitlement]
    ids[Entitlement] += 1
    start = plan.segments[0][0]
    tables[Entitlement].add(
        {
            "id": eid,
            "person_id": plan.pid,
            "grade": plan.grade,
            "conclusion_ref": f"SYJL{plan.pid:010d}",
            "valid_from": start,
            "valid_until": dt.date(last.year + 2, 12, 31),
            "status": "active",
            "end_reason": "",
            "end_note": "",
        }
    )
    for seg_start, seg_end, mode, inst in plan.segments:
        tables[Arrangement].add(
            {
                "id": ids[Arrangement],
                "entitlement_id": eid,
                "person_id": plan.pid,
                "start_date": seg_start,
                "end_date": seg_end,
                "care_mode": mode,
                "institution_id": inst.pk,
                "social_support": mode == "individual",
                "reason": "",
            }
        )
        ids[Arrangement] += 1
    if plan.hospital:
        tables[LifeEvent].add(
            {
                "id": ids[LifeEvent],
                "person_id": plan.pid,
                "kind": "hospital_stay",
                "start_date": plan.hospital[0],
                "end_date": plan.hospital[1],
                "institution": "市人民医院",
                "note": "",
                "source": "import",
            }
        )
        ids[LifeEvent] += 1
    if plan.died_on:
        tables[LifeEvent].add(
            {
                "id": ids[LifeEvent],
                "person_id": plan.pid,
                "kind": "death",
                "start_date": plan.died_on,
                "end_date": None,
                "institution": "",
                "note": "",
                "source": "import",
            }
        )
        ids[LifeEvent] += 1
    if plan.pause:
        tables[Pause].add(
            {
                "id": ids[Pause],
                "entitlement_id": eid,
                "person_id": plan.pid,
                "start_date": plan.pause[0],
                "end_date": plan.pause[1],
                "reason": "违规暂停",
            }
        )
        ids[Pause] += 1


def _month_rows(
    cfg, tables, ids, plan: Plan, rng, first, last, caregivers, life, medical, social, now, busy
) -> None:
    day = first
    while day <= last:
        segment = next(
            (s for s in plan.segments if s[0] <= day and (s[1] is None or day <= s[1])), None
        )
        if segment is not None:
            _day_rows(
                cfg,
                tables,
                ids,
                plan,
                rng,
                day,
                segment,
                caregivers,
                life,
                medical,
                social,
                now,
                busy,
            )
        day += dt.timedelta(days=1)


def _day_rows(
    cfg, tables, ids, plan, rng, day, segment, caregivers, life, medical, social, now, busy
):
    _, _, mode, inst = segment
    in_hospital = _in_hospital(plan, day)
    dead = plan.died_on is not None and day > plan.died_on
    # Anomalies on purpose: a few visits on a hospital day or after death.
    stray = rng.random() < 0.02
    if mode == "institutional":
        if dead:
            return
        kind = (
            "hospital_transfer" if in_hospital else ("leave" if rng.random() < 0.015 else "in_bed")
        )
        bid = ids[BedDay]
        ids[BedDay] += 1
        tables[BedDay].add(
            {
                "id": bid,
                "person_id": plan.pid,
                "institution_id": inst.pk,
                "stay_id": None,
                "region_code": plan.street.code,
                "day": day,
                "kind": kind,
                "payable": True,
                "updated_at": now,
            }
        )
        return
    if (in_hospital or dead) and not stray:
        return
    if mode == "home_visit":
        count = (1 if rng.random() < 0.85 else 0) + (
            1 if rng.random() < cfg.home_visits_per_day - 0.85 else 0
        )
        pools = (life, life, medical)
    elif mode == "individual":
        count = 1 if rng.random() < cfg.individual_visit_share else 0
        pools = (social, social, life)
    else:
        count = 1 if rng.random() < cfg.family_visit_share else 0
        pools = (life,)
    for k in range(count):
        _visit(cfg, tables, ids, plan, rng, day, inst, caregivers, pools, now, busy, hour=8 + 5 * k)


def _visit(cfg, tables, ids, plan, rng, day, inst, caregivers, pools, now, busy, hour):
    vid = ids[Visit]
    ids[Visit] += 1
    start = dt.datetime.combine(day, dt.time(hour, rng.randrange(60)), SHANGHAI)
    chosen = {}
    for _ in range(rng.choice((1, 2, 2, 3))):
        item = rng.choice(rng.choice(pools))
        chosen[item.pk] = (item, rng.choice((1, 1, 1, 2)))
    reference = sum(i.reference_minutes * q for i, q in chosen.values())
    x = rng.random()
    status = "cancelled" if x < 0.005 else ("in_progress" if x < 0.008 else "completed")
    completed = status == "completed"
    flagged = completed and rng.random() < cfg.anomaly_share
    minutes = max(5, int(reference * (0.3 if flagged else rng.uniform(0.9, 1.4))))
    end = start + dt.timedelta(minutes=minutes)
    client_uuid = uuid.UUID(int=rng.getrandbits(128), version=4)
    caregiver_id = rng.choice(caregivers[inst.pk])
    if status == "in_progress":
        # One visit in progress per caregiver and per person: another one was finished.
        keys = {("caregiver", caregiver_id), ("person", plan.pid)}
        if keys & busy:
            status, completed = "completed", True
        else:
            busy.update(keys)
    tables[Visit].add(
        {
            "id": vid,
            "client_uuid": client_uuid,
            "caregiver_id": caregiver_id,
            "person_id": plan.pid,
            "institution_id": inst.pk,
            "region_code": plan.street.code,
            "service_date": day,
            "status": status,
            "offline": False,
            "rule_version": "2026.1",
            "check_in_at": start,
            "check_in_device_at": start,
            "check_in_received_at": start,
            "check_in_latitude": 28.45,
            "check_in_longitude": 119.92,
            "check_in_accuracy_m": 12.0,
            "check_in_distance_m": 20,
            "check_in_place": "compliant",
            "check_out_uuid": uuid.UUID(int=rng.getrandbits(128), version=4) if completed else None,
            "check_out_at": end if completed else None,
            "check_out_device_at": end if completed else None,
            "check_out_received_at": end if completed else None,
            "check_out_latitude": 28.45 if completed else None,
            "check_out_longitude": 119.92 if completed else None,
            "check_out_accuracy_m": 12.0 if completed else None,
            "check_out_distance_m": 20 if completed else None,
            "check_out_place": "compliant" if completed else "",
            "confirmation_method": "code" if completed else "",
            "duration_minutes": minutes if completed else None,
            "reference_minutes": reference if completed else None,
            "place_result": "compliant",
            "payable": completed and not flagged,
            "cancel_reason": "家属临时取消" if status == "cancelled" else "",
            "short_reason": "",
            "short_reason_note": "",
            "created_at": start,
        }
    )
    for item, quantity in chosen.values():
        tables[VisitItem].add(
            {"id": ids[VisitItem], "visit_id": vid, "item_id": item.pk, "quantity": quantity}
        )
        ids[VisitItem] += 1
    if flagged or (completed and rng.random() < 0.01):
        rule, reason = FINDING_RULES[rng.randrange(len(FINDING_RULES))]
        tables[Finding].add(
            {
                "id": ids[Finding],
                "visit_id": vid,
                "bed_day_id": None,
                "person_id": plan.pid,
                "institution_id": inst.pk,
                "caregiver_id": None,
                "region_code": plan.street.code,
                "period": f"{day:%Y-%m}",
                "service_date": day,
                "rule_code": rule,
                "severity": "high" if flagged else "low",
                "status": "confirmed" if flagged else "open",
                "rule_version": "2026.1",
                "reason": reason,
                "detail": {},
                "run_id": None,
                "created_at": now,
                "resolved_at": now if flagged else None,
                "resolution_reason": "核实属实" if flagged else "",
            }
        )
        ids[Finding] += 1
