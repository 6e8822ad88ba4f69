"""Request and response schemas of the matching API (component names start with ``Match``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from changhu.core import masking
from changhu.core.money import format_yuan

KindLiteral = Literal["deaths", "hospital"]
SourceLiteral = Literal["civil_affairs", "public_security", "medical_settlement", "other"]


def _name(user) -> str | None:
    return user.display_name if user is not None else None


class MatchRowErrorOut(Schema):
    row: int = Field(..., description="行号（表头为第1行）")
    column: str
    field: str
    code: str
    message: str


class MatchBatchOut(Schema):
    id: int
    kind: str
    kind_label: str = Field(alias="get_kind_display")
    source: str
    source_label: str = Field(alias="get_source_display")
    via_feed: bool
    file_name: str
    status: str
    status_label: str = Field(alias="get_status_display")
    total_rows: int
    valid_rows: int
    matched_rows: int = Field(..., description="匹配到参保人的行数（确认比对后）")
    unmatched_rows: int = Field(..., description="身份证号码有效但未登记的行数（确认比对后）")
    invalid_rows: int = Field(..., alias="error_rows", description="格式错误的行数")
    error_count: int
    errors: list[MatchRowErrorOut] = Field(..., description="格式错误明细（最多100条）")
    warnings: list[str]
    sample: list[dict] = Field(..., description="前几行预览（已脱敏）")
    organization: str | None
    uploaded_by: str | None
    created_at: dt.datetime
    committed_at: dt.datetime | None

    @staticmethod
    def resolve_errors(batch) -> list:
        return batch.errors[:100]

    @staticmethod
    def resolve_organization(batch) -> str | None:
        return batch.organization.name if batch.organization_id else None

    @staticmethod
    def resolve_uploaded_by(batch) -> str | None:
        return _name(batch.uploaded_by)


class MatchRecordOut(Schema):
    id: int
    batch_id: int
    row_number: int
    kind: str
    kind_label: str = Field(alias="get_kind_display")
    status: str
    status_label: str = Field(alias="get_status_display")
    person_id: int | None
    person_name: str | None = Field(None, description="登记的姓名（已脱敏）")
    listed_name: str = Field(..., description="名单上的姓名（已脱敏）")
    id_number: str = Field(..., alias="id_number_masked", description="身份证号码（已脱敏）")
    name_mismatch: bool
    register_note: str
    event_date: dt.date = Field(..., description="死亡日期或入院日期")
    end_date: dt.date | None
    hospital: str
    life_event_id: int | None
    reason: str
    reviewed_by: str | None
    reviewed_at: dt.datetime | None

    @staticmethod
    def resolve_person_name(record) -> str | None:
        return masking.mask_name(record.person.name) if record.person_id else None

    @staticmethod
    def resolve_listed_name(record) -> str:
        return masking.mask_name(record.listed_name)

    @staticmethod
    def resolve_reviewed_by(record) -> str | None:
        return _name(record.reviewed_by)


class MatchRecoveryOut(Schema):
    id: int
    match_id: int
    person_id: int
    line_id: int
    month: str
    institution: str | None
    days_after_death: int
    amount_fen: int = Field(..., description="拟追回金额（分，正数）")
    amount_yuan: str
    status: str
    status_label: str = Field(alias="get_status_display")
    adjustment_id: int | None = Field(None, description="生成的追回明细")
    reason: str

    @staticmethod
    def resolve_institution(proposal) -> str | None:
        institution = proposal.line.institution
        return institution.name if institution is not None else None

    @staticmethod
    def resolve_amount_yuan(proposal) -> str:
        return format_yuan(proposal.amount_fen)


class MatchFeedRowIn(Schema):
    name: str = Field(..., max_length=40, description="姓名")
    id_number: str = Field(..., max_length=32, description="18位居民身份证号码")
    event_date: str = Field(..., max_length=20, description="死亡日期或入院日期，YYYY-MM-DD")
    end_date: str = Field("", max_length=20, description="出院日期（住院名单，可空）")
    hospital: str = Field("", max_length=100, description="医院名称（住院名单，可空）")


class MatchFeedIn(Schema):
    kind: KindLiteral
    source: SourceLiteral
    rows: list[MatchFeedRowIn] = Field(..., description="每次最多5000行")


class MatchRejectIn(Schema):
    reason: str = Field(..., max_length=300, description="排除原因")


class MatchRecoveryApplyIn(Schema):
    period_id: int | None = Field(
        None, description="追回到哪个结算期；不填为该地区以后月份中最早的未拨付结算期"
    )


class MatchDismissIn(Schema):
    reason: str = Field(..., max_length=300, description="不予追回的原因")
