"""Complaints, return visits and satisfaction surveys over HTTP, under /supervision/."""

from __future__ import annotations

from ninja import Query, Router, Schema, Status

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, filters_from, list_page, paginate_query, write
from changhu.core.errors import field_error
from changhu.core.scope import require, scope_of
from changhu.feedback import selectors, services
from changhu.feedback.api.schemas import (
    ComplaintCloseIn,
    ComplaintEscalateIn,
    ComplaintFindingOut,
    ComplaintIn,
    ComplaintNoteIn,
    ComplaintOut,
    ComplaintReplyIn,
    ComplaintSubstantiateIn,
    ReturnVisitCallIn,
    ReturnVisitDrawIn,
    ReturnVisitDrawOut,
    ReturnVisitOut,
    SurveyIn,
    SurveyOut,
    SurveyScoreOut,
)
from changhu.orgs.roles import Right

router = Router(tags=["投诉、回访与满意度"])


def _complaint(request, complaint_id: int):
    return selectors.complaint_get(fetched_by=request.auth, complaint_id=complaint_id)


# --- complaints -----------------------------------------------------------------------------


class ComplaintQuery(Schema):
    status: str = ""
    category: str = ""
    channel: str = ""
    institution_id: int | None = None
    overdue: bool = False
    q: str = ""
    page: int = 1
    page_size: int = 50


@router.get("/complaints", response={200: Page[ComplaintOut], **errors(403, 422)})
def complaint_list(request, query: Query[ComplaintQuery]):
    """投诉（按数据范围）：机构只见针对本机构的投诉，经办与监管按地区，家属只见本人提交的。"""
    filters = filters_from(query, selectors.ComplaintFilters)
    qs = selectors.complaint_list(fetched_by=request.auth, filters=filters)
    return paginate_query(qs.prefetch_related("visits"), query)


@router.get("/complaints/{int:complaint_id}", response={200: ComplaintOut, **errors(404)})
def complaint_detail(request, complaint_id: int):
    return _complaint(request, complaint_id)


@write(router, "/complaints", ComplaintOut, status=201)
@needs(Right.FEEDBACK_HANDLE, Right.INSURED_SELF)
def complaint_create(request, payload: ComplaintIn):
    """登记投诉：经办人员记录热线或窗口投诉；家属账号为所代办的参保人投诉（渠道为家属端）。
    涉及的参保人、机构、护理员、服务记录均须在调用者的数据范围内。"""
    actor = request.auth
    if scope_of(actor).can(Right.FEEDBACK_HANDLE):
        data = services.ComplaintInput(**payload.dict())
        complaint = services.complaint_create(actor=actor, data=data)
    else:
        if payload.person_id is None:
            raise field_error("person_id", "person_required", "请选择为哪位参保人投诉")
        complaint = services.family_complaint_create(
            actor=actor,
            person_id=payload.person_id,
            category=payload.category,
            content=payload.content,
            phone=payload.complainant_phone,
            institution_id=payload.institution_id,
            visit_ids=payload.visit_ids,
        )
    return Status(201, _complaint(request, complaint.pk))


@write(router, "/complaints/{int:complaint_id}/acknowledge", ComplaintOut)
@needs(Right.FEEDBACK_HANDLE)
def complaint_acknowledge(request, complaint_id: int, payload: ComplaintNoteIn):
    """受理：调用者成为经办人。"""
    services.complaint_acknowledge(actor=request.auth, complaint_id=complaint_id, note=payload.note)
    return _complaint(request, complaint_id)


@write(router, "/complaints/{int:complaint_id}/escalate", ComplaintOut)
@needs(Right.FEEDBACK_HANDLE)
def complaint_escalate(request, complaint_id: int, payload: ComplaintEscalateIn):
    """升级处理，须写明原因。"""
    services.complaint_escalate(
        actor=request.auth, complaint_id=complaint_id, reason=payload.reason
    )
    return _complaint(request, complaint_id)


@write(router, "/complaints/{int:complaint_id}/reply", ComplaintOut)
@needs(Right.FEEDBACK_HANDLE)
def complaint_reply(request, complaint_id: int, payload: ComplaintReplyIn):
    """答复投诉人：家属端提交的可在家属端查看，其他记录为电话、短信或书面告知。"""
    services.complaint_reply(
        actor=request.auth,
        complaint_id=complaint_id,
        reply=payload.reply,
        channel=payload.reply_channel,
        substantiated=payload.substantiated,
    )
    return _complaint(request, complaint_id)


@write(router, "/complaints/{int:complaint_id}/substantiate", ComplaintFindingOut)
@needs(Right.FEEDBACK_HANDLE)
def complaint_substantiate(request, complaint_id: int, payload: ComplaintSubstantiateIn):
    """查实并转稽核：所选服务记录各生成一条待处理的稽核发现，确认违规后不予结算。"""
    require(request.auth, Right.VISITS_RESOLVE)
    findings = services.complaint_substantiate(
        actor=request.auth,
        complaint_id=complaint_id,
        visit_ids=payload.visit_ids,
        note=payload.note,
    )
    return {"finding_ids": [f.pk for f in findings], "visit_ids": [f.visit_id for f in findings]}


