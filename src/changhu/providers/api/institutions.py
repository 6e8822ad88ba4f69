"""Designated institutions and their agreements over HTTP."""

from __future__ import annotations

from ninja import Query, Schema, Status
from pydantic import Field

from changhu.api.schemas import Page, errors, paginate
from changhu.core import clock
from changhu.providers import selectors, services
from changhu.providers.api._common import router
from changhu.providers.api.converters import _agreement, _institution_detail, _institution_row
from changhu.providers.api.schemas import (
    AgreementDueOut,
    AgreementEndIn,
    AgreementIn,
    AgreementOut,
    InstitutionListOut,
    InstitutionOut,
    InstitutionStatusIn,
    ProfileIn,
    RenewIn,
    ServicePointIn,
    ServicePointOut,
)

# --- institutions ---------------------------------------------------------------------------


class InstitutionQuery(Schema):
    q: str = Field("", max_length=100)
    care_kind: str = ""
    status: str = ""
    care_mode: str = ""
    district: str = Field("", max_length=12)
    page: int = 1
    page_size: int = 20


@router.get("/institutions", response={200: Page[InstitutionListOut], **errors(422)})
def institution_list(request, query: Query[InstitutionQuery]):
    """数据范围内的定点护理机构（护理机构用户只看到本机构）。"""
    filters = selectors.InstitutionFilters(
        q=query.q,
        care_kind=query.care_kind,
        status=query.status,
        care_mode=query.care_mode,
        district=query.district,
    )
    qs = selectors.institution_list(fetched_by=request.auth, filters=filters)
    return paginate(qs, page=query.page, page_size=query.page_size, convert=_institution_row)


@router.get("/institutions/{institution_id}", response={200: InstitutionOut, **errors(404)})
def institution_detail(request, institution_id: int):
    """机构详情：协议、服务站点、状态变更记录。"""
    institution = selectors.institution_get(fetched_by=request.auth, institution_id=institution_id)
    return _institution_detail(institution)


def _fresh_institution(request, institution_id: int) -> dict:
    return _institution_detail(
        selectors.institution_get(fetched_by=request.auth, institution_id=institution_id)
    )


@router.post(
    "/institutions/{institution_id}/status",
    response={200: InstitutionOut, **errors(403, 404, 409, 422)},
)
def institution_status(request, institution_id: int, payload: InstitutionStatusIn):
    """暂停、恢复或终止（淘汰）机构，须填写原因和生效日期。"""
    services.institution_set_status(
        actor=request.auth, institution_id=institution_id, **payload.dict()
    )
    return _fresh_institution(request, institution_id)


@router.put(
    "/institutions/{institution_id}/profile",
    response={200: InstitutionOut, **errors(403, 404, 422)},
)
def institution_profile(request, institution_id: int, payload: ProfileIn):
    """修改床位数、照护方式和人员数。"""
    services.institution_update_profile(
        actor=request.auth, institution_id=institution_id, **payload.dict()
    )
    return _fresh_institution(request, institution_id)


@router.post(
    "/institutions/{institution_id}/service-points",
    response={201: ServicePointOut, **errors(403, 404, 409, 422)},
)
def service_point_add(request, institution_id: int, payload: ServicePointIn):
    """新增服务站点。"""
    point = services.service_point_add(
        actor=request.auth, institution_id=institution_id, **payload.dict()
    )
    return Status(
        201,
        {
            "id": point.pk,
            "name": point.name,
            "address": point.address,
            "region_code": point.region.code,
            "beds": point.beds,
            "active": point.active,
        },
    )


@router.post(
    "/institutions/{institution_id}/agreements",
    response={201: AgreementOut, **errors(403, 404, 409, 422)},
)
def agreement_sign(request, institution_id: int, payload: AgreementIn):
    """签订服务协议（期限不得与已有协议重叠）。"""
    agreement = services.agreement_sign(
        actor=request.auth,
        institution_id=institution_id,
        data=services.AgreementInput(**payload.dict()),
    )
    return Status(201, _agreement(agreement, clock.today()))


@router.get("/agreements/due", response={200: list[AgreementDueOut], **errors()})
def agreements_due(request):
    """已到续签提醒日期、尚未续签的协议。"""
    today = clock.today()
    return [
        {
            **_agreement(a, today),
            "institution_id": a.institution_id,
            "institution_name": a.institution.organization.name,
        }
        for a in selectors.agreements_due_for_renewal(fetched_by=request.auth)[:200]
    ]


@router.post(
    "/agreements/{agreement_id}/renew", response={201: AgreementOut, **errors(403, 404, 409, 422)}
)
def agreement_renew(request, agreement_id: int, payload: RenewIn):
    """续签：新协议自原协议终止次日起。"""
    agreement = services.agreement_renew(
        actor=request.auth, agreement_id=agreement_id, **payload.dict()
    )
    return Status(201, _agreement(agreement, clock.today()))


@router.post(
    "/agreements/{agreement_id}/terminate",
    response={200: AgreementOut, **errors(403, 404, 409, 422)},
)
def agreement_terminate(request, agreement_id: int, payload: AgreementEndIn):
    """提前解除协议。"""
    agreement = services.agreement_terminate(
        actor=request.auth, agreement_id=agreement_id, **payload.dict()
    )
    return _agreement(agreement, clock.today())
