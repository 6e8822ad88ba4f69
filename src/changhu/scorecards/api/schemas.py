"""Scorecard schemas (component names start with ``Scorecard`` to stay unique)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class ScorecardIndicatorOut(Schema):
    code: str
    name: str
    weight: float
    formula: str
    numerator: int | None
    denominator: int | None
    value: float | None
    points: float


class ScorecardOut(Schema):
    org_id: int
    name: str
    kind: str
    period: str
    region_code: str
    score: float
    rank: int
    indicators: list[ScorecardIndicatorOut]


class ScorecardTrendOut(Schema):
    period: str
    score: float | None


class ScorecardDetailOut(ScorecardOut):
    indicator_set: str
    computed_at: dt.datetime
    trend: list[ScorecardTrendOut]


class ScorecardDrillRowOut(Schema):
    counted: bool
    cells: list[str]


class ScorecardManualOut(Schema):
    id: int
    indicator_code: str
    points: float
    reason: str
    evidence_name: str
    entered_at: dt.datetime


class ScorecardDrillOut(Schema):
    code: str
    name: str
    label: str
    columns: list[str]
    rows: list[ScorecardDrillRowOut]
    manual: list[ScorecardManualOut]


class ScorecardRunIn(Schema):
    kind: str
    period: str


class ScorecardRunOut(Schema):
    kind: str
    period: str
    organizations: int
    indicator_set: str
    computed_at: dt.datetime


class ScorecardConsequenceOut(Schema):
    id: int
    org_id: int
    name: str
    kind: str
    period: str
    score: float
    band: str
    action: str
    action_label: str
    percent: float | None
    factor: float | None
    base_fen: int | None
    amount_fen: int | None
    status: str
    status_label: str
    effect: str
    outcome: str
    reason: str
    adjustment_line_id: int | None
    decided_at: dt.datetime | None


class ScorecardConsequenceConfirmIn(Schema):
    contract_fee_fen: int | None = None


class ScorecardConsequenceDismissIn(Schema):
    reason: str
