"""Applications over HTTP: intake, documents, review, dispatch, the team, the on-site form,
confirmation.
"""

from __future__ import annotations

from typing import Literal

from ninja import File, Form, Query, Status
from ninja.files import UploadedFile

from changhu.api.schemas import Page, errors, paginate
from changhu.assessment import scoring, selectors, services
from changhu.assessment.api._common import router
from changhu.assessment.api.converters import (
    _assessment,
    _attachment,
    _binary,
    _conclusion,
    _detail,
    _document,
    _list_row,
    _objection,
    _score,
)
from changhu.assessment.api.schemas import (
    AnswersIn,
    ApplicationIn,
    ApplicationListOut,
    ApplicationOut,
    ApplicationQuery,
    AssessorOptionOut,
    ConclusionOut,
    ConfirmIn,
    ContactOut,
    DispatchIn,
    DocumentOut,
    FormIn,
    FormOut,
    InstitutionOptionOut,
    MaterialsIn,
    NoteIn,
    ObjectionHandleIn,
    ObjectionIn,
    ObjectionOut,
    QueueOut,
    ReasonIn,
    RefuseIn,
    ReviewIn,
    ScoreOut,
    TeamIn,
)
from changhu.orgs.roles import Right

# --- applications ------------------------------------------------------------------------------


@router.get("/queues", response={200: list[QueueOut], **errors()})
def queue_list(request):
    """当前用户可处理的工作队列及数量（特殊群体案件在各队列中排在前面）。"""
    counts = selectors.queue_counts(fetched_by=request.auth)
    return [
        {"key": q.key, "label": q.label, "count": counts.get(q.key, 0)}
        for q in selectors.queues_for(request.auth)
    ]


@router.get("/applications", response={200: Page[ApplicationListOut], **errors(422)})
def application_list(request, query: Query[ApplicationQuery]):
    """数据范围内的评估申请：经办人员按地区，评估机构按派单，申请人只看本人的申请。"""
    filters = selectors.ApplicationFilters(
        queue=query.queue, status=query.status, kind=query.kind, q=query.q, district=query.district
    )
    qs = selectors.application_list(fetched_by=request.auth, filters=filters)
    return paginate(qs, page=query.page, page_size=query.page_size, convert=_list_row)


@router.post("/applications", response={201: ApplicationOut, **errors(403, 404, 409, 422)})
def application_create(request, payload: ApplicationIn):
    """提交待遇申请。申请人（线上）填写被评估人姓名和完整身份证号码；经办人员（窗口、流动受理点、
    家庭医生协助）填写 person_id。材料另行上传到 documents。每人只能有一件未办结的申请。"""
    application = services.application_submit(
        actor=request.auth, data=services.ApplicationInput(**payload.dict())
    )
    return Status(201, _detail(request.auth, application.pk))


@router.get("/applications/{application_id}", response={200: ApplicationOut, **errors(404)})
def application_detail(request, application_id: int):
    """申请详情：状态、原因、材料、评估、异议、结论和完整的办理时间线。"""
    return _detail(request.auth, application_id)


@router.post(
    "/applications/{application_id}/documents",
    response={201: DocumentOut, **errors(403, 404, 409, 422)},
)
def document_upload(
    request,
    application_id: int,
    kind: Form[
        Literal[
            "id_card",
            "medical_record",
            "self_assessment",
            "authorization",
            "onsite_photo",
            "onsite_record",
            "other",
        ]
    ],
    file: File[UploadedFile],
):
    """上传材料（PDF、JPEG、PNG，按文件内容识别，单个不超过10MB）；其他文件被拒绝且不保存。"""
    document = services.document_add(
        actor=request.auth,
        application_id=application_id,
        upload=services.Upload(kind=kind, file=file),
    )
    return Status(201, _document(document))


@router.get(
    "/documents/{document_id}/download",
    response=errors(404),
    openapi_extra=_binary("材料文件", "application/octet-stream"),
)
def document_download(request, document_id: int):
    """下载材料（每次下载记入审计）。"""
    document, data = services.document_read(actor=request.auth, document_id=document_id)
    return _attachment(data, document.original_name, document.content_type)


@router.post(
    "/applications/{application_id}/contact", response={200: ContactOut, **errors(403, 404)}
)
def contact(request, application_id: int):
    """查看完整联系电话和照护地址（经办人员；评估机构仅在现场评估阶段），记入审计。"""
    return services.contact_reveal(actor=request.auth, application_id=application_id)


