"""Care plans, caregiver assignments and the person's file over HTTP."""

from __future__ import annotations

from ninja import Query, Schema, Status
from pydantic import Field

from changhu.api.schemas import Page, errors, paginate
from changhu.care import selectors, services
from changhu.care.api._common import router
from changhu.care.api.converters import _assignment, _day, _entitlement, _plan, _plan_row
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
    filters = selectors.PlanFilters(
        status=query.status,
        person_id=query.person_id,
        institution_id=query.institution_id,
        q=query.q,
    )
    qs = selectors.care_plan_list(fetched_by=request.auth, filters=filters)
    return paginate(qs, page=query.page, page_size=query.page_size, convert=_plan_row)


def _fresh_plan(request, plan_id: int) -> dict:
    return _plan(selectors.care_plan_get(fetched_by=request.auth, plan_id=plan_id))


def _lines(items: list[PlanLineIn]) -> list[services.PlanLineInput]:
    return [services.PlanLineInput(**i.dict()) for i in items]


@router.post("/plans", response={201: PlanOut, **errors(403, 404, 409, 422)})
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


@router.put("/plans/{int:plan_id}", response={200: PlanOut, **errors(403, 404, 409, 422)})
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


@router.post("/plans/{int:plan_id}/revise", response={201: PlanOut, **errors(403, 404, 409, 422)})
def plan_revise(request, plan_id: int):
    """在执行中的计划基础上制定新版本（须重新确认）。"""
    plan = services.care_plan_revise(actor=request.auth, plan_id=plan_id)
    return Status(201, _fresh_plan(request, plan.pk))


@router.post("/plans/{int:plan_id}/withdraw", response={200: PlanOut, **errors(403, 404, 409)})
def plan_withdraw(request, plan_id: int):
    services.care_plan_withdraw(actor=request.auth, plan_id=plan_id)
    return _fresh_plan(request, plan_id)


@router.post("/plans/{int:plan_id}/confirm", response={200: PlanOut, **errors(403, 404, 409, 422)})
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
    return [_assignment(a) for a in qs[:500]]


@router.post("/assignments", response={201: AssignmentOut, **errors(403, 404, 409, 422)})
def assignment_create(request, payload: AssignmentIn):
    """派定护理员（证书过期、暂停执业或机构暂停时拒绝）。"""
    assignment = services.assignment_create(actor=request.auth, **payload.dict())
    return Status(201, _assignment(assignment))


@router.post(
    "/assignments/{int:assignment_id}/end",
    response={200: AssignmentOut, **errors(403, 404, 409, 422)},
)
def assignment_end(request, assignment_id: int, payload: AssignmentEndIn):
    assignment = services.assignment_end(
        actor=request.auth, assignment_id=assignment_id, end_date=payload.end_date
    )
    return _assignment(assignment)


@router.get("/persons/{int:person_id}/file", response={200: PersonFileOut, **errors(403, 404)})
def person_file(request, person_id: int):
    """一人一档：评估结论、待遇资格、照护安排、护理计划、派定护理员、住院记录。"""
    f = selectors.person_file(fetched_by=request.auth, person_id=person_id)
    p = f.person
    staff = scope_of(request.auth).can(Right.CARE_VIEW)
    return {
        "person": {
            "id": p.pk,
            "name": p.name,
            "id_number_masked": p.id_number_masked,
            "sex": p.sex,
            "birth_date": p.birth_date,
            "region_code": p.region_code,
            "status": p.status,
            "died_on": p.died_on,
        },
        "today": _day(f.today),
        "conclusions": f.conclusions,
        "history": [{**h.__dict__, "actor": h.actor if staff else ""} for h in f.history],
        "entitlements": [_entitlement(e) for e in f.entitlements],
        "plans": [_plan(x) for x in f.plans],
        "assignments": [_assignment(a) for a in f.assignments],
        "hospital_stays": [
            {"start_date": s.start_date, "end_date": s.end_date} for s in f.hospital_stays
        ],
        "sections": [{"key": k, "label": label, "rows": rows} for k, label, rows in f.sections],
    }
