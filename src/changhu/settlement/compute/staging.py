"""Staging a month: each person's eligible days and costs, written to the staging tables in SQL."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from changhu.care import eligibility_sql as sql
from changhu.care.models import Arrangement, CatalogueCategory, CatalogueItem, Entitlement, Pause
from changhu.insured.models import EnrolmentPeriod, LifeEvent, Person
from changhu.providers.models import Institution
from changhu.settlement import policy as rules
from changhu.settlement.compute._common import (
    NO_ELIGIBLE_DAY,
    NO_ELIGIBLE_DAY_REASON,
    Context,
    S,
    _case,
    _greatest,
    _key,
    _least,
    _pg,
    _t,
)
from changhu.settlement.models import (
    InstitutionTariff,
    SettlementRun,
)
from changhu.visits import selectors as visit_selectors
from changhu.visits.models import BedDay, Finding, Visit, VisitItem

# --- staging --------------------------------------------------------------------------------

_STAGE_TABLES = {
    "inst": "institution_id BIGINT PRIMARY KEY",
    # The catalogue items: what the fund counts of one (0 when not covered) and the cost kind.
    "citem": "item_id BIGINT PRIMARY KEY, price_fen BIGINT, kind VARCHAR(16)",
    "month": "day DATE PRIMARY KEY, bit BIGINT NOT NULL",
    "class": "institution_id BIGINT, day DATE, institution_class VARCHAR(16), "
    "bed_day_fen BIGINT, PRIMARY KEY (institution_id, day)",
    "range": "person_id BIGINT, institution_id BIGINT, grade INTEGER, care_mode VARCHAR(16), "
    "first_day DATE, last_day DATE",
    "block": "person_id BIGINT, day DATE",
    # A payable visit or in-bed day with its cost, and the segment of its day (NULL: none).
    "item": "source VARCHAR(8), source_id BIGINT, person_id BIGINT, institution_id BIGINT, "
    "day DATE, kind VARCHAR(16), cost_fen BIGINT, grade INTEGER, care_mode VARCHAR(16), "
    "institution_class VARCHAR(16), bit BIGINT",
    "seg": "person_id BIGINT, institution_id BIGINT, grade INTEGER, care_mode VARCHAR(16), "
    "institution_class VARCHAR(16), n_days INTEGER, mask_days BIGINT",
    # The cost of an eligible day by cost kind, with the day's segment.
    "cost": "person_id BIGINT, institution_id BIGINT, day DATE, kind VARCHAR(16), "
    "grade INTEGER, care_mode VARCHAR(16), institution_class VARCHAR(16), bit BIGINT, "
    "cost_fen BIGINT, visits INTEGER",
    # Costs of a segment for one rate row: the sums a rule kind needs.
    "segcost": "person_id BIGINT, institution_id BIGINT, grade INTEGER, care_mode VARCHAR(16), "
    "institution_class VARCHAR(16), seq INTEGER, cost BIGINT, n_cost_days INTEGER, "
    "mask_cost_days BIGINT, daily_exact BIGINT, visits INTEGER",
    "rate": "seq INTEGER, benefit VARCHAR(40), benefit_name VARCHAR(120), kind VARCHAR(20), "
    "cost_kind VARCHAR(16), day_basis VARCHAR(12), cap_after INTEGER, grade INTEGER, "
    "care_mode VARCHAR(16), institution_class VARCHAR(16), payee VARCHAR(12), "
    "amount_fen BIGINT, limit_fen BIGINT, cap_fen BIGINT, ratio_bp BIGINT",
    "line": "person_id BIGINT, institution_id BIGINT, line_key VARCHAR(160), "
    "benefit VARCHAR(40), benefit_name VARCHAR(120), seq INTEGER, kind VARCHAR(20), "
    "payee VARCHAR(12), grade INTEGER, care_mode VARCHAR(16), institution_class VARCHAR(16), "
    "eligible_days INTEGER, days_mask BIGINT, eligible_cost_fen BIGINT, fund_fen BIGINT, "
    "visit_count INTEGER",
    "excl": "institution_id BIGINT, person_id BIGINT, source VARCHAR(8), source_id BIGINT, "
    "day DATE, reason_code VARCHAR(40), reason VARCHAR(300), amount_fen BIGINT",
}
_STAGE_INDEXES = {
    "line": ["institution_id"],
    "excl": ["institution_id"],
}


class Staging:
    """The run's staging tables: ``st<run>_day`` and so on."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.t = {name: f"st{run_id}_{name}" for name in _STAGE_TABLES}

    def create(self, cursor) -> None:
        self.drop(cursor)
        kind = "CREATE UNLOGGED TABLE" if _pg() else "CREATE TABLE"
        for name, columns in _STAGE_TABLES.items():
            cursor.execute(f"{kind} {self.t[name]} ({columns})")

    def index(self, cursor) -> None:
        for name, indexes in _STAGE_INDEXES.items():
            for n, columns in enumerate(indexes):
                cursor.execute(f"CREATE INDEX {self.t[name]}_i{n} ON {self.t[name]} ({columns})")

    def drop(self, cursor) -> None:
        for table in self.t.values():
            cursor.execute(f"DROP TABLE IF EXISTS {table}")

    def rows(self, cursor) -> int | None:
        """Rows of the staged segments, or None when the staging is gone."""
        table = self.t["seg"]
        if _pg():
            cursor.execute("SELECT to_regclass(%s)", [table])
            if cursor.fetchone()[0] is None:
                return None
        else:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [table])
            if cursor.fetchone() is None:
                return None
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        return cursor.fetchone()[0]

    def analyze(self, cursor, *names: str) -> None:
        # Fresh tables have no statistics until analyzed, and the planner guesses badly.
        if _pg():
            for name in names:
                cursor.execute(f"ANALYZE {self.t[name]}")


