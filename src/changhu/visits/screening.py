"""Screening (稽核规则) of a month, set-based in SQL, institution by institution.

Each rule is one ``INSERT INTO visits_finding … SELECT …`` over the visits (or bed-days) of one
institution and one month, with its thresholds from the rule set in force on the first day of
the month. A chunk (one institution) runs in one transaction: it first deletes the open
findings of that institution and month, then inserts what every rule finds, skipping any visit
or bed-day that already has a confirmed or dismissed finding of that rule. So re-running a
month replaces open findings and never touches resolved ones, and a run that dies half-way
resumes with the chunks not yet done and ends with the same totals.

The SQL is the same on SQLite and PostgreSQL except for three small dialect pieces (seconds
between two timestamps, the day number of a date, and text to JSON); see :class:`Dialect`.
"""

from __future__ import annotations

import datetime as dt
import json
import queue
import threading
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, F, Q

from changhu.care import eligibility_sql as sql
from changhu.care.models import (
    Arrangement,
    CarePlan,
    CarePlanItem,
    CatalogueItem,
    Entitlement,
    Pause,
)
from changhu.core import clock, runs
from changhu.core.months import bounds as month_bounds
from changhu.insured.models import EnrolmentPeriod, LifeEvent, Person
from changhu.providers import rules as provider_rules
from changhu.providers.models import Certificate, Institution
from changhu.visits.models import (
    BedDay,
    Finding,
    FindingStatus,
    RunStatus,
    ScreeningChunk,
    ScreeningRun,
    Visit,
    VisitItem,
)
from changhu.visits.rules import RAISED_RULES
from changhu.visits.rulesets import RULE_CODES, Rules


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


class Dialect:
    def __init__(self, vendor: str) -> None:
        self.pg = vendor == "postgresql"

    def seconds_between(self, later: str, earlier: str) -> str:
        if self.pg:
            return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"
        return f"((julianday({later}) - julianday({earlier})) * 86400.0)"

    def day_number(self, column: str) -> str:
        """Days since Monday 2000-01-03, so ``day_number // 7`` numbers Monday-based weeks."""
        if self.pg:
            return f"({column} - DATE '2000-01-03')"
        return f"CAST(julianday({column}) - julianday('2000-01-03') AS INTEGER)"

    def json(self, expression: str) -> str:
        return f"CAST({expression} AS jsonb)" if self.pg else expression


def _num(expression: str) -> str:
    return f"CAST({expression} AS TEXT)"


@dataclass(frozen=True)
class RuleSql:
    code: str
    target: str  # "visit", "bed_day" or "pair" (a caregiver and a person over the month)
    select: str  # columns: visit_id, bed_day_id, person_id, caregiver_id, region_code,
    #              service_date, reason, detail


def _visit_filter(alias: str = "v") -> str:
    return (
        f"{alias}.institution_id = %(inst)s AND {alias}.service_date >= %(first)s "
        f"AND {alias}.service_date <= %(last)s AND {alias}.status = 'completed'"
    )


def _bed_filter(alias: str = "b") -> str:
    return (
        f"{alias}.institution_id = %(inst)s AND {alias}.day >= %(first)s "
        f"AND {alias}.day <= %(last)s"
    )


def _visit_columns(reason: str, detail: str = "'{}'") -> str:
    return (
        "v.id AS visit_id, CAST(NULL AS BIGINT) AS bed_day_id, v.person_id AS person_id, "
        "v.caregiver_id AS caregiver_id, v.region_code AS region_code, "
        f"v.service_date AS service_date, {reason} AS reason, {detail} AS detail"
    )


def _bed_columns(reason: str) -> str:
    return (
        "CAST(NULL AS BIGINT) AS visit_id, b.id AS bed_day_id, b.person_id AS person_id, "
        "CAST(NULL AS BIGINT) AS caregiver_id, "
        f"b.region_code AS region_code, b.day AS service_date, {reason} AS reason, "
        "'{}' AS detail"
    )


