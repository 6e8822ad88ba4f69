"""The fund API's request and response schemas."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

# --- schemas --------------------------------------------------------------------------------


class PostingOut(Schema):
    account: str
    account_label: str = Field(alias="get_account_display")
    debit_fen: int
    credit_fen: int


class EntryOut(Schema):
    id: int
    fund: str
    posted_on: dt.date
    period: str
    kind: str
    kind_label: str = Field(alias="get_kind_display")
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
    indicator: str = Field(alias="indicator.code")
    label: str = Field(alias="indicator.label")
    value: float | None
    display: str
    level: str
    warning: float
    critical: float
    explain: str = Field(alias="indicator.explain")


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
    execution_percent: float | None = Field(alias="execution")


class ThresholdIn(Schema):
    indicator: Literal["coverage_months", "payout_ratio", "mom_growth"]
    level: Literal["warning", "critical"]
    value: str = Field(..., max_length=20)
