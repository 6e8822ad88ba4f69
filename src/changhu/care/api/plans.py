"""Care plans, caregiver assignments and the person's file over HTTP."""

from __future__ import annotations

from ninja import Query, Schema, Status
from pydantic import Field

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, list_page, write
from changhu.care import selectors, services
from changhu.care.api._common import router
from changhu.care.api.schemas import (
    AssignmentEndIn,
    AssignmentIn,
    AssignmentOut,
    PersonFileOut,
    PlanConfirmIn,
    PlanIn,
    PlanLineIn,
    PlanListOut,
    PlanOut,
    PlanUpdateIn,
)
from changhu.core.scope import scope_of
from changhu.orgs.roles import Right

# --- care plans -----------------------------------------------------------------------------


class PlanQuery(Schema):
    status: str = ""
    person_id: int | None = None
    institution_id: int | None = None
    q: str = Field("", max_length=40)
    page: int = 1
    page_size: int = 20


@router.get("/plans", response={200: Page[PlanListOut], **errors(422)})
def plan_list(request, query: Query[PlanQuery]):
    """数据范围内的护理计划。"""
    return list_page(request, query, selectors.care_plan_list, selectors.PlanFilters)


def _fresh_plan(request, plan_id: int):
    return selectors.care_plan_get(fetched_by=request.auth, plan_id=plan_id)


def _lines(items: list[PlanLineIn]) -> list[services.PlanLineInput]:
    return [services.PlanLineInput(**i.dict()) for i in items]


@write(router, "/plans", PlanOut, status=201)
@needs(Right.CARE_PLAN)
def plan_draft(request, payload: PlanIn):
    """护理机构按服务包为服务对象制定护理计划（超出服务包上限时拒绝并说明）。"""
    plan = services.care_plan_draft(
        actor=request.auth,
        person_id=payload.person_id,
        lines=_lines(payload.items),
        visits_times=payload.visits_times,
        visits_period=payload.visits_period or "",
        note=payload.note,
        on_date=payload.on_date,
    )
    return Status(201, _fresh_plan(request, plan.pk))


@router.get("/plans/{int:plan_id}", response={200: PlanOut, **errors(404)})
def plan_detail(request, plan_id: int):
    return _fresh_plan(request, plan_id)


@write(router, "/plans/{int:plan_id}", PlanOut, method="put")
@needs(Right.CARE_PLAN)
def plan_update(request, plan_id: int, payload: PlanUpdateIn):
    """修改计划草稿。"""
    services.care_plan_update_draft(
        actor=request.auth,
        plan_id=plan_id,
        lines=_lines(payload.items),
        visits_times=payload.visits_times,
        visits_period=payload.visits_period or "",
        note=payload.note,
    )
    return _fresh_plan(request, plan_id)


@write(router, "/plans/{int:plan_id}/revise", PlanOut, status=201)
@needs(Right.CARE_PLAN)
def plan_revise(request, plan_id: int):
    """在执行中的计划基础上制定新版本（须重新确认）。"""
    plan = services.care_plan_revise(actor=request.auth, plan_id=plan_id)
    return Status(201, _fresh_plan(request, plan.pk))


@write(router, "/plans/{int:plan_id}/withdraw", PlanOut, statuses=(403, 404, 409))
@needs(Right.CARE_PLAN)
def plan_withdraw(request, plan_id: int):
    services.care_plan_withdraw(actor=request.auth, plan_id=plan_id)
    return _fresh_plan(request, plan_id)


@write(router, "/plans/{int:plan_id}/confirm", PlanOut)
@needs(Right.CARE_PLAN_CONFIRM, Right.INSURED_SELF)
def plan_confirm(request, plan_id: int, payload: PlanConfirmIn):
    """参保人/家属线上确认，或经办人员记录窗口确认；确认后计划生效。"""
    services.care_plan_confirm(actor=request.auth, plan_id=plan_id, **payload.dict())
    return _fresh_plan(request, plan_id)


# --- assignments and the person's file -------------------------------------------------------


@router.get("/assignments", response={200: list[AssignmentOut], **errors(422)})
def assignment_list(request, person_id: int | None = None, caregiver_id: int | None = None):
    qs = selectors.assignment_list(
        fetched_by=request.auth, person_id=person_id, caregiver_id=caregiver_id
    )
    return list(qs[:500])


@write(router, "/assignments", AssignmentOut, status=201)
@needs(Right.CARE_PLAN)
def assignment_create(request, payload: AssignmentIn):
    """派定护理员（证书过期、暂停执业或机构暂停时拒绝）。"""
    assignment = services.assignment_create(actor=request.auth, **payload.dict())
    return Status(201, assignment)


@write(router, "/assignments/{int:assignment_id}/end", AssignmentOut)
@needs(Right.CARE_PLAN)
def assignment_end(request, assignment_id: int, payload: AssignmentEndIn):
    assignment = services.assignment_end(
        actor=request.auth, assignment_id=assignment_id, end_date=payload.end_date
    )
    return assignment


@router.get("/persons/{int:person_id}/file", response={200: PersonFileOut, **errors(403, 404)})
def person_file(request, person_id: int):
    """一人一档：评估结论、待遇资格、照护安排、护理计划、派定护理员、住院记录。"""
    f = selectors.person_file(fetched_by=request.auth, person_id=person_id)
    staff = scope_of(request.auth).can(Right.CARE_VIEW)
    return {
        "person": f.person,
        "today": f.today,
        "conclusions": f.conclusions,
        "history": [{**h.__dict__, "actor": h.actor if staff else ""} for h in f.history],
        "entitlements": f.entitlements,
        "plans": f.plans,
        "assignments": f.assignments,
        "hospital_stays": f.hospital_stays,
        "sections": [{"key": k, "label": label, "rows": rows} for k, label, rows in f.sections],
    }
