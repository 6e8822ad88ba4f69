"""Conclusions, appeals and re-assessment over HTTP."""

from __future__ import annotations

from ninja import Query, Schema, Status

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, paginate, write
from changhu.assessment import selectors, services
from changhu.assessment.api._common import router
from changhu.assessment.api.schemas import AppealIn, ApplicationOut, ConclusionOut, ReassessmentIn
from changhu.core.downloads import binary_response_doc, file_response
from changhu.orgs.roles import Right

# --- conclusions, appeals, re-assessment ------------------------------------------------------


class ConclusionQuery(Schema):
    person_id: int | None = None
    page: int = 1
    page_size: int = 20


@router.get("/conclusions", response={200: Page[ConclusionOut], **errors(422)})
def conclusion_list(request, query: Query[ConclusionQuery]):
    """数据范围内的评估结论。"""
    qs = selectors.conclusion_list(fetched_by=request.auth, person_id=query.person_id)
    qs = qs.select_related("scale_version", "rules")
    return paginate(qs, page=query.page, page_size=query.page_size)


@router.get("/conclusions/{conclusion_id}", response={200: ConclusionOut, **errors(404)})
def conclusion_detail(request, conclusion_id: int):
    return selectors.conclusion_get(fetched_by=request.auth, conclusion_id=conclusion_id)


@router.get(
    "/conclusions/{conclusion_id}/letter",
    response=errors(404),
    openapi_extra=binary_response_doc("评估结论书 PDF", "application/pdf"),
)
def conclusion_letter(request, conclusion_id: int):
    """下载评估结论书（PDF，含完整身份证号码，每次下载记入审计）。"""
    conclusion, data = services.conclusion_letter(actor=request.auth, conclusion_id=conclusion_id)
    return file_response(data, f"评估结论书{conclusion.number}.pdf", "application/pdf")


@write(router, "/conclusions/{conclusion_id}/appeal", ApplicationOut, status=201)
@needs(Right.ASSESSMENT_APPLY, Right.ASSESSMENT_INTAKE)
def appeal(request, conclusion_id: int, payload: AppealIn):
    """申请复评（在复评申请期限内）；复评派单回避原评估机构和人员，费用按规则在出结论时确定。"""
    application = services.appeal_request(
        actor=request.auth, conclusion_id=conclusion_id, reason=payload.reason, place=payload.place
    )
    return Status(
        201, selectors.application_get(fetched_by=request.auth, application_id=application.pk)
    )


@write(router, "/persons/{person_id}/reassessments", ApplicationOut, status=201)
@needs(Right.ASSESSMENT_REASSESS)
def reassessment_open(request, person_id: int, payload: ReassessmentIn):
    """经办人员因身体状况变化或抽查发起复评。"""
    application = services.reassessment_open(
        actor=request.auth, person_id=person_id, kind=payload.kind, reason=payload.reason
    )
    return Status(
        201, selectors.application_get(fetched_by=request.auth, application_id=application.pk)
    )
