"""Settlement periods and their computation runs over HTTP."""

from __future__ import annotations

from ninja import Status

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, paginate, write
from changhu.orgs.roles import Right
from changhu.settlement import selectors, services
from changhu.settlement.api._common import router
from changhu.settlement.api.schemas import (
    PaymentOut,
    PaymentSummaryOut,
    PeriodIn,
    PeriodOut,
    SettlementRunOut,
)

# --- periods and runs -----------------------------------------------------------------------


@router.get("/periods", response={200: list[PeriodOut], **errors()})
def period_list(request):
    """数据范围内的结算期。"""
    return list(selectors.period_list(fetched_by=request.auth)[:120])


@write(router, "/periods", PeriodOut, status=201)
@needs(Right.SETTLEMENT_RUN)
def period_open(request, payload: PeriodIn):
    """开立结算期（已存在则返回原结算期）。"""
    period = services.period_open(actor=request.auth, **payload.dict())
    return Status(201, selectors.period_get(fetched_by=request.auth, period_id=period.pk))


@router.get("/periods/{int:period_id}", response={200: PeriodOut, **errors(404)})
def period_detail(request, period_id: int):
    return selectors.period_get(fetched_by=request.auth, period_id=period_id)


@write(
    router, "/periods/{int:period_id}/runs", SettlementRunOut, status=202, statuses=(403, 404, 409)
)
@needs(Right.SETTLEMENT_RUN)
def run_request(request, period_id: int):
    """发起结算计算（后台执行；已在排队或运行则返回该批次）。"""
    run = services.run_request(actor=request.auth, period_id=period_id, source="api")
    return Status(202, run)


@router.get("/runs/{int:run_id}", response={200: SettlementRunOut, **errors(404)})
def run_detail(request, run_id: int):
    """计算进度。"""
    return selectors.run_get(fetched_by=request.auth, run_id=run_id)


@write(router, "/periods/{int:period_id}/pay", PaymentSummaryOut, statuses=(403, 404, 409))
@needs(Right.SETTLEMENT_PAY)
def period_pay(request, period_id: int):
    """拨付：按收款方生成拨付单并记入基金账，结算期随即锁定。"""
    return services.period_pay(actor=request.auth, period_id=period_id).__dict__


@router.get("/periods/{int:period_id}/payments", response={200: Page[PaymentOut], **errors(404)})
def payment_list(request, period_id: int, payee_kind: str = "", page: int = 1, page_size: int = 50):
    """拨付单。"""
    selectors.period_get(fetched_by=request.auth, period_id=period_id)
    qs = selectors.payment_list(fetched_by=request.auth, period_id=period_id, payee_kind=payee_kind)
    return paginate(qs, page=page, page_size=page_size)
