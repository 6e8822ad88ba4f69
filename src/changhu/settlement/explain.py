"""Why a line pays what it pays: the days, the rule version and rate, the visits, the sums."""

from __future__ import annotations

from changhu.core import months
from changhu.core.money import format_yuan
from changhu.settlement import policies, selectors
from changhu.settlement import policy as rules
from changhu.settlement.models import ClaimLine


def _rate(line: ClaimLine) -> tuple[rules.Benefit | None, rules.Rate | None]:
    parsed = policies.parsed(line.policy)
    benefit = next((b for b in parsed.benefits if b.code == line.benefit), None)
    if benefit is None:
        return None, None
    return benefit, benefit.rate_for(line.grade, line.care_mode, line.institution_class)


def _ratio(bp: int) -> str:
    return f"{bp / 100:g}%"


def steps(line: ClaimLine, month_days: int) -> list[str]:
    """The calculation in words, as a case worker would check it by hand."""
    if line.source == "adjustment" and line.adjusts_id is None:
        # An institution-level deduction (a scorecard consequence): its reason says it all.
        return [f"机构扣款：{format_yuan(line.fund_fen)}元（{line.reason}）"]
    if line.source == "adjustment":
        return [
            f"对{line.adjusts.period.month}已支付明细的{'追回' if line.fund_fen < 0 else '补付'}："
            f"{format_yuan(line.fund_fen)}元（{line.reason}）"
        ]
    if line.tier == 2:
        return supplement_steps(line.eligible_cost_fen, line.fund_fen)
    benefit, rate = _rate(line)
    if benefit is None or rate is None:
        return []
    return rule_steps(
        benefit,
        rate,
        eligible_days=line.eligible_days,
        month_days=month_days,
        eligible_cost_fen=line.eligible_cost_fen,
        fund_fen=line.fund_fen,
        personal_fen=line.personal_fen,
    )


def supplement_steps(personal_before_fen: int, fund_fen: int) -> list[str]:
    """A supplementary payer's line in words."""
    return [
        f"个人负担{format_yuan(personal_before_fen)}元中由补充保障按比例支付，"
        f"受月度和年度限额约束：{format_yuan(fund_fen)}元"
    ]


def rule_steps(
    benefit: rules.Benefit,
    rate: rules.Rate,
    *,
    eligible_days: int,
    month_days: int,
    eligible_cost_fen: int,
    fund_fen: int,
    personal_fen: int,
) -> list[str]:
    """One rule's arithmetic in words, for a settled line and for the calculator alike."""
    n = eligible_days
    out = []
    if benefit.kind == "monthly_fixed":
        out.append(
            f"月定额{format_yuan(rate.amount_fen)}元 × {n}/{month_days}天 = "
            f"{format_yuan(fund_fen)}元（四舍五入到分）"
        )
    elif benefit.kind in ("monthly_limit", "item_package"):
        out.append(
            f"符合规定费用{format_yuan(eligible_cost_fen)}元"
            + (f" × {_ratio(rate.ratio_bp)}" if rate.ratio_bp != rules.RATIO_SCALE else "")
        )
        out.append(f"月限额{format_yuan(rate.limit_fen)}元 × {n}/{month_days}天")
        out.append(
            f"取较小者：基金支付{format_yuan(fund_fen)}元，个人负担{format_yuan(personal_fen)}元"
        )
    elif benefit.kind == "daily_ratio_cap":
        order = "先按比例再封顶" if benefit.cap_applies == "after_ratio" else "先封顶再按比例"
        out.append(
            f"{n}个计费日，每日费用 × {_ratio(rate.ratio_bp)}，日限额"
            f"{format_yuan(rate.cap_fen)}元（{order}），逐日相加后四舍五入到分"
        )
        out.append(
            f"费用{format_yuan(eligible_cost_fen)}元，基金支付"
            f"{format_yuan(fund_fen)}元，个人负担{format_yuan(personal_fen)}元"
        )
    elif benefit.kind == "daily_flat":
        out.append(f"日定额{format_yuan(rate.amount_fen)}元 × {n}天 = {format_yuan(fund_fen)}元")
    return out


