"""Designated institutions and their agreements over HTTP."""

from __future__ import annotations

from typing import Literal

from ninja import Query, Schema, Status
from pydantic import Field

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, list_page, write
from changhu.orgs.roles import Right
from changhu.providers import selectors, services
from changhu.providers.api._common import router
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
    kind: Literal["care", "assessment"] = Field("care", description="护理机构或评估机构")
    q: str = Field("", max_length=100)
    care_kind: str = ""
    status: str = ""
    care_mode: str = ""
    district: str = Field("", max_length=12)
    page: int = 1
    page_size: int = 20


@router.get("/institutions", response={200: Page[InstitutionListOut], **errors(422)})
def institution_list(request, query: Query[InstitutionQuery]):
    """数据范围内的定点护理机构或定点评估机构（护理机构用户只看到本机构）。"""
    return list_page(request, query, selectors.institution_list, selectors.InstitutionFilters)


@router.get("/institutions/{institution_id}", response={200: InstitutionOut, **errors(404)})
def institution_detail(request, institution_id: int):
    """机构详情：协议、服务站点、状态变更记录。"""
    return selectors.institution_get(fetched_by=request.auth, institution_id=institution_id)


@write(router, "/institutions/{institution_id}/status", InstitutionOut)
@needs(Right.PROVIDERS_ADMIT)
def institution_status(request, institution_id: int, payload: InstitutionStatusIn):
    """暂停、恢复或终止（淘汰）机构，须填写原因和生效日期。"""
    services.institution_set_status(
        actor=request.auth, institution_id=institution_id, **payload.dict()
    )
    return selectors.institution_get(fetched_by=request.auth, institution_id=institution_id)


@write(
    router,
    "/institutions/{institution_id}/profile",
    InstitutionOut,
    statuses=(403, 404, 422),
    method="put",
)
@needs(Right.PROVIDERS_ADMIT)
def institution_profile(request, institution_id: int, payload: ProfileIn):
    """修改床位数、照护方式和人员数。"""
    services.institution_update_profile(
        actor=request.auth, institution_id=institution_id, **payload.dict()
    )
    return selectors.institution_get(fetched_by=request.auth, institution_id=institution_id)


@write(router, "/institutions/{institution_id}/service-points", ServicePointOut, status=201)
@needs(Right.PROVIDERS_ADMIT)
def service_point_add(request, institution_id: int, payload: ServicePointIn):
    """新增服务站点。"""
    point = services.service_point_add(
        actor=request.auth, institution_id=institution_id, **payload.dict()
    )
    return Status(201, point)


@write(router, "/institutions/{institution_id}/agreements", AgreementOut, status=201)
@needs(Right.PROVIDERS_ADMIT)
def agreement_sign(request, institution_id: int, payload: AgreementIn):
    """签订服务协议（期限不得与已有协议重叠）。"""
    agreement = services.agreement_sign(
        actor=request.auth,
        institution_id=institution_id,
        data=services.AgreementInput(**payload.dict()),
    )
    return Status(201, agreement)


@router.get("/agreements/due", response={200: list[AgreementDueOut], **errors()})
def agreements_due(request):
    """已到续签提醒日期、尚未续签的协议。"""
    return list(selectors.agreements_due_for_renewal(fetched_by=request.auth)[:200])


@write(router, "/agreements/{agreement_id}/renew", AgreementOut, status=201)
@needs(Right.PROVIDERS_ADMIT)
def agreement_renew(request, agreement_id: int, payload: RenewIn):
    """续签：新协议自原协议终止次日起。"""
    agreement = services.agreement_renew(
        actor=request.auth, agreement_id=agreement_id, **payload.dict()
    )
    return Status(201, agreement)


@write(router, "/agreements/{agreement_id}/terminate", AgreementOut)
@needs(Right.PROVIDERS_ADMIT)
def agreement_terminate(request, agreement_id: int, payload: AgreementEndIn):
    """提前解除协议。"""
    agreement = services.agreement_terminate(
        actor=request.auth, agreement_id=agreement_id, **payload.dict()
    )
    return agreement
