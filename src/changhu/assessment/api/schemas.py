"""The assessment API's request and response schemas."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

# --- schemas -----------------------------------------------------------------------------------


class ApplicationListOut(Schema):
    id: int
    number: str
    kind: str
    kind_label: str
    channel: str
    status: str
    status_label: str
    person_id: int
    person_name: str
    person_id_number_masked: str
    region_code: str
    priority: bool
    special_groups: list[str]
    submitted_at: dt.datetime
    institution: str | None
    materials_due: dt.date | None
    assessment_due: dt.date | None
    publicity_until: dt.date | None
    overdue_since: dt.date | None


class DocumentOut(Schema):
    id: int
    kind: str
    kind_label: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    on_site: bool
    uploaded_at: dt.datetime
    download_url: str


class TeamMemberOut(Schema):
    user_id: int
    name: str
    is_expert: bool
    present: bool
    recused: bool
    recusal_reason: str


class ConfirmationOut(Schema):
    expert: str
    decision: str
    decision_label: str
    comment: str
    submission: int
    at: dt.datetime


class AssessmentOut(Schema):
    id: int
    round: int
    active: bool
    institution_id: int
    institution: str
    due_date: dt.date
    scale: str
    scale_version: str
    team: list[TeamMemberOut]
    answers: dict[str, int]
    form_version: int
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    latitude: float | None
    longitude: float | None
    location_accuracy: int | None
    guardian_present: bool | None
    guardian_name: str
    guardian_relationship: str
    video_reference: str
    remarks: str
    submitted_at: dt.datetime | None
    scores: dict[str, int]
    levels: dict[str, str]
    grade: int | None
    grade_label: str
    qualifying: bool | None
    confirmations: list[ConfirmationOut]


class ObjectionOut(Schema):
    id: int
    raised_by: str
    content: str
    received_on: dt.date
    status: str
    status_label: str
    handling_note: str
    handled_at: dt.datetime | None


class ConclusionOut(Schema):
    id: int
    number: str
    application_id: int
    person_id: int
    person_name: str
    grade: int
    grade_label: str
    qualifying: bool
    valid_from: dt.date
    valid_until: dt.date
    appeal_until: dt.date
    issued_at: dt.datetime
    scale: str
    scale_version: str
    rules_version: str
    grade_changed: bool | None
    fee_payer: str
    fee_payer_label: str
    fee_fen: int
    fee_yuan: str
    superseded_on: dt.date | None
    letter_url: str


class TimelineOut(Schema):
    at: dt.datetime
    actor: str
    kind: str
    title: str
    text: str
    from_state: str
    to_state: str


class ApplicationOut(ApplicationListOut):
    applicant_name: str
    relationship: str
    phone_masked: str
    address_masked: str
    place: str
    reason: str
    referrer: str
    materials_note: str
    refusal_reason: str
    refusal_reason_label: str
    refusal_text: str
    publicity_from: dt.date | None
    rules_version: str
    previous_conclusion: str | None
    allowed_actions: list[str] = Field(..., description="当前状态下可执行的流转")
    documents: list[DocumentOut]
    assessments: list[AssessmentOut]
    objections: list[ObjectionOut]
    conclusion: ConclusionOut | None
    timeline: list[TimelineOut]


class ApplicationIn(Schema):
    person_id: int | None = Field(None, description="经办人员：被评估人编号")
    person_name: str = Field("", max_length=40, description="被评估人姓名（线上申请必填）")
    person_id_number: str = Field(
        "", max_length=32, description="被评估人身份证号码（线上申请必填）"
    )
    applicant_name: str = Field("", max_length=40, description="申请人姓名，线上申请默认为账号姓名")
    relationship: Literal["self", "spouse", "child", "parent", "relative", "guardian", "agent"]
    phone: str = Field(..., max_length=20)
    address: str = Field(..., max_length=200, description="照护地址（上门评估地址）")
    place: Literal["home", "institution"] = "home"
    reason: str = Field("", max_length=500)
    channel: Literal["counter", "mobile_point", "family_doctor", ""] = Field(
        "", description="经办人员录入时的受理渠道，线上申请忽略"
    )
    referrer: str = Field("", max_length=100, description="家庭医生协助申请时的医生及机构")


class NoteIn(Schema):
    note: str = Field("", max_length=500)


class RefuseIn(Schema):
    reason: Literal["not_insured", "conditions_not_met", "outside_fund", "materials", "other"]
    text: str = Field("", max_length=500)


class MaterialsIn(Schema):
    note: str = Field(..., max_length=500, description="需要补充的材料")
    due_date: dt.date | None = Field(None, description="补充期限，默认按规则的工作日数")


class ReasonIn(Schema):
    reason: str = Field(..., max_length=500)


class DispatchIn(Schema):
    institution_id: int | None = Field(None, description="评估机构；不填则自动选择负荷最小的机构")
    due_date: dt.date | None = None
    declared_care_institution_ids: list[int] = Field(
        default_factory=list, description="经办人员掌握的为该参保人提供护理服务的机构"
    )
    note: str = Field("", max_length=200)


class InstitutionOptionOut(Schema):
    id: int
    name: str
    open_cases: int
    excluded: bool
    reasons: list[str]


class AssessorOptionOut(Schema):
    user_id: int
    name: str
    is_expert: bool
    excluded: bool
    reasons: list[str]


class TeamIn(Schema):
    user_ids: list[int] = Field(..., description="全部现场评估人员（含评估专家）")


class FormIn(Schema):
    answers: dict[str, Any] = Field(default_factory=dict, description="评估项目名称 → 分值")
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    location_accuracy: float | None = None
    guardian_present: bool | None = None
    guardian_name: str = Field("", max_length=40)
    guardian_relationship: str = Field("", max_length=12)
    video_reference: str = Field("", max_length=200)
    remarks: str = Field("", max_length=1000)
    present_ids: list[int] = Field(default_factory=list, description="到场的评估人员")
    form_version: int | None = Field(None, description="读取时的表单版本，防止覆盖同组人员的修改")


class AnswersIn(Schema):
    answers: dict[str, Any] = Field(default_factory=dict)


class ScaleScoreIn(AnswersIn):
    version: str | None = None
    on_date: dt.date | None = None


class ScoreOut(Schema):
    scale: str
    version: str
    complete: bool
    scores: dict[str, int]
    levels: dict[str, str]
    level_names: dict[str, str]
    missing: list[str]
    grade_range: list[int]
    grade: int | None
    grade_label: str | None
    qualifying: bool | None


class OptionOut(Schema):
    points: int
    text: str


class ItemOut(Schema):
    name: str
    indicator: str
    indicator_name: str
    options: list[OptionOut]


class FormOut(Schema):
    application_id: int
    scale: str
    scale_version: str
    scale_name: str
    items: list[ItemOut]
    assessment: AssessmentOut
    score: ScoreOut


class ConfirmIn(Schema):
    decision: Literal["confirm", "return"]
    comment: str = Field("", max_length=500)


class ReviewIn(Schema):
    decision: Literal["approve", "return"]
    note: str = Field("", max_length=500)


class ObjectionIn(Schema):
    raised_by: str = Field(..., max_length=40)
    content: str = Field(..., max_length=1000)
    received_on: dt.date | None = None


class ObjectionHandleIn(Schema):
    decision: Literal["dismissed", "upheld"]
    note: str = Field(..., max_length=1000)


class AppealIn(Schema):
    reason: str = Field(..., max_length=500)
    place: Literal["home", "institution"] | None = None


class ReassessmentIn(Schema):
    kind: Literal["condition_change", "spot_check"]
    reason: str = Field(..., max_length=500)


class NoticeOut(Schema):
    id: int
    application_id: int
    application_number: str
    kind: str
    title: str
    body: str
    created_at: dt.datetime
    read: bool


class ContactOut(Schema):
    phone: str
    address: str


class ApplicationQuery(Schema):
    queue: str = Field("", description="intake/materials/dispatch/assessment/confirmation/...")
    status: str = ""
    kind: str = ""
    q: str = Field("", max_length=40, description="被评估人姓名（前缀）或申请编号")
    district: str = Field("", max_length=12)
    page: int = 1
    page_size: int = 20


class QueueOut(Schema):
    key: str
    label: str
    count: int
