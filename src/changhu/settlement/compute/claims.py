"""Claims, chunk by chunk: lines and payment orders from the staged days, the second payer tier,
and the period's totals.
"""

from __future__ import annotations

from django.db import connection

from changhu.core import clock
from changhu.settlement import policies
from changhu.settlement.compute._common import (
    Context,
    S,
    _collate,
    _key,
    _marks,
    _t,
    rules_month,
)
from changhu.settlement.compute.staging import Staging, _session
from changhu.settlement.models import (
    Claim,
    ClaimLine,
    ClaimStatus,
    Exclusion,
    LineDecision,
    SettlementPeriod,
    SettlementRun,
    SupplementaryMember,
)

# --- claims, chunk by chunk -----------------------------------------------------------------


def _insert_lines(cursor, t, ctx: Context, ids: list[int]) -> None:
    """The chunk's lines from the staged month, into its claims."""
    cursor.execute(
        f"""
        INSERT INTO {_t(ClaimLine)} (period_id, claim_id, institution_id, person_id, line_key,
            benefit, benefit_name, seq, kind, payer, tier, payee_kind, grade, care_mode,
            institution_class, eligible_days, days_mask, eligible_cost_fen, fund_fen,
            personal_fen, rule, policy_id, status, reason_code, reason, visit_count, source)
        SELECT %s, cl.id, g.institution_id, g.person_id, g.line_key, g.benefit, g.benefit_name,
            g.seq, g.kind, %s, 1, g.payee, g.grade, g.care_mode, g.institution_class,
            g.eligible_days, g.days_mask, g.eligible_cost_fen, g.fund_fen,
            g.eligible_cost_fen - g.fund_fen, %s || g.benefit, %s, 'payable', '', '',
            g.visit_count, 'computed'
        FROM {t["line"]} g
        JOIN {_t(Claim)} cl ON cl.period_id = %s AND cl.institution_id = g.institution_id
        WHERE g.institution_id IN ({_marks(ids)})
        """,
        [
            ctx.period.pk,
            ctx.policy.code,
            f"{ctx.policy.ref}/",
            ctx.period.policy_id,
            ctx.period.pk,
            *ids,
        ],
    )


def _apply_decisions(cursor, period_id: int, ids: list[int] | None = None) -> None:
    """Withdrawals and rejections made before, kept by line key across re-computations."""
    lines, decisions = _t(ClaimLine), _t(LineDecision)
    match = (
        f"SELECT {{col}} FROM {decisions} d WHERE d.period_id = {lines}.period_id "
        f"AND d.line_key = {lines}.line_key"
    )
    where_ids = f"AND institution_id IN ({_marks(ids)})" if ids else ""
    cursor.execute(
        f"UPDATE {lines} SET status = ({match.format(col='d.status')}), "
        f"reason_code = ({match.format(col='d.reason_code')}), "
        f"reason = ({match.format(col='d.reason')}) "
        f"WHERE period_id = %s AND source = 'computed' {where_ids} "
        f"AND line_key IN (SELECT line_key FROM {decisions} WHERE period_id = %s)",
        [period_id, *(ids or []), period_id],
    )


def _insert_exclusions(cursor, t, ctx: Context, ids: list[int]) -> None:
    cursor.execute(
        f"""
        INSERT INTO {_t(Exclusion)} (period_id, claim_id, institution_id, person_id, source,
            source_id, day, reason_code, reason, amount_fen)
        SELECT %s, cl.id, x.institution_id, x.person_id, x.source, x.source_id, x.day,
               x.reason_code, x.reason, x.amount_fen
        FROM {t["excl"]} x
        LEFT JOIN {_t(Claim)} cl ON cl.period_id = %s AND cl.institution_id = x.institution_id
        WHERE x.institution_id IN ({_marks(ids)})
        """,
        [ctx.period.pk, ctx.period.pk, *ids],
    )


def open_institutions(period: SettlementPeriod, institution_ids: list[int]) -> list[int]:
    """Those of ``institution_ids`` whose claim is not yet submitted (or does not exist)."""
    closed = set(
        Claim.objects.filter(period=period, institution_id__in=institution_ids)
        .exclude(status=ClaimStatus.DRAFT)
        .values_list("institution_id", flat=True)
    )
    return [i for i in institution_ids if i not in closed]


