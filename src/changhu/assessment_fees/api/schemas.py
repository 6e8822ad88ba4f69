"""Assessment fee schemas (component names start with ``AssessmentFee`` to stay unique)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class AssessmentFeeTableOut(Schema):
    id: int
    code: str
    version: str
    name: str
    effective_from: dt.date
    effective_to: dt.date | None
    fees_fen: dict[str, dict[str, int]]
    appeal_fee_source: str


class AssessmentFeeRunIn(Schema):
    month: str
    city: str = ""  # first four digits of the division code; default: the caller's one city


class AssessmentFeeRunOut(Schema):
    id: int
    month: str
    city_code: str
    case_count: int
    fee_fen: int
    fund_fen: int
    created_at: dt.datetime
    statement_ids: list[int]


class AssessmentFeeDiscardIn(Schema):
    reason: str


class AssessmentFeeDiscardOut(Schema):
    month: str
    discarded: bool


class AssessmentFeeApproveIn(Schema):
    note: str = ""


class AssessmentFeePayIn(Schema):
    reference: str


class AssessmentFeeLineOut(Schema):
    id: int
    application_number: str
    person: str
    id_number_masked: str
    day: dt.date
    outcome: str
    outcome_label: str
    place: str
    grade_changed: bool | None
    fee_table_version: str
    rules_version: str
    fee_fen: int
    applicant_fen: int
    fund_fen: int


class AssessmentFeeStatementOut(Schema):
    id: int
    number: str
    month: str
    institution_id: int
    institution: str
    status: str
    status_label: str
    case_count: int
    fee_fen: int
    applicant_fen: int
    fund_fen: int
    fund_yuan: str
    reviewed_at: dt.datetime | None
    paid_at: dt.datetime | None
    payment_reference: str
    entry_id: int | None


class AssessmentFeeStatementDetailOut(AssessmentFeeStatementOut):
    lines: list[AssessmentFeeLineOut]