def _hospital_on(day: str, person: str) -> str:
    """A hospital stay pausing benefits on ``day`` (admission day yes, discharge day no)."""
    stay = sql.hospital_covers(day, "h.start_date", "h.end_date")
    return (
        f"EXISTS (SELECT 1 FROM {_t(LifeEvent)} h WHERE h.person_id = {person} "
        f"AND h.kind = 'hospital_stay' AND {stay})"
    )


def _care_period_on(day: str, person: str, mode: str = "") -> str:
    mode_sql = f"AND a.care_mode = '{mode}' " if mode else ""
    return (
        f"EXISTS (SELECT 1 FROM {_t(Arrangement)} a JOIN {_t(Entitlement)} e "
        f"ON e.id = a.entitlement_id WHERE a.person_id = {person} "
        f"AND a.institution_id = %(inst)s {mode_sql}"
        f"AND {sql.span_covers(day, 'a.start_date', 'a.end_date')} "
        f"AND e.valid_from <= {day} AND e.valid_until >= {day} "
        f"AND (e.end_date IS NULL OR e.end_date >= {day}))"
    )


def _paused_on(day: str, person: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM {_t(Pause)} z WHERE z.person_id = {person} "
        f"AND {sql.span_covers(day, 'z.start_date', 'z.end_date')})"
    )


def _insured_on(day: str, person: str) -> str:
    # A scalar sub-query with LIMIT stays a per-row index probe on PostgreSQL, instead of an
    # anti-join that would hash every enrolment of the city for each chunk.
    return (
        f"(SELECT 1 FROM {_t(EnrolmentPeriod)} n WHERE n.person_id = {person} "
        f"AND {sql.span_covers(day, 'n.start_date', 'n.end_date')} LIMIT 1) IS NOT NULL"
    )


def _plan_in_force(day: str, person: str) -> str:
    """The plan lines (``cp``/``cpi``) of a confirmed plan version of this institution in
    force on ``day``. (The literal institution lets PostgreSQL read only the chunk's plans.)"""
    return (
        f"cp.institution_id = %(inst)s AND cp.person_id = {person} "
        "AND cp.status IN ('confirmed', 'superseded', 'ended') "
        f"AND cp.valid_from IS NOT NULL AND cp.valid_from <= {day} "
        f"AND (cp.valid_until IS NULL OR cp.valid_until >= {day})"
    )


def _entitlement_reason(day: str, person: str) -> str:
    return (
        f"CASE WHEN {_paused_on(day, person)} THEN '服务当日待遇处于暂停期间' "
        f"WHEN NOT {_insured_on(day, person)} THEN '服务当日参保人未参保' "
        "ELSE '服务当日参保人没有由本机构提供服务的有效待遇' END"
    )