def line_explanation(*, fetched_by, line_id: int) -> dict:
    line = selectors.line_get(fetched_by=fetched_by, line_id=line_id)
    first, last = months.bounds(line.claim.period.month)
    month_days = (last - first).days + 1
    benefit, rate = _rate(line)
    institution_level = line.person_id is None
    visits = (
        [] if institution_level else _visits(fetched_by, line, benefit.cost if benefit else None)
    )
    exclusions = (
        []
        if institution_level
        else [
            {
                "source": x.source,
                "source_id": x.source_id,
                "day": x.day.isoformat(),
                "reason_code": x.reason_code,
                "reason": x.reason,
                "amount_fen": x.amount_fen,
            }
            for x in selectors.exclusion_list(
                fetched_by=fetched_by, claim_id=line.claim_id, person_id=line.person_id
            )
        ]
    )
    return {
        "line_obj": line,
        "month": line.claim.period.month,
        "days_in_month": month_days,
        "policy": line.policy.ref,
        "policy_name": line.policy.name,
        "rule_kind_label": (
            "机构扣款"
            if institution_level
            else rules.RULE_KINDS[benefit.kind].label
            if benefit
            else line.kind
        ),
        "rate": {
            "amount_fen": rate.amount_fen,
            "limit_fen": rate.limit_fen,
            "cap_fen": rate.cap_fen,
            "ratio": _ratio(rate.ratio_bp),
            "cap_applies": benefit.cap_applies,
            "cost": benefit.cost,
        }
        if rate
        else {},
        "visits": visits,
        "exclusions": exclusions,
        "steps": steps(line, month_days),
    }


def _visits(fetched_by, line: ClaimLine, cost_kind: str | None) -> list[dict]:
    """The visits behind a line: the person's completed visits with the line's institution on
    the line's days, recorded before the claim was computed, with an item of the line's cost
    kind, less the visits the claim excluded. Empty for lines not priced from visits, and for
    readers who may not see visits."""
    if cost_kind not in ("services", "social_support") or line.tier != 1 or not line.days_mask:
        return []
    from changhu.core.errors import PermissionDenied
    from changhu.visits import selectors as visit_selectors

    first, _ = months.bounds(line.claim.period.month)
    days = [first.replace(day=n) for n in range(1, 32) if int(line.days_mask) >> (n - 1) & 1]
    excluded = set(
        selectors.exclusion_list(
            fetched_by=fetched_by, claim_id=line.claim_id, person_id=line.person_id
        )
        .filter(source="visit")
        .values_list("source_id", flat=True)
    )
    social = cost_kind == "social_support"
    try:
        qs = visit_selectors.visit_list(
            fetched_by=fetched_by,
            filters=visit_selectors.VisitFilters(
                person_id=line.person_id, institution_id=line.institution_id, status="completed"
            ),
        ).filter(service_date__in=days)
        if line.claim.computed_at:
            qs = qs.filter(created_at__lte=line.claim.computed_at)
        rows = list(qs.prefetch_related("items__item__category").order_by("service_date", "pk"))
    except PermissionDenied:
        return []
    out = []
    for v in rows:
        items = [i for i in v.items.all() if (i.item.category.kind == "social_support") == social]
        if v.pk in excluded or not items:
            continue
        out.append(
            {
                "id": v.pk,
                "day": v.service_date.isoformat(),
                "caregiver": v.caregiver.name,
                "minutes": v.duration_minutes,
                "items": [
                    {
                        "code": i.item.code,
                        "name": i.item.name,
                        "quantity": i.quantity,
                        "amount_fen": i.item.unit_price_fen * i.quantity
                        if i.item.fund_covered
                        else 0,
                    }
                    for i in items
                ],
            }
        )
    return out