@write(router, "/complaints/{int:complaint_id}/close", ComplaintOut)
@needs(Right.FEEDBACK_HANDLE, Right.INSURED_SELF)
def complaint_close(request, complaint_id: int, payload: ComplaintCloseIn):
    """办结并记录投诉人满意度（1至5分）：家属在家属端评价本人的投诉，经办人员记录回访所得。"""
    services.complaint_close(
        actor=request.auth,
        complaint_id=complaint_id,
        satisfaction=payload.satisfaction,
        note=payload.note,
    )
    return _complaint(request, complaint_id)


# --- return visits --------------------------------------------------------------------------


class ReturnVisitQuery(Schema):
    period: str = ""
    status: str = ""
    institution_id: int | None = None
    page: int = 1
    page_size: int = 50


@router.get("/return-visits", response={200: Page[ReturnVisitOut], **errors(403, 422)})
def return_visit_list(request, query: Query[ReturnVisitQuery]):
    """回访名单（按数据范围）。"""
    return list_page(
        request,
        query,
        selectors.return_visit_list,
        selectors.ReturnVisitFilters,
        right=Right.FEEDBACK_VIEW,
    )


@router.get("/return-visits/{int:return_visit_id}", response={200: ReturnVisitOut, **errors(404)})
def return_visit_detail(request, return_visit_id: int):
    return selectors.return_visit_get(fetched_by=request.auth, return_visit_id=return_visit_id)


@router.post(
    "/return-visits/draws",
    response={201: list[ReturnVisitDrawOut], **errors(403, 422)},
)
@needs(Right.FEEDBACK_DRAW)
def return_visit_draw(request, payload: ReturnVisitDrawIn):
    """抽取一个月的回访名单：每家机构按比例（默认5%，至少2人）按风险加权抽取；同月再抽不变。"""
    draws = services.return_visits_draw(actor=request.auth, period=payload.period)
    return Status(201, draws)


@write(router, "/return-visits/{int:return_visit_id}/call", ReturnVisitOut)
@needs(Right.FEEDBACK_HANDLE)
def return_visit_call(request, return_visit_id: int, payload: ReturnVisitCallIn):
    """记录回访结果（已接通、未接通、拒绝）；接通时记录话术各题回答与满意度评分；
    所选服务记录（该参保人当月的）生成“回访发现服务不实”的稽核发现。"""
    if payload.discrepancy_visit_ids:
        require(request.auth, Right.VISITS_RESOLVE)
    services.return_visit_record(
        actor=request.auth,
        return_visit_id=return_visit_id,
        data=services.CallInput(**payload.dict()),
    )
    return selectors.return_visit_get(fetched_by=request.auth, return_visit_id=return_visit_id)


# --- surveys --------------------------------------------------------------------------------


class SurveyQuery(Schema):
    period: str = ""
    channel: str = ""
    institution_id: int | None = None
    page: int = 1
    page_size: int = 50


@router.get("/surveys", response={200: Page[SurveyOut], **errors(403, 422)})
def survey_list(request, query: Query[SurveyQuery]):
    """满意度调查答卷（按数据范围）。"""
    return list_page(request, query, selectors.survey_list, selectors.SurveyFilters)


@write(router, "/surveys", SurveyOut, status=201, statuses=(403, 404, 422))
@needs(Right.FEEDBACK_HANDLE, Right.INSURED_SELF)
def survey_create(request, payload: SurveyIn):
    """登记满意度问卷：经办人员录入纸质问卷；家属账号为所代办的参保人填写。"""
    actor = request.auth
    channel = "paper" if scope_of(actor).can(Right.FEEDBACK_HANDLE) else "family"
    response = services.survey_record(
        actor=actor,
        person_id=payload.person_id,
        answers=payload.answers,
        comment=payload.comment,
        channel=channel,
        institution_id=payload.institution_id,
    )
    return Status(201, response)


class ScoreQuery(Schema):
    period: str
    by: str = "institution"


@router.get("/surveys/scores", response={200: list[SurveyScoreOut], **errors(403, 422)})
def survey_scores(request, query: Query[ScoreQuery]):
    """某月满意度得分（1至5分的平均分与得分率），按机构（by=institution）或护理员（by=caregiver）。"""
    require(request.auth, Right.FEEDBACK_VIEW)
    from changhu.visits.services import period_of

    period = period_of(query.period)
    if query.by not in ("institution", "caregiver"):
        raise field_error("by", "by_invalid", "统计口径应为机构或护理员")
    rows = selectors.score_table(fetched_by=request.auth, period=period, by=query.by)
    key = "caregiver_id" if query.by == "caregiver" else "institution_id"
    return [{**row, "id": row[key]} for row in rows]
