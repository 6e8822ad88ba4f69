"""Every write of settlement: one function per use case, in a transaction, with the right.

The four steps, each by a different hand:

1. **申报** (care institution): ``line_withdraw`` / ``line_restore`` on its draft, then
   ``claim_submit``;
2. **初审** (insurer case worker): ``line_reject`` / ``line_restore``, then
   ``claim_first_review`` (pass, or return to the institution);
3. **复核** (another insurer user): the same, then ``claim_second_review`` (approve, or back to
   the first review); the second reviewer must not be the first;
4. **拨付** (bureau): ``period_pay`` writes payment orders per payee, posts them to the fund,
   marks every claim paid and locks the period.

Corrections after payment never touch the paid period: ``adjustment_create`` adds a line to a
later, unpaid period (negative for a recovery, 追回).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Sum

from changhu.core import audit, clock, months, runs, scope
from changhu.core.errors import Conflict, NotFound, PermissionDenied, field_error
from changhu.core.money import format_yuan
from changhu.core.months import bounds as month_bounds
from changhu.core.scope import get_scoped, require
from changhu.core.transitions import Transition, Workflow, apply
from changhu.fund import services as fund_services
from changhu.fund.models import FUND_LABELS, LTCI_FUND
from changhu.insured.models import Person
from changhu.orgs.models import Region
from changhu.orgs.roles import Right
from changhu.providers.models import Institution
from changhu.settlement import compute, policies
from changhu.settlement import policy as rules
from changhu.settlement.models import (
    Claim,
    ClaimLine,
    ClaimStatus,
    InstitutionClass,
    InstitutionTariff,
    LineDecision,
    LineSource,
    LineStatus,
    PaymentOrder,
    PeriodStatus,
    PolicyKind,
    PolicyVersion,
    RunStatus,
    SettlementPeriod,
    SettlementRun,
    SupplementaryMember,
)

STALE_AFTER = dt.timedelta(minutes=10)

CLAIM_WORKFLOW = Workflow(
    "settlement_claim",
    {
        "submit": Transition(
            {ClaimStatus.DRAFT}, ClaimStatus.SUBMITTED, Right.SETTLEMENT_CLAIM, "申报"
        ),
        "first_pass": Transition(
            {ClaimStatus.SUBMITTED},
            ClaimStatus.FIRST_REVIEWED,
            Right.SETTLEMENT_FIRST_REVIEW,
            "初审通过",
        ),
        "first_return": Transition(
            {ClaimStatus.SUBMITTED},
            ClaimStatus.DRAFT,
            Right.SETTLEMENT_FIRST_REVIEW,
            "初审退回机构",
        ),
        "second_approve": Transition(
            {ClaimStatus.FIRST_REVIEWED},
            ClaimStatus.APPROVED,
            Right.SETTLEMENT_SECOND_REVIEW,
            "复核通过",
        ),
        "second_return": Transition(
            {ClaimStatus.FIRST_REVIEWED},
            ClaimStatus.SUBMITTED,
            Right.SETTLEMENT_SECOND_REVIEW,
            "复核退回初审",
        ),
        "pay": Transition({ClaimStatus.APPROVED}, ClaimStatus.PAID, Right.SETTLEMENT_PAY, "拨付"),
    },
    labels=ClaimStatus,
)

REJECT_REASONS = {
    "service_not_verified": "服务记录不实或无法核实",
    "not_eligible": "不符合待遇享受条件",
    "duplicate": "重复申报",
    "over_limit": "超出限额、频次或服务包范围",
    "documents_missing": "材料不全",
    "other": "其他",
}


def _reason(value: str, field: str = "reason") -> str:
    value = (value or "").strip()
    if not value:
        raise field_error(field, "reason_required", "请填写原因")
    if len(value) > 300:
        raise field_error(field, "reason_too_long", "原因不能超过300字")
    return value


def _month(value: str) -> str:
    value = str(value or "").strip()
    if not months.is_strict(value):
        raise field_error("month", "month_invalid", "结算月份应为YYYY-MM，如2026-10")
    return value


def _unlocked(period: SettlementPeriod) -> None:
    if period.status == PeriodStatus.PAID:
        raise Conflict("该结算期已拨付并锁定，更正请在以后月份以调整明细处理", code="period_locked")


# --- periods and runs -----------------------------------------------------------------------


@transaction.atomic
def period_open(*, actor, month: str, region_code: str, policy_code: str = "") -> SettlementPeriod:
    """Open a month of a pooling region under the policy in force on its first day."""
    s = require(actor, Right.SETTLEMENT_RUN)
    month = _month(month)
    region = Region.objects.filter(code=str(region_code).strip()).first()
    if region is None:
        raise field_error("region_code", "region_not_found", "统筹地区不存在")
    # An insurer covering a few districts of the city may run the city's month.
    if not s.unrestricted and not any(
        p.startswith(region.prefix) or region.prefix.startswith(p) for p in s.region_prefixes
    ):
        raise NotFound()
    first, _ = month_bounds(month)
    if policy_code:
        policy = policies.version_in_force(policy_code.strip(), first)
        if policy is None or policy.kind != PolicyKind.BENEFIT:
            raise field_error("policy_code", "policy_not_found", f"没有{month}生效的该待遇政策")
    else:
        policy = policies.benefit_policy_for_region(region.code, first)
        if policy is None:
            raise field_error(
                "policy_code", "policy_not_found", "该地区在该月没有生效的待遇政策，请先加载政策"
            )
    existing = SettlementPeriod.objects.filter(month=month, region=region).first()
    if existing is not None:
        return existing
    period = SettlementPeriod.objects.create(
        month=month,
        region=region,
        region_code=region.code,
        region_prefix=region.prefix,
        policy=policy,
        supplementary=policies.supplementary_for(policy, first),
        created_by=actor,
    )
    audit.record(action="create", obj=period, user=actor, note=f"开立{month}结算期（{policy.ref}）")
    return period


def _period_for_update(actor, period_id: int) -> SettlementPeriod:
    return get_scoped(
        SettlementPeriod.objects.select_related("policy", "supplementary"), actor, pk=period_id
    )


@transaction.atomic
def run_request(*, actor, period_id: int, source: str = "web") -> SettlementRun:
    """Queue a computation of the period (or return the one already queued or running); the
    worker (``changhu worker``) executes it, never the web process."""
    require(actor, Right.SETTLEMENT_RUN)
    period = _period_for_update(actor, period_id)
    _unlocked(period)
    busy = SettlementRun.objects.filter(
        period=period, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
    ).first()
    if busy is not None:
        return busy
    failed = SettlementRun.objects.filter(period=period, status=RunStatus.FAILED).first()
    if failed is not None:
        # Resume the failed run: its finished chunks (and its staging) are kept.
        SettlementRun.objects.filter(pk=failed.pk).update(status=RunStatus.QUEUED)
        failed.status = RunStatus.QUEUED
        return failed
    run = SettlementRun.objects.create(period=period, source=source, requested_by=actor)
    audit.record(action="create", obj=run, user=actor, note=f"发起{period.month}结算计算")
    return run


def claim_run(run_id: int | None = None) -> SettlementRun | None:
    """Take a queued run (or one whose worker went silent) for this process to execute."""
    run = runs.claim(SettlementRun, stale_after=STALE_AFTER, run_id=run_id)
    if run is None:
        return None
    return SettlementRun.objects.select_related("period__policy", "period__supplementary").get(
        pk=run.pk
    )


def run_requeue(run: SettlementRun) -> None:
    """Put a run its worker had to give up (stopped halfway) back in the queue: the next worker
    resumes it with the chunks not yet done."""
    runs.requeue(SettlementRun, run, error="")


def run_execute(run: SettlementRun, *, progress: compute.Progress | None = None) -> SettlementRun:
    """Execute a run; a failure is recorded on it (and raised) and the run can be resumed."""
    try:
        return compute.execute(run, progress=progress)
    except BaseException as exc:
        period = SettlementPeriod.objects.get(pk=run.period_id)
        SettlementRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        if period.status == PeriodStatus.COMPUTING:
            SettlementPeriod.objects.filter(pk=period.pk).update(
                status=PeriodStatus.CLAIMING if period.computed_at else PeriodStatus.OPEN
            )
        raise


def period_compute(
    *, actor, period_id: int, source: str = "cli", progress: compute.Progress | None = None
) -> SettlementRun:
    """Compute the period now: resume an unfinished run, or start a new one."""
    require(actor, Right.SETTLEMENT_RUN)
    period = _period_for_update(actor, period_id)
    _unlocked(period)
    run = (
        SettlementRun.objects.filter(period=period)
        .exclude(status=RunStatus.DONE)
        .order_by("-created_at", "-id")
        .first()
    )
    if run is None:
        run = SettlementRun.objects.create(period=period, source=source, requested_by=actor)
        audit.record(action="create", obj=run, user=actor, note=f"计算{period.month}结算")
    run.period = period
    return run_execute(run, progress=progress)


# --- the claim's lines ----------------------------------------------------------------------


def _line_for_update(actor, line_id: int) -> ClaimLine:
    line = get_scoped(
        ClaimLine.objects.select_related("claim", "period__supplementary", "period__policy"),
        actor,
        pk=line_id,
    )
    _unlocked(line.period)
    return line


def _not_deduction(line: ClaimLine) -> None:
    if line.person_id is None:
        raise Conflict("机构扣款明细由考核处理决定，不能撤回或拒付", code="line_is_deduction")


def _decide(actor, line: ClaimLine, status: str, step: str, code: str, reason: str) -> ClaimLine:
    before = line.status
    line.status, line.reason_code, line.reason = status, code, reason
    line.save(update_fields=["status", "reason_code", "reason"])
    if line.source == LineSource.COMPUTED:
        if status == LineStatus.PAYABLE:
            LineDecision.objects.filter(period=line.period, line_key=line.line_key).delete()
        else:
            LineDecision.objects.update_or_create(
                period=line.period,
                line_key=line.line_key,
                defaults={
                    "status": status,
                    "step": step,
                    "reason_code": code,
                    "reason": reason,
                    "actor": actor,
                },
            )
    if line.tier == 1 and line.period.supplementary_id:
        compute.supplement_lines(
            line.period,
            statuses=(ClaimStatus.DRAFT, ClaimStatus.SUBMITTED, ClaimStatus.FIRST_REVIEWED),
            person_id=line.person_id,
        )
    claims = list(
        ClaimLine.objects.filter(period=line.period, person_id=line.person_id)
        .values_list("claim_id", flat=True)
        .distinct()
    )
    compute.refresh_totals(line.period, claims)
    audit.record(
        action="update",
        obj=line,
        user=actor,
        changes=audit.diff(
            {"status": before},
            {"status": status},
            labels={"status": "明细状态"},
        ),
        note=reason[:300],
    )
    return line


@transaction.atomic
def line_withdraw(*, actor, line_id: int, reason: str) -> ClaimLine:
    """The institution takes a line out of its draft claim, with a reason."""
    require(actor, Right.SETTLEMENT_CLAIM)
    line = _line_for_update(actor, line_id)
    _not_deduction(line)
    if line.claim.status != ClaimStatus.DRAFT:
        raise Conflict("申报已提交，不能再撤回明细", code="claim_not_draft")
    if line.status != LineStatus.PAYABLE:
        raise Conflict("该明细已撤回或拒付", code="line_not_payable")
    return _decide(actor, line, LineStatus.WITHDRAWN, "claim", "withdrawn", _reason(reason))


def _review_step(actor, claim: Claim) -> str:
    s = scope.scope_of(actor)
    if claim.status == ClaimStatus.SUBMITTED and s.can(Right.SETTLEMENT_FIRST_REVIEW):
        return "first_review"
    if claim.status == ClaimStatus.FIRST_REVIEWED and s.can(Right.SETTLEMENT_SECOND_REVIEW):
        if claim.first_reviewer_id == getattr(actor, "pk", None):
            raise PermissionDenied("复核须由初审人以外的人员进行", code="same_reviewer")
        return "second_review"
    if not (s.can(Right.SETTLEMENT_FIRST_REVIEW) or s.can(Right.SETTLEMENT_SECOND_REVIEW)):
        raise PermissionDenied()
    raise Conflict(
        f"申报当前状态为“{claim.get_status_display()}”，不在您的审核环节",
        code="claim_not_in_review",
    )


@transaction.atomic
def line_reject(*, actor, line_id: int, reason_code: str, reason: str = "") -> ClaimLine:
    """A reviewer refuses to pay a line (初审 or 复核), with a reason code and text."""
    line = _line_for_update(actor, line_id)
    _not_deduction(line)
    step = _review_step(actor, line.claim)
    if reason_code not in REJECT_REASONS:
        raise field_error("reason_code", "reason_code_invalid", "请选择拒付原因")
    if line.status != LineStatus.PAYABLE:
        raise Conflict("该明细已撤回或拒付", code="line_not_payable")
    text = (reason or "").strip()[:300] or REJECT_REASONS[reason_code]
    return _decide(actor, line, LineStatus.REJECTED, step, reason_code, text)


@transaction.atomic
def line_restore(*, actor, line_id: int) -> ClaimLine:
    """Undo a withdrawal (the institution, on its draft) or a rejection (in the review step)."""
    line = _line_for_update(actor, line_id)
    if line.status == LineStatus.PAYABLE:
        return line
    if line.status == LineStatus.WITHDRAWN:
        require(actor, Right.SETTLEMENT_CLAIM)
        if line.claim.status != ClaimStatus.DRAFT:
            raise Conflict("申报已提交，不能恢复撤回的明细", code="claim_not_draft")
        step = "claim"
    else:
        step = _review_step(actor, line.claim)
    return _decide(actor, line, LineStatus.PAYABLE, step, "", "")


# --- the claim through its steps ------------------------------------------------------------


def _claim_for_update(actor, claim_id: int) -> Claim:
    claim = get_scoped(Claim.objects.select_related("period"), actor, pk=claim_id)
    _unlocked(claim.period)
    return claim


@transaction.atomic
def claim_submit(*, actor, claim_id: int) -> Claim:
    """申报: the institution submits its reviewed draft."""
    claim = _claim_for_update(actor, claim_id)
    now = clock.now()
    apply(
        CLAIM_WORKFLOW,
        claim,
        "submit",
        actor=actor,
        extra_updates={"submitted_by": actor, "submitted_at": now},
    )
    return claim


@transaction.atomic
def claim_first_review(*, actor, claim_id: int, approve: bool, reason: str = "") -> Claim:
    """初审: pass the claim to the second review, or return it to the institution."""
    claim = _claim_for_update(actor, claim_id)
    now = clock.now()
    if approve:
        apply(
            CLAIM_WORKFLOW,
            claim,
            "first_pass",
            actor=actor,
            reason=reason,
            extra_updates={"first_reviewer": actor, "first_reviewed_at": now},
        )
    else:
        apply(CLAIM_WORKFLOW, claim, "first_return", actor=actor, reason=_reason(reason))
    return claim


@transaction.atomic
def claim_second_review(*, actor, claim_id: int, approve: bool, reason: str = "") -> Claim:
    """复核: approve for payment, or send back to the first review. Not by the first reviewer."""
    claim = _claim_for_update(actor, claim_id)
    require(actor, Right.SETTLEMENT_SECOND_REVIEW)
    if claim.first_reviewer_id == getattr(actor, "pk", None):
        raise PermissionDenied("复核须由初审人以外的人员进行", code="same_reviewer")
    now = clock.now()
    if approve:
        apply(
            CLAIM_WORKFLOW,
            claim,
            "second_approve",
            actor=actor,
            reason=reason,
            extra_updates={"second_reviewer": actor, "second_reviewed_at": now},
        )
    else:
        apply(CLAIM_WORKFLOW, claim, "second_return", actor=actor, reason=_reason(reason))
    return claim


# --- payment ---------------------------------------------------------------------------------


@dataclass
class PaymentSummary:
    period_id: int
    orders: int
    paid_fen: int  # by every payer
    receivable_fen: int
    by_payer: dict[str, int]


@transaction.atomic
def period_pay(*, actor, period_id: int) -> PaymentSummary:
    """拨付: payment orders per payer and payee, posted to each payer's fund; the period is
    locked. Every claim must have passed the second review."""
    require(actor, Right.SETTLEMENT_PAY)
    period = _period_for_update(actor, period_id)
    locked = SettlementPeriod.objects.select_for_update().get(pk=period.pk)
    _unlocked(locked)
    if locked.status != PeriodStatus.CLAIMING:
        raise Conflict("该结算期尚未计算完成", code="period_not_computed")
    pending = Claim.objects.filter(period=period).exclude(status=ClaimStatus.APPROVED).count()
    if pending:
        raise Conflict(f"还有{pending}家机构的申报未复核通过，不能拨付", code="claims_pending")
    _write_orders(period)
    by_payer: dict[str, int] = {}
    receivable = 0
    for payer in sorted(
        set(PaymentOrder.objects.filter(period=period).values_list("payer", flat=True))
    ):
        orders = PaymentOrder.objects.filter(period=period, payer=payer)
        lines = ClaimLine.objects.filter(period=period, payer=payer, status=LineStatus.PAYABLE)
        expense = lines.filter(fund_fen__gt=0).aggregate(s=Sum("fund_fen"))["s"] or 0
        recovered = -(lines.filter(fund_fen__lt=0).aggregate(s=Sum("fund_fen"))["s"] or 0)
        paid = orders.filter(amount_fen__gt=0).aggregate(s=Sum("amount_fen"))["s"] or 0
        owed = -(orders.filter(amount_fen__lt=0).aggregate(s=Sum("amount_fen"))["s"] or 0)
        fund = LTCI_FUND if payer == period.policy.code else payer
        payer_name = (
            FUND_LABELS[LTCI_FUND]
            if fund == LTCI_FUND
            else PolicyVersion.objects.filter(code=payer).values_list("name", flat=True).first()
            or payer
        )
        entry = fund_services.benefit_payment_post(
            fund=fund,
            period=period.month,
            source_id=f"{period.pk}:{payer}",
            expense_fen=expense,
            recovered_fen=recovered,
            paid_fen=paid,
            receivable_fen=owed,
            memo=f"{period.month}待遇拨付（{period.region.name}，{payer_name}）：{format_yuan(paid)}元",
            actor=actor,
        )
        orders.update(entry=entry)
        by_payer[payer] = paid - owed
        receivable += owed
    for claim in Claim.objects.filter(period=period).order_by("pk"):
        apply(CLAIM_WORKFLOW, claim, "pay", actor=actor, extra_updates={"paid_at": clock.now()})
    now = clock.now()
    SettlementPeriod.objects.filter(pk=period.pk).update(
        status=PeriodStatus.PAID, paid_at=now, paid_by=actor
    )
    audit.record(action="update", obj=period, user=actor, note=f"{period.month}拨付并锁定")
    totals = PaymentOrder.objects.filter(period=period, amount_fen__gt=0).aggregate(
        s=Sum("amount_fen")
    )
    return PaymentSummary(
        period.pk,
        PaymentOrder.objects.filter(period=period).count(),
        totals["s"] or 0,
        receivable,
        by_payer,
    )


def _write_orders(period: SettlementPeriod) -> None:
    """One order per payer and payee from the payable lines, in one statement."""
    lines, orders = compute._t(ClaimLine), compute._t(PaymentOrder)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {orders} WHERE period_id = %s", [period.pk])
        cursor.execute(
            f"""
            INSERT INTO {orders} (period_id, payer, payee_kind, payee_key, institution_id,
                                  person_id, amount_fen, line_count, status, created_at)
            SELECT %s, x.payer, x.payee_kind, x.payee_kind || ':' || CAST(x.payee_id AS VARCHAR),
                   CASE WHEN x.payee_kind = 'institution' THEN x.payee_id END,
                   CASE WHEN x.payee_kind = 'person' THEN x.payee_id END,
                   CAST(SUM(x.fund_fen) AS BIGINT), COUNT(*),
                   CASE WHEN SUM(x.fund_fen) < 0 THEN 'recovery' ELSE 'issued' END, %s
            FROM (SELECT payer, payee_kind, fund_fen,
                         CASE WHEN payee_kind = 'institution' THEN institution_id
                              ELSE person_id END AS payee_id
                  FROM {lines} WHERE period_id = %s AND status = 'payable') x
            GROUP BY x.payer, x.payee_kind, x.payee_id
            HAVING SUM(x.fund_fen) <> 0
            """,
            [period.pk, clock.now(), period.pk],
        )


# --- configuration: tariffs and supplementary members ---------------------------------------


@transaction.atomic
def tariff_set(
    *,
    actor,
    institution_id: int,
    valid_from,
    institution_class: str,
    bed_day_fen: int,
    note: str = "",
) -> InstitutionTariff:
    """An institution's settlement class and daily bed charge from a day on."""
    require(actor, Right.SETTLEMENT_CONFIGURE)
    institution = get_scoped(Institution.objects.all(), actor, pk=institution_id)
    try:
        day = dt.date.fromisoformat(str(valid_from))
    except ValueError:
        raise field_error("valid_from", "date_invalid", "生效日期应为YYYY-MM-DD") from None
    if institution_class not in InstitutionClass.values:
        raise field_error("institution_class", "class_invalid", "结算类别无效")
    if (
        isinstance(bed_day_fen, bool)
        or not isinstance(bed_day_fen, int)
        or not (0 <= bed_day_fen <= 1_000_000)
    ):
        raise field_error("bed_day_fen", "amount_invalid", "床日费用应为0到1000000之间的整数（分）")
    paid = SettlementPeriod.objects.filter(
        status=PeriodStatus.PAID, month__gte=f"{day:%Y-%m}", claims__institution=institution
    )
    if paid.exists():
        raise Conflict("生效日期所在月份已拨付，不能追溯修改", code="period_locked")
    tariff, created = InstitutionTariff.objects.update_or_create(
        institution=institution,
        valid_from=day,
        defaults={
            "institution_class": institution_class,
            "bed_day_fen": bed_day_fen,
            "note": note[:300],
            "created_by": actor,
        },
    )
    audit.record(
        action="create" if created else "update",
        obj=tariff,
        user=actor,
        note=f"{institution.name} {day}起：{tariff.get_institution_class_display()}，"
        f"床日{format_yuan(bed_day_fen)}元",
    )
    return tariff


