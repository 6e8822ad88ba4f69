"""The insured register over HTTP: list, detail, create, update, reveal, life events, audit."""

from __future__ import annotations

from ninja import Query, Router, Schema, Status
from pydantic import Field

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, filters_from, paginate_query, write
from changhu.insured import selectors, services
from changhu.insured.api.schemas import (
    AuditOut,
    LifeEventIn,
    LifeEventOut,
    PersonIn,
    PersonListOut,
    PersonOut,
    PersonUpdateIn,
    RevealIn,
    StatusIn,
)
from changhu.orgs.roles import Right

router = Router(tags=["参保人"])


class PersonQuery(Schema):
    q: str = Field("", max_length=40, description="姓名（前缀）或完整身份证号码")
    district: str = Field("", max_length=12, description="区县或街道区划代码")
    status: str = ""
    insurance_type: str = ""
    special_group: str = ""
    page: int = 1
    page_size: int = 20


@router.get("/persons", response={200: Page[PersonListOut], **errors(403, 422)})
def person_list(request, query: Query[PersonQuery]):
    """数据范围内的参保人，可按姓名、完整身份证号码、区县筛选；特殊群体排在前面。"""
    filters = filters_from(query, selectors.PersonFilters)
    qs = selectors.person_list(fetched_by=request.auth, filters=filters).prefetch_related(
        "special_groups"
    )
    return paginate_query(qs, query)


@router.get("/persons/{person_id}", response={200: PersonOut, **errors(404)})
def person_detail(request, person_id: int):
    """参保人详情（证件号、电话、地址均为脱敏显示）。"""
    return selectors.person_get(fetched_by=request.auth, person_id=person_id)


@write(router, "/persons", PersonOut, status=201, statuses=(403, 409, 422))
@needs(Right.INSURED_CREATE)
def person_create(request, payload: PersonIn):
    """登记参保人。"""
    person = services.person_create(actor=request.auth, data=services.PersonInput(**payload.dict()))
    return Status(201, selectors.person_get(fetched_by=request.auth, person_id=person.pk))


@write(router, "/persons/{person_id}", PersonOut, method="put")
@needs(Right.INSURED_UPDATE)
def person_update(request, person_id: int, payload: PersonUpdateIn):
    """修改参保人信息（身份证号码不可修改）。"""
    data = payload.dict()
    version = data.pop("version")
    services.person_update(
        actor=request.auth,
        person_id=person_id,
        data=services.PersonInput(**data),
        expected_version=version,
    )
    return selectors.person_get(fetched_by=request.auth, person_id=person_id)


@router.post("/persons/{person_id}/reveal", response={200: dict[str, str], **errors(403, 404, 422)})
@needs(Right.INSURED_VIEW_FULL)
def person_reveal(request, person_id: int, payload: RevealIn):
    """查看完整身份证号码/电话/地址（需相应权限，每次查看均记入审计）。"""
    return services.person_reveal(
        actor=request.auth, person_id=person_id, fields=tuple(payload.fields)
    )


@write(router, "/persons/{person_id}/status", PersonOut)
@needs(Right.INSURED_UPDATE)
def person_status(request, person_id: int, payload: StatusIn):
    """暂停或恢复参保（身故请登记生命事件）。"""
    services.person_set_status(actor=request.auth, person_id=person_id, **payload.dict())
    return selectors.person_get(fetched_by=request.auth, person_id=person_id)


@write(router, "/persons/{person_id}/life-events", LifeEventOut, status=201)
@needs(Right.INSURED_LIFE_EVENT)
def life_event_create(request, person_id: int, payload: LifeEventIn):
    """登记身故或住院。"""
    event = services.person_record_life_event(
        actor=request.auth, person_id=person_id, data=services.LifeEventInput(**payload.dict())
    )
    return Status(201, event)


@router.get("/persons/{person_id}/audit", response={200: list[AuditOut], **errors(403, 404)})
def person_audit(request, person_id: int):
    """参保人的审计记录（需审计查看权限）。"""
    return list(selectors.person_audit_trail(fetched_by=request.auth, person_id=person_id)[:500])