def _session(cursor) -> None:
    if _pg():
        # Without statistics the JIT compiles for row counts it imagines; aggregates over a
        # city's month fit in memory.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '128MB'")
        cursor.execute("SET LOCAL enable_mergejoin = off")


def stage(run: SettlementRun, ctx: Context) -> int:
    """Build the run's staging tables for every institution of the region; the staged days."""
    st = Staging(run.pk)
    t = st.t
    ids = list(
        Institution.objects.filter(region_code__startswith=ctx.period.region_prefix).values_list(
            "pk", flat=True
        )
    )
    with connection.cursor() as cursor:
        _session(cursor)
        st.create(cursor)
        cursor.executemany(
            f"INSERT INTO {t['inst']} (institution_id) VALUES (%s)", [(i,) for i in ids]
        )
        days = []
        day = ctx.first
        while day <= ctx.last:
            days.append((day, 1 << (day.day - 1)))
            day += dt.timedelta(days=1)
        cursor.executemany(f"INSERT INTO {t['month']} (day, bit) VALUES (%s, %s)", days)
        _stage_classes(cursor, t)
        cursor.executemany(
            f"INSERT INTO {t['rate']} (seq, benefit, benefit_name, kind, cost_kind, day_basis, "
            "cap_after, grade, care_mode, institution_class, payee, amount_fen, limit_fen, "
            "cap_fen, ratio_bp) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
            "%s, %s)",
            rate_rows(ctx.policy),
        )
        st.analyze(cursor, "inst", "month", "class", "rate")
        _stage_days(cursor, t, ctx)
        _stage_items(cursor, t, ctx)
        _stage_sums(cursor, t, ctx)
        st.analyze(cursor, "seg", "segcost")
        _stage_lines(cursor, t, ctx)
        _stage_exclusions(cursor, t, ctx)
        st.index(cursor)
        st.analyze(cursor, "line", "excl")
        return st.rows(cursor) or 0


