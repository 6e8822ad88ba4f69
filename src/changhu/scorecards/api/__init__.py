"""Scorecards over HTTP: the ranking, an organization's card with its trend, the rows behind an
indicator, computing a period and entering on-site points."""

from __future__ import annotations

from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, paginate
from changhu.core.scope import require
from changhu.orgs.roles import Right
from changhu.scorecards import compute, selectors, services
from changhu.scorecards.api.schemas import (
    ScorecardDetailOut,
    ScorecardDrillOut,
    ScorecardManualOut,
    ScorecardOut,
    ScorecardRunIn,
    ScorecardRunOut,
)
from changhu.scorecards.views import TREND_PERIODS

router = Router(tags=["考核评分"])


def _card_out(card) -> dict:
    return {
        "org_id": card.organization_id,
        "name": card.organization.name,
        "kind": card.kind,
        "period": card.period,
        "region_code": card.region_code,
        "score": float(card.score),
        "rank": card.rank,
        "indicators": [
            {
                "code": i.code,
                "name": i.name,
                "weight": float(i.weight),
                "formula": i.formula,
                "numerator": i.numerator,
                "denominator": i.denominator,
                "value": None if i.value is None else float(i.value),
                "points": float(i.points),
            }
            for i in card.indicators.all()
        ],
    }


def _checked(kind: str, period: str):
    return compute.parse_kind(kind), compute.parse_period(period)


@router.get("", response={200: Page[ScorecardOut], **errors(403, 422)})
def scorecard_list(
    request, kind: str, period: str, district: str = "", page: int = 1, page_size: int = 50
):
    """一类机构在一个考核期（YYYY-MM、YYYY-Qn或YYYY）的得分排名，可按区县筛选。"""
    require(request.auth, Right.SCORECARDS_VIEW)
    kind, parsed = _checked(kind, period)
    filters = selectors.RankingFilters(kind=kind, period=parsed.key, district=district)
    qs = selectors.card_list(fetched_by=request.auth, filters=filters)
    return paginate(qs, page=page, page_size=page_size, convert=_card_out)


@router.get(
    "/{kind}/{period}/{int:org_id}", response={200: ScorecardDetailOut, **errors(403, 404, 422)}
)
def scorecard_get(request, kind: str, period: str, org_id: int):
    """一家机构的考核得分、各项指标和近期走势。"""
    require(request.auth, Right.SCORECARDS_VIEW)
    kind, parsed = _checked(kind, period)
    card = selectors.card_for(
        fetched_by=request.auth, organization_id=org_id, kind=kind, period=parsed.key
    )
    keys = [parsed.shift(-n).key for n in range(TREND_PERIODS - 1, -1, -1)]
    trend = selectors.trend(fetched_by=request.auth, card=card, periods=keys)
    return {
        **_card_out(card),
        "indicator_set": str(card.run.indicator_set),
        "computed_at": card.run.computed_at,
        "trend": [{"period": p, "score": s} for p, s in trend],
    }


@router.get(
    "/{kind}/{period}/{int:org_id}/indicators/{code}",
    response={200: ScorecardDrillOut, **errors(403, 404, 422)},
)
def scorecard_drill_down(request, kind: str, period: str, org_id: int, code: str):
    """一项指标背后的记录（仅限调用者数据范围内的记录）；现场评分指标给出评分记录。"""
    require(request.auth, Right.SCORECARDS_VIEW)
    kind, parsed = _checked(kind, period)
    card = selectors.card_for(
        fetched_by=request.auth, organization_id=org_id, kind=kind, period=parsed.key
    )
    found = selectors.drill_down(fetched_by=request.auth, card=card, code=code)
    return {
        "code": found.indicator.code,
        "name": found.indicator.name,
        "label": found.label,
        "columns": found.columns,
        "rows": [
            {"counted": counted, "cells": [str(c) for c in cells]} for counted, cells in found.rows
        ],
        "manual": [
            {
                "id": m.pk,
                "indicator_code": m.indicator_code,
                "points": float(m.points),
                "reason": m.reason,
                "evidence_name": m.evidence_name,
                "entered_at": m.entered_at,
            }
            for m in found.manual
        ],
    }


@router.post("/runs", response={201: ScorecardRunOut, **errors(403, 422)})
@needs(Right.SCORECARDS_COMPUTE)
def scorecard_compute(request, payload: ScorecardRunIn):
    """计算（或重新计算）一类机构在一个考核期的考核得分。"""
    run = services.scorecard_compute(actor=request.auth, kind=payload.kind, period=payload.period)
    return Status(
        201,
        {
            "kind": run.kind,
            "period": run.period,
            "organizations": run.organizations,
            "indicator_set": str(run.indicator_set),
            "computed_at": run.computed_at,
        },
    )


@router.post(
    "/{kind}/{period}/{int:org_id}/manual",
    response={201: ScorecardManualOut, **errors(403, 404, 422)},
)
@needs(Right.SCORECARDS_MANUAL)
def scorecard_manual_enter(
    request,
    kind: str,
    period: str,
    org_id: int,
    indicator_code: Form[str],
    points: Form[str],
    reason: Form[str],
    evidence: File[UploadedFile] = None,
):
    """检查人员录入现场考核评分：得分、评分理由和佐证材料（PDF、JPEG、PNG）。"""
    entry = services.manual_score_enter(
        actor=request.auth,
        kind=kind,
        period=period,
        organization_id=org_id,
        indicator_code=indicator_code,
        points=points,
        reason=reason,
        evidence=evidence,
    )
    return Status(
        201,
        {
            "id": entry.pk,
            "indicator_code": entry.indicator_code,
            "points": float(entry.points),
            "reason": entry.reason,
            "evidence_name": entry.evidence_name,
            "entered_at": entry.entered_at,
        },
    )