def rule_sql(d: Dialect) -> list[RuleSql]:
    """The rules, in the order they run."""
    V, VI, P, B = _t(Visit), _t(VisitItem), _t(Person), _t(BedDay)
    radius_in = (
        "%(radius)s + CASE WHEN v.check_in_accuracy_m < %(cap)s THEN v.check_in_accuracy_m "
        "ELSE %(cap)s END + %(margin)s"
    )
    radius_out = radius_in.replace("check_in_", "check_out_")
    sin_lat = "SIN(RADIANS(x.lat - x.plat) / 2)"
    sin_lon = "SIN(RADIANS(x.lon - x.plon) / 2)"
    haversine = (
        f"(2 * 6371008.8 * ASIN(SQRT({sin_lat} * {sin_lat} + COS(RADIANS(x.plat)) * "
        f"COS(RADIANS(x.lat)) * {sin_lon} * {sin_lon})))"
    )
    gap = d.seconds_between("x.check_in_at", "x.pend")
    earlier = (
        "o.id <> v.id AND (o.check_in_at < v.check_in_at "
        "OR (o.check_in_at = v.check_in_at AND o.id < v.id))"
    )
    photo_uses = " OR ".join(
        f"(v.{mine} IS NOT NULL AND EXISTS (SELECT 1 FROM {V} o WHERE o.{theirs} = v.{mine} "
        f"AND {earlier}))"
        for mine in ("check_in_photo_id", "check_out_photo_id")
        for theirs in ("check_in_photo_id", "check_out_photo_id")
    )
    signature_use = (
        f"(v.confirmation_signature_id IS NOT NULL AND EXISTS (SELECT 1 FROM {V} o "
        f"WHERE o.confirmation_signature_id = v.confirmation_signature_id AND {earlier}))"
    )
    day_no = d.day_number("v.service_date")
    bucket = f"CASE cpi.period WHEN 'day' THEN {day_no} WHEN 'week' THEN {day_no} / 7 ELSE 0 END"
    proving = ", ".join(
        f"'{kind}'" for kind, qual in provider_rules.CERTIFICATE_QUALIFICATION.items() if qual
    )
    died = "'参保人已于' || " + _num("p.died_on") + " || '身故'"
    code_of = f"(SELECT ci.code FROM {_t(CatalogueItem)} ci WHERE ci.id = y.item_id)"
    died_sub = (
        f"'参保人已于' || (SELECT {_num('p.died_on')} FROM {P} p WHERE p.id = v.person_id) "
        "|| '身故'"
    )

    too_short = _visit_columns(
        "'服务时长' || "
        + _num("v.duration_minutes")
        + " || '分钟，不足所记项目参考时长' || "
        + _num("v.reference_minutes")
        + " || '分钟的' || "
        + _num("CAST(ROUND(%(min_ratio)s * 100) AS INTEGER)")
        + " || '%%'",
        "'{\"duration_minutes\": ' || "
        + _num("v.duration_minutes")
        + " || ', \"reference_minutes\": ' || "
        + _num("v.reference_minutes")
        + " || '}'",
    )
    geofence = _visit_columns(
        "'签到距住址' || COALESCE(" + _num("v.check_in_distance_m") + ", '—') || "
        "'米，签退距住址' || COALESCE(" + _num("v.check_out_distance_m") + ", '—') || "
        "'米，超出允许范围（半径' || "
        + _num("CAST(%(radius)s AS INTEGER)")
        + " || '米加定位精度）'",
        "'{\"check_in_distance_m\": ' || COALESCE("
        + _num("v.check_in_distance_m")
        + ", 'null') || ', \"check_out_distance_m\": ' || COALESCE("
        + _num("v.check_out_distance_m")
        + ", 'null') || '}'",
    )
    overlap_minutes = (
        "CAST(ROUND(" + d.seconds_between("v.prev_end", "v.check_in_at") + " / 60.0) AS INTEGER)"
    )
    overlap = _visit_columns(
        "'签到时该护理员的上一次服务尚未结束，重叠' || " + _num(overlap_minutes) + " || '分钟'"
    )
    fast = _visit_columns(
        "'距上一次服务签退' || "
        + _num("CAST(ROUND(v.dist) AS INTEGER)")
        + " || '米，间隔' || "
        + _num("CAST(ROUND(v.gap / 60.0) AS INTEGER)")
        + " || '分钟，折合时速' || "
        + _num("CAST(ROUND(v.dist / v.gap * 3.6) AS INTEGER)")
        + " || '公里'",
        "'{\"distance_m\": ' || "
        + _num("CAST(ROUND(v.dist) AS INTEGER)")
        + " || ', \"gap_seconds\": ' || "
        + _num("CAST(ROUND(v.gap) AS INTEGER)")
        + " || '}'",
    )
    in_hospital = _visit_columns("'服务当日参保人在住院期间，待遇暂停'")
    bed_in_hospital = _bed_columns("'在床床日与住院记录重叠，应登记为转院住院'")
    no_certificate = _visit_columns("'服务当日护理员没有有效的资格证书'")
    same_photo = _visit_columns("'照片与另一次服务的照片是同一文件（内容哈希相同）'")
    return [
        RuleSql(
            "too_short",
            "visit",
            f"SELECT {too_short} FROM {V} v WHERE {_visit_filter()} AND v.reference_minutes > 0 "
            "AND v.duration_minutes < %(min_ratio)s * v.reference_minutes",
        ),
        RuleSql(
            "outside_geofence",
            "visit",
            f"SELECT {geofence} FROM {V} v WHERE {_visit_filter()} AND ("
            f"(v.check_in_distance_m IS NOT NULL AND v.check_in_distance_m > {radius_in}) OR "
            f"(v.check_out_distance_m IS NOT NULL AND v.check_out_distance_m > {radius_out}))",
        ),
        RuleSql(
            "overlapping_visits",
            "visit",
            f"SELECT {overlap} FROM (SELECT w.*, MAX(w.check_out_at) OVER (PARTITION BY "
            "w.caregiver_id ORDER BY w.check_in_at, w.id ROWS BETWEEN UNBOUNDED PRECEDING "
            f"AND 1 PRECEDING) AS prev_end FROM {V} w WHERE {_visit_filter('w')}) v "
            "WHERE v.prev_end > v.check_in_at",
        ),
        RuleSql(
            "too_fast",
            "visit",
            f"SELECT {fast} FROM (SELECT x.*, {haversine} AS dist, {gap} AS gap FROM ("
            "SELECT w.*, w.check_in_latitude AS lat, w.check_in_longitude AS lon, "
            "LAG(w.check_out_latitude) OVER win AS plat, "
            "LAG(w.check_out_longitude) OVER win AS plon, "
            f"LAG(w.check_out_at) OVER win AS pend FROM {V} w WHERE {_visit_filter('w')} "
            "WINDOW win AS (PARTITION BY w.caregiver_id ORDER BY w.check_in_at, w.id)) x "
            "WHERE x.pend IS NOT NULL AND x.plat IS NOT NULL) v "
            "WHERE v.gap > 0 AND v.dist > %(min_distance)s "
            "AND v.dist / v.gap * 3.6 > %(max_speed)s",
        ),
        RuleSql(
            "person_deceased",
            "visit",
            f"SELECT {_visit_columns(died_sub)} FROM {V} v WHERE {_visit_filter()} "
            f"AND EXISTS (SELECT 1 FROM {P} p WHERE p.id = v.person_id "
            f"AND {sql.after_death('v.service_date', 'p.died_on')})",
        ),
        RuleSql(
            "person_deceased",
            "bed_day",
            f"SELECT {_bed_columns(died)} FROM {B} b JOIN {P} p ON p.id = b.person_id "
            f"WHERE {_bed_filter()} AND {sql.after_death('b.day', 'p.died_on')}",
        ),
        RuleSql(
            "person_in_hospital",
            "visit",
            f"SELECT {in_hospital} FROM {V} v WHERE {_visit_filter()} "
            f"AND {_hospital_on('v.service_date', 'v.person_id')}",
        ),
        RuleSql(
            "person_in_hospital",
            "bed_day",
            f"SELECT {bed_in_hospital} FROM {B} b WHERE {_bed_filter()} AND b.kind = 'in_bed' "
            f"AND {_hospital_on('b.day', 'b.person_id')}",
        ),
        RuleSql(
            "not_entitled",
            "visit",
            f"SELECT {_visit_columns(_entitlement_reason('v.service_date', 'v.person_id'))} "
            f"FROM {V} v WHERE {_visit_filter()} "
            f"AND NOT EXISTS (SELECT 1 FROM {P} p WHERE p.id = v.person_id "
            f"AND {sql.after_death('v.service_date', 'p.died_on')}) AND v.id IN ("
            f"SELECT w.id FROM {V} w WHERE {_visit_filter('w')} "
            f"AND NOT {_care_period_on('w.service_date', 'w.person_id')} "
            f"UNION SELECT w.id FROM {V} w WHERE {_visit_filter('w')} "
            f"AND {_paused_on('w.service_date', 'w.person_id')} "
            f"UNION SELECT w.id FROM {V} w WHERE {_visit_filter('w')} "
            f"AND NOT {_insured_on('w.service_date', 'w.person_id')})",
        ),
        RuleSql(
            "not_entitled",
            "bed_day",
            f"SELECT {_bed_columns(_entitlement_reason('b.day', 'b.person_id'))} "
            f"FROM {B} b JOIN {P} p ON p.id = b.person_id WHERE {_bed_filter()} "
            f"AND NOT {sql.after_death('b.day', 'p.died_on')} AND ("
            f"NOT {_care_period_on('b.day', 'b.person_id', 'institutional')} "
            f"OR {_paused_on('b.day', 'b.person_id')} "
            f"OR NOT {_insured_on('b.day', 'b.person_id')})",
        ),
        RuleSql(
            "item_not_in_plan",
            "visit",
            "SELECT y.visit_id, CAST(NULL AS BIGINT) AS bed_day_id, y.person_id, y.caregiver_id, "
            f"y.region_code, y.service_date, '项目' || {code_of} || CASE WHEN y.n > 1 "
            "THEN '等' || " + _num("y.n") + " || '项' ELSE '' END "
            "|| '不在服务当日执行的护理计划内' AS reason, '{}' AS detail FROM ("
            "SELECT v.id AS visit_id, v.person_id, v.caregiver_id, v.region_code, "
            "v.service_date, MIN(vi.item_id) AS item_id, COUNT(*) AS n "
            f"FROM {V} v JOIN {VI} vi ON vi.visit_id = v.id WHERE {_visit_filter()} "
            f"AND NOT EXISTS (SELECT 1 FROM {_t(CarePlan)} cp JOIN {_t(CarePlanItem)} cpi "
            f"ON cpi.plan_id = cp.id WHERE {_plan_in_force('v.service_date', 'v.person_id')} "
            "AND cpi.item_id = vi.item_id) "
            "GROUP BY v.id, v.person_id, v.caregiver_id, v.region_code, v.service_date) y",
        ),
        RuleSql(
            "item_over_frequency",
            "visit",
            "SELECT y.visit_id, CAST(NULL AS BIGINT) AS bed_day_id, y.person_id, y.caregiver_id, "
            f"y.region_code, y.service_date, '项目' || {code_of} || '超出护理计划频次（' || "
            "y.label || '，本月第' || " + _num("y.used") + " || '次）' AS reason, "
            "'{}' AS detail FROM (SELECT x.visit_id, x.person_id, x.caregiver_id, "
            "x.region_code, x.service_date, MIN(x.item_id) AS item_id, MIN(x.label) AS label, "
            "MAX(x.used_month) AS used FROM (SELECT v.id AS visit_id, v.person_id, "
            "v.caregiver_id, v.region_code, v.service_date, vi.item_id, cpi.times, "
            "cpi.monthly_count, CASE cpi.period WHEN 'day' THEN '每日' WHEN 'week' THEN '每周' "
            "ELSE '每月' END || " + _num("cpi.times") + " || '次' AS label, "
            f"SUM(vi.quantity) OVER (PARTITION BY v.person_id, vi.item_id, {bucket} "
            "ORDER BY v.check_in_at, v.id ROWS UNBOUNDED PRECEDING) AS used_bucket, "
            "SUM(vi.quantity) OVER (PARTITION BY v.person_id, vi.item_id "
            "ORDER BY v.check_in_at, v.id ROWS UNBOUNDED PRECEDING) AS used_month "
            f"FROM {V} v JOIN {VI} vi ON vi.visit_id = v.id "
            f"JOIN {_t(CarePlan)} cp ON {_plan_in_force('v.service_date', 'v.person_id')} "
            f"JOIN {_t(CarePlanItem)} cpi ON cpi.plan_id = cp.id AND cpi.item_id = vi.item_id "
            f"WHERE {_visit_filter()}) x WHERE x.used_bucket > x.times "
            "OR x.used_month > x.monthly_count "
            "GROUP BY x.visit_id, x.person_id, x.caregiver_id, x.region_code, x.service_date) y",
        ),
        RuleSql(
            "caregiver_no_certificate",
            "visit",
            f"SELECT {no_certificate} FROM {V} v WHERE {_visit_filter()} AND NOT EXISTS ("
            f"SELECT 1 FROM {_t(Certificate)} ct WHERE ct.caregiver_id = v.caregiver_id "
            f"AND ct.kind IN ({proving}) AND ct.issued_on <= v.service_date "
            "AND ct.expires_on >= v.service_date)",
        ),
        RuleSql(
            "duplicate_photo",
            "visit",
            f"SELECT {same_photo} FROM {V} v WHERE {_visit_filter()} AND ("
            "(v.check_in_photo_id IS NOT NULL AND v.check_in_photo_id = v.check_out_photo_id) "
            f"OR {photo_uses} OR {signature_use})",
        ),
        RuleSql(
            "identical_durations",
            "pair",
            "SELECT CAST(NULL AS BIGINT) AS visit_id, CAST(NULL AS BIGINT) AS bed_day_id, "
            "y.person_id, y.caregiver_id, "
            "y.region_code, y.last_day AS service_date, '本月' || "
            + _num("y.total")
            + " || '次服务中有' || "
            + _num("y.near")
            + " || '次时长均为' || "
            + _num("y.duration_minutes")
            + " || '分钟左右（±' || "
            + _num("%(tolerance)s")
            + " || '分钟）' AS reason, "
            "'{\"modal_minutes\": ' || "
            + _num("y.duration_minutes")
            + " || ', \"tolerance_minutes\": ' || "
            + _num("%(tolerance)s")
            + " || ', \"count\": ' || "
            + _num("y.near")
            + " || ', \"total\": ' || "
            + _num("y.total")
            + " || '}' AS detail FROM ("
            "SELECT x.*, ROW_NUMBER() OVER (PARTITION BY x.caregiver_id, x.person_id "
            "ORDER BY x.near DESC, x.duration_minutes) AS rn FROM ("
            "SELECT v.caregiver_id, v.person_id, v.region_code, v.duration_minutes, "
            "MAX(v.service_date) OVER (PARTITION BY v.caregiver_id, v.person_id) AS last_day, "
            "COUNT(*) OVER (PARTITION BY v.caregiver_id, v.person_id) AS total, "
            "COUNT(*) OVER (PARTITION BY v.caregiver_id, v.person_id ORDER BY v.duration_minutes "
            "RANGE BETWEEN %(tolerance)s PRECEDING AND %(tolerance)s FOLLOWING) AS near "
            f"FROM {V} v WHERE {_visit_filter()}) x) y WHERE y.rn = 1 "
            "AND y.total >= %(min_visits)s AND y.near >= %(min_share)s * y.total",
        ),
    ]