def _stage_classes(cursor, t) -> None:
    """Each institution's class and bed-day charge on each day (the latest tariff row)."""
    tariff = _t(InstitutionTariff)
    latest = (
        f"SELECT {{col}} FROM {tariff} x WHERE x.institution_id = i.institution_id "
        f"AND x.valid_from <= m.day ORDER BY x.valid_from DESC LIMIT 1"
    )
    cursor.execute(
        f"INSERT INTO {t['class']} (institution_id, day, institution_class, bed_day_fen) "
        f"SELECT i.institution_id, m.day, "
        f"COALESCE(({latest.format(col='x.institution_class')}), ''), "
        f"COALESCE(({latest.format(col='x.bed_day_fen')}), 0) "
        f"FROM {t['inst']} i CROSS JOIN {t['month']} m"
    )


def _stage_days(cursor, t, ctx: Context) -> None:
    """Eligible days, by the rules of ``care.eligibility`` (tested to agree with it)."""
    last = "%s"
    cursor.execute(
        f"""
        INSERT INTO {t["range"]} (person_id, institution_id, grade, care_mode, first_day,
                                  last_day)
        SELECT r.* FROM (
            SELECT a.person_id, a.institution_id, e.grade, a.care_mode,
                   {_greatest("a.start_date", "e.valid_from", "%s")} AS first_day,
                   {
            _least(
                f"COALESCE(a.end_date, {last})",
                "e.valid_until",
                f"COALESCE(e.end_date, {last})",
                f"COALESCE(p.died_on, {last})",
                last,
            )
        } AS last_day
            FROM {_t(Arrangement)} a
            JOIN {t["inst"]} i ON i.institution_id = a.institution_id
            JOIN {_t(Entitlement)} e ON e.id = a.entitlement_id
            JOIN {_t(Person)} p ON p.id = a.person_id
            WHERE a.start_date <= %s AND (a.end_date IS NULL OR a.end_date >= %s)
        ) r WHERE r.first_day <= r.last_day
        """,
        [ctx.first, ctx.last, ctx.last, ctx.last, ctx.last, ctx.last, ctx.first],
    )
    # Hospital days (the admission day is one, the discharge day is not), paused days, and
    # days outside every enrolment period.
    persons = f"(SELECT person_id FROM {t['range']})"
    cursor.execute(
        f"""
        INSERT INTO {t["block"]} (person_id, day)
        SELECT h.person_id, m.day FROM {_t(LifeEvent)} h
        JOIN {t["month"]} m ON {sql.hospital_covers("m.day", "h.start_date", "h.end_date")}
        WHERE h.kind = 'hospital_stay' AND h.person_id IN {persons}
        UNION
        SELECT ps.person_id, m.day FROM {_t(Pause)} ps
        JOIN {t["month"]} m ON {sql.span_covers("m.day", "ps.start_date", "ps.end_date")}
        WHERE ps.person_id IN {persons}
        UNION
        SELECT r.person_id, m.day FROM (SELECT DISTINCT person_id FROM {t["range"]}) r
        CROSS JOIN {t["month"]} m
        WHERE NOT EXISTS (SELECT 1 FROM {_t(EnrolmentPeriod)} ep
                          WHERE ep.person_id = r.person_id
                            AND {sql.span_covers("m.day", "ep.start_date", "ep.end_date")})
        """
    )
    if _pg():
        cursor.execute(f"ANALYZE {t['range']}")
        cursor.execute(f"ANALYZE {t['block']}")
    # Segments: a person's eligible days with one institution, grade, mode and class.
    cursor.execute(
        f"""
        INSERT INTO {t["seg"]} (person_id, institution_id, grade, care_mode, institution_class,
                                n_days, mask_days)
        SELECT r.person_id, r.institution_id, r.grade, r.care_mode, c.institution_class,
               COUNT(*), CAST(SUM(m.bit) AS BIGINT)
        FROM {t["range"]} r
        JOIN {t["month"]} m ON m.day >= r.first_day AND m.day <= r.last_day
        JOIN {t["class"]} c ON c.institution_id = r.institution_id AND c.day = m.day
        LEFT JOIN {t["block"]} b ON b.person_id = r.person_id AND b.day = m.day
        WHERE b.person_id IS NULL
        GROUP BY r.person_id, r.institution_id, r.grade, r.care_mode, c.institution_class
        """
    )


