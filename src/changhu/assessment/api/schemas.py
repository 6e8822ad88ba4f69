"""The assessment API's request and response schemas."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from changhu.assessment import selectors
from changhu.core.money import format_yuan
from changhu.core.scope import scope_of
from changhu.insured.models import SpecialGroup
from changhu.orgs.roles import Right

_GROUP_LABELS = dict(SpecialGroup.choices)


def _staff(context) -> bool:
    """Whether the reader is assessment staff (applicants see less of their own case)."""
    return scope_of(context["request"].auth).can(Right.ASSESSMENT_VIEW)


# --- schemas -----------------------------------------------------------------------------------


class ApplicationListOut(Schema):
    id: int
    number: str
    kind: str
    kind_label: str = Field(alias="get_kind_display")
    channel: str
    status: str
    status_label: str = Field(alias="get_status_display")
    person_id: int
    person_name: str = Field(alias="person.name")
    person_id_number_masked: str = Field(alias="person.id_number_masked")
    region_code: str
    priority: bool
    special_groups: list[str]
    submitted_at: dt.datetime
    institution: str | None
    materials_due: dt.date | None
    assessment_due: dt.date | None
    publicity_until: dt.date | None
    overdue_since: dt.date | None

    @staticmethod
    def resolve_special_groups(application) -> list[str]:
        return [_GROUP_LABELS.get(g, g) for g in application.special_groups]

    @staticmethod
    def resolve_institution(application) -> str | None:
        return application.institution.name if application.institution_id else None


class DocumentOut(Schema):
    id: int
    kind: str
    kind_label: str = Field(alias="get_kind_display")
    original_name: str
    content_type: str
    size: int
    sha256: str
    on_site: bool
    uploaded_at: dt.datetime
    download_url: str

    @staticmethod
    def resolve_on_site(document) -> bool:
        return document.assessment_id is not None

    @staticmethod
    def resolve_download_url(document) -> str:
        return f"/api/v1/assessment/documents/{document.pk}/download"


class TeamMemberOut(Schema):
    user_id: int
    name: str = Field(alias="user.display_name")
    is_expert: bool
    present: bool
    recused: bool
    recusal_reason: str

    @staticmethod
    def resolve_recused(assignment) -> bool:
        return assignment.recused_at is not None


class ConfirmationOut(Schema):
    expert: str = Field(alias="expert.display_name")
    decision: str
    decision_label: str = Field(alias="get_decision_display")
    comment: str
    submission: int
    at: dt.datetime


class AssessmentOut(Schema):
    id: int
    round: int
    active: bool
    institution_id: int
    institution: str = Field(alias="institution.name")
    due_date: dt.date
    scale: str = Field(alias="scale_version.code")
    scale_version: str = Field(alias="scale_version.version")
    team: list[TeamMemberOut] = Field(alias="assignments")
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
    levels: dict[str, str] = Field(alias="level_names")
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
    status_label: str = Field(alias="get_status_display")
    handling_note: str
    handled_at: dt.datetime | None


class ConclusionOut(Schema):
    id: int
    number: str
    application_id: int
    person_id: int
    person_name: str = Field(alias="person.name")
    grade: int
    grade_label: str
    qualifying: bool
    valid_from: dt.date
    valid_until: dt.date
    appeal_until: dt.date
    issued_at: dt.datetime
    scale: str = Field(alias="scale_version.code")
    scale_version: str = Field(alias="scale_version.version")
    rules_version: str
    grade_changed: bool | None
    fee_payer: str
    fee_payer_label: str = Field(alias="get_fee_payer_display")
    fee_fen: int
    fee_yuan: str
    superseded_on: dt.date | None
    letter_url: str

    @staticmethod
    def resolve_rules_version(conclusion) -> str:
        return f"{conclusion.rules.code} {conclusion.rules.version}"

    @staticmethod
    def resolve_fee_yuan(conclusion) -> str:
        return format_yuan(conclusion.fee_fen)

    @staticmethod
    def resolve_letter_url(conclusion) -> str:
        return f"/api/v1/assessment/conclusions/{conclusion.pk}/letter"


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

    @staticmethod
    def resolve_refusal_reason_label(application) -> str:
        return application.get_refusal_reason_display() if application.refusal_reason else ""

    @staticmethod
    def resolve_rules_version(application) -> str:
        return f"{application.rules.code} {application.rules.version}"

    @staticmethod
    def resolve_previous_conclusion(application) -> str | None:
        previous = application.previous_conclusion
        return previous.number if previous else None

    @staticmethod
    def resolve_allowed_actions(application, context) -> list[str]:
        return selectors.allowed_actions(context["request"].auth, application)

    @staticmethod
    def resolve_documents(application, context) -> list:
        return selectors.documents_of(fetched_by=context["request"].auth, application=application)

    @staticmethod
    def resolve_assessments(application, context) -> list:
        return selectors.assessments_of(fetched_by=context["request"].auth, application=application)

    @staticmethod
    def resolve_objections(application, context) -> list:
        if not _staff(context):
            return []
        return selectors.objections_of(fetched_by=context["request"].auth, application=application)

    @staticmethod
    def resolve_conclusion(application):
        return selectors.conclusion_of(application)

    @staticmethod
    def resolve_timeline(application, context) -> list[dict]:
        staff = _staff(context)
        return [
            {**entry.__dict__, "actor": entry.actor if staff else ""}
            for entry in selectors.timeline(application)
        ]


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
    id: int = Field(alias="organization.pk")
    name: str = Field(alias="organization.name")
    open_cases: int
    excluded: bool
    reasons: list[str]


class AssessorOptionOut(Schema):
    user_id: int = Field(alias="user.pk")
    name: str = Field(alias="user.display_name")
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
    application_number: str = Field(alias="application.number")
    kind: str
    title: str
    body: str
    created_at: dt.datetime
    read: bool

    @staticmethod
    def resolve_read(notice) -> bool:
        return notice.read_at is not None


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