def _params(rules: Rules, code: str) -> dict:
    rule = rules.rule(code)
    g = rules.geofence
    return {
        "severity": rule["severity"],
        "min_ratio": float(rules.rule("too_short")["min_ratio"]),
        "radius": float(g["radius_m"]),
        "cap": float(g["accuracy_allowance_max_m"]),
        "margin": float(g["warning_margin_m"]),
        "max_speed": float(rules.rule("too_fast")["max_speed_kmh"]),
        "min_distance": float(rules.rule("too_fast")["min_distance_m"]),
        "tolerance": int(rules.rule("identical_durations")["tolerance_minutes"]),
        "min_visits": int(rules.rule("identical_durations")["min_visits"]),
        "min_share": float(rules.rule("identical_durations")["min_share"]),
    }


def _insert_sql(rule: RuleSql, d: Dialect) -> str:
    F = _t(Finding)
    if rule.target == "visit":
        seen = "f.visit_id = s.visit_id"
    elif rule.target == "bed_day":
        seen = "f.bed_day_id = s.bed_day_id"
    else:
        seen = (
            "f.visit_id IS NULL AND f.bed_day_id IS NULL AND f.caregiver_id = s.caregiver_id "
            "AND f.person_id = s.person_id AND f.period = %(period)s"
        )
    return (
        f"INSERT INTO {F} (visit_id, bed_day_id, person_id, institution_id, caregiver_id, "
        "region_code, period, service_date, rule_code, severity, status, rule_version, reason, "
        "detail, run_id, created_at, resolution_reason) "
        "SELECT s.visit_id, s.bed_day_id, s.person_id, %(inst)s, s.caregiver_id, s.region_code, "
        "%(period)s, s.service_date, %(rule)s, %(severity)s, 'open', %(version)s, s.reason, "
        f"{d.json('s.detail')}, %(run)s, %(now)s, '' FROM ({rule.select}) s "
        f"WHERE NOT EXISTS (SELECT 1 FROM {F} f WHERE f.rule_code = %(rule)s AND {seen})"
    )


