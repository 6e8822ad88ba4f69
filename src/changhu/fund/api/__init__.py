"""The fund's books over HTTP: entries, monthly balances, contributions, budget, indicators."""

from __future__ import annotations

from ninja import Router, Status

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, paginate, write
from changhu.core import clock
from changhu.core.scope import require
from changhu.fund import selectors, services
from changhu.fund.api.schemas import (
    AmountIn,
    BudgetIn,
    BudgetOut,
    ContributionIn,
    EntryOut,
    SummaryOut,
    ThresholdIn,
)
from changhu.fund.models import LTCI_FUND
from changhu.orgs.roles import Right

router = Router(tags=["基金管理"])


@router.get("/summary", response={200: SummaryOut, **errors(403)})
def fund_summary(request, fund: str = LTCI_FUND, month: str = ""):
    """月度收支、结余和风险指标（含预警级别）。"""
    require(request.auth, Right.FUND_VIEW)
    months = selectors.monthly(fetched_by=request.auth, fund=fund)
    month = month or (months[-1].month if months else f"{clock.today():%Y-%m}")
    readings = selectors.indicator_readings(fetched_by=request.auth, month=month, fund=fund)
    upto = [m for m in months if m.month <= month]
    return {
        "fund": fund,
        "fund_label": selectors.fund_label(fund),
        "month": month,
        "balance_fen": upto[-1].balance_fen if upto else 0,
        "months": months,
        "indicators": readings,
    }


@router.get("/entries", response={200: Page[EntryOut], **errors()})
def entry_list(
    request, fund: str = LTCI_FUND, period: str = "", page: int = 1, page_size: int = 50
):
    """记账凭证。"""
    qs = selectors.entry_list(fetched_by=request.auth, fund=fund, period=period)
    return paginate(
        qs,
        page=page,
        page_size=page_size,
    )


@write(router, "/contributions", EntryOut, status=201, statuses=(403, 422))
@needs(Right.FUND_MANAGE)
def contribution_record(request, payload: ContributionIn):
    """登记筹资到账（个人缴费、单位缴费、财政补助）。"""
    c = services.contribution_record(actor=request.auth, **payload.dict())
    return Status(201, selectors.entry_get(fetched_by=request.auth, entry_id=c.entry_id))


@write(router, "/fees", EntryOut, status=201, statuses=(403, 422))
@needs(Right.FUND_MANAGE)
def fee_record(request, payload: AmountIn):
    """登记经办服务费支出。"""
    e = services.fee_record(actor=request.auth, **payload.dict())
    return Status(201, selectors.entry_get(fetched_by=request.auth, entry_id=e.pk))


@write(router, "/recoveries", EntryOut, status=201, statuses=(403, 422))
@needs(Right.FUND_MANAGE)
def recovery_receipt(request, payload: AmountIn):
    """登记追回款到账。"""
    e = services.recovery_receipt(actor=request.auth, **payload.dict())
    return Status(201, selectors.entry_get(fetched_by=request.auth, entry_id=e.pk))


@router.get("/budget", response={200: list[BudgetOut], **errors(403)})
def budget_execution(request, year: int, fund: str = LTCI_FUND):
    """年度预算执行情况。"""
    require(request.auth, Right.FUND_VIEW)
    return selectors.budget_execution(fetched_by=request.auth, year=year, fund=fund)


@write(router, "/budget", BudgetOut, statuses=(403, 422), method="put")
@needs(Right.FUND_MANAGE)
def budget_set(request, payload: BudgetIn):
    """设置一个预算科目的年度金额。"""
    b = services.budget_set(actor=request.auth, **payload.dict())
    return next(
        r
        for r in selectors.budget_execution(fetched_by=request.auth, year=b.year, fund=b.fund)
        if r.line == b.line
    )


@write(router, "/thresholds", dict, statuses=(403, 422), method="put")
@needs(Right.FUND_MANAGE)
def threshold_set(request, payload: ThresholdIn):
    """修改风险预警阈值。"""
    t = services.threshold_set(actor=request.auth, **payload.dict())
    return {"indicator": t.indicator, "level": t.level, "value": str(t.value)}
