"""The insured register over HTTP: list, detail, create, update, reveal, life events, audit."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Query, Router, Schema, Status
from pydantic import Field

from changhu.api.schemas import Page, errors, paginate
from changhu.insured import selectors, services
from changhu.insured.models import Person

router = Router(tags=["参保人"])


class PersonListOut(Schema):
    id: int
    insured_no: str
    name: str
    id_number_masked: str
    sex: str
    birth_date: dt.date
    phone_masked: str
    region_code: str
    region_name: str
    insurance_type: str
    status: str
    special: bool


class EnrolmentOut(Schema):
    insurance_type: str
    start_date: dt.date
    end_date: dt.date | None


class SpecialGroupOut(Schema):
    group: str
    label: str
    start_date: dt.date
    end_date: dt.date | None


class LifeEventOut(Schema):
    id: int
    kind: str
    kind_label: str
    start_date: dt.date
    end_date: dt.date | None
    institution: str
    source: str


class PersonOut(PersonListOut):
    address_masked: str
    latitude: float | None
    longitude: float | None
    died_on: dt.date | None
    version: int
    enrolments: list[EnrolmentOut]
    special_groups: list[SpecialGroupOut]
    life_events: list[LifeEventOut]


class PersonIn(Schema):
    name: str = Field(..., max_length=40, description="姓名")
    id_number: str = Field(..., max_length=32, description="18位居民身份证号码")
    phone: str = Field("", max_length=20)
    address: str = Field("", max_length=200)
    region_code: str = Field(..., max_length=12, description="所属街道或区县的区划代码")
    latitude: float | None = None
    longitude: float | None = None
    insurance_type: Literal["employee", "resident"]
    enrolment_start: dt.date | None = None
    special_groups: list[str] = Field(default_factory=list)


class PersonUpdateIn(Schema):
    name: str = Field(..., max_length=40)
    phone: str = Field("", max_length=20)
    address: str = Field("", max_length=200)
    region_code: str = Field(..., max_length=12)
    latitude: float | None = None
    longitude: float | None = None
    insurance_type: Literal["employee", "resident"]
    special_groups: list[str] = Field(default_factory=list)
    version: int | None = Field(None, description="读取时的版本号，用于防止覆盖他人修改")


class RevealIn(Schema):
    fields: list[Literal["id_number", "phone", "address"]] = Field(
        default_factory=lambda: ["id_number"]
    )


class LifeEventIn(Schema):
    kind: Literal["death", "hospital_stay"]
    start_date: dt.date
    end_date: dt.date | None = None
    institution: str = Field("", max_length=100)
    note: str = Field("", max_length=300)


class StatusIn(Schema):
    status: Literal["active", "suspended"]
    on_date: dt.date | None = Field(None, description="生效日期，默认今天")
    reason: str = Field(..., max_length=200)


class AuditOut(Schema):
    at: dt.datetime
    actor: str
    ip: str | None
    channel: str
    action: str
    action_label: str
    changes: dict
    note: str


def _list_row(p: Person) -> dict:
    return {
        "id": p.pk,
        "insured_no": p.insured_no,
        "name": p.name,
        "id_number_masked": p.id_number_masked,
        "sex": p.sex,
        "birth_date": p.birth_date,
        "phone_masked": p.phone_masked,
        "region_code": p.region_code,
        "region_name": p.region.name,
        "insurance_type": p.insurance_type,
        "status": p.status,
        "special": bool(getattr(p, "is_special", False) or p.special_group_codes),
    }


def _detail(p: Person) -> dict:
    groups = list(p.special_groups.all())
    row = _list_row(p)
    row.update(
        {
            "special": any(g.end_date is None for g in groups),
            "address_masked": p.address_masked,
            "latitude": float(p.latitude) if p.latitude is not None else None,
            "longitude": float(p.longitude) if p.longitude is not None else None,
            "died_on": p.died_on,
            "version": p.version,
            "enrolments": [
                {
                    "insurance_type": e.insurance_type,
                    "start_date": e.start_date,
                    "end_date": e.end_date,
                }
                for e in p.enrolments.all()
            ],
            "special_groups": [
                {
                    "group": g.group,
                    "label": g.get_group_display(),
                    "start_date": g.start_date,
                    "end_date": g.end_date,
                }
                for g in groups
            ],
            "life_events": [
                {
                    "id": e.pk,
                    "kind": e.kind,
                    "kind_label": e.get_kind_display(),
                    "start_date": e.start_date,
                    "end_date": e.end_date,
                    "institution": e.institution,
                    "source": e.source,
                }
                for e in p.life_events.all()
            ],
        }
    )
    return row


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
    filters = selectors.PersonFilters(
        q=query.q,
        district=query.district,
        status=query.status,
        insurance_type=query.insurance_type,
        special_group=query.special_group,
    )
    qs = selectors.person_list(fetched_by=request.auth, filters=filters).prefetch_related(
        "special_groups"
    )
    return paginate(qs, page=query.page, page_size=query.page_size, convert=_list_row)


@router.get("/persons/{person_id}", response={200: PersonOut, **errors(404)})
def person_detail(request, person_id: int):
    """参保人详情（证件号、电话、地址均为脱敏显示）。"""
    return _detail(selectors.person_get(fetched_by=request.auth, person_id=person_id))


@router.post("/persons", response={201: PersonOut, **errors(403, 409, 422)})
def person_create(request, payload: PersonIn):
    """登记参保人。"""
    person = services.person_create(actor=request.auth, data=services.PersonInput(**payload.dict()))
    return Status(201, _detail(selectors.person_get(fetched_by=request.auth, person_id=person.pk)))


@router.put("/persons/{person_id}", response={200: PersonOut, **errors(403, 404, 409, 422)})
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
    return _detail(selectors.person_get(fetched_by=request.auth, person_id=person_id))


@router.post("/persons/{person_id}/reveal", response={200: dict[str, str], **errors(403, 404, 422)})
def person_reveal(request, person_id: int, payload: RevealIn):
    """查看完整身份证号码/电话/地址（需相应权限，每次查看均记入审计）。"""
    return services.person_reveal(
        actor=request.auth, person_id=person_id, fields=tuple(payload.fields)
    )


@router.post("/persons/{person_id}/status", response={200: PersonOut, **errors(403, 404, 409, 422)})
def person_status(request, person_id: int, payload: StatusIn):
    """暂停或恢复参保（身故请登记生命事件）。"""
    services.person_set_status(actor=request.auth, person_id=person_id, **payload.dict())
    return _detail(selectors.person_get(fetched_by=request.auth, person_id=person_id))


@router.post(
    "/persons/{person_id}/life-events", response={201: LifeEventOut, **errors(403, 404, 409, 422)}
)
def life_event_create(request, person_id: int, payload: LifeEventIn):
    """登记身故或住院。"""
    event = services.person_record_life_event(
        actor=request.auth, person_id=person_id, data=services.LifeEventInput(**payload.dict())
    )
    return Status(
        201,
        {
            "id": event.pk,
            "kind": event.kind,
            "kind_label": event.get_kind_display(),
            "start_date": event.start_date,
            "end_date": event.end_date,
            "institution": event.institution,
            "source": event.source,
        },
    )


@router.get("/persons/{person_id}/audit", response={200: list[AuditOut], **errors(403, 404)})
def person_audit(request, person_id: int):
    """参保人的审计记录（需审计查看权限）。"""
    return [
        {
            "at": e.at,
            "actor": e.actor_name,
            "ip": e.ip,
            "channel": e.channel,
            "action": e.action,
            "action_label": e.get_action_display(),
            "changes": e.changes,
            "note": e.note,
        }
        for e in selectors.person_audit_trail(fetched_by=request.auth, person_id=person_id)[:500]
    ]
