"""Caregivers, certificates and family caregivers over HTTP."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Schema, Status
from pydantic import Field

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, list_page, write
from changhu.core import clock
from changhu.orgs.roles import Right
from changhu.providers import rules, selectors, services
from changhu.providers.api._common import router
from changhu.providers.api.schemas import (
    AssignableOut,
    CaregiverIn,
    CaregiverListOut,
    CaregiverOut,
    CaregiverRevealIn,
    CaregiverStatusIn,
    CaregiverUpdateIn,
    CertificateIn,
    CertificateOut,
    ExpiringOut,
    TrainingIn,
    TrainingOut,
)

# --- caregivers -----------------------------------------------------------------------------


class CaregiverQuery(Schema):
    q: str = Field("", max_length=40, description="姓名（前缀）或完整身份证号码")
    institution_id: int | None = None
    kind: str = ""
    status: str = ""
    page: int = 1
    page_size: int = 20


@router.get("/caregivers", response={200: Page[CaregiverListOut], **errors(422)})
def caregiver_list(request, query: Query[CaregiverQuery]):
    """数据范围内的护理员（证件号、电话脱敏）。"""
    return list_page(request, query, selectors.caregiver_list, selectors.CaregiverFilters)


@write(router, "/caregivers", CaregiverOut, status=201)
@needs(Right.CAREGIVERS_MANAGE)
def caregiver_register(request, payload: CaregiverIn):
    """实名登记护理员（亲情护理员须关联护理对象）。"""
    caregiver = services.caregiver_register(
        actor=request.auth, data=services.CaregiverInput(**payload.dict())
    )
    return Status(201, selectors.caregiver_get(fetched_by=request.auth, caregiver_id=caregiver.pk))


@router.get("/caregivers/{caregiver_id}", response={200: CaregiverOut, **errors(404)})
def caregiver_detail(request, caregiver_id: int):
    return selectors.caregiver_get(fetched_by=request.auth, caregiver_id=caregiver_id)


@write(router, "/caregivers/{caregiver_id}", CaregiverOut, method="put")
@needs(Right.CAREGIVERS_MANAGE)
def caregiver_update(request, caregiver_id: int, payload: CaregiverUpdateIn):
    """修改电话、资质（身份证号码不可修改）。"""
    data = payload.dict()
    services.caregiver_update(
        actor=request.auth,
        caregiver_id=caregiver_id,
        expected_version=data.pop("version"),
        **data,
    )
    return caregiver_detail(request, caregiver_id)


@write(router, "/caregivers/{caregiver_id}/status", CaregiverOut)
@needs(Right.CAREGIVERS_MANAGE)
def caregiver_status(request, caregiver_id: int, payload: CaregiverStatusIn):
    """暂停执业、恢复或登记离职。"""
    services.caregiver_set_status(actor=request.auth, caregiver_id=caregiver_id, **payload.dict())
    return caregiver_detail(request, caregiver_id)


@router.post(
    "/caregivers/{caregiver_id}/reveal", response={200: dict[str, str], **errors(403, 404, 422)}
)
@needs(Right.CAREGIVERS_VIEW_FULL)
def caregiver_reveal(request, caregiver_id: int, payload: CaregiverRevealIn):
    """查看完整身份证号码/电话（每次查看均记入审计）。"""
    return services.caregiver_reveal(
        actor=request.auth, caregiver_id=caregiver_id, fields=tuple(payload.fields)
    )


@write(router, "/caregivers/{caregiver_id}/certificates", CertificateOut, status=201)
@needs(Right.CAREGIVERS_MANAGE)
def certificate_add(request, caregiver_id: int, payload: CertificateIn):
    """登记资格证书（发证日期、有效期）。"""
    certificate = services.certificate_add(
        actor=request.auth,
        caregiver_id=caregiver_id,
        data=services.CertificateInput(**payload.dict()),
    )
    return Status(201, certificate)


@write(
    router,
    "/caregivers/{caregiver_id}/trainings",
    TrainingOut,
    status=201,
    statuses=(403, 404, 422),
)
@needs(Right.CAREGIVERS_MANAGE)
def training_add(request, caregiver_id: int, payload: TrainingIn):
    """登记培训记录。"""
    training = services.training_add(
        actor=request.auth, caregiver_id=caregiver_id, **payload.dict()
    )
    return Status(
        201,
        {
            "id": training.pk,
            "topic": training.topic,
            "trainer": training.trainer,
            "held_on": training.held_on,
            "hours": float(training.hours),
            "passed": training.passed,
        },
    )


@router.get(
    "/caregivers/{caregiver_id}/assignable", response={200: AssignableOut, **errors(404, 422)}
)
def caregiver_assignable(
    request, caregiver_id: int, day: dt.date | None = None, qualification: str = ""
):
    """护理员在某日能否派单（证书有效、在岗、机构正常）。"""
    day = day or clock.today()
    caregiver = selectors.caregiver_for_assignment(
        fetched_by=request.auth, caregiver_id=caregiver_id
    )
    ok, code, message = services.caregiver_is_assignable(
        caregiver, day, qualification=qualification
    )
    return {
        "caregiver_id": caregiver.pk,
        "day": day,
        "assignable": ok,
        "code": code,
        "message": message,
    }


@router.get("/certificates/expiring", response={200: list[ExpiringOut], **errors(422)})
def certificates_expiring(request, days: int = rules.EXPIRY_WARNING_DAYS):
    """即将到期（及近期已过期）的资格证书，按到期日排序。"""
    return list(selectors.certificates_expiring(fetched_by=request.auth, within_days=days)[:500])
