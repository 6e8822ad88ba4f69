"""Home visits from the caregiver's phone, bed-days, patrols, findings and screening over HTTP."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from django.db.models import Q
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from changhu.api.schemas import Page, errors, paginate
from changhu.care import selectors as care_selectors
from changhu.care.models import Assignment, CarePlanItem, CarePlanStatus
from changhu.core import clock
from changhu.core.errors import PermissionDenied
from changhu.core.scope import require, scope_of
from changhu.orgs.roles import Right
from changhu.visits import rulesets, selectors, services
from changhu.visits.models import (
    Finding,
    PatrolVisit,
    ScreeningRun,
    ShortVisitReason,
    Visit,
    VisitStatus,
)

router = Router(tags=["上门服务与稽核"])

Datum = Literal["wgs84", "gcj02", "bd09"]


# --- schemas --------------------------------------------------------------------------------


class PhotoOut(Schema):
    id: int
    sha256: str
    size: int
    content_type: str
    created: bool


class PositionIn(Schema):
    latitude: float
    longitude: float
    accuracy_m: float = Field(..., description="定位精度（米），来自手机定位")
    datum: Datum = Field("wgs84", description="坐标系；手机GPS为wgs84，国内地图为gcj02/bd09")


class CheckInIn(PositionIn):
    client_uuid: uuid.UUID = Field(..., description="手机生成的事件UUID；重试时原样发送")
    person_id: int
    device_time: dt.datetime = Field(..., description="手机上的事件时间（带时区）")
    photo_sha256: str = Field("", max_length=64, description="已上传照片的SHA-256")


class ItemIn(Schema):
    item_id: int
    quantity: int = 1


class CheckOutIn(PositionIn):
    client_uuid: uuid.UUID
    visit_uuid: uuid.UUID = Field(..., description="签到事件的UUID")
    device_time: dt.datetime
    items: list[ItemIn]
    photo_sha256: str = Field("", max_length=64)
    confirmation_method: Literal["code", "signature", ""] = ""
    confirmation_code: str = Field("", max_length=12)
    signature_sha256: str = Field("", max_length=64)
    short_reason: str = Field(
        "", max_length=20, description="服务时长明显不足参考时长时的提前结束原因代码"
    )
    short_reason_note: str = Field("", max_length=200, description="原因为“其他”时的说明")


class VisitOut(Schema):
    id: int
    client_uuid: uuid.UUID
    status: str
    person_id: int
    caregiver_id: int
    institution_id: int
    service_date: dt.date
    offline: bool
    check_in_at: dt.datetime
    check_in_device_at: dt.datetime
    check_in_place: str
    check_in_distance_m: int | None
    check_out_uuid: uuid.UUID | None
    check_out_at: dt.datetime | None
    check_out_place: str
    check_out_distance_m: int | None
    duration_minutes: int | None
    reference_minutes: int | None
    place_result: str
    confirmation_method: str
    payable: bool
    rule_version: str
    short_reason: str
    short_reason_note: str


class VisitListOut(VisitOut):
    person_name: str
    caregiver_name: str
    institution_name: str


class VisitItemOut(Schema):
    item_id: int
    code: str
    name: str
    quantity: int
    reference_minutes: int


class PositionOut(Schema):
    latitude: float | None
    longitude: float | None
    accuracy_m: float | None
    east_m: float | None = Field(None, description="相对住址向东的距离（米）")
    north_m: float | None = Field(None, description="相对住址向北的距离（米）")


class FindingOut(Schema):
    id: int
    visit_id: int | None
    bed_day_id: int | None
    person_id: int
    person_name: str
    institution_id: int
    caregiver_id: int | None
    period: str
    service_date: dt.date | None
    rule_code: str
    rule_label: str
    severity: str
    status: str
    rule_version: str
    reason: str
    resolution_reason: str
    resolved_at: dt.datetime | None


class VisitDetailOut(VisitListOut):
    check_in_position: PositionOut
    check_out_position: PositionOut
    check_in_accuracy_m: float
    check_in_received_at: dt.datetime
    check_out_device_at: dt.datetime | None
    check_out_received_at: dt.datetime | None
    check_in_photo_id: int | None
    check_out_photo_id: int | None
    confirmation_signature_id: int | None
    items: list[VisitItemOut]
    findings: list[FindingOut]


class BatchEventIn(Schema):
    type: Literal["check_in", "check_out"]
    client_uuid: uuid.UUID
    device_time: dt.datetime
    latitude: float
    longitude: float
    accuracy_m: float
    datum: Datum = "wgs84"
    person_id: int | None = None
    photo_sha256: str = Field("", max_length=64)
    visit_uuid: uuid.UUID | None = None
    items: list[ItemIn] = []
    confirmation_method: Literal["code", "signature", ""] = ""
    confirmation_code: str = Field("", max_length=12)
    signature_sha256: str = Field("", max_length=64)
    short_reason: str = Field(
        "", max_length=20, description="服务时长明显不足参考时长时的提前结束原因代码"
    )
    short_reason_note: str = Field("", max_length=200, description="原因为“其他”时的说明")


class BatchIn(Schema):
    events: list[BatchEventIn] = Field(..., max_length=services.MAX_BATCH_EVENTS)


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, str]
    details: dict[str, Any] | None = None


class BatchResultOut(Schema):
    index: int
    type: str
    client_uuid: str
    status: Literal["created", "duplicate", "error"]
    visit: VisitOut | None = None
    error: ErrorBody | None = None


class BatchOut(Schema):
    results: list[BatchResultOut]
    created: int
    duplicates: int
    errors: int


class CancelIn(Schema):
    reason: str = Field(..., max_length=300)


class PlanItemOut(Schema):
    item_id: int
    code: str
    name: str
    reference_minutes: int
    frequency: str


class ContactOut(Schema):
    label: str
    phone: str


class HomeOut(Schema):
    address: str = Field(..., description="完整居住地址（仅本人有效派定的服务对象，查看留痕）")
    contacts: list[ContactOut]
    map_url: str = Field(..., description="在地图中打开住址的链接（高德地图URI）")


class ShortVisitOut(Schema):
    min_ratio: float = Field(..., description="低于参考时长的此比例时签退需选择原因")
    min_minutes: int = Field(..., description="签到后至少多少分钟才能签退")
    reasons: list[dict[str, str]]


class TodayPersonOut(Schema):
    person_id: int
    name: str
    address_masked: str
    home: HomeOut | None = None
    eligible: bool
    eligibility: str
    plan_items: list[PlanItemOut]
    visits: list[VisitOut]


class TodayOut(Schema):
    date: dt.date
    caregiver_id: int
    caregiver_name: str
    institution_name: str
    persons: list[TodayPersonOut]
    short_visit: ShortVisitOut


class FamilyCodeOut(Schema):
    person_id: int
    code: str
    valid_until: dt.datetime


class ResolveIn(Schema):
    decision: Literal["confirm", "dismiss"]
    reason: str = Field(..., max_length=500)


class RunIn(Schema):
    period: str = Field(..., description="YYYY-MM")


class RunOut(Schema):
    id: int
    period: str
    status: str
    rule_version: str
    total_chunks: int
    done_chunks: int
    percent: int
    findings_count: int
    summary: dict
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None


class StayIn(Schema):
    person_id: int
    admitted_on: dt.date
    bed_number: str = Field("", max_length=20)


class DischargeIn(Schema):
    discharged_on: dt.date


class StayOut(Schema):
    id: int
    person_id: int
    institution_id: int
    admitted_on: dt.date
    discharged_on: dt.date | None
    bed_number: str


class MarkIn(Schema):
    person_id: int
    first: dt.date
    last: dt.date
    kind: Literal["in_bed", "leave", "hospital_transfer"]


class MarkOut(Schema):
    changed: int


class BedDayOut(Schema):
    id: int
    person_id: int
    institution_id: int
    day: dt.date
    kind: str
    payable: bool


class ChecklistEntryOut(Schema):
    code: str
    group: str
    label: str


class ChecklistOut(Schema):
    version: str
    items: list[ChecklistEntryOut]


class PatrolIn(Schema):
    client_uuid: uuid.UUID
    person_id: int
    device_time: dt.datetime
    results: dict[str, bool] = Field(..., description="检查表每一项：代码 → 是否合格")
    notes: dict[str, str] = {}
    latitude: float | None = None
    longitude: float | None = None
    accuracy_m: float | None = None
    datum: Datum = "wgs84"
    condition_note: str = Field("", max_length=500)
    findings: str = Field("", max_length=1000)
    follow_up: bool = False
    photo_sha256s: list[str] = Field([], max_length=10)


class PatrolOut(Schema):
    id: int
    client_uuid: uuid.UUID
    institution_id: int
    person_id: int
    family_caregiver_id: int | None
    visited_at: dt.datetime
    service_date: dt.date
    distance_m: int | None
    checklist_version: str
    checklist: list[dict]
    condition_note: str
    findings: str
    follow_up: bool


# --- converters -----------------------------------------------------------------------------


def _visit(v: Visit) -> dict:
    return {name: getattr(v, name) for name in VisitOut.model_fields}


def _visit_row(v: Visit) -> dict:
    return {
        **_visit(v),
        "person_name": v.person.name,
        "caregiver_name": v.caregiver.name,
        "institution_name": v.institution.organization.name,
    }


def _position(v: Visit, prefix: str) -> dict:
    from changhu.visits import geo

    lat = getattr(v, f"{prefix}_latitude")
    lon = getattr(v, f"{prefix}_longitude")
    out = {"latitude": lat, "longitude": lon, "accuracy_m": getattr(v, f"{prefix}_accuracy_m")}
    p = v.person
    if lat is not None and p.latitude is not None and p.longitude is not None:
        east, north = geo.offset_m(float(p.latitude), float(p.longitude), lat, lon)
        out.update(east_m=round(east, 1), north_m=round(north, 1))
    return out


def _rule_label(code: str) -> str:
    return RULE_LABELS.get(code, code)


RULE_LABELS = {
    "too_short": "服务时长不足",
    "outside_geofence": "位置不在住址范围内",
    "overlapping_visits": "同一护理员时间重叠",
    "too_fast": "移动速度异常",
    "person_deceased": "参保人身故后服务",
    "person_in_hospital": "住院期间服务",
    "not_entitled": "无待遇资格",
    "item_not_in_plan": "项目不在计划内",
    "item_over_frequency": "超出计划频次",
    "caregiver_no_certificate": "护理员无有效证书",
    "duplicate_photo": "照片重复使用",
    "identical_durations": "时长高度雷同",
}


def _finding(f: Finding) -> dict:
    return {
        "id": f.pk,
        "visit_id": f.visit_id,
        "bed_day_id": f.bed_day_id,
        "person_id": f.person_id,
        "person_name": f.person.name,
        "institution_id": f.institution_id,
        "caregiver_id": f.caregiver_id,
        "period": f.period,
        "service_date": f.service_date,
        "rule_code": f.rule_code,
        "rule_label": _rule_label(f.rule_code),
        "severity": f.severity,
        "status": f.status,
        "rule_version": f.rule_version,
        "reason": f.reason,
        "resolution_reason": f.resolution_reason,
        "resolved_at": f.resolved_at,
    }


def _run(r: ScreeningRun) -> dict:
    return {
        "id": r.pk,
        "period": r.period,
        "status": r.status,
        "rule_version": r.rule_set.version,
        "total_chunks": r.total_chunks,
        "done_chunks": r.done_chunks,
        "percent": r.percent,
        "findings_count": r.findings_count,
        "summary": r.summary,
        "error": r.error,
        "created_at": r.created_at,
        "finished_at": r.finished_at,
    }


def _patrol(p: PatrolVisit) -> dict:
    return {name: getattr(p, name) for name in PatrolOut.model_fields}


# --- phone events ---------------------------------------------------------------------------


@router.post("/photos", response={200: PhotoOut, 201: PhotoOut, **errors(403, 422)})
def photo_upload(request, file: File[UploadedFile]):
    """上传服务照片或签字图片（JPEG/PNG，按内容识别，不超过5MB）；同一内容只保存一次。"""
    photo, created = services.photo_upload(actor=request.auth, upload=file)
    body = {
        "id": photo.pk,
        "sha256": photo.sha256,
        "size": photo.size,
        "content_type": photo.content_type,
        "created": created,
    }
    return Status(201 if created else 200, body)


@router.post("/check-in", response={200: VisitOut, 201: VisitOut, **errors(403, 404, 409, 422)})
def check_in(request, payload: CheckInIn):
    """签到：参保人、设备时间、定位与精度、照片。同一UUID重试返回首次结果（200）。"""
    data = services.CheckIn(**payload.dict())
    visit, created = services.visit_check_in(actor=request.auth, data=data)
    return Status(201 if created else 200, _visit(visit))


def _check_out_data(payload) -> services.CheckOut:
    fields = payload.dict()
    fields["items"] = [services.ItemLine(**i) for i in fields["items"]]
    fields.pop("type", None)
    fields.pop("person_id", None)
    return services.CheckOut(**fields)


@router.post("/check-out", response={200: VisitOut, 201: VisitOut, **errors(403, 404, 409, 422)})
def check_out(request, payload: CheckOutIn):
    """签退：完成的服务项目及次数、定位、照片、家属确认（动态码或签字图片）。"""
    visit, created = services.visit_check_out(actor=request.auth, data=_check_out_data(payload))
    return Status(201 if created else 200, _visit(visit))


@router.post("/batch", response={200: BatchOut, **errors(403, 422)})
def batch(request, payload: BatchIn):
    """离线补传：按顺序处理一天内排队的签到、签退事件，逐条返回结果。"""
    events = []
    for event in payload.events:
        if event.type == "check_in":
            data = services.CheckIn(
                client_uuid=event.client_uuid,
                person_id=event.person_id or 0,
                device_time=event.device_time,
                latitude=event.latitude,
                longitude=event.longitude,
                accuracy_m=event.accuracy_m,
                photo_sha256=event.photo_sha256,
                datum=event.datum,
            )
        else:
            data = _check_out_data(event)
        events.append((event.type, data))
    results = services.visit_batch(actor=request.auth, events=events)
    out = [
        {
            "index": r.index,
            "type": r.type,
            "client_uuid": r.client_uuid,
            "status": r.status,
            "visit": _visit(r.visit) if r.visit else None,
            "error": r.error,
        }
        for r in results
    ]
    return {
        "results": out,
        "created": sum(r.status == "created" for r in results),
        "duplicates": sum(r.status == "duplicate" for r in results),
        "errors": sum(r.status == "error" for r in results),
    }


@router.get("/today", response={200: TodayOut, **errors(403)})
def today(request):
    """护理员今天的服务对象：待遇状态、护理计划项目（勾选清单）和今天的服务记录。"""
    caregiver = services._caregiver_of(request.auth)
    day = clock.today()
    assignments = (
        Assignment.objects.filter(caregiver=caregiver, start_date__lte=day)
        .exclude(end_date__lt=day)
        .select_related("person")
        .order_by("person__name")
    )
    persons = {a.person_id: a.person for a in assignments}
    if caregiver.kind == "family" and caregiver.beneficiary_id:
        persons.setdefault(caregiver.beneficiary_id, caregiver.beneficiary)
    calendar = care_selectors.eligibility_calendar(list(persons), day.strftime("%Y-%m"))
    plan_items = (
        CarePlanItem.objects.filter(
            plan__person_id__in=list(persons), plan__status=CarePlanStatus.CONFIRMED
        )
        .select_related("item", "plan")
        .order_by("item__position")
    )
    items_by_person: dict[int, list] = {}
    for line in plan_items:
        items_by_person.setdefault(line.plan.person_id, []).append(line)
    # Today's visits, and one still open from an earlier day: the caregiver must see (and
    # check out) the visit that stops a new check-in.
    visits = (
        Visit.objects.filter(caregiver=caregiver)
        .filter(Q(service_date=day) | Q(status=VisitStatus.IN_PROGRESS))
        .order_by("check_in_at")
    )
    visits_by_person: dict[int, list] = {}
    for v in visits:
        visits_by_person.setdefault(v.person_id, []).append(_visit(v))
    homes = services.home_contacts_reveal(
        actor=request.auth, caregiver=caregiver, persons=list(persons.values()), day=day
    )
    out = []
    for pid, person in persons.items():
        answer = calendar[pid][day.day - 1]
        out.append(
            {
                "person_id": pid,
                "name": person.name,
                "address_masked": person.address_masked,
                "home": homes.get(pid),
                "eligible": answer.eligible and answer.institution_id == caregiver.institution_id,
                "eligibility": answer.reason_label,
                "plan_items": [
                    {
                        "item_id": line.item_id,
                        "code": line.item.code,
                        "name": line.item.name,
                        "reference_minutes": line.item.reference_minutes,
                        "frequency": line.frequency_label,
                    }
                    for line in items_by_person.get(pid, [])
                ],
                "visits": visits_by_person.get(pid, []),
            }
        )
    return {
        "date": day,
        "caregiver_id": caregiver.pk,
        "caregiver_name": caregiver.name,
        "institution_name": caregiver.institution.organization.name,
        "persons": out,
        "short_visit": {
            "min_ratio": services.short_visit_ratio(rulesets.rules_on(day)),
            "min_minutes": int(services.MIN_VISIT.total_seconds() // 60),
            "reasons": [{"code": c, "label": label} for c, label in ShortVisitReason.choices],
        },
    }


@router.get("/family-code/{int:person_id}", response={200: FamilyCodeOut, **errors(403, 404)})
def family_code(request, person_id: int):
    """家属端：为所代办的参保人显示10分钟有效的服务确认动态码。"""
    return services.family_code_issue(actor=request.auth, person_id=person_id)


# --- visits for staff -----------------------------------------------------------------------


class VisitQuery(Schema):
    day: dt.date | None = None
    status: str = ""
    institution_id: int | None = None
    district: str = ""
    caregiver_id: int | None = None
    person_id: int | None = None
    page: int = 1
    page_size: int = 50


@router.get("", response={200: Page[VisitListOut], **errors(403, 422)})
def visit_list(request, query: Query[VisitQuery]):
    """服务记录（按数据范围）：护理员只见本人，机构只见本机构，经办与监管按地区。"""
    filters = selectors.VisitFilters(
        day=query.day,
        status=query.status,
        institution_id=query.institution_id,
        district=query.district,
        caregiver_id=query.caregiver_id,
        person_id=query.person_id,
    )
    qs = selectors.visit_list(fetched_by=request.auth, filters=filters)
    return paginate(qs, page=query.page, page_size=query.page_size, convert=_visit_row)


@router.get("/{int:visit_id}", response={200: VisitDetailOut, **errors(404)})
def visit_detail(request, visit_id: int):
    """一次服务的完整证据：时间、相对住址的位置、照片、项目、确认方式和稽核发现。"""
    v = selectors.visit_get(fetched_by=request.auth, visit_id=visit_id)
    return {
        **_visit_row(v),
        "check_in_position": _position(v, "check_in"),
        "check_out_position": _position(v, "check_out"),
        "check_in_accuracy_m": v.check_in_accuracy_m,
        "check_in_received_at": v.check_in_received_at,
        "check_out_device_at": v.check_out_device_at,
        "check_out_received_at": v.check_out_received_at,
        "check_in_photo_id": v.check_in_photo_id,
        "check_out_photo_id": v.check_out_photo_id,
        "confirmation_signature_id": v.confirmation_signature_id,
        "items": [
            {
                "item_id": i.item_id,
                "code": i.item.code,
                "name": i.item.name,
                "quantity": i.quantity,
                "reference_minutes": i.item.reference_minutes,
            }
            for i in v.items.all()
        ],
        "findings": [_finding_light(f, v) for f in v.findings.all()],
    }


def _finding_light(f: Finding, v: Visit) -> dict:
    f.person = v.person
    return _finding(f)


@router.post("/{int:visit_id}/cancel", response={200: VisitOut, **errors(403, 404, 409, 422)})
def visit_cancel(request, visit_id: int, payload: CancelIn):
    """取消服务中的记录（如参保人不在家），取消后不结算。"""
    return _visit(
        services.visit_cancel(actor=request.auth, visit_id=visit_id, reason=payload.reason)
    )


# --- findings and screening -----------------------------------------------------------------


class FindingQuery(Schema):
    status: str = ""
    rule_code: str = ""
    period: str = ""
    severity: str = ""
    institution_id: int | None = None
    page: int = 1
    page_size: int = 50


@router.get("/findings", response={200: Page[FindingOut], **errors(403, 422)})
def finding_list(request, query: Query[FindingQuery]):
    """稽核发现（按数据范围）。"""
    require(request.auth, Right.VISITS_VIEW)
    filters = selectors.FindingFilters(
        status=query.status,
        rule_code=query.rule_code,
        period=query.period,
        severity=query.severity,
        institution_id=query.institution_id,
    )
    qs = selectors.finding_list(fetched_by=request.auth, filters=filters)
    return paginate(qs, page=query.page, page_size=query.page_size, convert=_finding)


@router.post(
    "/findings/{int:finding_id}/resolve", response={200: FindingOut, **errors(403, 404, 409, 422)}
)
def finding_resolve(request, finding_id: int, payload: ResolveIn):
    """确认违规（该次服务不予结算）或排除，须填写处理意见。"""
    services.finding_resolve(
        actor=request.auth, finding_id=finding_id, decision=payload.decision, reason=payload.reason
    )
    return _finding(selectors.finding_get(fetched_by=request.auth, finding_id=finding_id))


@router.post("/screening-runs", response={201: RunOut, **errors(403, 409, 422)})
def run_create(request, payload: RunIn):
    """发起一个月的稽核（后台任务，由 changhu run-jobs 执行）。"""
    run = services.screening_request(actor=request.auth, period=payload.period)
    return Status(201, _run(selectors.run_get(fetched_by=request.auth, run_id=run.pk)))


@router.get("/screening-runs/{int:run_id}", response={200: RunOut, **errors(403, 404)})
def run_detail(request, run_id: int):
    """稽核进度与按规则汇总的结果。"""
    require(request.auth, Right.VISITS_SCREEN)
    return _run(selectors.run_get(fetched_by=request.auth, run_id=run_id))


# --- bed-days and patrols -------------------------------------------------------------------


def _stay(s) -> dict:
    return {name: getattr(s, name) for name in StayOut.model_fields}


@router.post("/stays", response={201: StayOut, **errors(403, 404, 409, 422)})
def stay_admit(request, payload: StayIn):
    """入住登记（机构照护），自入住日起生成在床床日。"""
    stay = services.stay_admit(actor=request.auth, **payload.dict())
    return Status(201, _stay(stay))


@router.post(
    "/stays/{int:stay_id}/discharge", response={200: StayOut, **errors(403, 404, 409, 422)}
)
def stay_discharge(request, stay_id: int, payload: DischargeIn):
    """出院（离院）登记：出院当日起不再计床日。"""
    return _stay(
        services.stay_discharge(
            actor=request.auth, stay_id=stay_id, discharged_on=payload.discharged_on
        )
    )


@router.post("/bed-days/mark", response={200: MarkOut, **errors(403, 404, 409, 422)})
def bed_days_mark(request, payload: MarkIn):
    """把入住期间的若干天登记为请假离院、转院住院或在床。"""
    return {"changed": services.bed_days_mark(actor=request.auth, **payload.dict())}


@router.get("/bed-days", response={200: Page[BedDayOut], **errors(403, 422)})
def bed_days(
    request, month: str, person_id: int | None = None, page: int = 1, page_size: int = 100
):
    """某月的床日（按数据范围），按参保人、日期排序分页。"""
    require(request.auth, Right.VISITS_VIEW)
    services._period(month)  # 422 period_invalid unless YYYY-MM
    rows = selectors.bed_day_list(fetched_by=request.auth, month=month, person_id=person_id)
    return paginate(
        rows,
        page=page,
        page_size=page_size,
        convert=lambda b: {
            "id": b.pk,
            "person_id": b.person_id,
            "institution_id": b.institution_id,
            "day": b.day,
            "kind": b.kind,
            "payable": b.payable,
        },
    )


@router.get("/patrol-checklist", response={200: ChecklistOut, **errors()})
def patrol_checklist(request):
    """巡护检查表（护理技能与参保人状况），随稽核规则版本发布。"""
    rules = rulesets.rules_on(clock.today())
    return {"version": rules.version, "items": rules.checklist}


@router.post("/patrols", response={200: PatrolOut, 201: PatrolOut, **errors(403, 409, 422)})
def patrol_create(request, payload: PatrolIn):
    """登记巡护：检查表结果、参保人状况、发现的问题、照片。同一UUID重试返回首次结果。"""
    patrol, created = services.patrol_record(
        actor=request.auth, data=services.PatrolInput(**payload.dict())
    )
    return Status(201 if created else 200, _patrol(patrol))


@router.get("/patrols", response={200: Page[PatrolOut], **errors(403)})
def patrol_list(request, page: int = 1, page_size: int = 50):
    """巡护记录（按数据范围）。"""
    s = scope_of(request.auth)
    if not (s.can(Right.VISITS_VIEW) or s.can(Right.VISITS_PATROL)):
        raise PermissionDenied()
    qs = selectors.patrol_list(fetched_by=request.auth)
    return paginate(qs, page=page, page_size=page_size, convert=_patrol)
