"""The fund's books over HTTP: entries, monthly balances, contributions, budget, indicators."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Router, Schema, Status
from pydantic import Field

from changhu.api.schemas import Page, errors, paginate
from changhu.core import clock
from changhu.core.scope import require
from changhu.fund import selectors, services
from changhu.fund.models import LTCI_FUND, Entry
from changhu.orgs.roles import Right

router = Router(tags=["基金管理"])


class PostingOut(Schema):
    account: str
    account_label: str
    debit_fen: int
    credit_fen: int


class EntryOut(Schema):
    id: int
    fund: str
    posted_on: dt.date
    period: str
    kind: str
    kind_label: str
    memo: str
    postings: list[PostingOut]


class MonthOut(Schema):
    month: str
    income_fen: int
    benefit_fen: int
    fee_fen: int
    expenditure_fen: int
    balance_fen: int


class ReadingOut(Schema):
    indicator: str
    label: str
    value: float | None
    display: str
    level: str
    warning: float
    critical: float
    explain: str


class SummaryOut(Schema):
    fund: str
    fund_label: str
    month: str
    balance_fen: int
    months: list[MonthOut]
    indicators: list[ReadingOut]


class ContributionIn(Schema):
    period: str = Field(..., max_length=7)
    source: Literal["individual", "employer", "subsidy"]
    amount_fen: int
    payer_count: int = 0
    note: str = Field("", max_length=300)


class AmountIn(Schema):
    period: str = Field(..., max_length=7)
    amount_fen: int
    memo: str = Field("", max_length=200)


class BudgetIn(Schema):
    year: int
    line: str = Field(..., max_length=24)
    amount_fen: int
    note: str = Field("", max_length=300)


class BudgetOut(Schema):
    line: str
    label: str
    budget_fen: int
    actual_fen: int
    execution_percent: float | None


class ThresholdIn(Schema):
    indicator: Literal["coverage_months", "payout_ratio", "mom_growth"]
    level: Literal["warning", "critical"]
    value: str = Field(..., max_length=20)


def _entry(e: Entry) -> dict:
    return {
        "id": e.pk,
        "fund": e.fund,
        "posted_on": e.posted_on,
        "period": e.period,
        "kind": e.kind,
        "kind_label": e.get_kind_display(),
        "memo": e.memo,
        "postings": [
            {
                "account": p.account,
                "account_label": p.get_account_display(),
                "debit_fen": p.debit_fen,
                "credit_fen": p.credit_fen,
            }
            for p in e.postings.all()
        ],
    }


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
        "months": [
            {
                "month": m.month,
                "income_fen": m.income_fen,
                "benefit_fen": m.benefit_fen,
                "fee_fen": m.fee_fen,
                "expenditure_fen": m.expenditure_fen,
                "balance_fen": m.balance_fen,
            }
            for m in months
        ],
        "indicators": [
            {
                "indicator": r.indicator.code,
                "label": r.indicator.label,
                "value": float(r.value) if r.value is not None else None,
                "display": r.display,
                "level": r.level,
                "warning": float(r.warning),
                "critical": float(r.critical),
                "explain": r.indicator.explain,
            }
            for r in readings
        ],
    }


@router.get("/entries", response={200: Page[EntryOut], **errors()})
def entry_list(
    request, fund: str = LTCI_FUND, period: str = "", page: int = 1, page_size: int = 50
):
    """记账凭证。"""
    qs = selectors.entry_list(fetched_by=request.auth, fund=fund, period=period)
    return paginate(qs, page=page, page_size=page_size, convert=_entry)


@router.post("/contributions", response={201: EntryOut, **errors(403, 422)})
def contribution_record(request, payload: ContributionIn):
    """登记筹资到账（个人缴费、单位缴费、财政补助）。"""
    c = services.contribution_record(actor=request.auth, **payload.dict())
    return Status(201, _entry(selectors.entry_get(fetched_by=request.auth, entry_id=c.entry_id)))


@router.post("/fees", response={201: EntryOut, **errors(403, 422)})
def fee_record(request, payload: AmountIn):
    """登记经办服务费支出。"""
    e = services.fee_record(actor=request.auth, **payload.dict())
    return Status(201, _entry(selectors.entry_get(fetched_by=request.auth, entry_id=e.pk)))


@router.post("/recoveries", response={201: EntryOut, **errors(403, 422)})
def recovery_receipt(request, payload: AmountIn):
    """登记追回款到账。"""
    e = services.recovery_receipt(actor=request.auth, **payload.dict())
    return Status(201, _entry(selectors.entry_get(fetched_by=request.auth, entry_id=e.pk)))


@router.get("/budget", response={200: list[BudgetOut], **errors(403)})
def budget_execution(request, year: int, fund: str = LTCI_FUND):
    """年度预算执行情况。"""
    require(request.auth, Right.FUND_VIEW)
    return [
        {
            "line": r.line,
            "label": r.label,
            "budget_fen": r.budget_fen,
            "actual_fen": r.actual_fen,
            "execution_percent": float(r.execution) if r.execution is not None else None,
        }
        for r in selectors.budget_execution(fetched_by=request.auth, year=year, fund=fund)
    ]


@router.put("/budget", response={200: BudgetOut, **errors(403, 422)})
def budget_set(request, payload: BudgetIn):
    """设置一个预算科目的年度金额。"""
    b = services.budget_set(actor=request.auth, **payload.dict())
    row = next(
        r
        for r in selectors.budget_execution(fetched_by=request.auth, year=b.year, fund=b.fund)
        if r.line == b.line
    )
    return {
        "line": row.line,
        "label": row.label,
        "budget_fen": row.budget_fen,
        "actual_fen": row.actual_fen,
        "execution_percent": float(row.execution) if row.execution is not None else None,
    }


@router.put("/thresholds", response={200: dict, **errors(403, 422)})
def threshold_set(request, payload: ThresholdIn):
    """修改风险预警阈值。"""
    t = services.threshold_set(actor=request.auth, **payload.dict())
    return {"indicator": t.indicator, "level": t.level, "value": str(t.value)}
