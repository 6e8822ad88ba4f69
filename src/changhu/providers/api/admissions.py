"""Designation applications (定点准入) over HTTP."""

from __future__ import annotations

from ninja import Status

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, paginate
from changhu.orgs.roles import Right
from changhu.providers import selectors, services
from changhu.providers.api._common import router
from changhu.providers.api.schemas import (
    AdmissionIn,
    AdmissionOut,
    ApproveIn,
    InspectionPlanIn,
    InspectionResultIn,
    InstitutionOut,
    ProviderReasonIn,
    RequiredReasonIn,
)

# --- admissions -----------------------------------------------------------------------------


@router.get("/admissions", response={200: Page[AdmissionOut], **errors(422)})
def admission_list(request, status: str = "", kind: str = "", page: int = 1, page_size: int = 20):
    """定点准入申请（kind：care 护理机构、assessment 评估机构，留空为全部）。"""
    qs = selectors.admission_list(fetched_by=request.auth, status=status, kind=kind).select_related(
        "institution"
    )
    return paginate(qs, page=page, page_size=page_size)


@router.post("/admissions", response={201: AdmissionOut, **errors(403, 404, 409, 422)})
@needs(Right.PROVIDERS_APPLY)
def admission_submit(request, payload: AdmissionIn):
    """提交定点准入申请（护理机构管理员为本机构申请）。"""
    data = payload.dict()
    data["service_points"] = [dict(p) for p in data["service_points"]]
    data["documents"] = [dict(d) for d in data["documents"]]
    admission = services.admission_submit(actor=request.auth, data=services.AdmissionInput(**data))
    return Status(201, admission)


@router.get("/admissions/{admission_id}", response={200: AdmissionOut, **errors(404)})
def admission_detail(request, admission_id: int):
    return selectors.admission_get(fetched_by=request.auth, admission_id=admission_id)


def _fresh_admission(request, admission_id: int):
    return selectors.admission_get(fetched_by=request.auth, admission_id=admission_id)


_ADMISSION_ERRORS = errors(403, 404, 409, 422)


@router.post("/admissions/{admission_id}/review", response={200: AdmissionOut, **_ADMISSION_ERRORS})
@needs(Right.PROVIDERS_ADMIT)
def admission_review(request, admission_id: int):
    """开始审核。"""
    services.admission_start_review(actor=request.auth, admission_id=admission_id)
    return _fresh_admission(request, admission_id)


@router.post(
    "/admissions/{admission_id}/inspection", response={200: AdmissionOut, **_ADMISSION_ERRORS}
)
@needs(Right.PROVIDERS_ADMIT)
def admission_inspection(request, admission_id: int, payload: InspectionPlanIn):
    """安排现场核查。"""
    services.admission_schedule_inspection(
        actor=request.auth, admission_id=admission_id, planned_on=payload.planned_on
    )
    return _fresh_admission(request, admission_id)


@router.post(
    "/admissions/{admission_id}/inspection-result",
    response={200: AdmissionOut, **_ADMISSION_ERRORS},
)
@needs(Right.PROVIDERS_ADMIT)
def admission_inspection_result(request, admission_id: int, payload: InspectionResultIn):
    """登记现场核查结果。"""
    services.admission_record_inspection(
        actor=request.auth, admission_id=admission_id, **payload.dict()
    )
    return _fresh_admission(request, admission_id)


@router.post(
    "/admissions/{admission_id}/approve", response={200: InstitutionOut, **_ADMISSION_ERRORS}
)
@needs(Right.PROVIDERS_ADMIT)
def admission_approve(request, admission_id: int, payload: ApproveIn):
    """准入并签订首份服务协议（快速通道的申请可直接准入）。"""
    institution = services.admission_approve(
        actor=request.auth,
        admission_id=admission_id,
        agreement=services.AgreementInput(**payload.agreement.dict()),
        reason=payload.reason,
    )
    return selectors.institution_get(fetched_by=request.auth, institution_id=institution.pk)


@router.post("/admissions/{admission_id}/refuse", response={200: AdmissionOut, **_ADMISSION_ERRORS})
@needs(Right.PROVIDERS_ADMIT)
def admission_refuse(request, admission_id: int, payload: RequiredReasonIn):
    """不予准入（须说明理由）。"""
    services.admission_refuse(actor=request.auth, admission_id=admission_id, reason=payload.reason)
    return _fresh_admission(request, admission_id)


@router.post(
    "/admissions/{admission_id}/withdraw", response={200: AdmissionOut, **_ADMISSION_ERRORS}
)
@needs(Right.PROVIDERS_APPLY)
def admission_withdraw(request, admission_id: int, payload: ProviderReasonIn):
    """撤回申请。"""
    services.admission_withdraw(
        actor=request.auth, admission_id=admission_id, reason=payload.reason
    )
    return _fresh_admission(request, admission_id)
