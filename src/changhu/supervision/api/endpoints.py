"""The supervision router: inspections (plan, sample, record), rectifications, appeals."""

from __future__ import annotations

from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, list_page, stored_once, write
from changhu.orgs.roles import Right
from changhu.supervision import selectors, services
from changhu.supervision.api.schemas import (
    InspectionCancelIn,
    InspectionFindingOut,
    InspectionPhotoOut,
    InspectionRecordIn,
    InspectionTargetDetailOut,
    InspectionTargetOut,
    InspectionTaskOut,
    RectificationDetailOut,
    RectificationEscalateOut,
    RectificationOut,
    RectificationReviewIn,
    SupervisionAppealDecideIn,
    SupervisionAppealIn,
    SupervisionAppealOut,
    SupervisionTaskPlanIn,
)

router = Router(tags=["监督检查与整改"])


class PageQuery(Schema):
    page: int = 1
    page_size: int = 50


class TaskQuery(PageQuery):
    status: str = ""
    kind: str = ""
    period: str = ""


class RectificationQuery(PageQuery):
    status: str = ""
    overdue: bool = False
    institution_id: int | None = None


class StatusQuery(PageQuery):
    status: str = ""


# --- inspections ----------------------------------------------------------------------------


@router.get("/inspections", response={200: Page[InspectionTaskOut], **errors(403, 422)})
def inspection_list(request, query: Query[TaskQuery]):
    """检查任务（按数据范围；机构只见已到本机构检查的任务）。"""
    return list_page(
        request, query, selectors.task_list, selectors.TaskFilters, right=Right.SUPERVISION_VIEW
    )


@write(router, "/inspections", InspectionTaskOut, status=201, statuses=(403, 409, 422))
@needs(Right.SUPERVISION_PLAN)
def inspection_plan(request, payload: SupervisionTaskPlanIn):
    """制定检查计划并按风险加权随机抽取检查对象（保存种子，可复现）。"""
    task = services.task_plan(actor=request.auth, **payload.dict())
    return Status(201, selectors.task_get(fetched_by=request.auth, task_id=task.pk))


@router.get("/inspections/{int:task_id}", response={200: InspectionTaskOut, **errors(404)})
def inspection_detail(request, task_id: int):
    """一个检查任务。"""
    return selectors.task_get(fetched_by=request.auth, task_id=task_id)


@write(router, "/inspections/{int:task_id}/cancel", InspectionTaskOut)
@needs(Right.SUPERVISION_PLAN)
def inspection_cancel(request, task_id: int, payload: InspectionCancelIn):
    """取消尚未开始的检查任务。"""
    services.task_cancel(actor=request.auth, task_id=task_id, reason=payload.reason)
    return selectors.task_get(fetched_by=request.auth, task_id=task_id)


@router.get(
    "/inspections/{int:task_id}/targets",
    response={200: Page[InspectionTargetOut], **errors(403, 404)},
)
def inspection_targets(request, task_id: int, query: Query[PageQuery]):
    """任务抽中的对象，含风险权重和抽中原因。"""
    selectors.task_get(fetched_by=request.auth, task_id=task_id)
    return list_page(request, query, selectors.target_list, task_id=task_id)


@router.get(
    "/inspections/targets/{int:target_id}",
    response={200: InspectionTargetDetailOut, **errors(404)},
)
def inspection_target(request, target_id: int):
    """一个检查对象：检查表（项目、方法、分值、佐证要求）及检查结果。"""
    return selectors.target_get(fetched_by=request.auth, target_id=target_id)


@write(router, "/inspections/targets/{int:target_id}/record", InspectionTargetDetailOut)
@needs(Right.SUPERVISION_INSPECT)
def inspection_record(request, target_id: int, payload: InspectionRecordIn):
    """现场检查登记：逐项结果、照片、定位和时间；不合格项生成检查发现并下达整改通知。"""
    data = services.Record(
        answers={
            code: services.Answer(ok=a.ok, note=a.note) for code, a in payload.answers.items()
        },
        latitude=payload.latitude,
        longitude=payload.longitude,
        accuracy_m=payload.accuracy_m,
        photo_sha256s=payload.photo_sha256s,
        summary=payload.summary,
    )
    services.inspection_record(actor=request.auth, target_id=target_id, data=data)
    return selectors.target_get(fetched_by=request.auth, target_id=target_id)