def compute_chunk(run: SettlementRun, ctx: Context, institution_ids: list[int]) -> int:
    """Replace the draft claims of these institutions from the staged month; lines written."""
    ids = open_institutions(ctx.period, institution_ids)
    if not ids:
        return 0
    t = Staging(run.pk).t
    now = clock.now()
    with connection.cursor() as cursor:
        _session(cursor)
        cursor.execute(
            f"DELETE FROM {_t(ClaimLine)} WHERE period_id = %s AND source = 'computed' "
            f"AND institution_id IN ({_marks(ids)})",
            [ctx.period.pk, *ids],
        )
        cursor.execute(
            f"DELETE FROM {_t(Exclusion)} WHERE period_id = %s "
            f"AND institution_id IN ({_marks(ids)})",
            [ctx.period.pk, *ids],
        )
        Claim.objects.bulk_create(
            [Claim(period=ctx.period, institution_id=i, computed_at=now) for i in ids],
            ignore_conflicts=True,
        )
        Claim.objects.filter(period=ctx.period, institution_id__in=ids).update(computed_at=now)
        _insert_lines(cursor, t, ctx, ids)
        _apply_decisions(cursor, ctx.period.pk, ids)
        Claim.objects.filter(
            period=ctx.period, institution_id__in=ids, status=ClaimStatus.DRAFT
        ).exclude(pk__in=ClaimLine.objects.filter(period=ctx.period).values("claim_id")).delete()
        _insert_exclusions(cursor, t, ctx, ids)
        cursor.execute(
            f"SELECT COUNT(*) FROM {_t(ClaimLine)} WHERE period_id = %s "
            f"AND institution_id IN ({_marks(ids)})",
            [ctx.period.pk, *ids],
        )
        return cursor.fetchone()[0]


# --- tier 2 ---------------------------------------------------------------------------------


