"""Visits, findings, screening runs, bed-days and patrols for institution and supervision staff."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Query, Schema, Status
from pydantic import Field

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, list_page, paginate, write
from changhu.core import clock
from changhu.core.errors import PermissionDenied
from changhu.core.scope import require, scope_of
from changhu.orgs.roles import Right
from changhu.visits import rulesets, selectors, services
from changhu.visits.api._common import router
from changhu.visits.api.schemas import (
    BedDayOut,
    CancelIn,
    ChecklistOut,
    DischargeIn,
    FindingOut,
    FollowUpDoneIn,
    FollowUpIn,
    FollowUpOut,
    MarkIn,
    MarkOut,
    PatrolIn,
    PatrolOut,
    ResolveIn,
    RunIn,
    ScreeningRunOut,
    StayIn,
    StayOut,
    VisitDetailOut,
    VisitListOut,
    VisitOut,
)

# --- visits for staff -----------------------------------------------------------------------


class VisitQuery(Schema):
    day: dt.date | None = None
    status: str = ""
    institution_id: int | None = None
    district: str = ""
    caregiver_id: int | None = None
    person_id: int | None = None
    page: int = 1
    page_size: int = 50


@router.get("", response={200: Page[VisitListOut], **errors(403, 422)})
def visit_list(request, query: Query[VisitQuery]):
    """服务记录（按数据范围）：护理员只见本人，机构只见本机构，经办与监管按地区。"""
    return list_page(request, query, selectors.visit_list, selectors.VisitFilters)


@router.get("/{int:visit_id}", response={200: VisitDetailOut, **errors(404)})
def visit_detail(request, visit_id: int):
    """一次服务的完整证据：时间、相对住址的位置、照片、项目、确认方式和稽核发现。"""
    return selectors.visit_get(fetched_by=request.auth, visit_id=visit_id)


@write(router, "/{int:visit_id}/cancel", VisitOut)
@needs(Right.VISITS_RECORD, Right.VISITS_CANCEL)
def visit_cancel(request, visit_id: int, payload: CancelIn):
    """取消服务中的记录（如参保人不在家），取消后不结算。"""
    return services.visit_cancel(actor=request.auth, visit_id=visit_id, reason=payload.reason)


# --- findings and screening -----------------------------------------------------------------


class FindingQuery(Schema):
    status: str = ""
    rule_code: str = ""
    period: str = ""
    severity: str = ""
    institution_id: int | None = None
    page: int = 1
    page_size: int = 50


@router.get("/findings", response={200: Page[FindingOut], **errors(403, 422)})
def finding_list(request, query: Query[FindingQuery]):
    """稽核发现（按数据范围）。"""
    return list_page(
        request, query, selectors.finding_list, selectors.FindingFilters, right=Right.VISITS_VIEW
    )


@write(router, "/findings/{int:finding_id}/resolve", FindingOut)
@needs(Right.VISITS_RESOLVE)
def finding_resolve(request, finding_id: int, payload: ResolveIn):
    """确认违规（该次服务不予结算）或排除，须填写处理意见。"""
    services.finding_resolve(
        actor=request.auth, finding_id=finding_id, decision=payload.decision, reason=payload.reason
    )
    return selectors.finding_get(fetched_by=request.auth, finding_id=finding_id)


@write(router, "/screening-runs", ScreeningRunOut, status=201, statuses=(403, 409, 422))
@needs(Right.VISITS_SCREEN)
def run_create(request, payload: RunIn):
    """发起一个月的稽核（后台任务，由 changhu run-jobs 执行）。"""
    run = services.screening_request(actor=request.auth, period=payload.period)
    return Status(201, selectors.run_get(fetched_by=request.auth, run_id=run.pk))


@router.get("/screening-runs/{int:run_id}", response={200: ScreeningRunOut, **errors(403, 404)})
def run_detail(request, run_id: int):
    """稽核进度与按规则汇总的结果。"""
    require(request.auth, Right.VISITS_SCREEN)
    return selectors.run_get(fetched_by=request.auth, run_id=run_id)


# --- bed-days and patrols -------------------------------------------------------------------


def _stay(s) -> dict:
    return {name: getattr(s, name) for name in StayOut.model_fields}


@write(router, "/stays", StayOut, status=201)
@needs(Right.VISITS_BED_DAYS)
def stay_admit(request, payload: StayIn):
    """入住登记（机构照护），自入住日起生成在床床日。"""
    stay = services.stay_admit(actor=request.auth, **payload.dict())
    return Status(201, _stay(stay))


@write(router, "/stays/{int:stay_id}/discharge", StayOut)
@needs(Right.VISITS_BED_DAYS)
def stay_discharge(request, stay_id: int, payload: DischargeIn):
    """出院（离院）登记：出院当日起不再计床日。"""
    return _stay(
        services.stay_discharge(
            actor=request.auth, stay_id=stay_id, discharged_on=payload.discharged_on
        )
    )


@write(router, "/bed-days/mark", MarkOut)
@needs(Right.VISITS_BED_DAYS)
def bed_days_mark(request, payload: MarkIn):
    """把入住期间的若干天登记为请假离院、转院住院或在床。"""
    return {"changed": services.bed_days_mark(actor=request.auth, **payload.dict())}


@router.get("/bed-days", response={200: Page[BedDayOut], **errors(403, 422)})
def bed_days(
    request, month: str, person_id: int | None = None, page: int = 1, page_size: int = 100
):
    """某月的床日（按数据范围），按参保人、日期排序分页。"""
    require(request.auth, Right.VISITS_VIEW)
    services.period_of(month)  # 422 period_invalid unless YYYY-MM
    rows = selectors.bed_day_list(fetched_by=request.auth, month=month, person_id=person_id)
    return paginate(
        rows,
        page=page,
        page_size=page_size,
        convert=lambda b: {
            "id": b.pk,
            "person_id": b.person_id,
            "institution_id": b.institution_id,
            "day": b.day,
            "kind": b.kind,
            "payable": b.payable,
        },
    )


@router.get("/patrol-checklist", response={200: ChecklistOut, **errors()})
def patrol_checklist(request):
    """巡护检查表（护理技能与参保人状况），随稽核规则版本发布。"""
    rules = rulesets.rules_on(clock.today())
    return {"version": rules.version, "items": rules.checklist}


@router.post("/patrols", response={200: PatrolOut, 201: PatrolOut, **errors(403, 409, 422)})
@needs(Right.VISITS_PATROL)
def patrol_create(request, payload: PatrolIn):
    """登记巡护：检查表结果、参保人状况、发现的问题、照片。同一UUID重试返回首次结果。"""
    patrol, created = services.patrol_record(
        actor=request.auth, data=services.PatrolInput(**payload.dict())
    )
    return Status(201 if created else 200, patrol)


@router.get("/patrols", response={200: Page[PatrolOut], **errors(403)})
def patrol_list(request, page: int = 1, page_size: int = 50):
    """巡护记录（按数据范围）。"""
    s = scope_of(request.auth)
    if not (s.can(Right.VISITS_VIEW) or s.can(Right.VISITS_PATROL)):
        raise PermissionDenied()
    qs = selectors.patrol_list(fetched_by=request.auth)
    return paginate(qs, page=page, page_size=page_size)


# --- patrol follow-ups ----------------------------------------------------------------------


class FollowUpQuery(Schema):
    status: Literal["", "open", "done", "overdue"] = Field(
        "", description="open 待完成，done 已完成，overdue 已逾期；不填为全部"
    )
    patrol_id: int | None = None
    page: int = 1
    page_size: int = 50


@router.get("/patrols/follow-ups", response={200: Page[FollowUpOut], **errors(403, 422)})
def follow_up_list(request, query: Query[FollowUpQuery]):
    """巡护跟进事项（按数据范围），完成期限最早的在前；可按待完成、已完成、已逾期筛选。"""
    s = scope_of(request.auth)
    if not (s.can(Right.VISITS_VIEW) or s.can(Right.VISITS_PATROL)):
        raise PermissionDenied()
    return list_page(request, query, selectors.follow_up_list, selectors.FollowUpFilters)


@write(router, "/patrols/{patrol_id}/follow-ups", FollowUpOut, status=201)
@needs(Right.VISITS_PATROL, Right.VISITS_FOLLOW_UP)
def follow_up_add(request, patrol_id: int, payload: FollowUpIn):
    """为本机构的一次巡护设定跟进事项：做什么、何时前完成、由亲情护理员还是护理机构跟进。"""
    follow_up = services.patrol_follow_up_add(
        actor=request.auth, patrol_id=patrol_id, data=services.FollowUpInput(**payload.dict())
    )
    return Status(201, follow_up)


@write(router, "/patrols/follow-ups/{follow_up_id}/done", FollowUpOut)
@needs(Right.VISITS_PATROL, Right.VISITS_FOLLOW_UP)
def follow_up_done(request, follow_up_id: int, payload: FollowUpDoneIn):
    """确认跟进事项已完成，须填写完成情况；已完成的不能再次确认（409）。"""
    return services.patrol_follow_up_done(
        actor=request.auth, follow_up_id=follow_up_id, note=payload.note
    )
