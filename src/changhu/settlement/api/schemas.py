"""The settlement API's request and response schemas."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from changhu.settlement import selectors, services

# --- schemas --------------------------------------------------------------------------------


class PolicyOut(Schema):
    id: int
    code: str
    version: str
    kind: str
    name: str
    region_code: str
    effective_from: dt.date
    source: str
    checksum: str


class PolicyDetailOut(PolicyOut):
    data: dict[str, Any]


class CalculateIn(Schema):
    policy: str = Field(..., max_length=40, description="政策代码，如 chengdu")
    period: str = Field(..., max_length=7, description="结算月份 YYYY-MM")
    input: dict[str, Any] = Field(
        ..., description="一个人一个月的情况，见 docs/benefit-calculator.md"
    )


class PeriodIn(Schema):
    month: str = Field(..., max_length=7)
    region_code: str = Field(..., max_length=12)
    policy_code: str = Field("", max_length=40, description="留空：该地区该月生效的政策")


class PeriodOut(Schema):
    id: int
    month: str
    region_code: str
    region_name: str = Field(alias="region.name")
    policy: str = Field(alias="policy.ref")
    supplementary: str | None
    status: str
    status_label: str = Field(alias="get_status_display")
    line_count: int
    fund_fen: int
    supplementary_fen: int
    personal_fen: int
    computed_at: dt.datetime | None
    paid_at: dt.datetime | None

    @staticmethod
    def resolve_supplementary(period) -> str | None:
        return period.supplementary.ref if period.supplementary_id else None


class SettlementRunOut(Schema):
    id: int
    period_id: int
    status: str
    status_label: str = Field(alias="get_status_display")
    total_chunks: int
    done_chunks: int
    percent: int
    line_count: int
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None


def _display_name(user) -> str | None:
    return user.display_name if user is not None else None


class ClaimOut(Schema):
    id: int
    period_id: int
    month: str = Field(alias="period.month")
    institution_id: int
    institution_name: str = Field(alias="institution.organization.name")
    status: str
    status_label: str = Field(alias="get_status_display")
    line_count: int
    person_count: int
    fund_fen: int
    supplementary_fen: int
    personal_fen: int
    withdrawn_fen: int
    rejected_fen: int
    excluded_count: int
    submitted_at: dt.datetime | None
    first_reviewer: str | None
    first_reviewed_at: dt.datetime | None
    second_reviewer: str | None
    second_reviewed_at: dt.datetime | None
    paid_at: dt.datetime | None

    @staticmethod
    def resolve_first_reviewer(claim) -> str | None:
        return _display_name(claim.first_reviewer) if claim.first_reviewer_id else None

    @staticmethod
    def resolve_second_reviewer(claim) -> str | None:
        return _display_name(claim.second_reviewer) if claim.second_reviewer_id else None


class LineOut(Schema):
    id: int
    claim_id: int
    person_id: int | None  # empty on an institution-level deduction (机构扣款)
    person_name: str | None
    benefit: str
    benefit_name: str
    kind: str
    payer: str
    tier: int
    payee: str = Field(alias="payee_kind")
    grade: int
    care_mode: str
    institution_class: str
    eligible_days: int
    days: str
    eligible_cost_fen: int
    fund_fen: int
    personal_fen: int
    rule: str
    status: str
    reason_code: str
    reason: str
    visit_count: int
    source: str
    adjusts_id: int | None

    @staticmethod
    def resolve_person_name(line) -> str | None:
        return line.person.name if line.person_id else None

    @staticmethod
    def resolve_days(line) -> str:
        return selectors.line_days(line)


class ExplanationOut(Schema):
    line: LineOut
    month: str
    days_in_month: int
    policy: str
    policy_name: str
    rule_kind_label: str
    rate: dict[str, Any]
    visits: list[dict[str, Any]]
    exclusions: list[dict[str, Any]]
    steps: list[str]


class LineQuery(Schema):
    status: str = ""
    benefit: str = ""
    payer: str = ""
    q: str = Field("", max_length=40)
    page: int = 1
    page_size: int = 50


class SettlementReasonIn(Schema):
    reason: str = Field("", max_length=300)


class RejectIn(Schema):
    reason_code: Literal[tuple(services.REJECT_REASONS)]  # type: ignore[valid-type]
    reason: str = Field("", max_length=300)


class ClaimReviewIn(Schema):
    approve: bool
    reason: str = Field("", max_length=300)


class PaymentSummaryOut(Schema):
    period_id: int
    orders: int
    paid_fen: int
    receivable_fen: int
    by_payer: dict[str, int]


class PaymentOut(Schema):
    id: int
    payer: str
    payee_kind: str
    payee_name: str
    institution_id: int | None
    person_id: int | None
    amount_fen: int
    line_count: int
    status: str
    entry_id: int | None

    @staticmethod
    def resolve_payee_name(order) -> str:
        return order.institution.organization.name if order.institution_id else order.person.name


class AdjustmentIn(Schema):
    line_id: int
    period_id: int
    amount_fen: int = Field(..., description="补付为正，追回为负")
    reason: str = Field(..., max_length=300)


class TariffIn(Schema):
    institution_id: int
    valid_from: dt.date
    institution_class: str = Field("", max_length=16)
    bed_day_fen: int = Field(0, ge=0)
    note: str = Field("", max_length=300)


class TariffOut(Schema):
    id: int
    institution_id: int
    institution_name: str
    valid_from: dt.date
    institution_class: str
    bed_day_fen: int


class MemberIn(Schema):
    plan_code: str = Field(..., max_length=40)
    person_id: int
    year: int
    paid_from: Literal["personal_account", "cash", "employer"]
    family_size: int = 1
    joined_on: dt.date | None = None


class MemberOut(Schema):
    id: int
    plan_code: str
    person_id: int
    person_name: str = Field(alias="person.name")
    year: int
    premium_fen: int
    paid_from: str
    family_size: int
    joined_on: dt.date