def _stage_items(cursor, t, ctx: Context) -> None:
    """Payable visits priced from the catalogue and in-bed days priced from the tariff, each
    with the segment of its eligible day (NULL when the person had none with that
    institution that day).

    The visits are ``visits.selectors.settlement_visits`` (completed, payable, in the month)
    and the bed-days ``settlement_bed_days``; items and catalogue prices are joined here.
    """
    visits = (
        visit_selectors.settlement_visits(ctx.period.month)
        .values("id", "person_id", "institution_id", "service_date")
        .order_by()
    )
    visit_sql, visit_params = visits.query.sql_with_params()
    beds = (
        visit_selectors.settlement_bed_days(ctx.period.month)
        .filter(kind="in_bed")
        .values("id", "person_id", "institution_id", "day")
        .order_by()
    )
    bed_sql, bed_params = beds.query.sql_with_params()
    cursor.execute(
        f"""
        INSERT INTO {t["citem"]} (item_id, price_fen, kind)
        SELECT ci.id, CASE WHEN ci.fund_covered = %s THEN ci.unit_price_fen ELSE 0 END,
               CASE WHEN cc.kind = 'social_support' THEN 'social_support' ELSE 'services' END
        FROM {_t(CatalogueItem)} ci JOIN {_t(CatalogueCategory)} cc ON cc.id = ci.category_id
        """,
        [True],
    )
    if _pg():
        cursor.execute(f"ANALYZE {t['citem']}")
    priced = f"""
        SELECT 'visit' AS source, v.id AS source_id, MIN(v.person_id) AS person_id,
               MIN(v.institution_id) AS institution_id, MIN(v.service_date) AS day,
               ci.kind, CAST(SUM(ci.price_fen * vi.quantity) AS BIGINT) AS cost_fen
        FROM ({visit_sql}) v
        JOIN {t["inst"]} i ON i.institution_id = v.institution_id
        JOIN {_t(VisitItem)} vi ON vi.visit_id = v.id
        JOIN {t["citem"]} ci ON ci.item_id = vi.item_id
        GROUP BY v.id, ci.kind
        UNION ALL
        SELECT 'bed_day', b.id, b.person_id, b.institution_id, b.day, 'bed_days', c.bed_day_fen
        FROM ({bed_sql}) b
        JOIN {t["class"]} c ON c.institution_id = b.institution_id AND c.day = b.day
    """
    cursor.execute(
        f"""
        INSERT INTO {t["item"]} (source, source_id, person_id, institution_id, day, kind,
                                 cost_fen, grade, care_mode, institution_class, bit)
        SELECT x.source, x.source_id, x.person_id, x.institution_id, x.day, x.kind,
               x.cost_fen,
               CASE WHEN b.person_id IS NULL THEN r.grade END,
               CASE WHEN b.person_id IS NULL THEN r.care_mode END,
               CASE WHEN b.person_id IS NULL AND r.person_id IS NOT NULL
                    THEN c.institution_class END,
               m.bit
        FROM ({priced}) x
        JOIN {t["month"]} m ON m.day = x.day
        LEFT JOIN {t["range"]} r ON r.person_id = x.person_id
             AND r.institution_id = x.institution_id
             AND x.day >= r.first_day AND x.day <= r.last_day
        LEFT JOIN {t["block"]} b ON b.person_id = x.person_id AND b.day = x.day
        LEFT JOIN {t["class"]} c ON c.institution_id = x.institution_id AND c.day = x.day
        """,
        [*visit_params, *bed_params],
    )
    if _pg():
        cursor.execute(f"ANALYZE {t['item']}")