def screen_institution(
    *,
    institution_id: int,
    period: str,
    rules: Rules,
    run_id: int | None = None,
    timings: dict[str, float] | None = None,
) -> dict[str, int]:
    """One chunk: replace the open findings of one institution's month. Returns new findings
    per rule. Runs in the caller's transaction."""
    first, last = month_bounds(period)
    d = Dialect(connection.vendor)
    # Only the screening's own: findings raised by people (complaints, return visits) stay.
    Finding.objects.filter(
        institution_id=institution_id, period=period, status=FindingStatus.OPEN
    ).exclude(rule_code__in=RAISED_RULES).delete()
    counts: dict[str, int] = {}
    now = clock.now()
    with connection.cursor() as cursor:
        for rule in rule_sql(d):
            if not rules.enabled(rule.code):
                continue
            params = {
                **_params(rules, rule.code),
                "inst": institution_id,
                "first": first,
                "last": last,
                "period": period,
                "rule": rule.code,
                "version": rules.version,
                "run": run_id,
                "now": now,
            }
            started = time.perf_counter()
            cursor.execute(_insert_sql(rule, d), params)
            counts[rule.code] = counts.get(rule.code, 0) + max(cursor.rowcount, 0)
            if timings is not None:
                key = f"{rule.code}:{rule.target}"
                timings[key] = timings.get(key, 0.0) + time.perf_counter() - started
    return counts


