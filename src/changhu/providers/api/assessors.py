"""The assessor register (评估人员库) over HTTP."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Schema, Status
from pydantic import Field

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, list_page, write
from changhu.core import clock
from changhu.core.errors import DomainError
from changhu.orgs.roles import Right
from changhu.providers import selectors, services
from changhu.providers.api._common import router
from changhu.providers.api.schemas import (
    AssessorCertificateIn,
    AssessorIn,
    AssessorListOut,
    AssessorOut,
    AssessorUpdateIn,
    CaregiverStatusIn,
    CertificateOut,
    QualifiedOut,
    TrainingIn,
    TrainingOut,
)


class AssessorQuery(Schema):
    q: str = Field("", max_length=40, description="姓名（前缀）或完整身份证号码")
    institution_id: int | None = None
    profession: str = ""
    status: str = ""
    page: int = 1
    page_size: int = 20


@router.get("/assessors", response={200: Page[AssessorListOut], **errors(422)})
def assessor_list(request, query: Query[AssessorQuery]):
    """数据范围内的评估人员（证件号、电话脱敏），含今日能否参加评估。"""
    return list_page(request, query, selectors.assessor_list, selectors.AssessorFilters)


@router.get("/assessors/{assessor_id}", response={200: AssessorOut, **errors(404)})
def assessor_detail(request, assessor_id: int):
    return selectors.assessor_get(fetched_by=request.auth, assessor_id=assessor_id)


@write(router, "/assessors", AssessorOut, status=201)
@needs(Right.ASSESSORS_MANAGE)
def assessor_register(request, payload: AssessorIn):
    """实名登记评估人员（所属机构须为正常状态的定点评估机构）。"""
    assessor = services.assessor_register(
        actor=request.auth, data=services.AssessorInput(**payload.dict())
    )
    return Status(201, assessor_detail(request, assessor.pk))


@write(router, "/assessors/{assessor_id}", AssessorOut, method="put")
@needs(Right.ASSESSORS_MANAGE)
def assessor_update(request, assessor_id: int, payload: AssessorUpdateIn):
    """修改电话、专业、职称、登录账号（身份证号码不可修改）。"""
    data = payload.dict()
    services.assessor_update(
        actor=request.auth,
        assessor_id=assessor_id,
        expected_version=data.pop("version"),
        **data,
    )
    return assessor_detail(request, assessor_id)


@write(router, "/assessors/{assessor_id}/status", AssessorOut)
@needs(Right.ASSESSORS_MANAGE)
def assessor_status(request, assessor_id: int, payload: CaregiverStatusIn):
    """暂停执业、恢复或登记离职。"""
    services.assessor_set_status(actor=request.auth, assessor_id=assessor_id, **payload.dict())
    return assessor_detail(request, assessor_id)


@write(router, "/assessors/{assessor_id}/certificates", CertificateOut, status=201)
@needs(Right.ASSESSORS_MANAGE)
def assessor_certificate_add(request, assessor_id: int, payload: AssessorCertificateIn):
    """登记评估人员资格证或执业（资格）证书（发证日期、有效期）。"""
    certificate = services.assessor_certificate_add(
        actor=request.auth,
        assessor_id=assessor_id,
        data=services.CertificateInput(**payload.dict()),
    )
    return Status(201, certificate)


@write(
    router,
    "/assessors/{assessor_id}/trainings",
    TrainingOut,
    status=201,
    statuses=(403, 404, 422),
)
@needs(Right.ASSESSORS_MANAGE)
def assessor_training_add(request, assessor_id: int, payload: TrainingIn):
    """登记评估人员的培训记录。"""
    training = services.assessor_training_add(
        actor=request.auth, assessor_id=assessor_id, **payload.dict()
    )
    return Status(201, training)


@router.get("/assessors/{assessor_id}/qualified", response={200: QualifiedOut, **errors(404, 422)})
def assessor_qualified(request, assessor_id: int, day: dt.date | None = None):
    """评估人员在某日能否参加评估（在岗、机构正常、评估人员资格证有效）。"""
    day = day or clock.today()
    assessor = selectors.assessor_get(fetched_by=request.auth, assessor_id=assessor_id)
    try:
        services.assessor_assert_qualified(assessor, day)
    except DomainError as exc:
        code, message = exc.code, exc.message
    else:
        code, message = "", ""
    return {
        "assessor_id": assessor.pk,
        "day": day,
        "qualified": not code,
        "code": code,
        "message": message,
    }
