"""A caregiver's record of a visit: photos, check-in, check-out, the offline batch and the family's
code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from changhu.care import eligibility
from changhu.care.models import CatalogueItem
from changhu.core import audit, clock
from changhu.core.db import prepared_statements
from changhu.core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    field_error,
)
from changhu.core.scope import get_scoped, require, scope_of
from changhu.core.transitions import apply
from changhu.core.uploads import check_image, store_once
from changhu.insured.models import ApplicantLink
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right
from changhu.providers.models import CaregiverKind, CaregiverStatus, Institution
from changhu.visits import rules, rulesets
from changhu.visits.facts import check_in_facts
from changhu.visits.models import (
    ConfirmationMethod,
    Finding,
    FindingStatus,
    Photo,
    ShortVisitReason,
    Visit,
    VisitItem,
    VisitStatus,
)
from changhu.visits.services._common import (
    MAX_BATCH_EVENTS,
    MAX_ITEMS,
    MAX_QUANTITY,
    PHOTO_MAX_BYTES,
    VISIT_FLOW,
    _aware,
    _caregiver_of,
    _event_time,
    _family_code_key,
    _photo_id,
    _plausible,
    _position,
    _uuid,
)

# --- photos ---------------------------------------------------------------------------------


def photo_upload(*, actor, upload) -> tuple[Photo, bool]:
    """Store a JPEG/PNG checked by content; the same content is stored once (by SHA-256)."""
    s = scope_of(actor)
    if not (s.can(Right.VISITS_RECORD) or s.can(Right.VISITS_PATROL)):
        raise PermissionDenied()
    checked = check_image(upload, max_bytes=PHOTO_MAX_BYTES, field="file")
    existing = Photo.objects.filter(sha256=checked.sha256).first()
    if existing is not None:
        return existing, False
    institution = None
    if s.organization_kind == OrgKind.CARE:
        institution = Institution.objects.filter(organization_id=s.organization_id).first()
    photo = Photo(
        sha256=checked.sha256,
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=actor,
        institution=institution,
    )
    note = f"上传照片（{checked.content_type}，{checked.size}字节）"
    return store_once(photo, upload, checked, actor=actor, note=note)


# --- check-in -------------------------------------------------------------------------------


@dataclass
class CheckIn:
    client_uuid: object
    person_id: int
    device_time: dt.datetime
    latitude: float
    longitude: float
    accuracy_m: float
    photo_sha256: str = ""
    datum: str = "wgs84"


def visit_check_in(
    *, actor, data: CheckIn, offline: bool = False, now: dt.datetime | None = None
) -> tuple[Visit, bool]:
    """Start a visit. Returns ``(visit, created)``; a retry of a recorded event returns the
    recorded visit with ``created`` False. The hot path: one query reads every fact needed.
    Visits do not overlap: while the caregiver or the person has a visit in progress, a new
    check-in is refused with 409 ``visit_overlaps`` (decided by the insert, see below)."""
    require(actor, Right.VISITS_RECORD)
    key = _uuid(data.client_uuid)
    try:
        person_id = int(data.person_id)
    except (TypeError, ValueError):
        raise field_error("person_id", "person_invalid", "参保人编号有误") from None
    lat, lon, accuracy = _position(data.latitude, data.longitude, data.accuracy_m, data.datum)
    now = now or clock.now()
    device_at = _aware(data.device_time)
    day = timezone.localdate(device_at if offline else now)
    known = check_in_facts(
        person_id=person_id,
        day=day,
        user_id=actor.pk,
        photo_sha256=data.photo_sha256,
        client_uuid=key,
    )
    caregiver = known.caregiver
    if caregiver is None:
        raise PermissionDenied("当前账号未关联护理员档案", code="not_a_caregiver")
    if known.existing_visit_id is not None:
        if known.existing_caregiver_id != caregiver.id:
            raise Conflict("事件编号已被使用", code="uuid_reused")
        return Visit.objects.get(pk=known.existing_visit_id), False
    rule_data = rulesets.rules_on(timezone.localdate(now))
    at = _event_time(data.device_time, now=now, clock=rule_data.clock, offline=offline)
    if (
        caregiver.status != CaregiverStatus.ACTIVE
        or caregiver.hired_on > day
        or (caregiver.left_on is not None and caregiver.left_on <= day)
    ):
        raise Conflict("护理员不在岗，不能签到", code="caregiver_not_active")
    family_match = caregiver.kind == CaregiverKind.FAMILY and caregiver.beneficiary_id == person_id
    if known.person_id is None or not (known.assigned or family_match):
        raise field_error(
            "person_id", "not_assigned", "该参保人不是您的服务对象（没有有效的护理员派定）"
        )
    answer = eligibility.answer(known.facts, day)
    if not answer.eligible:
        raise Conflict(
            f"该参保人{day.isoformat()}不能享受护理服务：{answer.reason_label}",
            code="not_entitled",
            fields={"person_id": answer.reason_label},
        )
    if answer.institution_id != caregiver.institution_id:
        raise Conflict(
            f"该参保人{day.isoformat()}不由本机构提供服务",
            code="not_entitled",
            fields={"person_id": "不是本机构的服务对象"},
        )
    if not data.photo_sha256:
        raise field_error("photo_sha256", "photo_required", "签到需要拍摄照片")
    if known.photo_id is None:
        raise field_error("photo_sha256", "photo_unknown", "照片尚未上传，请先上传照片")
    _plausible((lat, lon), known.home)
    place = rules.judge_place(
        home=known.home, position=(lat, lon), accuracy_m=accuracy, **rule_data.geofence
    )
    visit = Visit(
        client_uuid=key,
        caregiver_id=caregiver.id,
        person_id=person_id,
        institution_id=caregiver.institution_id,
        region_code=known.region_code,
        service_date=day,
        status=VisitStatus.IN_PROGRESS,
        offline=offline,
        rule_version=rule_data.version,
        check_in_at=at,
        check_in_device_at=_aware(data.device_time),
        check_in_received_at=now,
        check_in_latitude=lat,
        check_in_longitude=lon,
        check_in_accuracy_m=accuracy,
        check_in_distance_m=place.distance_m,
        check_in_place=place.result,
        check_in_photo_id=known.photo_id,
        place_result=place.result,
        payable=False,
    )
    refusals = 0
    while True:
        try:
            _insert(visit, actor)
            return visit, True
        except IntegrityError:
            # A retry of this event that won a race, or a visit already in progress for the
            # caregiver or the person: the partial unique indexes refuse the insert, so the
            # rule costs no look-up on the hot path and concurrent check-ins cannot both win.
            refusals += 1
            existing = Visit.objects.filter(client_uuid=key).first()
            if existing is not None:
                if existing.caregiver_id != caregiver.id:
                    raise Conflict("事件编号已被使用", code="uuid_reused") from None
                return existing, False
            overlap = _overlap(caregiver_id=caregiver.id, person_id=person_id, now=now)
            if overlap is not None:
                raise overlap from None
            if refusals == 3:  # not a rule of ours: another constraint
                raise
            # The visit in the way was checked out in the meantime: try again.


def _insert(visit: Visit, actor) -> None:
    """The visit and its audit entry, committed together (inside a caller's transaction, a
    savepoint: the caller's transaction survives a refused insert); the insert prepared."""
    with transaction.atomic():
        with prepared_statements():
            visit.save(force_insert=True)
        audit.record(
            action="create",
            obj=visit,
            user=actor,
            note=f"签到（{visit.get_check_in_place_display()}，距住址{visit.check_in_distance_m}米）"
            if visit.check_in_distance_m is not None
            else f"签到（{visit.get_check_in_place_display()}）",
        )


def _since(at: dt.datetime, now: dt.datetime) -> str:
    local = timezone.localtime(at)
    if local.date() == timezone.localdate(now):
        return f"今天{local:%H:%M}"
    return f"{local.month}月{local.day}日{local:%H:%M}"


def _overlap(*, caregiver_id: int, person_id: int, now: dt.datetime) -> Conflict | None:
    """409 ``visit_overlaps`` naming the visit in progress of the caregiver (first) or of the
    person, or None if there is none (any more)."""
    open_visits = (
        Visit.objects.filter(status=VisitStatus.IN_PROGRESS)
        .filter(Q(caregiver_id=caregiver_id) | Q(person_id=person_id))
        .select_related("caregiver", "person")
    )
    visit = min(open_visits, key=lambda v: v.caregiver_id != caregiver_id, default=None)
    if visit is None:
        return None
    since = _since(visit.check_in_at, now)
    details = {"open_visit_id": visit.pk, "check_in_at": visit.check_in_at.isoformat()}
    name = visit.person.name
    if visit.caregiver_id == caregiver_id and visit.person_id == person_id:
        details.update(busy="caregiver", open_visit_uuid=str(visit.client_uuid))
        message = f"您{since}已在{name}家签到，本次服务尚未签退，请先签退再开始新的服务"
    elif visit.caregiver_id == caregiver_id:
        details.update(busy="caregiver", open_visit_uuid=str(visit.client_uuid))
        message = (
            f"您{since}在{name}家签到的上门服务尚未签退，不能同时开始另一次服务。"
            "请先签退该服务；已无法签退的（如已离开），请联系机构处理"
        )
    else:
        details["busy"] = "person"
        message = (
            f"{name}正在接受护理员{visit.caregiver.name}的上门服务（{since}签到，尚未签退），"
            "同一时间只能有一位护理员服务，请待其签退后再签到"
        )
    return Conflict(message, code="visit_overlaps", details=details)


# --- check-out ------------------------------------------------------------------------------


@dataclass
class ItemLine:
    item_id: int
    quantity: int = 1


@dataclass
class CheckOut:
    client_uuid: object
    visit_uuid: object
    device_time: dt.datetime
    latitude: float
    longitude: float
    accuracy_m: float
    items: list[ItemLine] = field(default_factory=list)
    photo_sha256: str = ""
    confirmation_method: str = ""
    confirmation_code: str = ""
    signature_sha256: str = ""
    datum: str = "wgs84"
    short_reason: str = ""
    short_reason_note: str = ""


# Below this share of the items' reference minutes a check-out needs a reason, unless the rule
# set in force says otherwise (its ``too_short.min_ratio``: what screening would flag anyway).
DEFAULT_SHORT_RATIO = 0.5
# A check-out this soon after the check-in is no visit at all: refused.
MIN_VISIT = dt.timedelta(minutes=1)


def short_visit_ratio(rule_data) -> float:
    """The share of the reference minutes under which a check-out asks for a reason."""
    too_short = rule_data.params["rules"].get("too_short", {})
    return float(too_short.get("min_ratio", DEFAULT_SHORT_RATIO))


def _short_visit(
    *, check_in_at: dt.datetime, at: dt.datetime, reference: int, ratio: float, data: CheckOut
) -> tuple[str, str]:
    """The reason recorded for a visit ended early: refused with ``visit_too_short`` when it
    lasted under a minute, ``short_reason_required`` when under the ratio without a reason."""
    if at - check_in_at < MIN_VISIT:
        raise field_error(
            "device_time",
            "visit_too_short",
            "签到后不到1分钟，不能签退。请完成服务后再签退；如无法提供服务，请在签退页面取消本次记录",
        )
    minutes = rules.duration_minutes(check_in_at, at)
    reason = (data.short_reason or "").strip()
    note = (data.short_reason_note or "").strip()
    if minutes >= ratio * reference:
        return "", ""
    if not reason:
        raise ValidationFailed(
            f"服务时长{minutes}分钟，不足所选项目参考时长{reference}分钟的{round(ratio * 100)}%，"
            "请选择提前结束的原因后再签退",
            code="short_reason_required",
            fields={"short_reason": "请选择提前结束的原因"},
            details={
                "duration_minutes": minutes,
                "reference_minutes": reference,
                "reasons": [{"code": c, "label": label} for c, label in ShortVisitReason.choices],
            },
        )
    if reason not in ShortVisitReason.values:
        raise field_error("short_reason", "short_reason_invalid", "请从列表中选择提前结束的原因")
    if reason == ShortVisitReason.OTHER and not note:
        raise field_error(
            "short_reason_note", "short_reason_note_required", "选择“其他”时请说明原因"
        )
    return reason, note[:200]


def _items(lines: list[ItemLine]) -> tuple[list[tuple[CatalogueItem, int]], int]:
    if not lines:
        raise field_error("items", "items_required", "请勾选本次完成的服务项目")
    if len(lines) > MAX_ITEMS:
        raise field_error("items", "items_too_many", f"一次服务最多记录{MAX_ITEMS}个项目")
    ids = [int(line.item_id) for line in lines]
    if len(set(ids)) != len(ids):
        raise field_error("items", "item_repeated", "同一服务项目请合并为一行并填写次数")
    for line in lines:
        if not (1 <= int(line.quantity) <= MAX_QUANTITY):
            raise field_error("items", "quantity_invalid", f"次数应为1至{MAX_QUANTITY}")
    found = CatalogueItem.objects.in_bulk(ids)
    missing = [i for i in ids if i not in found]
    if missing:
        raise field_error("items", "item_unknown", f"服务项目不存在：{missing[0]}")
    chosen = [(found[int(line.item_id)], int(line.quantity)) for line in lines]
    return chosen, sum(item.reference_minutes * quantity for item, quantity in chosen)


def visit_check_out(
    *, actor, data: CheckOut, offline: bool = False, now: dt.datetime | None = None
) -> tuple[Visit, bool]:
    """Finish a visit with the items done, position, photo and the family's confirmation."""
    key = _uuid(data.client_uuid)
    caregiver = _caregiver_of(actor)
    existing = Visit.objects.filter(check_out_uuid=key).first()
    if existing is not None:
        if existing.caregiver_id != caregiver.pk:
            raise Conflict("事件编号已被使用", code="uuid_reused")
        return existing, False
    visit_key = _uuid(data.visit_uuid, "visit_uuid")
    visit = (
        Visit.objects.select_related("person")
        .filter(client_uuid=visit_key, caregiver=caregiver)
        .first()
    )
    if visit is None:
        raise Conflict(
            "没有找到对应的签到记录，请先签到",
            code="no_check_in",
            fields={"visit_uuid": "没有对应的签到记录"},
        )
    now = now or clock.now()
    lat, lon, accuracy = _position(data.latitude, data.longitude, data.accuracy_m, data.datum)
    rule_data = rulesets.rules_on(visit.service_date)
    at = _event_time(data.device_time, now=now, clock=rule_data.clock, offline=offline)
    if at < visit.check_in_at:
        raise field_error("device_time", "checkout_before_checkin", "签退时间早于签到时间")
    if at - visit.check_in_at > dt.timedelta(hours=rule_data.clock["max_visit_hours"]):
        raise field_error(
            "device_time",
            "visit_too_long",
            f"签退距签到超过{rule_data.clock['max_visit_hours']}小时，请联系机构处理",
        )
    chosen, reference = _items(data.items)
    short_reason, short_note = _short_visit(
        check_in_at=visit.check_in_at,
        at=at,
        reference=reference,
        ratio=short_visit_ratio(rule_data),
        data=data,
    )
    photo_id = _photo_id(data.photo_sha256, "photo_sha256")
    signature_id = None
    method = data.confirmation_method
    if method == ConfirmationMethod.CODE:
        if not rules.family_code_valid(
            _family_code_key(), visit.person_id, at, data.confirmation_code
        ):
            raise field_error(
                "confirmation_code", "confirmation_code_invalid", "家属动态码不正确或已过期"
            )
    elif method == ConfirmationMethod.SIGNATURE:
        signature_id = _photo_id(data.signature_sha256, "signature_sha256")
    else:
        raise field_error(
            "confirmation_method", "confirmation_required", "请由参保人或家属确认（动态码或签字）"
        )
    person = visit.person
    home = None
    if person.latitude is not None and person.longitude is not None:
        home = (float(person.latitude), float(person.longitude))
    _plausible((lat, lon), home)
    place = rules.judge_place(
        home=home, position=(lat, lon), accuracy_m=accuracy, **rule_data.geofence
    )
    updates = {
        "check_out_uuid": key,
        "check_out_at": at,
        "check_out_device_at": _aware(data.device_time),
        "check_out_received_at": now,
        "check_out_latitude": lat,
        "check_out_longitude": lon,
        "check_out_accuracy_m": accuracy,
        "check_out_distance_m": place.distance_m,
        "check_out_place": place.result,
        "check_out_photo_id": photo_id,
        "confirmation_method": method,
        "confirmation_signature_id": signature_id,
        "duration_minutes": rules.duration_minutes(visit.check_in_at, at),
        "reference_minutes": reference,
        "place_result": rules.worst(visit.check_in_place, place.result),
        "payable": not Finding.objects.filter(visit=visit, status=FindingStatus.CONFIRMED).exists(),
        "offline": visit.offline or offline,
        "short_reason": short_reason,
        "short_reason_note": short_note,
    }
    try:
        with transaction.atomic():
            apply(VISIT_FLOW, visit, "check_out", actor=actor, extra_updates=updates)
            VisitItem.objects.bulk_create(
                [VisitItem(visit=visit, item=item, quantity=q) for item, q in chosen]
            )
    except IntegrityError:
        existing = Visit.objects.filter(check_out_uuid=key).first()
        if existing is None:
            raise
        return existing, False
    return visit, True


def visit_cancel(*, actor, visit_id: int, reason: str) -> Visit:
    """Cancel a visit in progress (e.g. the person was not at home): never payable."""
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", "reason_required", "请填写取消原因")
    s = scope_of(actor)
    with transaction.atomic():
        visit = get_scoped(Visit.objects.select_for_update(), actor, pk=visit_id)
        # The caregiver (own visits) or their institution; supervisors resolve findings instead.
        institution_staff = s.organization_kind == OrgKind.CARE and s.can(Right.VISITS_CANCEL)
        if not (s.can(Right.VISITS_RECORD) or institution_staff):
            raise PermissionDenied()
        apply(
            VISIT_FLOW,
            visit,
            "cancel",
            actor=actor,
            reason=reason,
            check_right=False,
            extra_updates={"payable": False, "cancel_reason": reason[:300]},
        )
    return visit


# --- offline batch --------------------------------------------------------------------------


@dataclass
class BatchResult:
    index: int
    type: str
    client_uuid: str
    status: str  # "created", "duplicate" or "error"
    visit: Visit | None = None
    error: dict | None = None


def visit_batch(*, actor, events: list[tuple[str, CheckIn | CheckOut]]) -> list[BatchResult]:
    """A day's queued events, in order, each answered on its own: one refused event changes
    nothing and does not stop the ones after it (a check-out whose check-in was refused is
    then refused with ``no_check_in``)."""
    require(actor, Right.VISITS_RECORD)
    if len(events) > MAX_BATCH_EVENTS:
        raise field_error("events", "batch_too_large", f"一次最多上传{MAX_BATCH_EVENTS}条记录")
    results = []
    now = clock.now()
    for index, (kind, data) in enumerate(events):
        try:
            with transaction.atomic():
                if kind == "check_in":
                    visit, created = visit_check_in(actor=actor, data=data, offline=True, now=now)
                elif kind == "check_out":
                    visit, created = visit_check_out(actor=actor, data=data, offline=True, now=now)
                else:
                    raise field_error("type", "event_type_invalid", "事件类型应为签到或签退")
        except DomainError as exc:
            results.append(
                BatchResult(index, kind, str(data.client_uuid), "error", error=exc.as_dict())
            )
            continue
        status = "created" if created else "duplicate"
        results.append(BatchResult(index, kind, str(data.client_uuid), status, visit=visit))
    return results


# --- the family's code ----------------------------------------------------------------------


def family_code_issue(*, actor, person_id: int, now: dt.datetime | None = None) -> dict:
    """The code the family's phone shows for the person they act for."""
    require(actor, Right.INSURED_SELF)
    if not ApplicantLink.objects.filter(user=actor, person_id=person_id).exists():
        raise NotFound()
    now = now or clock.now()
    return {
        "person_id": int(person_id),
        "code": rules.family_code(_family_code_key(), int(person_id), now),
        "valid_until": rules.code_valid_until(now),
    }


def family_code_for(person_id: int, at: dt.datetime) -> str:
    """The code of a moment (tests, demo data and the benchmark act as the family)."""
    return rules.family_code(_family_code_key(), int(person_id), at)
