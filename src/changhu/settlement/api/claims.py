"""Claims and their lines through the four steps over HTTP."""

from __future__ import annotations

from typing import Any

from ninja import Query, Status

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, filters_from, paginate, paginate_query, write
from changhu.orgs.roles import Right
from changhu.settlement import adjustments, explain, selectors, services, statements
from changhu.settlement.api._common import router
from changhu.settlement.api.schemas import (
    AdjustmentIn,
    ClaimOut,
    ClaimReviewIn,
    ExplanationOut,
    LineOut,
    LineQuery,
    RejectIn,
    SettlementReasonIn,
)

# --- claims and lines -----------------------------------------------------------------------


@router.get("/claims", response={200: Page[ClaimOut], **errors()})
def claim_list(
    request, period_id: int | None = None, status: str = "", page: int = 1, page_size: int = 50
):
    """数据范围内的申报（护理机构只看到本机构的申报）。"""
    qs = selectors.claim_list(
        fetched_by=request.auth,
        filters=selectors.ClaimFilters(period_id=period_id, status=status),
    ).select_related("first_reviewer", "second_reviewer")
    return paginate(qs, page=page, page_size=page_size)


@router.get("/claims/{int:claim_id}", response={200: ClaimOut, **errors(404)})
def claim_detail(request, claim_id: int):
    return _fresh_claim(request, claim_id)


@router.get("/claims/{int:claim_id}/lines", response={200: Page[LineOut], **errors(404)})
def claim_lines(request, claim_id: int, query: Query[LineQuery]):
    """申报明细。"""
    selectors.claim_get(fetched_by=request.auth, claim_id=claim_id)
    qs = selectors.line_list(
        fetched_by=request.auth,
        filters=filters_from(query, selectors.LineFilters, claim_id=claim_id),
    )
    return paginate_query(qs, query)


@router.get(
    "/claims/{int:claim_id}/exclusions", response={200: list[dict[str, Any]], **errors(404)}
)
def claim_exclusions(request, claim_id: int):
    """未予支付的服务记录和床日，及原因代码。"""
    selectors.claim_get(fetched_by=request.auth, claim_id=claim_id)
    return [
        {
            "source": x.source,
            "source_id": x.source_id,
            "person_id": x.person_id,
            "person_name": x.person.name,
            "day": x.day.isoformat(),
            "reason_code": x.reason_code,
            "reason": x.reason,
            "amount_fen": x.amount_fen,
        }
        for x in selectors.exclusion_list(fetched_by=request.auth, claim_id=claim_id)[:2000]
    ]


@router.get("/claims/{int:claim_id}/statement.xlsx", response={200: None, **errors(404)})
def claim_statement_xlsx(request, claim_id: int):
    """结算单（Excel）。"""
    return statements.statement_xlsx(fetched_by=request.auth, claim_id=claim_id)


@router.get("/claims/{int:claim_id}/statement.pdf", response={200: None, **errors(404)})
def claim_statement_pdf(request, claim_id: int):
    """结算单（PDF）。"""
    return statements.statement_pdf(fetched_by=request.auth, claim_id=claim_id)


@write(router, "/claims/{int:claim_id}/submit", ClaimOut, statuses=(403, 404, 409))
@needs(Right.SETTLEMENT_CLAIM)
def claim_submit(request, claim_id: int):
    """护理机构申报。"""
    services.claim_submit(actor=request.auth, claim_id=claim_id)
    return _fresh_claim(request, claim_id)


@write(router, "/claims/{int:claim_id}/first-review", ClaimOut)
@needs(Right.SETTLEMENT_FIRST_REVIEW)
def claim_first_review(request, claim_id: int, payload: ClaimReviewIn):
    """初审：通过，或退回机构（须填原因）。"""
    services.claim_first_review(actor=request.auth, claim_id=claim_id, **payload.dict())
    return _fresh_claim(request, claim_id)


@write(router, "/claims/{int:claim_id}/second-review", ClaimOut)
@needs(Right.SETTLEMENT_SECOND_REVIEW)
def claim_second_review(request, claim_id: int, payload: ClaimReviewIn):
    """复核（须由初审人以外的人员）：通过，或退回初审（须填原因）。"""
    services.claim_second_review(actor=request.auth, claim_id=claim_id, **payload.dict())
    return _fresh_claim(request, claim_id)


@router.get("/lines/{int:line_id}", response={200: ExplanationOut, **errors(404)})
def line_detail(request, line_id: int):
    """一条明细的来龙去脉：哪些天、哪条规则的哪个版本、哪些服务记录。"""
    data = explain.line_explanation(fetched_by=request.auth, line_id=line_id)
    data["line"] = data.pop("line_obj")
    return data


@write(router, "/lines/{int:line_id}/withdraw", LineOut)
@needs(Right.SETTLEMENT_CLAIM)
def line_withdraw(request, line_id: int, payload: SettlementReasonIn):
    """机构撤回明细（须填原因）。"""
    services.line_withdraw(actor=request.auth, line_id=line_id, reason=payload.reason)
    return _fresh_line(request, line_id)


@write(router, "/lines/{int:line_id}/reject", LineOut)
@needs(Right.SETTLEMENT_FIRST_REVIEW, Right.SETTLEMENT_SECOND_REVIEW)
def line_reject(request, line_id: int, payload: RejectIn):
    """初审或复核拒付明细（须选原因）。"""
    services.line_reject(actor=request.auth, line_id=line_id, **payload.dict())
    return _fresh_line(request, line_id)


@write(router, "/lines/{int:line_id}/restore", LineOut, statuses=(403, 404, 409))
@needs(Right.SETTLEMENT_CLAIM, Right.SETTLEMENT_FIRST_REVIEW, Right.SETTLEMENT_SECOND_REVIEW)
def line_restore(request, line_id: int):
    """恢复撤回或拒付的明细。"""
    services.line_restore(actor=request.auth, line_id=line_id)
    return _fresh_line(request, line_id)


@write(router, "/adjustments", LineOut, status=201)
@needs(Right.SETTLEMENT_ADJUST)
def adjustment_create(request, payload: AdjustmentIn):
    """已拨付明细的更正或追回，记入以后未拨付的结算期。"""
    line = adjustments.adjustment_create(actor=request.auth, **payload.dict())
    return Status(201, _fresh_line(request, line.pk))


def _fresh_claim(request, claim_id: int):
    return selectors.claim_get(fetched_by=request.auth, claim_id=claim_id)


def _fresh_line(request, line_id: int):
    return selectors.line_get(fetched_by=request.auth, line_id=line_id)
