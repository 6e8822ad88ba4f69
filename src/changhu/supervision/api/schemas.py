"""The supervision API's request and response schemas (component names start with Supervision or
name the thing uniquely: Inspection…, Rectification…, Appeal…)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field


class SupervisionTaskPlanIn(Schema):
    title: str = Field(..., max_length=100, description="任务名称")
    kind: Literal["routine", "special", "flying"] = Field(
        ..., description="routine 日常巡查，special 专项检查，flying 飞行检查"
    )
    period: str = Field(..., description="检查月份 YYYY-MM")
    region_code: str = Field(..., description="检查范围：市或区县的区划代码")
    institution_sample: int = Field(..., ge=0, le=50, description="抽查机构数")
    beneficiary_sample: int = Field(..., ge=0, le=50, description="抽查居家服务对象数")
    seed: int | None = Field(
        None, ge=1, le=2**53, description="抽样种子；同一种子、同一数据抽得同一样本；不填则随机"
    )
    note: str = Field("", max_length=300)


class InspectionCancelIn(Schema):
    reason: str = Field(..., max_length=300)


class InspectionTaskOut(Schema):
    id: int
    title: str
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    period: str
    region_code: str
    region_name: str
    institution_sample: int
    beneficiary_sample: int
    seed: int
    status: str
    status_label: str = Field(..., alias="get_status_display")
    note: str
    created_at: dt.datetime
    completed_at: dt.datetime | None


class InspectionChecklistItemOut(Schema):
    code: str
    group: str
    item: str
    method: str
    points: int
    evidence: str
    legal_basis: str
    severity: str


class InspectionAnswerOut(InspectionChecklistItemOut):
    ok: bool
    note: str


class InspectionTargetOut(Schema):
    id: int
    task_id: int
    target: str
    position: int
    institution_id: int
    institution_name: str
    person_id: int | None
    person_name: str
    weight: float
    reason: str
    status: str
    score: int | None
    inspected_at: dt.datetime | None
    latitude: float | None
    longitude: float | None
    accuracy_m: float | None

    @staticmethod
    def resolve_institution_name(obj) -> str:
        return obj.institution.organization.name

    @staticmethod
    def resolve_person_name(obj) -> str:
        return obj.person.name if obj.person_id else ""


class InspectionTargetDetailOut(InspectionTargetOut):
    checklist_name: str
    checklist_version: str
    items: list[InspectionChecklistItemOut]
    answers: list[InspectionAnswerOut]
    summary: str
    photo_ids: list[int]

    @staticmethod
    def resolve_checklist_name(obj) -> str:
        return obj.checklist.name

    @staticmethod
    def resolve_checklist_version(obj) -> str:
        return obj.checklist.version

    @staticmethod
    def resolve_items(obj) -> list[dict]:
        return obj.checklist.items

    @staticmethod
    def resolve_photo_ids(obj) -> list[int]:
        return [p.pk for p in obj.photos.all()]


class InspectionAnswerIn(Schema):
    ok: bool = Field(..., description="true 合格；false 不合格（须填写问题描述）")
    note: str = Field("", max_length=500, description="不合格时发现的问题")


class InspectionRecordIn(Schema):
    answers: dict[str, InspectionAnswerIn] = Field(..., description="检查项代码 -> 结果")
    latitude: float | None = Field(None, description="WGS-84 纬度")
    longitude: float | None = Field(None, description="WGS-84 经度")
    accuracy_m: float | None = Field(None, description="定位精度（米）")
    photo_sha256s: list[str] = Field(default_factory=list, max_length=10)
    summary: str = Field("", max_length=1000)


class InspectionPhotoOut(Schema):
    id: int
    sha256: str
    size: int
    content_type: str
    created: bool


class InspectionFindingOut(Schema):
    id: int
    task_id: int
    target_id: int
    institution_id: int
    institution_name: str
    item_code: str
    item: str
    points: int
    severity: str
    legal_basis: str
    description: str
    status: str
    created_at: dt.datetime

    @staticmethod
    def resolve_institution_name(obj) -> str:
        return obj.institution.organization.name


class RectificationAnswerOut(Schema):
    id: int
    text: str
    answered_at: dt.datetime
    decision: str
    decision_reason: str
    evidence_names: list[str]

    @staticmethod
    def resolve_evidence_names(obj) -> list[str]:
        return [e.name for e in obj.evidence.all()]


class RectificationOut(Schema):
    id: int
    notice_number: str
    finding_id: int
    institution_id: int
    institution_name: str
    item: str
    severity: str
    legal_basis: str
    description: str
    status: str
    status_label: str = Field(..., alias="get_status_display")
    issued_on: dt.date
    deadline: dt.date
    rounds: int
    escalated_at: dt.datetime | None
    closed_at: dt.datetime | None
    last_reason: str

    @staticmethod
    def resolve_institution_name(obj) -> str:
        return obj.institution.organization.name

    @staticmethod
    def resolve_item(obj) -> str:
        return obj.finding.item

    @staticmethod
    def resolve_severity(obj) -> str:
        return obj.finding.severity

    @staticmethod
    def resolve_legal_basis(obj) -> str:
        return obj.finding.legal_basis

    @staticmethod
    def resolve_description(obj) -> str:
        return obj.finding.description


class RectificationDetailOut(RectificationOut):
    answers: list[RectificationAnswerOut]

    @staticmethod
    def resolve_answers(obj) -> list:
        return list(obj.answers.all())


class RectificationReviewIn(Schema):
    decision: Literal["accept", "reject"]
    reason: str = Field("", max_length=500, description="复查意见；退回时必填")
    working_days: int | None = Field(
        None, description="退回后的整改期限（工作日）；不填按检查表的时限"
    )


class RectificationEscalateOut(Schema):
    escalated: int
    notices: list[str]


class SupervisionAppealIn(Schema):
    inspection_finding_id: int | None = Field(None, description="申诉的检查发现")
    screening_finding_id: int | None = Field(None, description="申诉的稽核发现")
    reason: str = Field(..., max_length=2000)


class SupervisionAppealDecideIn(Schema):
    decision: Literal["uphold", "reject"] = Field(..., description="uphold 申诉成立，reject 不成立")
    reason: str = Field(..., max_length=500)


class SupervisionAppealOut(Schema):
    id: int
    inspection_finding_id: int | None
    screening_finding_id: int | None
    institution_id: int
    subject: str
    reason: str
    filed_at: dt.datetime
    due_on: dt.date
    status: str
    status_label: str = Field(..., alias="get_status_display")
    decided_at: dt.datetime | None
    decision_reason: str
