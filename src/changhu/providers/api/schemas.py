"""The providers API's request and response schemas."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from changhu.core import clock
from changhu.providers import rules, selectors, services

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
    status_label: str = Field(alias="get_status_display")
    in_force_today: bool

    @staticmethod
    def resolve_in_force_today(agreement) -> bool:
        return agreement.in_force_on(clock.today())


class ServicePointOut(Schema):
    id: int
    name: str
    address: str
    region_code: str = Field(alias="region.code")
    beds: int
    active: bool


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    effective_on: dt.date
    reason: str
    actor: str

    @staticmethod
    def resolve_actor(change) -> str:
        return change.actor.display_name if change.actor_id else "系统"


class InstitutionListOut(Schema):
    id: int
    kind: str = Field(alias="organization.kind")
    organization_id: int
    name: str = Field(alias="organization.name")
    uscc: str = Field(alias="organization.uscc")
    care_kind: str = Field(alias="organization.care_kind")
    care_kind_label: str = Field(alias="organization.get_care_kind_display")
    region_code: str = Field(alias="organization.region.code")
    region_name: str = Field(alias="organization.region.name")
    address: str = Field(alias="organization.address")
    beds: int
    care_modes: list[str]
    status: str
    status_label: str = Field(alias="get_status_display")
    status_since: dt.date
    caregiver_count: int

    @staticmethod
    def resolve_caregiver_count(institution) -> int:
        return getattr(institution, "caregiver_count", 0) or 0


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
    status_history: list[StatusChangeOut] = Field(alias="status_changes")

    @staticmethod
    def resolve_caregiver_count(institution) -> int:
        return selectors.active_caregiver_count(institution)

    @staticmethod
    def resolve_service_points(institution) -> list:
        return list(institution.service_points.select_related("region"))


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
    kind: Literal["care", "assessment"] = Field(
        "care", description="定点护理机构（care）或定点评估机构（assessment）"
    )
    organization_id: int | None = Field(None, description="机构已在系统中时填写")
    name: str = Field("", max_length=100)
    uscc: str = Field(..., max_length=30, description="统一社会信用代码")
    care_kind: Literal["nursing_home", "hospital_ward", "home_service", "primary_clinic"] | None = (
        Field(None, description="护理机构必填；评估机构不填")
    )
    region_code: str = Field("", max_length=12)
    address: str = Field(..., max_length=200)
    latitude: float | None = None
    longitude: float | None = None
    beds: int = Field(0, ge=0)
    care_modes: list[Literal["institutional", "home_visit", "individual", "family"]] = Field(
        default_factory=list
    )
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
    kind: str
    kind_label: str = Field(alias="get_kind_display")
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
    status_label: str = Field(alias="get_status_display")
    submitted_at: dt.datetime
    inspection_planned_on: dt.date | None
    inspected_on: dt.date | None
    inspection_passed: bool | None
    inspection_notes: str
    decided_on: dt.date | None
    decision_reason: str

    @staticmethod
    def resolve_institution_id(admission) -> int | None:
        if admission.status != "approved":
            return None
        institution = getattr(admission, "institution", None)
        return institution.pk if institution else None

    @staticmethod
    def resolve_fast_channel_eligible(admission) -> bool:
        return rules.fast_channel_eligible(
            care_kind=admission.care_kind, medical_designated=admission.medical_designated
        )


class ProviderReasonIn(Schema):
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
    institution_name: str = Field(alias="institution.organization.name")


class CertificateOut(Schema):
    id: int
    kind: str
    kind_label: str = Field(alias="get_kind_display")
    qualification: str
    number: str
    issuer: str
    issued_on: dt.date
    expires_on: dt.date
    state: str

    @staticmethod
    def resolve_state(certificate) -> str:
        return rules.certificate_state(certificate.issued_on, certificate.expires_on, clock.today())


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
    institution_name: str = Field(alias="institution.organization.name")
    kind: str
    kind_label: str = Field(alias="get_kind_display")
    name: str
    id_number_masked: str
    sex: str
    birth_date: dt.date
    phone_masked: str
    qualification: str
    status: str
    status_label: str = Field(alias="get_status_display")
    beneficiary_id: int | None
    certificate_valid_until: dt.date | None

    @staticmethod
    def resolve_certificate_valid_until(caregiver) -> dt.date | None:
        proving = [
            c for c in caregiver.certificates.all() if rules.CERTIFICATE_QUALIFICATION[c.kind]
        ]
        return max((c.expires_on for c in proving), default=None)


class CaregiverOut(CaregiverListOut):
    relationship: str
    hired_on: dt.date
    left_on: dt.date | None
    version: int
    certificates: list[CertificateOut]
    trainings: list[TrainingOut]
    training_hours: float

    @staticmethod
    def resolve_training_hours(caregiver) -> float:
        return float(sum(t.hours for t in caregiver.trainings.all()))


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


class CaregiverRevealIn(Schema):
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
    caregiver_name: str = Field(alias="caregiver.name")
    institution_name: str = Field(alias="caregiver.institution.organization.name")


class ProviderImportErrorOut(Schema):
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
    errors: list[ProviderImportErrorOut]
    created_at: dt.datetime
    committed_at: dt.datetime | None


class ProviderCommitIn(Schema):
    mode: Literal["all_or_nothing", "valid_only"] = "all_or_nothing"


# --- assessors ------------------------------------------------------------------------------


class AssessorIn(Schema):
    institution_id: int = Field(..., description="所属定点评估机构")
    name: str = Field(..., max_length=40)
    id_number: str = Field(..., max_length=32)
    phone: str = Field("", max_length=20)
    profession: Literal["doctor", "nurse", "therapist", "social_worker"]
    title: str = Field("", max_length=40, description="职称")
    hired_on: dt.date | None = None
    user_id: int | None = Field(None, description="关联的登录账号（该评估机构的评估员或专家）")


class AssessorUpdateIn(Schema):
    phone: str = Field("", max_length=20)
    profession: Literal["doctor", "nurse", "therapist", "social_worker"]
    title: str = Field("", max_length=40)
    user_id: int | None = None
    version: int | None = None


class AssessorCertificateIn(Schema):
    kind: Literal["assessor", "physician", "nurse", "therapist", "social_worker"]
    number: str = Field(..., max_length=40)
    issuer: str = Field("", max_length=100)
    issued_on: dt.date
    expires_on: dt.date


class AssessorListOut(Schema):
    id: int
    institution_id: int
    institution_name: str = Field(alias="institution.organization.name")
    name: str
    id_number_masked: str
    sex: str
    birth_date: dt.date
    phone_masked: str
    profession: str
    profession_label: str = Field(alias="get_profession_display")
    title: str
    user_id: int | None
    status: str
    status_label: str = Field(alias="get_status_display")
    qualified_today: bool
    qualification_reason: str

    @staticmethod
    def resolve_qualified_today(assessor) -> bool:
        return services.assessor_qualification(assessor, clock.today())[0]

    @staticmethod
    def resolve_qualification_reason(assessor) -> str:
        return services.assessor_qualification(assessor, clock.today())[1]


class AssessorOut(AssessorListOut):
    hired_on: dt.date
    left_on: dt.date | None
    version: int
    certificates: list[CertificateOut]
    trainings: list[TrainingOut]


class QualifiedOut(Schema):
    assessor_id: int
    day: dt.date
    qualified: bool
    code: str
    message: str
