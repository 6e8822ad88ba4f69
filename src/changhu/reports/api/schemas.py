"""The schemas of the reports API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema


class ReportDefinitionOut(Schema):
    code: str
    name: str
    version: str
    period_kind: str  # month, year
    as_of: str  # the as-of rule: period_end
    effective_from: dt.date
    description: str
    filters: list[str]
    sections: list[dict[str, Any]]


class ReportRunIn(Schema):
    name: str  # the report's code, e.g. ltci-monthly
    period: str  # YYYY-MM, or YYYY for a yearly report
    district: str = ""  # one district of the caller's scope (division code)


class ReportRunOut(Schema):
    id: int
    report: str
    name: str
    version: str
    period: str
    district: str
    status: str
    percent: int
    as_of: dt.datetime
    created_at: dt.datetime
    finished_at: dt.datetime | None
    sections: list[dict[str, Any]] | None = None
    summary: dict[str, Any] | None = None