# --- runs -----------------------------------------------------------------------------------


def _institutions(run: ScreeningRun) -> list[int]:
    first, last = month_bounds(run.period)
    ids = set(
        Visit.objects.filter(service_date__gte=first, service_date__lte=last)
        .values_list("institution_id", flat=True)
        .distinct()
    )
    ids |= set(
        BedDay.objects.filter(day__gte=first, day__lte=last)
        .values_list("institution_id", flat=True)
        .distinct()
    )
    if run.scope_prefixes:
        q = Q(pk__in=[])
        for prefix in run.scope_prefixes:
            q |= Q(region_code__startswith=prefix)
        ids &= set(Institution.objects.filter(q).values_list("pk", flat=True))
    return sorted(ids)


def summary(run: ScreeningRun, *, seconds: float | None = None) -> dict:
    """Findings of the month per rule (all statuses), for the run's institutions."""
    first, last = month_bounds(run.period)
    institutions = list(run.chunks.values_list("institution_id", flat=True))
    rows = (
        Finding.objects.filter(period=run.period, institution_id__in=institutions)
        .values("rule_code", "status")
        .annotate(n=Count("id"))
    )
    per_rule = {
        code: {"total": 0, "open": 0, "confirmed": 0, "dismissed": 0} for code in RULE_CODES
    }
    for row in rows:
        entry = per_rule.setdefault(
            row["rule_code"], {"total": 0, "open": 0, "confirmed": 0, "dismissed": 0}
        )
        entry[row["status"]] += row["n"]
        entry["total"] += row["n"]
    out = {
        "run_id": run.pk,
        "period": run.period,
        "rule_version": run.rule_set.version,
        "status": run.status,
        "institutions": len(institutions),
        "visits_screened": Visit.objects.filter(
            institution_id__in=institutions,
            service_date__gte=first,
            service_date__lte=last,
            status="completed",
        ).count(),
        "bed_days_screened": BedDay.objects.filter(
            institution_id__in=institutions, day__gte=first, day__lte=last
        ).count(),
        "findings_total": sum(e["total"] for e in per_rule.values()),
        "findings": per_rule,
    }
    if seconds is not None:
        out["seconds"] = round(seconds, 2)
    return out