def _stage_sums(cursor, t, ctx: Context) -> None:
    """Costs per eligible day and kind, then per segment and rate row (with the daily
    ratio-and-cap amounts summed exactly) and the number of visits behind them."""
    cursor.execute(
        f"""
        INSERT INTO {t["cost"]} (person_id, institution_id, day, kind, grade, care_mode,
                                 institution_class, bit, cost_fen, visits)
        SELECT person_id, institution_id, day, kind, MIN(grade), MIN(care_mode),
               MIN(institution_class), MIN(bit), CAST(SUM(cost_fen) AS BIGINT),
               SUM(CASE WHEN source = 'visit' THEN 1 ELSE 0 END)
        FROM {t["item"]} WHERE grade IS NOT NULL
        GROUP BY person_id, institution_id, day, kind
        """
    )
    if _pg():
        cursor.execute(f"ANALYZE {t['cost']}")
    daily = (
        "CASE WHEN r.cap_after = 1 THEN "
        f"(CASE WHEN c.cost_fen * r.ratio_bp < r.cap_fen * {S} THEN c.cost_fen * r.ratio_bp "
        f"ELSE r.cap_fen * {S} END) "
        "ELSE (CASE WHEN c.cost_fen < r.cap_fen THEN c.cost_fen ELSE r.cap_fen END) * r.ratio_bp "
        "END"
    )
    cursor.execute(
        f"""
        INSERT INTO {t["segcost"]} (person_id, institution_id, grade, care_mode,
            institution_class, seq, cost, n_cost_days, mask_cost_days, daily_exact, visits)
        SELECT c.person_id, c.institution_id, c.grade, c.care_mode, c.institution_class, r.seq,
               CAST(SUM(c.cost_fen) AS BIGINT), COUNT(*), CAST(SUM(c.bit) AS BIGINT),
               CAST(SUM({daily}) AS BIGINT), CAST(SUM(c.visits) AS BIGINT)
        FROM {t["cost"]} c
        JOIN {t["rate"]} r ON r.grade = c.grade AND r.care_mode = c.care_mode
             AND r.institution_class = c.institution_class AND r.cost_kind = c.kind
        GROUP BY c.person_id, c.institution_id, c.grade, c.care_mode, c.institution_class,
                 r.seq
        """
    )


def rate_rows(policy: rules.Policy) -> list[tuple]:
    """The rate tables of the policy, one row per (benefit, grade, mode, class) it pays."""
    rows = []
    for seq, benefit in enumerate(policy.benefits):
        for grade in sorted(policy.qualifying_grades):
            for mode in benefit.care_modes:
                for cls in rules.INSTITUTION_CLASSES:
                    rate = benefit.rate_for(grade, mode, cls)
                    if rate is None:
                        continue
                    rows.append(
                        (
                            seq,
                            benefit.code,
                            benefit.name,
                            benefit.kind,
                            benefit.cost or "",
                            benefit.day_basis,
                            1 if benefit.cap_applies == "after_ratio" else 0,
                            grade,
                            mode,
                            cls,
                            benefit.payee[mode],
                            rate.amount_fen or 0,
                            rate.limit_fen or 0,
                            rate.cap_fen or 0,
                            rate.ratio_bp,
                        )
                    )
    return rows


