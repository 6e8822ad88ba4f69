"""Institutions, admission, agreements, caregivers, certificates and training over HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpResponse
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from changhu.api.schemas import Page, errors, paginate
from changhu.core import clock
from changhu.core.imports import workbooks
from changhu.providers import exports, imports, rules, selectors, services
from changhu.providers.models import (
    Admission,
    Agreement,
    Caregiver,
    Certificate,
    ImportBatch,
    Institution,
)

router = Router(tags=["定点护理机构与护理员"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- schemas --------------------------------------------------------------------------------


class AgreementOut(Schema):
    id: int
    number: str
    signed_on: dt.date
    valid_from: dt.date
    valid_until: dt.date
    renewal_due: dt.date
    ended_on: dt.date | None
    status: str
    status_label: str
    in_force_today: bool


class ServicePointOut(Schema):
    id: int
    name: str
    address: str
    region_code: str
    beds: int
    active: bool


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    effective_on: dt.date
    reason: str
    actor: str


class InstitutionListOut(Schema):
    id: int
    organization_id: int
    name: str
    uscc: str
    care_kind: str
    care_kind_label: str
    region_code: str
    region_name: str
    address: str
    beds: int
    care_modes: list[str]
    status: str
    status_label: str
    status_since: dt.date
    caregiver_count: int


class InstitutionOut(InstitutionListOut):
    latitude: float | None
    longitude: float | None
    staff_count: int
    nurse_count: int
    care_worker_count: int
    legal_representative: str
    admitted_on: dt.date
    fast_channel: bool
    status_reason: str
    agreements: list[AgreementOut]
    service_points: list[ServicePointOut]
    status_history: list[StatusChangeOut]


class AgreementIn(Schema):
    number: str = Field("", max_length=40, description="留空自动编号")
    signed_on: dt.date | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date
    renewal_due: dt.date | None = Field(None, description="续签提醒日期，默认协议终止前60天")
    note: str = Field("", max_length=300)


class ServicePointIn(Schema):
    name: str = Field(..., max_length=100)
    address: str = Field(..., max_length=200)
    region_code: str = Field("", max_length=12)
    beds: int = Field(0, ge=0)
    latitude: float | None = None
    longitude: float | None = None


class DocumentIn(Schema):
    kind: str = Field("", max_length=40)
    title: str = Field(..., max_length=100)
    number: str = Field("", max_length=60)


class AdmissionIn(Schema):
    organization_id: int | None = Field(None, description="机构已在系统中时填写")
    name: str = Field("", max_length=100)
    uscc: str = Field(..., max_length=30, description="统一社会信用代码")
    care_kind: Literal["nursing_home", "hospital_ward", "home_service", "primary_clinic"]
    region_code: str = Field("", max_length=12)
    address: str = Field(..., max_length=200)
    latitude: float | None = None
    longitude: float | None = None
    beds: int = Field(0, ge=0)
    care_modes: list[Literal["institutional", "home_visit", "individual", "family"]]
    staff_count: int = Field(0, ge=0)
    nurse_count: int = Field(0, ge=0)
    care_worker_count: int = Field(0, ge=0)
    legal_representative: str = Field("", max_length=40)
    contact_name: str = Field("", max_length=40)
    contact_phone: str = Field("", max_length=20)
    medical_designated: bool = Field(False, description="已是医保定点医疗机构")
    fast_channel: bool = False
    service_points: list[ServicePointIn] = Field(default_factory=list)
    documents: list[DocumentIn] = Field(default_factory=list)


class AdmissionOut(Schema):
    id: int
    organization_id: int | None
    institution_id: int | None
    name: str
    uscc: str
    care_kind: str
    region_code: str
    address: str
    beds: int
    care_modes: list[str]
    staff_count: int
    nurse_count: int
    care_worker_count: int
    medical_designated: bool
    fast_channel: bool
    fast_channel_eligible: bool
    service_points: list[dict]
    documents: list[dict]
    status: str
    status_label: str
    submitted_at: dt.datetime
    inspection_planned_on: dt.date | None
    inspected_on: dt.date | None
    inspection_passed: bool | None
    inspection_notes: str
    decided_on: dt.date | None
    decision_reason: str


class ReasonIn(Schema):
    reason: str = Field("", max_length=300)


class RequiredReasonIn(Schema):
    reason: str = Field(..., max_length=300)


class InspectionPlanIn(Schema):
    planned_on: dt.date


class InspectionResultIn(Schema):
    inspected_on: dt.date
    passed: bool
    notes: str = Field("", max_length=500)


class ApproveIn(Schema):
    agreement: AgreementIn
    reason: str = Field("", max_length=300)


class InstitutionStatusIn(Schema):
    action: Literal["suspend", "reinstate", "terminate"]
    effective_on: dt.date | None = None
    reason: str = Field(..., max_length=300)


class ProfileIn(Schema):
    beds: int | None = Field(None, ge=0)
    care_modes: list[Literal["institutional", "home_visit", "individual", "family"]] | None = None
    staff_count: int | None = Field(None, ge=0)
    nurse_count: int | None = Field(None, ge=0)
    care_worker_count: int | None = Field(None, ge=0)


class RenewIn(Schema):
    valid_until: dt.date
    signed_on: dt.date | None = None
    number: str = Field("", max_length=40)
    note: str = Field("", max_length=300)


class AgreementEndIn(Schema):
    ended_on: dt.date
    reason: str = Field(..., max_length=300)


class AgreementDueOut(AgreementOut):
    institution_id: int
    institution_name: str


class CertificateOut(Schema):
    id: int
    kind: str
    kind_label: str
    qualification: str
    number: str
    issuer: str
    issued_on: dt.date
    expires_on: dt.date
    state: str


class TrainingOut(Schema):
    id: int
    topic: str
    trainer: str
    held_on: dt.date
    hours: float
    passed: bool


class CaregiverListOut(Schema):
    id: int
    institution_id: int
    institution_name: str
    kind: str
    kind_label: str
    name: str
    id_number_masked: str
    sex: str
    birth_date: dt.date
    phone_masked: str
    qualification: str
    status: str
    status_label: str
    beneficiary_id: int | None
    certificate_valid_until: dt.date | None


class CaregiverOut(CaregiverListOut):
    relationship: str
    hired_on: dt.date
    left_on: dt.date | None
    version: int
    certificates: list[CertificateOut]
    trainings: list[TrainingOut]
    training_hours: float


class CaregiverIn(Schema):
    institution_id: int | None = Field(None, description="护理机构管理员可留空（本机构）")
    kind: Literal["staff", "individual", "family"] = "staff"
    name: str = Field(..., max_length=40)
    id_number: str = Field(..., max_length=32)
    phone: str = Field("", max_length=20)
    qualification: Literal["care_worker", "nurse"] = "care_worker"
    beneficiary_id: int | None = Field(None, description="亲情护理员护理的参保人")
    relationship: str = Field("", max_length=20)
    hired_on: dt.date | None = None


class CaregiverUpdateIn(Schema):
    phone: str = Field("", max_length=20)
    qualification: Literal["care_worker", "nurse"]
    relationship: str = Field("", max_length=20)
    version: int | None = None


class CaregiverStatusIn(Schema):
    action: Literal["suspend", "reinstate", "leave"]
    on_date: dt.date | None = None
    reason: str = Field(..., max_length=300)


class RevealIn(Schema):
    fields: list[Literal["id_number", "phone"]] = Field(default_factory=lambda: ["id_number"])


class CertificateIn(Schema):
    kind: Literal["care_worker", "nurse", "family_training", "health"]
    number: str = Field(..., max_length=40)
    issuer: str = Field("", max_length=100)
    issued_on: dt.date
    expires_on: dt.date


class TrainingIn(Schema):
    topic: str = Field(..., max_length=100)
    trainer: str = Field(..., max_length=100)
    held_on: dt.date
    hours: float = Field(..., gt=0, le=1000)
    passed: bool = True


class AssignableOut(Schema):
    caregiver_id: int
    day: dt.date
    assignable: bool
    code: str
    message: str


class ExpiringOut(CertificateOut):
    caregiver_id: int
    caregiver_name: str
    institution_name: str


class ImportErrorOut(Schema):
    row: int
    column: str
    field: str
    code: str
    message: str


class ImportBatchOut(Schema):
    id: int
    kind: str
    file_name: str
    status: str
    mode: str
    total_rows: int
    valid_rows: int
    error_rows: int
    imported_rows: int
    errors: list[ImportErrorOut]
    created_at: dt.datetime
    committed_at: dt.datetime | None


class CommitIn(Schema):
    mode: Literal["all_or_nothing", "valid_only"] = "all_or_nothing"


# --- converters -----------------------------------------------------------------------------


def _agreement(a: Agreement, today: dt.date) -> dict:
    return {
        "id": a.pk,
        "number": a.number,
        "signed_on": a.signed_on,
        "valid_from": a.valid_from,
        "valid_until": a.valid_until,
        "renewal_due": a.renewal_due,
        "ended_on": a.ended_on,
        "status": a.status,
        "status_label": a.get_status_display(),
        "in_force_today": a.in_force_on(today),
    }


def _institution_row(i: Institution) -> dict:
    org = i.organization
    return {
        "id": i.pk,
        "organization_id": org.pk,
        "name": org.name,
        "uscc": org.uscc,
        "care_kind": org.care_kind,
        "care_kind_label": org.get_care_kind_display(),
        "region_code": org.region.code,
        "region_name": org.region.name,
        "address": org.address,
        "beds": i.beds,
        "care_modes": list(i.care_modes),
        "status": i.status,
        "status_label": i.get_status_display(),
        "status_since": i.status_since,
        "caregiver_count": getattr(i, "caregiver_count", 0) or 0,
    }


def _institution_detail(i: Institution) -> dict:
    today = clock.today()
    row = _institution_row(i)
    row["caregiver_count"] = i.caregivers.filter(status="active").count()
    row.update(
        {
            "latitude": float(i.latitude) if i.latitude is not None else None,
            "longitude": float(i.longitude) if i.longitude is not None else None,
            "staff_count": i.staff_count,
            "nurse_count": i.nurse_count,
            "care_worker_count": i.care_worker_count,
            "legal_representative": i.legal_representative,
            "admitted_on": i.admitted_on,
            "fast_channel": i.fast_channel,
            "status_reason": i.status_reason,
            "agreements": [_agreement(a, today) for a in i.agreements.all()],
            "service_points": [
                {
                    "id": p.pk,
                    "name": p.name,
                    "address": p.address,
                    "region_code": p.region.code,
                    "beds": p.beds,
                    "active": p.active,
                }
                for p in i.service_points.select_related("region")
            ],
            "status_history": [
                {
                    "from_status": c.from_status,
                    "to_status": c.to_status,
                    "effective_on": c.effective_on,
                    "reason": c.reason,
                    "actor": c.actor.display_name if c.actor_id else "系统",
                }
                for c in i.status_changes.all()
            ],
        }
    )
    return row


def _admission(a: Admission) -> dict:
    institution = getattr(a, "institution", None) if a.status == "approved" else None
    return {
        "id": a.pk,
        "organization_id": a.organization_id,
        "institution_id": institution.pk if institution else None,
        "name": a.name,
        "uscc": a.uscc,
        "care_kind": a.care_kind,
        "region_code": a.region_code,
        "address": a.address,
        "beds": a.beds,
        "care_modes": list(a.care_modes),
        "staff_count": a.staff_count,
        "nurse_count": a.nurse_count,
        "care_worker_count": a.care_worker_count,
        "medical_designated": a.medical_designated,
        "fast_channel": a.fast_channel,
        "fast_channel_eligible": rules.fast_channel_eligible(
            care_kind=a.care_kind, medical_designated=a.medical_designated
        ),
        "service_points": a.service_points,
        "documents": a.documents,
        "status": a.status,
        "status_label": a.get_status_display(),
        "submitted_at": a.submitted_at,
        "inspection_planned_on": a.inspection_planned_on,
        "inspected_on": a.inspected_on,
        "inspection_passed": a.inspection_passed,
        "inspection_notes": a.inspection_notes,
        "decided_on": a.decided_on,
        "decision_reason": a.decision_reason,
    }


def _certificate(c: Certificate, today: dt.date) -> dict:
    return {
        "id": c.pk,
        "kind": c.kind,
        "kind_label": c.get_kind_display(),
        "qualification": c.qualification,
        "number": c.number,
        "issuer": c.issuer,
        "issued_on": c.issued_on,
        "expires_on": c.expires_on,
        "state": rules.certificate_state(c.issued_on, c.expires_on, today),
    }


def _caregiver_row(c: Caregiver) -> dict:
    proving = [x for x in c.certificates.all() if rules.CERTIFICATE_QUALIFICATION[x.kind]]
    return {
        "id": c.pk,
        "institution_id": c.institution_id,
        "institution_name": c.institution.organization.name,
        "kind": c.kind,
        "kind_label": c.get_kind_display(),
        "name": c.name,
        "id_number_masked": c.id_number_masked,
        "sex": c.sex,
        "birth_date": c.birth_date,
        "phone_masked": c.phone_masked,
        "qualification": c.qualification,
        "status": c.status,
        "status_label": c.get_status_display(),
        "beneficiary_id": c.beneficiary_id,
        "certificate_valid_until": max((x.expires_on for x in proving), default=None),
    }


def _caregiver_detail(c: Caregiver) -> dict:
    today = clock.today()
    row = _caregiver_row(c)
    trainings = list(c.trainings.all())
    row.update(
        {
            "relationship": c.relationship,
            "hired_on": c.hired_on,
            "left_on": c.left_on,
            "version": c.version,
            "certificates": [_certificate(x, today) for x in c.certificates.all()],
            "trainings": [
                {
                    "id": t.pk,
                    "topic": t.topic,
                    "trainer": t.trainer,
                    "held_on": t.held_on,
                    "hours": float(t.hours),
                    "passed": t.passed,
                }
                for t in trainings
            ],
            "training_hours": float(sum(t.hours for t in trainings)),
        }
    )
    return row


def _batch(b: ImportBatch) -> dict:
    return {
        "id": b.pk,
        "kind": b.kind,
        "file_name": b.file_name,
        "status": b.status,
        "mode": b.mode,
        "total_rows": b.total_rows,
        "valid_rows": b.valid_rows,
        "error_rows": b.error_rows,
        "imported_rows": b.imported_rows,
        "errors": b.errors,
        "created_at": b.created_at,
        "committed_at": b.committed_at,
    }


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


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


# --- admissions -----------------------------------------------------------------------------


@router.get("/admissions", response={200: Page[AdmissionOut], **errors(422)})
def admission_list(request, status: str = "", page: int = 1, page_size: int = 20):
    """定点准入申请。"""
    qs = selectors.admission_list(fetched_by=request.auth, status=status).select_related(
        "institution"
    )
    return paginate(qs, page=page, page_size=page_size, convert=_admission)


@router.post("/admissions", response={201: AdmissionOut, **errors(403, 404, 409, 422)})
def admission_submit(request, payload: AdmissionIn):
    """提交定点准入申请（护理机构管理员为本机构申请）。"""
    data = payload.dict()
    data["service_points"] = [dict(p) for p in data["service_points"]]
    data["documents"] = [dict(d) for d in data["documents"]]
    admission = services.admission_submit(actor=request.auth, data=services.AdmissionInput(**data))
    return Status(201, _admission(admission))


@router.get("/admissions/{admission_id}", response={200: AdmissionOut, **errors(404)})
def admission_detail(request, admission_id: int):
    return _admission(selectors.admission_get(fetched_by=request.auth, admission_id=admission_id))


def _fresh_admission(request, admission_id: int) -> dict:
    return _admission(selectors.admission_get(fetched_by=request.auth, admission_id=admission_id))


_ADMISSION_ERRORS = errors(403, 404, 409, 422)


@router.post("/admissions/{admission_id}/review", response={200: AdmissionOut, **_ADMISSION_ERRORS})
def admission_review(request, admission_id: int):
    """开始审核。"""
    services.admission_start_review(actor=request.auth, admission_id=admission_id)
    return _fresh_admission(request, admission_id)


@router.post(
    "/admissions/{admission_id}/inspection", response={200: AdmissionOut, **_ADMISSION_ERRORS}
)
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
def admission_inspection_result(request, admission_id: int, payload: InspectionResultIn):
    """登记现场核查结果。"""
    services.admission_record_inspection(
        actor=request.auth, admission_id=admission_id, **payload.dict()
    )
    return _fresh_admission(request, admission_id)


@router.post(
    "/admissions/{admission_id}/approve", response={200: InstitutionOut, **_ADMISSION_ERRORS}
)
def admission_approve(request, admission_id: int, payload: ApproveIn):
    """准入并签订首份服务协议（快速通道的申请可直接准入）。"""
    institution = services.admission_approve(
        actor=request.auth,
        admission_id=admission_id,
        agreement=services.AgreementInput(**payload.agreement.dict()),
        reason=payload.reason,
    )
    return _fresh_institution(request, institution.pk)


@router.post("/admissions/{admission_id}/refuse", response={200: AdmissionOut, **_ADMISSION_ERRORS})
def admission_refuse(request, admission_id: int, payload: RequiredReasonIn):
    """不予准入（须说明理由）。"""
    services.admission_refuse(actor=request.auth, admission_id=admission_id, reason=payload.reason)
    return _fresh_admission(request, admission_id)


@router.post(
    "/admissions/{admission_id}/withdraw", response={200: AdmissionOut, **_ADMISSION_ERRORS}
)
def admission_withdraw(request, admission_id: int, payload: ReasonIn):
    """撤回申请。"""
    services.admission_withdraw(
        actor=request.auth, admission_id=admission_id, reason=payload.reason
    )
    return _fresh_admission(request, admission_id)


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
    filters = selectors.CaregiverFilters(
        q=query.q, institution_id=query.institution_id, kind=query.kind, status=query.status
    )
    qs = selectors.caregiver_list(fetched_by=request.auth, filters=filters)
    return paginate(qs, page=query.page, page_size=query.page_size, convert=_caregiver_row)


@router.post("/caregivers", response={201: CaregiverOut, **errors(403, 404, 409, 422)})
def caregiver_register(request, payload: CaregiverIn):
    """实名登记护理员（亲情护理员须关联护理对象）。"""
    caregiver = services.caregiver_register(
        actor=request.auth, data=services.CaregiverInput(**payload.dict())
    )
    return Status(
        201,
        _caregiver_detail(
            selectors.caregiver_get(fetched_by=request.auth, caregiver_id=caregiver.pk)
        ),
    )


@router.get("/caregivers/{caregiver_id}", response={200: CaregiverOut, **errors(404)})
def caregiver_detail(request, caregiver_id: int):
    return _caregiver_detail(
        selectors.caregiver_get(fetched_by=request.auth, caregiver_id=caregiver_id)
    )


@router.put(
    "/caregivers/{caregiver_id}", response={200: CaregiverOut, **errors(403, 404, 409, 422)}
)
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


@router.post(
    "/caregivers/{caregiver_id}/status",
    response={200: CaregiverOut, **errors(403, 404, 409, 422)},
)
def caregiver_status(request, caregiver_id: int, payload: CaregiverStatusIn):
    """暂停执业、恢复或登记离职。"""
    services.caregiver_set_status(actor=request.auth, caregiver_id=caregiver_id, **payload.dict())
    return caregiver_detail(request, caregiver_id)


@router.post(
    "/caregivers/{caregiver_id}/reveal", response={200: dict[str, str], **errors(403, 404, 422)}
)
def caregiver_reveal(request, caregiver_id: int, payload: RevealIn):
    """查看完整身份证号码/电话（每次查看均记入审计）。"""
    return services.caregiver_reveal(
        actor=request.auth, caregiver_id=caregiver_id, fields=tuple(payload.fields)
    )


@router.post(
    "/caregivers/{caregiver_id}/certificates",
    response={201: CertificateOut, **errors(403, 404, 409, 422)},
)
def certificate_add(request, caregiver_id: int, payload: CertificateIn):
    """登记资格证书（发证日期、有效期）。"""
    certificate = services.certificate_add(
        actor=request.auth,
        caregiver_id=caregiver_id,
        data=services.CertificateInput(**payload.dict()),
    )
    return Status(201, _certificate(certificate, clock.today()))


@router.post(
    "/caregivers/{caregiver_id}/trainings",
    response={201: TrainingOut, **errors(403, 404, 422)},
)
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
    today = clock.today()
    return [
        {
            **_certificate(c, today),
            "caregiver_id": c.caregiver_id,
            "caregiver_name": c.caregiver.name,
            "institution_name": c.caregiver.institution.organization.name,
        }
        for c in selectors.certificates_expiring(fetched_by=request.auth, within_days=days)[:500]
    ]


# --- import and export ----------------------------------------------------------------------


@router.post("/imports/upload/{kind}", response={201: ImportBatchOut, **errors(403, 413, 422)})
def import_upload(request, kind: Literal["institutions", "caregivers"], file: File[UploadedFile]):
    """上传Excel（.xlsx）或CSV（UTF-8/GB18030）并预览：逐行校验，返回每行每列的错误（行号、列名、原因）。"""
    batch = imports.import_upload(actor=request.auth, kind=kind, upload=file, file_name=file.name)
    return Status(201, _batch(batch))


@router.get("/imports/{int:batch_id}", response={200: ImportBatchOut, **errors(404)})
def import_detail(request, batch_id: int):
    return _batch(selectors.import_batch_get(fetched_by=request.auth, batch_id=batch_id))


@router.post(
    "/imports/{int:batch_id}/commit", response={200: ImportBatchOut, **errors(403, 404, 409, 422)}
)
def import_commit(request, batch_id: int, payload: CommitIn):
    """确认导入：全部导入（有错误时不导入）或仅导入正确的行。"""
    return _batch(imports.import_commit(actor=request.auth, batch_id=batch_id, mode=payload.mode))


@router.post("/imports/{int:batch_id}/discard", response={200: ImportBatchOut, **errors(404, 409)})
def import_discard(request, batch_id: int):
    return _batch(imports.import_discard(actor=request.auth, batch_id=batch_id))


@router.get("/imports/{int:batch_id}/errors.xlsx", response={200: None, **errors(404)})
def import_error_report(request, batch_id: int):
    """错误报告（Excel）：行号、列、错误原因、错误代码。"""
    batch = selectors.import_batch_get(fetched_by=request.auth, batch_id=batch_id)
    content, _ = workbooks.error_report(batch)
    return _xlsx(content, f"import-{batch.pk}-errors.xlsx")


@router.get("/imports/templates/{kind}.xlsx", response={200: None, **errors()})
def import_template(request, kind: Literal["institutions", "caregivers"]):
    """导入模板（表头与说明）。"""
    content, _, _ = imports.PIPELINE.template(kind=kind, file_format="xlsx")
    return _xlsx(content, f"{kind}-template.xlsx")


@router.get("/exports/institutions.xlsx", response={200: None, **errors(403)})
def export_institutions(request):
    """导出数据范围内的定点护理机构。"""
    return _xlsx(exports.export_institutions(actor=request.auth), "institutions.xlsx")


@router.get("/exports/caregivers.xlsx", response={200: None, **errors(403)})
def export_caregivers(request):
    """导出数据范围内的护理员（证件号、电话脱敏）。"""
    return _xlsx(exports.export_caregivers(actor=request.auth), "caregivers.xlsx")