def _action(path: str, summary: str, statuses=(403, 404, 409, 422)):
    return router.post(
        f"/applications/{{application_id}}/{path}",
        response={200: ApplicationOut, **errors(*statuses)},
        summary=summary,
    )


@_action("accept", "受理")
def application_accept(request, application_id: int, payload: NoteIn):
    services.application_accept(
        actor=request.auth, application_id=application_id, note=payload.note
    )
    return _detail(request.auth, application_id)


@_action("refuse", "不予受理（国家规定的原因之一）")
def application_refuse(request, application_id: int, payload: RefuseIn):
    services.application_refuse(
        actor=request.auth, application_id=application_id, reason=payload.reason, text=payload.text
    )
    return _detail(request.auth, application_id)


@_action("request-materials", "要求补充材料（附期限）")
def application_request_materials(request, application_id: int, payload: MaterialsIn):
    services.application_request_materials(
        actor=request.auth,
        application_id=application_id,
        note=payload.note,
        due_date=payload.due_date,
    )
    return _detail(request.auth, application_id)


@_action("resubmit", "已补充材料，重新提交受理")
def application_resubmit(request, application_id: int, payload: NoteIn):
    services.application_resubmit(
        actor=request.auth, application_id=application_id, note=payload.note
    )
    return _detail(request.auth, application_id)


@_action("withdraw", "撤回申请（派单前）")
def application_withdraw(request, application_id: int, payload: NoteIn):
    services.application_withdraw(
        actor=request.auth, application_id=application_id, reason=payload.note
    )
    return _detail(request.auth, application_id)


@router.get(
    "/applications/{application_id}/institutions",
    response={200: list[InstitutionOptionOut], **errors(403, 404)},
)
def institution_options(request, application_id: int):
    """可派单的评估机构（负责被评估人所在地区），及须回避的原因。"""
    from changhu.core.scope import require

    require(request.auth, Right.ASSESSMENT_DISPATCH)
    application = selectors.application_get(fetched_by=request.auth, application_id=application_id)
    return [
        {
            "id": o.organization.pk,
            "name": o.organization.name,
            "open_cases": o.open_cases,
            "excluded": o.excluded,
            "reasons": o.reasons,
        }
        for o in selectors.dispatch_options(application)
    ]


@_action("dispatch", "派单至评估机构（不指定机构则自动派单）")
def application_dispatch(request, application_id: int, payload: DispatchIn):
    services.application_dispatch(
        actor=request.auth, application_id=application_id, **payload.dict()
    )
    return _detail(request.auth, application_id)


@_action("recall", "撤回派单")
def application_recall(request, application_id: int, payload: ReasonIn):
    services.application_recall(
        actor=request.auth, application_id=application_id, reason=payload.reason
    )
    return _detail(request.auth, application_id)


@router.get(
    "/applications/{application_id}/assessors",
    response={200: list[AssessorOptionOut], **errors(403, 404)},
)
def assessor_options(request, application_id: int):
    """本机构可指派的评估人员及须回避的原因。"""
    from changhu.core.scope import require

    require(request.auth, Right.ASSESSMENT_ASSIGN)
    application = selectors.application_get(fetched_by=request.auth, application_id=application_id)
    return [
        {
            "user_id": o.user.pk,
            "name": o.user.display_name,
            "is_expert": o.is_expert,
            "excluded": o.excluded,
            "reasons": o.reasons,
        }
        for o in selectors.assessor_options(application)
    ]


@_action("assessors", "指派（或调整）现场评估人员")
def assessors_assign(request, application_id: int, payload: TeamIn):
    services.assessors_assign(
        actor=request.auth, application_id=application_id, user_ids=payload.user_ids
    )
    return _detail(request.auth, application_id)


@_action("recuse", "评估人员申请回避")
def assessor_recuse(request, application_id: int, payload: ReasonIn):
    services.assessor_recuse(
        actor=request.auth, application_id=application_id, reason=payload.reason
    )
    return _detail(request.auth, application_id)


