"""Applications over HTTP: intake, documents, review, dispatch, the team, the on-site form,
confirmation.
"""

from __future__ import annotations

from typing import Literal

from ninja import File, Form, Query, Status
from ninja.files import UploadedFile

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, list_page, write
from changhu.assessment import scoring, selectors, services
from changhu.assessment.api._common import router, score_body
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
from changhu.core.downloads import binary_response_doc, file_response
from changhu.core.scope import require
from changhu.orgs.roles import Right


def _fresh(request, application_id: int):
    """The application as the reader may see it now (the response schema fills the rest)."""
    return selectors.application_get(fetched_by=request.auth, application_id=application_id)


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
    return list_page(request, query, selectors.application_list, selectors.ApplicationFilters)


@write(router, "/applications", ApplicationOut, status=201)
@needs(Right.ASSESSMENT_INTAKE, Right.ASSESSMENT_APPLY)
def application_create(request, payload: ApplicationIn):
    """提交待遇申请。申请人（线上）填写被评估人姓名和完整身份证号码；经办人员（窗口、流动受理点、
    家庭医生协助）填写 person_id。材料另行上传到 documents。每人只能有一件未办结的申请。"""
    application = services.application_submit(
        actor=request.auth, data=services.ApplicationInput(**payload.dict())
    )
    return Status(201, _fresh(request, application.pk))


@router.get("/applications/{application_id}", response={200: ApplicationOut, **errors(404)})
def application_detail(request, application_id: int):
    """申请详情：状态、原因、材料、评估、异议、结论和完整的办理时间线。"""
    return _fresh(request, application_id)


@write(router, "/applications/{application_id}/documents", DocumentOut, status=201)
@needs(Right.ASSESSMENT_INTAKE, Right.ASSESSMENT_APPLY, Right.ASSESSMENT_CONDUCT)
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
    return Status(201, document)


@router.get(
    "/documents/{document_id}/download",
    response=errors(404),
    openapi_extra=binary_response_doc("材料文件", "application/octet-stream"),
)
def document_download(request, document_id: int):
    """下载材料（每次下载记入审计）。"""
    document, data = services.document_read(actor=request.auth, document_id=document_id)
    return file_response(data, document.original_name, document.content_type)


@write(router, "/applications/{application_id}/contact", ContactOut, statuses=(403, 404))
@needs(Right.ASSESSMENT_CONTACT)
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
@needs(Right.ASSESSMENT_ACCEPT)
def application_accept(request, application_id: int, payload: NoteIn):
    services.application_accept(
        actor=request.auth, application_id=application_id, note=payload.note
    )
    return _fresh(request, application_id)


@_action("refuse", "不予受理（国家规定的原因之一）")
@needs(Right.ASSESSMENT_ACCEPT)
def application_refuse(request, application_id: int, payload: RefuseIn):
    services.application_refuse(
        actor=request.auth, application_id=application_id, reason=payload.reason, text=payload.text
    )
    return _fresh(request, application_id)


@_action("request-materials", "要求补充材料（附期限）")
@needs(Right.ASSESSMENT_ACCEPT)
def application_request_materials(request, application_id: int, payload: MaterialsIn):
    services.application_request_materials(
        actor=request.auth,
        application_id=application_id,
        note=payload.note,
        due_date=payload.due_date,
    )
    return _fresh(request, application_id)


@_action("resubmit", "已补充材料，重新提交受理")
@needs(Right.ASSESSMENT_INTAKE, Right.ASSESSMENT_APPLY)
def application_resubmit(request, application_id: int, payload: NoteIn):
    services.application_resubmit(
        actor=request.auth, application_id=application_id, note=payload.note
    )
    return _fresh(request, application_id)


@_action("withdraw", "撤回申请（派单前）")
@needs(Right.ASSESSMENT_INTAKE, Right.ASSESSMENT_APPLY)
def application_withdraw(request, application_id: int, payload: NoteIn):
    services.application_withdraw(
        actor=request.auth, application_id=application_id, reason=payload.note
    )
    return _fresh(request, application_id)


@router.get(
    "/applications/{application_id}/institutions",
    response={200: list[InstitutionOptionOut], **errors(403, 404)},
)
def institution_options(request, application_id: int):
    """可派单的评估机构（负责被评估人所在地区），及须回避的原因。"""
    return _options(request, application_id, Right.ASSESSMENT_DISPATCH, selectors.dispatch_options)


@_action("dispatch", "派单至评估机构（不指定机构则自动派单）")
@needs(Right.ASSESSMENT_DISPATCH)
def application_dispatch(request, application_id: int, payload: DispatchIn):
    services.application_dispatch(
        actor=request.auth, application_id=application_id, **payload.dict()
    )
    return _fresh(request, application_id)


@_action("recall", "撤回派单")
@needs(Right.ASSESSMENT_DISPATCH)
def application_recall(request, application_id: int, payload: ReasonIn):
    services.application_recall(
        actor=request.auth, application_id=application_id, reason=payload.reason
    )
    return _fresh(request, application_id)