@transaction.atomic
def member_enrol(
    *,
    actor,
    plan_code: str,
    person_id: int,
    year: int,
    paid_from: str,
    family_size: int = 1,
    joined_on=None,
) -> SupplementaryMember:
    """A person joins a supplementary plan for a year; the premium is posted to its fund."""
    require(actor, Right.SETTLEMENT_CONFIGURE)
    person = get_scoped(Person.objects.all(), actor, pk=person_id)
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise field_error("year", "year_invalid", "保障年度应为2000到2100之间的整数")
    plan_row = policies.version_in_force(plan_code, dt.date(year, 12, 31))
    if plan_row is None or plan_row.kind != PolicyKind.SUPPLEMENTARY:
        raise field_error("plan_code", "plan_not_found", "没有该补充保障，或其不在该年度生效")
    if paid_from not in SupplementaryMember.PaidFrom.values:
        raise field_error("paid_from", "paid_from_invalid", "缴费方式无效")
    if (
        isinstance(family_size, bool)
        or not isinstance(family_size, int)
        or not (1 <= family_size <= 20)
    ):
        raise field_error("family_size", "family_size_invalid", "家庭参保人数应为1到20")
    try:
        joined = dt.date.fromisoformat(str(joined_on)) if joined_on else clock.today()
    except ValueError:
        raise field_error("joined_on", "date_invalid", "参保日期应为YYYY-MM-DD") from None
    if SupplementaryMember.objects.filter(plan_code=plan_code, person=person, year=year).exists():
        raise Conflict("该参保人已参加本年度的补充保障", code="member_exists")
    terms = policies.parsed(plan_row).supplementary
    premium = terms.premium_fen
    if terms.family_min_size and family_size >= terms.family_min_size:
        premium = rules.round_div(premium * terms.family_discount_bp, rules.RATIO_SCALE)
    member = SupplementaryMember.objects.create(
        plan_code=plan_code,
        person=person,
        year=year,
        premium_fen=premium,
        paid_from=paid_from,
        family_size=family_size,
        joined_on=joined,
        recorded_by=actor,
    )
    member.entry = fund_services.premium_post(
        fund=plan_code,
        period=f"{joined:%Y-%m}",
        source_id=str(member.pk),
        amount_fen=premium,
        memo=f"{plan_row.name}{year}年度保费（{person.name}）",
        actor=actor,
    )
    member.save(update_fields=["entry"])
    audit.record(action="create", obj=member, user=actor, note=f"参加{plan_row.name}{year}年度")
    return member