def supplement_lines(
    period: SettlementPeriod,
    *,
    statuses: tuple[str, ...] = (ClaimStatus.DRAFT,),
    person_id: int | None = None,
) -> None:
    """(Re)write the supplementary payer's lines for the tier-1 lines in claims of
    ``statuses``: its share of each personal part, within the member's monthly limit and what
    is left of the annual limit, taken in line order (as :func:`policy.supplement`)."""
    if period.supplementary_id is None:
        return
    plan = policies.parsed(period.supplementary)
    terms = plan.supplementary
    first, last = rules_month(period.month)
    lines, claims, members, periods = (
        _t(ClaimLine),
        _t(Claim),
        _t(SupplementaryMember),
        _t(SettlementPeriod),
    )
    person_filter = "AND l.person_id = %s" if person_id else ""
    person_params = [person_id] if person_id else []
    status_marks = ", ".join(["%s"] * len(statuses))
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {lines} WHERE period_id = %s AND tier = 2 AND source = 'computed' "
            f"AND claim_id IN (SELECT id FROM {claims} WHERE period_id = %s "
            f"AND status IN ({status_marks})) " + ("AND person_id = %s" if person_id else ""),
            [period.pk, period.pk, *statuses, *person_params],
        )
    used = (
        f"(SELECT COALESCE(SUM(u.fund_fen), 0) FROM {lines} u JOIN {periods} up "
        f"ON up.id = u.period_id WHERE u.person_id = m.person_id AND u.payer = %s "
        f"AND u.status = 'payable' AND up.region_id = %s AND up.month >= %s AND up.month < %s)"
    )
    left = f"(%s - {used})"
    limit = f"CASE WHEN {left} < %s THEN (CASE WHEN {left} > 0 THEN {left} ELSE 0 END) ELSE %s END"
    used_params = [plan.code, period.region_id, f"{period.month[:4]}-01", period.month]
    left_params = [terms.annual_limit_fen, *used_params]
    limit_params = [
        *left_params,
        terms.monthly_limit_fen,
        *left_params,
        *left_params,
        terms.monthly_limit_fen,
    ]
    want = f"((l.personal_fen * {terms.share_bp} * 2 + {S}) / ({S} * 2))"
    c = _collate()
    order = (
        f"l.seq, l.institution_id, l.care_mode{c}, l.grade, l.institution_class{c}, l.payee_kind{c}"
    )
    windowed = f"""
        SELECT l.period_id, l.claim_id, l.institution_id, l.person_id, l.benefit,
               l.benefit_name, l.seq, l.payee_kind, l.grade, l.care_mode, l.institution_class,
               l.eligible_days, l.days_mask, l.personal_fen, l.visit_count,
               {want} AS want, m.limit_left,
               CAST(SUM({want}) OVER (PARTITION BY l.person_id ORDER BY {order}
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT) AS cum
        FROM {lines} l
        JOIN {claims} cl ON cl.id = l.claim_id AND cl.status IN ({status_marks})
        JOIN (SELECT m.person_id, {limit} AS limit_left FROM {members} m
              WHERE m.plan_code = %s AND m.year = %s AND m.joined_on <= %s) m
             ON m.person_id = l.person_id
        WHERE l.period_id = %s AND l.tier = 1 AND l.payer = %s AND l.status = 'payable'
          AND l.personal_fen > 0 {person_filter}
    """
    left_now = "w.limit_left - (w.cum - w.want)"
    room = f"(CASE WHEN {left_now} > 0 THEN {left_now} ELSE 0 END)"
    pay = f"(CASE WHEN w.want <= {room} THEN w.want ELSE {room} END)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {lines} (period_id, claim_id, institution_id, person_id, line_key,
                benefit, benefit_name, seq, kind, payer, tier, payee_kind, grade, care_mode,
                institution_class, eligible_days, days_mask, eligible_cost_fen, fund_fen,
                personal_fen, rule, policy_id, status, reason_code, reason, visit_count,
                source)
            SELECT w.period_id, w.claim_id, w.institution_id, w.person_id,
                {_key("%s", "w", "payee_kind")}, w.benefit, w.benefit_name || %s, w.seq,
                'supplementary', %s, 2, w.payee_kind, w.grade, w.care_mode,
                w.institution_class, w.eligible_days, w.days_mask, w.personal_fen, {pay},
                w.personal_fen - {pay}, %s, %s, 'payable', '', '', w.visit_count, 'computed'
            FROM ({windowed}) w
            """,
            [
                plan.code,
                f"（{plan.name}）",
                plan.code,
                plan.rule("supplement"),
                period.supplementary_id,
                *statuses,
                *limit_params,
                plan.code,
                first.year,
                last,
                period.pk,
                period.policy.code,
                *person_params,
            ],
        )
        _apply_decisions(cursor, period.pk)


# --- totals ---------------------------------------------------------------------------------


def refresh_totals(period: SettlementPeriod, claim_ids: list[int] | None = None) -> None:
    """Recount claims (all, or the given ones) and the period from their lines."""
    lines, claims, exclusions = _t(ClaimLine), _t(Claim), _t(Exclusion)

    def sub(expr: str, where: str) -> str:
        return f"COALESCE((SELECT {expr} FROM {lines} l WHERE l.claim_id = {claims}.id {where}), 0)"

    payable = "AND l.status = 'payable'"
    where = "WHERE period_id = %s"
    params: list = [period.pk]
    if claim_ids is not None:
        if not claim_ids:
            return
        where += f" AND id IN ({', '.join(['%s'] * len(claim_ids))})"
        params += list(claim_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {claims} SET
              line_count = {sub("COUNT(*)", "")},
              person_count = {sub("COUNT(DISTINCT l.person_id)", "")},
              fund_fen = {sub("SUM(l.fund_fen)", payable + " AND l.tier = 1")},
              supplementary_fen = {sub("SUM(l.fund_fen)", payable + " AND l.tier = 2")},
              personal_fen = {sub("SUM(l.personal_fen)", payable + " AND l.tier = 1")}
                             - {sub("SUM(l.fund_fen)", payable + " AND l.tier = 2")},
              withdrawn_fen = {sub("SUM(l.fund_fen)", "AND l.status = 'withdrawn' AND l.tier = 1")},
              rejected_fen = {sub("SUM(l.fund_fen)", "AND l.status = 'rejected' AND l.tier = 1")},
              excluded_count = COALESCE((SELECT COUNT(*) FROM {exclusions} x
                                         WHERE x.claim_id = {claims}.id), 0)
            {where}
            """,
            params,
        )
    totals = Claim.objects.filter(period=period).values_list(
        "line_count", "fund_fen", "supplementary_fen", "personal_fen"
    )
    period.line_count = sum(t[0] for t in totals)
    period.fund_fen = sum(t[1] for t in totals)
    period.supplementary_fen = sum(t[2] for t in totals)
    period.personal_fen = sum(t[3] for t in totals)
    SettlementPeriod.objects.filter(pk=period.pk).update(
        line_count=period.line_count,
        fund_fen=period.fund_fen,
        supplementary_fen=period.supplementary_fen,
        personal_fen=period.personal_fen,
    )