def _stage_lines(cursor, t, ctx: Context) -> None:
    """Every line of the month: segments × rate rows, with their costs, by the rule kinds."""
    md = ctx.month_days
    grouped = f"""
        SELECT s.person_id, s.institution_id, r.seq, r.benefit, r.benefit_name, r.kind,
               r.payee, s.grade, s.care_mode, s.institution_class, r.day_basis, r.cap_after,
               r.amount_fen, r.limit_fen, r.cap_fen, r.ratio_bp, r.cost_kind,
               s.n_days, s.mask_days,
               COALESCE(sc.n_cost_days, 0) AS n_cost_days,
               COALESCE(sc.mask_cost_days, 0) AS mask_cost_days,
               COALESCE(sc.cost, 0) AS cost,
               COALESCE(sc.daily_exact, 0) AS daily_exact,
               COALESCE(sc.visits, 0) AS visits
        FROM {t["seg"]} s
        JOIN {t["rate"]} r ON r.grade = s.grade AND r.care_mode = s.care_mode
             AND r.institution_class = s.institution_class
        LEFT JOIN {t["segcost"]} sc ON sc.person_id = s.person_id
             AND sc.institution_id = s.institution_id AND sc.grade = s.grade
             AND sc.care_mode = s.care_mode AND sc.institution_class = s.institution_class
             AND sc.seq = r.seq
    """
    computed = f"""
        SELECT g.*, {_case("days", md)} AS l_days, {_case("mask", md)} AS l_mask,
               {_case("cost", md)} AS l_cost, {_case("fund", md)} AS l_fund
        FROM ({grouped}) g
    """
    cursor.execute(
        f"""
        INSERT INTO {t["line"]} (person_id, institution_id, line_key, benefit, benefit_name,
            seq, kind, payee, grade, care_mode, institution_class, eligible_days, days_mask,
            eligible_cost_fen, fund_fen, visit_count)
        SELECT g.person_id, g.institution_id, {_key("%s")}, g.benefit, g.benefit_name, g.seq,
            g.kind, g.payee, g.grade, g.care_mode, g.institution_class, g.l_days, g.l_mask,
            g.l_cost, g.l_fund, g.visits
        FROM ({computed}) g
        WHERE NOT (g.l_cost = 0 AND g.l_fund = 0)
        """,
        [ctx.policy.code],
    )


def _stage_exclusions(cursor, t, ctx: Context) -> None:
    """Visits and bed-days not paid: no eligible day with that institution, or a confirmed
    finding (the first one's rule code and reason)."""
    columns = (
        f"INSERT INTO {t['excl']} (institution_id, person_id, source, source_id, day, "
        "reason_code, reason, amount_fen) "
    )
    cursor.execute(
        f"""{columns}
        SELECT v.institution_id, v.person_id, v.source, v.source_id, v.day, %s, %s,
               CAST(SUM(v.cost_fen) AS BIGINT)
        FROM {t["item"]} v
        WHERE v.grade IS NULL
        GROUP BY v.institution_id, v.person_id, v.source, v.source_id, v.day
        """,
        [NO_ELIGIBLE_DAY, NO_ELIGIBLE_DAY_REASON],
    )
    findings, visits, items = _t(Finding), _t(Visit), _t(VisitItem)
    first_finding = (
        f"SELECT MIN(f2.id) FROM {findings} f2 WHERE f2.{{fk}} = x.id AND f2.status = 'confirmed'"
    )
    cursor.execute(
        f"""{columns}
        SELECT x.institution_id, x.person_id, 'visit', x.id, x.service_date,
               f.rule_code, SUBSTR(f.reason, 1, 300),
               COALESCE((SELECT SUM(ci.unit_price_fen * vi.quantity) FROM {items} vi
                         JOIN {_t(CatalogueItem)} ci ON ci.id = vi.item_id
                         WHERE vi.visit_id = x.id AND ci.fund_covered = %s), 0)
        FROM {visits} x
        JOIN {t["inst"]} i ON i.institution_id = x.institution_id
        JOIN {findings} f ON f.id = ({first_finding.format(fk="visit_id")})
        WHERE x.service_date >= %s AND x.service_date <= %s AND x.status = 'completed'
          AND x.payable = %s
        """,
        [True, ctx.first, ctx.last, False],
    )
    cursor.execute(
        f"""{columns}
        SELECT x.institution_id, x.person_id, 'bed_day', x.id, x.day,
               f.rule_code, SUBSTR(f.reason, 1, 300), COALESCE(c.bed_day_fen, 0)
        FROM {_t(BedDay)} x
        JOIN {t["inst"]} i ON i.institution_id = x.institution_id
        JOIN {findings} f ON f.id = ({first_finding.format(fk="bed_day_id")})
        LEFT JOIN {t["class"]} c ON c.institution_id = x.institution_id AND c.day = x.day
        WHERE x.day >= %s AND x.day <= %s AND x.payable = %s
        """,
        [ctx.first, ctx.last, False],
    )