def _screen_chunk(run: ScreeningRun, chunk_id: int, institution_id: int, rules, timings) -> None:
    with transaction.atomic():
        counts = screen_institution(
            institution_id=institution_id,
            period=run.period,
            rules=rules,
            run_id=run.pk,
            timings=timings,
        )
        now = clock.now()
        ScreeningChunk.objects.filter(pk=chunk_id).update(
            done=True, findings=sum(counts.values()), done_at=now
        )
        ScreeningRun.objects.filter(pk=run.pk).update(
            done_chunks=F("done_chunks") + 1, heartbeat_at=now
        )


def _workers(requested: int) -> int:
    # SQLite allows one writer at a time: parallel chunks would only wait for each other.
    return max(1, requested) if connection.vendor == "postgresql" else 1


def execute(run_id: int, *, progress=None, workers: int = 1) -> ScreeningRun:
    """Run (or resume) a screening run: every chunk not yet done, each in its own transaction;
    with ``workers`` > 1 (PostgreSQL), that many chunks at a time on separate connections."""
    started = time.monotonic()
    with transaction.atomic():
        run = ScreeningRun.objects.select_for_update().select_related("rule_set").get(pk=run_id)
        if run.status == RunStatus.DONE:
            return run
        if not run.chunks.exists():
            ScreeningChunk.objects.bulk_create(
                [ScreeningChunk(run=run, institution_id=i) for i in _institutions(run)]
            )
        now = clock.now()
        run.status = RunStatus.RUNNING
        run.started_at = run.started_at or now
        run.heartbeat_at = now
        run.total_chunks = run.chunks.count()
        run.done_chunks = run.chunks.filter(done=True).count()
        run.error = ""
        run.save()
    rules = Rules(version=run.rule_set.version, params=run.rule_set.params)
    timings: dict[str, float] = {}
    pending = queue.SimpleQueue()
    for pk, institution_id in (
        run.chunks.filter(done=False).order_by("institution_id").values_list("pk", "institution_id")
    ):
        pending.put((pk, institution_id))
    lock = threading.Lock()
    failures: list[BaseException] = []

    def work(in_thread: bool) -> None:
        local: dict[str, float] = {}
        try:
            while not failures:
                try:
                    chunk_id, institution_id = pending.get_nowait()
                except queue.Empty:
                    return
                _screen_chunk(run, chunk_id, institution_id, rules, local)
                if progress:
                    with lock:
                        run.done_chunks += 1
                        progress(run)
        except BaseException as exc:  # reported by the caller, which marks the run failed
            failures.append(exc)
        finally:
            with lock:
                for key, value in local.items():
                    timings[key] = timings.get(key, 0.0) + value
            if in_thread:
                connection.close()

    count = _workers(workers)
    threads = [threading.Thread(target=work, args=(True,)) for _ in range(count - 1)]
    for thread in threads:
        thread.start()
    work(False)
    for thread in threads:
        thread.join()
    if failures:
        ScreeningRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=str(failures[0])[:2000], finished_at=clock.now()
        )
        raise failures[0]
    run.refresh_from_db()
    run.status = RunStatus.DONE
    run.finished_at = clock.now()
    run.summary = summary(run, seconds=time.monotonic() - started)
    run.summary["rule_seconds"] = {k: round(v, 2) for k, v in sorted(timings.items())}
    run.summary["workers"] = count
    run.findings_count = run.summary["findings_total"]
    run.save()
    return run


STALE_AFTER = dt.timedelta(minutes=10)


def claim_next() -> ScreeningRun | None:
    """The next queued run, or a running one whose worker stopped reporting (it resumes)."""
    return runs.claim(ScreeningRun, stale_after=STALE_AFTER)


def requeue(run: ScreeningRun) -> None:
    """Put a run its worker had to give up (stopped halfway) back in the queue: the next worker
    resumes it with the institutions not yet done."""
    runs.requeue(ScreeningRun, run, error="", finished_at=None)


def run_to_json(run: ScreeningRun) -> str:
    return json.dumps(run.summary, ensure_ascii=False, indent=2)