@router.post(
    "/inspections/photos",
    response={200: InspectionPhotoOut, 201: InspectionPhotoOut, **errors(403, 422)},
)
@needs(Right.SUPERVISION_INSPECT)
def inspection_photo(request, file: File[UploadedFile]):
    """上传检查照片（JPEG或PNG，按内容识别，不超过5MB）；相同内容只保存一次。"""
    return stored_once(*services.photo_upload(actor=request.auth, upload=file))


@router.get("/inspections/findings", response={200: Page[InspectionFindingOut], **errors(403, 422)})
def inspection_findings(request, query: Query[StatusQuery]):
    """检查发现（按数据范围）。"""
    return list_page(
        request,
        query,
        selectors.inspection_finding_list,
        right=Right.SUPERVISION_VIEW,
        status=query.status,
    )


# --- rectifications -------------------------------------------------------------------------


@router.get("/rectifications", response={200: Page[RectificationOut], **errors(403, 422)})
def rectification_list(request, query: Query[RectificationQuery]):
    """整改通知（按数据范围）；status=open 为待整改和逾期督办，overdue=true 只看已逾期。"""
    return list_page(
        request,
        query,
        selectors.rectification_list,
        selectors.RectificationFilters,
        right=Right.SUPERVISION_VIEW,
    )


@router.get(
    "/rectifications/{int:rectification_id}",
    response={200: RectificationDetailOut, **errors(404)},
)
def rectification_detail(request, rectification_id: int):
    """一份整改通知及机构的答复、复查意见。"""
    return selectors.rectification_get(fetched_by=request.auth, rectification_id=rectification_id)


@write(router, "/rectifications/{int:rectification_id}/answer", RectificationDetailOut)
@needs(Right.SUPERVISION_RESPOND)
def rectification_answer(
    request,
    rectification_id: int,
    text: Form[str],
    files: File[list[UploadedFile]] = None,
):
    """机构提交整改情况和佐证材料（PDF、JPEG、PNG，按内容识别，最多5个）。"""
    services.rectification_answer(
        actor=request.auth, rectification_id=rectification_id, text=text, files=files or []
    )
    return selectors.rectification_get(fetched_by=request.auth, rectification_id=rectification_id)


@write(router, "/rectifications/{int:rectification_id}/review", RectificationDetailOut)
@needs(Right.SUPERVISION_REVIEW)
def rectification_review(request, rectification_id: int, payload: RectificationReviewIn):
    """复查：通过则销号；退回须填写意见，并重新计算整改期限（工作日）。"""
    services.rectification_review(
        actor=request.auth, rectification_id=rectification_id, **payload.dict()
    )
    return selectors.rectification_get(fetched_by=request.auth, rectification_id=rectification_id)


@write(router, "/rectifications/escalate", RectificationEscalateOut, statuses=(403,))
@needs(Right.SUPERVISION_REVIEW)
def rectification_escalate(request):
    """对本人范围内超过整改期限仍未答复的通知逾期督办。"""
    done = services.escalate_overdue(actor=request.auth)
    return {"escalated": len(done), "notices": [r.notice_number for r in done]}


# --- appeals --------------------------------------------------------------------------------


@router.get("/appeals", response={200: Page[SupervisionAppealOut], **errors(403, 422)})
def appeal_list(request, query: Query[StatusQuery]):
    """申诉（按数据范围）。"""
    return list_page(
        request, query, selectors.appeal_list, right=Right.SUPERVISION_VIEW, status=query.status
    )


@write(router, "/appeals", SupervisionAppealOut, status=201)
@needs(Right.SUPERVISION_RESPOND)
def appeal_file(request, payload: SupervisionAppealIn):
    """机构对检查发现或稽核发现提出申诉，由其他监管人员在规定工作日内裁决。"""
    appeal = services.appeal_file(actor=request.auth, **payload.dict())
    return Status(201, selectors.appeal_get(fetched_by=request.auth, appeal_id=appeal.pk))


@router.get("/appeals/{int:appeal_id}", response={200: SupervisionAppealOut, **errors(404)})
def appeal_detail(request, appeal_id: int):
    """一件申诉。"""
    return selectors.appeal_get(fetched_by=request.auth, appeal_id=appeal_id)


@write(router, "/appeals/{int:appeal_id}/decide", SupervisionAppealOut)
@needs(Right.SUPERVISION_REVIEW)
def appeal_decide(request, appeal_id: int, payload: SupervisionAppealDecideIn):
    """裁决申诉（提出或处理该发现的人员不能裁决）；稽核发现申诉成立即予排除。"""
    services.appeal_decide(actor=request.auth, appeal_id=appeal_id, **payload.dict())
    return selectors.appeal_get(fetched_by=request.auth, appeal_id=appeal_id)