def _form(user, application_id: int, partial=None) -> dict:
    application = selectors.application_get(fetched_by=user, application_id=application_id)
    assessment = next(
        (
            a
            for a in selectors.assessments_of(fetched_by=user, application=application)
            if a.pk == application.current_assessment_id
        ),
        None,
    )
    if assessment is None:
        from changhu.core.errors import NotFound

        raise NotFound("该申请没有当前的评估表", code="no_assessment")
    scale = assessment.scale_version.scale
    partial = partial or scoring.partial_score(scale, assessment.answers)
    return {
        "application_id": application.pk,
        "scale": scale.code,
        "scale_version": scale.version,
        "scale_name": scale.name,
        "items": [
            {
                "name": item.name,
                "indicator": indicator.code,
                "indicator_name": indicator.name,
                "options": [{"points": o.points, "text": o.text} for o in item.options],
            }
            for indicator in scale.indicators
            for item in indicator.items
        ],
        "assessment": _assessment(assessment),
        "score": _score(partial, scale, application.region_code),
    }


@router.get("/applications/{application_id}/form", response={200: FormOut, **errors(404)})
def form_get(request, application_id: int):
    """现场评估表：17个评估项目及选项（中文）、已填内容和实时得分。"""
    return _form(request.auth, application_id)


@router.put(
    "/applications/{application_id}/form", response={200: FormOut, **errors(403, 404, 409, 422)}
)
def form_save(request, application_id: int, payload: FormIn):
    """保存评估表草稿（可部分填写，已填分值须为有效选项），返回实时得分。"""
    data = payload.dict()
    version = data.pop("form_version")
    _, partial = services.assessment_form_save(
        actor=request.auth,
        application_id=application_id,
        data=services.FormInput(**data),
        expected_version=version,
    )
    return _form(request.auth, application_id, partial)


@router.post(
    "/applications/{application_id}/form/score", response={200: ScoreOut, **errors(404, 409, 422)}
)
def form_score(request, application_id: int, payload: AnswersIn):
    """实时计分：按本案评估所用的量表版本计算草稿的得分、已完成指标的等级和可能的失能等级范围；
    不保存。"""
    partial = selectors.live_score(
        fetched_by=request.auth, application_id=application_id, answers=payload.answers
    )
    application = selectors.application_get(fetched_by=request.auth, application_id=application_id)
    return _score(
        partial, application.current_assessment.scale_version.scale, application.region_code
    )


@_action("form/submit", "提交现场评估（全部项目须有有效分值，失能等级由系统计算）")
def form_submit(request, application_id: int, payload: FormIn):
    data = payload.dict()
    data.pop("form_version")
    services.assessment_submit(
        actor=request.auth, application_id=application_id, data=services.FormInput(**data)
    )
    return _detail(request.auth, application_id)


@_action("confirm", "评估专家确认或退回重评")
def assessment_confirm(request, application_id: int, payload: ConfirmIn):
    services.assessment_confirm(
        actor=request.auth,
        application_id=application_id,
        decision=payload.decision,
        comment=payload.comment,
    )
    return _detail(request.auth, application_id)


@_action("review", "经办复核：通过（达到待遇等级的进入公示）或退回评估机构")
def application_review(request, application_id: int, payload: ReviewIn):
    services.application_review(
        actor=request.auth,
        application_id=application_id,
        decision=payload.decision,
        note=payload.note,
    )
    return _detail(request.auth, application_id)


@router.post(
    "/applications/{application_id}/objections",
    response={201: ObjectionOut, **errors(403, 404, 409, 422)},
)
def objection_create(request, application_id: int, payload: ObjectionIn):
    """登记公示期间收到的异议。"""
    objection = services.objection_record(
        actor=request.auth, application_id=application_id, **payload.dict()
    )
    return Status(201, _objection(objection))


@router.post(
    "/objections/{objection_id}/handle", response={200: ObjectionOut, **errors(403, 404, 409, 422)}
)
def objection_handle(request, objection_id: int, payload: ObjectionHandleIn):
    """处理异议：成立则重新派单评估；不成立且公示期满则进入待送达。"""
    objection = services.objection_handle(
        actor=request.auth, objection_id=objection_id, decision=payload.decision, note=payload.note
    )
    return _objection(objection)


@router.post(
    "/applications/{application_id}/issue",
    response={201: ConclusionOut, **errors(403, 404, 409)},
)
def conclusion_issue(request, application_id: int):
    """出具评估结论书（PDF）并通知申请人。"""
    conclusion = services.conclusion_issue(actor=request.auth, application_id=application_id)
    return Status(
        201,
        _conclusion(selectors.conclusion_get(fetched_by=request.auth, conclusion_id=conclusion.pk)),
    )