@router.get(
    "/applications/{application_id}/assessors",
    response={200: list[AssessorOptionOut], **errors(403, 404)},
)
def assessor_options(request, application_id: int):
    """本机构可指派的评估人员及须回避的原因。"""
    return _options(request, application_id, Right.ASSESSMENT_ASSIGN, selectors.assessor_options)


def _options(request, application_id: int, right: Right, options) -> list:
    """Whom the case may go to, each with the reasons it may not (recusal, region)."""
    require(request.auth, right)
    application = selectors.application_get(fetched_by=request.auth, application_id=application_id)
    return options(application)


@_action("assessors", "指派（或调整）现场评估人员")
@needs(Right.ASSESSMENT_ASSIGN)
def assessors_assign(request, application_id: int, payload: TeamIn):
    services.assessors_assign(
        actor=request.auth, application_id=application_id, user_ids=payload.user_ids
    )
    return _fresh(request, application_id)


@_action("recuse", "评估人员申请回避")
@needs(Right.ASSESSMENT_CONDUCT)
def assessor_recuse(request, application_id: int, payload: ReasonIn):
    services.assessor_recuse(
        actor=request.auth, application_id=application_id, reason=payload.reason
    )
    return _fresh(request, application_id)


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
        "assessment": assessment,
        "score": score_body(partial, scale, application.region_code),
    }


@router.get("/applications/{application_id}/form", response={200: FormOut, **errors(404)})
def form_get(request, application_id: int):
    """现场评估表：17个评估项目及选项（中文）、已填内容和实时得分。"""
    return _form(request.auth, application_id)


@write(router, "/applications/{application_id}/form", FormOut, method="put")
@needs(Right.ASSESSMENT_CONDUCT)
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


@write(router, "/applications/{application_id}/form/score", ScoreOut, statuses=(404, 409, 422))
@needs(Right.ASSESSMENT_CONDUCT, writes=False)
def form_score(request, application_id: int, payload: AnswersIn):
    """实时计分：按本案评估所用的量表版本计算草稿的得分、已完成指标的等级和可能的失能等级范围；
    不保存。"""
    partial = selectors.live_score(
        fetched_by=request.auth, application_id=application_id, answers=payload.answers
    )
    application = selectors.application_get(fetched_by=request.auth, application_id=application_id)
    return score_body(
        partial, application.current_assessment.scale_version.scale, application.region_code
    )


@_action("form/submit", "提交现场评估（全部项目须有有效分值，失能等级由系统计算）")
@needs(Right.ASSESSMENT_CONDUCT)
def form_submit(request, application_id: int, payload: FormIn):
    data = payload.dict()
    data.pop("form_version")
    services.assessment_submit(
        actor=request.auth, application_id=application_id, data=services.FormInput(**data)
    )
    return _fresh(request, application_id)


@_action("confirm", "评估专家确认或退回重评")
@needs(Right.ASSESSMENT_CONFIRM)
def assessment_confirm(request, application_id: int, payload: ConfirmIn):
    services.assessment_confirm(
        actor=request.auth,
        application_id=application_id,
        decision=payload.decision,
        comment=payload.comment,
    )
    return _fresh(request, application_id)


@_action("review", "经办复核：通过（达到待遇等级的进入公示）或退回评估机构")
@needs(Right.ASSESSMENT_REVIEW)
def application_review(request, application_id: int, payload: ReviewIn):
    services.application_review(
        actor=request.auth,
        application_id=application_id,
        decision=payload.decision,
        note=payload.note,
    )
    return _fresh(request, application_id)


@write(router, "/applications/{application_id}/objections", ObjectionOut, status=201)
@needs(Right.ASSESSMENT_REVIEW)
def objection_create(request, application_id: int, payload: ObjectionIn):
    """登记公示期间收到的异议。"""
    objection = services.objection_record(
        actor=request.auth, application_id=application_id, **payload.dict()
    )
    return Status(201, objection)


@write(router, "/objections/{objection_id}/handle", ObjectionOut)
@needs(Right.ASSESSMENT_REVIEW)
def objection_handle(request, objection_id: int, payload: ObjectionHandleIn):
    """处理异议：成立则重新派单评估；不成立且公示期满则进入待送达。"""
    objection = services.objection_handle(
        actor=request.auth, objection_id=objection_id, decision=payload.decision, note=payload.note
    )
    return objection


@write(
    router,
    "/applications/{application_id}/issue",
    ConclusionOut,
    status=201,
    statuses=(403, 404, 409),
)
@needs(Right.ASSESSMENT_CONCLUDE)
def conclusion_issue(request, application_id: int):
    """出具评估结论书（PDF）并通知申请人。"""
    conclusion = services.conclusion_issue(actor=request.auth, application_id=application_id)
    return Status(
        201,
        selectors.conclusion_get(fetched_by=request.auth, conclusion_id=conclusion.pk),
    )
