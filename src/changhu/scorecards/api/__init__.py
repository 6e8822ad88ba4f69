"""Scorecards over HTTP: the ranking, an organization's card with its trend, the rows behind an
indicator, computing a period, entering on-site points, and the consequences of the scores."""

from __future__ import annotations

from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, paginate
from changhu.core.scope import require
from changhu.orgs.roles import Right
from changhu.scorecards import compute, consequences, selectors, services
from changhu.scorecards.api.schemas import (
    ScorecardConsequenceConfirmIn,
    ScorecardConsequenceDismissIn,
    ScorecardConsequenceOut,
    ScorecardDetailOut,
    ScorecardDrillOut,
    ScorecardManualOut,
    ScorecardOut,
    ScorecardRunIn,
    ScorecardRunOut,
)
from changhu.scorecards.models import ConsequenceStatus
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


def _consequence_out(p) -> dict:
    return {
        "id": p.pk,
        "org_id": p.organization_id,
        "name": p.organization.name,
        "kind": p.kind,
        "period": p.period,
        "score": float(p.score),
        "band": p.band,
        "action": p.action,
        "action_label": p.get_action_display(),
        "percent": None if p.percent is None else float(p.percent),
        "factor": None if p.factor is None else float(p.factor),
        "base_fen": p.base_fen,
        "amount_fen": p.amount_fen,
        "status": p.status,
        "status_label": p.get_status_display(),
        "effect": consequences.effect(p) if p.status == ConsequenceStatus.PROPOSED else "",
        "outcome": p.outcome,
        "reason": p.reason,
        "adjustment_line_id": p.adjustment_id,
        "decided_at": p.decided_at,
    }


@router.get("/consequences", response={200: Page[ScorecardConsequenceOut], **errors(403)})
def consequence_list(
    request, status: str = "", kind: str = "", period: str = "", page: int = 1, page_size: int = 50
):
    """考核处理建议及执行记录（数据范围内）；机构只能看到对本机构已确认执行的处理。"""
    require(request.auth, Right.SCORECARDS_VIEW)
    filters = selectors.ConsequenceFilters(
        status=status if status in ConsequenceStatus.values else "", kind=kind, period=period
    )
    qs = selectors.consequence_list(fetched_by=request.auth, filters=filters)
    return paginate(qs, page=page, page_size=page_size, convert=_consequence_out)


@router.post(
    "/consequences/{int:proposal_id}/confirm",
    response={200: ScorecardConsequenceOut, **errors(403, 404, 409, 422)},
)
@needs(Right.SCORECARDS_CONSEQUENCES)
def consequence_confirm(request, proposal_id: int, payload: ScorecardConsequenceConfirmIn):
    """确认执行一条考核处理建议：警告、约谈记录并通知机构；扣留质量保证金记入下一期结算；
    暂停新增服务对象、解除协议改变机构状态；经办服务费按合同金额（contract_fee_fen，分）×考核系数记入基金。"""
    proposal = services.consequence_confirm(
        actor=request.auth, proposal_id=proposal_id, contract_fee_fen=payload.contract_fee_fen
    )
    return _consequence_out(proposal)


@router.post(
    "/consequences/{int:proposal_id}/dismiss",
    response={200: ScorecardConsequenceOut, **errors(403, 404, 409, 422)},
)
@needs(Right.SCORECARDS_CONSEQUENCES)
def consequence_dismiss(request, proposal_id: int, payload: ScorecardConsequenceDismissIn):
    """不予执行一条考核处理建议，须说明原因。"""
    proposal = services.consequence_dismiss(
        actor=request.auth, proposal_id=proposal_id, reason=payload.reason
    )
    return _consequence_out(proposal)
