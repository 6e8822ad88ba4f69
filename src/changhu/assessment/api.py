"""Applications and assessments over HTTP: intake, review, dispatch, the on-site form with the
live score, confirmation, publicity, conclusions, appeals. Thin: schemas in, a service or
selector call, schemas out."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from changhu.api.schemas import Page, errors, paginate
from changhu.assessment import presets, scoring, selectors, services
from changhu.assessment.models import (
    Application,
    Assessment,
    Conclusion,
    Document,
    DocumentKind,
    Objection,
)
from changhu.assessment.workflow import WORKFLOW
from changhu.core import clock
from changhu.core.excel import XLSX_CONTENT_TYPE, workbook_bytes
from changhu.core.money import format_yuan
from changhu.core.scope import scope_of
from changhu.insured.models import SpecialGroup
from changhu.orgs.roles import Right

router = Router(tags=["失能评估"])

_GROUP_LABELS = dict(SpecialGroup.choices)


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


# --- converters ----------------------------------------------------------------------------------


def _list_row(a: Application) -> dict:
    return {
        "id": a.pk,
        "number": a.number,
        "kind": a.kind,
        "kind_label": a.get_kind_display(),
        "channel": a.channel,
        "status": a.status,
        "status_label": a.get_status_display(),
        "person_id": a.person_id,
        "person_name": a.person.name,
        "person_id_number_masked": a.person.id_number_masked,
        "region_code": a.region_code,
        "priority": a.priority,
        "special_groups": [_GROUP_LABELS.get(g, g) for g in a.special_groups],
        "submitted_at": a.submitted_at,
        "institution": a.institution.name if a.institution_id else None,
        "materials_due": a.materials_due,
        "assessment_due": a.assessment_due,
        "publicity_until": a.publicity_until,
        "overdue_since": a.overdue_since,
    }


def _document(d: Document) -> dict:
    return {
        "id": d.pk,
        "kind": d.kind,
        "kind_label": d.get_kind_display(),
        "original_name": d.original_name,
        "content_type": d.content_type,
        "size": d.size,
        "sha256": d.sha256,
        "on_site": d.assessment_id is not None,
        "uploaded_at": d.uploaded_at,
        "download_url": f"/api/v1/assessment/documents/{d.pk}/download",
    }


def _assessment(a: Assessment) -> dict:
    return {
        "id": a.pk,
        "round": a.round,
        "active": a.active,
        "institution_id": a.institution_id,
        "institution": a.institution.name,
        "due_date": a.due_date,
        "scale": a.scale_version.code,
        "scale_version": a.scale_version.version,
        "team": [
            {
                "user_id": m.user_id,
                "name": m.user.display_name,
                "is_expert": m.is_expert,
                "present": m.present,
                "recused": m.recused_at is not None,
                "recusal_reason": m.recusal_reason,
            }
            for m in a.assignments.all()
        ],
        "answers": a.answers,
        "form_version": a.form_version,
        "started_at": a.started_at,
        "ended_at": a.ended_at,
        "latitude": float(a.latitude) if a.latitude is not None else None,
        "longitude": float(a.longitude) if a.longitude is not None else None,
        "location_accuracy": a.location_accuracy,
        "guardian_present": a.guardian_present,
        "guardian_name": a.guardian_name,
        "guardian_relationship": a.guardian_relationship,
        "video_reference": a.video_reference,
        "remarks": a.remarks,
        "submitted_at": a.submitted_at,
        "scores": a.scores,
        "levels": a.level_names,
        "grade": a.grade,
        "grade_label": a.grade_label,
        "qualifying": a.qualifying,
        "confirmations": [
            {
                "expert": c.expert.display_name,
                "decision": c.decision,
                "decision_label": c.get_decision_display(),
                "comment": c.comment,
                "submission": c.submission,
                "at": c.at,
            }
            for c in a.confirmations.all()
        ],
    }


def _objection(o: Objection) -> dict:
    return {
        "id": o.pk,
        "raised_by": o.raised_by,
        "content": o.content,
        "received_on": o.received_on,
        "status": o.status,
        "status_label": o.get_status_display(),
        "handling_note": o.handling_note,
        "handled_at": o.handled_at,
    }


def _conclusion(c: Conclusion) -> dict:
    return {
        "id": c.pk,
        "number": c.number,
        "application_id": c.application_id,
        "person_id": c.person_id,
        "person_name": c.person.name,
        "grade": c.grade,
        "grade_label": c.grade_label,
        "qualifying": c.qualifying,
        "valid_from": c.valid_from,
        "valid_until": c.valid_until,
        "appeal_until": c.appeal_until,
        "issued_at": c.issued_at,
        "scale": c.scale_version.code,
        "scale_version": c.scale_version.version,
        "rules_version": f"{c.rules.code} {c.rules.version}",
        "grade_changed": c.grade_changed,
        "fee_payer": c.fee_payer,
        "fee_payer_label": c.get_fee_payer_display(),
        "fee_fen": c.fee_fen,
        "fee_yuan": format_yuan(c.fee_fen),
        "superseded_on": c.superseded_on,
        "letter_url": f"/api/v1/assessment/conclusions/{c.pk}/letter",
    }


def _allowed(user, application: Application) -> list[str]:
    s = scope_of(user)
    return [
        name
        for name in WORKFLOW.allowed(application.status)
        if s.can(WORKFLOW.transitions[name].right)
        or (name in ("resubmit", "withdraw") and s.can(Right.ASSESSMENT_INTAKE))
    ]


def _detail(user, application_id: int) -> dict:
    a = selectors.application_get(fetched_by=user, application_id=application_id)
    staff = scope_of(user).can(Right.ASSESSMENT_VIEW)
    conclusion = Conclusion.objects.filter(application=a).select_related(
        "person", "scale_version", "rules"
    )
    row = _list_row(a)
    row.update(
        {
            "applicant_name": a.applicant_name,
            "relationship": a.relationship,
            "phone_masked": a.phone_masked,
            "address_masked": a.address_masked,
            "place": a.place,
            "reason": a.reason,
            "referrer": a.referrer,
            "materials_note": a.materials_note,
            "refusal_reason": a.refusal_reason,
            "refusal_reason_label": a.get_refusal_reason_display() if a.refusal_reason else "",
            "refusal_text": a.refusal_text,
            "publicity_from": a.publicity_from,
            "rules_version": f"{a.rules.code} {a.rules.version}",
            "previous_conclusion": a.previous_conclusion.number if a.previous_conclusion else None,
            "allowed_actions": _allowed(user, a),
            "documents": [
                _document(d) for d in selectors.documents_of(fetched_by=user, application=a)
            ],
            "assessments": [
                _assessment(x) for x in selectors.assessments_of(fetched_by=user, application=a)
            ],
            "objections": [
                _objection(o) for o in selectors.objections_of(fetched_by=user, application=a)
            ]
            if staff
            else [],
            "conclusion": _conclusion(conclusion[0]) if conclusion else None,
            "timeline": [
                {**entry.__dict__, "actor": entry.actor if staff else ""}
                for entry in selectors.timeline(a)
            ],
        }
    )
    return row


def _score(partial: scoring.PartialResult, scale: scoring.Scale, region_code: str = "") -> dict:
    """The live score; ``qualifying`` per the benefit policy of the case's region (unknown
    without a case: the scale does not decide which grades qualify)."""
    result = partial.result
    return {
        "scale": partial.scale_code,
        "version": partial.scale_version,
        "complete": partial.complete,
        "scores": dict(partial.scores),
        "levels": dict(partial.levels),
        "level_names": {code: scale.level(level).name for code, level in partial.levels.items()},
        "missing": list(partial.missing),
        "grade_range": list(partial.grade_range),
        "grade": result.grade if result else None,
        "grade_label": result.grade_label if result else None,
        "qualifying": (
            selectors.grade_qualifies(region_code, result.grade) if result and region_code else None
        ),
    }


def _attachment(content: bytes, name: str, media_type: str, *, inline: bool = False):
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = content_disposition_header(not inline, name)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _binary(description: str, media_type: str) -> dict:
    return {
        "responses": {
            200: {
                "description": description,
                "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


# --- applications ------------------------------------------------------------------------------


@router.get("/queues", response={200: list[QueueOut], **errors()})
def queue_list(request):
    """当前用户可处理的工作队列及数量（特殊群体案件在各队列中排在前面）。"""
    counts = selectors.queue_counts(fetched_by=request.auth)
    return [
        {"key": q.key, "label": q.label, "count": counts.get(q.key, 0)}
        for q in selectors.queues_for(request.auth)
    ]


@router.get("/applications", response={200: Page[ApplicationListOut], **errors(422)})
def application_list(request, query: Query[ApplicationQuery]):
    """数据范围内的评估申请：经办人员按地区，评估机构按派单，申请人只看本人的申请。"""
    filters = selectors.ApplicationFilters(
        queue=query.queue, status=query.status, kind=query.kind, q=query.q, district=query.district
    )
    qs = selectors.application_list(fetched_by=request.auth, filters=filters)
    return paginate(qs, page=query.page, page_size=query.page_size, convert=_list_row)


@router.post("/applications", response={201: ApplicationOut, **errors(403, 404, 409, 422)})
def application_create(request, payload: ApplicationIn):
    """提交待遇申请。申请人（线上）填写被评估人姓名和完整身份证号码；经办人员（窗口、流动受理点、
    家庭医生协助）填写 person_id。材料另行上传到 documents。每人只能有一件未办结的申请。"""
    application = services.application_submit(
        actor=request.auth, data=services.ApplicationInput(**payload.dict())
    )
    return Status(201, _detail(request.auth, application.pk))


@router.get("/applications/{application_id}", response={200: ApplicationOut, **errors(404)})
def application_detail(request, application_id: int):
    """申请详情：状态、原因、材料、评估、异议、结论和完整的办理时间线。"""
    return _detail(request.auth, application_id)


@router.post(
    "/applications/{application_id}/documents",
    response={201: DocumentOut, **errors(403, 404, 409, 422)},
)
def document_upload(
    request,
    application_id: int,
    kind: Form[
        Literal[
            "id_card",
            "medical_record",
            "self_assessment",
            "authorization",
            "onsite_photo",
            "onsite_record",
            "other",
        ]
    ],
    file: File[UploadedFile],
):
    """上传材料（PDF、JPEG、PNG，按文件内容识别，单个不超过10MB）；其他文件被拒绝且不保存。"""
    document = services.document_add(
        actor=request.auth,
        application_id=application_id,
        upload=services.Upload(kind=kind, file=file),
    )
    return Status(201, _document(document))


@router.get(
    "/documents/{document_id}/download",
    response=errors(404),
    openapi_extra=_binary("材料文件", "application/octet-stream"),
)
def document_download(request, document_id: int):
    """下载材料（每次下载记入审计）。"""
    document, data = services.document_read(actor=request.auth, document_id=document_id)
    return _attachment(data, document.original_name, document.content_type)


@router.post(
    "/applications/{application_id}/contact", response={200: ContactOut, **errors(403, 404)}
)
def contact(request, application_id: int):
    """查看完整联系电话和照护地址（经办人员；评估机构仅在现场评估阶段），记入审计。"""
    return services.contact_reveal(actor=request.auth, application_id=application_id)


def _action(path: str, summary: str, statuses=(403, 404, 409, 422)):
    return router.post(
        f"/applications/{{application_id}}/{path}",
        response={200: ApplicationOut, **errors(*statuses)},
        summary=summary,
    )


@_action("accept", "受理")
def application_accept(request, application_id: int, payload: NoteIn):
    services.application_accept(
        actor=request.auth, application_id=application_id, note=payload.note
    )
    return _detail(request.auth, application_id)


@_action("refuse", "不予受理（国家规定的原因之一）")
def application_refuse(request, application_id: int, payload: RefuseIn):
    services.application_refuse(
        actor=request.auth, application_id=application_id, reason=payload.reason, text=payload.text
    )
    return _detail(request.auth, application_id)


@_action("request-materials", "要求补充材料（附期限）")
def application_request_materials(request, application_id: int, payload: MaterialsIn):
    services.application_request_materials(
        actor=request.auth,
        application_id=application_id,
        note=payload.note,
        due_date=payload.due_date,
    )
    return _detail(request.auth, application_id)


@_action("resubmit", "已补充材料，重新提交受理")
def application_resubmit(request, application_id: int, payload: NoteIn):
    services.application_resubmit(
        actor=request.auth, application_id=application_id, note=payload.note
    )
    return _detail(request.auth, application_id)


@_action("withdraw", "撤回申请（派单前）")
def application_withdraw(request, application_id: int, payload: NoteIn):
    services.application_withdraw(
        actor=request.auth, application_id=application_id, reason=payload.note
    )
    return _detail(request.auth, application_id)


@router.get(
    "/applications/{application_id}/institutions",
    response={200: list[InstitutionOptionOut], **errors(403, 404)},
)
def institution_options(request, application_id: int):
    """可派单的评估机构（负责被评估人所在地区），及须回避的原因。"""
    from changhu.core.scope import require

    require(request.auth, Right.ASSESSMENT_DISPATCH)
    application = selectors.application_get(fetched_by=request.auth, application_id=application_id)
    return [
        {
            "id": o.organization.pk,
            "name": o.organization.name,
            "open_cases": o.open_cases,
            "excluded": o.excluded,
            "reasons": o.reasons,
        }
        for o in selectors.dispatch_options(application)
    ]


@_action("dispatch", "派单至评估机构（不指定机构则自动派单）")
def application_dispatch(request, application_id: int, payload: DispatchIn):
    services.application_dispatch(
        actor=request.auth, application_id=application_id, **payload.dict()
    )
    return _detail(request.auth, application_id)


@_action("recall", "撤回派单")
def application_recall(request, application_id: int, payload: ReasonIn):
    services.application_recall(
        actor=request.auth, application_id=application_id, reason=payload.reason
    )
    return _detail(request.auth, application_id)


@router.get(
    "/applications/{application_id}/assessors",
    response={200: list[AssessorOptionOut], **errors(403, 404)},
)
def assessor_options(request, application_id: int):
    """本机构可指派的评估人员及须回避的原因。"""
    from changhu.core.scope import require

    require(request.auth, Right.ASSESSMENT_ASSIGN)
    application = selectors.application_get(fetched_by=request.auth, application_id=application_id)
    return [
        {
            "user_id": o.user.pk,
            "name": o.user.display_name,
            "is_expert": o.is_expert,
            "excluded": o.excluded,
            "reasons": o.reasons,
        }
        for o in selectors.assessor_options(application)
    ]


@_action("assessors", "指派（或调整）现场评估人员")
def assessors_assign(request, application_id: int, payload: TeamIn):
    services.assessors_assign(
        actor=request.auth, application_id=application_id, user_ids=payload.user_ids
    )
    return _detail(request.auth, application_id)


@_action("recuse", "评估人员申请回避")
def assessor_recuse(request, application_id: int, payload: ReasonIn):
    services.assessor_recuse(
        actor=request.auth, application_id=application_id, reason=payload.reason
    )
    return _detail(request.auth, application_id)


def _form(user, application_id: int, partial=None) -> dict:
    application = selectors.application_get(fetched_by=user, application_id=application_id)
    assessment = next(
        (
            a
            for a in selectors.assessments_of(fetched_by=user, application=application)
            if a.pk == application.current_assessment_id
        ),
        None,
    )
    if assessment is None:
        from changhu.core.errors import NotFound

        raise NotFound("该申请没有当前的评估表", code="no_assessment")
    scale = assessment.scale_version.scale
    partial = partial or scoring.partial_score(scale, assessment.answers)
    return {
        "application_id": application.pk,
        "scale": scale.code,
        "scale_version": scale.version,
        "scale_name": scale.name,
        "items": [
            {
                "name": item.name,
                "indicator": indicator.code,
                "indicator_name": indicator.name,
                "options": [{"points": o.points, "text": o.text} for o in item.options],
            }
            for indicator in scale.indicators
            for item in indicator.items
        ],
        "assessment": _assessment(assessment),
        "score": _score(partial, scale, application.region_code),
    }


@router.get("/applications/{application_id}/form", response={200: FormOut, **errors(404)})
def form_get(request, application_id: int):
    """现场评估表：17个评估项目及选项（中文）、已填内容和实时得分。"""
    return _form(request.auth, application_id)


@router.put(
    "/applications/{application_id}/form", response={200: FormOut, **errors(403, 404, 409, 422)}
)
def form_save(request, application_id: int, payload: FormIn):
    """保存评估表草稿（可部分填写，已填分值须为有效选项），返回实时得分。"""
    data = payload.dict()
    version = data.pop("form_version")
    _, partial = services.assessment_form_save(
        actor=request.auth,
        application_id=application_id,
        data=services.FormInput(**data),
        expected_version=version,
    )
    return _form(request.auth, application_id, partial)


@router.post(
    "/applications/{application_id}/form/score", response={200: ScoreOut, **errors(404, 409, 422)}
)
def form_score(request, application_id: int, payload: AnswersIn):
    """实时计分：按本案评估所用的量表版本计算草稿的得分、已完成指标的等级和可能的失能等级范围；
    不保存。"""
    partial = selectors.live_score(
        fetched_by=request.auth, application_id=application_id, answers=payload.answers
    )
    application = selectors.application_get(fetched_by=request.auth, application_id=application_id)
    return _score(
        partial, application.current_assessment.scale_version.scale, application.region_code
    )


@_action("form/submit", "提交现场评估（全部项目须有有效分值，失能等级由系统计算）")
def form_submit(request, application_id: int, payload: FormIn):
    data = payload.dict()
    data.pop("form_version")
    services.assessment_submit(
        actor=request.auth, application_id=application_id, data=services.FormInput(**data)
    )
    return _detail(request.auth, application_id)


@_action("confirm", "评估专家确认或退回重评")
def assessment_confirm(request, application_id: int, payload: ConfirmIn):
    services.assessment_confirm(
        actor=request.auth,
        application_id=application_id,
        decision=payload.decision,
        comment=payload.comment,
    )
    return _detail(request.auth, application_id)


@_action("review", "经办复核：通过（达到待遇等级的进入公示）或退回评估机构")
def application_review(request, application_id: int, payload: ReviewIn):
    services.application_review(
        actor=request.auth,
        application_id=application_id,
        decision=payload.decision,
        note=payload.note,
    )
    return _detail(request.auth, application_id)


@router.post(
    "/applications/{application_id}/objections",
    response={201: ObjectionOut, **errors(403, 404, 409, 422)},
)
def objection_create(request, application_id: int, payload: ObjectionIn):
    """登记公示期间收到的异议。"""
    objection = services.objection_record(
        actor=request.auth, application_id=application_id, **payload.dict()
    )
    return Status(201, _objection(objection))


@router.post(
    "/objections/{objection_id}/handle", response={200: ObjectionOut, **errors(403, 404, 409, 422)}
)
def objection_handle(request, objection_id: int, payload: ObjectionHandleIn):
    """处理异议：成立则重新派单评估；不成立且公示期满则进入待送达。"""
    objection = services.objection_handle(
        actor=request.auth, objection_id=objection_id, decision=payload.decision, note=payload.note
    )
    return _objection(objection)


@router.post(
    "/applications/{application_id}/issue",
    response={201: ConclusionOut, **errors(403, 404, 409)},
)
def conclusion_issue(request, application_id: int):
    """出具评估结论书（PDF）并通知申请人。"""
    conclusion = services.conclusion_issue(actor=request.auth, application_id=application_id)
    return Status(
        201,
        _conclusion(selectors.conclusion_get(fetched_by=request.auth, conclusion_id=conclusion.pk)),
    )


# --- conclusions, appeals, re-assessment ------------------------------------------------------


class ConclusionQuery(Schema):
    person_id: int | None = None
    page: int = 1
    page_size: int = 20


@router.get("/conclusions", response={200: Page[ConclusionOut], **errors(422)})
def conclusion_list(request, query: Query[ConclusionQuery]):
    """数据范围内的评估结论。"""
    qs = selectors.conclusion_list(fetched_by=request.auth, person_id=query.person_id)
    qs = qs.select_related("scale_version", "rules")
    return paginate(qs, page=query.page, page_size=query.page_size, convert=_conclusion)


@router.get("/conclusions/{conclusion_id}", response={200: ConclusionOut, **errors(404)})
def conclusion_detail(request, conclusion_id: int):
    return _conclusion(
        selectors.conclusion_get(fetched_by=request.auth, conclusion_id=conclusion_id)
    )


@router.get(
    "/conclusions/{conclusion_id}/letter",
    response=errors(404),
    openapi_extra=_binary("评估结论书 PDF", "application/pdf"),
)
def conclusion_letter(request, conclusion_id: int):
    """下载评估结论书（PDF，含完整身份证号码，每次下载记入审计）。"""
    conclusion, data = services.conclusion_letter(actor=request.auth, conclusion_id=conclusion_id)
    return _attachment(data, f"评估结论书{conclusion.number}.pdf", "application/pdf")


@router.post(
    "/conclusions/{conclusion_id}/appeal",
    response={201: ApplicationOut, **errors(403, 404, 409, 422)},
)
def appeal(request, conclusion_id: int, payload: AppealIn):
    """申请复评（在复评申请期限内）；复评派单回避原评估机构和人员，费用按规则在出结论时确定。"""
    application = services.appeal_request(
        actor=request.auth, conclusion_id=conclusion_id, reason=payload.reason, place=payload.place
    )
    return Status(201, _detail(request.auth, application.pk))


@router.post(
    "/persons/{person_id}/reassessments",
    response={201: ApplicationOut, **errors(403, 404, 409, 422)},
)
def reassessment_open(request, person_id: int, payload: ReassessmentIn):
    """经办人员因身体状况变化或抽查发起复评。"""
    application = services.reassessment_open(
        actor=request.auth, person_id=person_id, kind=payload.kind, reason=payload.reason
    )
    return Status(201, _detail(request.auth, application.pk))


# --- publicity, notices, scales ----------------------------------------------------------------


class PublicityOut(Schema):
    id: int
    number: str
    person_name: str
    person_id_number_masked: str
    region: str
    grade_label: str
    publicity_from: dt.date
    publicity_until: dt.date
    open_objections: int


def _publicity_rows(user) -> list[dict]:
    rows = []
    for a in selectors.publicity_list(fetched_by=user).prefetch_related("objections"):
        rows.append(
            {
                "id": a.pk,
                "number": a.number,
                "person_name": a.person.name,
                "person_id_number_masked": a.person.id_number_masked,
                "region": a.person.region.name,
                "grade_label": a.current_assessment.grade_label,
                "publicity_from": a.publicity_from,
                "publicity_until": a.publicity_until,
                "open_objections": sum(o.status == "open" for o in a.objections.all()),
            }
        )
    return rows


@router.get("/publicity", response={200: list[PublicityOut], **errors()})
def publicity(request):
    """公示中的评估结果（姓名、脱敏证件号、地区、等级、公示期）。"""
    return _publicity_rows(request.auth)


@router.get(
    "/publicity.xlsx",
    response=errors(),
    openapi_extra=_binary("公示名单 Excel", XLSX_CONTENT_TYPE),
)
def publicity_export(request):
    """导出公示名单（Excel）。"""
    from changhu.assessment.exports import publicity_sheet

    data = workbook_bytes([publicity_sheet(_publicity_rows(request.auth))])
    return _attachment(data, f"评估结果公示名单{clock.today():%Y%m%d}.xlsx", XLSX_CONTENT_TYPE)


@router.get("/notices", response={200: list[NoticeOut], **errors()})
def notice_list(request):
    """本人可见申请的通知（申请人：受理结果、补充材料、公示、结论）。"""
    return [_notice(n) for n in selectors.notices_for(fetched_by=request.auth)[:200]]


def _notice(n) -> dict:
    return {
        "id": n.pk,
        "application_id": n.application_id,
        "application_number": n.application.number,
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "created_at": n.created_at,
        "read": n.read_at is not None,
    }


@router.post("/notices/{notice_id}/read", response={200: NoticeOut, **errors(404)})
def notice_read(request, notice_id: int):
    """标记通知为已读。"""
    return _notice(services.notice_mark_read(actor=request.auth, notice_id=notice_id))


@router.post("/scales/{code}/score", response={200: ScoreOut, **errors(404, 422)})
def scale_score(request, code: str, payload: ScaleScoreIn):
    """按量表为一份（可不完整的）答卷实时计分，不保存。"""
    scale, _ = presets.resolve_scale(code, version=payload.version, on_date=payload.on_date)
    return _score(scoring.partial_score(scale, payload.answers), scale)


__all__ = ["DocumentKind", "router"]
