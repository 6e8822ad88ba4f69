"""The visits API's request and response schemas."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from changhu.core import clock
from changhu.visits import geo, services
from changhu.visits.api._common import Datum
from changhu.visits.rules import RULE_LABELS

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

    @staticmethod
    def resolve_person_name(visit) -> str:
        return visit.person.name

    @staticmethod
    def resolve_caregiver_name(visit) -> str:
        return visit.caregiver.name

    @staticmethod
    def resolve_institution_name(visit) -> str:
        return visit.institution.organization.name


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

    @staticmethod
    def resolve_person_name(finding) -> str:
        return finding.person.name

    @staticmethod
    def resolve_rule_label(finding) -> str:
        return RULE_LABELS.get(finding.rule_code, finding.rule_code)


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

    @staticmethod
    def resolve_check_in_position(visit) -> dict:
        return _position(visit, "check_in")

    @staticmethod
    def resolve_check_out_position(visit) -> dict:
        return _position(visit, "check_out")

    @staticmethod
    def resolve_items(visit) -> list[dict]:
        return [
            {
                "item_id": line.item_id,
                "code": line.item.code,
                "name": line.item.name,
                "quantity": line.quantity,
                "reference_minutes": line.item.reference_minutes,
            }
            for line in visit.items.all()
        ]

    @staticmethod
    def resolve_findings(visit) -> list:
        findings = list(visit.findings.all())
        for finding in findings:
            finding.person = visit.person  # one person: no query per finding
        return findings


def _position(visit, prefix: str) -> dict:
    """A recorded position, and where it lies from the home in metres when both are known."""
    lat = getattr(visit, f"{prefix}_latitude")
    lon = getattr(visit, f"{prefix}_longitude")
    out = {"latitude": lat, "longitude": lon, "accuracy_m": getattr(visit, f"{prefix}_accuracy_m")}
    person = visit.person
    if lat is not None and person.latitude is not None and person.longitude is not None:
        east, north = geo.offset_m(float(person.latitude), float(person.longitude), lat, lon)
        out.update(east_m=round(east, 1), north_m=round(north, 1))
    return out


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


class VisitPlanItemOut(Schema):
    item_id: int
    code: str
    name: str
    reference_minutes: int
    frequency: str


class HomeContactOut(Schema):
    label: str
    phone: str


class HomeOut(Schema):
    address: str = Field(..., description="完整居住地址（仅本人有效派定的服务对象，查看留痕）")
    contacts: list[HomeContactOut]
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
    plan_items: list[VisitPlanItemOut]
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


class ScreeningRunOut(Schema):
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

    @staticmethod
    def resolve_rule_version(run) -> str:
        return run.rule_set.version


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


class FollowUpIn(Schema):
    action: str = Field(..., max_length=400, description="跟进事项（不超过200字）")
    due_on: str = Field(..., max_length=10, description="完成期限，YYYY-MM-DD，不早于今天")
    party: Literal["family_caregiver", "institution"] = Field(
        ..., description="责任方：family_caregiver 亲情护理员，institution 护理机构"
    )


class FollowUpDoneIn(Schema):
    note: str = Field(..., max_length=1000, description="完成情况（不超过500字）")


class FollowUpOut(Schema):
    id: int
    patrol_id: int
    person_id: int
    institution_id: int
    action: str
    party: str
    due_on: dt.date
    status: str
    overdue: bool
    created_at: dt.datetime
    done_at: dt.datetime | None
    done_note: str

    @staticmethod
    def resolve_overdue(follow_up) -> bool:
        return follow_up.overdue_on(clock.today())


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
    follow_ups: list[FollowUpIn] = Field([], max_length=10, description="巡护时设定的跟进事项")


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
    follow_ups: list[FollowUpOut]

    @staticmethod
    def resolve_follow_ups(patrol) -> list:
        return list(patrol.follow_ups.all())
