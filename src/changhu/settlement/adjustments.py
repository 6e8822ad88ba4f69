"""After payment: corrections and recoveries in a later period, and deductions."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Sum

from changhu.core import audit
from changhu.core.errors import Conflict, field_error
from changhu.core.money import format_yuan
from changhu.core.scope import get_scoped, require
from changhu.orgs.roles import Right
from changhu.providers.models import Institution
from changhu.settlement import compute
from changhu.settlement.models import (
    Claim,
    ClaimLine,
    ClaimStatus,
    LineSource,
    LineStatus,
    PeriodStatus,
    SettlementPeriod,
)
from changhu.settlement.services import _period_for_update, _reason, _unlocked

# --- after payment: adjustments ---------------------------------------------------------------


@transaction.atomic
def adjustment_create(
    *, actor, line_id: int, period_id: int, amount_fen: int, reason: str
) -> ClaimLine:
    """更正/追回: a line in a later, unpaid period that adds to (or, negative, recovers from) a
    line of a paid period. The paid period itself is never changed."""
    require(actor, Right.SETTLEMENT_ADJUST)
    original = get_scoped(ClaimLine.objects.select_related("period", "claim"), actor, pk=line_id)
    target = _period_for_update(actor, period_id)
    _unlocked(target)
    reason = _reason(reason)
    if original.period.status != PeriodStatus.PAID:
        raise Conflict(
            "只能对已拨付月份的明细做更正或追回；未拨付的请在审核中处理", code="original_not_paid"
        )
    if original.status != LineStatus.PAYABLE:
        raise Conflict("该明细未被支付，无需更正", code="line_not_paid")
    if target.month <= original.period.month or target.region_id != original.period.region_id:
        raise field_error("period_id", "period_invalid", "请选择同一地区、以后月份的结算期")
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen == 0:
        raise field_error("amount_fen", "amount_invalid", "金额应为非零整数（分），追回为负数")
    already = (
        ClaimLine.objects.filter(adjusts=original)
        .exclude(status__in=[LineStatus.WITHDRAWN, LineStatus.REJECTED])
        .aggregate(s=Sum("fund_fen"))["s"]
        or 0
    )
    if original.fund_fen + already + amount_fen < 0:
        raise field_error(
            "amount_fen",
            "recovery_too_large",
            f"追回金额不能超过该明细已支付的{format_yuan(original.fund_fen + already)}元",
        )
    claim, _ = Claim.objects.get_or_create(period=target, institution_id=original.institution_id)
    if claim.status not in (ClaimStatus.DRAFT, ClaimStatus.SUBMITTED):
        raise Conflict("该机构本期申报已进入复核或拨付，请在下一期调整", code="claim_in_review")
    serial = ClaimLine.objects.filter(adjusts=original).count() + 1
    line = ClaimLine.objects.create(
        period=target,
        claim=claim,
        institution_id=original.institution_id,
        person_id=original.person_id,
        line_key=f"adj|{original.pk}|{serial}",
        benefit=original.benefit,
        benefit_name=f"{original.benefit_name}（{original.period.month}"
        f"{'追回' if amount_fen < 0 else '补付'}）",
        seq=original.seq,
        kind="adjustment",
        payer=original.payer,
        tier=original.tier,
        payee_kind=original.payee_kind,
        grade=original.grade,
        care_mode=original.care_mode,
        institution_class=original.institution_class,
        eligible_days=0,
        days_mask=0,
        eligible_cost_fen=0,
        fund_fen=amount_fen,
        personal_fen=0,
        rule=original.rule,
        policy_id=original.policy_id,
        reason_code="recovery" if amount_fen < 0 else "correction",
        reason=reason,
        source=LineSource.ADJUSTMENT,
        adjusts=original,
    )
    compute.refresh_totals(target, [claim.pk])
    audit.record(
        action="create",
        obj=line,
        user=actor,
        note=f"{'追回' if amount_fen < 0 else '补付'}{format_yuan(abs(amount_fen))}元：{reason}",
    )
    return line


def deduction_period(*, institution_id: int, after_month: str) -> SettlementPeriod | None:
    """The settlement a deduction from an institution goes into: the earliest period of the
    institution's pooling region after ``after_month`` that is not paid and where the
    institution's claim (if any) is still a draft or submitted."""
    institution = Institution.objects.only("region_code").get(pk=institution_id)
    candidates = (
        SettlementPeriod.objects.filter(month__gt=after_month)
        .exclude(status=PeriodStatus.PAID)
        .order_by("month", "id")
    )
    for period in candidates:
        if not institution.region_code.startswith(period.region_prefix):
            continue
        claim = Claim.objects.filter(period=period, institution_id=institution_id).first()
        if claim is None or claim.status in (ClaimStatus.DRAFT, ClaimStatus.SUBMITTED):
            return period
    return None


@transaction.atomic
def deduction_create(
    *, actor, institution_id: int, period_id: int, amount_fen: int, key: str, reason: str
) -> ClaimLine:
    """扣款: an institution-level line (no person) that takes ``amount_fen`` from the
    institution's claim of an unpaid period, e.g. the quality deposit withheld after a poor
    scorecard (decided in ``scorecards.consequences``). ``key`` makes it once per decision."""
    require(actor, Right.SCORECARDS_CONSEQUENCES)
    target = _period_for_update(actor, period_id)
    _unlocked(target)
    reason = _reason(reason)
    institution = get_scoped(Institution.objects.all(), actor, pk=institution_id)
    if not institution.region_code.startswith(target.region_prefix):
        raise field_error("period_id", "period_invalid", "该结算期不是该机构所在统筹地区的")
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise field_error("amount_fen", "amount_invalid", "扣款金额应为正整数（分）")
    line_key = f"deduction|{key}"
    if ClaimLine.objects.filter(period=target, line_key=line_key).exists():
        raise Conflict("该扣款已记入本期结算", code="deduction_exists")
    claim, _ = Claim.objects.get_or_create(period=target, institution=institution)
    if claim.status not in (ClaimStatus.DRAFT, ClaimStatus.SUBMITTED):
        raise Conflict("该机构本期申报已进入复核或拨付，请在下一期扣款", code="claim_in_review")
    line = ClaimLine.objects.create(
        period=target,
        claim=claim,
        institution=institution,
        person=None,
        line_key=line_key,
        benefit="deduction",
        benefit_name="质量保证金扣留",
        kind="deduction",
        payer=target.policy.code,
        tier=1,
        payee_kind="institution",
        grade=0,
        care_mode="",
        fund_fen=-amount_fen,
        rule=f"{target.policy.ref}/deduction",
        policy_id=target.policy_id,
        reason_code="quality_deposit",
        reason=reason,
        source=LineSource.ADJUSTMENT,
    )
    compute.refresh_totals(target, [claim.pk])
    audit.record(
        action="create",
        obj=line,
        user=actor,
        note=f"{target.month}扣款{format_yuan(amount_fen)}元：{reason}",
    )
    return line
